"""What happens as time passes, and the problems a wall has now.

* ``tick`` (every poll) expires reservations whose door never opened, lapses
  authorisations and re-open graces, and fires the watchers below.
* Watchers fire once: ``overdue`` when a stored parcel has waited
  ``reminder_interval`` since it was stored or last reminded, so a late
  ``tick`` (hub down for days) fires one reminder, not a burst; ``door_left_open``
  once per opening; ``temperature_alarm`` once per reason and excursion. What
  already fired is persisted, so a restart neither repeats nor loses an alarm.
* Temperature watch applies to every cooled compartment that is not out of
  service, against its wall's band (the settings' band unless the wall has its
  own). An excursion starts with the first reading that is not in the band:
  outside it, or none at all (the probe is silent: unplugged, broken, reading
  -32768). Only a reading back in the band ends the excursion: a probe that
  stops answering never clears an alarm.
* Out of band: the alarm (``reason: out_of_band``) fires once the excursion
  lasted ``temperature_grace``, empty compartment or not: broken cooling should
  be known before a cold parcel is assigned.
* Silent: the problem ``probe_silent`` shows once the silence lasted the grace,
  empty compartment or not. The alarm (``reason: silent``) fires only while the
  compartment holds a parcel: what an empty compartment's silence puts at risk
  is the next cold parcel, and assignment already keeps cold parcels away from
  compartments without a reading (see ``walls``). A parcel put in later (a
  normal one: only those may go there) fires the alarm then.
* Each reason alarms once per excursion; either alarm stays (the compartment is
  in temperature alarm, its problem shows at once) until a reading in the band.
* The live reading is not persisted; the excursion state is, so a restart
  neither repeats nor loses an alarm.
"""

from __future__ import annotations

from datetime import datetime
import math

from .code_rules import Codes
from .journal import Journal
from .model import (
    ACTOR_AUTOMATION,
    Compartment,
    CompartmentProblem,
    CompartmentStatus,
    DomainEvent,
    DoorPhase,
    EventType,
    LedgerSettings,
    Parcel,
    ParcelState,
    Problem,
    TemperatureFault,
    iso,
)
from .parcels import Parcels
from .walls import Walls


class Watchers:
    """Deadlines, reminders and alarms over the walls and parcels."""

    __slots__ = ("_codes", "_journal", "_parcels", "_timed", "_walls")

    def __init__(
        self, walls: Walls, parcels: Parcels, codes: Codes, journal: Journal
    ) -> None:
        """Watch these walls and parcels; purge expired courier codes."""
        self._walls = walls
        self._parcels = parcels
        self._codes = codes
        self._journal = journal
        self._timed: tuple[int, list[Compartment]] | None = None

    def tick(self, now: datetime, settings: LedgerSettings) -> list[DomainEvent]:
        """Let time pass: expire reservations and authorisations, fire watchers."""
        events: list[DomainEvent] = []
        for comp in self._timed_compartments():
            events += self._tick_compartment(comp, now, settings)
        for parcel in self._parcels.in_progress():
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
        """A compartment's temperature (None: no probe answer; see module notes)."""
        value = (
            None if celsius is None or not math.isfinite(celsius) else float(celsius)
        )
        comp.temperature = value
        low, high = self._walls.band(comp.wall, settings)
        if not _watched(comp) or (value is not None and low <= value <= high):
            _end_excursion(comp, self._journal)
            return []
        before = (comp.temp_out_since, comp.probe_silent_since)
        if comp.temp_out_since is None:
            comp.temp_out_since = now
        if value is not None:
            comp.probe_silent_since = None
        elif comp.probe_silent_since is None:
            comp.probe_silent_since = now
        if (comp.temp_out_since, comp.probe_silent_since) != before:
            self._journal.changed()
        return self._temperature_alarm(comp, now, settings)

    def problems(
        self, wall: str, moment: datetime | None, settings: LedgerSettings
    ) -> list[CompartmentProblem]:
        """Current problems of a wall, compartment by compartment.

        With no ``moment`` (just restored), only what already fired counts.
        """
        found: list[CompartmentProblem] = []
        for comp in self._walls.get(wall).compartments.values():
            found += (
                CompartmentProblem(problem, comp.number, comp.label)
                for problem in _compartment_problems(comp, moment, settings)
            )
        return found

    def _timed_compartments(self) -> list[Compartment]:
        """The compartments where something runs out with time.

        Worked out once per revision: every change of state moves it, and it
        takes a change of state for something to start running out. A poll
        that changed nothing does not walk every compartment again.
        """
        revision = self._journal.revision
        if self._timed is None or self._timed[0] != revision:
            self._timed = (
                revision,
                [comp for comp in self._walls.compartments() if _runs_out(comp)],
            )
        return list(self._timed[1])

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
        """Fire the excursion's alarm once it is due (see module notes)."""
        if comp.temp_out_since is None or not _watched(comp):
            return []
        grace = settings.temperature_grace
        if comp.probe_silent_since is not None:
            since = comp.probe_silent_since
            if comp.silent_alarm_fired or comp.parcel_id is None or now - since < grace:
                return []
            comp.silent_alarm_fired = True
            fault = TemperatureFault.SILENT
        else:
            since = comp.temp_out_since
            if comp.temp_alarm_fired or now - since < grace:
                return []
            comp.temp_alarm_fired = True
            fault = TemperatureFault.OUT_OF_BAND
        low, high = self._walls.band(comp.wall, settings)
        self._journal.record(
            now,
            "temperature_alarm",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=str(fault),
        )
        data = self._parcels.compartment_event_data(comp) | {
            "reason": str(fault),
            "celsius": comp.temperature,
            "low": low,
            "high": high,
            "since": iso(since),
        }
        return [DomainEvent(EventType.TEMPERATURE_ALARM, data)]

    def _overdue(
        self, parcel: Parcel, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        # Only a parcel its recipient can collect: never a return waiting for
        # its carrier, nor a parcel going back to its sender.
        if parcel.state is not ParcelState.STORED or parcel.cancel_pending:
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


def _watched(comp: Compartment) -> bool:
    """Whether a compartment's temperature is watched at all."""
    return comp.cooled and comp.status is not CompartmentStatus.OUT_OF_SERVICE


def _runs_out(comp: Compartment) -> bool:
    """Whether anything of the compartment ends with time (``tick`` looks at it).

    A reservation, an authorisation, a re-open grace, an open door (its alarm)
    or a temperature excursion (its alarm).
    """
    return (
        comp.status is CompartmentStatus.RESERVED
        or comp.pending is not None
        or comp.grace_until is not None
        or comp.door_open
        or comp.temp_out_since is not None
    )


def _end_excursion(comp: Compartment, journal: Journal) -> None:
    """Back in the band (or no longer watched): the excursion and its alarms end."""
    if (
        comp.temp_out_since is not None
        or comp.probe_silent_since is not None
        or comp.temp_alarm
    ):
        comp.temp_out_since = comp.probe_silent_since = None
        comp.temp_alarm_fired = comp.silent_alarm_fired = False
        journal.changed()


def _compartment_problems(
    comp: Compartment, moment: datetime | None, settings: LedgerSettings
) -> list[Problem]:
    """What is wrong with one compartment at ``moment`` (None: only what fired)."""
    found: list[Problem] = []
    if comp.door_open and comp.session is not None:
        if comp.session.purpose is DoorPhase.FORCED:
            found.append(Problem.FORCED_DOOR)
        if comp.door_alarm_fired or (
            moment is not None
            and comp.opened_at is not None
            and moment - comp.opened_at >= settings.door_open_alarm
        ):
            found.append(Problem.DOOR_LEFT_OPEN)
    if comp.temp_out_since is None or not _watched(comp):
        return found
    # The current fault shows at once while the compartment is in alarm (an
    # alarm of either reason stays until a reading in the band), else once it
    # lasted the grace.
    if comp.probe_silent_since is not None:
        problem, since = Problem.PROBE_SILENT, comp.probe_silent_since
    else:
        problem, since = Problem.TEMPERATURE_OUT_OF_BAND, comp.temp_out_since
    if comp.temp_alarm or (
        moment is not None and moment - since >= settings.temperature_grace
    ):
        found.append(problem)
    return found
