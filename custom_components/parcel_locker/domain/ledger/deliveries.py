"""The life cycle of a delivery, from reservation to collection.

Life cycle of a compartment and its parcel::


    free --assign/start_return/courier code--> reserved (door: authorised)
    reserved --door opened--> loading --door closed--> occupied (code issued:
        "delivered", or "return_ready" for a return)
    occupied --code / authorize_open--> authorised --door opened--> unloading
        --door closed--> free (parcel collected: "picked_up")

* A delivery that fits nowhere is ``held`` (``hold``): recorded without a
  compartment, kept at the desk, announced with ``no_fit``; staff hand it over
  with ``mark_collected``.
* An announced parcel (see ``announcements``) is reserved like any delivery
  when its tracking number is given, keeping its id, recipient, size and cold.
* A stored delivery gets its pickup deadline when its door closes (see
  ``deadlines``); a parcel sent back leaves as ``returned``, not ``collected``.

* ``assign`` and ``start_return`` reserve a compartment (see ``walls`` for which);
  the glue releases its lock. A resident's return becomes ``return_waiting`` after
  their door cycle, and a carrier collection code goes out with ``return_ready``.
* A courier code reserves, at each use, the smallest free compartment that fits
  its size (never a cooled-only choice) for the code's recipient (or an unknown
  one) and carrier, and opens it. If nothing is free the code is not spent.
  After the door cycle the parcel is stored and a pickup code is issued (and
  ``delivered`` fired) as for any delivery.
* The code itself is never in an event: events reach the recorder and automation
  traces. It travels beside it (``DomainEvent.issued``), for the hub to keep in
  memory and hand to the recipient only.
* ``cancel``: a reservation is cancelled and the compartment freed at once; a
  stored parcel is still physically inside, so its codes are revoked, the
  compartment is authorised for one opening (release the lock) and the parcel
  becomes ``cancelled`` (no ``picked_up`` event) when that door cycle ends - never
  sooner, so no second parcel can be put on top of it.
* ``mark_collected`` (staff override) finishes a stored or held parcel at once,
  door or not, and fires ``picked_up`` with ``override: true`` (or silently
  finishes a pending cancellation as ``cancelled``). ``cancel`` finishes an
  announced or held parcel at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..sizes import Size
from .code_rules import Codes
from .codes import StoredCode
from .doors import Doors
from .errors import ErrorKey, LedgerError
from .journal import Journal
from .model import (
    ACTOR_DOOR,
    UNKNOWN_CARRIER,
    UNKNOWN_RECIPIENT,
    CodeKind,
    Compartment,
    CompartmentStatus,
    Consignment,
    DomainEvent,
    DoorPhase,
    DoorSession,
    EventType,
    LedgerSettings,
    Parcel,
    ParcelKind,
    ParcelState,
    RedeemResult,
    iso,
)
from .parcels import Parcels
from .walls import Walls


class Deliveries:
    """Moves parcels through their life cycle, with the doors and the codes."""

    __slots__ = ("_codes", "_doors", "_journal", "_parcels", "_walls")

    def __init__(
        self,
        walls: Walls,
        parcels: Parcels,
        codes: Codes,
        doors: Doors,
        journal: Journal,
    ) -> None:
        """Bind the parts of the ledger a delivery touches."""
        self._walls = walls
        self._parcels = parcels
        self._codes = codes
        self._doors = doors
        self._journal = journal

    # -- reserving ---------------------------------------------------------------

    def reserve(
        self,
        kind: ParcelKind,
        consignment: Consignment,
        *,
        wall: str | None,
        number: int | None,
        now: datetime,
        settings: LedgerSettings,
        actor: str,
        created_by: str | None,
        announced: str | None = None,
    ) -> Parcel:
        """Reserve the compartment a new delivery or return goes to (a copy).

        ``announced`` names the announced parcel this delivery is.
        """
        expected = self._announced(announced)
        comp = self._walls.choose(
            Size(consignment.size),
            cold=consignment.cold,
            wall=wall,
            number=number,
            settings=settings,
        )
        parcel = self._parcels.reserve(
            comp,
            kind,
            consignment,
            now=now,
            until=now + settings.reservation_timeout,
            created_by=created_by,
            announced=expected,
        )
        action = "start_return" if kind is ParcelKind.RETURN else "assign"
        self._journal.record(
            now,
            action,
            actor,
            comp=comp,
            parcel_id=parcel.parcel_id,
            result="announced" if expected else "ok",
        )
        return replace(parcel)

    def hold(
        self,
        consignment: Consignment,
        *,
        wall: str | None,
        now: datetime,
        settings: LedgerSettings,
        actor: str,
        announced: str | None = None,
    ) -> list[DomainEvent]:
        """Record a delivery that fits nowhere: held at the desk, ``no_fit``.

        For a cold parcel the event lists the cooled compartments that were
        free but not ready (in alarm, no reading): staff can fix those.
        """
        expected = self._announced(announced)
        if wall is not None:
            self._walls.get(wall)
        not_ready = (
            self._walls.not_ready_for_cold(
                consignment.size, wall=wall, settings=settings
            )
            if consignment.cold
            else []
        )
        parcel = self._parcels.unplaced(
            ParcelKind.DELIVERY,
            ParcelState.HELD,
            consignment,
            wall=wall,
            now=now,
            announced=expected,
        )
        parcel.stored_at = now
        parcel.expected_until = None
        self._journal.record(
            now, "no_fit", actor, wall=wall, parcel_id=parcel.parcel_id
        )
        data = self._parcels.event_data(parcel) | {
            "cold": parcel.cold,
            "held_at": iso(now),
            "not_ready": not_ready,
        }
        return [DomainEvent(EventType.NO_FIT, data)]

    def _announced(self, parcel_id: str | None) -> Parcel | None:
        """The announced parcel a delivery is, if any (still announced)."""
        if parcel_id is None:
            return None
        parcel = self._parcels.get(parcel_id)
        if parcel.state is not ParcelState.ANNOUNCED:
            raise LedgerError(ErrorKey.NOT_ANNOUNCED, tracking=parcel.tracking or "")
        return parcel

    def redeem(
        self,
        code: str,
        wall: str | None,
        now: datetime,
        settings: LedgerSettings,
        actor: str,
    ) -> RedeemResult:
        """Check an entered code and authorise what it opens (see module notes)."""
        stored = self._codes.check(code, wall, now)
        if stored.kind is CodeKind.COURIER:
            comp = self._courier_drop(stored, now, settings)
            purpose = DoorPhase.LOADING
        else:
            comp = self._unlock(stored, now, settings, actor)
            purpose = DoorPhase.UNLOADING
        parcel = self._parcels.get(comp.parcel_id or "")
        self._journal.record(
            now,
            "redeem",
            actor,
            comp=comp,
            parcel_id=parcel.parcel_id,
            result=str(stored.kind),
        )
        return RedeemResult(
            comp.wall, comp.number, comp.label, replace(parcel), purpose
        )

    def _courier_drop(
        self, stored: StoredCode, now: datetime, settings: LedgerSettings
    ) -> Compartment:
        """Reserve a compartment for a courier's parcel; raises (code not spent)."""
        comp = self._walls.choose(
            stored.size, cold=False, wall=stored.wall, number=None, settings=settings
        )
        self._parcels.reserve(
            comp,
            ParcelKind.COURIER,
            Consignment(
                stored.recipient or UNKNOWN_RECIPIENT,
                stored.size,
                stored.carrier or UNKNOWN_CARRIER,
            ),
            now=now,
            until=now + settings.reservation_timeout,
        )
        self._codes.spend(stored)
        return comp

    def _unlock(
        self, stored: StoredCode, now: datetime, settings: LedgerSettings, actor: str
    ) -> Compartment:
        """Authorise the compartment of the parcel a pickup or return code is for."""
        parcel = self._parcels.get(stored.parcel_id or "")
        comp = self._parcels.home(parcel)
        self._doors.authorise(
            comp,
            DoorSession(DoorPhase.UNLOADING, actor, parcel.parcel_id),
            now + settings.reservation_timeout,
            stored.code_id,
        )
        return comp

    # -- the door cycle ----------------------------------------------------------

    def door_closed(
        self, comp: Compartment, now: datetime, settings: LedgerSettings
    ) -> list[DomainEvent]:
        """Complete what the opening was for: store a load, collect an unload.

        Anything else (inspection, maintenance, a re-open in the grace, a forced
        door) changes no parcel.
        """
        session = self._doors.closed(comp, now)
        parcel = self._parcels.inside(comp)
        if session is None or parcel is None or parcel.parcel_id != session.parcel_id:
            return []
        if (
            session.purpose is DoorPhase.LOADING
            and comp.status is CompartmentStatus.RESERVED
        ):
            return self._store(comp, parcel, now, settings)
        if (
            session.purpose is DoorPhase.UNLOADING
            and comp.status is CompartmentStatus.OCCUPIED
        ):
            return self._finish(comp, parcel, now, by=session.actor, override=False)
        return []

    def _store(
        self,
        comp: Compartment,
        parcel: Parcel,
        now: datetime,
        settings: LedgerSettings,
    ) -> list[DomainEvent]:
        is_return = parcel.kind is ParcelKind.RETURN
        parcel.state = ParcelState.RETURN_WAITING if is_return else ParcelState.STORED
        parcel.stored_at = now
        # Fixed now: a later change of the option affects new parcels only.
        parcel.deadline = None if is_return else now + settings.pickup_deadline
        comp.status = CompartmentStatus.OCCUPIED
        issued = self._codes.issue_for_stored(parcel, now, settings)
        self._journal.record(
            now,
            "return_dropped" if is_return else "delivered",
            ACTOR_DOOR,
            comp=comp,
            parcel_id=parcel.parcel_id,
        )
        data = self._parcels.event_data(parcel) | {
            "expires": iso(issued.expires),
            "stored_at": iso(now),
            "deadline": iso(parcel.deadline),
        }
        kind = EventType.RETURN_READY if is_return else EventType.DELIVERED
        return [DomainEvent(kind, data, issued=issued)]

    def _finish(
        self,
        comp: Compartment | None,
        parcel: Parcel,
        now: datetime,
        *,
        by: str,
        override: bool,
    ) -> list[DomainEvent]:
        """A parcel leaves: collected, returned, or cancelled when one is pending."""
        if comp is not None:
            self._codes.revoke_parcel_codes(parcel, comp)
        cancelled = parcel.cancel_pending
        final = ParcelState.CANCELLED if cancelled else ParcelState.COLLECTED
        sent_back = parcel.state is ParcelState.RETURN_TO_SENDER
        if sent_back and not (cancelled or override):
            final = ParcelState.RETURNED
        self._parcels.leave(parcel, final, now, by)
        self._journal.record(
            now,
            "cancelled" if cancelled else "picked_up",
            by,
            comp=comp,
            parcel_id=parcel.parcel_id,
            result="override" if override else "ok",
        )
        if cancelled:
            return []
        data = self._parcels.event_data(parcel) | {
            "by": by,
            "collected_at": iso(now),
            "override": override,
            "returned": final is ParcelState.RETURNED,
        }
        return [DomainEvent(EventType.PICKED_UP, data)]

    # -- staff actions -----------------------------------------------------------

    def cancel(
        self, parcel_id: str, now: datetime, settings: LedgerSettings, actor: str
    ) -> None:
        """Cancel a parcel: at once unless it is behind a door (then with its cycle)."""
        parcel = self._parcels.unfinished(parcel_id)
        comp = self._parcels.home(parcel) if parcel.active else None
        if comp is None or parcel.state is ParcelState.RESERVED:
            self._parcels.leave(parcel, ParcelState.CANCELLED, now, actor)
            self._journal.record(
                now,
                "cancel",
                actor,
                comp=comp,
                wall=parcel.wall,
                parcel_id=parcel_id,
                result="cancelled",
            )
            return
        self._codes.revoke_parcel_codes(parcel, comp)
        parcel.cancel_pending = True
        self._doors.authorise(
            comp,
            DoorSession(DoorPhase.UNLOADING, actor, parcel_id),
            now + settings.reservation_timeout,
        )
        self._journal.record(
            now, "cancel", actor, comp=comp, parcel_id=parcel_id, result="pending"
        )

    def mark_collected(
        self, parcel_id: str, now: datetime, actor: str
    ) -> list[DomainEvent]:
        """Staff override: a stored or held parcel is gone; its compartment is free."""
        parcel = self._parcels.get(parcel_id)
        if parcel.state is ParcelState.HELD:
            return self._finish(None, parcel, now, by=actor, override=True)
        parcel = self._parcels.waiting(parcel_id)
        comp = self._parcels.home(parcel)
        return self._finish(comp, parcel, now, by=actor, override=True)
