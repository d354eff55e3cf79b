"""The simulator's faults: drop, silence, latency, exceptions, bounce, power cycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusIOException
import pytest

from simulator import (
    KeypadFeedback,
    LockerSimulator,
    ManualClock,
    SimulatedWall,
    reference_wall,
)
from simulator.__main__ import build_simulator, parse_args
from simulator.faults import Faults, Table
from simulator.web import build_app

from .test_simulator import eventually

FAST = 0.05
SHORT_TIMEOUT = 0.3


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[LockerSimulator]:
    walls = {1: reference_wall(pulse_seconds=FAST), 2: SimulatedWall(4, keypad=False)}
    async with LockerSimulator(walls, clock=ManualClock()) as simulator:
        yield simulator


async def advance(sim: LockerSimulator, seconds: float) -> None:
    """Let the simulated controller's time pass (a test never sleeps)."""
    assert isinstance(sim.clock, ManualClock)
    await sim.clock.advance(seconds)


async def waiting(sim: LockerSimulator, count: int = 1) -> None:
    """Until ``count`` requests (or timers) wait on the controller's clock."""
    assert isinstance(sim.clock, ManualClock)
    clock = sim.clock
    await eventually(lambda: clock.pending >= count)


@pytest.fixture
async def client(sim: LockerSimulator) -> AsyncIterator[AsyncModbusTcpClient]:
    modbus = AsyncModbusTcpClient(
        "127.0.0.1", port=sim.port, timeout=SHORT_TIMEOUT, retries=0
    )
    assert await modbus.connect()
    yield modbus
    modbus.close()


def now() -> float:
    return asyncio.get_running_loop().time()


# --------------------------------------------------------------------------
# The bookkeeping alone
# --------------------------------------------------------------------------


def test_faults_bookkeeping() -> None:
    faults = Faults()
    assert not faults.silent(0.0)
    faults.silence(2.0, now=10.0)
    assert faults.silent(11.9)
    assert not faults.silent(12.0)
    faults.silence(0, now=11.0)
    assert not faults.silent(11.0)

    faults.fail(1, "coil", 5)
    faults.fail(1, Table.HOLDING_REGISTER, 1100, code=0x06, writes_only=True)
    faults.fail(2, Table.COIL, 5)
    assert faults.exception_for(1, Table.COIL, 0, 5, write=False) is None  # 0..4
    assert faults.exception_for(1, Table.COIL, 5, 1, write=True) == 0x04
    assert faults.exception_for(1, Table.COIL, 0, 250, write=False) == 0x04
    assert faults.exception_for(1, Table.DISCRETE_INPUT, 5, 1, write=False) is None
    hr = Table.HOLDING_REGISTER
    assert faults.exception_for(1, hr, 1100, 1, write=True) == 0x06
    assert faults.exception_for(1, hr, 1100, 1, write=False) is None
    assert faults.refused == 3
    described = faults.describe(now=0.0)
    assert described["exceptions"][0] == {
        "unit": 1,
        "table": "coil",
        "address": 5,
        "code": 4,
        "writes_only": False,
    }
    faults.heal(unit=2)
    assert set(faults.exceptions) == {
        (1, Table.COIL, 5),
        (1, Table.HOLDING_REGISTER, 1100),
    }
    faults.heal(table="coil")
    assert set(faults.exceptions) == {(1, Table.HOLDING_REGISTER, 1100)}
    faults.heal(address=1100)
    assert not faults.exceptions

    faults.set_latency(0.25)
    faults.silence(5, now=0.0)
    faults.fail(1, "coil", 1)
    faults.clear()
    assert faults.latency == 0
    assert not faults.silent(0.0)
    assert not faults.exceptions
    assert faults.describe(now=0.0)["silent_for"] == 0


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("set_latency", (-1,)),
        ("set_latency", (float("nan"),)),
        ("silence", (-1, 0.0)),
        ("silence", (float("inf"), 0.0)),
        ("fail", (1, "coil", 0, 0x07)),
        ("fail", (1, "coil", 70000)),
        ("fail", (1, "relays", 0)),
    ],
)
def test_faults_refuse_nonsense(method: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError):
        getattr(Faults(), method)(*args)


# --------------------------------------------------------------------------
# The wall model: bounce and power cycle
# --------------------------------------------------------------------------


def test_bounce_flips_chosen_reads_only() -> None:
    wall = SimulatedWall(3)
    wall.bounce_door(2, reads=2)
    assert wall.read_discrete_inputs(0, 3) == [True, False, True]
    assert wall.read_discrete_inputs(1, 1) == [False]
    assert wall.read_discrete_inputs(0, 3) == [True, True, True]
    assert wall.compartment(2).door_closed  # the door itself never moved
    assert wall.door_bounces == 2
    # An open door bounces closed.
    wall.write_coil(3, True)
    assert wall.open_door(3)
    wall.bounce_door(3)
    assert wall.read_discrete_inputs(2, 1) == [True]
    assert wall.read_discrete_inputs(2, 1) == [False]
    wall.bounce_door(1, reads=0)
    assert wall.read_discrete_inputs(0, 1) == [True]
    with pytest.raises(ValueError):
        wall.bounce_door(1, reads=-1)
    with pytest.raises(ValueError):
        wall.bounce_door(4)


def test_random_bounce_is_repeatable_and_limited_to_its_doors() -> None:
    def noise(seed: int) -> list[list[bool]]:
        wall = SimulatedWall(4)
        wall.set_door_bounce(0.5, seed=seed, doors=[2, 3])
        return [wall.read_discrete_inputs(0, 4) for _ in range(50)]

    first = noise(7)
    assert first == noise(7)
    assert first != noise(8)
    assert all(reading[0] and reading[3] for reading in first)
    flips = sum(not bit for reading in first for bit in reading[1:3])
    assert 20 < flips < 80  # about half of 100 reads

    wall = SimulatedWall(2)
    wall.set_door_bounce(1.0)
    assert wall.read_discrete_inputs(0, 2) == [False, False]
    wall.set_door_bounce(0.0)
    assert wall.read_discrete_inputs(0, 2) == [True, True]
    with pytest.raises(ValueError):
        wall.set_door_bounce(1.5)
    with pytest.raises(ValueError):
        wall.set_door_bounce(0.5, doors=[3])


def test_power_cycle_clears_volatile_state_only() -> None:
    wall = reference_wall("S*4", pulse_seconds=FAST)
    wall.write_coil(1, True)  # no scheduler: the coil stays up
    wall.write_coil(2, True)
    assert wall.open_door(2)
    wall.put_parcel(2)
    wall.close_door(2)  # latches when the coil drops
    wall.write_coil(3, True)  # released, never opened
    wall.enter_code("1234")
    wall.keypad_feedback = KeypadFeedback.REJECTED
    wall.set_temperature(4, 7.5)
    changes: list[bool] = []
    wall.add_listener(lambda: changes.append(True))

    wall.power_cycle()

    assert changes
    assert [c.coil for c in wall.compartments] == [False] * 4
    # Compartment 2's door closed while its coil was up: the latch caught now.
    assert wall.compartment(2).latched
    assert wall.compartment(2).present
    # A released latch whose door never opened stays released (it is mechanical).
    assert not wall.compartment(3).latched
    assert wall.compartment(4).temperature == 7.5
    assert wall.read_input_registers(1000, 4) == [0, 0, 0, 0]
    assert wall.read_holding_registers(1100, 1) == [0]
    assert wall.keypad_entry == ""


# --------------------------------------------------------------------------
# Over real loopback Modbus TCP
# --------------------------------------------------------------------------


async def test_injected_exception_for_chosen_addresses(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    sim.fail(1, "discrete_input", 512 + 4)  # compartment 5's parcel sensor
    sim.fail(1, Table.COIL, 7, code=0x06)  # compartment 8's relay: busy
    doors = await client.read_discrete_inputs(0, count=24, device_id=1)
    assert not doors.isError()
    presence = await client.read_discrete_inputs(512, count=24, device_id=1)
    assert presence.isError()
    assert presence.exception_code == 0x04
    other_unit = await client.read_discrete_inputs(512, count=4, device_id=2)
    assert not other_unit.isError()
    refused = await client.write_coil(7, True, device_id=1)
    assert refused.isError()
    assert refused.exception_code == 0x06
    assert sim.wall(1).coil_writes == []  # refused: nothing was released
    many = await client.write_coils(6, [True, True], device_id=1)
    assert many.isError()
    assert sim.wall(1).coil_writes == []
    assert sim.faults.refused == 3

    sim.heal(1, "coil", 7)
    assert not (await client.write_coil(7, True, device_id=1)).isError()
    assert sim.wall(1).coil_writes == [(8, True)]
    # A relay that reads fine but will not switch.
    sim.fail(1, "coil", 2, writes_only=True)
    assert not (await client.read_coils(0, count=24, device_id=1)).isError()
    assert (await client.write_coil(2, True, device_id=1)).isError()
    assert sim.faults.refused == 4
    sim.heal()
    presence = await client.read_discrete_inputs(512, count=24, device_id=1)
    assert not presence.isError()
    with pytest.raises(ValueError, match="no wall"):
        sim.fail(9, "coil", 0)


async def test_silence_loses_requests_then_answers_again(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    sim.silence(0.5)
    started = now()
    with pytest.raises(ModbusIOException):
        await client.write_coil(0, True, device_id=1)
    assert now() - started >= SHORT_TIMEOUT * 0.9
    assert sim.faults.swallowed == 1
    await advance(sim, 0.45)
    assert sim.faults.silent(sim.clock.time())
    await advance(sim, 0.05)
    # The hung controller never carried the release out, not even later.
    assert sim.wall(1).coil_writes == []
    # Same socket, answering again.
    result = await client.read_coils(0, count=1, device_id=1)
    assert not result.isError()
    assert result.bits[0] is False
    assert sim.wall(1).coil_writes == []
    assert sim.faults.describe(sim.clock.time())["silent_for"] == 0


async def test_latency_delays_answers_and_late_writes_still_happen(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    sim.set_latency(0.1)
    reading = asyncio.create_task(client.read_coils(0, count=1, device_id=1))
    await waiting(sim)
    await advance(sim, 0.09)
    assert not reading.done()
    await advance(sim, 0.01)
    result = await reading
    assert not result.isError()

    # Slower than the client waits: the client gives up, the controller still
    # releases the lock when it gets to the request (as real hardware does).
    sim.set_latency(10)
    with pytest.raises(ModbusIOException):
        await client.write_coil(2, True, device_id=1)
    assert sim.wall(1).coil_writes == []
    await advance(sim, 10)
    assert sim.wall(1).coil_writes == [(3, True)]

    # Silence that starts while a slow request waits: it is never carried out.
    sim.set_latency(0.2)
    task = asyncio.create_task(client.write_coil(3, True, device_id=1))
    await waiting(sim, 2)  # the request, and the pulse of the late release
    await advance(sim, 0.05)
    sim.silence(1.0)
    await advance(sim, 0.15)
    with pytest.raises(ModbusIOException):
        await task
    assert sim.wall(1).coil_writes == [(3, True)]
    assert sim.faults.swallowed == 1


async def test_drop_cuts_clients_and_they_reconnect(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    other = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=2, retries=0)
    assert await other.connect()
    try:
        assert sim.drop_connections() == 2
        await eventually(lambda: not client.connected and not other.connected)
        assert sim.faults.dropped == 2
        assert sim.running
        assert await client.connect()
        result = await client.read_discrete_inputs(0, count=1, device_id=1)
        assert result.bits[0] is True
    finally:
        other.close()
    await sim.stop()
    assert sim.drop_connections() == 0


async def test_a_dropped_request_in_flight_is_not_carried_out(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    sim.set_latency(0.2)
    task = asyncio.create_task(client.write_coil(0, True, device_id=1))
    await waiting(sim)
    sim.drop_connections()
    with pytest.raises(ModbusIOException):
        await task
    await advance(sim, 0.3)
    assert sim.wall(1).coil_writes == []


async def test_restart_is_a_power_cycle_on_the_same_port(
    sim: LockerSimulator, client: AsyncModbusTcpClient
) -> None:
    port = sim.port
    wall = sim.wall(1)
    await client.write_coil(0, True, device_id=1)
    wall.enter_code("4321")
    wall.put_parcel(9)
    restarting = asyncio.create_task(sim.restart(downtime=0.05))
    await eventually(lambda: not sim.running)
    await advance(sim, 0.04)
    assert not sim.running
    await advance(sim, 0.01)
    await restarting
    assert sim.running
    assert sim.port == port
    assert not wall.compartment(1).coil
    assert wall.compartment(9).present
    fresh = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2, retries=0)
    try:
        assert await fresh.connect()
        keypad = await fresh.read_input_registers(1000, count=4, device_id=1)
        assert keypad.registers == [0, 0, 0, 0]
        coils = await fresh.read_coils(0, count=24, device_id=1)
        assert not any(coils.bits[:24])
        # Pulses are timed again after the restart.
        await fresh.write_coil(1, True, device_id=1)
        assert wall.compartment(2).coil
        await advance(sim, FAST)
        assert not wall.compartment(2).coil
    finally:
        fresh.close()


# --------------------------------------------------------------------------
# The JSON API and the command line
# --------------------------------------------------------------------------


@pytest.fixture
async def web(sim: LockerSimulator) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(build_app(sim), host="127.0.0.1")) as http:
        yield http


async def test_web_faults(sim: LockerSimulator, web: TestClient[Any, Any]) -> None:
    response = await web.post(
        "/api/faults",
        json={
            "latency": 0.01,
            "silence": 0.01,
            "fail": {
                "unit": 1,
                "table": "input_register",
                "address": 1000,
                "writes_only": True,
            },
            "bounce": {"unit": 1, "probability": 0.25, "doors": [1, 2], "seed": 3},
            "drop": True,
        },
    )
    assert response.status == 200
    state = await response.json()
    assert state["latency"] == 0.01
    assert state["exceptions"] == [
        {
            "unit": 1,
            "table": "input_register",
            "address": 1000,
            "code": 4,
            "writes_only": True,
        }
    ]
    assert sim.faults.exceptions
    assert sim.wall(1).read_discrete_inputs(2, 1) == [True]  # door 3: no noise

    full = await (await web.get("/api/state")).json()
    assert full["faults"]["latency"] == 0.01
    assert set(full["faults"]["door_bounce"]) == {"1", "2"}

    response = await web.post("/api/faults", json={"heal": True})
    assert (await response.json())["exceptions"] == []
    response = await web.post("/api/faults", json={"clear": True})
    assert (await response.json())["latency"] == 0
    assert sim.wall(1).read_discrete_inputs(0, 2) == [True, True]

    response = await web.post("/api/restart", json={"downtime": 0})
    assert await response.json() == {"running": True, "port": sim.port}
    response = await web.post("/api/restart", json={})
    assert response.status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"nonsense": 1},
        {"latency": -1},
        {"latency": True},
        {"silence": 1e9},
        {"fail": "coil 3"},
        {"fail": {"unit": 1, "table": "relay", "address": 0}},
        {"fail": {"unit": 1, "table": "coil", "address": "0"}},
        {"fail": {"unit": 7, "table": "coil", "address": 0}},
        {"fail": {"unit": 1, "table": "coil", "address": 0, "code": 99}},
        {"fail": {"unit": 1, "table": "coil", "address": 0, "writes_only": 1}},
        {"bounce": []},
        {"bounce": {"unit": 1, "probability": "often"}},
        {"bounce": {"unit": 1, "probability": 2}},
        {"bounce": {"unit": 1, "probability": 0.5, "doors": ["1"]}},
        {"bounce": {"unit": 1, "probability": 0.5, "doors": 1}},
        {"bounce": {"unit": 1, "probability": 0.5, "seed": 1.5}},
        {"bounce": {"unit": 1, "probability": 0.5, "doors": [99]}},
    ],
)
async def test_web_faults_refuse_bad_bodies(
    sim: LockerSimulator, web: TestClient[Any, Any], body: dict[str, Any]
) -> None:
    response = await web.post("/api/faults", json=body)
    assert response.status == 400, await response.text()
    assert "error" in await response.json()
    assert not sim.faults.exceptions
    assert sim.faults.latency == 0


async def test_web_bounce_on_unknown_wall(web: TestClient[Any, Any]) -> None:
    response = await web.post("/api/faults", json={"bounce": {"unit": 9}})
    assert response.status == 404


def test_cli_latency_and_bounce() -> None:
    sim = build_simulator(parse_args(["--latency", "0.2", "--door-bounce", "0.1"]))
    assert sim.faults.latency == 0.2
    assert sim.wall(1)._bounce_probability == 0.1
    plain = build_simulator(parse_args([]))
    assert plain.faults.latency == 0
    assert plain.wall(1)._bounce_doors == frozenset()


@pytest.mark.parametrize(
    "argv",
    [
        ["--latency", "-1"],
        ["--latency", "inf"],
        ["--latency", "nan"],
        ["--door-bounce", "1.5"],
    ],
)
def test_cli_refuses_bad_faults(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


# --------------------------------------------------------------------------
# A serial line's speed
# --------------------------------------------------------------------------


async def test_baud_rate_delays_each_answer_by_the_bytes_it_carries(
    socket_enabled: None,
) -> None:
    """At 9600 baud a byte takes 10/9600 s: the request's, then the answer's.

    Reading 24 coils is an 8-byte RTU request and an 8-byte answer: 16.7 ms.
    Two clients share the line: the second request waits for the first.
    """
    clock = ManualClock()
    walls = {1: reference_wall()}
    async with LockerSimulator(walls, clock=clock, baud=9600) as sim:
        first = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=2, retries=0)
        second = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=2, retries=0)
        assert await first.connect()
        assert await second.connect()
        try:
            one = asyncio.create_task(first.read_coils(0, count=24, device_id=1))
            two = asyncio.create_task(second.read_coils(0, count=24, device_id=1))
            await waiting(sim)
            await advance(sim, 16 * 10 / 9600 - 0.0005)
            assert not one.done()
            await advance(sim, 0.001)
            assert not (await one).isError()
            assert not two.done()
            await advance(sim, 16 * 10 / 9600)
            assert not (await two).isError()
        finally:
            first.close()
            second.close()
    with pytest.raises(ValueError, match="baud"):
        LockerSimulator(walls, baud=0)


def test_cli_serial_line_layout_and_quick_doors() -> None:
    sim = build_simulator(
        parse_args(["--baud", "9600", "--layout", "1.0", "--quick-doors", "0.2"])
    )
    assert sim.baud == 9600
    assert sim.wall(1).layout == "1.0"
    assert sim.wall(1).quick_doors == 0.2
    plain = build_simulator(parse_args([]))
    assert plain.baud is None
    assert plain.wall(1).layout == "1.1"
    assert plain.wall(1).quick_doors == 0
    for argv in (["--baud", "0"], ["--baud", "fast"], ["--layout", "2.0"]):
        with pytest.raises(SystemExit):
            parse_args(argv)


async def test_web_quick_doors(sim: LockerSimulator, web: TestClient[Any, Any]) -> None:
    response = await web.post("/api/faults", json={"quick_doors": 0.2})
    assert (await response.json())["quick_doors"] == {"1": 0.2, "2": 0.2}
    response = await web.post("/api/faults", json={"clear": True})
    assert (await response.json())["quick_doors"] == {"1": 0.0, "2": 0.0}
    response = await web.post("/api/faults", json={"quick_doors": -1})
    assert response.status == 400
