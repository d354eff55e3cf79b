"""Turning a map into the read fields of ``modbus_connection`` components.

Fields are split the way a poll reads them:

* ``bits`` and ``registers``: every poll (locks, doors, latches, parcels, the
  keypad and its ring);
* ``counters``: the door-open counters, every poll for the compartments where a
  door cycle would complete something and all of them with the slow tier;
* ``slow``: temperatures, setpoints and the keypad feedback registers, on the
  temperature interval (they change slowly, and a serial line is slow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

from .points import (
    KEYPAD_RING_SLOT_WIDTH,
    KEYPAD_RING_SLOTS,
    NO_SENSOR_RAW,
    KeypadRole,
    Point,
    Role,
    Table,
    WallMap,
)

type ReadField = RegisterField[Any] | CoilField | DiscreteInputField
type RegisterFields = dict[str, tuple[RegisterField[Any], Table]]

SLOW_ROLES = frozenset(
    {Role.TEMPERATURE, Role.SETPOINT, KeypadRole.FEEDBACK, KeypadRole.FEEDBACK_SEQUENCE}
)
WRITABLE_ROLES = frozenset(
    {Role.LOCK, Role.SETPOINT, KeypadRole.FEEDBACK, KeypadRole.FEEDBACK_SEQUENCE}
)
RING_PARTS = ("sequence", "code", "digits")


@dataclass(slots=True)
class UnitFields:
    """The read fields one wall has on one unit id, split by how they are read.

    Bits and registers are planned as separate components because the protocol
    allows 2000 bits but only 125 registers per read, and a component has a
    single span limit.
    """

    bits: dict[str, CoilField | DiscreteInputField] = field(default_factory=dict)
    registers: RegisterFields = field(default_factory=dict)
    counters: RegisterFields = field(default_factory=dict)
    slow: RegisterFields = field(default_factory=dict)


def ring_key(slot: int, part: str) -> str:
    """The field key of one part (``sequence``, ``code``, ``digits``) of a ring slot."""
    return f"keypad.ring.{slot}.{part}"


def component_fields(wall: WallMap) -> dict[int, UnitFields]:
    """Turn a map into ``modbus_connection`` fields, per unit id."""
    units: dict[int, UnitFields] = {}
    for key, point in wall.labelled_points():
        unit = units.setdefault(point.unit_id, UnitFields())
        role = key.rsplit(".", 1)[1]
        if point.table is Table.COIL:
            unit.bits[key] = coil(point.address, writable=role in WRITABLE_ROLES)
        elif point.table is Table.DISCRETE:
            unit.bits[key] = discrete_input(point.address)
        elif role == KeypadRole.RING:
            unit.registers.update(_ring_fields(point))
        else:
            target = (
                unit.slow
                if role in SLOW_ROLES
                else unit.counters
                if role == Role.COUNTER
                else unit.registers
            )
            target[key] = (
                _register_field(role, point, writable=role in WRITABLE_ROLES),
                point.table,
            )
    return units


def _ring_fields(point: Point) -> RegisterFields:
    """Each slot of the keypad ring: sequence, the code's two words, digits."""
    fields: RegisterFields = {}
    for slot in range(KEYPAD_RING_SLOTS):
        base = point.address + slot * KEYPAD_RING_SLOT_WIDTH
        fields[ring_key(slot, "sequence")] = (integer(base, signed=False), point.table)
        fields[ring_key(slot, "code")] = (uint32(base + 1), point.table)
        fields[ring_key(slot, "digits")] = (
            integer(base + 3, signed=False),
            point.table,
        )
    return fields


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
