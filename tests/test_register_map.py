"""The point map of a locker wall: sizes, profiles, validation, storage, polling.

These tests protect what an installer and a resident rely on without seeing it:
the compact size list reads as typed, each profile puts every lock, door and
probe at the address the hardware uses, a map that cannot work is refused with a
translatable reason instead of failing later, a stored map survives a restart,
and one poll reads every point of a wall in a handful of requests and decodes it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
import contextlib
import dataclasses
import itertools
import json
import math
from typing import Any, NamedTuple

from hypothesis import HealthCheck, assume, given, settings, strategies as st
from modbus_connection import IllegalDataAddressError, ModbusConnectionError, ReadBlock
from modbus_connection.mock import MockModbusConnection, ReadEvent, WriteEvent
import pytest

from custom_components.parcel_locker.const import (
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_HUB_PULSE,
    CONF_INPUT_BASE,
    CONF_INPUT_UNIT_ID,
    CONF_INVERTED_DOORS,
    CONF_MAP,
    CONF_OPTIONAL_POINTS,
    CONF_PREFIX,
    CONF_PROBE_UNIT_ID,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_RELAY_BASE,
    CONF_RELAY_UNIT_ID,
    CONF_SIZES,
    DEFAULT_PULSE_SECONDS,
)
from custom_components.parcel_locker.domain.sizes import (
    MAX_COMPARTMENTS,
    Size,
    SizeSpecError,
    compartment_label,
    format_sizes,
    parse_sizes,
)
from custom_components.parcel_locker.domain.wiring import (
    ALLOWED_TABLES,
    DOOR_COUNTER_OFFSET,
    KEYPAD_CODE_ADDRESS,
    KEYPAD_DIGITS_ADDRESS,
    KEYPAD_FEEDBACK_ADDRESS,
    KEYPAD_SEQUENCE_ADDRESS,
    LATCH_OFFSET,
    MAX_ADDRESS,
    MAX_BITS_PER_READ,
    MAX_REGISTERS_PER_READ,
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    OPTIONAL_POINT_NAMES,
    PRESENCE_OFFSET,
    TEMPERATURE_SCALE,
    CompartmentMap,
    KeypadMap,
    KeypadRole,
    MapError,
    OptionalPoints,
    Point,
    Profile,
    ReferenceWiring,
    RelayInputWiring,
    Role,
    Table,
    WallMap,
    reference_layout,
    relay_input_layout,
    validate_no_overlap,
    validate_wall,
    wall_map_from_dict,
    wall_map_to_dict,
)
from custom_components.parcel_locker.wall_config import (
    CONF_NAME,
    generate_map,
    parse_cooled,
    wall_config,
)
from custom_components.parcel_locker.wall_link import (
    NETWORK_STEP_REGISTERS,
    CompartmentReading,
    KeypadReading,
    WallLink,
    WallReading,
)

# Every optional point of layout 1.0; ``LAYOUT_1_1`` adds counters and the ring.
ALL_OPTIONAL = OptionalPoints(
    latch=True, presence=True, temperature=True, setpoint=True, keypad=True
)
LAYOUT_1_1 = OptionalPoints(
    latch=True,
    presence=True,
    temperature=True,
    setpoint=True,
    keypad=True,
    door_counters=True,
    keypad_ring=True,
)
LOBBY_SIZES = "S*12,M*8,L*4"
NO_SENSOR_WIRE = 0x8000  # -32768 as the uint16 the wire carries

# Hypothesis settings: a few hundred examples in all, the file stays well under
# 20 s. The walls go up to 250 compartments, so health checks about large
# generated data are not a concern here.
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
THOROUGH = settings(FAST, max_examples=120)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests need no Home Assistant instance: skip the conftest's one."""
    return


# -- helpers --------------------------------------------------------------------------


class Generated(NamedTuple):
    """A generated wall and the installer's inputs it was made from."""

    profile: Profile
    sizes: tuple[Size, ...]
    cooled: frozenset[int]
    optional: OptionalPoints
    wiring: ReferenceWiring | RelayInputWiring
    wall: WallMap


def role_of(key: str) -> Role | KeypadRole:
    """The role named by a field key such as ``7.door`` or ``keypad.code``."""
    owner, role = key.rsplit(".", 1)
    return KeypadRole(role) if owner == "keypad" else Role(role)


def with_point(wall: WallMap, key: str, point: Point) -> WallMap:
    """The same wall with the point under ``key`` replaced."""
    owner, role = key.rsplit(".", 1)
    if owner == "keypad":
        assert wall.keypad is not None
        keypad = dataclasses.replace(wall.keypad, **{role: point})
        return dataclasses.replace(wall, keypad=keypad)
    number = int(owner)
    compartments = tuple(
        dataclasses.replace(compartment, **{role: point})
        if compartment.number == number
        else compartment
        for compartment in wall.compartments
    )
    return dataclasses.replace(wall, compartments=compartments)


def is_contiguous(numbers: Iterable[int]) -> bool:
    """Whether the numbers form one unbroken run (or none at all)."""
    ordered = sorted(numbers)
    return not ordered or ordered == list(range(ordered[0], ordered[-1] + 1))


def blocks_for(count: int) -> int:
    """Reads needed for ``count`` consecutive registers."""
    return math.ceil(count / MAX_REGISTERS_PER_READ)


def read_events(connection: MockModbusConnection) -> dict[int, list[ReadEvent]]:
    """Every block read so far, by unit id (units never read are left out)."""
    return {
        unit_id: list(unit.read_events)
        for unit_id, unit in connection._units.items()
        if unit.read_events
    }


def requests_by_table(events: Iterable[ReadEvent]) -> Counter[str]:
    """How many block reads went to each table."""
    return Counter(event.register_type for event in events)


@contextlib.asynccontextmanager
async def linked(
    wall: WallMap, setup: Callable[[MockModbusConnection], None] | None = None
) -> AsyncIterator[tuple[WallLink, MockModbusConnection]]:
    """A ``WallLink`` on an in-memory connection, closed afterwards."""
    connection = MockModbusConnection()
    if setup is not None:
        setup(connection)
    try:
        yield WallLink(connection, wall), connection
    finally:
        await connection.close()


def assert_every_point_read(
    wall: WallMap, events_by_unit: dict[int, list[ReadEvent]]
) -> None:
    """Each address of each point lies inside a block read from its unit and table."""
    for key, point in wall.labelled_points():
        events = events_by_unit.get(point.unit_id, [])
        for address in point.addresses():
            assert any(
                event.register_type == point.table.value
                and event.address <= address < event.address + event.count
                for event in events
            ), f"{key} ({point.describe()}) was not read by the poll"


def assert_blocks_within_protocol(events_by_unit: dict[int, list[ReadEvent]]) -> None:
    """No block exceeds the protocol's per-request limit or the address space."""
    for events in events_by_unit.values():
        for event in events:
            limit = (
                MAX_BITS_PER_READ
                if Table(event.register_type) in {Table.COIL, Table.DISCRETE}
                else MAX_REGISTERS_PER_READ
            )
            assert 1 <= event.count <= limit, event
            assert event.address >= 0, event
            assert event.address + event.count - 1 <= MAX_ADDRESS, event


def wire(raw: int) -> int:
    """A signed 16-bit value as the uint16 register the wire carries."""
    return raw & 0xFFFF


# -- strategies -----------------------------------------------------------------------

size_values = st.sampled_from(tuple(Size))
optional_points = st.builds(
    OptionalPoints,
    latch=st.booleans(),
    presence=st.booleans(),
    temperature=st.booleans(),
    setpoint=st.booleans(),
    keypad=st.booleans(),
    door_counters=st.booleans(),
    keypad_ring=st.booleans(),
)


@st.composite
def size_lists(draw: st.DrawFn, max_count: int = MAX_COMPARTMENTS) -> tuple[Size, ...]:
    """One size per compartment, 1..max_count compartments."""
    count = draw(st.integers(1, max_count))
    return tuple(draw(st.lists(size_values, min_size=count, max_size=count)))


@st.composite
def cooled_sets(draw: st.DrawFn, count: int, most: int | None = None) -> frozenset[int]:
    """Cooled compartments: either one run (as walls are built) or any subset.

    ``most`` caps how many there are (every compartment by default).
    """
    most = count if most is None else min(most, count)
    if draw(st.booleans()):
        first = draw(st.integers(1, count))
        last = draw(st.integers(first, min(count, first + most - 1)))
        return frozenset(range(first, last + 1))
    return frozenset(draw(st.sets(st.integers(1, count), max_size=most)))


@st.composite
def reference_walls(draw: st.DrawFn, max_count: int = MAX_COMPARTMENTS) -> Generated:
    """A reference-layout wall from random valid installer inputs."""
    sizes = draw(size_lists(max_count))
    cooled = draw(cooled_sets(len(sizes)))
    optional = draw(optional_points)
    wiring = ReferenceWiring(unit_id=draw(st.integers(MIN_UNIT_ID, MAX_UNIT_ID)))
    wall = reference_layout(wiring, sizes, cooled, optional)
    return Generated(Profile.REFERENCE, sizes, cooled, optional, wiring, wall)


@st.composite
def relay_input_walls(draw: st.DrawFn, max_count: int = MAX_COMPARTMENTS) -> Generated:
    """A relay board + input board wall from random valid installer inputs."""
    sizes = draw(size_lists(max_count))
    count = len(sizes)
    optional = draw(optional_points)
    # Each cooled compartment's probe has a unit id of its own: with probes
    # fitted, a link has room for at most 247 of them.
    cooled = draw(
        cooled_sets(
            count, MAX_UNIT_ID - MIN_UNIT_ID + 1 if optional.temperature else None
        )
    )
    probes = len(cooled) if optional.temperature else 0
    # One probe per unit id: more cooled compartments than unit ids cannot be wired.
    assume(probes <= MAX_UNIT_ID - MIN_UNIT_ID + 1)
    wiring = RelayInputWiring(
        relay_unit_id=draw(st.integers(MIN_UNIT_ID, MAX_UNIT_ID)),
        relay_base=draw(st.integers(0, MAX_ADDRESS - count + 1)),
        input_unit_id=draw(st.integers(MIN_UNIT_ID, MAX_UNIT_ID)),
        # Doors and presence contacts take 2 * count inputs from the base.
        input_base=draw(st.integers(0, MAX_ADDRESS - 2 * count + 1)),
        inverted_doors=draw(st.booleans()),
        probe_unit_id=draw(st.integers(MIN_UNIT_ID, MAX_UNIT_ID - max(probes, 1) + 1)),
        probe_address=draw(st.integers(0, MAX_ADDRESS)),
    )
    wall = relay_input_layout(wiring, sizes, cooled, optional)
    return Generated(Profile.RELAY_INPUT, sizes, cooled, optional, wiring, wall)


def any_walls(max_count: int = MAX_COMPARTMENTS) -> st.SearchStrategy[Generated]:
    """A wall from either profile."""
    return st.one_of(reference_walls(max_count), relay_input_walls(max_count))


# -- 1. sizes -------------------------------------------------------------------------


def test_compact_size_list_gives_one_size_per_compartment_in_order() -> None:
    """``S*12,M*8,L*4`` is 24 compartments: 12 small, then 8 medium, then 4 large."""
    sizes = parse_sizes(LOBBY_SIZES)
    assert len(sizes) == 24
    assert sizes == (Size.S,) * 12 + (Size.M,) * 8 + (Size.L,) * 4


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("S,S,M", (Size.S, Size.S, Size.M)),
        ("s*2,m,xl", (Size.S, Size.S, Size.M, Size.XL)),
        (" S * 2 ,  M ,XL*1 ", (Size.S, Size.S, Size.M, Size.XL)),
        ("XL*3", (Size.XL,) * 3),
        ("S*250", (Size.S,) * 250),
        ("S*200,M*50", (Size.S,) * 200 + (Size.M,) * 50),
    ],
)
def test_size_list_accepts_what_installers_type(
    spec: str, expected: tuple[Size, ...]
) -> None:
    """Single sizes, lowercase, spaces around tokens and up to 250 compartments read."""
    assert parse_sizes(spec) == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "invalid_sizes"),
        ("Q*3", "invalid_sizes"),
        ("S*0", "invalid_sizes"),
        ("S,,M", "invalid_sizes"),
        ("S*3,", "invalid_sizes"),
        ("S*-1", "invalid_sizes"),
        ("S*2.5", "invalid_sizes"),
        ("S*251", "too_many_compartments"),
        ("S*200,M*51", "too_many_compartments"),
        ("S*125,M*125,L", "too_many_compartments"),
    ],
)
def test_unreadable_size_list_is_refused_with_reason(spec: str, reason: str) -> None:
    """The form shows a translated reason instead of accepting a wrong wall."""
    with pytest.raises(SizeSpecError) as caught:
        parse_sizes(spec)
    assert caught.value.reason == reason


def test_huge_count_in_size_list_is_refused() -> None:
    """``S*1000`` never becomes a wall (reported as unreadable or too many)."""
    with pytest.raises(SizeSpecError) as caught:
        parse_sizes("S*1000")
    assert caught.value.reason in {"invalid_sizes", "too_many_compartments"}


@pytest.mark.parametrize(
    ("sizes", "text"),
    [
        ((Size.S,) * 12 + (Size.M,) * 8 + (Size.L,) * 4, LOBBY_SIZES),
        ((Size.S, Size.S, Size.M), "S*2,M"),
        ((Size.XL,), "XL"),
        ((Size.S, Size.M, Size.S), "S,M,S"),
    ],
)
def test_sizes_are_shown_back_in_compact_form(
    sizes: tuple[Size, ...], text: str
) -> None:
    """The form is pre-filled with the compact list, runs folded."""
    assert format_sizes(sizes) == text


@FAST
@given(sizes=st.lists(size_values, min_size=1, max_size=MAX_COMPARTMENTS))
def test_formatted_sizes_read_back_unchanged(sizes: list[Size]) -> None:
    """Reconfiguring a wall without touching the sizes keeps every compartment."""
    text = format_sizes(sizes)
    assert parse_sizes(text) == tuple(sizes)
    assert format_sizes(parse_sizes(text)) == text


def test_parcel_fits_its_own_size_and_every_larger_one() -> None:
    """A medium parcel goes in M, L or XL, never in S."""
    assert [size.rank for size in (Size.S, Size.M, Size.L, Size.XL)] == [0, 1, 2, 3]
    assert [size for size in Size if Size.M.fits_in(size)] == [Size.M, Size.L, Size.XL]
    assert all(Size.S.fits_in(size) for size in Size)
    assert [size for size in Size if size.fits_in(Size.S)] == [Size.S]
    assert not Size.XL.fits_in(Size.L)


@FAST
@given(parcel=size_values, compartment=size_values, other=size_values)
def test_fits_in_is_the_size_order(
    parcel: Size, compartment: Size, other: Size
) -> None:
    """Fitting follows S < M < L < XL: reflexive, transitive, total."""
    assert parcel.fits_in(parcel)
    assert parcel.fits_in(compartment) == (parcel.rank <= compartment.rank)
    assert parcel.fits_in(compartment) or compartment.fits_in(parcel)
    if parcel.fits_in(compartment) and compartment.fits_in(other):
        assert parcel.fits_in(other)


def test_compartment_label_is_prefix_and_two_digits() -> None:
    """Residents read ``A-07`` on the door; numbers past 99 still show in full."""
    assert compartment_label("A", 7) == "A-07"
    assert compartment_label("B", 24) == "B-24"
    assert compartment_label("C", 250) == "C-250"


# -- 2. reference layout --------------------------------------------------------------


def test_reference_layout_matches_the_design_register_table() -> None:
    """Each compartment's points sit where the reference controller has them."""
    wall = reference_layout(
        ReferenceWiring(unit_id=7), parse_sizes(LOBBY_SIZES), (21, 22), ALL_OPTIONAL
    )
    validate_wall(wall)
    assert [compartment.number for compartment in wall.compartments] == list(
        range(1, 25)
    )
    for compartment in wall.compartments:
        n = compartment.number
        i = n - 1
        cooled = n in (21, 22)
        assert compartment.cooled is cooled
        assert compartment.lock == Point(7, Table.COIL, i)
        assert compartment.door == Point(7, Table.DISCRETE, i)
        assert compartment.latch == Point(7, Table.DISCRETE, 256 + i)
        assert compartment.presence == Point(7, Table.DISCRETE, 512 + i)
        assert compartment.temperature == Point(7, Table.INPUT, i, scale=0.1)
        assert compartment.setpoint == (
            Point(7, Table.HOLDING, i, scale=0.1) if cooled else None
        )
        assert not compartment.door.invert
    assert wall.compartment(21).size is Size.L
    assert wall.keypad == KeypadMap(
        sequence=Point(7, Table.INPUT, 1000),
        code=Point(7, Table.INPUT, 1001, width=2),
        digits=Point(7, Table.INPUT, 1003),
        feedback=Point(7, Table.HOLDING, 1100),
    )
    assert wall.unit_ids() == [7]
    # The constants the layout is built from are the design's numbers.
    assert (LATCH_OFFSET, PRESENCE_OFFSET, TEMPERATURE_SCALE) == (256, 512, 0.1)
    assert (
        KEYPAD_SEQUENCE_ADDRESS,
        KEYPAD_CODE_ADDRESS,
        KEYPAD_DIGITS_ADDRESS,
        KEYPAD_FEEDBACK_ADDRESS,
    ) == (1000, 1001, 1003, 1100)


def test_reference_layout_leaves_out_points_that_are_not_fitted() -> None:
    """A wall without optional sensors gets no entities for them."""
    wall = reference_layout(ReferenceWiring(unit_id=1), parse_sizes("S*4"), (2,))
    for compartment in wall.compartments:
        assert compartment.latch is None
        assert compartment.presence is None
        assert compartment.temperature is None
        assert compartment.setpoint is None
        assert set(compartment.points()) == {Role.LOCK, Role.DOOR}
    assert wall.compartment(2).cooled
    assert wall.keypad is None
    assert [key for key, _ in wall.labelled_points()] == [
        f"{n}.{role}" for n in range(1, 5) for role in ("lock", "door")
    ]


def test_setpoint_is_only_mapped_for_cooled_compartments() -> None:
    """Only cooled compartments get a setpoint, even with setpoints switched on."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1),
        parse_sizes("S*5"),
        (1, 5),
        OptionalPoints(setpoint=True),
    )
    assert [c.number for c in wall.compartments if c.setpoint is not None] == [1, 5]
    with pytest.raises(KeyError):
        wall.compartment(6)


# -- 3. relay board + input board -----------------------------------------------------


def test_relay_input_probes_run_out_of_unit_ids() -> None:
    """Each probe has a unit id of its own: 247 fit on a link, a 248th is refused."""
    wiring = RelayInputWiring(relay_unit_id=1, input_unit_id=2, probe_unit_id=1)
    sizes = (Size.S,) * 248
    probes = OptionalPoints(temperature=True)
    validate_wall(relay_input_layout(wiring, sizes, range(1, 248), probes))
    with pytest.raises(MapError) as err:
        validate_wall(relay_input_layout(wiring, sizes, range(1, 249), probes))
    assert err.value.reason == "unit_id_out_of_range"
    assert err.value.placeholders == {"unit_id": "248"}


def test_relay_input_layout_wires_relays_doors_presence_and_probes() -> None:
    """Relays, door contacts, presence contacts and probes land where wired."""
    wiring = RelayInputWiring(
        relay_unit_id=5,
        relay_base=16,
        input_unit_id=6,
        input_base=100,
        inverted_doors=True,
        probe_unit_id=20,
        probe_address=3,
    )
    wall = relay_input_layout(wiring, parse_sizes("S*8"), (7, 2, 5), ALL_OPTIONAL)
    validate_wall(wall)
    probes = {2: 20, 5: 21, 7: 22}  # one unit id per cooled compartment, in order
    for compartment in wall.compartments:
        n = compartment.number
        i = n - 1
        assert compartment.cooled is (n in probes)
        assert compartment.lock == Point(5, Table.COIL, 16 + i)
        assert compartment.door == Point(6, Table.DISCRETE, 100 + i, invert=True)
        assert compartment.presence == Point(6, Table.DISCRETE, 108 + i)
        assert compartment.temperature == (
            Point(probes[n], Table.INPUT, 3, scale=0.1) if n in probes else None
        )
        # An input board has no latch feedback, a probe no setpoint.
        assert compartment.latch is None
        assert compartment.setpoint is None
    assert wall.keypad is None
    assert wall.unit_ids() == [5, 6, 20, 21, 22]


def test_relay_input_layout_without_optional_points() -> None:
    """Plain relay and input boards: a lock and a door per compartment only."""
    wiring = RelayInputWiring(relay_unit_id=1, input_unit_id=1)
    wall = relay_input_layout(wiring, parse_sizes("M*3"), (1,))
    validate_wall(wall)
    assert [set(c.points()) for c in wall.compartments] == [{Role.LOCK, Role.DOOR}] * 3
    assert wall.compartment(3).door == Point(1, Table.DISCRETE, 2)
    assert wall.unit_ids() == [1]


# -- 4. validation --------------------------------------------------------------------


def small_wall(count: int = 3, unit_id: int = 1) -> WallMap:
    """A plain reference wall to corrupt."""
    return reference_layout(ReferenceWiring(unit_id=unit_id), (Size.S,) * count)


def keypad_wall() -> WallMap:
    """A small reference wall with a keypad."""
    return reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * 3, optional=OptionalPoints(keypad=True)
    )


@pytest.mark.parametrize(
    ("wall", "reason"),
    [
        pytest.param(WallMap(()), "no_compartments", id="no-compartments"),
        pytest.param(small_wall(251), "too_many_compartments", id="251-compartments"),
        pytest.param(
            with_point(small_wall(), "2.door", Point(0, Table.DISCRETE, 1)),
            "unit_id_out_of_range",
            id="unit-0",
        ),
        pytest.param(
            with_point(small_wall(), "2.door", Point(248, Table.DISCRETE, 1)),
            "unit_id_out_of_range",
            id="unit-248",
        ),
        pytest.param(
            with_point(small_wall(), "2.lock", Point(1, Table.COIL, -1)),
            "address_out_of_range",
            id="address-minus-1",
        ),
        pytest.param(
            with_point(small_wall(), "2.lock", Point(1, Table.COIL, 65536)),
            "address_out_of_range",
            id="address-65536",
        ),
        pytest.param(
            with_point(
                keypad_wall(), "keypad.code", Point(1, Table.INPUT, 65535, width=2)
            ),
            "address_out_of_range",
            id="code-spills-past-65535",
        ),
        pytest.param(
            with_point(small_wall(), "1.lock", Point(1, Table.DISCRETE, 100)),
            "table_not_allowed",
            id="lock-on-discrete-input",
        ),
        pytest.param(
            with_point(keypad_wall(), "keypad.feedback", Point(1, Table.INPUT, 1100)),
            "table_not_allowed",
            id="feedback-read-only",
        ),
        pytest.param(
            with_point(small_wall(), "2.door", Point(1, Table.DISCRETE, 0)),
            "overlapping_points",
            id="shared-door-input",
        ),
        pytest.param(
            with_point(keypad_wall(), "keypad.code", Point(1, Table.INPUT, 1001)),
            "invalid_point",
            id="code-one-register-wide",
        ),
        pytest.param(
            with_point(small_wall(), "1.door", Point(1, Table.DISCRETE, 0, scale=0)),
            "invalid_point",
            id="scale-zero",
        ),
        pytest.param(
            WallMap(
                tuple(
                    dataclasses.replace(c, number=n)
                    for c, n in zip(small_wall().compartments, (1, 2, 4), strict=True)
                )
            ),
            "compartment_numbering",
            id="gap-in-numbering",
        ),
        pytest.param(
            WallMap(small_wall().compartments[1:]),
            "compartment_numbering",
            id="numbering-not-from-1",
        ),
        pytest.param(
            WallMap((*small_wall().compartments, small_wall().compartments[0])),
            "compartment_numbering",
            id="duplicate-number",
        ),
    ],
)
def test_unusable_map_is_refused_with_its_reason(wall: WallMap, reason: str) -> None:
    """The installer sees why a wall cannot be saved, never a traceback later."""
    with pytest.raises(MapError) as caught:
        validate_wall(wall)
    assert caught.value.reason == reason


def test_overlap_error_names_both_points() -> None:
    """The message tells the installer which two compartments clash."""
    wall = with_point(small_wall(), "2.door", Point(1, Table.DISCRETE, 0))
    with pytest.raises(MapError) as caught:
        validate_wall(wall)
    assert caught.value.placeholders["first"] == "1.door"
    assert caught.value.placeholders["second"] == "2.door"
    assert "unit 1 discrete 0" in str(caught.value)


def test_same_address_in_different_tables_is_not_an_overlap() -> None:
    """Coil 0 (lock) and discrete input 0 (door) are different points."""
    validate_wall(small_wall())


def test_two_walls_on_one_unit_clash_but_on_two_units_do_not() -> None:
    """Adding a second wall on an occupied unit id is refused; another unit is fine."""
    with pytest.raises(MapError) as caught:
        validate_no_overlap([small_wall(unit_id=3), small_wall(unit_id=3)])
    assert caught.value.reason == "overlapping_points"
    validate_no_overlap([small_wall(unit_id=3), small_wall(unit_id=4)])
    validate_no_overlap([small_wall(unit_id=3)])
    validate_no_overlap([])


def test_largest_valid_wall_and_edges_are_accepted() -> None:
    """250 compartments, unit ids 1 and 247, a code ending at 65535 all work."""
    validate_wall(small_wall(250, unit_id=247))
    validate_wall(small_wall(1, unit_id=1))
    wall = with_point(
        keypad_wall(), "keypad.code", Point(1, Table.INPUT, 65534, width=2)
    )
    validate_wall(with_point(wall, "3.lock", Point(1, Table.COIL, 65535)))


# -- 5. storage -----------------------------------------------------------------------


@FAST
@given(generated=any_walls())
def test_stored_map_reads_back_identical(generated: Generated) -> None:
    """A wall's map survives being stored as JSON in its subentry and reloaded."""
    stored = json.loads(json.dumps(wall_map_to_dict(generated.wall)))
    assert wall_map_from_dict(stored) == generated.wall


points = st.builds(
    Point,
    unit_id=st.integers(MIN_UNIT_ID, MAX_UNIT_ID),
    table=st.sampled_from(tuple(Table)),
    address=st.integers(0, MAX_ADDRESS),
    invert=st.booleans(),
    scale=st.floats(allow_nan=False, allow_infinity=False),
    width=st.integers(1, 2),
)


@FAST
@given(point=points)
def test_custom_point_reads_back_identical(point: Point) -> None:
    """Inversion, scale and width of a hand-edited point survive storage."""
    assert Point.from_dict(json.loads(json.dumps(point.as_dict()))) == point


def stored_lobby() -> dict[str, Any]:
    """The stored form of a small wall with every optional point."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1), parse_sizes("S,M"), (2,), ALL_OPTIONAL
    )
    return json.loads(json.dumps(wall_map_to_dict(wall)))


DELETE = object()
"""Marks an item to remove rather than replace in ``DAMAGE``."""

MAP, POINT = "invalid_map", "invalid_point"
# (what went wrong, where in the stored map, the new value, the reason shown)
DAMAGE: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("unknown-size", ("compartments", 0, "size"), "XXL", MAP),
    ("number-text", ("compartments", 0, "number"), "one", MAP),
    ("no-lock", ("compartments", 0, "lock"), DELETE, MAP),
    ("no-compartments-key", ("compartments",), DELETE, MAP),
    ("compartments-text", ("compartments",), "S*4", MAP),
    ("compartments-number", ("compartments",), 3, MAP),
    ("keypad-partial", ("keypad", "code"), DELETE, MAP),
    ("keypad-list", ("keypad",), [1, 2], MAP),
    ("bit-gap-text", ("bit_gap",), "wide", MAP),
    ("door-null", ("compartments", 1, "door"), None, POINT),
    ("door-text", ("compartments", 1, "door"), "coil 3", POINT),
    ("unknown-table", ("compartments", 0, "lock", "table"), "register", POINT),
    ("no-address", ("compartments", 0, "lock", "address"), DELETE, POINT),
    ("unit-text", ("compartments", 0, "door", "unit_id"), "one", POINT),
    ("scale-text", ("compartments", 1, "temperature", "scale"), "x", POINT),
    ("width-list", ("keypad", "code", "width"), [2], POINT),
    ("address-infinite", ("compartments", 0, "lock", "address"), math.inf, POINT),
    ("unit-nan", ("compartments", 0, "lock", "unit_id"), math.nan, POINT),
]  # fmt: skip


def damaged(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """``stored_lobby()`` with the item at ``path`` replaced or deleted."""
    data = stored_lobby()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize("data", [None, [], {}, "map", 0])
def test_stored_map_of_the_wrong_type_is_refused(data: Any) -> None:
    """A subentry whose map is not an object at all is refused, not a crash."""
    with pytest.raises(MapError) as caught:
        wall_map_from_dict(data)
    assert caught.value.reason == "invalid_map"


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [case[1:] for case in DAMAGE],
    ids=[case[0] for case in DAMAGE],
)
def test_damaged_stored_map_is_refused_with_reason(
    path: tuple[Any, ...], value: Any, reason: str
) -> None:
    """A damaged subentry becomes a repairable error, not a crash at start-up."""
    with pytest.raises(MapError) as caught:
        wall_map_from_dict(damaged(path, value))
    assert caught.value.reason == reason


# Values hand-edited or damaged storage holds that ``int()``/``float()`` trip on.
awkward_values = st.sampled_from(
    [math.inf, -math.inf, math.nan, 1e300, 2**70, -1, "", "1.5", [], {}]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["S", "XL", "coil", "input", "holding", "discrete", "1", "-1"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def item_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to an item inside nested dicts and lists."""
    found: list[tuple[Any, ...]] = []
    children: Iterable[tuple[Any, Any]] = ()
    if isinstance(data, dict):
        children = data.items()
    elif isinstance(data, list):
        children = enumerate(data)
    for key, value in children:
        path = (*prefix, key)
        found.append(path)
        found.extend(item_paths(value, path))
    return found


@THOROUGH
@given(data=st.data())
def test_any_damage_to_a_stored_map_is_refused_or_validated(
    data: st.DataObject,
) -> None:
    """Whatever a stored map was damaged into, loading raises ``MapError`` or works.

    Never another exception type: Home Assistant turns a ``MapError`` into a
    repair issue, anything else into a failed setup with a traceback.
    """
    stored = stored_lobby()
    path = data.draw(st.sampled_from(item_paths(stored)))
    target = stored
    for step in path[:-1]:
        target = target[step]
    if data.draw(st.booleans()):
        target[path[-1]] = data.draw(awkward_values | json_values)
    elif isinstance(target, dict):
        del target[path[-1]]
    try:
        wall = wall_map_from_dict(stored)
    except MapError as err:
        load_error: str | None = err.reason
    else:
        load_error = None
        with contextlib.suppress(MapError):
            validate_wall(wall)
    assert load_error in {None, "invalid_map", "invalid_point"}


# -- 6. wall settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21,22", (21, 22)),
        ("21-24", (21, 22, 23, 24)),
        (" 3 , 1-2 ", (1, 2, 3)),
        ("1,1-2,2", (1, 2)),
        ("", ()),
        ("24", (24,)),
    ],
)
def test_cooled_compartments_read_as_typed(
    text: str, expected: tuple[int, ...]
) -> None:
    """Lists and ranges of cooled compartments, in any order, without repeats."""
    assert parse_cooled(text, 24) == expected


@pytest.mark.parametrize("text", ["0", "25", "x", "24-21", "-1", "1-x", "20-25"])
def test_cooled_compartment_outside_the_wall_is_refused(text: str) -> None:
    """A typo in the cooled list is reported, not silently dropped."""
    with pytest.raises(MapError) as caught:
        parse_cooled(text, 24)
    assert caught.value.reason == "invalid_cooled"


def reference_form(**overrides: Any) -> dict[str, Any]:
    """The wall form for a 24-compartment reference wall."""
    return {
        CONF_PROFILE: "reference",
        CONF_DEVICE_ID: 1,
        CONF_SIZES: LOBBY_SIZES,
        CONF_COOLED: "21,22",
        CONF_OPTIONAL_POINTS: list(OPTIONAL_POINT_NAMES),
        **overrides,
    }


def relay_form(**overrides: Any) -> dict[str, Any]:
    """The wall form for relay and input boards."""
    return {
        CONF_PROFILE: "relay_input",
        CONF_SIZES: "S*8",
        CONF_COOLED: "2-3",
        CONF_OPTIONAL_POINTS: ["presence", "temperature"],
        CONF_RELAY_UNIT_ID: 2,
        CONF_RELAY_BASE: 8,
        CONF_INPUT_UNIT_ID: 3,
        CONF_INPUT_BASE: 16,
        CONF_INVERTED_DOORS: True,
        CONF_PROBE_UNIT_ID: 30,
        **overrides,
    }


def test_wall_form_generates_the_reference_map() -> None:
    """The form's answers make the same map as the reference layout itself."""
    assert generate_map(reference_form()) == reference_layout(
        ReferenceWiring(unit_id=1), parse_sizes(LOBBY_SIZES), (21, 22), LAYOUT_1_1
    )
    plain = generate_map(reference_form(**{CONF_OPTIONAL_POINTS: [], CONF_COOLED: ""}))
    assert plain == reference_layout(
        ReferenceWiring(unit_id=1), parse_sizes(LOBBY_SIZES)
    )


def test_wall_form_generates_the_relay_input_map() -> None:
    """Relay/input settings make the relay/input layout with the typed wiring."""
    assert generate_map(relay_form()) == relay_input_layout(
        RelayInputWiring(
            relay_unit_id=2,
            relay_base=8,
            input_unit_id=3,
            input_base=16,
            inverted_doors=True,
            probe_unit_id=30,
        ),
        (Size.S,) * 8,
        (2, 3),
        OptionalPoints(presence=True, temperature=True),
    )


@pytest.mark.parametrize(
    ("form", "error", "reason"),
    [
        (reference_form(**{CONF_SIZES: "Q*3"}), SizeSpecError, "invalid_sizes"),
        (
            reference_form(**{CONF_SIZES: "S*251"}),
            SizeSpecError,
            "too_many_compartments",
        ),
        (reference_form(**{CONF_COOLED: "25"}), MapError, "invalid_cooled"),
        (reference_form(**{CONF_COOLED: "x"}), MapError, "invalid_cooled"),
        (reference_form(**{CONF_COOLED: "0"}), MapError, "invalid_cooled"),
        (reference_form(**{CONF_DEVICE_ID: 0}), MapError, "unit_id_out_of_range"),
        (reference_form(**{CONF_DEVICE_ID: 248}), MapError, "unit_id_out_of_range"),
        (relay_form(**{CONF_PROBE_UNIT_ID: 247}), MapError, "unit_id_out_of_range"),
        (relay_form(**{CONF_RELAY_BASE: 65530}), MapError, "address_out_of_range"),
        (relay_form(**{CONF_INPUT_BASE: 65530}), MapError, "address_out_of_range"),
    ],
)
def test_wall_form_errors_carry_a_reason(
    form: dict[str, Any], error: type[ValueError], reason: str
) -> None:
    """Each wrong answer in the wall form is reported with its own message."""
    with pytest.raises(error) as caught:
        generate_map(form)
    assert caught.value.reason == reason  # type: ignore[attr-defined]


def stored_wall(**overrides: Any) -> dict[str, Any]:
    """A wall subentry's stored data."""
    return {
        CONF_NAME: "Lobby",
        CONF_PREFIX: "B",
        CONF_MAP: json.loads(
            json.dumps(wall_map_to_dict(generate_map(reference_form())))
        ),
        **overrides,
    }


def test_stored_wall_settings_load_for_the_coordinator() -> None:
    """Name, labels, sizes and the map come back from the stored subentry."""
    config = wall_config("wall_lobby", stored_wall())
    assert config.wall_id == "wall_lobby"
    assert config.name == "Lobby"
    assert config.map == generate_map(reference_form())
    assert config.label(7) == "B-07"
    assert config.size(1) is Size.S
    assert config.size(24) is Size.L
    assert config.pulse_seconds is None
    assert wall_config("w", stored_wall(**{CONF_PREFIX: ""})).label(3) == "A-03"


def test_hub_timed_pulse_setting_is_loaded() -> None:
    """The hub times the pulse only when asked, with the default or chosen length."""
    hub = wall_config("w", stored_wall(**{CONF_HUB_PULSE: True}))
    assert hub.pulse_seconds == DEFAULT_PULSE_SECONDS
    chosen = stored_wall(**{CONF_HUB_PULSE: True, CONF_PULSE_SECONDS: 1.5})
    assert wall_config("w", chosen).pulse_seconds == 1.5
    ignored = stored_wall(**{CONF_HUB_PULSE: False, CONF_PULSE_SECONDS: 1.5})
    assert wall_config("w", ignored).pulse_seconds is None


def test_stored_wall_with_unusable_map_is_refused() -> None:
    """A stored map that fails validation is refused when the wall loads."""
    data = stored_wall()
    data[CONF_MAP]["compartments"][1]["door"] = {
        "unit_id": 1,
        "table": "discrete",
        "address": 0,
    }
    with pytest.raises(MapError) as caught:
        wall_config("w", data)
    assert caught.value.reason == "overlapping_points"


# -- 7a. every generated map validates ------------------------------------------------


@THOROUGH
@given(generated=any_walls())
def test_every_generated_map_validates(generated: Generated) -> None:
    """Any wall an installer can describe with a profile is accepted as is."""
    validate_wall(generated.wall)
    assert [c.number for c in generated.wall.compartments] == list(
        range(1, len(generated.sizes) + 1)
    )
    assert tuple(c.size for c in generated.wall.compartments) == generated.sizes
    assert {c.number for c in generated.wall.compartments if c.cooled} == set(
        generated.cooled
    )


@FAST
@given(generated=reference_walls(), data=st.data())
def test_wall_form_map_is_the_profile_map(
    generated: Generated, data: st.DataObject
) -> None:
    """The form path (compact sizes, cooled text) builds exactly the profile's map."""
    cooled = sorted(generated.cooled)
    if data.draw(st.booleans()):
        # Any order with repeats reads the same.
        cooled = data.draw(st.permutations(cooled + cooled))
    chosen = [
        name for name in OPTIONAL_POINT_NAMES if getattr(generated.optional, name)
    ]
    assert isinstance(generated.wiring, ReferenceWiring)
    form = {
        CONF_PROFILE: "reference",
        CONF_DEVICE_ID: generated.wiring.unit_id,
        CONF_SIZES: format_sizes(generated.sizes),
        CONF_COOLED: ",".join(map(str, cooled)),
        CONF_OPTIONAL_POINTS: chosen,
    }
    assert generate_map(form) == generated.wall


# -- 7b. one poll reads every point in a few requests ---------------------------------


@THOROUGH
@given(generated=any_walls())
async def test_one_poll_reads_every_point_in_few_requests(
    generated: Generated,
) -> None:
    """Every configured point is inside a block the poll read, within protocol limits.

    Requests stay few: for the reference layout one coil read and one discrete
    read for the whole wall, one input read per 125 temperatures (and as many
    for the door counters) plus one for the keypad and its ring; for relay and
    input boards one read per board plus one per probe.
    """
    wall = generated.wall
    count = len(generated.sizes)
    async with linked(wall) as (link, connection):
        reading = await link.read()
        events_by_unit = read_events(connection)
    assert_every_point_read(wall, events_by_unit)
    assert_blocks_within_protocol(events_by_unit)
    assert set(events_by_unit) == set(wall.unit_ids())
    every_event = [event for events in events_by_unit.values() for event in events]
    assert link.requests_per_poll == len(every_event)
    assert set(reading.compartments) == set(range(1, count + 1))

    tables = requests_by_table(every_event)
    optional = generated.optional
    if generated.profile is Profile.REFERENCE:
        assert tables["coil"] == 1
        assert tables["discrete"] == 1
        keypad = optional.keypad or optional.keypad_ring
        assert tables["input"] == (blocks_for(count) if optional.temperature else 0) + (
            blocks_for(count) if optional.door_counters else 0
        ) + int(keypad)
        if is_contiguous(generated.cooled):
            assert tables["holding"] <= blocks_for(count) + int(keypad)
            assert link.requests_per_poll <= 8 + 2 * int(optional.door_counters)
    else:
        probes = len(generated.cooled) if optional.temperature else 0
        assert link.requests_per_poll == 2 + probes
        assert tables == Counter(coil=1, discrete=1, input=probes)


def expected_reference_requests(count: int) -> dict[str, int]:
    """The observed tight request counts for an all-cooled reference wall."""
    registers = blocks_for(count) + 1  # temperatures or setpoints, plus the keypad
    return {"coil": 1, "discrete": 1, "input": registers, "holding": registers}


@pytest.mark.parametrize("count", [1, 24, 100, 125, 126, 250])
async def test_reference_wall_poll_request_count(count: int) -> None:
    """A fully equipped, fully cooled reference wall polls in at most 8 requests.

    Observed: 6 requests up to 125 compartments, 8 from 126 to 250.
    """
    wall = reference_layout(
        ReferenceWiring(unit_id=1),
        (Size.M,) * count,
        range(1, count + 1),
        ALL_OPTIONAL,
    )
    async with linked(wall) as (link, connection):
        await link.read()
        events = connection.for_unit(1).read_events
    assert requests_by_table(events) == expected_reference_requests(count)
    assert link.requests_per_poll == len(events) <= 8
    assert link.requests_per_poll == (6 if count <= MAX_REGISTERS_PER_READ else 8)


@pytest.mark.parametrize(
    ("count", "cooled", "requests"),
    [(24, (21, 22), 6), (100, range(81, 101), 6), (250, range(201, 251), 7)],
)
async def test_lobby_sized_walls_poll_request_count(
    count: int, cooled: Iterable[int], requests: int
) -> None:
    """Typical walls (a run of cooled compartments, every sensor) stay this cheap."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * count, cooled, ALL_OPTIONAL
    )
    async with linked(wall) as (link, connection):
        await link.read()
    assert link.requests_per_poll == len(connection.for_unit(1).read_events)
    assert link.requests_per_poll == requests


@pytest.mark.parametrize(
    ("count", "cooled"),
    [(250, range(1, 251, 20)), (100, range(1, 101, 20)), (60, (1, 20, 40, 60))],
)
async def test_scattered_cooled_compartments_still_poll_in_few_requests(
    count: int, cooled: Iterable[int]
) -> None:
    """Cooled compartments spread over the wall must not cost a request each."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * count, cooled, ALL_OPTIONAL
    )
    async with linked(wall) as (link, _connection):
        await link.read()
    assert link.requests_per_poll <= 8


# -- 7c. an invalid map is always refused ---------------------------------------------


def _moved_onto_another_point(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    """Put one point on the unit, table and address another point already uses."""
    labelled = list(wall.labelled_points())
    other_key, other = data.draw(st.sampled_from(labelled))
    candidates = [
        (key, point)
        for key, point in labelled
        if key != other_key
        and other.table in ALLOWED_TABLES[role_of(key)]
        and other.address + point.width - 1 <= MAX_ADDRESS
    ]
    if not candidates:  # e.g. the only register point: a door can sit on a coil
        other = wall.compartment(1).lock
        candidates = [("1.door", wall.compartment(1).door)]
    key, point = data.draw(st.sampled_from(candidates))
    moved = dataclasses.replace(
        point, unit_id=other.unit_id, table=other.table, address=other.address
    )
    return with_point(wall, key, moved), {"overlapping_points"}


def _unit_out_of_range(data: st.DataObject, wall: WallMap) -> tuple[WallMap, set[str]]:
    key, point = data.draw(st.sampled_from(list(wall.labelled_points())))
    unit_id = data.draw(
        st.integers(max_value=0) | st.integers(min_value=MAX_UNIT_ID + 1)
    )
    return with_point(wall, key, dataclasses.replace(point, unit_id=unit_id)), {
        "unit_id_out_of_range"
    }


def _address_out_of_range(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    key, point = data.draw(st.sampled_from(list(wall.labelled_points())))
    address = data.draw(
        st.integers(max_value=-1) | st.integers(min_value=MAX_ADDRESS - point.width + 2)
    )
    return with_point(wall, key, dataclasses.replace(point, address=address)), {
        "address_out_of_range"
    }


def _forbidden_table(data: st.DataObject, wall: WallMap) -> tuple[WallMap, set[str]]:
    key, point = data.draw(st.sampled_from(list(wall.labelled_points())))
    allowed = ALLOWED_TABLES[role_of(key)]
    table = data.draw(st.sampled_from([t for t in Table if t not in allowed]))
    return with_point(wall, key, dataclasses.replace(point, table=table)), {
        "table_not_allowed"
    }


def _compartment_dropped(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    count = len(wall.compartments)
    if count == 1:
        return dataclasses.replace(wall, compartments=()), {"no_compartments"}
    # Dropping the last one leaves a valid, smaller wall: drop one before it.
    drop = data.draw(st.integers(1, count - 1))
    kept = tuple(c for c in wall.compartments if c.number != drop)
    return dataclasses.replace(wall, compartments=kept), {"compartment_numbering"}


def _compartment_renumbered(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    count = len(wall.compartments)
    victim = data.draw(st.integers(1, count))
    taken = [n for n in range(1, count + 1) if n != victim]
    number = data.draw(
        st.one_of(
            st.integers(max_value=0),
            st.integers(min_value=count + 1),
            *([st.sampled_from(taken)] if taken else []),
        )
    )
    compartments = tuple(
        dataclasses.replace(c, number=number) if c.number == victim else c
        for c in wall.compartments
    )
    return dataclasses.replace(wall, compartments=compartments), {
        "compartment_numbering"
    }


def _compartment_duplicated(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    copy = data.draw(st.sampled_from(wall.compartments))
    compartments = (*wall.compartments, copy)
    reason = (
        "too_many_compartments"
        if len(compartments) > MAX_COMPARTMENTS
        else "compartment_numbering"
    )
    return dataclasses.replace(wall, compartments=compartments), {reason}


def _too_many_compartments(
    data: st.DataObject, wall: WallMap
) -> tuple[WallMap, set[str]]:
    count = len(wall.compartments)
    extra = MAX_COMPARTMENTS + data.draw(st.integers(1, 20)) - count
    more = tuple(
        dataclasses.replace(c, number=count + 1 + k)
        for k, c in enumerate(
            itertools.islice(itertools.cycle(wall.compartments), extra)
        )
    )
    return dataclasses.replace(wall, compartments=wall.compartments + more), {
        "too_many_compartments"
    }


CORRUPTIONS: dict[str, Callable[[st.DataObject, WallMap], tuple[WallMap, set[str]]]] = {
    "point_on_another_point": _moved_onto_another_point,
    "unit_id_out_of_range": _unit_out_of_range,
    "address_out_of_range": _address_out_of_range,
    "forbidden_table": _forbidden_table,
    "compartment_dropped": _compartment_dropped,
    "compartment_renumbered": _compartment_renumbered,
    "compartment_duplicated": _compartment_duplicated,
    "too_many_compartments": _too_many_compartments,
}


@settings(THOROUGH, max_examples=200)
@given(
    generated=any_walls(),
    corruption=st.sampled_from(sorted(CORRUPTIONS)),
    data=st.data(),
)
def test_any_corrupted_map_is_refused_with_a_reason(
    generated: Generated, corruption: str, data: st.DataObject
) -> None:
    """One wrong point or compartment anywhere is caught, with the matching reason."""
    wall, reasons = CORRUPTIONS[corruption](data, generated.wall)
    with pytest.raises(MapError) as caught:
        validate_wall(wall)
    assert caught.value.reason in reasons


# -- 7d. decoding a poll --------------------------------------------------------------


async def test_poll_decodes_doors_sensors_and_keypad() -> None:
    """Entities show what the controller reports, in the units residents expect."""
    wall = reference_layout(
        ReferenceWiring(unit_id=9), (Size.S,) * 4, (2, 3), ALL_OPTIONAL
    )

    def setup(connection: MockModbusConnection) -> None:
        unit = connection.for_unit(9)
        unit.coil[2] = True  # compartment 3 being released
        unit.discrete[0] = [True, False, True, True]  # doors
        unit.discrete[LATCH_OFFSET] = [True, True, False, True]
        unit.discrete[PRESENCE_OFFSET + 3] = True
        unit.input[0] = [215, wire(-100), NO_SENSOR_WIRE, 0]
        unit.holding[1] = [wire(-25), 40]  # setpoints of 2 and 3
        unit.input[KEYPAD_SEQUENCE_ADDRESS] = [
            17,
            424242 >> 16,
            424242 & 0xFFFF,
            8,
        ]
        unit.holding[KEYPAD_FEEDBACK_ADDRESS] = 3

    async with linked(wall, setup) as (link, _connection):
        reading = await link.read()
    first, second, third, fourth = (reading.compartments[n] for n in range(1, 5))
    assert [c.door_closed for c in (first, second, third, fourth)] == [
        True,
        False,
        True,
        True,
    ]
    assert [c.released for c in (first, second, third, fourth)] == [
        False,
        False,
        True,
        False,
    ]
    assert [c.latched for c in (first, second, third, fourth)] == [
        True,
        True,
        False,
        True,
    ]
    assert [c.present for c in (first, second, third, fourth)] == [
        False,
        False,
        False,
        True,
    ]
    assert first.temperature == pytest.approx(21.5)
    assert second.temperature == pytest.approx(-10.0)
    assert third.temperature is None  # -32768: no probe fitted
    assert fourth.temperature == 0.0
    assert second.setpoint == pytest.approx(-2.5)
    assert third.setpoint == pytest.approx(4.0)
    assert first.setpoint is None
    assert reading.keypad is not None
    assert reading.keypad.sequence == 17
    assert reading.keypad.code == 424242
    assert reading.keypad.digits == 8
    assert reading.keypad.entered == "00424242"
    assert reading.keypad.feedback == 3
    assert "424242" not in repr(reading.keypad)
    assert "424242" not in repr(reading)


async def test_poll_of_a_wall_without_optional_points() -> None:
    """Without sensors the readings say "unknown" (None), not a made-up value."""
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,) * 2)

    def setup(connection: MockModbusConnection) -> None:
        connection.for_unit(1).discrete[1] = True

    async with linked(wall, setup) as (link, _connection):
        reading = await link.read()
    assert reading == WallReading(
        {
            1: CompartmentReading(released=False, door_closed=False),
            2: CompartmentReading(released=False, door_closed=True),
        }
    )
    assert reading.keypad is None


async def test_an_idle_wall_gives_the_very_same_reading() -> None:
    """A poll that reads the same words again gives the same reading object.

    The coordinator and the entities compare readings: an idle wall leaves
    them one pointer to compare. A door that moves gives a new reading.
    """
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,) * 3, (3,), LAYOUT_1_1)
    async with linked(wall) as (link, connection):
        first = await link.read()
        assert await link.read(full=False) is await link.read(full=False)
        connection.for_unit(1).discrete[1] = True
        moved = await link.read(full=False)
        assert moved.compartments[2].door_closed
        assert not first.compartments[2].door_closed
        assert await link.read(full=False) is moved


async def test_the_counters_a_poll_reads_leave_the_compartments_alone() -> None:
    """A full poll reads every door counter, the next one none: same compartments.

    What the wall shows is made of the compartments, so it need not be made
    again; the counters still go to whoever judges the doors.
    """
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,) * 3, (3,), LAYOUT_1_1)

    def setup(connection: MockModbusConnection) -> None:
        unit = connection.for_unit(1)
        unit.discrete.update(dict.fromkeys(range(3), True))  # every door shut
        unit.input[DOOR_COUNTER_OFFSET + 1] = 4

    async with linked(wall, setup) as (link, _connection):
        full = await link.read(full=True)
        fast = await link.read(full=False)
    assert full.openings == {1: 0, 2: 4, 3: 0}
    assert fast.openings == {}
    assert fast.compartments is full.compartments


async def test_a_slow_round_that_reads_nothing_new_gives_the_same_reading() -> None:
    """Temperatures and counters read as a round ago: nothing to decode or judge.

    Counting only goes up, so counters that read as they did a round ago have
    been seen by whoever judges the doors. A counter that moved comes with the
    poll that read it.
    """
    wall = reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * 250, (21, 22), LAYOUT_1_1
    )

    def setup(connection: MockModbusConnection) -> None:
        connection.for_unit(1).discrete.update(dict.fromkeys(range(250), True))

    async with linked(wall, setup) as (link, connection):
        first = await link.read()
        idle = await link.read(full=False)
        for _ in range(link.slow_steps):  # the first round reads every word anew
            await link.read(full=False, refresh_slow=True)
        again = [
            await link.read(full=False, refresh_slow=True)
            for _ in range(link.slow_steps)
        ]
        assert again == [idle] * link.slow_steps
        assert all(reading is again[0] for reading in again)
        assert again[0].compartments is first.compartments
        connection.for_unit(1).input[DOOR_COUNTER_OFFSET + 249] = 3  # No. 250
        seen = [
            (await link.read(full=False, refresh_slow=True)).openings
            for _ in range(link.slow_steps)
        ]
    assert [openings[250] for openings in seen if 250 in openings] == [3]


@pytest.mark.parametrize(
    ("step_registers", "steps"),
    [(None, 18), (NETWORK_STEP_REGISTERS, 6)],
    ids=["serial line", "network"],
)
async def test_a_network_link_reads_the_slow_tier_in_whole_requests(
    step_registers: int | None, steps: int
) -> None:
    """A serial line reads 250 temperatures in small steps; a network in few."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * 250, (21, 22), LAYOUT_1_1
    )
    connection = MockModbusConnection()
    link = (
        WallLink(connection, wall)
        if step_registers is None
        else WallLink(connection, wall, step_registers=step_registers)
    )
    assert link.slow_steps == steps


async def test_a_poll_after_a_failed_one_trusts_nothing_kept() -> None:
    """Blocks read before a poll failed are decoded again by the next poll.

    The keypad registers are read before the doors: a poll that fails at the
    doors has read a new code already, and the next poll, reading the same
    code, must still show it.
    """
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,) * 3, (3,), LAYOUT_1_1)
    async with linked(wall) as (link, connection):
        unit = connection.for_unit(1)
        before = (await link.read()).keypad
        assert before is not None
        assert before.sequence == 0
        unit.input[KEYPAD_SEQUENCE_ADDRESS] = 7
        unit.fail_read(0, ModbusConnectionError("gone"), register_type="discrete")
        with pytest.raises(ModbusConnectionError):
            await link.read(full=False)
        unit.fail_read(0, None, register_type="discrete")
        reading = await link.read(full=False)
    assert reading.keypad is not None
    assert reading.keypad.sequence == 7


async def test_a_refused_block_is_named() -> None:
    """A controller refusing a block: the error says which block, as before."""
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,) * 3)
    async with linked(wall) as (link, connection):
        connection.for_unit(1).fail_read(
            0, IllegalDataAddressError(), register_type="coil"
        )
        with pytest.raises(IllegalDataAddressError) as refused:
            await link.read()
    assert refused.value.block == ReadBlock("coil", 0, 3)
    assert str(refused.value).startswith("coil block read at address 0 (count 3)")


@FAST
@given(
    doors=st.lists(st.booleans(), min_size=1, max_size=40),
    inverted=st.booleans(),
    temperatures=st.lists(st.integers(-32768, 32767), min_size=40, max_size=40),
)
async def test_relay_input_doors_and_probes_decode(
    doors: list[bool], inverted: bool, temperatures: list[int]
) -> None:
    """Door contacts honour inversion; probes give signed tenths or None."""
    count = len(doors)
    cooled = range(1, count + 1, 2)
    wiring = RelayInputWiring(
        relay_unit_id=1,
        input_unit_id=2,
        input_base=10,
        inverted_doors=inverted,
        probe_unit_id=50,
    )
    wall = relay_input_layout(
        wiring, (Size.S,) * count, cooled, OptionalPoints(temperature=True)
    )

    def setup(connection: MockModbusConnection) -> None:
        connection.for_unit(2).discrete[10] = list(doors)
        for index, number in enumerate(cooled):
            connection.for_unit(50 + index).input[0] = wire(temperatures[number - 1])

    async with linked(wall, setup) as (link, _connection):
        reading = await link.read()
    for number in range(1, count + 1):
        compartment = reading.compartments[number]
        assert compartment.door_closed is (doors[number - 1] != inverted)
        raw = temperatures[number - 1]
        if number not in cooled or raw == -32768:  # no probe, or probe missing
            assert compartment.temperature is None
        else:
            assert compartment.temperature == pytest.approx(raw / 10)


@FAST
@given(code=st.integers(0, 10**8 - 1), digits=st.integers(1, 10), data=st.data())
def test_entered_code_keeps_leading_zeros(
    code: int, digits: int, data: st.DataObject
) -> None:
    """A code typed as ``00012345`` is matched as such, never as ``12345``."""
    digits = max(digits, len(str(code)))
    keypad = KeypadReading(
        sequence=data.draw(st.integers(0, 0xFFFF)), code=code, digits=digits, feedback=0
    )
    assert keypad.entered == str(code).zfill(digits)
    assert len(keypad.entered) == digits
    assert int(keypad.entered) == code
    assert KeypadReading(sequence=0, code=0, digits=0, feedback=0).entered == ""
    # What a log line would show: sequence and length, never the code.
    assert repr(keypad) == (
        f"KeypadReading(sequence={keypad.sequence}, digits={keypad.digits})"
    )


# -- 7e. releasing a lock -------------------------------------------------------------


def record_writes(connection: MockModbusConnection, unit_id: int) -> list[WriteEvent]:
    """Collect every write to a unit as it happens."""
    writes: list[WriteEvent] = []
    connection.for_unit(unit_id).on_write(writes.append)
    return writes


async def test_release_writes_one_coil_when_the_controller_times_the_pulse() -> None:
    """Opening a compartment sends a single 'release' write to its lock coil."""
    wall = reference_layout(ReferenceWiring(unit_id=4), (Size.S,) * 5)
    async with linked(wall) as (link, connection):
        writes = record_writes(connection, 4)
        await link.release(3, pulse_seconds=None)
    assert writes == [WriteEvent("coil", 2, [True], 0x05)]


async def test_hub_timed_pulse_switches_the_relay_on_then_off() -> None:
    """For relay boards the hub switches the relay back off after the pulse."""
    wiring = RelayInputWiring(relay_unit_id=6, relay_base=100, input_unit_id=7)
    wall = relay_input_layout(wiring, (Size.S,) * 5)
    async with linked(wall) as (link, connection):
        writes = record_writes(connection, 6)
        await link.release(5, pulse_seconds=0.01)
    assert writes == [
        WriteEvent("coil", 104, [True], 0x05),
        WriteEvent("coil", 104, [False], 0x05),
    ]


async def test_cancelled_pulse_still_switches_the_relay_off() -> None:
    """Unloading the integration mid-pulse never leaves a lock released."""
    wiring = RelayInputWiring(relay_unit_id=6, input_unit_id=7)
    wall = relay_input_layout(wiring, (Size.S,) * 2)
    async with linked(wall) as (link, connection):
        writes = record_writes(connection, 6)
        released = asyncio.Event()
        connection.for_unit(6).on_write(lambda _event: released.set())
        task = asyncio.create_task(link.release(2, pulse_seconds=30))
        async with asyncio.timeout(5):
            await released.wait()
        assert writes == [WriteEvent("coil", 1, [True], 0x05)]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert writes == [
        WriteEvent("coil", 1, [True], 0x05),
        WriteEvent("coil", 1, [False], 0x05),
    ]


async def test_normally_closed_relay_is_released_by_writing_zero() -> None:
    """A lock point marked inverted is pulsed 0 then back to 1."""
    wall = reference_layout(ReferenceWiring(unit_id=1), (Size.S,))
    wall = with_point(wall, "1.lock", Point(1, Table.COIL, 0, invert=True))
    async with linked(wall) as (link, connection):
        writes = record_writes(connection, 1)
        await link.release(1, pulse_seconds=0.01)
    assert [event.values for event in writes] == [[False], [True]]


async def test_keypad_feedback_and_setpoint_writes() -> None:
    """The hub tells the keypad the outcome and sets cooled compartments' targets."""
    wall = reference_layout(
        ReferenceWiring(unit_id=1), (Size.S,) * 3, (3,), ALL_OPTIONAL
    )
    async with linked(wall) as (link, connection):
        writes = record_writes(connection, 1)
        await link.write_keypad_feedback(2)
        await link.write_setpoint(3, -2.5)
    assert [(event.register_type, event.address, event.values) for event in writes] == [
        ("holding", KEYPAD_FEEDBACK_ADDRESS, [2]),
        ("holding", 2, [wire(-25)]),
    ]


def test_compartment_map_lists_points_by_role() -> None:
    """A compartment's entities follow from its configured points."""
    compartment = CompartmentMap(
        number=1,
        size=Size.S,
        lock=Point(1, Table.COIL, 0),
        door=Point(1, Table.DISCRETE, 0),
        temperature=Point(1, Table.INPUT, 0, scale=0.1),
    )
    assert list(compartment.points()) == [Role.LOCK, Role.DOOR, Role.TEMPERATURE]
