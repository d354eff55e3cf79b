"""The parcel ledger: the locker's memory and the state machine of a delivery.

Pure Python, no Home Assistant imports, no I/O, no clock: every method that depends
on time takes ``now`` (timezone-aware; kept as UTC), so the glue passes
``dt_util.utcnow()`` and tests pass fixed times.

How the glue uses it
--------------------
* Call ``sync_wall`` for every configured wall at start-up (after ``from_dict``)
  and whenever a wall subentry changes.
* Call the action methods from the services, ``door_opened`` / ``door_closed`` /
  ``temperature_reading`` from sensor changes, and ``tick`` on every poll.
* Fire every returned ``DomainEvent`` as ``parcel_locker_<type>``. A refused
  operation raises a ``LedgerError`` (translation key + placeholders); a refused
  code may still carry events in ``error.events``.
* Save ``to_dict()`` whenever ``revision`` moved (also after an error).

Life cycle of a compartment and its parcel::

    free --assign/start_return/courier code--> reserved (door: authorised)
    reserved --door opened--> loading --door closed--> occupied (code issued:
        "delivered", or "return_ready" for a return)
    occupied --code / authorize_open--> authorised --door opened--> unloading
        --door closed--> free (parcel collected: "picked_up")

Design choices (the contract's open points)
-------------------------------------------
* Compartment choice: the smallest size that fits; a cold parcel only goes to a
  cooled compartment; a normal parcel prefers any non-cooled compartment (of any
  size) over a cooled one; ties by wall order (first synced first), then number.
  Compartments out of service, retired, or with an open door are skipped.
* A code is consumed when the door it released actually opens, not when it is
  entered: a lock that failed to release does not burn the code, and re-entering
  it meanwhile simply re-authorises the same compartment. An authorised opening
  lapses after ``reservation_timeout`` if the door never opens.
* Re-open grace: within ``REOPEN_GRACE`` after a door closed at the end of an
  authorised opening, opening it again continues that purpose (a courier fixing a
  parcel, a resident checking the compartment is empty) instead of raising
  ``forced_open``; it never completes a delivery or pickup a second time.
* ``authorize_open`` on an occupied compartment collects the parcel with the door
  cycle (staff handing it out, the recipient opening from the dashboard);
  ``inspect=True`` opens it without collecting. On a free or out-of-service
  compartment it is a maintenance opening that changes nothing. A reserved
  compartment is already authorised (loading).
* ``cancel_delivery``: a reservation is cancelled and the compartment freed at
  once; a stored parcel is still physically inside, so its codes are revoked, the
  compartment is authorised for one opening (release the lock) and the parcel
  becomes ``cancelled`` (no ``picked_up`` event) when that door cycle ends - never
  sooner, so no second parcel can be put on top of it.
* ``mark_collected`` (staff override) finishes a stored parcel at once, door or
  not, and fires ``picked_up`` with ``override: true`` (or silently finishes a
  pending cancellation as ``cancelled``).
* Courier codes are bound to one wall, a validity window and a parcel size
  (default S); each redemption reserves the smallest free compartment that fits
  that size (same rules as ``assign``, never cooled-only) for an "unknown"
  recipient and opens it; ``uses`` (default 1, at most ``MAX_COURIER_USES``) lets
  one courier drop several parcels. If nothing is free the code is not spent.
  After the door cycle the parcel is stored and a pickup code is issued (and
  ``delivered`` fired) as for any delivery.
* Watchers fire once: ``overdue`` when a stored (or return-waiting) parcel has
  waited ``reminder_interval`` since it was stored or last reminded, so a late
  ``tick`` (hub down for days) fires one reminder, not a burst; ``door_left_open``
  once per opening; ``temperature_alarm`` once per excursion. What already fired
  is persisted, so a restart neither repeats nor loses an alarm.
* Deadlines are fixed when set: changing ``reservation_timeout`` or
  ``code_lifetime`` affects new reservations and codes only.
* Wrong codes are not counted here: a refused code raises a ``CodeRejectedError``
  and changes nothing. The hub's ``domain.guard.CodeGuard`` counts failures per
  source (user, keypad) across every ledger, before any ledger is searched.
  Expired and not-yet-valid codes are refusals like wrong ones.
* Out of service is only possible for a free compartment (a parcel inside must be
  taken out first), so a status always agrees with its parcel.
* Compartments removed from the configuration while holding a parcel are kept as
  ``retired`` until the parcel leaves, so a reconfiguration never loses a parcel.
* Temperature watch applies to every cooled compartment that is not out of
  service (an empty one too: broken cooling should be known before a cold parcel
  is assigned). The live reading is not persisted; the excursion state is.
* Parcels that left are kept for history, the newest ``FINISHED_PARCELS_KEPT``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import math
import secrets
from typing import Any

from ..sizes import MAX_COMPARTMENTS, Size
from .codes import CodeBook, StoredCode, normalise_code, qr_payload
from .errors import (
    CodeExpiredError,
    CodeNotFoundError,
    CodeNotYetValidError,
    CodeRejectedError,
    CompartmentDoorOpenError,
    CompartmentNotCooledError,
    CompartmentNotFreeError,
    CompartmentOutOfServiceError,
    CompartmentTooSmallError,
    InvalidCodeError,
    InvalidCompartmentsError,
    InvalidSettingsError,
    InvalidUsesError,
    InvalidValidityError,
    LedgerCorruptError,
    LedgerError,
    LedgerKeyMismatchError,
    NoCompartmentAvailableError,
    NotInStateError,
    ParcelNotFoundError,
    UnknownCompartmentError,
    UnknownWallError,
    WallRequiredError,
)
from .model import (
    CODE_LENGTH_MAX,
    CODE_LENGTH_MIN,
    STORED_STATES,
    AuditEntry,
    Authorisation,
    CodeKind,
    Compartment,
    CompartmentSpec,
    CompartmentStatus,
    CompartmentView,
    DomainEvent,
    DoorPhase,
    DoorSession,
    EventType,
    IssuedCode,
    LedgerSettings,
    Parcel,
    ParcelKind,
    ParcelState,
    Problem,
    RedeemResult,
    Wall,
    iso,
    iso_req,
)
from .persistence import STORAGE_VERSION, load_state, migrate

__all__ = [
    "ACTOR_AUTOMATION",
    "ACTOR_DOOR",
    "ACTOR_KEYPAD",
    "AUDIT_LIMIT",
    "CODE_LENGTH_MAX",
    "CODE_LENGTH_MIN",
    "FINISHED_PARCELS_KEPT",
    "MAX_COURIER_USES",
    "REOPEN_GRACE",
    "STORAGE_VERSION",
    "UNKNOWN_RECIPIENT",
    "AuditEntry",
    "CodeExpiredError",
    "CodeKind",
    "CodeNotFoundError",
    "CodeNotYetValidError",
    "CodeRejectedError",
    "CompartmentDoorOpenError",
    "CompartmentNotCooledError",
    "CompartmentNotFreeError",
    "CompartmentOutOfServiceError",
    "CompartmentSpec",
    "CompartmentStatus",
    "CompartmentTooSmallError",
    "CompartmentView",
    "DomainEvent",
    "DoorPhase",
    "EventType",
    "InvalidCodeError",
    "InvalidCompartmentsError",
    "InvalidSettingsError",
    "InvalidUsesError",
    "InvalidValidityError",
    "IssuedCode",
    "Ledger",
    "LedgerCorruptError",
    "LedgerError",
    "LedgerKeyMismatchError",
    "LedgerSettings",
    "NoCompartmentAvailableError",
    "NotInStateError",
    "Parcel",
    "ParcelKind",
    "ParcelNotFoundError",
    "ParcelState",
    "Problem",
    "RedeemResult",
    "UnknownCompartmentError",
    "UnknownWallError",
    "WallRequiredError",
    "migrate",
]

AUDIT_LIMIT = 1000
FINISHED_PARCELS_KEPT = 500
REOPEN_GRACE = timedelta(seconds=30)
# Expired courier codes are kept this long so a late courier hears "expired"
# rather than "wrong code"; pickup codes live as long as their parcel.
EXPIRED_COURIER_CODES_KEPT = timedelta(days=7)
MAX_COURIER_USES = 20
UNKNOWN_RECIPIENT = "unknown"
DEFAULT_COURIER_CARRIER = "courier"

ACTOR_KEYPAD = "keypad"
ACTOR_AUTOMATION = "automation"
ACTOR_DOOR = "door"

_EXPECT_ACTIVE = "reserved, stored, return_waiting"
_EXPECT_STORED = "stored, return_waiting"


def _spec_numbers(wall_id: str, compartments: Sequence[CompartmentSpec]) -> set[int]:
    """The configured compartment numbers: each 1..250, unique, of a known size."""
    numbers: set[int] = set()
    for spec in compartments:
        if (
            isinstance(spec.number, bool)
            or not isinstance(spec.number, int)
            or not 1 <= spec.number <= MAX_COMPARTMENTS
            or spec.number in numbers
            or spec.size not in set(Size)
        ):
            raise InvalidCompartmentsError(
                {"wall": wall_id, "number": str(spec.number)}
            )
        numbers.add(spec.number)
    return numbers


def _aware(value: datetime) -> datetime:
    """A timezone-aware time as UTC; a naive one is a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times passed to the ledger must be timezone-aware")
    return value.astimezone(UTC)


class Ledger:
    """Compartments, parcels, codes and the audit trail of the locker walls."""

    def __init__(
        self, secret_key: bytes, settings: LedgerSettings | None = None
    ) -> None:
        """Start an empty ledger. ``secret_key`` (>= 16 bytes) keys the code hashes."""
        self._codes = CodeBook(secret_key)
        self._settings = settings if settings is not None else LedgerSettings()
        self._walls: dict[str, Wall] = {}
        self._parcels: dict[str, Parcel] = {}
        self._audit: deque[AuditEntry] = deque(maxlen=AUDIT_LIMIT)
        self._revision = 0
        # Latest time any call passed in: the default for ``problems``. Not stored.
        self._clock: datetime | None = None

    def __repr__(self) -> str:
        """Counts only: no key, no digests, no personal data."""
        return (
            f"Ledger(walls={len(self._walls)}, parcels={len(self._parcels)}, "
            f"codes={len(self._codes)}, revision={self._revision})"
        )

    # ------------------------------------------------------------------ basics

    @property
    def settings(self) -> LedgerSettings:
        """Current options; assign a new ``LedgerSettings`` to change them live."""
        return self._settings

    @settings.setter
    def settings(self, value: LedgerSettings) -> None:
        if not isinstance(value, LedgerSettings):
            raise TypeError("settings must be LedgerSettings")
        self._settings = value

    @property
    def revision(self) -> int:
        """Grows on every state change: save when it moved."""
        return self._revision

    def _changed(self) -> None:
        self._revision += 1

    def _at(self, now: datetime) -> datetime:
        now = _aware(now)
        if self._clock is None or now > self._clock:
            self._clock = now
        return now

    def _log(
        self,
        now: datetime,
        action: str,
        actor: str,
        *,
        comp: Compartment | None = None,
        wall: str | None = None,
        parcel_id: str | None = None,
        result: str = "ok",
    ) -> None:
        """Append to the audit trail (never a code) and count it as a change."""
        self._audit.append(
            AuditEntry(
                time=now,
                action=action,
                wall=comp.wall if comp is not None else wall,
                compartment=comp.label if comp is not None else None,
                parcel_id=parcel_id,
                actor=actor,
                result=result,
            )
        )
        self._changed()

    # ------------------------------------------------------------------ lookups

    def _wall(self, wall_id: str) -> Wall:
        wall = self._walls.get(wall_id)
        if wall is None:
            raise UnknownWallError({"wall": str(wall_id)})
        return wall

    def _comp(self, wall_id: str, number: int) -> Compartment:
        wall = self._walls.get(wall_id)
        comp = wall.compartments.get(number) if wall is not None else None
        if comp is None:
            raise UnknownCompartmentError({"wall": str(wall_id), "number": str(number)})
        return comp

    def _parcel(self, parcel_id: str) -> Parcel:
        parcel = self._parcels.get(parcel_id)
        if parcel is None:
            raise ParcelNotFoundError({"parcel_id": str(parcel_id)})
        return parcel

    def _home(self, parcel: Parcel) -> Compartment:
        """The compartment an active parcel occupies (consistent by construction)."""
        return self._walls[parcel.wall].compartments[parcel.number]

    def _all_compartments(self) -> list[Compartment]:
        return [
            comp
            for wall in self._ordered_walls()
            for comp in wall.compartments.values()
        ]

    def _ordered_walls(self) -> list[Wall]:
        return sorted(self._walls.values(), key=lambda wall: wall.order)

    def _default_wall(self, wall: str | None) -> str:
        if wall is not None:
            return self._wall(wall).wall_id
        if len(self._walls) != 1:
            raise WallRequiredError
        return next(iter(self._walls))

    # ------------------------------------------------------------------ walls

    def sync_wall(
        self, wall_id: str, wall_name: str, compartments: Sequence[CompartmentSpec]
    ) -> list[DomainEvent]:
        """Register or update a wall from its configuration.

        Existing compartments keep their state (parcel, door, codes); new ones start
        free; removed ones are dropped, or retired while they still hold a parcel.
        """
        numbers = _spec_numbers(wall_id, compartments)
        changed = False
        wall = self._walls.get(wall_id)
        if wall is None:
            order = max((item.order for item in self._walls.values()), default=-1) + 1
            wall = Wall(wall_id=wall_id, name=wall_name, order=order)
            self._walls[wall_id] = wall
            changed = True
        elif wall.name != wall_name:
            wall.name = wall_name
            changed = True
        for spec in compartments:
            changed |= self._sync_compartment(wall, spec)
        for number, comp in list(wall.compartments.items()):
            if number in numbers:
                continue
            if comp.parcel_id is None:
                del wall.compartments[number]
                changed = True
            elif not comp.retired:
                comp.retired = True
                changed = True
        wall.compartments = dict(sorted(wall.compartments.items()))
        if changed:
            self._changed()
        return []

    def _sync_compartment(self, wall: Wall, spec: CompartmentSpec) -> bool:
        comp = wall.compartments.get(spec.number)
        if comp is None:
            wall.compartments[spec.number] = Compartment(
                wall=wall.wall_id,
                number=spec.number,
                label=spec.label,
                size=Size(spec.size),
                cooled=bool(spec.cooled),
            )
            return True
        before = (comp.label, comp.size, comp.cooled, comp.retired)
        comp.label, comp.size, comp.cooled, comp.retired = (
            spec.label,
            Size(spec.size),
            bool(spec.cooled),
            False,
        )
        if comp.parcel_id is not None:
            self._parcels[comp.parcel_id].compartment = spec.label
        return before != (comp.label, comp.size, comp.cooled, comp.retired)

    def remove_wall(self, wall_id: str) -> list[DomainEvent]:
        """Forget a wall; compartments holding parcels stay (retired) until empty."""
        wall = self._wall(wall_id)
        self.sync_wall(wall_id, wall.name, [])
        if not wall.compartments:
            del self._walls[wall_id]
            self._changed()
        return []

    def walls(self) -> list[str]:
        """Wall ids in their tie-break order."""
        return [wall.wall_id for wall in self._ordered_walls()]

    def wall_name(self, wall_id: str) -> str:
        """A wall's display name."""
        return self._wall(wall_id).name

    def _view(self, comp: Compartment) -> CompartmentView:
        return CompartmentView(
            wall=comp.wall,
            number=comp.number,
            label=comp.label,
            size=comp.size,
            cooled=comp.cooled,
            status=comp.status,
            phase=comp.phase,
            door_open=comp.door_open,
            parcel_id=comp.parcel_id,
            temperature=comp.temperature,
            retired=comp.retired,
        )

    def compartment(self, wall: str, number: int) -> CompartmentView:
        """A snapshot of one compartment."""
        return self._view(self._comp(wall, number))

    def compartments(self, wall: str) -> list[CompartmentView]:
        """Snapshots of a wall's compartments, by number."""
        return [self._view(comp) for comp in self._wall(wall).compartments.values()]

    def set_out_of_service(
        self,
        wall: str,
        number: int,
        out: bool,  # noqa: FBT001 - the contract's signature
        now: datetime,
        *,
        actor: str = ACTOR_AUTOMATION,
    ) -> list[DomainEvent]:
        """Take a free compartment out of service, or put it back.

        Asking for the state it already has changes nothing. A compartment holding
        or expecting a parcel cannot be taken out (``compartment_not_free``).
        """
        now = self._at(now)
        comp = self._comp(wall, number)
        if out:
            if comp.status is CompartmentStatus.OUT_OF_SERVICE:
                return []
            if comp.status is not CompartmentStatus.FREE:
                raise CompartmentNotFreeError(
                    {
                        "wall": wall,
                        "compartment": comp.label,
                        "status": str(comp.status),
                    }
                )
            comp.status = CompartmentStatus.OUT_OF_SERVICE
        else:
            if comp.status is not CompartmentStatus.OUT_OF_SERVICE:
                return []
            comp.status = CompartmentStatus.FREE
        self._log(
            now, "out_of_service", actor, comp=comp, result="on" if out else "off"
        )
        return []

    # ------------------------------------------------------------------ assignment

    def assign(  # noqa: PLR0917 - the contract's signature
        self,
        recipient: str,
        size: Size,
        carrier: str,
        tracking: str | None,
        cold: bool,  # noqa: FBT001
        wall: str | None,
        now: datetime,
        *,
        number: int | None = None,
        actor: str = ACTOR_AUTOMATION,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve the best compartment for a delivery; the glue releases its lock.

        ``number`` (with ``wall``) asks for one compartment instead of choosing.
        The reservation lapses at ``now + reservation_timeout`` unless the door opens.
        """
        now = self._at(now)
        comp = self._pick(Size(size), cold=cold, wall=wall, number=number)
        parcel = self._reserve(
            comp,
            ParcelKind.DELIVERY,
            recipient=recipient,
            size=Size(size),
            carrier=carrier,
            tracking=tracking,
            cold=cold,
            now=now,
            created_by=created_by,
        )
        self._log(now, "assign", actor, comp=comp, parcel_id=parcel.parcel_id)
        return replace(parcel)

    def start_return(
        self,
        recipient: str,
        size: Size,
        carrier: str,
        now: datetime,
        *,
        wall: str | None = None,
        tracking: str | None = None,
        actor: str = ACTOR_AUTOMATION,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve a compartment for a resident's return drop (release its lock).

        After the resident's door cycle the parcel is ``return_waiting`` and a
        carrier collection code goes out with ``return_ready``.
        """
        now = self._at(now)
        comp = self._pick(Size(size), cold=False, wall=wall, number=None)
        parcel = self._reserve(
            comp,
            ParcelKind.RETURN,
            recipient=recipient,
            size=Size(size),
            carrier=carrier,
            tracking=tracking,
            cold=False,
            now=now,
            created_by=created_by,
        )
        self._log(now, "start_return", actor, comp=comp, parcel_id=parcel.parcel_id)
        return replace(parcel)

    def _assignable(self, comp: Compartment) -> bool:
        return (
            comp.status is CompartmentStatus.FREE
            and not comp.retired
            and not comp.door_open
        )

    def _pick(
        self, size: Size, *, cold: bool, wall: str | None, number: int | None
    ) -> Compartment:
        if number is not None:
            if wall is None:
                raise WallRequiredError
            comp = self._comp(wall, number)
            self._check_choice(comp, size, cold=cold)
            return comp
        walls = [self._wall(wall)] if wall is not None else self._ordered_walls()
        candidates = [
            comp
            for item in walls
            for comp in item.compartments.values()
            if self._assignable(comp)
            and size.fits_in(comp.size)
            and (comp.cooled or not cold)
        ]
        if not candidates:
            raise NoCompartmentAvailableError(
                {"size": str(size), "wall": wall or "any", "cold": str(cold).lower()}
            )
        # Non-cooled first for a normal parcel (cooled ones are scarce), then the
        # smallest size, then wall order and number.
        return min(
            candidates,
            key=lambda comp: (
                comp.cooled and not cold,
                comp.size.rank,
                self._walls[comp.wall].order,
                comp.number,
            ),
        )

    def _check_choice(self, comp: Compartment, size: Size, *, cold: bool) -> None:
        if comp.status is CompartmentStatus.OUT_OF_SERVICE:
            raise CompartmentOutOfServiceError(
                {"wall": comp.wall, "compartment": comp.label}
            )
        if comp.status is not CompartmentStatus.FREE or comp.retired:
            raise CompartmentNotFreeError(
                {
                    "wall": comp.wall,
                    "compartment": comp.label,
                    "status": str(comp.status),
                }
            )
        if comp.door_open:
            raise CompartmentDoorOpenError({"compartment": comp.label})
        if not size.fits_in(comp.size):
            raise CompartmentTooSmallError(
                {
                    "compartment": comp.label,
                    "compartment_size": str(comp.size),
                    "size": str(size),
                }
            )
        if cold and not comp.cooled:
            raise CompartmentNotCooledError({"compartment": comp.label})

    def _new_parcel_id(self) -> str:
        while True:
            parcel_id = secrets.token_hex(6)
            if parcel_id not in self._parcels:
                return parcel_id

    def _reserve(
        self,
        comp: Compartment,
        kind: ParcelKind,
        *,
        recipient: str,
        size: Size,
        carrier: str,
        tracking: str | None,
        cold: bool,
        now: datetime,
        created_by: str | None = None,
    ) -> Parcel:
        parcel = Parcel(
            parcel_id=self._new_parcel_id(),
            kind=kind,
            state=ParcelState.RESERVED,
            recipient=recipient,
            size=size,
            carrier=carrier,
            tracking=tracking,
            cold=bool(cold),
            wall=comp.wall,
            number=comp.number,
            compartment=comp.label,
            created=now,
            reserved_until=now + self._settings.reservation_timeout,
            created_by=created_by,
        )
        self._parcels[parcel.parcel_id] = parcel
        comp.status = CompartmentStatus.RESERVED
        comp.parcel_id = parcel.parcel_id
        # The reservation is the authorisation now; an earlier one is moot.
        comp.pending = None
        comp.grace = None
        comp.grace_until = None
        self._changed()
        return parcel

    # ------------------------------------------------------------------ doors

    def door_opened(self, wall: str, number: int, now: datetime) -> list[DomainEvent]:
        """The door sensor reports open.

        The purpose of the opening is decided here: loading a reservation, an
        authorised opening (consuming the code that granted it), a re-open within
        the grace, or else a forced door (``forced_open``). An open door reported
        again is ignored (bounce).
        """
        now = self._at(now)
        comp = self._comp(wall, number)
        if comp.door_open:
            return []
        session = self._session_for_opening(comp, now)
        comp.door_open = True
        comp.opened_at = now
        comp.session = session
        comp.door_alarm_fired = False
        self._log(
            now,
            "door_opened",
            ACTOR_DOOR,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=str(session.purpose),
        )
        if session.purpose is not DoorPhase.FORCED:
            return []
        data = self._compartment_data(comp) | {"opened_at": iso(now)}
        return [DomainEvent(EventType.FORCED_OPEN, data)]

    def _session_for_opening(self, comp: Compartment, now: datetime) -> DoorSession:
        pending, grace, grace_until = comp.pending, comp.grace, comp.grace_until
        comp.pending = None
        comp.grace = None
        comp.grace_until = None
        if comp.status is CompartmentStatus.RESERVED:
            return DoorSession(DoorPhase.LOADING, "courier", comp.parcel_id)
        if pending is not None and now < pending.expires:
            if pending.code_id is not None:
                # One-time: the code is spent now that it really opened the door.
                self._codes.remove(pending.code_id)
            return pending.session
        if grace is not None and grace_until is not None and now <= grace_until:
            return replace(grace)
        return DoorSession(DoorPhase.FORCED, "unknown", comp.parcel_id)

    def door_closed(self, wall: str, number: int, now: datetime) -> list[DomainEvent]:
        """The door sensor reports closed: complete what the opening was for.

        Loading a reservation stores the parcel and issues its code; unloading
        the parcel it was authorised for collects it. Anything else (inspection,
        maintenance, a re-open in the grace, a forced door) changes no parcel. A
        closed door reported again is ignored (bounce).
        """
        now = self._at(now)
        comp = self._comp(wall, number)
        if not comp.door_open:
            return []
        session = comp.session or DoorSession(DoorPhase.FORCED, "unknown")
        comp.door_open = False
        comp.opened_at = None
        comp.session = None
        comp.door_alarm_fired = False
        self._log(
            now,
            "door_closed",
            ACTOR_DOOR,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=str(session.purpose),
        )
        events: list[DomainEvent] = []
        parcel = (
            self._parcels.get(comp.parcel_id) if comp.parcel_id is not None else None
        )
        if parcel is not None and parcel.parcel_id == session.parcel_id:
            if (
                session.purpose is DoorPhase.LOADING
                and comp.status is CompartmentStatus.RESERVED
            ):
                events = self._store(comp, parcel, now)
            elif (
                session.purpose is DoorPhase.UNLOADING
                and comp.status is CompartmentStatus.OCCUPIED
            ):
                events = self._finish(
                    comp, parcel, now, by=session.actor, override=False
                )
        if session.purpose is not DoorPhase.FORCED:
            comp.grace = session
            comp.grace_until = now + REOPEN_GRACE
        return events

    def _store(
        self, comp: Compartment, parcel: Parcel, now: datetime
    ) -> list[DomainEvent]:
        is_return = parcel.kind is ParcelKind.RETURN
        parcel.state = ParcelState.RETURN_WAITING if is_return else ParcelState.STORED
        parcel.stored_at = now
        comp.status = CompartmentStatus.OCCUPIED
        issued = self._issue(
            CodeKind.RETURN if is_return else CodeKind.PICKUP,
            comp.wall,
            now=now,
            valid_from=now,
            expires=now + self._settings.code_lifetime,
            parcel=parcel,
        )
        self._log(
            now,
            "return_dropped" if is_return else "delivered",
            ACTOR_DOOR,
            comp=comp,
            parcel_id=parcel.parcel_id,
        )
        # The code itself is not in the event: events reach the recorder and
        # automation traces. It travels beside it, for the hub to keep in memory.
        data = self._parcel_data(parcel) | {
            "expires": iso(issued.expires),
            "stored_at": iso(now),
        }
        return [
            DomainEvent(
                EventType.RETURN_READY if is_return else EventType.DELIVERED,
                data,
                issued=issued,
            )
        ]

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
        self._revoke_parcel_codes(parcel, comp)
        cancelled = parcel.cancel_pending
        parcel.state = ParcelState.CANCELLED if cancelled else ParcelState.COLLECTED
        parcel.finished_at = now
        parcel.finished_by = by
        self._release(comp)
        self._log(
            now,
            "cancelled" if cancelled else "picked_up",
            by,
            comp=comp,
            parcel_id=parcel.parcel_id,
            result="override" if override else "ok",
        )
        self._prune_finished()
        if cancelled:
            return []
        data = self._parcel_data(parcel) | {
            "by": by,
            "collected_at": iso(now),
            "override": override,
        }
        return [DomainEvent(EventType.PICKED_UP, data)]

    def _release(self, comp: Compartment) -> None:
        """Free a compartment; a retired one is dropped (an emptied wall with it)."""
        comp.status = CompartmentStatus.FREE
        comp.parcel_id = None
        comp.pending = None
        self._changed()
        if comp.retired:
            wall = self._walls[comp.wall]
            del wall.compartments[comp.number]
            if not wall.compartments:
                del self._walls[wall.wall_id]

    def _prune_finished(self) -> None:
        finished = [parcel for parcel in self._parcels.values() if not parcel.active]
        excess = len(finished) - FINISHED_PARCELS_KEPT
        if excess <= 0:
            return
        epoch = datetime.min.replace(tzinfo=UTC)
        finished.sort(key=lambda parcel: parcel.finished_at or epoch)
        for parcel in finished[:excess]:
            del self._parcels[parcel.parcel_id]

    # ------------------------------------------------------------------ opening rights

    def _authorise(
        self,
        comp: Compartment,
        session: DoorSession,
        now: datetime,
        code_id: str | None = None,
    ) -> None:
        """Grant the next opening, or re-purpose the current one if the door is open."""
        if comp.door_open:
            comp.session = session
            if code_id is not None:
                self._codes.remove(code_id)
        else:
            comp.pending = Authorisation(
                session=session,
                expires=now + self._settings.reservation_timeout,
                code_id=code_id,
            )
        self._changed()

    def authorize_open(
        self,
        wall: str,
        number: int,
        now: datetime,
        *,
        actor: str = ACTOR_AUTOMATION,
        inspect: bool = False,
    ) -> list[DomainEvent]:
        """Authorise the next opening by an admin or the parcel's recipient.

        The permission check is the glue's (see ``recipient_of``). On an occupied
        compartment the door cycle collects the parcel (``picked_up`` with
        ``by=actor``) unless ``inspect``; otherwise it is a maintenance opening.
        The authorisation lapses after ``reservation_timeout``.
        """
        now = self._at(now)
        comp = self._comp(wall, number)
        if comp.status is CompartmentStatus.RESERVED:
            # The reservation already allows the (loading) opening.
            self._log(
                now,
                "authorize_open",
                actor,
                comp=comp,
                parcel_id=comp.parcel_id,
                result="reserved",
            )
            return []
        if comp.status is CompartmentStatus.OCCUPIED:
            purpose = DoorPhase.INSPECTING if inspect else DoorPhase.UNLOADING
        else:
            purpose = DoorPhase.MAINTENANCE
        self._authorise(comp, DoorSession(purpose, actor, comp.parcel_id), now)
        self._log(
            now,
            "authorize_open",
            actor,
            comp=comp,
            parcel_id=comp.parcel_id,
            result=str(purpose),
        )
        return []

    def recipient_of(self, wall: str, number: int) -> str | None:
        """Who may open it as a resident: the recipient of the stored parcel."""
        comp = self._comp(wall, number)
        if comp.status is not CompartmentStatus.OCCUPIED or comp.parcel_id is None:
            return None
        recipient = self._parcels[comp.parcel_id].recipient
        return None if recipient == UNKNOWN_RECIPIENT else recipient

    # ------------------------------------------------------------------ codes

    def _issue(
        self,
        kind: CodeKind,
        wall: str,
        *,
        now: datetime,
        valid_from: datetime,
        expires: datetime,
        parcel: Parcel | None = None,
        uses: int = 1,
        size: Size = Size.S,
        recipient: str | None = None,
        carrier: str | None = None,
    ) -> IssuedCode:
        code, digest = self._codes.draw(self._settings.code_length)
        stored = StoredCode(
            code_id=self._codes.new_code_id(),
            kind=kind,
            digest=digest,
            wall=wall,
            parcel_id=parcel.parcel_id if parcel is not None else None,
            issued=now,
            valid_from=valid_from,
            expires=expires,
            uses_left=uses,
            size=size,
            recipient=recipient,
            carrier=carrier,
        )
        self._codes.add(stored)
        self._changed()
        label = parcel.compartment if parcel is not None else None
        return IssuedCode(
            code=code,
            code_id=stored.code_id,
            kind=kind,
            wall=wall,
            parcel_id=stored.parcel_id,
            valid_from=valid_from,
            expires=expires,
            qr=qr_payload(kind, wall, label, code),
            uses=uses,
        )

    def _revoke_parcel_codes(self, parcel: Parcel, comp: Compartment) -> int:
        """Remove a parcel's codes and any opening one of them granted."""
        removed = {
            stored.code_id for stored in self._codes.for_parcel(parcel.parcel_id)
        }
        for code_id in removed:
            self._codes.remove(code_id)
        if comp.pending is not None and comp.pending.code_id in removed:
            comp.pending = None
        if removed:
            self._changed()
        return len(removed)

    def issue_code(
        self,
        parcel_id: str | None,
        now: datetime,
        *,
        wall: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        size: Size = Size.S,
        uses: int = 1,
        recipient: str | None = None,
        carrier: str | None = None,
        actor: str = ACTOR_AUTOMATION,
    ) -> IssuedCode:
        """Issue a replacement code for a stored parcel, or a courier code.

        With a ``parcel_id``: the parcel's code (pickup, or carrier collection for
        a waiting return) is replaced; the old one stops working. Without: a
        courier code for ``wall`` (needed when there are several walls), creating
        parcels of ``size`` for ``recipient`` (default unknown), ``uses`` times.
        The window defaults to ``now`` .. ``now + code_lifetime``. The plaintext is
        only in the returned ``IssuedCode``.
        """
        now = self._at(now)
        start = now if valid_from is None else _aware(valid_from)
        end = (
            start + self._settings.code_lifetime
            if valid_until is None
            else _aware(valid_until)
        )
        if end <= start or end <= now:
            raise InvalidValidityError(
                {"valid_from": iso_req(start), "valid_until": iso_req(end)}
            )
        if parcel_id is None:
            wall_id = self._default_wall(wall)
            if isinstance(uses, bool) or not 1 <= uses <= MAX_COURIER_USES:
                raise InvalidUsesError(
                    {"uses": str(uses), "max": str(MAX_COURIER_USES)}
                )
            issued = self._issue(
                CodeKind.COURIER,
                wall_id,
                now=now,
                valid_from=start,
                expires=end,
                uses=uses,
                size=Size(size),
                recipient=recipient,
                carrier=carrier,
            )
            self._log(now, "issue_code", actor, wall=wall_id, result="courier")
            return issued
        parcel = self._parcel(parcel_id)
        if parcel.state not in STORED_STATES:
            raise NotInStateError(
                {
                    "parcel_id": parcel_id,
                    "state": str(parcel.state),
                    "expected": _EXPECT_STORED,
                }
            )
        comp = self._home(parcel)
        self._revoke_parcel_codes(parcel, comp)
        kind = (
            CodeKind.RETURN
            if parcel.state is ParcelState.RETURN_WAITING
            else CodeKind.PICKUP
        )
        issued = self._issue(
            kind, parcel.wall, now=now, valid_from=start, expires=end, parcel=parcel
        )
        self._log(
            now,
            "issue_code",
            actor,
            comp=comp,
            parcel_id=parcel_id,
            result="replacement",
        )
        return issued

    def revoke_code(
        self,
        parcel_id: str | None,
        now: datetime,
        *,
        code_id: str | None = None,
        actor: str = ACTOR_AUTOMATION,
    ) -> list[DomainEvent]:
        """Revoke the codes of a parcel, or one code by id (e.g. a courier code)."""
        now = self._at(now)
        if parcel_id is None and code_id is not None:
            stored = self._codes.get(code_id)
            if stored is None:
                raise CodeNotFoundError({"target": code_id})
            if stored.parcel_id is None:
                self._codes.remove(code_id)
                self._log(now, "revoke_code", actor, wall=stored.wall, result="courier")
                return []
            parcel_id = stored.parcel_id
        if parcel_id is None:
            raise CodeNotFoundError({"target": ""})
        parcel = self._parcel(parcel_id)
        if not self._codes.for_parcel(parcel_id):
            raise CodeNotFoundError({"target": parcel_id})
        comp = self._home(parcel)
        self._revoke_parcel_codes(parcel, comp)
        self._log(now, "revoke_code", actor, comp=comp, parcel_id=parcel_id)
        return []

    def list_codes(self, wall: str | None = None) -> list[dict[str, Any]]:
        """Live codes (ids, kinds, windows; never a code or digest)."""
        return [
            stored.public()
            for stored in self._codes
            if wall is None or stored.wall == wall
        ]

    # ------------------------------------------------------------------ redeem

    def holds_code(self, code: str, wall: str | None = None) -> bool:
        """Whether a code is live here, without counting it as an attempt.

        Lets the hub pick which of several controllers to ask; the hub's guard
        has counted the attempt before any ledger is asked.
        """
        normalised = normalise_code(code)
        return (
            normalised is not None and self._codes.match(normalised, wall) is not None
        )

    def redeem(
        self, code: str, wall: str | None, now: datetime, *, actor: str = ACTOR_KEYPAD
    ) -> RedeemResult:
        """Check an entered code and authorise what it opens.

        ``wall`` is the keypad's wall: only that wall's codes match. ``None`` (the
        app, an automation) matches codes of every wall. A wrong, malformed,
        expired or not-yet-valid code raises a ``CodeRejectedError`` and changes
        nothing: the hub's guard counts it for whoever typed it.
        """
        now = self._at(now)
        if wall is not None:
            self._wall(wall)
        digits = normalise_code(code)
        if digits is None:
            raise InvalidCodeError("malformed")
        stored = self._codes.match(digits, wall)
        if stored is None:
            raise InvalidCodeError
        if now < stored.valid_from:
            raise CodeNotYetValidError({"valid_from": iso_req(stored.valid_from)})
        if now >= stored.expires:
            raise CodeExpiredError({"expires": iso_req(stored.expires)})
        result = self._grant(stored, now, actor)
        self._log(
            now,
            "redeem",
            actor,
            comp=self._comp(result.wall, result.number),
            parcel_id=result.parcel.parcel_id,
            result=str(stored.kind),
        )
        return result

    def _grant(self, stored: StoredCode, now: datetime, actor: str) -> RedeemResult:
        """What a valid code does; raises (changing nothing) if it cannot be done."""
        if stored.kind is CodeKind.COURIER:
            comp = self._pick(stored.size, cold=False, wall=stored.wall, number=None)
            parcel = self._reserve(
                comp,
                ParcelKind.COURIER,
                recipient=stored.recipient or UNKNOWN_RECIPIENT,
                size=stored.size,
                carrier=stored.carrier or DEFAULT_COURIER_CARRIER,
                tracking=None,
                cold=False,
                now=now,
            )
            stored.uses_left -= 1
            if stored.uses_left <= 0:
                self._codes.remove(stored.code_id)
            return RedeemResult(
                comp.wall, comp.number, comp.label, replace(parcel), DoorPhase.LOADING
            )
        # Pickup and return codes exist only while their parcel is stored: they are
        # revoked whenever it leaves.
        parcel = self._parcels[stored.parcel_id or ""]
        comp = self._home(parcel)
        self._authorise(
            comp,
            DoorSession(DoorPhase.UNLOADING, actor, parcel.parcel_id),
            now,
            stored.code_id,
        )
        return RedeemResult(
            comp.wall, comp.number, comp.label, replace(parcel), DoorPhase.UNLOADING
        )

    # ------------------------------------------------------------------ staff actions

    def cancel_delivery(
        self, parcel_id: str, now: datetime, *, actor: str = ACTOR_AUTOMATION
    ) -> list[DomainEvent]:
        """Cancel a parcel: a reservation at once, a stored one with a door cycle.

        For a stored parcel, its codes are revoked and the compartment is
        authorised for one opening (release the lock); the parcel is ``cancelled``
        when that door cycle ends (see module notes).
        """
        now = self._at(now)
        parcel = self._parcel(parcel_id)
        if not parcel.active:
            raise NotInStateError(
                {
                    "parcel_id": parcel_id,
                    "state": str(parcel.state),
                    "expected": _EXPECT_ACTIVE,
                }
            )
        comp = self._home(parcel)
        if parcel.state is ParcelState.RESERVED:
            parcel.state = ParcelState.CANCELLED
            parcel.finished_at = now
            parcel.finished_by = actor
            self._release(comp)
            self._log(
                now, "cancel", actor, comp=comp, parcel_id=parcel_id, result="cancelled"
            )
            self._prune_finished()
            return []
        self._revoke_parcel_codes(parcel, comp)
        parcel.cancel_pending = True
        self._authorise(comp, DoorSession(DoorPhase.UNLOADING, actor, parcel_id), now)
        self._log(
            now, "cancel", actor, comp=comp, parcel_id=parcel_id, result="pending"
        )
        return []

    def mark_collected(
        self, parcel_id: str, now: datetime, *, actor: str = ACTOR_AUTOMATION
    ) -> list[DomainEvent]:
        """Staff override: a stored parcel is gone; the compartment is free now."""
        now = self._at(now)
        parcel = self._parcel(parcel_id)
        if parcel.state not in STORED_STATES:
            raise NotInStateError(
                {
                    "parcel_id": parcel_id,
                    "state": str(parcel.state),
                    "expected": _EXPECT_STORED,
                }
            )
        return self._finish(self._home(parcel), parcel, now, by=actor, override=True)

    # ------------------------------------------------------------------ watchers

    def temperature_reading(
        self, wall: str, number: int, celsius: float | None, now: datetime
    ) -> list[DomainEvent]:
        """A compartment's temperature (None: no sensor or no reading).

        An excursion starts when a cooled compartment in service reads outside the
        band; ``temperature_alarm`` fires once it lasted ``temperature_grace``
        (here or in ``tick``), once per excursion. A reading back in the band, or
        no reading, ends the excursion.
        """
        now = self._at(now)
        comp = self._comp(wall, number)
        value = (
            None if celsius is None or not math.isfinite(celsius) else float(celsius)
        )
        comp.temperature = value
        low, high = self._settings.temperature_band
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
                self._changed()
            return []
        if comp.temp_out_since is None:
            comp.temp_out_since = now
            self._changed()
        return self._check_temperature(comp, now)

    def _check_temperature(self, comp: Compartment, now: datetime) -> list[DomainEvent]:
        since = comp.temp_out_since
        if since is None or comp.temp_alarm_fired:
            return []
        if now - since < self._settings.temperature_grace:
            return []
        comp.temp_alarm_fired = True
        low, high = self._settings.temperature_band
        self._log(
            now,
            "temperature_alarm",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=comp.parcel_id,
        )
        data = self._compartment_data(comp) | {
            "celsius": comp.temperature,
            "low": low,
            "high": high,
            "since": iso(since),
        }
        return [DomainEvent(EventType.TEMPERATURE_ALARM, data)]

    def tick(self, now: datetime) -> list[DomainEvent]:
        """Let time pass: expire reservations and authorisations, fire watchers."""
        now = self._at(now)
        events: list[DomainEvent] = []
        for comp in self._all_compartments():
            events += self._tick_compartment(comp, now)
        for parcel in list(self._parcels.values()):
            events += self._tick_overdue(parcel, now)
        for stored in self._codes:
            if (
                stored.parcel_id is None
                and now >= stored.expires + EXPIRED_COURIER_CODES_KEPT
            ):
                self._codes.remove(stored.code_id)
                self._changed()
        return events

    def _tick_compartment(self, comp: Compartment, now: datetime) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        if comp.status is CompartmentStatus.RESERVED and not comp.door_open:
            parcel = self._parcels[comp.parcel_id or ""]
            if parcel.reserved_until is not None and now >= parcel.reserved_until:
                events.append(self._expire(comp, parcel, now))
                if comp.retired:  # dropped with its parcel: nothing left to watch
                    return events
        if comp.pending is not None and now >= comp.pending.expires:
            comp.pending = None
            self._log(now, "authorisation_expired", ACTOR_AUTOMATION, comp=comp)
        if comp.grace_until is not None and now > comp.grace_until:
            comp.grace = None
            comp.grace_until = None
            self._changed()
        if (
            comp.door_open
            and not comp.door_alarm_fired
            and comp.opened_at is not None
            and now - comp.opened_at >= self._settings.door_open_alarm
        ):
            comp.door_alarm_fired = True
            self._log(
                now,
                "door_left_open",
                ACTOR_AUTOMATION,
                comp=comp,
                parcel_id=comp.parcel_id,
            )
            data = self._compartment_data(comp) | {
                "opened_at": iso(comp.opened_at),
                "seconds": int((now - comp.opened_at).total_seconds()),
                "purpose": str(comp.phase),
            }
            events.append(DomainEvent(EventType.DOOR_LEFT_OPEN, data))
        events += self._check_temperature(comp, now)
        return events

    def _expire(self, comp: Compartment, parcel: Parcel, now: datetime) -> DomainEvent:
        parcel.state = ParcelState.EXPIRED
        parcel.finished_at = now
        parcel.finished_by = ACTOR_AUTOMATION
        data = self._parcel_data(parcel) | {
            "reserved_until": iso(parcel.reserved_until)
        }
        self._release(comp)
        self._log(
            now,
            "reservation_expired",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=parcel.parcel_id,
        )
        self._prune_finished()
        return DomainEvent(EventType.RESERVATION_EXPIRED, data)

    def _tick_overdue(self, parcel: Parcel, now: datetime) -> list[DomainEvent]:
        if parcel.state not in STORED_STATES or parcel.cancel_pending:
            return []
        since = parcel.last_reminder or parcel.stored_at
        if since is None or now - since < self._settings.reminder_interval:
            return []
        parcel.reminders += 1
        parcel.last_reminder = now
        self._log(
            now,
            "overdue",
            ACTOR_AUTOMATION,
            wall=parcel.wall,
            parcel_id=parcel.parcel_id,
            result=str(parcel.reminders),
        )
        stored_at = parcel.stored_at or now
        data = self._parcel_data(parcel) | {
            "stored_at": iso(stored_at),
            "reminders": parcel.reminders,
            "waiting_hours": round((now - stored_at).total_seconds() / 3600, 1),
        }
        return [DomainEvent(EventType.OVERDUE, data)]

    def problems(self, wall: str, now: datetime | None = None) -> set[str]:
        """Current problems of a wall (values of ``Problem``).

        ``now`` defaults to the latest time any call passed in; with none yet
        (just restored), only what already fired counts.
        """
        moment = self._at(now) if now is not None else self._clock
        found: set[str] = set()
        for comp in self._wall(wall).compartments.values():
            if comp.door_open and comp.session is not None:
                if comp.session.purpose is DoorPhase.FORCED:
                    found.add(Problem.FORCED_DOOR)
                if comp.door_alarm_fired or (
                    moment is not None
                    and comp.opened_at is not None
                    and moment - comp.opened_at >= self._settings.door_open_alarm
                ):
                    found.add(Problem.DOOR_LEFT_OPEN)
            if comp.temp_out_since is not None and (
                comp.temp_alarm_fired
                or (
                    moment is not None
                    and moment - comp.temp_out_since >= self._settings.temperature_grace
                )
            ):
                found.add(Problem.TEMPERATURE_OUT_OF_BAND)
        return found

    # ------------------------------------------------------------------ queries

    def free_count(self, wall: str, size: Size | None = None) -> int:
        """Free compartments of a wall, of one size when given."""
        return sum(
            1
            for comp in self._wall(wall).compartments.values()
            if comp.status is CompartmentStatus.FREE
            and not comp.retired
            and (size is None or comp.size == size)
        )

    def waiting_count(self, wall: str | None = None) -> int:
        """Parcels stored and waiting (for the recipient, or a carrier: returns)."""
        if wall is not None:
            self._wall(wall)
        return sum(
            1
            for parcel in self._parcels.values()
            if parcel.state in STORED_STATES and (wall is None or parcel.wall == wall)
        )

    def parcel(self, parcel_id: str) -> Parcel:
        """A copy of one parcel."""
        return replace(self._parcel(parcel_id))

    def open_reservations_by(self, user_id: str) -> int:
        """Reservations a user made that are still waiting for their door cycle."""
        return sum(
            1
            for parcel in self._parcels.values()
            if parcel.state is ParcelState.RESERVED and parcel.created_by == user_id
        )

    def parcels_for(self, recipient: str) -> list[Parcel]:
        """Copies of a recipient's active parcels (reserved, stored, return waiting)."""
        return [
            replace(parcel)
            for parcel in self._parcels.values()
            if parcel.recipient == recipient and parcel.active
        ]

    def compartment_status(self, wall: str, number: int) -> CompartmentStatus:
        """A compartment's status."""
        return self._comp(wall, number).status

    def list_parcels(
        self, wall: str | None = None, *, include_finished: bool = False
    ) -> list[dict[str, Any]]:
        """JSON-safe parcels (active ones unless ``include_finished``); never a code."""
        if wall is not None:
            self._wall(wall)
        result: list[dict[str, Any]] = []
        for parcel in self._parcels.values():
            if (wall is not None and parcel.wall != wall) or (
                not include_finished and not parcel.active
            ):
                continue
            codes = self._codes.for_parcel(parcel.parcel_id)
            item = parcel.to_dict()
            item["wall_name"] = (
                self._walls[parcel.wall].name if parcel.wall in self._walls else None
            )
            item["code_expires"] = (
                iso(max(stored.expires for stored in codes)) if codes else None
            )
            result.append(item)
        return result

    def audit_trail(self, limit: int | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first (the last ``limit`` entries when given)."""
        entries = list(self._audit)
        return entries if limit is None else entries[-limit:] if limit > 0 else []

    def _parcel_data(self, parcel: Parcel) -> dict[str, Any]:
        wall = self._walls.get(parcel.wall)
        return {
            "parcel_id": parcel.parcel_id,
            "recipient": parcel.recipient,
            "compartment": parcel.compartment,
            "wall": parcel.wall,
            "wall_name": wall.name if wall is not None else None,
            "number": parcel.number,
            "size": str(parcel.size),
            "carrier": parcel.carrier,
            "tracking": parcel.tracking,
            "kind": str(parcel.kind),
        }

    def _compartment_data(self, comp: Compartment) -> dict[str, Any]:
        """Common keys for a compartment event; parcel keys are None when empty."""
        if comp.parcel_id is not None:
            return self._parcel_data(self._parcels[comp.parcel_id])
        return {
            "parcel_id": None,
            "recipient": None,
            "compartment": comp.label,
            "wall": comp.wall,
            "wall_name": self._walls[comp.wall].name,
            "number": comp.number,
            "size": None,
            "carrier": None,
            "tracking": None,
            "kind": None,
        }

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state: codes only as keyed digests, never the key or a code."""
        return {
            "version": STORAGE_VERSION,
            "revision": self._revision,
            "key_check": self._codes.key_check,
            "walls": [
                {
                    "wall_id": wall.wall_id,
                    "name": wall.name,
                    "order": wall.order,
                    "compartments": [
                        comp.to_dict() for comp in wall.compartments.values()
                    ],
                }
                for wall in self._walls.values()
            ],
            "parcels": [parcel.to_dict() for parcel in self._parcels.values()],
            "codes": self._codes.to_list(),
            "audit": [entry.to_dict() for entry in self._audit],
        }

    @classmethod
    def from_dict(
        cls, data: Any, secret_key: bytes, settings: LedgerSettings | None = None
    ) -> Ledger:
        """Rebuild a ledger from ``to_dict`` output (after ``migrate``).

        Raises ``LedgerCorruptError`` for anything unreadable or inconsistent, and
        ``LedgerKeyMismatchError`` when the data was written with another key.
        """
        raw = migrate(data)
        ledger = cls(secret_key, settings)
        if raw.get("key_check") != ledger._codes.key_check:
            raise LedgerKeyMismatchError
        state = load_state(raw, ledger._codes)
        ledger._revision = state.revision
        ledger._walls = state.walls
        ledger._parcels = state.parcels
        ledger._audit.extend(state.audit)
        return ledger
