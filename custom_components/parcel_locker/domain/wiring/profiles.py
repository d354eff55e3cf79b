"""Profiles: the ways a wall can be wired, each generating a point map.

"Reference layout" (one controller wired as the README's register table), "relay
board + input board" (off-the-shelf boards on their own unit ids, a probe per
cooled compartment), and "custom": a generated map with some compartments'
points set by hand (``apply_overrides``, in the compact form ``parse_point``
reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from ..sizes import Size
from .points import (
    KEYPAD_CODE_ADDRESS,
    KEYPAD_DIGITS_ADDRESS,
    KEYPAD_FEEDBACK_ADDRESS,
    KEYPAD_SEQUENCE_ADDRESS,
    LATCH_OFFSET,
    MAX_REGISTERS_PER_READ,
    PRESENCE_OFFSET,
    TEMPERATURE_SCALE,
    CompartmentMap,
    KeypadMap,
    MapError,
    Point,
    Role,
    Table,
    WallMap,
)


class Profile(StrEnum):
    """The ways a wall can be wired."""

    REFERENCE = "reference"
    RELAY_INPUT = "relay_input"
    CUSTOM = "custom"


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
