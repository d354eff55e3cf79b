"""Doors: who may open which compartment, and what an opening is for.

* An opening is authorised by a reservation (loading), a redeemed code, or
  ``authorize_open``; an authorisation given while the door is closed lapses
  after ``reservation_timeout`` if the door never opens. An open door with no
  authorisation is a forced door (``forced_open``).
* A code is consumed when the door it released actually opens, not when it is
  entered: a lock that failed to release does not burn the code, and re-entering
  it meanwhile simply re-authorises the same compartment.
* Re-open grace: within ``REOPEN_GRACE`` after a door closed at the end of an
  authorised opening, opening it again continues that purpose (a courier fixing a
  parcel, a resident checking the compartment is empty) instead of raising
  ``forced_open``; it never completes a delivery or pickup a second time.
* ``authorize_open`` on an occupied compartment collects the parcel with the door
  cycle (staff handing it out, the recipient opening from the dashboard);
  ``inspect=True`` opens it without collecting. On a free or out-of-service
  compartment it is a maintenance opening that changes nothing. A reserved
  compartment is already authorised (loading). Who may ask is the glue's
  decision (see ``Ledger.recipient_of``).
* A door reported open (or closed) again is a bounce and is ignored.

What a door cycle completes (storing or collecting a parcel) is ``deliveries``'.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from .code_rules import Codes
from .journal import Journal
from .model import (
    ACTOR_DOOR,
    Authorisation,
    Compartment,
    CompartmentStatus,
    DomainEvent,
    DoorPhase,
    DoorSession,
    EventType,
    iso,
)
from .parcels import Parcels

REOPEN_GRACE = timedelta(seconds=30)


class Doors:
    """Door sessions and authorisations of the compartments."""

    __slots__ = ("_codes", "_journal", "_parcels")

    def __init__(self, parcels: Parcels, codes: Codes, journal: Journal) -> None:
        """Doors consume codes and name the parcel behind them in events."""
        self._parcels = parcels
        self._codes = codes
        self._journal = journal

    def authorise(
        self,
        comp: Compartment,
        session: DoorSession,
        expires: datetime,
        code_id: str | None = None,
    ) -> None:
        """Grant the next opening, or re-purpose the current one if the door is open."""
        if comp.door_open:
            comp.session = session
            if code_id is not None:
                self._codes.consume(code_id)
        else:
            comp.pending = Authorisation(
                session=session, expires=expires, code_id=code_id
            )
        self._journal.changed()

    def authorize_open(
        self,
        comp: Compartment,
        now: datetime,
        expires: datetime,
        *,
        actor: str,
        inspect: bool,
    ) -> None:
        """Authorise the next opening by an admin or the parcel's recipient."""
        if comp.status is CompartmentStatus.RESERVED:
            # The reservation already allows the (loading) opening.
            result = "reserved"
        else:
            purpose = (
                (DoorPhase.INSPECTING if inspect else DoorPhase.UNLOADING)
                if comp.status is CompartmentStatus.OCCUPIED
                else DoorPhase.MAINTENANCE
            )
            self.authorise(comp, DoorSession(purpose, actor, comp.parcel_id), expires)
            result = str(purpose)
        self._journal.record(
            now,
            "authorize_open",
            actor,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=result,
        )

    def opened(self, comp: Compartment, now: datetime) -> list[DomainEvent]:
        """The door sensor reports open: decide what the opening is for."""
        if comp.door_open:
            return []
        session = self._session_for_opening(comp, now)
        self._move(comp, now, session, is_open=True)
        if session.purpose is not DoorPhase.FORCED:
            return []
        data = self._parcels.compartment_event_data(comp) | {"opened_at": iso(now)}
        return [DomainEvent(EventType.FORCED_OPEN, data)]

    def _session_for_opening(self, comp: Compartment, now: datetime) -> DoorSession:
        """Loading a reservation, an authorised opening, a re-open, or forced."""
        pending, grace, grace_until = comp.pending, comp.grace, comp.grace_until
        comp.pending = None
        comp.grace = None
        comp.grace_until = None
        if comp.status is CompartmentStatus.RESERVED:
            return DoorSession(DoorPhase.LOADING, "courier", comp.parcel_id)
        if pending is not None and now < pending.expires:
            if pending.code_id is not None:
                # One-time: the code is spent now that it really opened the door.
                self._codes.consume(pending.code_id)
            return pending.session
        if grace is not None and grace_until is not None and now <= grace_until:
            return replace(grace)
        return DoorSession(DoorPhase.FORCED, "unknown", comp.parcel_id)

    def closed(self, comp: Compartment, now: datetime) -> DoorSession | None:
        """The door sensor reports closed: the session that ended (None: a bounce).

        An authorised session stays open for a re-open within ``REOPEN_GRACE``.
        """
        if not comp.door_open:
            return None
        session = comp.session or DoorSession(DoorPhase.FORCED, "unknown")
        self._move(comp, now, session, is_open=False)
        if session.purpose is not DoorPhase.FORCED:
            comp.grace = session
            comp.grace_until = now + REOPEN_GRACE
        return session

    def _move(
        self, comp: Compartment, now: datetime, session: DoorSession, *, is_open: bool
    ) -> None:
        """A door opened or closed: its state, and a line in the audit trail.

        Each opening gets its own door-left-open alarm.
        """
        comp.door_open = is_open
        comp.opened_at = now if is_open else None
        comp.session = session if is_open else None
        comp.door_alarm_fired = False
        self._journal.record(
            now,
            "door_opened" if is_open else "door_closed",
            ACTOR_DOOR,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=str(session.purpose),
        )
