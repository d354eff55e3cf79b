"""Points and maps as data: where each compartment's values live on the Modbus link.

A wall is stored as a per-point map (unit id, table, address, inversion, scale)
for every compartment, in its wall's config subentry; profiles (``profiles``)
only generate such a map, ``validation`` refuses one that cannot work, and
``fields`` turns it into ``modbus_connection`` read fields. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..sizes import Size

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


OPTIONAL_ROLES = (Role.LATCH, Role.PRESENCE, Role.TEMPERATURE, Role.SETPOINT)


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


# -- the stored form (in the wall's config subentry) ----------------------------


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
