"""Plain data of the parcel ledger: enums, settings, events, parcels, compartments.

Kept apart so the modules with the rules read as behaviour only. How these are
written to storage and read back is ``persistence``'s job, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from ..sizes import Size
from .errors import ErrorKey, LedgerError

# Minimum and maximum number of digits of a code (options flow: 6-10).
CODE_LENGTH_MIN = 6
CODE_LENGTH_MAX = 10

# Who did something, in the audit trail and events, when it was not a person.
ACTOR_KEYPAD = "keypad"
ACTOR_AUTOMATION = "automation"
ACTOR_DOOR = "door"
# The recipient of a parcel dropped with a courier code: nobody the hub knows.
UNKNOWN_RECIPIENT = "unknown"
# The carrier of a parcel nobody named one for.
UNKNOWN_CARRIER = "unknown"


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
    """Life cycle of a parcel; the last four are final.

    ``announced`` and ``held`` parcels have no compartment: one is expected
    (its tracking number was announced), the other did not fit and is kept at
    the desk. ``return_to_sender`` waits for a carrier after its pickup
    deadline; it leaves as ``returned``.
    """

    ANNOUNCED = "announced"
    HELD = "held"
    RESERVED = "reserved"
    STORED = "stored"
    RETURN_WAITING = "return_waiting"
    RETURN_TO_SENDER = "return_to_sender"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RETURNED = "returned"


# States in which a parcel holds a compartment.
ACTIVE_STATES = frozenset(
    {
        ParcelState.RESERVED,
        ParcelState.STORED,
        ParcelState.RETURN_WAITING,
        ParcelState.RETURN_TO_SENDER,
    }
)
# States in which a parcel is behind a closed door, waiting for someone.
STORED_STATES = frozenset(
    {ParcelState.STORED, ParcelState.RETURN_WAITING, ParcelState.RETURN_TO_SENDER}
)
# States a parcel never leaves.
FINAL_STATES = frozenset(
    {
        ParcelState.COLLECTED,
        ParcelState.CANCELLED,
        ParcelState.EXPIRED,
        ParcelState.RETURNED,
    }
)
# States in which a carrier takes the parcel away (with a collection code).
CARRIER_STATES = frozenset({ParcelState.RETURN_WAITING, ParcelState.RETURN_TO_SENDER})


class CodeKind(StrEnum):
    """What a code opens."""

    PICKUP = "pickup"  # the recipient's compartment
    COURIER = "courier"  # a free compartment for a drop-off
    RETURN = "return"  # a carrier collects a return (or a parcel sent back)
    SHARE = "share"  # a neighbour picks the recipient's parcel up, once


class EventType(StrEnum):
    """What the ledger reports; the glue fires ``parcel_locker_<type>`` on the bus.

    Rejected codes and keypad lock-outs are the hub's guard's events, not these.
    """

    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    OVERDUE = "overdue"
    RESERVATION_EXPIRED = "reservation_expired"
    DOOR_LEFT_OPEN = "door_left_open"
    FORCED_OPEN = "forced_open"
    TEMPERATURE_ALARM = "temperature_alarm"
    RETURN_READY = "return_ready"
    NO_FIT = "no_fit"
    ANNOUNCED = "announced"
    ANNOUNCEMENT_EXPIRED = "announcement_expired"
    RETURN_TO_SENDER = "return_to_sender"


class Problem(StrEnum):
    """Current problems of a wall (its problem sensor)."""

    FORCED_DOOR = "forced_door"
    DOOR_LEFT_OPEN = "door_left_open"
    TEMPERATURE_OUT_OF_BAND = "temperature_out_of_band"
    PROBE_SILENT = "probe_silent"
    KEYPAD_LOCKED_OUT = "keypad_locked_out"


class TemperatureFault(StrEnum):
    """Why a cooled compartment is in temperature alarm (the event's ``reason``)."""

    OUT_OF_BAND = "out_of_band"  # the probe reads outside the band
    SILENT = "silent"  # the probe gives no reading


@dataclass(frozen=True, slots=True)
class CompartmentProblem:
    """One current problem and where it is (``compartment``: None for the wall)."""

    problem: Problem
    number: int | None
    compartment: str | None


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


def _invalid_setting(name: str, value: str) -> LedgerError:
    return LedgerError(ErrorKey.INVALID_SETTINGS, setting=name, value=value)


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
    pickup_deadline: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        """Refuse values the ledger cannot work with (the options flow limits them)."""
        if isinstance(self.code_length, bool) or not (
            CODE_LENGTH_MIN <= self.code_length <= CODE_LENGTH_MAX
        ):
            raise _invalid_setting("code_length", str(self.code_length))
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, timedelta) and value <= timedelta(0):
                # Durations are options in seconds, minutes or hours: the value
                # is given in seconds, a number whatever the language.
                raise _invalid_setting(item.name, f"{value.total_seconds():g}")
        # Options stored as JSON come back as a list; keep the settings hashable.
        object.__setattr__(
            self, "temperature_band", checked_band(self.temperature_band)
        )


def checked_band(band: tuple[float, float]) -> tuple[float, float]:
    """A temperature band as a tuple of two finite numbers, the lower first."""
    low, high = (float(value) for value in band)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise _invalid_setting("temperature_band", f"{low:g}..{high:g}")
    return (low, high)


@dataclass(frozen=True, slots=True)
class CompartmentSpec:
    """A compartment as configured (wall subentry): what ``sync_wall`` receives."""

    number: int
    label: str
    size: Size
    cooled: bool


# ---------------------------------------------------------------------------
# Times


def aware(value: datetime) -> datetime:
    """A timezone-aware time as UTC; a naive one is a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times passed to the ledger must be timezone-aware")
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """A timestamp as ISO text (UTC), or None."""
    return None if value is None else value.astimezone(UTC).isoformat()


def iso_req(value: datetime) -> str:
    """A timestamp as ISO text (UTC)."""
    return value.astimezone(UTC).isoformat()


# ---------------------------------------------------------------------------
# Parcels


@dataclass(frozen=True, slots=True)
class Consignment:
    """What a parcel is, as whoever brings or announces it says."""

    recipient: str
    size: Size
    carrier: str
    tracking: str | None = None
    cold: bool = False


@dataclass(slots=True)
class Parcel:
    """A parcel the ledger knows of. Public methods hand out copies.

    ``wall``, ``number`` and ``compartment`` (the label, e.g. A-07) say where it
    is; an announced or held parcel has no compartment (None), a held one may
    name the wall it was meant for.
    """

    parcel_id: str
    kind: ParcelKind
    state: ParcelState
    recipient: str
    size: Size
    carrier: str
    tracking: str | None
    cold: bool
    wall: str | None
    number: int | None
    compartment: str | None
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
    # An announcement lapses at this time when nothing arrived.
    expected_until: datetime | None = None
    # A stored parcel goes back to its sender at this time (fixed when stored).
    deadline: datetime | None = None

    @classmethod
    def new(
        cls,
        parcel_id: str,
        kind: ParcelKind,
        state: ParcelState,
        consignment: Consignment,
        *,
        created: datetime,
        created_by: str | None,
    ) -> Parcel:
        """A parcel just made, without a compartment yet."""
        return cls(
            parcel_id=parcel_id,
            kind=kind,
            state=state,
            recipient=consignment.recipient,
            size=Size(consignment.size),
            carrier=consignment.carrier,
            tracking=consignment.tracking,
            cold=bool(consignment.cold),
            wall=None,
            number=None,
            compartment=None,
            created=created,
            reserved_until=None,
            created_by=created_by,
        )

    def describe(self, consignment: Consignment) -> None:
        """Take what the courier (or the announcement) says the parcel is."""
        self.recipient = consignment.recipient
        self.size = Size(consignment.size)
        self.carrier = consignment.carrier
        self.tracking = consignment.tracking
        self.cold = bool(consignment.cold)

    @property
    def active(self) -> bool:
        """Whether the parcel still holds a compartment."""
        return self.state in ACTIVE_STATES

    @property
    def finished(self) -> bool:
        """Whether the parcel reached a final state."""
        return self.state in FINAL_STATES


# ---------------------------------------------------------------------------
# Compartments


@dataclass(slots=True)
class DoorSession:
    """Why a door is open (or was, for the re-open grace), by whom, for which parcel."""

    purpose: DoorPhase
    actor: str
    parcel_id: str | None = None


@dataclass(slots=True)
class Authorisation:
    """An opening granted while the door is closed; it lapses at ``expires``.

    ``code_id`` names the code that granted it: that code is consumed when the door
    actually opens, so a lock that failed to release does not burn the code.
    """

    session: DoorSession
    expires: datetime
    code_id: str | None = None


@dataclass(slots=True)
class Compartment:
    """Ledger state of one compartment (internal; see ``CompartmentView``).

    ``temperature`` is the live sensor value and is not persisted; the excursion
    state (``temp_out_since``, ``temp_alarm_fired``, ``probe_silent_since``,
    ``silent_alarm_fired``; see ``watchers``) is, so a restart in the middle of an
    excursion neither loses nor repeats the alarm.
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
    probe_silent_since: datetime | None = None
    silent_alarm_fired: bool = False

    @property
    def temp_alarm(self) -> bool:
        """In temperature alarm: an alarm of the current excursion fired."""
        return self.temp_alarm_fired or self.silent_alarm_fired

    @property
    def phase(self) -> DoorPhase:
        """The door phase the entities show."""
        if self.door_open:
            return self.session.purpose if self.session else DoorPhase.FORCED
        if self.status is CompartmentStatus.RESERVED or self.pending is not None:
            return DoorPhase.AUTHORISED
        return DoorPhase.IDLE


@dataclass(slots=True)
class Wall:
    """A locker wall: its compartments by number, and its order for tie-breaks.

    ``band`` is the wall's own temperature band for its cooled compartments
    (None: the settings' band). It is configuration, given at every sync, and
    not persisted.
    """

    wall_id: str
    name: str
    order: int
    compartments: dict[int, Compartment] = field(default_factory=dict)
    band: tuple[float, float] | None = None

    def temperature_band(self, settings: LedgerSettings) -> tuple[float, float]:
        """The band this wall's cooled compartments must stay in."""
        return self.band if self.band is not None else settings.temperature_band


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
