"""Plain data of the parcel ledger: enums, settings, events, parcels, compartments.

Kept apart from ``ledger.py`` so the state machine there reads as behaviour only.
Everything here is pure Python and JSON-safe through explicit ``to_dict`` /
``from_dict`` pairs: the Home Assistant glue persists the ledger with a Store, and
reading it back must either give the same ledger or a ``LedgerCorruptError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from ..sizes import Size
from .errors import InvalidSettingsError, LedgerCorruptError

# Minimum and maximum number of digits of a code (options flow: 6-10).
CODE_LENGTH_MIN = 6
CODE_LENGTH_MAX = 10


class CompartmentStatus(StrEnum):
    """What the status sensor of a compartment shows."""

    FREE = "free"
    RESERVED = "reserved"
    OCCUPIED = "occupied"
    OUT_OF_SERVICE = "out_of_service"


class DoorPhase(StrEnum):
    """Why a door is (or may be) open.

    ``idle``: closed, nothing expected. ``authorised``: closed, an opening is
    expected (a reservation, a redeemed code, an admin open). The other values name
    the purpose of the current opening; ``forced`` is an opening nobody authorised.
    """

    IDLE = "idle"
    AUTHORISED = "authorised"
    LOADING = "loading"
    UNLOADING = "unloading"
    INSPECTING = "inspecting"
    MAINTENANCE = "maintenance"
    FORCED = "forced"


class ParcelKind(StrEnum):
    """Where a parcel came from."""

    DELIVERY = "delivery"  # assigned by the hub (assign_delivery)
    COURIER = "courier"  # dropped with a courier code, recipient unknown
    RETURN = "return"  # a resident's return, collected by a carrier


class ParcelState(StrEnum):
    """Life cycle of a parcel; the last three are final."""

    RESERVED = "reserved"
    STORED = "stored"
    RETURN_WAITING = "return_waiting"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


ACTIVE_STATES = frozenset(
    {ParcelState.RESERVED, ParcelState.STORED, ParcelState.RETURN_WAITING}
)
STORED_STATES = frozenset({ParcelState.STORED, ParcelState.RETURN_WAITING})


class CodeKind(StrEnum):
    """What a code opens."""

    PICKUP = "pickup"  # the recipient's compartment
    COURIER = "courier"  # a free compartment for a drop-off
    RETURN = "return"  # a carrier collects a resident's return


class EventType(StrEnum):
    """Event types; the glue fires ``parcel_locker_<type>`` on the bus."""

    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    OVERDUE = "overdue"
    RESERVATION_EXPIRED = "reservation_expired"
    CODE_REJECTED = "code_rejected"
    KEYPAD_LOCKED_OUT = "keypad_locked_out"
    DOOR_LEFT_OPEN = "door_left_open"
    FORCED_OPEN = "forced_open"
    TEMPERATURE_ALARM = "temperature_alarm"
    RETURN_READY = "return_ready"


class Problem(StrEnum):
    """Current problems of a wall (its problem sensor)."""

    FORCED_DOOR = "forced_door"
    DOOR_LEFT_OPEN = "door_left_open"
    TEMPERATURE_OUT_OF_BAND = "temperature_out_of_band"
    KEYPAD_LOCKED_OUT = "keypad_locked_out"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened; the glue puts ``data`` on the bus.

    ``data`` never holds a code: events reach the recorder and automation traces.
    A code issued by the step (``delivered``, ``return_ready``) travels beside it
    in ``issued``, for the hub to hand to the recipient only.
    """

    type: str
    data: dict[str, Any]
    issued: IssuedCode | None = field(default=None, repr=False, compare=False)


def _positive(name: str, value: timedelta) -> None:
    if value <= timedelta(0):
        raise InvalidSettingsError({"setting": name, "value": str(value)})


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """Options of the ledger; replace the whole object to change them live."""

    code_length: int = 8
    code_lifetime: timedelta = timedelta(hours=72)
    reservation_timeout: timedelta = timedelta(minutes=10)
    reminder_interval: timedelta = timedelta(hours=24)
    door_open_alarm: timedelta = timedelta(seconds=120)
    temperature_band: tuple[float, float] = (2.0, 8.0)
    temperature_grace: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        """Refuse values the ledger cannot work with (the options flow limits them)."""
        if isinstance(self.code_length, bool) or not (
            CODE_LENGTH_MIN <= self.code_length <= CODE_LENGTH_MAX
        ):
            raise InvalidSettingsError(
                {"setting": "code_length", "value": str(self.code_length)}
            )
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, timedelta):
                _positive(item.name, value)
        low, high = (float(value) for value in self.temperature_band)
        # Options stored as JSON come back as a list; keep the settings hashable.
        object.__setattr__(self, "temperature_band", (low, high))
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidSettingsError(
                {"setting": "temperature_band", "value": f"{low}..{high}"}
            )


@dataclass(frozen=True, slots=True)
class CompartmentSpec:
    """A compartment as configured (wall subentry): what ``sync_wall`` receives."""

    number: int
    label: str
    size: Size
    cooled: bool


# ---------------------------------------------------------------------------
# Reading stored data. Each reader raises LedgerCorruptError instead of letting a
# KeyError or a wrongly typed value travel into the state machine.


def corrupt(reason: str) -> LedgerCorruptError:
    """The error for unreadable stored data."""
    return LedgerCorruptError({"reason": reason})


def as_mapping(value: Any, what: str) -> Mapping[str, Any]:
    """A stored object, or corrupt."""
    if not isinstance(value, Mapping):
        raise corrupt(f"{what} is not an object")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    """A stored list, or corrupt."""
    if not isinstance(value, list):
        raise corrupt(f"{what} is not a list")
    return value


def read_str(data: Mapping[str, Any], key: str) -> str:
    """A required string."""
    value = data.get(key)
    if not isinstance(value, str):
        raise corrupt(f"{key} is not a string")
    return value


def read_opt_str(data: Mapping[str, Any], key: str) -> str | None:
    """An optional string."""
    value = data.get(key)
    if value is None:
        return None
    return read_str(data, key)


def read_int(data: Mapping[str, Any], key: str) -> int:
    """A required integer (a bool is not one)."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise corrupt(f"{key} is not an integer")
    return value


def read_bool(data: Mapping[str, Any], key: str) -> bool:
    """A required boolean."""
    value = data.get(key)
    if not isinstance(value, bool):
        raise corrupt(f"{key} is not a boolean")
    return value


def read_time(data: Mapping[str, Any], key: str) -> datetime:
    """A required timezone-aware ISO timestamp, as UTC."""
    value = read_str(data, key)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise corrupt(f"{key} is not a timestamp") from err
    if parsed.tzinfo is None:
        raise corrupt(f"{key} has no timezone")
    return parsed.astimezone(UTC)


def read_opt_time(data: Mapping[str, Any], key: str) -> datetime | None:
    """An optional timestamp."""
    if data.get(key) is None:
        return None
    return read_time(data, key)


def read_enum[E: StrEnum](data: Mapping[str, Any], key: str, enum: type[E]) -> E:
    """A required enum member by value."""
    value = read_str(data, key)
    try:
        return enum(value)
    except ValueError as err:
        raise corrupt(f"{key} has an unknown value") from err


def iso(value: datetime | None) -> str | None:
    """A timestamp as ISO text (UTC), or None."""
    return None if value is None else value.astimezone(UTC).isoformat()


def iso_req(value: datetime) -> str:
    """A timestamp as ISO text (UTC)."""
    return value.astimezone(UTC).isoformat()


# ---------------------------------------------------------------------------
# Parcels


@dataclass(slots=True)
class Parcel:
    """A parcel the ledger knows of. Public methods hand out copies."""

    parcel_id: str
    kind: ParcelKind
    state: ParcelState
    recipient: str
    size: Size
    carrier: str
    tracking: str | None
    cold: bool
    wall: str
    number: int
    compartment: str  # the label, e.g. A-07
    created: datetime
    reserved_until: datetime | None
    stored_at: datetime | None = None
    finished_at: datetime | None = None
    finished_by: str | None = None
    last_reminder: datetime | None = None
    reminders: int = 0
    # cancel_delivery on a stored parcel: it leaves as "cancelled" with the next
    # authorised door cycle instead of as "collected".
    cancel_pending: bool = False
    # The Home Assistant user who reserved it (None: staff, automation, keypad):
    # non-staff callers may hold only a few open reservations at a time.
    created_by: str | None = None

    @property
    def active(self) -> bool:
        """Whether the parcel still holds a compartment."""
        return self.state in ACTIVE_STATES

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "parcel_id": self.parcel_id,
            "kind": str(self.kind),
            "state": str(self.state),
            "recipient": self.recipient,
            "size": str(self.size),
            "carrier": self.carrier,
            "tracking": self.tracking,
            "cold": self.cold,
            "wall": self.wall,
            "number": self.number,
            "compartment": self.compartment,
            "created": iso_req(self.created),
            "reserved_until": iso(self.reserved_until),
            "stored_at": iso(self.stored_at),
            "finished_at": iso(self.finished_at),
            "finished_by": self.finished_by,
            "last_reminder": iso(self.last_reminder),
            "reminders": self.reminders,
            "cancel_pending": self.cancel_pending,
            "created_by": self.created_by,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Parcel:
        """Read the form written by ``to_dict``."""
        data = as_mapping(raw, "parcel")
        return cls(
            parcel_id=read_str(data, "parcel_id"),
            kind=read_enum(data, "kind", ParcelKind),
            state=read_enum(data, "state", ParcelState),
            recipient=read_str(data, "recipient"),
            size=read_enum(data, "size", Size),
            carrier=read_str(data, "carrier"),
            tracking=read_opt_str(data, "tracking"),
            cold=read_bool(data, "cold"),
            wall=read_str(data, "wall"),
            number=read_int(data, "number"),
            compartment=read_str(data, "compartment"),
            created=read_time(data, "created"),
            reserved_until=read_opt_time(data, "reserved_until"),
            stored_at=read_opt_time(data, "stored_at"),
            finished_at=read_opt_time(data, "finished_at"),
            finished_by=read_opt_str(data, "finished_by"),
            last_reminder=read_opt_time(data, "last_reminder"),
            reminders=read_int(data, "reminders"),
            cancel_pending=read_bool(data, "cancel_pending"),
            created_by=read_opt_str(data, "created_by"),
        )


# ---------------------------------------------------------------------------
# Compartments


@dataclass(slots=True)
class DoorSession:
    """Why a door is open (or was, for the re-open grace), by whom, for which parcel."""

    purpose: DoorPhase
    actor: str
    parcel_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "purpose": str(self.purpose),
            "actor": self.actor,
            "parcel_id": self.parcel_id,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> DoorSession:
        """Read the form written by ``to_dict``."""
        data = as_mapping(raw, "door session")
        return cls(
            purpose=read_enum(data, "purpose", DoorPhase),
            actor=read_str(data, "actor"),
            parcel_id=read_opt_str(data, "parcel_id"),
        )


@dataclass(slots=True)
class Authorisation:
    """An opening granted while the door is closed; it lapses at ``expires``.

    ``code_id`` names the code that granted it: that code is consumed when the door
    actually opens, so a lock that failed to release does not burn the code.
    """

    session: DoorSession
    expires: datetime
    code_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "session": self.session.to_dict(),
            "expires": iso_req(self.expires),
            "code_id": self.code_id,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Authorisation:
        """Read the form written by ``to_dict``."""
        data = as_mapping(raw, "authorisation")
        return cls(
            session=DoorSession.from_dict(data.get("session")),
            expires=read_time(data, "expires"),
            code_id=read_opt_str(data, "code_id"),
        )


@dataclass(slots=True)
class Compartment:
    """Ledger state of one compartment (internal; see ``CompartmentView``).

    ``temperature`` is the live sensor value and is not persisted; the excursion
    state (``temp_out_since``, ``temp_alarm_fired``) is, so a restart in the middle
    of an excursion neither loses nor repeats the alarm.
    """

    wall: str
    number: int
    label: str
    size: Size
    cooled: bool
    status: CompartmentStatus = CompartmentStatus.FREE
    parcel_id: str | None = None
    # Removed from the configuration while it still held a parcel: kept (never
    # assigned, not counted) until the parcel leaves, then dropped.
    retired: bool = False
    door_open: bool = False
    opened_at: datetime | None = None
    session: DoorSession | None = None
    pending: Authorisation | None = None
    grace: DoorSession | None = None
    grace_until: datetime | None = None
    door_alarm_fired: bool = False
    temperature: float | None = None
    temp_out_since: datetime | None = None
    temp_alarm_fired: bool = False

    @property
    def phase(self) -> DoorPhase:
        """The door phase the entities show."""
        if self.door_open:
            return self.session.purpose if self.session else DoorPhase.FORCED
        if self.status is CompartmentStatus.RESERVED or self.pending is not None:
            return DoorPhase.AUTHORISED
        return DoorPhase.IDLE

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "number": self.number,
            "label": self.label,
            "size": str(self.size),
            "cooled": self.cooled,
            "status": str(self.status),
            "parcel_id": self.parcel_id,
            "retired": self.retired,
            "door_open": self.door_open,
            "opened_at": iso(self.opened_at),
            "session": self.session.to_dict() if self.session else None,
            "pending": self.pending.to_dict() if self.pending else None,
            "grace": self.grace.to_dict() if self.grace else None,
            "grace_until": iso(self.grace_until),
            "door_alarm_fired": self.door_alarm_fired,
            "temp_out_since": iso(self.temp_out_since),
            "temp_alarm_fired": self.temp_alarm_fired,
        }

    @classmethod
    def from_dict(cls, wall: str, raw: Any) -> Compartment:
        """Read the form written by ``to_dict``."""
        data = as_mapping(raw, "compartment")
        session = data.get("session")
        pending = data.get("pending")
        grace = data.get("grace")
        return cls(
            wall=wall,
            number=read_int(data, "number"),
            label=read_str(data, "label"),
            size=read_enum(data, "size", Size),
            cooled=read_bool(data, "cooled"),
            status=read_enum(data, "status", CompartmentStatus),
            parcel_id=read_opt_str(data, "parcel_id"),
            retired=read_bool(data, "retired"),
            door_open=read_bool(data, "door_open"),
            opened_at=read_opt_time(data, "opened_at"),
            session=None if session is None else DoorSession.from_dict(session),
            pending=None if pending is None else Authorisation.from_dict(pending),
            grace=None if grace is None else DoorSession.from_dict(grace),
            grace_until=read_opt_time(data, "grace_until"),
            door_alarm_fired=read_bool(data, "door_alarm_fired"),
            temp_out_since=read_opt_time(data, "temp_out_since"),
            temp_alarm_fired=read_bool(data, "temp_alarm_fired"),
        )


@dataclass(slots=True)
class Wall:
    """A locker wall: its compartments by number, and its order for tie-breaks."""

    wall_id: str
    name: str
    order: int
    compartments: dict[int, Compartment] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompartmentView:
    """A read-only snapshot of a compartment for entities."""

    wall: str
    number: int
    label: str
    size: Size
    cooled: bool
    status: CompartmentStatus
    phase: DoorPhase
    door_open: bool
    parcel_id: str | None
    temperature: float | None
    retired: bool


# ---------------------------------------------------------------------------
# Results and the audit trail


@dataclass(frozen=True, slots=True)
class RedeemResult:
    """What a correct code opens: release the lock of ``wall``/``number``.

    ``purpose`` is ``unloading`` for pickup and return-collection codes and
    ``loading`` for a courier code (the parcel is then a fresh reservation).
    """

    wall: str
    number: int
    compartment: str
    parcel: Parcel
    purpose: DoorPhase


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code handed out once, at issue time. ``code`` and ``qr`` never show in repr."""

    code: str = field(repr=False)
    code_id: str
    kind: CodeKind
    wall: str
    parcel_id: str | None
    valid_from: datetime
    expires: datetime
    qr: str = field(repr=False)
    uses: int = 1


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit trail. Never holds a code."""

    time: datetime
    action: str
    wall: str | None
    compartment: str | None
    parcel_id: str | None
    actor: str
    result: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "time": iso_req(self.time),
            "action": self.action,
            "wall": self.wall,
            "compartment": self.compartment,
            "parcel_id": self.parcel_id,
            "actor": self.actor,
            "result": self.result,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> AuditEntry:
        """Read the form written by ``to_dict``."""
        data = as_mapping(raw, "audit entry")
        return cls(
            time=read_time(data, "time"),
            action=read_str(data, "action"),
            wall=read_opt_str(data, "wall"),
            compartment=read_opt_str(data, "compartment"),
            parcel_id=read_opt_str(data, "parcel_id"),
            actor=read_str(data, "actor"),
            result=read_str(data, "result"),
        )
