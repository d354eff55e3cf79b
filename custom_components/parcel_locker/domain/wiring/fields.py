"""Turning a map into the read fields of ``modbus_connection`` components."""

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

from .points import NO_SENSOR_RAW, KeypadRole, Point, Role, Table, WallMap

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
