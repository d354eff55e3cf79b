"""What happens as time passes, and the problems a wall has now.

* ``tick`` (every poll) expires reservations whose door never opened, lapses
  authorisations and re-open graces, and fires the watchers below.
* Watchers fire once: ``overdue`` when a stored (or return-waiting) parcel has
  waited ``reminder_interval`` since it was stored or last reminded, so a late
  ``tick`` (hub down for days) fires one reminder, not a burst; ``door_left_open``
  once per opening; ``temperature_alarm`` once per excursion. What already fired
  is persisted, so a restart neither repeats nor loses an alarm.
* Temperature watch applies to every cooled compartment that is not out of
  service (an empty one too: broken cooling should be known before a cold parcel
  is assigned). An excursion starts when such a compartment reads outside the
  band; the alarm fires once it lasted ``temperature_grace``. A reading back in
  the band, or no reading, ends the excursion. The live reading is not
  persisted; the excursion state is.
"""

from __future__ import annotations

from datetime import datetime
import math

from .code_rules import Codes
from .journal import Journal
from .model import (
    ACTOR_AUTOMATION,
    STORED_STATES,
    Compartment,
    CompartmentStatus,
    DomainEvent,
    DoorPhase,
    EventType,
    LedgerSettings,
    Parcel,
    ParcelState,
    Problem,
    iso,
)
from .parcels import Parcels
from .walls import Walls


class Watchers:
    """Deadlines, reminders and alarms over the walls and parcels."""

    __slots__ = ("_codes", "_journal", "_parcels", "_walls")

    def __init__(
        self, walls: Walls, parcels: Parcels, codes: Codes, journal: Journal
    ) -> None:
        """Watch these walls and parcels; purge expired courier codes."""
        self._walls = walls
        self._parcels = parcels
        self._codes = codes
        self._journal = journal

    def tick(self, now: datetime, settings: LedgerSettings) -> list[DomainEvent]:
        """Let time pass: expire reservations and authorisations, fire watchers."""
        events: list[DomainEvent] = []
        for comp in self._walls.compartments():
            events += self._tick_compartment(comp, now, settings)
        for parcel in self._parcels:
            events += self._overdue(parcel, now, settings)
        self._codes.purge_expired_courier_codes(now)
        return events

    def temperature_reading(
        self,
        comp: Compartment,
        celsius: float | None,
        now: datetime,
        settings: LedgerSettings,
    ) -> list[DomainEvent]:
        """A compartment's temperature (None: no sensor or no reading)."""
        value = (
            None if celsius is None or not math.isfinite(celsius) else float(celsius)
        )
        comp.temperature = value
        low, high = settings.temperature_band
        outside = (
            comp.cooled
            and comp.status is not CompartmentStatus.OUT_OF_SERVICE
            and value is not None
            and not low <= value <= high
        )
        if not outside:
            if comp.temp_out_since is not None or comp.temp_alarm_fired:
                comp.temp_out_since = None
                comp.temp_alarm_fired = False
                self._journal.changed()
            return []
        if comp.temp_out_since is None:
            comp.temp_out_since = now
            self._journal.changed()
        return self._temperature_alarm(comp, now, settings)

    def problems(
        self, wall: str, moment: datetime | None, settings: LedgerSettings
    ) -> set[str]:
        """Current problems of a wall (values of ``Problem``).

        With no ``moment`` (just restored), only what already fired counts.
        """
        found: set[str] = set()
        for comp in self._walls.get(wall).compartments.values():
            found |= self.compartment_problems(comp, moment, settings)
        return found

    def compartment_problems(
        self, comp: Compartment, moment: datetime | None, settings: LedgerSettings
    ) -> set[str]:
        """Current problems of one compartment (values of ``Problem``)."""
        found: set[str] = set()
        if comp.door_open and comp.session is not None:
            if comp.session.purpose is DoorPhase.FORCED:
                found.add(Problem.FORCED_DOOR)
            if comp.door_alarm_fired or (
                moment is not None
                and comp.opened_at is not None
                and moment - comp.opened_at >= settings.door_open_alarm
            ):
                found.add(Problem.DOOR_LEFT_OPEN)
        if comp.temp_out_since is not None and (
            comp.temp_alarm_fired
            or (
                moment is not None
                and moment - comp.temp_out_since >= settings.temperature_grace
            )
        ):
            found.add(Problem.TEMPERATURE_OUT_OF_BAND)
        return found

    def _tick_compartment(
        self, comp: Compartment, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        parcel = self._parcels.inside(comp)
        if (
            parcel is not None
            and comp.status is CompartmentStatus.RESERVED
            and not comp.door_open
            and parcel.reserved_until is not None
            and now >= parcel.reserved_until
        ):
            events.append(self._expire(comp, parcel, now))
            if comp.retired:  # dropped with its parcel: nothing left to watch
                return events
        if comp.pending is not None and now >= comp.pending.expires:
            comp.pending = None
            self._journal.record(
                now, "authorisation_expired", ACTOR_AUTOMATION, comp=comp
            )
        if comp.grace_until is not None and now > comp.grace_until:
            comp.grace = None
            comp.grace_until = None
            self._journal.changed()
        events += self._door_left_open(comp, now, settings)
        events += self._temperature_alarm(comp, now, settings)
        return events

    def _expire(self, comp: Compartment, parcel: Parcel, now: datetime) -> DomainEvent:
        """A reservation whose door never opened: the compartment is free again."""
        data = self._parcels.event_data(parcel) | {
            "reserved_until": iso(parcel.reserved_until)
        }
        self._parcels.leave(parcel, ParcelState.EXPIRED, now, ACTOR_AUTOMATION)
        self._journal.record(
            now,
            "reservation_expired",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=parcel.parcel_id,
        )
        return DomainEvent(EventType.RESERVATION_EXPIRED, data)

    def _door_left_open(
        self, comp: Compartment, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        if (
            not comp.door_open
            or comp.door_alarm_fired
            or comp.opened_at is None
            or now - comp.opened_at < settings.door_open_alarm
        ):
            return []
        comp.door_alarm_fired = True
        self._journal.record(
            now,
            "door_left_open",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=comp.parcel_id,
        )
        data = self._parcels.compartment_event_data(comp) | {
            "opened_at": iso(comp.opened_at),
            "seconds": int((now - comp.opened_at).total_seconds()),
            "purpose": str(comp.phase),
        }
        return [DomainEvent(EventType.DOOR_LEFT_OPEN, data)]

    def _temperature_alarm(
        self, comp: Compartment, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        since = comp.temp_out_since
        if since is None or comp.temp_alarm_fired:
            return []
        if now - since < settings.temperature_grace:
            return []
        comp.temp_alarm_fired = True
        low, high = settings.temperature_band
        self._journal.record(
            now,
            "temperature_alarm",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=comp.parcel_id,
        )
        data = self._parcels.compartment_event_data(comp) | {
            "celsius": comp.temperature,
            "low": low,
            "high": high,
            "since": iso(since),
        }
        return [DomainEvent(EventType.TEMPERATURE_ALARM, data)]

    def _overdue(
        self, parcel: Parcel, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        if parcel.state not in STORED_STATES or parcel.cancel_pending:
            return []
        since = parcel.last_reminder or parcel.stored_at
        if since is None or now - since < settings.reminder_interval:
            return []
        parcel.reminders += 1
        parcel.last_reminder = now
        self._journal.record(
            now,
            "overdue",
            ACTOR_AUTOMATION,
            wall=parcel.wall,
            parcel_id=parcel.parcel_id,
            result=str(parcel.reminders),
        )
        stored_at = parcel.stored_at or now
        data = self._parcels.event_data(parcel) | {
            "stored_at": iso(stored_at),
            "reminders": parcel.reminders,
            "waiting_hours": round((now - stored_at).total_seconds() / 3600, 1),
        }
        return [DomainEvent(EventType.OVERDUE, data)]
