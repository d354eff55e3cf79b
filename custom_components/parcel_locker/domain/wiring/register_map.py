"""Where each compartment's points live on the Modbus link, as plain data.

A wall is stored as a per-point map (unit id, table, address, inversion, scale)
for every compartment; profiles only generate such a map. This module builds
maps from profiles, validates them and turns them into the read fields of
``modbus_connection`` components. Pure Python: no Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
import math
from typing import Any

from modbus_connection.model import (
    CoilField,
    DiscreteInputField,
    RegisterField,
    coil,
    discrete_input,
    gauge,
    integer,
    uint32,
)

from ..sizes import MAX_COMPARTMENTS, Size

MIN_UNIT_ID = 1
MAX_UNIT_ID = 247
MAX_ADDRESS = 65535
# Reference layout offsets (see the README's register table).
LATCH_OFFSET = 256
PRESENCE_OFFSET = 512
KEYPAD_SEQUENCE_ADDRESS = 1000
KEYPAD_CODE_ADDRESS = 1001
KEYPAD_DIGITS_ADDRESS = 1003
KEYPAD_FEEDBACK_ADDRESS = 1100
TEMPERATURE_SCALE = 0.1
# A temperature register reading -32768 means "no probe fitted".
NO_SENSOR_RAW = 0x8000
# The protocol caps one read at 2000 bits and 125 registers.
MAX_BITS_PER_READ = 2000
MAX_REGISTERS_PER_READ = 125


class Table(StrEnum):
    """The four Modbus tables."""

    COIL = "coil"
    DISCRETE = "discrete"
    INPUT = "input"
    HOLDING = "holding"

    @property
    def is_bit(self) -> bool:
        """Whether the table holds single bits rather than 16-bit registers."""
        return self in (Table.COIL, Table.DISCRETE)


class Role(StrEnum):
    """What a compartment point means."""

    LOCK = "lock"
    DOOR = "door"
    LATCH = "latch"
    PRESENCE = "presence"
    TEMPERATURE = "temperature"
    SETPOINT = "setpoint"


class KeypadRole(StrEnum):
    """What a keypad point means."""

    SEQUENCE = "sequence"
    CODE = "code"
    DIGITS = "digits"
    FEEDBACK = "feedback"


class Profile(StrEnum):
    """The ways a wall can be wired."""

    REFERENCE = "reference"
    RELAY_INPUT = "relay_input"
    CUSTOM = "custom"


OPTIONAL_ROLES = (Role.LATCH, Role.PRESENCE, Role.TEMPERATURE, Role.SETPOINT)

# Which tables a role may be read from (and, for the lock, written to).
ALLOWED_TABLES: Mapping[Role | KeypadRole, frozenset[Table]] = {
    Role.LOCK: frozenset({Table.COIL}),
    Role.DOOR: frozenset({Table.DISCRETE, Table.COIL}),
    Role.LATCH: frozenset({Table.DISCRETE, Table.COIL}),
    Role.PRESENCE: frozenset({Table.DISCRETE, Table.COIL}),
    Role.TEMPERATURE: frozenset({Table.INPUT, Table.HOLDING}),
    Role.SETPOINT: frozenset({Table.HOLDING}),
    KeypadRole.SEQUENCE: frozenset({Table.INPUT, Table.HOLDING}),
    KeypadRole.CODE: frozenset({Table.INPUT, Table.HOLDING}),
    KeypadRole.DIGITS: frozenset({Table.INPUT, Table.HOLDING}),
    KeypadRole.FEEDBACK: frozenset({Table.HOLDING}),
}


class MapError(ValueError):
    """A map that cannot be used; ``reason`` is a translation key."""

    def __init__(self, reason: str, **placeholders: str) -> None:
        """Keep the reason key and its placeholders for the translated message."""
        detail = ", ".join(f"{key}={value}" for key, value in placeholders.items())
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class Point:
    """One value on the link."""

    unit_id: int
    table: Table
    address: int
    invert: bool = False
    """For bits: the wire says 1 where the meaning is 0 (normally-closed contacts)."""
    scale: float = 1.0
    """For registers: multiply the raw value by this."""
    width: int = 1
    """Registers the value spans (a 32-bit keypad code spans two)."""

    def addresses(self) -> range:
        """Every address the point occupies in its table."""
        return range(self.address, self.address + self.width)

    def describe(self) -> str:
        """A short human description used in error messages."""
        return f"unit {self.unit_id} {self.table} {self.address}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form for the config entry."""
        data: dict[str, Any] = {
            "unit_id": self.unit_id,
            "table": str(self.table),
            "address": self.address,
        }
        if self.invert:
            data["invert"] = True
        if self.scale != 1.0:
            data["scale"] = self.scale
        if self.width != 1:
            data["width"] = self.width
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Point:
        """Read the stored form; raises ``MapError`` for a malformed point."""
        try:
            return cls(
                unit_id=int(data["unit_id"]),
                table=Table(data["table"]),
                address=int(data["address"]),
                invert=bool(data.get("invert", False)),
                scale=float(data.get("scale", 1.0)),
                width=int(data.get("width", 1)),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            # OverflowError: int() of an infinite float in hand-edited storage.
            raise MapError("invalid_point", point=str(data)) from err


@dataclass(frozen=True, slots=True)
class CompartmentMap:
    """The points of one compartment."""

    number: int
    size: Size
    lock: Point
    door: Point
    cooled: bool = False
    latch: Point | None = None
    presence: Point | None = None
    temperature: Point | None = None
    setpoint: Point | None = None

    def points(self) -> dict[Role, Point]:
        """The configured points by role."""
        found = {
            Role.LOCK: self.lock,
            Role.DOOR: self.door,
            Role.LATCH: self.latch,
            Role.PRESENCE: self.presence,
            Role.TEMPERATURE: self.temperature,
            Role.SETPOINT: self.setpoint,
        }
        return {role: point for role, point in found.items() if point is not None}


@dataclass(frozen=True, slots=True)
class KeypadMap:
    """The registers of a wall's keypad."""

    sequence: Point
    code: Point
    digits: Point
    feedback: Point

    def points(self) -> dict[KeypadRole, Point]:
        """The keypad points by role."""
        return {
            KeypadRole.SEQUENCE: self.sequence,
            KeypadRole.CODE: self.code,
            KeypadRole.DIGITS: self.digits,
            KeypadRole.FEEDBACK: self.feedback,
        }


@dataclass(frozen=True, slots=True)
class WallMap:
    """Every point of a wall."""

    compartments: tuple[CompartmentMap, ...]
    keypad: KeypadMap | None = None
    bit_gap: int = 16
    """Unread bits a single read may bridge; larger where the controller answers
    every address in between (the reference layout), which saves requests."""
    register_gap: int = 16
    """The same for registers."""

    def compartment(self, number: int) -> CompartmentMap:
        """The compartment numbered ``number``; raises ``KeyError`` if absent."""
        for compartment in self.compartments:
            if compartment.number == number:
                return compartment
        raise KeyError(number)

    def labelled_points(self) -> Iterable[tuple[str, Point]]:
        """Every point with its field key (``7.door``, ``keypad.code``)."""
        for compartment in self.compartments:
            for role, point in compartment.points().items():
                yield point_key(compartment.number, role), point
        if self.keypad is not None:
            for keypad_role, point in self.keypad.points().items():
                yield keypad_key(keypad_role), point

    def unit_ids(self) -> list[int]:
        """The unit ids the wall's points live on, in first-seen order."""
        return list(dict.fromkeys(point.unit_id for _, point in self.labelled_points()))


def point_key(number: int, role: Role) -> str:
    """The field key of a compartment point."""
    return f"{number}.{role}"


def keypad_key(role: KeypadRole) -> str:
    """The field key of a keypad point."""
    return f"keypad.{role}"


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionalPoints:
    """Which optional points a generated map includes."""

    latch: bool = False
    presence: bool = False
    temperature: bool = False
    setpoint: bool = False
    keypad: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceWiring:
    """Parameters of the reference layout: one controller, one unit id."""

    unit_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayInputWiring:
    """A relay board for the locks and an input board for the doors.

    Presence contacts, when fitted, sit on the input board right after the door
    contacts. Each cooled compartment has its own temperature probe on its own
    unit id, counting up from ``probe_unit_id``.
    """

    relay_unit_id: int
    relay_base: int = 0
    input_unit_id: int
    input_base: int = 0
    inverted_doors: bool = False
    probe_unit_id: int = 100
    probe_address: int = 0


def reference_layout(
    wiring: ReferenceWiring,
    sizes: Sequence[Size],
    cooled: Iterable[int] = (),
    optional: OptionalPoints = OptionalPoints(),
) -> WallMap:
    """The map of a controller wired as the reference layout."""
    cooled_set = set(cooled)
    unit = wiring.unit_id
    compartments = []
    for index, size in enumerate(sizes):
        number = index + 1
        is_cooled = number in cooled_set
        compartments.append(
            CompartmentMap(
                number=number,
                size=size,
                cooled=is_cooled,
                lock=Point(unit, Table.COIL, index),
                door=Point(unit, Table.DISCRETE, index),
                latch=Point(unit, Table.DISCRETE, LATCH_OFFSET + index)
                if optional.latch
                else None,
                presence=Point(unit, Table.DISCRETE, PRESENCE_OFFSET + index)
                if optional.presence
                else None,
                temperature=Point(unit, Table.INPUT, index, scale=TEMPERATURE_SCALE)
                if optional.temperature
                else None,
                setpoint=Point(unit, Table.HOLDING, index, scale=TEMPERATURE_SCALE)
                if optional.setpoint and is_cooled
                else None,
            )
        )
    keypad = (
        KeypadMap(
            sequence=Point(unit, Table.INPUT, KEYPAD_SEQUENCE_ADDRESS),
            code=Point(unit, Table.INPUT, KEYPAD_CODE_ADDRESS, width=2),
            digits=Point(unit, Table.INPUT, KEYPAD_DIGITS_ADDRESS),
            feedback=Point(unit, Table.HOLDING, KEYPAD_FEEDBACK_ADDRESS),
        )
        if optional.keypad
        else None
    )
    # The reference controller answers every address up to the presence bank
    # and every compartment register, so a wall's bits come in one read per
    # table and scattered cooled compartments do not cost a read each.
    return WallMap(
        tuple(compartments),
        keypad,
        bit_gap=PRESENCE_OFFSET,
        register_gap=MAX_REGISTERS_PER_READ,
    )


def relay_input_layout(
    wiring: RelayInputWiring,
    sizes: Sequence[Size],
    cooled: Iterable[int] = (),
    optional: OptionalPoints = OptionalPoints(),
) -> WallMap:
    """The map of an off-the-shelf relay board plus input board."""
    cooled_numbers = sorted(set(cooled))
    count = len(sizes)
    compartments = []
    for index, size in enumerate(sizes):
        number = index + 1
        is_cooled = number in cooled_numbers
        probe = (
            Point(
                wiring.probe_unit_id + cooled_numbers.index(number),
                Table.INPUT,
                wiring.probe_address,
                scale=TEMPERATURE_SCALE,
            )
            if optional.temperature and is_cooled
            else None
        )
        compartments.append(
            CompartmentMap(
                number=number,
                size=size,
                cooled=is_cooled,
                lock=Point(wiring.relay_unit_id, Table.COIL, wiring.relay_base + index),
                door=Point(
                    wiring.input_unit_id,
                    Table.DISCRETE,
                    wiring.input_base + index,
                    invert=wiring.inverted_doors,
                ),
                presence=Point(
                    wiring.input_unit_id,
                    Table.DISCRETE,
                    wiring.input_base + count + index,
                )
                if optional.presence
                else None,
                temperature=probe,
            )
        )
    return WallMap(tuple(compartments))


def validate_wall(wall: WallMap) -> None:
    """Refuse a map that cannot work; raises ``MapError`` with the reason."""
    count = len(wall.compartments)
    if count == 0:
        raise MapError("no_compartments")
    if count > MAX_COMPARTMENTS:
        raise MapError(
            "too_many_compartments", count=str(count), maximum=str(MAX_COMPARTMENTS)
        )
    numbers = [compartment.number for compartment in wall.compartments]
    if sorted(numbers) != list(range(1, count + 1)):
        raise MapError("compartment_numbering", count=str(count))
    for compartment in wall.compartments:
        for role, point in compartment.points().items():
            _validate_point(role, point)
    if wall.keypad is not None:
        for keypad_role, point in wall.keypad.points().items():
            _validate_point(keypad_role, point)
    validate_no_overlap([wall])


def _validate_point(role: Role | KeypadRole, point: Point) -> None:
    if not MIN_UNIT_ID <= point.unit_id <= MAX_UNIT_ID:
        raise MapError("unit_id_out_of_range", unit_id=str(point.unit_id))
    if point.address < 0 or point.address + point.width - 1 > MAX_ADDRESS:
        raise MapError("address_out_of_range", address=str(point.address))
    if point.table not in ALLOWED_TABLES[role]:
        raise MapError("table_not_allowed", role=str(role), table=str(point.table))
    expected_width = 2 if role is KeypadRole.CODE else 1
    if (
        point.width != expected_width
        or not math.isfinite(point.scale)
        or not point.scale
    ):
        raise MapError("invalid_point", point=point.describe())


def validate_no_overlap(walls: Iterable[WallMap]) -> None:
    """Refuse two points (in one wall or across walls) on the same address."""
    seen: dict[tuple[int, Table, int], str] = {}
    for wall in walls:
        for key, point in wall.labelled_points():
            for address in point.addresses():
                slot = (point.unit_id, point.table, address)
                if slot in seen:
                    raise MapError(
                        "overlapping_points",
                        first=seen[slot],
                        second=key,
                        point=point.describe(),
                    )
                seen[slot] = key


# -- storage --------------------------------------------------------------------


def wall_map_to_dict(wall: WallMap) -> dict[str, Any]:
    """JSON-safe form stored in the wall's config subentry."""
    compartments = []
    for compartment in wall.compartments:
        data: dict[str, Any] = {
            "number": compartment.number,
            "size": str(compartment.size),
            "cooled": compartment.cooled,
        }
        data.update(
            {str(role): point.as_dict() for role, point in compartment.points().items()}
        )
        compartments.append(data)
    keypad = (
        {str(role): point.as_dict() for role, point in wall.keypad.points().items()}
        if wall.keypad is not None
        else None
    )
    return {
        "compartments": compartments,
        "keypad": keypad,
        "bit_gap": wall.bit_gap,
        "register_gap": wall.register_gap,
    }


def wall_map_from_dict(data: Mapping[str, Any]) -> WallMap:
    """Read the stored form; raises ``MapError`` for malformed data."""
    try:
        compartments = tuple(
            CompartmentMap(
                number=int(item["number"]),
                size=Size(item["size"]),
                cooled=bool(item.get("cooled", False)),
                lock=Point.from_dict(item[Role.LOCK]),
                door=Point.from_dict(item[Role.DOOR]),
                **{
                    str(role): Point.from_dict(item[role])
                    for role in OPTIONAL_ROLES
                    if item.get(role) is not None
                },
            )
            for item in data["compartments"]
        )
        keypad_data = data.get("keypad")
        keypad = (
            KeypadMap(
                **{str(role): Point.from_dict(keypad_data[role]) for role in KeypadRole}
            )
            if keypad_data
            else None
        )
        return WallMap(
            compartments,
            keypad,
            bit_gap=int(data.get("bit_gap", 16)),
            register_gap=int(data.get("register_gap", 16)),
        )
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        if isinstance(err, MapError):
            raise
        raise MapError("invalid_map", detail=str(err)) from err


# -- per-point overrides (the custom profile) -----------------------------------

# The points an installer may set per compartment (setpoints follow the probe).
EDITABLE_ROLES = (Role.LOCK, Role.DOOR, Role.LATCH, Role.PRESENCE, Role.TEMPERATURE)


def parse_point(spec: str, role: Role) -> Point | None:
    """Read ``unit:table:address[:inverted][:scale=0.1]``; empty means not fitted.

    Raises ``MapError("invalid_point_spec")`` for anything else, and
    ``MapError("required_point")`` for an empty lock or door.
    """
    text = spec.strip().lower()
    if not text:
        if role in (Role.LOCK, Role.DOOR):
            raise MapError("required_point", role=str(role))
        return None
    parts = [part.strip() for part in text.split(":")]
    try:
        unit_id, table, address = int(parts[0]), Table(parts[1]), int(parts[2])
        invert, scale = _point_extras(parts[3:], role)
    except (IndexError, ValueError) as err:
        raise MapError("invalid_point_spec", role=str(role), spec=spec) from err
    return Point(unit_id, table, address, invert=invert, scale=scale)


def _point_extras(extras: list[str], role: Role) -> tuple[bool, float]:
    """Inversion and scale from a point spec's tail; ``ValueError`` if unknown."""
    invert = False
    scale = TEMPERATURE_SCALE if role is Role.TEMPERATURE else 1.0
    for extra in extras:
        if extra in ("inverted", "inv"):
            invert = True
        elif extra.startswith("scale="):
            scale = float(extra.removeprefix("scale="))
        else:
            raise ValueError(extra)
    return invert, scale


def format_point(point: Point | None) -> str:
    """The compact form of a point, as ``parse_point`` reads it."""
    if point is None:
        return ""
    text = f"{point.unit_id}:{point.table}:{point.address}"
    if point.invert:
        text += ":inverted"
    if point.scale not in (1.0, TEMPERATURE_SCALE):
        text += f":scale={point.scale:g}"
    return text


def apply_overrides(
    wall: WallMap, overrides: Mapping[str, Mapping[str, str]]
) -> WallMap:
    """The wall with some compartments' points replaced (``{"7": {"door": ...}}``).

    Raises ``MapError`` for an unknown compartment or an unreadable point.
    """
    changed = {}
    for key, points in overrides.items():
        try:
            compartment = wall.compartment(int(key))
        except (KeyError, ValueError) as err:
            raise MapError("unknown_compartment_number", number=str(key)) from err
        updates = {
            str(role): parse_point(points[str(role)], role)
            for role in EDITABLE_ROLES
            if str(role) in points
        }
        changed[compartment.number] = replace(compartment, **updates)  # type: ignore[arg-type]
    return replace(
        wall,
        compartments=tuple(
            changed.get(compartment.number, compartment)
            for compartment in wall.compartments
        ),
        # A hand-made map may leave gaps the controller does not answer.
        bit_gap=16 if changed else wall.bit_gap,
        register_gap=16 if changed else wall.register_gap,
    )


# -- reading ----------------------------------------------------------------------


type ReadField = RegisterField[Any] | CoilField | DiscreteInputField


@dataclass(slots=True)
class UnitFields:
    """The read fields one wall has on one unit id, split by kind of table.

    Bits and registers are planned as separate components because the protocol
    allows 2000 bits but only 125 registers per read, and a component has a
    single span limit.
    """

    bits: dict[str, CoilField | DiscreteInputField] = field(default_factory=dict)
    registers: dict[str, tuple[RegisterField[Any], Table]] = field(default_factory=dict)


def component_fields(wall: WallMap) -> dict[int, UnitFields]:
    """Turn a map into ``modbus_connection`` fields, per unit id."""
    units: dict[int, UnitFields] = {}
    for key, point in wall.labelled_points():
        unit = units.setdefault(point.unit_id, UnitFields())
        role = key.rsplit(".", 1)[1]
        writable = role in (Role.LOCK, Role.SETPOINT, KeypadRole.FEEDBACK)
        if point.table is Table.COIL:
            unit.bits[key] = coil(point.address, writable=writable)
        elif point.table is Table.DISCRETE:
            unit.bits[key] = discrete_input(point.address)
        else:
            unit.registers[key] = (
                _register_field(role, point, writable=writable),
                point.table,
            )
    return units


def _register_field(role: str, point: Point, *, writable: bool) -> RegisterField[Any]:
    if role == KeypadRole.CODE:
        return uint32(point.address)
    if role in (Role.TEMPERATURE, Role.SETPOINT):
        return gauge(
            point.address,
            point.scale,
            signed=True,
            nan=NO_SENSOR_RAW,
            writable=writable,
        )
    return integer(point.address, signed=False, writable=writable)
