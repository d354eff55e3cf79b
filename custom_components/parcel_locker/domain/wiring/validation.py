"""Validation: a map that cannot work is refused, with the reason (``MapError``).

Limits of the protocol (unit ids 1..247, addresses 0..65535), the tables each
role may use, compartments numbered 1..N without gaps (at most 250), and no two
points on the same address, within a wall or across the walls of one link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import math

from ..sizes import MAX_COMPARTMENTS
from .points import (
    MAX_ADDRESS,
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    KeypadRole,
    MapError,
    Point,
    Role,
    Table,
    WallMap,
)

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
