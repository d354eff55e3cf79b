"""Repair issues for parcel sensors that contradict the ledger.

The coordinator raises one per compartment where a parcel sensor behind a
closed door says something else than the ledger (``domain.snapshot`` decides);
``repairs`` offers the fixes. Kept apart from ``repairs`` so the coordinator
imports nothing that imports it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .domain.snapshot import PARCEL_MISSING, UNEXPECTED_PARCEL

# Issue kinds: what a parcel sensor contradicts.
ISSUE_PARCEL_MISSING = PARCEL_MISSING
ISSUE_UNEXPECTED_PARCEL = UNEXPECTED_PARCEL


@dataclass(frozen=True, slots=True)
class SensorIssue:
    """What a compartment's parcel sensor contradicts, for its repair issue."""

    kind: str  # ISSUE_PARCEL_MISSING or ISSUE_UNEXPECTED_PARCEL
    label: str
    wall_name: str
    parcel_id: str | None


class ParcelSensorIssues:
    """One repair issue per compartment whose parcel sensor contradicts the ledger.

    Issues are created and deleted only when a compartment's verdict changes
    (and once for all on the first check), not on every poll: an issue fixed
    with *keep* stays away while the sensor says the same.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Nothing checked yet."""
        self._hass = hass
        self._entry_id = entry_id
        self._known: dict[tuple[str, int], SensorIssue] | None = None

    @callback
    def async_update(
        self,
        found: Mapping[tuple[str, int], SensorIssue],
        checked: set[tuple[str, int]],
    ) -> None:
        """Raise ``found`` (compartment -> issue), clear the rest of ``checked``."""
        first = self._known is None
        known = self._known or {}
        for place, issue in found.items():
            if not first and known.get(place) == issue:
                continue
            wall_id, number = place
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                _issue_id(*place),
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key=issue.kind,
                translation_placeholders={
                    "compartment": issue.label,
                    "wall": issue.wall_name,
                },
                data={
                    "entry_id": self._entry_id,
                    "wall": wall_id,
                    "number": number,
                    "parcel_id": issue.parcel_id,
                },
            )
        stale = (checked if first else set(known)) - set(found)
        for place in stale:
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(*place))
        self._known = dict(found)

    @callback
    def async_forget(self, place: tuple[str, int]) -> None:
        """Judge a compartment afresh at the next check."""
        if self._known is not None:
            self._known.pop(place, None)


def _issue_id(wall_id: str, number: int) -> str:
    return f"presence_{wall_id}_{number}"
