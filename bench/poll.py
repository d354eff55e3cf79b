"""Poll time and lock-release latency: pooled reads against one request per point.

Starts the locker-wall simulator in this process on 127.0.0.1 and, for every
scenario, measures two strategies over the same simulator:

* ``pooled``: one ``WallLink`` per wall, walls polled one after another, as the
  coordinator does;
* ``per point``: what the core ``modbus`` integration does with one YAML entity
  per point: one request per configured point, one after another on the same
  shared connection.

Run from the repository root::

    .venv/bin/python -m bench.poll            # table
    .venv/bin/python -m bench.poll --json     # machine-readable
    .venv/bin/python -m bench.poll --quick    # a few seconds, smoke check

Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
import importlib
from importlib import metadata
import json
import math
import os
import platform
import random
import sys
import time
from typing import Any, Protocol

from modbus_connection import ModbusConnection, ModbusUnit

from custom_components.parcel_locker.connection import (
    connection_params,
    create_connection,
)
from custom_components.parcel_locker.const import REQUEST_TIMEOUT
from custom_components.parcel_locker.domain.sizes import parse_sizes
from custom_components.parcel_locker.domain.wiring import (
    OptionalPoints,
    ReferenceWiring,
    Table,
    WallMap,
    reference_layout,
)
from custom_components.parcel_locker.wall_link import WallLink
from simulator import LockerSimulator, SimulatedWall, reference_wall

# Loopback only: the benchmark never talks to anything else.
HOST = "127.0.0.1"
# The reference wall's cooled pair; every wall of every scenario has it.
COOLED = (21, 22)
ALL_POINTS = OptionalPoints(
    latch=True, presence=True, temperature=True, setpoint=True, keypad=True
)
RELEASES = 30
# Random pause before each release, in seconds: releases land at random moments
# of the poll cycle, whatever its length.
RELEASE_GAP = (0.005, 0.1)
# Time caps, on top of the counts, so no phase can run away.
POLL_PHASE_SECONDS = 60.0
RELEASE_PHASE_SECONDS = 30.0
STOP_POLLER_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """Walls on one link, all alike."""

    name: str
    walls: int
    sizes: str
    polls: int
    """Timed polls per strategy (after one warm-up poll)."""

    @property
    def unit_ids(self) -> range:
        return range(1, self.walls + 1)


SCENARIOS = (
    Scenario("1 x 24", walls=1, sizes="S*12,M*8,L*4", polls=200),
    Scenario("1 x 100", walls=1, sizes="S*50,M*30,L*15,XL*5", polls=100),
    Scenario("1 x 250", walls=1, sizes="S*125,M*75,L*40,XL*10", polls=60),
    Scenario("4 x 250", walls=4, sizes="S*125,M*75,L*40,XL*10", polls=30),
)


# -- request counting -------------------------------------------------------------


class RequestCounter:
    """Requests sent through the counting units of one strategy."""

    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0


class CountingUnit:
    """A thin wrapper over a unit that counts the requests it sends."""

    def __init__(self, unit: ModbusUnit, counter: RequestCounter) -> None:
        self._unit = unit
        self._counter = counter

    async def read_coils(self, address: int, count: int) -> list[bool]:
        self._counter.reads += 1
        return await self._unit.read_coils(address, count)

    async def read_discrete_inputs(self, address: int, count: int) -> list[bool]:
        self._counter.reads += 1
        return await self._unit.read_discrete_inputs(address, count)

    async def read_input_registers(self, address: int, count: int) -> list[int]:
        self._counter.reads += 1
        return await self._unit.read_input_registers(address, count)

    async def read_holding_registers(self, address: int, count: int) -> list[int]:
        self._counter.reads += 1
        return await self._unit.read_holding_registers(address, count)

    async def write_coil(self, address: int, value: bool) -> None:  # noqa: FBT001
        self._counter.writes += 1
        await self._unit.write_coil(address, value)

    async def write_register(self, address: int, value: int) -> None:
        self._counter.writes += 1
        await self._unit.write_register(address, value)

    async def write_registers(self, address: int, values: list[int]) -> None:
        self._counter.writes += 1
        await self._unit.write_registers(address, values)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)


class CountingConnection:
    """Hands out counting units; all a ``WallLink`` asks of its connection."""

    def __init__(self, connection: ModbusConnection, counter: RequestCounter) -> None:
        self._connection = connection
        self._counter = counter

    def for_unit(self, unit_id: int) -> CountingUnit:
        return CountingUnit(self._connection.for_unit(unit_id), self._counter)


# -- strategies -------------------------------------------------------------------


class Strategy(Protocol):
    name: str
    connection: ModbusConnection
    counter: RequestCounter

    @property
    def planned_requests(self) -> int | None: ...

    async def poll(self) -> None: ...

    async def release(self, unit_id: int, number: int) -> None: ...


class Pooled:
    """Our way: one ``WallLink`` per wall, walls read one after another."""

    name = "pooled"

    def __init__(self, connection: ModbusConnection, maps: dict[int, WallMap]) -> None:
        self.connection = connection
        self.counter = RequestCounter()
        counting = CountingConnection(connection, self.counter)
        self.links = {
            unit_id: WallLink(counting, wall_map)  # type: ignore[arg-type]
            for unit_id, wall_map in maps.items()
        }

    @property
    def planned_requests(self) -> int:
        return sum(link.requests_per_poll for link in self.links.values())

    async def poll(self) -> None:
        for link in self.links.values():
            await link.read()

    async def release(self, unit_id: int, number: int) -> None:
        await self.links[unit_id].release(number, None)


_READERS = {
    Table.COIL: "read_coils",
    Table.DISCRETE: "read_discrete_inputs",
    Table.INPUT: "read_input_registers",
    Table.HOLDING: "read_holding_registers",
}


class PerPoint:
    """The core ``modbus`` integration's way: one request per configured point."""

    name = "per point"

    def __init__(self, connection: ModbusConnection, maps: dict[int, WallMap]) -> None:
        self.connection = connection
        self.counter = RequestCounter()
        self.maps = maps
        self.units: dict[int, CountingUnit] = {}
        self.reads: list[tuple[Callable[[int, int], Awaitable[Any]], int, int]] = []
        for wall_map in maps.values():
            for _key, point in wall_map.labelled_points():
                unit = self._unit(point.unit_id)
                read = getattr(unit, _READERS[point.table])
                self.reads.append((read, point.address, point.width))

    def _unit(self, unit_id: int) -> CountingUnit:
        if unit_id not in self.units:
            self.units[unit_id] = CountingUnit(
                self.connection.for_unit(unit_id), self.counter
            )
        return self.units[unit_id]

    @property
    def planned_requests(self) -> None:
        return None

    async def poll(self) -> None:
        for read, address, count in self.reads:
            await read(address, count)

    async def release(self, unit_id: int, number: int) -> None:
        lock = self.maps[unit_id].compartment(number).lock
        await self._unit(lock.unit_id).write_coil(lock.address, True)  # noqa: FBT003


# -- measuring --------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """One row of the table."""

    scenario: str
    strategy: str
    walls: int
    compartments_per_wall: int
    points: int
    requests_per_poll: int
    planned_requests_per_poll: int | None
    polls: int
    poll_median_ms: float
    poll_p99_ms: float
    poll_max_ms: float
    releases: int
    release_median_ms: float
    release_p99_ms: float
    release_max_ms: float
    release_ack_p99_ms: float
    polls_during_releases: int


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def alternating(strategies: Sequence[Strategy], rounds: int) -> Iterator[Strategy]:
    """Interleave the strategies' polls, swapping who goes first every round."""
    for index in range(rounds):
        order = strategies if index % 2 == 0 else list(reversed(strategies))
        yield from order


async def measure_polls(
    strategies: Sequence[Strategy], rounds: int
) -> dict[str, tuple[list[float], set[int]]]:
    """Time ``rounds`` polls per strategy; returns durations and request counts."""
    samples: dict[str, tuple[list[float], set[int]]] = {
        strategy.name: ([], set()) for strategy in strategies
    }
    deadline = time.perf_counter() + POLL_PHASE_SECONDS
    for strategy in alternating(strategies, rounds):
        if time.perf_counter() > deadline:
            break
        durations, requests = samples[strategy.name]
        before = strategy.counter.reads
        started = time.perf_counter()
        await strategy.poll()
        durations.append(time.perf_counter() - started)
        requests.add(strategy.counter.reads - before)
    return samples


async def timed_release(
    strategy: Strategy, wall: SimulatedWall, unit_id: int, number: int
) -> tuple[float, float]:
    """Release one lock; returns (seconds to the write seen, seconds to the ack)."""
    before = len(wall.coil_writes)
    seen: list[float] = []

    def on_change() -> None:
        if not seen and len(wall.coil_writes) > before:
            seen.append(time.perf_counter())

    remove = wall.add_listener(on_change)
    try:
        started = time.perf_counter()
        await strategy.release(unit_id, number)
        acked = time.perf_counter()
    finally:
        remove()
    if not seen or wall.coil_writes[before] != (number, True):
        msg = f"{strategy.name}: release of {number} acknowledged but not written"
        raise RuntimeError(msg)
    return seen[0] - started, acked - started


async def measure_releases(
    strategy: Strategy,
    walls: dict[int, SimulatedWall],
    count: int,
    rng: random.Random,
) -> tuple[list[float], list[float], int]:
    """Release random locks at random moments while polls run back to back."""
    stop = asyncio.Event()
    polls = 0
    deadline = time.perf_counter() + RELEASE_PHASE_SECONDS

    async def poll_back_to_back() -> None:
        nonlocal polls
        while not stop.is_set() and time.perf_counter() < deadline:
            await strategy.poll()
            polls += 1

    poller = asyncio.create_task(poll_back_to_back())
    seen: list[float] = []
    acked: list[float] = []
    try:
        for _ in range(count):
            await asyncio.sleep(rng.uniform(*RELEASE_GAP))
            if poller.done() or time.perf_counter() > deadline:
                break
            unit_id = rng.choice(list(walls))
            number = rng.randint(1, walls[unit_id].count)
            to_seen, to_ack = await timed_release(
                strategy, walls[unit_id], unit_id, number
            )
            seen.append(to_seen)
            acked.append(to_ack)
    finally:
        stop.set()
        # Let the poll in flight finish rather than cut a request in half.
        await asyncio.wait_for(poller, STOP_POLLER_SECONDS)
    return seen, acked, polls


def points_of(maps: dict[int, WallMap]) -> int:
    return sum(len(list(wall_map.labelled_points())) for wall_map in maps.values())


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def open_connection(port: int, backend: str | None) -> ModbusConnection:
    """The integration's link (``create_connection``), or the same link on another
    modbus-connection backend (``pymodbus``, ``tmodbus``), to compare them."""
    data = {"host": HOST, "port": port}
    if backend is None:
        return create_connection(data)
    module = importlib.import_module(f"modbus_connection.{backend}")
    connection: ModbusConnection = module.ModbusConnection(
        connection_params(data), timeout=REQUEST_TIMEOUT
    )
    return connection


async def run_scenario(
    scenario: Scenario,
    rounds: int,
    releases: int,
    rng: random.Random,
    backend: str | None = None,
) -> list[Result]:
    sizes = parse_sizes(scenario.sizes)
    walls = {
        unit_id: reference_wall(scenario.sizes, cooled=COOLED)
        for unit_id in scenario.unit_ids
    }
    maps = {
        unit_id: reference_layout(
            ReferenceWiring(unit_id=unit_id), sizes, COOLED, ALL_POINTS
        )
        for unit_id in scenario.unit_ids
    }
    sim = LockerSimulator(walls, host=HOST, port=0)
    await sim.start()
    try:
        # Same settings for both: the link the integration builds from an entry.
        strategies: list[Strategy] = [
            Pooled(open_connection(sim.port, backend), maps),
            PerPoint(open_connection(sim.port, backend), maps),
        ]
        try:
            return await _measure(
                scenario,
                strategies,
                walls,
                maps,
                rounds=rounds,
                releases=releases,
                rng=rng,
            )
        finally:
            for strategy in strategies:
                await strategy.connection.close()
    finally:
        await sim.stop()


async def _measure(
    scenario: Scenario,
    strategies: list[Strategy],
    walls: dict[int, SimulatedWall],
    maps: dict[int, WallMap],
    *,
    rounds: int,
    releases: int,
    rng: random.Random,
) -> list[Result]:
    for strategy in strategies:
        await strategy.poll()  # warm-up: connects and builds read plans; not timed
    samples = await measure_polls(strategies, rounds)
    results = []
    for strategy in strategies:
        durations, requests = samples[strategy.name]
        if len(requests) != 1:
            msg = f"{scenario.name} {strategy.name}: requests per poll: {requests}"
            raise RuntimeError(msg)
        (per_poll,) = requests
        planned = strategy.planned_requests
        if planned is not None and planned != per_poll:
            msg = (
                f"{scenario.name} {strategy.name}: {per_poll} requests counted, "
                f"WallLink.requests_per_poll says {planned}"
            )
            raise RuntimeError(msg)
        writes_before = strategy.counter.writes
        seen, acked, polls = await measure_releases(strategy, walls, releases, rng)
        if strategy.counter.writes - writes_before != len(seen):
            msg = f"{scenario.name} {strategy.name}: a release sent more than one write"
            raise RuntimeError(msg)
        results.append(
            Result(
                scenario=scenario.name,
                strategy=strategy.name,
                walls=scenario.walls,
                compartments_per_wall=len(parse_sizes(scenario.sizes)),
                points=points_of(maps),
                requests_per_poll=per_poll,
                planned_requests_per_poll=planned,
                polls=len(durations),
                poll_median_ms=ms(percentile(durations, 50)),
                poll_p99_ms=ms(percentile(durations, 99)),
                poll_max_ms=ms(max(durations, default=math.nan)),
                releases=len(seen),
                release_median_ms=ms(percentile(seen, 50)),
                release_p99_ms=ms(percentile(seen, 99)),
                release_max_ms=ms(max(seen, default=math.nan)),
                release_ack_p99_ms=ms(percentile(acked, 99)),
                polls_during_releases=polls,
            )
        )
    return results


# -- reporting --------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "?"

    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity else os.cpu_count(),
        "modbus_connection": version("modbus-connection"),
        "pymodbus": version("pymodbus"),
        "tmodbus": version("tmodbus"),
    }


COLUMNS = (
    ("scenario", "scenario", "<"),
    ("strategy", "strategy", "<"),
    ("points", "points", ">"),
    ("req/poll", "requests_per_poll", ">"),
    ("N", "polls", ">"),
    ("median ms", "poll_median_ms", ">"),
    ("p99 ms", "poll_p99_ms", ">"),
    ("R", "releases", ">"),
    ("release p99 ms", "release_p99_ms", ">"),
)

LEGEND = """\
Legend
  pooled          one WallLink per wall, walls polled one after another (as the
                  coordinator does)
  per point       one request per configured point (1 coil, 1 discrete input, 1
                  register, 2 for the keypad code), one after another on the same
                  connection: the core modbus integration with one entity per point
  points          configured points: per compartment lock, door, latch, presence,
                  temperature; a setpoint on cooled compartments 21 and 22; 4 keypad
                  points per wall
  req/poll        read requests one poll sends, counted in a wrapper around the
                  unit; pooled is cross-checked with WallLink.requests_per_poll
  N               timed polls per strategy after one warm-up poll; the two
                  strategies' polls are interleaved
  median/p99 ms   wall-clock time of one poll of every wall of the scenario
                  (p99 interpolated; with N < 100 it is close to the slowest poll)
  R               releases timed while the same strategy polls back to back in
                  another task, each after a random pause of 5-100 ms
  release p99 ms  from just before the release call to the coil write seen by the
                  simulator (pooled: WallLink.release(n, None); per point: write_coil)
Both strategies use the integration's connection settings (create_connection) and the
same simulator, which runs in this process and event loop over loopback TCP: its work
is part of every time shown."""


def format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 100 else f"{value:.2f}"
    return str(value)


def format_table(results: Sequence[Result]) -> str:
    rows = [[header for header, _, _ in COLUMNS]]
    rows += [
        [format_number(getattr(result, attr)) for _, attr, _ in COLUMNS]
        for result in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            f"{cell:{align}{width}}"
            for cell, width, (_, _, align) in zip(row, widths, COLUMNS, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"Python {info['python']} ({info['implementation']}), "
        f"{info['cpu_count']} CPUs ({info['usable_cpus']} usable), "
        f"{info['platform']}; modbus-connection {info['modbus_connection']}, "
        f"pymodbus {info['pymodbus']}, tmodbus {info['tmodbus']}"
    )


# -- entry point ------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.poll",
        description="Poll time and release latency: pooled reads vs one per point.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead")
    parser.add_argument(
        "--quick", action="store_true", help="few polls and releases (smoke check)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--backend",
        choices=["pymodbus", "tmodbus"],
        help="modbus-connection backend (default: the integration's own)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[scenario.name for scenario in SCENARIOS],
        help="run only this scenario (repeatable)",
    )
    return parser.parse_args(argv)


def selected(args: argparse.Namespace) -> list[Scenario]:
    """The scenarios to run, with ``--quick``'s poll counts applied."""
    return [
        replace(scenario, polls=min(scenario.polls, 5)) if args.quick else scenario
        for scenario in SCENARIOS
        if not args.scenario or scenario.name in args.scenario
    ]


async def run(args: argparse.Namespace) -> list[Result]:
    rng = random.Random(args.seed)
    releases = 5 if args.quick else RELEASES
    results: list[Result] = []
    for scenario in selected(args):
        print(f"running {scenario.name} ({scenario.polls} polls) ...", file=sys.stderr)
        results += await run_scenario(
            scenario, scenario.polls, releases, rng, args.backend
        )
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    info = machine_info()
    started = time.perf_counter()
    results = asyncio.run(run(args))
    elapsed = time.perf_counter() - started
    if args.json:
        document = {
            "machine": info,
            "settings": {
                "host": HOST,
                "seed": args.seed,
                "backend": args.backend or "integration",
                "quick": args.quick,
                "cooled": list(COOLED),
                "release_gap_seconds": list(RELEASE_GAP),
                "elapsed_seconds": round(elapsed, 1),
                "scenarios": [asdict(s) for s in selected(args)],
            },
            "results": [asdict(result) for result in results],
        }
        print(json.dumps(document, indent=2))
        return
    print(machine_line(info))
    print()
    print(format_table(results))
    print()
    print(LEGEND)
    print(f"\nTotal run time {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
