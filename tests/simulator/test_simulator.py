"""Tests of the locker-wall simulator: the model, the Modbus server, the web page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import logging
import struct
from typing import Any, ClassVar

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings, strategies as st
from pymodbus.client import AsyncModbusTcpClient
import pytest

from simulator import (
    KeypadFeedback,
    LockerSimulator,
    ManualClock,
    ModbusError,
    SimulatedWall,
    __main__ as cli,
    advertise as advertise_module,
    parse_sizes,
    reference_wall,
)
from simulator.layout import (
    ILLEGAL_ADDRESS,
    ILLEGAL_VALUE,
    KEYPAD_SEQUENCE,
    NO_SENSOR,
    decode_tenths,
    encode_tenths,
    from_wire,
    to_wire,
)
from simulator.web import build_app, start_web

FAST = 0.05


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], within: float = 2.0
) -> None:
    """Let the event loop run until ``check`` is true (a socket event arrived).

    It only yields to the loop, which handles the sockets on every turn; it
    never sleeps. ``within`` bounds the wait, so a broken test fails.
    """
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail("condition not reached in time")
        await asyncio.sleep(0)


# --------------------------------------------------------------------------
# The pure model
# --------------------------------------------------------------------------


def test_new_wall_is_closed_latched_and_empty() -> None:
    wall = SimulatedWall(3, cooled=[2])
    assert wall.count == 3
    for comp in wall.compartments:
        assert (comp.coil, comp.door_closed, comp.latched, comp.present) == (
            False,
            True,
            True,
            False,
        )
    assert [c.temperature for c in wall.compartments] == [21.0, 4.0, 21.0]
    assert wall.compartment(2).setpoint == 4.0
    assert wall.compartment(2).cooled
    assert wall.sizes == ["S", "S", "S"]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0,), {}),
        ((251,), {}),
        ((3,), {"cooled": [4]}),
        ((3,), {"sizes": ["S", "M"]}),
        ((2,), {"sizes": ["S", "XXL"]}),
        ((2,), {"pulse_seconds": 0}),
    ],
)
def test_wall_rejects_impossible_setups(
    args: tuple[int], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        SimulatedWall(*args, **kwargs)


def test_unknown_compartment_is_an_error() -> None:
    wall = SimulatedWall(2)
    with pytest.raises(ValueError, match="no compartment 3"):
        wall.open_door(3)
    with pytest.raises(ValueError):
        wall.compartment(0)


def test_latched_door_does_not_open() -> None:
    wall = SimulatedWall(2)
    assert wall.open_door(1) is False
    assert wall.compartment(1).door_closed


def test_release_open_close_relatches() -> None:
    wall = SimulatedWall(2)
    wall.write_coil(1, True)
    comp = wall.compartment(1)
    assert (comp.coil, comp.latched) == (True, False)
    wall.pulse_elapsed(1)
    # The latch stays released after the pulse until the door has been closed.
    assert (comp.coil, comp.latched) == (False, False)
    assert wall.open_door(1)
    assert wall.open_door(1)  # already open: nothing to do
    assert (comp.door_closed, comp.forced) == (False, False)
    wall.close_door(1)
    assert (comp.door_closed, comp.latched) == (True, True)
    assert wall.open_door(1) is False


def test_unopened_release_stays_released_until_closed() -> None:
    wall = SimulatedWall(1)
    wall.write_coil(1, True)
    wall.pulse_elapsed(1)
    wall.pulse_elapsed(1)  # a late timer does nothing
    assert not wall.compartment(1).latched
    wall.close_door(1)  # already closed: nothing happens
    assert not wall.compartment(1).latched
    assert wall.open_door(1)


def test_door_closed_while_coil_up_latches_when_coil_drops() -> None:
    wall = SimulatedWall(1)
    comp = wall.compartment(1)
    wall.write_coil(1, True)
    assert wall.open_door(1)
    wall.close_door(1)
    assert (comp.door_closed, comp.latched, comp.relatch_pending) == (True, False, True)
    wall.pulse_elapsed(1)
    assert (comp.latched, comp.relatch_pending) == (True, False)


async def test_relay_board_keeps_coil_until_hub_drops_it() -> None:
    wall = SimulatedWall(1, controller_timed_pulse=False)
    clock = ManualClock()
    wall.set_scheduler(clock.call_later)
    wall.write_coil(1, True)
    assert clock.pending == 0
    await clock.advance(60)
    assert wall.compartment(1).coil
    wall.open_door(1)
    wall.close_door(1)
    assert not wall.compartment(1).latched
    wall.write_coil(1, False)
    assert wall.compartment(1).latched
    assert wall.coil_writes == [(1, True), (1, False)]


async def test_controller_times_its_pulses_on_the_clock() -> None:
    wall = SimulatedWall(3, pulse_seconds=0.5)
    clock = ManualClock()
    wall.set_scheduler(clock.call_later)
    wall.write_coil(2, True)
    wall.write_coils(0, [True, False, True])
    assert clock.pending == 2  # compartments 1 and 3; 2 was dropped by the hub
    assert wall.release_count(2) == 1
    assert wall.release_count(1) == 1
    assert wall.coil_writes == [(2, True), (1, True), (2, False), (3, True)]
    await clock.advance(0.4)
    assert wall.compartment(1).coil
    wall.write_coil(3, True)  # a repeated release starts the pulse anew
    await clock.advance(0.2)
    assert not wall.compartment(1).coil
    assert wall.compartment(3).coil
    await clock.advance(0.3)
    assert not wall.compartment(3).coil
    assert clock.pending == 0


async def test_taking_the_scheduler_away_calls_the_pulses_off() -> None:
    wall = SimulatedWall(1)
    clock = ManualClock()
    wall.set_scheduler(clock.call_later)
    wall.write_coil(1, True)
    wall.set_scheduler(None)
    await clock.advance(10)
    assert wall.compartment(1).coil


async def test_quick_doors_close_by_themselves() -> None:
    """The fault: people faster than a poll open and close within 200 ms."""
    wall = SimulatedWall(2)
    clock = ManualClock()
    wall.set_scheduler(clock.call_later)
    wall.set_quick_doors(0.2)
    wall.write_coil(1, True)
    assert wall.open_door(1)
    await clock.advance(0.1)
    assert not wall.compartment(1).door_closed
    await clock.advance(0.1)
    assert wall.compartment(1).door_closed
    assert wall.compartment(1).openings == 1
    wall.set_quick_doors(0)
    assert wall.open_door(2, force=True)
    await clock.advance(10)
    assert not wall.compartment(2).door_closed
    with pytest.raises(ValueError, match="finite"):
        wall.set_quick_doors(-1)


def test_door_counters_count_every_opening_and_wrap() -> None:
    """Layout 1.1: input register 2000 + i counts the openings of door i."""
    wall = SimulatedWall(2)
    wall.write_coil(1, True)
    for _ in range(3):
        assert wall.open_door(1)
        wall.close_door(1)
        wall.write_coil(1, True)
    wall.open_door(2, force=True)
    wall.bounce_door(1, reads=5)  # a chattering contact is not an opening
    assert wall.read_input_registers(2000, 2) == [3, 1]
    wall.compartment(1).openings = 0xFFFF
    wall.write_coil(1, True)
    wall.open_door(1)
    assert wall.read_input_registers(2000, 1) == [0]
    wall.power_cycle()
    assert wall.read_input_registers(2000, 2) == [0, 0]


def test_keypad_ring_keeps_the_last_eight_codes() -> None:
    """Layout 1.1: slot k = sequence % 8 holds sequence, code (2 words), digits."""
    wall = SimulatedWall(1)
    for code in range(1, 11):
        wall.enter_code(f"{code * 70000:08d}")
    ring = wall.read_input_registers(1010, 32)
    slots = [ring[k * 4 : k * 4 + 4] for k in range(8)]
    assert [slot[0] for slot in slots] == [8, 9, 10, 3, 4, 5, 6, 7]
    assert slots[2] == [10, 700000 >> 16, 700000 & 0xFFFF, 8]
    assert wall.read_input_registers(1000, 4) == [10, 700000 >> 16, 700000 & 0xFFFF, 8]
    wall.write_holding_registers(1100, [1, 10])
    assert wall.read_holding_registers(1100, 2) == [1, 10]
    assert wall.keypad_feedback_sequence == 10
    wall.power_cycle()
    assert wall.read_input_registers(1010, 32) == [0] * 32
    assert wall.read_holding_registers(1101, 1) == [0]


def test_layout_1_0_has_no_counters_and_no_ring() -> None:
    wall = SimulatedWall(2, layout="1.0")
    for address, count in ((2000, 2), (1010, 32)):
        with pytest.raises(ModbusError) as err:
            wall.read_input_registers(address, count)
        assert err.value.code == ILLEGAL_ADDRESS
    with pytest.raises(ModbusError) as err:
        wall.read_holding_registers(1101, 1)
    assert err.value.code == ILLEGAL_ADDRESS
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(1100, [1, 1])
    assert err.value.code == ILLEGAL_ADDRESS
    # A read that spans the 1.0 keypad and the missing ring reads 0 for it.
    assert wall.read_input_registers(1000, 12)[4:] == [0] * 8
    with pytest.raises(ValueError, match="layout"):
        SimulatedWall(1, layout="2.0")


def test_forced_door_keeps_latch_thrown() -> None:
    wall = SimulatedWall(1)
    comp = wall.compartment(1)
    assert wall.open_door(1, force=True)
    assert (comp.door_closed, comp.forced, comp.latched) == (False, True, True)
    assert wall.read_discrete_inputs(256, 1) == [True]
    wall.close_door(1)
    assert (comp.door_closed, comp.forced, comp.latched) == (True, False, True)


def test_force_on_a_released_latch_is_an_ordinary_open() -> None:
    wall = SimulatedWall(1)
    wall.write_coil(1, True)
    assert wall.open_door(1, force=True)
    assert not wall.compartment(1).forced


def test_parcels_and_presence_inputs() -> None:
    wall = SimulatedWall(3)
    wall.put_parcel(2)
    assert wall.read_discrete_inputs(512, 3) == [False, True, False]
    wall.take_parcel(2)
    assert wall.read_discrete_inputs(512, 3) == [False, False, False]


@pytest.mark.parametrize(
    ("celsius", "raw", "wire"),
    [
        (21.0, 210, 210),
        (4.0, 40, 40),
        (-5.5, -55, 0xFFC9),
        (-0.1, -1, 0xFFFF),
        (3276.7, 32767, 0x7FFF),
        (-3276.7, -32767, 0x8001),
        (None, NO_SENSOR, 0x8000),
    ],
)
def test_temperature_encoding(celsius: float | None, raw: int, wire: int) -> None:
    assert encode_tenths(celsius) == raw
    assert to_wire(raw) == wire
    assert from_wire(wire) == raw
    assert decode_tenths(raw) == celsius
    wall = SimulatedWall(2)
    wall.set_temperature(2, celsius)
    assert wall.read_input_registers(0, 2) == [210, wire]


@pytest.mark.parametrize("celsius", [3276.8, -3276.8, 5000.0])
def test_temperature_out_of_range(celsius: float) -> None:
    wall = SimulatedWall(1)
    with pytest.raises(ValueError):
        wall.set_temperature(1, celsius)
    with pytest.raises(ValueError):
        wall.set_setpoint(1, celsius)
    assert wall.compartment(1).temperature == 21.0


def test_technician_setpoint() -> None:
    wall = SimulatedWall(1, cooled=[1])
    wall.set_setpoint(1, -20.0)
    assert wall.read_holding_registers(0, 1) == [to_wire(-200)]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=-32767, max_value=32767))
def test_tenths_round_trip(raw: int) -> None:
    celsius = decode_tenths(raw)
    assert celsius is not None
    assert encode_tenths(celsius) == raw
    assert from_wire(to_wire(raw)) == raw


def test_keypad_registers_keep_leading_zeros() -> None:
    wall = SimulatedWall(2)
    wall.keypad_feedback = KeypadFeedback.REJECTED
    wall.enter_code("01234567")
    assert wall.keypad_feedback == KeypadFeedback.IDLE
    assert wall.read_input_registers(1000, 4) == [1, 0x0012, 0xD687, 8]
    wall.enter_code("4294967295")
    assert wall.read_input_registers(1000, 4) == [2, 0xFFFF, 0xFFFF, 10]
    assert wall.keypad_entry == "4294967295"


def test_keypad_sequence_wraps() -> None:
    wall = SimulatedWall(1)
    wall.keypad_sequence = 0xFFFF
    wall.enter_code("7")
    assert wall.read_input_registers(1000, 1) == [0]


@pytest.mark.parametrize(
    "code", ["", "12a4", "\uff11\uff12\uff13", "12345678901", "4294967296"]
)
def test_keypad_rejects_bad_codes(code: str) -> None:
    wall = SimulatedWall(1)
    with pytest.raises(ValueError):
        wall.enter_code(code)
    assert wall.keypad_sequence == 0


def test_keypad_feedback_register() -> None:
    wall = SimulatedWall(2)
    wall.write_holding_registers(1100, [3])
    assert wall.keypad_feedback == KeypadFeedback.LOCKED_OUT
    assert wall.read_holding_registers(1100, 1) == [3]
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(1100, [4])
    assert err.value.code == ILLEGAL_VALUE
    assert wall.keypad_feedback == KeypadFeedback.LOCKED_OUT


def test_points_a_wall_lacks_are_refused_and_read_0_inside_a_read() -> None:
    """What the integration's detection relies on: a missing point answers 0x02.

    A read that also asks for points the wall has reads 0 for the missing
    ones, and addresses outside the layout read 0 (a custom map may use them).
    """
    wall = SimulatedWall(2, keypad=False, latch=False, presence=False)
    wall.put_parcel(1)
    assert wall.read_discrete_inputs(0, 2) == [True, True]
    for call, address, count in (
        (wall.read_discrete_inputs, 256, 2),
        (wall.read_discrete_inputs, 512, 2),
        (wall.read_input_registers, 1000, 4),
        (wall.read_input_registers, 1010, 32),
        (wall.read_holding_registers, 1100, 1),
        (wall.read_holding_registers, 1101, 1),
    ):
        with pytest.raises(ModbusError) as refused:
            call(address, count)
        assert refused.value.code == ILLEGAL_ADDRESS
    assert wall.read_discrete_inputs(0, 514) == [True, True] + [False] * 512
    assert wall.read_discrete_inputs(100, 1) == [False]
    assert wall.read_input_registers(2000, 2) == [0, 0]  # layout 1.1 counters
    with pytest.raises(ValueError, match="no keypad"):
        wall.enter_code("1234")
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(1100, [1])
    assert err.value.code == ILLEGAL_ADDRESS


def test_reads_span_gaps_and_stop_at_protocol_limits() -> None:
    wall = SimulatedWall(2)
    assert wall.read_coils(0, 2000) == [False] * 2000
    assert wall.read_discrete_inputs(65535, 1) == [False]
    assert wall.read_input_registers(0, 125)[2:] == [0] * 123
    assert wall.read_holding_registers(65411, 125) == [0] * 125
    for call, address, count, code in [
        (wall.read_coils, 0, 2001, ILLEGAL_VALUE),
        (wall.read_discrete_inputs, 0, 0, ILLEGAL_VALUE),
        (wall.read_input_registers, 0, 126, ILLEGAL_VALUE),
        (wall.read_holding_registers, 65500, 40, ILLEGAL_ADDRESS),
        (wall.read_coils, -1, 1, ILLEGAL_ADDRESS),
    ]:
        with pytest.raises(ModbusError) as err:
            call(address, count)
        assert err.value.code == code


def test_writes_are_checked_before_they_apply() -> None:
    wall = SimulatedWall(2, cooled=[1])
    with pytest.raises(ModbusError) as err:
        wall.write_coils(1, [True, True])
    assert err.value.code == ILLEGAL_ADDRESS
    assert wall.coil_writes == []
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(1, [50, 60])
    assert err.value.code == ILLEGAL_ADDRESS
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(0, [0x8000])
    assert err.value.code == ILLEGAL_VALUE
    with pytest.raises(ModbusError) as err:
        wall.write_holding_registers(0, [0x10000])
    assert err.value.code == ILLEGAL_VALUE
    assert wall.compartment(1).setpoint == 4.0
    wall.write_holding_registers(0, [to_wire(-185), 30])
    assert wall.compartment(1).setpoint == -18.5
    assert wall.compartment(2).setpoint == 3.0
    assert wall.read_holding_registers(0, 2) == [0xFF47, 30]


def test_listeners_hear_every_change(caplog: pytest.LogCaptureFixture) -> None:
    wall = SimulatedWall(2)
    calls: list[str] = []
    remove = wall.add_listener(lambda: calls.append("a"))

    def broken() -> None:
        raise RuntimeError("boom")

    wall.add_listener(broken)
    with caplog.at_level(logging.ERROR):
        wall.write_coil(1, True)
        wall.pulse_elapsed(1)
        wall.open_door(1)
        wall.put_parcel(1)
        wall.take_parcel(1)
        wall.close_door(1)
        wall.set_temperature(2, None)
        wall.enter_code("12")
        wall.write_holding_registers(1100, [1])
    assert calls == ["a"] * 9
    assert "Wall listener failed" in caplog.text
    remove()
    wall.put_parcel(2)
    assert calls == ["a"] * 9


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("S*12,M*8,L*4", ["S"] * 12 + ["M"] * 8 + ["L"] * 4),
        ("s, m*2 ,XL", ["S", "M", "M", "XL"]),
        ("L", ["L"]),
    ],
)
def test_parse_sizes(spec: str, expected: list[str]) -> None:
    assert parse_sizes(spec) == expected


@pytest.mark.parametrize("spec", ["", "S*", "S*0", "Q*2", "S,,M", "S*-1", "S*251"])
def test_parse_sizes_rejects(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_sizes(spec)


def test_reference_wall() -> None:
    wall = reference_wall(pulse_seconds=0.2, keypad=False)
    assert wall.count == 24
    assert [c.number for c in wall.compartments if c.cooled] == [21, 22]
    assert wall.sizes[11:13] == ["S", "M"]
    assert wall.pulse_seconds == 0.2
    assert not wall.keypad
    small = reference_wall("M*4")
    assert small.count == 4
    assert not any(c.cooled for c in small.compartments)
    assert reference_wall("S*3", cooled=[3]).compartment(3).cooled


# --------------------------------------------------------------------------
# Over real loopback Modbus TCP
# --------------------------------------------------------------------------


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[LockerSimulator]:
    walls = {
        1: reference_wall(pulse_seconds=FAST),
        2: SimulatedWall(4, controller_timed_pulse=False, keypad=False),
    }
    async with LockerSimulator(walls, clock=ManualClock()) as simulator:
        yield simulator


async def advance(sim: LockerSimulator, seconds: float) -> None:
    """Let the simulated controller's time pass (a test never sleeps)."""
    assert isinstance(sim.clock, ManualClock)
    await sim.clock.advance(seconds)


@pytest.fixture
async def client(sim: LockerSimulator) -> AsyncIterator[AsyncModbusTcpClient]:
    modbus = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=2, retries=0)
    assert await modbus.connect()
    yield modbus
    modbus.close()


async def raw_request(port: int, pdu: bytes, unit: int = 1) -> bytes:
    """Send one hand-made frame: pymodbus's client refuses out-of-spec requests."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(struct.pack(">HHHB", 7, 0, len(pdu) + 1, unit) + pdu)
        await writer.drain()
        header = await asyncio.wait_for(reader.readexactly(7), 2)
        length = struct.unpack(">HHHB", header)[2]
        return await asyncio.wait_for(reader.readexactly(length - 1), 2)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_start_picks_a_port_and_refuses_double_start(
    sim: LockerSimulator,
) -> None:
    assert sim.port > 0
    assert sim.running
    assert sim.wall(2).count == 4
    with pytest.raises(RuntimeError):
        await sim.start()


def test_simulator_rejects_bad_unit_ids() -> None:
    with pytest.raises(ValueError):
        LockerSimulator({})
    with pytest.raises(ValueError):
        LockerSimulator({248: SimulatedWall(1)})


async def test_read_whole_wall_in_few_requests(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    wall = sim.wall(1)
    wall.write_coil(3, True)
    wall.open_door(3)
    wall.put_parcel(5)
    wall.set_temperature(21, -2.5)
    wall.set_temperature(24, None)
    bits = await client.read_discrete_inputs(0, count=2000, device_id=1)
    assert not bits.isError()
    assert bits.bits[:4] == [True, True, False, True]
    assert bits.bits[24:256] == [False] * 232  # gap reads 0
    assert bits.bits[256:259] == [True, True, False]
    assert bits.bits[512:518] == [False] * 4 + [True, False]
    regs = await client.read_input_registers(0, count=125, device_id=1)
    assert regs.registers[:2] == [210, 210]
    assert from_wire(regs.registers[20]) == -25
    assert regs.registers[23] == 0x8000
    assert regs.registers[24:] == [0] * 101
    setpoints = await client.read_holding_registers(0, count=24, device_id=1)
    assert setpoints.registers[20:22] == [40, 40]
    coils = await client.read_coils(0, count=250, device_id=1)
    assert coils.bits[2]
    assert sum(coils.bits) == 1


async def test_coil_write_releases_and_pulse_drops_it(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    wall = sim.wall(1)
    response = await client.write_coil(6, True, device_id=1)
    assert not response.isError()
    assert response.bits[0] is True
    assert not wall.compartment(7).latched
    assert wall.coil_writes == [(7, True)]

    await advance(sim, FAST * 0.9)
    result = await client.read_coils(6, count=1, device_id=1)
    assert result.bits[0] is True
    await advance(sim, FAST * 0.2)
    result = await client.read_coils(6, count=1, device_id=1)
    assert result.bits[0] is False
    latch = await client.read_discrete_inputs(256 + 6, count=1, device_id=1)
    assert latch.bits[0] is False
    assert wall.open_door(7)
    wall.close_door(7)
    latch = await client.read_discrete_inputs(256 + 6, count=1, device_id=1)
    assert latch.bits[0] is True


async def test_repeated_release_restarts_the_pulse(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    wall = sim.wall(1)
    await client.write_coils(0, [True, True], device_id=1)
    await client.write_coil(0, True, device_id=1)
    assert wall.release_count(1) == 2
    await advance(sim, FAST)
    assert not wall.compartment(1).coil
    assert not wall.compartment(2).coil


async def test_relay_board_keeps_coil_up(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    wall = sim.wall(2)
    await client.write_coil(0, True, device_id=2)
    await advance(sim, FAST * 3)
    result = await client.read_coils(0, count=4, device_id=2)
    assert result.bits[:4] == [True, False, False, False]
    await client.write_coil(0, False, device_id=2)
    result = await client.read_coils(0, count=1, device_id=2)
    assert result.bits[0] is False
    assert wall.coil_writes == [(1, True), (1, False)]


async def test_keypad_over_modbus(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    wall = sim.wall(1)
    wall.enter_code("00012345")
    regs = await client.read_input_registers(1000, count=4, device_id=1)
    assert regs.registers == [1, 0, 12345, 8]
    response = await client.write_register(1100, 2, device_id=1)
    assert not response.isError()
    assert wall.keypad_feedback == KeypadFeedback.REJECTED
    refused = await client.write_register(1100, 9, device_id=1)
    assert refused.isError()
    assert refused.exception_code == ILLEGAL_VALUE
    no_keypad = await client.read_input_registers(1000, count=4, device_id=2)
    assert no_keypad.isError()
    assert no_keypad.exception_code == ILLEGAL_ADDRESS
    # Layout 1.1: the ring, and the feedback with its sequence in one write.
    ring = await client.read_input_registers(1010, count=4, device_id=1)
    assert ring.registers == [0, 0, 0, 0]
    wall.enter_code("77")
    ring = await client.read_input_registers(1010, count=12, device_id=1)
    assert ring.registers[4:] == [1, 0, 12345, 8, 2, 0, 77, 2]
    response = await client.write_registers(1100, [1, 2], device_id=1)
    assert not response.isError()
    assert (wall.keypad_feedback, wall.keypad_feedback_sequence) == (1, 2)


async def test_setpoint_write_over_modbus(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    await client.write_registers(20, [to_wire(-185), 25], device_id=1)
    assert sim.wall(1).compartment(21).setpoint == -18.5
    assert sim.wall(1).compartment(22).setpoint == 2.5


async def test_errors_a_real_device_would_answer(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    past_wall = await client.write_coil(30, True, device_id=1)
    assert past_wall.isError()
    assert past_wall.exception_code == ILLEGAL_ADDRESS
    unknown_unit = await client.read_coils(0, count=1, device_id=9)
    assert unknown_unit.isError()
    assert unknown_unit.exception_code == 0x0B  # gateway target failed to respond
    # Out-of-spec requests the pymodbus client would not even send:
    too_many_registers = await raw_request(sim.port, struct.pack(">BHH", 4, 0, 126))
    assert too_many_registers == bytes([0x84, ILLEGAL_VALUE])
    too_many_bits = await raw_request(sim.port, struct.pack(">BHH", 1, 0, 2001))
    assert too_many_bits == bytes([0x81, ILLEGAL_VALUE])
    past_end = await raw_request(sim.port, struct.pack(">BHH", 3, 65500, 100))
    assert past_end == bytes([0x83, ILLEGAL_ADDRESS])
    nothing = await raw_request(sim.port, struct.pack(">BHH", 2, 0, 0))
    assert nothing == bytes([0x82, ILLEGAL_VALUE])


async def test_malformed_requests_are_refused_as_a_device_would(
    sim: LockerSimulator,
) -> None:
    # The simulator's own Modbus encoding: what no client library would send.
    unknown_function = await raw_request(sim.port, bytes([0x2B, 0x0E, 0x01, 0x00]))
    assert unknown_function == bytes([0xAB, 0x01])
    bad_coil_value = await raw_request(sim.port, struct.pack(">BHH", 5, 0, 0x1234))
    assert bad_coil_value == bytes([0x85, ILLEGAL_VALUE])
    short_read = await raw_request(sim.port, bytes([0x03, 0x00]))
    assert short_read == bytes([0x83, ILLEGAL_VALUE])
    coil_bytes_disagree = struct.pack(">BHHB", 15, 0, 9, 1) + bytes([0xFF])
    assert await raw_request(sim.port, coil_bytes_disagree) == bytes(
        [0x8F, ILLEGAL_VALUE]
    )
    register_bytes_disagree = struct.pack(">BHHBH", 16, 20, 2, 2, 40)
    assert await raw_request(sim.port, register_bytes_disagree) == bytes(
        [0x90, ILLEGAL_VALUE]
    )
    past_space = struct.pack(">BHHBH", 16, 0xFFFF, 2, 4, 1) + bytes(2)
    assert await raw_request(sim.port, past_space) == bytes([0x90, ILLEGAL_ADDRESS])
    # Multiple writes answer with their address and count.
    two_coils = struct.pack(">BHHB", 15, 0, 2, 1) + bytes([0b01])
    assert await raw_request(sim.port, two_coils) == struct.pack(">BHH", 15, 0, 2)
    assert sim.wall(1).coil_writes == [(1, True), (2, False)]
    setpoint = struct.pack(">BHHBH", 16, 20, 1, 2, 55)
    assert await raw_request(sim.port, setpoint) == struct.pack(">BHH", 16, 20, 1)
    assert sim.wall(1).compartment(21).setpoint == 5.5
    assert await raw_request(sim.port, struct.pack(">BHH", 6, 20, 60)) == struct.pack(
        ">BHH", 6, 20, 60
    )
    assert sim.wall(1).compartment(21).setpoint == 6.0


async def test_not_modbus_is_hung_up_on(sim: LockerSimulator) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    try:
        # Protocol id 1 is not Modbus: the controller closes the connection.
        writer.write(struct.pack(">HHHB", 1, 1, 6, 1) + struct.pack(">BHH", 1, 0, 1))
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 2) == b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_many_requests_stay_fast(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(100):
        await client.read_coils(0, count=250, device_id=1)
        await client.read_discrete_inputs(0, count=536, device_id=1)
        await client.read_input_registers(0, count=125, device_id=1)
    assert loop.time() - started < 5


async def test_stop_drops_clients_and_restart_serves_again(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    port = sim.port
    await client.write_coil(0, True, device_id=1)  # leaves a pulse pending
    await sim.stop()
    assert not sim.running
    await eventually(lambda: not client.connected)
    failed = False
    try:
        await client.read_coils(0, count=1, device_id=1)
    except Exception:  # noqa: BLE001 - any transport error is the point here
        failed = True
    assert failed
    await sim.stop()  # stopping twice is harmless
    await sim.start()
    assert sim.port == port
    fresh = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2, retries=0)
    try:
        assert await fresh.connect()
        result = await fresh.read_discrete_inputs(0, count=1, device_id=1)
        assert result.bits[0] is True
        # The old client reconnects by itself, as the integration's would.
        await eventually(lambda: client.connected, within=5)
    finally:
        fresh.close()


async def test_stop_cancels_pending_pulses(sim: LockerSimulator) -> None:
    sim.wall(1).write_coil(1, True)
    await sim.stop()
    await advance(sim, FAST * 2)
    # A controller that lost power never finished its pulse.
    assert sim.wall(1).compartment(1).coil
    # Without a server, nothing times pulses for the model any more.
    sim.wall(1).write_coil(2, True)
    await advance(sim, FAST * 2)
    assert sim.wall(1).compartment(2).coil


async def test_busy_port_is_an_os_error(sim: LockerSimulator) -> None:
    other = LockerSimulator({1: SimulatedWall(1)}, port=sim.port)
    with pytest.raises(OSError, match="cannot listen"):
        await other.start()
    assert not other.running
    await other.stop()


# --------------------------------------------------------------------------
# The web page and its JSON API
# --------------------------------------------------------------------------


@pytest.fixture
async def web(sim: LockerSimulator) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(build_app(sim), host="127.0.0.1")) as http:
        yield http


async def post(
    http: TestClient[Any, Any], path: str, body: Any = None
) -> tuple[int, Any]:
    response = await http.post(path, json={} if body is None else body)
    return response.status, await response.json()


@pytest.mark.parametrize(
    "host", ["evil.example:8124", "localhost", "127.0.0.1", "127.0.0.2:{port}", ""]
)
async def test_page_refuses_other_host_names(
    sim: LockerSimulator, web: TestClient[Any, Any], host: str
) -> None:
    """A page elsewhere pointing its own name at 127.0.0.1 (DNS rebinding) gets 421.

    Only requests addressed to the address the simulator listens on are served.
    """
    port = web.server.port
    for path, method in (("/", "get"), ("/api/state", "get"), ("/api/restart", "post")):
        response = await web.request(
            method, path, headers={"Host": host.format(port=port)}
        )
        assert response.status == 421, (path, host)
    assert sim.running
    own = await web.get("/api/state", headers={"Host": f"127.0.0.1:{port}"})
    assert own.status == 200


async def test_page_and_state(sim: LockerSimulator, web: TestClient[Any, Any]) -> None:
    page = await web.get("/")
    assert page.status == 200
    text = await page.text()
    assert "<script>" in text
    assert "http" not in text.replace("http://", "")  # no external assets
    response = await web.get("/api/state")
    state = await response.json()
    assert state["modbus"] == {"host": "127.0.0.1", "port": sim.port, "running": True}
    assert [w["unit"] for w in state["walls"]] == [1, 2]
    first = state["walls"][0]
    assert len(first["compartments"]) == 24
    assert first["compartments"][20] == {
        "number": 21,
        "size": "L",
        "cooled": True,
        "coil": False,
        "door_closed": True,
        "latched": True,
        "forced": False,
        "present": False,
        "temperature": 4.0,
        "setpoint": 4.0,
        "openings": 0,
        "release_count": 0,
    }
    assert first["layout"] == "1.1"
    assert first["keypad"]["feedback_text"] == "idle"
    assert state["walls"][1]["keypad"]["enabled"] is False
    assert state["walls"][1]["controller_timed_pulse"] is False


async def test_the_page_counts_the_polls_that_read_the_keypad(
    sim: LockerSimulator, web: TestClient[Any, Any]
) -> None:
    """A hub reads the keypad's sequence once a poll: the wall counts those reads.

    ``bench.idle_cpu`` counts a Home Assistant's polls this way, from the
    wall's side, so counting costs Home Assistant nothing.
    """
    wall = sim.wall(1)
    wall.read_input_registers(KEYPAD_SEQUENCE, 4)
    wall.read_input_registers(KEYPAD_SEQUENCE - 2, 42)
    wall.read_input_registers(0, 24)  # temperatures: not the keypad
    wall.read_input_registers(KEYPAD_SEQUENCE + 1, 3)  # the code alone
    state = await (await web.get("/api/state")).json()
    assert [w["keypad"]["reads"] for w in state["walls"]] == [2, 0]


async def test_web_doors_and_parcels(
    sim: LockerSimulator, web: TestClient[Any, Any]
) -> None:
    base = "/api/wall/1/compartment/3"
    status, body = await post(web, f"{base}/open")
    assert status == 409
    assert "latched" in body["error"]
    sim.wall(1).write_coil(3, True)
    status, body = await post(web, f"{base}/open")
    assert status == 200
    assert body["door_closed"] is False
    assert body["release_count"] == 1
    status, body = await post(web, f"{base}/put")
    assert body["present"] is True
    status, body = await post(web, f"{base}/take")
    assert body["present"] is False
    status, body = await post(web, f"{base}/close")
    assert status == 200
    assert body["door_closed"] is True
    status, body = await post(web, "/api/wall/1/compartment/4/force_open")
    assert status == 200
    assert body["forced"] is True
    assert body["latched"] is True


async def test_web_temperature(sim: LockerSimulator, web: TestClient[Any, Any]) -> None:
    path = "/api/wall/1/compartment/2/temperature"
    status, body = await post(web, path, {"celsius": -7.5})
    assert status == 200
    assert body["temperature"] == -7.5
    assert sim.wall(1).read_input_registers(1, 1) == [to_wire(-75)]
    status, body = await post(web, path, {"celsius": None})
    assert body["temperature"] is None
    for bad in [{}, {"celsius": "warm"}, {"celsius": True}, {"celsius": 1e9}, [1]]:
        status, body = await post(web, path, bad)
        assert status == 400, bad
        assert "error" in body
    response = await web.post(
        path, data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    response = await web.post(path, data=b"celsius=3")
    assert response.status == 415
    assert "error" in await response.json()


async def test_web_keypad(sim: LockerSimulator, web: TestClient[Any, Any]) -> None:
    status, body = await post(web, "/api/wall/1/keypad", {"code": "01234567"})
    assert status == 200
    assert body["sequence"] == 1
    assert body["entry"] == "01234567"
    assert sim.wall(1).read_input_registers(1000, 4) == [1, 0x0012, 0xD687, 8]
    for bad in [{"code": "12ab"}, {"code": 1234}, {}, {"code": "99999999999"}]:
        status, body = await post(web, "/api/wall/1/keypad", bad)
        assert status == 400, bad
    status, body = await post(web, "/api/wall/2/keypad", {"code": "1234"})
    assert status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/wall/9/compartment/1/open",
        "/api/wall/x/compartment/1/open",
        "/api/wall/1/compartment/25/open",
        "/api/wall/1/compartment/0/open",
        "/api/wall/1/compartment/one/open",
        "/api/wall/1/compartment/1/explode",
        "/api/wall/9/keypad",
        "/api/nothing",
    ],
)
async def test_web_not_found(web: TestClient[Any, Any], path: str) -> None:
    status, body = await post(web, path)
    assert status == 404
    assert "error" in body


async def test_start_web_serves_on_loopback(sim: LockerSimulator) -> None:
    runner = await start_web(sim, port=0)
    try:
        host, port = runner.addresses[0][:2]
        assert host == "127.0.0.1"
        async with (
            ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/api/state") as response,
        ):
            assert response.status == 200
            assert (await response.json())["modbus"]["port"] == sim.port
    finally:
        await runner.cleanup()


async def test_start_web_on_a_busy_port_cleans_up(sim: LockerSimulator) -> None:
    runner = await start_web(sim, port=0)
    try:
        port = runner.addresses[0][1]
        with pytest.raises(OSError):
            await start_web(sim, port=port)
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------
# Command line and mDNS advertisement (zeroconf is faked: no multicast)
# --------------------------------------------------------------------------


def test_cli_defaults() -> None:
    args = cli.parse_args([])
    assert (args.host, args.port, args.web_port) == ("127.0.0.1", 5020, 8124)
    assert args.unit == [1]
    sim = cli.build_simulator(args)
    assert sim.wall(1).count == 24
    assert sim.wall(1).controller_timed_pulse


def test_cli_options_build_the_walls() -> None:
    args = cli.parse_args(
        [
            *("--unit", "3,4", "--sizes", "M*5", "--cooled", "1,5"),
            *("--no-keypad", "--relay-board", "--pulse", "0.2"),
            *("--host", "::1", "--no-latch"),
        ]
    )
    sim = cli.build_simulator(args)
    assert sorted(sim.walls) == [3, 4]
    wall = sim.wall(4)
    assert [c.number for c in wall.compartments if c.cooled] == [1, 5]
    assert not wall.keypad
    assert not wall.latch
    assert wall.presence
    assert not wall.controller_timed_pulse
    assert wall.pulse_seconds == 0.2


@pytest.mark.parametrize(
    "argv",
    [
        ["--host", "0.0.0.0"],  # noqa: S104 - the point is that it is refused
        ["--host", "192.168.1.5"],
        ["--web-host", "example.org"],
        ["--sizes", "Q*3"],
        ["--cooled", "30"],
        ["--cooled", "a,b"],
        ["--unit", "300"],
        ["--pulse", "0"],
    ],
)
def test_cli_refuses(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_cli_allows_remote_when_asked() -> None:
    args = cli.parse_args(["--host", "0.0.0.0", "--allow-remote"])  # noqa: S104
    assert args.allow_remote
    assert cli.parse_args(["--host", "localhost"]).host == "localhost"


def test_cli_main_stops_cleanly_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[Any] = []

    def interrupted(coroutine: Any) -> None:
        seen.append(coroutine)
        coroutine.close()
        raise KeyboardInterrupt

    monkeypatch.setattr("asyncio.run", interrupted)
    monkeypatch.setattr(cli, "configure_logging", lambda: None)
    assert cli.main(["--port", "0"]) == 0
    assert seen
    assert "Stopped." in capsys.readouterr().out


class FakeZeroconf:
    """Stands in for AsyncZeroconf so no multicast leaves the test."""

    instances: ClassVar[list[FakeZeroconf]] = []

    def __init__(self, interfaces: list[str]) -> None:
        self.interfaces = interfaces
        self.registered: list[Any] = []
        self.unregistered: list[Any] = []
        self.closed = False
        FakeZeroconf.instances.append(self)

    async def async_register_service(self, info: Any) -> None:
        self.registered.append(info)

    async def async_unregister_service(self, info: Any) -> None:
        self.unregistered.append(info)

    async def async_close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_zeroconf(monkeypatch: pytest.MonkeyPatch) -> type[FakeZeroconf]:
    FakeZeroconf.instances = []
    monkeypatch.setattr(advertise_module, "AsyncZeroconf", FakeZeroconf)
    return FakeZeroconf


async def test_advertise(fake_zeroconf: type[FakeZeroconf]) -> None:
    handle = await advertise_module.advertise(
        5020, {1: reference_wall("S*12,M*8,L*4", cooled=(21, 22), latch=False)}
    )
    zc = fake_zeroconf.instances[0]
    assert zc.interfaces == ["127.0.0.1"]
    info = zc.registered[0]
    assert info.type == "_parcel-locker._tcp.local."
    assert info.name == "Parcel Locker Simulator 5020._parcel-locker._tcp.local."
    assert info.port == 5020
    assert info.parsed_addresses() == ["127.0.0.1"]
    assert info.decoded_properties == {
        "id": "sim-5020",
        "model": "simulator",
        "units": "1",
        "sizes": "S*12,M*8,L*4",
        "cooled": "21,22",
        "points": "presence,temperature,setpoint,keypad,door_counters,keypad_ring",
    }
    await handle.close()
    assert zc.unregistered == [info]
    assert zc.closed


async def test_advertise_closes_zeroconf_when_registration_fails(
    fake_zeroconf: type[FakeZeroconf], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(_self: FakeZeroconf, _info: Any) -> None:
        raise OSError("no multicast here")

    monkeypatch.setattr(FakeZeroconf, "async_register_service", refuse)
    with pytest.raises(OSError, match="no multicast"):
        await advertise_module.advertise(
            5020, {1: reference_wall("S*4"), 2: reference_wall("M")}
        )
    assert fake_zeroconf.instances[0].closed


async def test_cli_serve_runs_until_stopped(
    socket_enabled: None,
    fake_zeroconf: type[FakeZeroconf],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = cli.parse_args(["--port", "0", "--web-port", "0", "--zeroconf"])
    stop = asyncio.Event()
    task = asyncio.create_task(cli.serve(args, stop))
    output = ""

    def started() -> bool:
        nonlocal output
        output += capsys.readouterr().out
        return "Ctrl-C" in output

    try:
        await eventually(started)
    finally:
        stop.set()
        await task
    assert "Modbus TCP: 127.0.0.1:" in output
    assert "Web page:   http://127.0.0.1:" in output
    assert "mDNS:       Parcel Locker Simulator" in output
    zc = fake_zeroconf.instances[0]
    assert zc.registered[0].decoded_properties["units"] == "1"
    assert zc.closed


async def test_cli_serve_survives_failed_advertisement(
    socket_enabled: None,
    fake_zeroconf: type[FakeZeroconf],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def refuse(_self: FakeZeroconf, _info: Any) -> None:
        raise OSError("no multicast here")

    monkeypatch.setattr(FakeZeroconf, "async_register_service", refuse)
    args = cli.parse_args(["--port", "0", "--no-web", "--zeroconf"])
    stop = asyncio.Event()
    task = asyncio.create_task(cli.serve(args, stop))
    output = ""

    def started() -> bool:
        nonlocal output
        output += capsys.readouterr().out
        return "Ctrl-C" in output

    try:
        await eventually(started)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert "mDNS advertisement failed: no multicast here" in output
    assert "Web page" not in output
