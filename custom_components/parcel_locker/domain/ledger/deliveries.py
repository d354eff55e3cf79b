"""The life cycle of a delivery, from reservation to collection.

Life cycle of a compartment and its parcel::


    free --assign/start_return/courier code--> reserved (door: authorised)
    reserved --door opened--> loading --door closed--> occupied (code issued:
        "delivered", or "return_ready" for a return)
    occupied --code / authorize_open--> authorised --door opened--> unloading
        --door closed--> free (parcel collected: "picked_up")

* ``assign`` and ``start_return`` reserve a compartment (see ``walls`` for which);
  the glue releases its lock. A resident's return becomes ``return_waiting`` after
  their door cycle, and a carrier collection code goes out with ``return_ready``.
* A courier code reserves, at each use, the smallest free compartment that fits
  its size (never a cooled-only choice) for an unknown recipient and opens it. If
  nothing is free the code is not spent. After the door cycle the parcel is stored
  and a pickup code is issued (and ``delivered`` fired) as for any delivery.
* The code itself is never in an event: events reach the recorder and automation
  traces. It travels beside it (``DomainEvent.issued``), for the hub to keep in
  memory and hand to the recipient only.
* ``cancel``: a reservation is cancelled and the compartment freed at once; a
  stored parcel is still physically inside, so its codes are revoked, the
  compartment is authorised for one opening (release the lock) and the parcel
  becomes ``cancelled`` (no ``picked_up`` event) when that door cycle ends - never
  sooner, so no second parcel can be put on top of it.
* ``mark_collected`` (staff override) finishes a stored parcel at once, door or
  not, and fires ``picked_up`` with ``override: true`` (or silently finishes a
  pending cancellation as ``cancelled``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..sizes import Size
from .code_rules import Codes
from .codes import StoredCode
from .doors import Doors
from .journal import Journal
from .model import (
    ACTOR_DOOR,
    UNKNOWN_RECIPIENT,
    CodeKind,
    Compartment,
    CompartmentStatus,
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

DEFAULT_COURIER_CARRIER = "courier"


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
        *,
        recipient: str,
        size: Size,
        carrier: str,
        tracking: str | None,
        cold: bool,
        wall: str | None,
        number: int | None,
        now: datetime,
        settings: LedgerSettings,
        actor: str,
        created_by: str | None,
    ) -> Parcel:
        """Reserve the compartment a new delivery or return goes to (a copy)."""
        comp = self._walls.choose(
            Size(size), cold=cold, wall=wall, number=number, settings=settings
        )
        parcel = self._parcels.reserve(
            comp,
            kind,
            recipient=recipient,
            size=Size(size),
            carrier=carrier,
            tracking=tracking,
            cold=cold,
            now=now,
            until=now + settings.reservation_timeout,
            created_by=created_by,
        )
        action = "start_return" if kind is ParcelKind.RETURN else "assign"
        self._journal.record(now, action, actor, comp=comp, parcel_id=parcel.parcel_id)
        return replace(parcel)

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
            recipient=stored.recipient or UNKNOWN_RECIPIENT,
            size=stored.size,
            carrier=stored.carrier or DEFAULT_COURIER_CARRIER,
            tracking=None,
            cold=False,
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
        }
        kind = EventType.RETURN_READY if is_return else EventType.DELIVERED
        return [DomainEvent(kind, data, issued=issued)]

    def _finish(
        self,
        comp: Compartment,
        parcel: Parcel,
        now: datetime,
        *,
        by: str,
        override: bool,
    ) -> list[DomainEvent]:
        """A stored parcel leaves: collected, or cancelled when a cancel is pending."""
        self._codes.revoke_parcel_codes(parcel, comp)
        cancelled = parcel.cancel_pending
        final = ParcelState.CANCELLED if cancelled else ParcelState.COLLECTED
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
        }
        return [DomainEvent(EventType.PICKED_UP, data)]

    # -- staff actions -----------------------------------------------------------

    def cancel(
        self, parcel_id: str, now: datetime, settings: LedgerSettings, actor: str
    ) -> None:
        """Cancel a parcel: a reservation at once, a stored one with a door cycle."""
        parcel = self._parcels.active(parcel_id)
        comp = self._parcels.home(parcel)
        if parcel.state is ParcelState.RESERVED:
            self._parcels.leave(parcel, ParcelState.CANCELLED, now, actor)
            self._journal.record(
                now, "cancel", actor, comp=comp, parcel_id=parcel_id, result="cancelled"
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
        """Staff override: a stored parcel is gone; the compartment is free now."""
        parcel = self._parcels.waiting(parcel_id)
        comp = self._parcels.home(parcel)
        return self._finish(comp, parcel, now, by=actor, override=True)
