"""Households: persons who share their parcels (the option *Households*).

A household is a few persons living together (a couple, a family, flatmates).
Any member counts as the recipient of a parcel for another: they see it (the
``list_parcels`` action, their parcels sensor, the code picture), may open its
compartment, share it and are told about it (events carry ``household``).

The option holds one household per line, its persons separated by commas
(``person.bob, person.carol``); it is stored as lists of person entity ids.
Households are the building's: the options of every entry of the integration
are merged, so a person in households of two controllers shares with both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import re

from homeassistant.core import HomeAssistant

from .const import CONF_HOUSEHOLDS, DOMAIN

_PERSON = re.compile(r"person\.[a-z0-9_]+")
_SEPARATORS = re.compile(r"[,;\s]+")


class HouseholdsError(ValueError):
    """The option's text cannot be households; ``key`` is the form's error."""

    def __init__(self, key: str) -> None:
        """Keep the translation key of the form error."""
        super().__init__(key)
        self.key = key


def parse_households(text: str, persons: Iterable[str]) -> list[list[str]]:
    """The households written in ``text``, checked against existing ``persons``.

    Raises ``HouseholdsError``: a name that is not an existing person
    (``unknown_person``), a person in two households (``person_twice``), a
    household of one (``household_of_one``).
    """
    known = set(persons)
    households: list[list[str]] = []
    seen: set[str] = set()
    for line in text.splitlines():
        members = [name for name in _SEPARATORS.split(line.strip()) if name]
        if not members:
            continue
        if any(not _PERSON.fullmatch(name) or name not in known for name in members):
            raise HouseholdsError("unknown_person")
        if len(set(members)) < 2:  # noqa: PLR2004 - a household is several persons
            raise HouseholdsError("household_of_one")
        if seen & set(members):
            raise HouseholdsError("person_twice")
        seen |= set(members)
        households.append(sorted(set(members)))
    return households


def format_households(households: Iterable[Iterable[str]]) -> str:
    """The option's text for stored households: one per line."""
    return "\n".join(", ".join(members) for members in households)


@dataclass(frozen=True, slots=True)
class Households:
    """Who shares parcels with whom."""

    by_person: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def members(self, person: str) -> frozenset[str]:
        """The persons ``person`` shares with, ``person`` included."""
        return self.by_person.get(person, frozenset({person}))


def households_of(hass: HomeAssistant) -> Households:
    """The building's households, from the options of every entry."""
    by_person: dict[str, set[str]] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        for members in entry.options.get(CONF_HOUSEHOLDS, ()):
            together = set(members)
            for person in members:
                together |= by_person.get(person, set())
            for person in together:
                by_person[person] = together
    return Households({person: frozenset(group) for person, group in by_person.items()})
