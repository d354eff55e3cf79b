"""Announced deliveries: what the action and the webhook share.

* A tracking number is 1-40 letters, digits, spaces and dashes, starting with
  a letter or digit (what carriers print); it is matched without case and
  spaces (``domain.ledger.tracking_key``).
* ``expected`` is a date, today at the earliest and ``EXPECTED_DAYS_AHEAD``
  days ahead at the latest (default: ``DEFAULT_EXPECTED_DAYS`` from today). An
  announcement nothing arrived for lapses at the end of the day after it, in
  Home Assistant's time zone.
* The recipient is a ``person`` entity id; the webhook also takes a person's
  name (``find_person``), since a shop knows names, not entity ids.
* ``find_announcement`` looks for an announced tracking number on every
  controller (or the one of a named wall): a courier who gives only the number
  delivers it where it was announced.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .compat import vol
from .coordinator import ParcelLockerCoordinator
from .domain.ledger import Parcel
from .errors import refused
from .targets import target_lockers

EXPECTED_DAYS_AHEAD = 60
DEFAULT_EXPECTED_DAYS = 7
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,39}")


def tracking_number(value: Any) -> str:
    """A tracking number as carriers print it (see module notes)."""
    if not isinstance(value, str) or not _TRACKING.fullmatch(value.strip()):
        raise vol.Invalid("expected a tracking number: letters, digits, spaces")
    return value.strip()


def expected_date(value: Any) -> date:
    """A date (``2026-03-01``), not a time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date, e.g. 2026-03-01")


def expected_until(expected: date | None) -> datetime:
    """When an announcement for ``expected`` lapses: the end of the next day.

    Refuses a date in the past or too far ahead.
    """
    today = dt_util.now().date()
    last = today + timedelta(days=EXPECTED_DAYS_AHEAD)
    day = expected or today + timedelta(days=DEFAULT_EXPECTED_DAYS)
    if not today <= day <= last:
        raise refused(
            "expected_out_of_range", first=today.isoformat(), last=last.isoformat()
        )
    return datetime.combine(
        day + timedelta(days=2), time.min, tzinfo=dt_util.get_default_time_zone()
    )


def find_person(hass: HomeAssistant, name: str) -> str | None:
    """A ``person`` entity id, or the one person with exactly this name."""
    if hass.states.get(name) is not None and name.startswith("person."):
        return name
    wanted = name.strip().casefold()
    found = [
        state.entity_id
        for state in hass.states.async_all("person")
        if state.name.casefold() == wanted
    ]
    return found[0] if len(found) == 1 else None


def find_announcement(
    hass: HomeAssistant, tracking: str, wall: str | None
) -> tuple[ParcelLockerCoordinator, str | None, Parcel] | None:
    """The controller (and wall) where ``tracking`` was announced, if it was."""
    for locker, wall_id in target_lockers(hass, wall):
        if (parcel := locker.ledger.announcement(tracking)) is not None:
            return locker, wall_id, parcel
    return None
