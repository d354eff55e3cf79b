"""Tiered polls: requests per poll, and a door's way to its entity on a serial line.

Part of ``python -m bench.poll`` (its last two tables), or on its own::

    .venv/bin/python -m bench.tiers            # both tables
    .venv/bin/python -m bench.tiers --quick    # a few door openings

Requests: for the 24- and 250-compartment reference walls, what one poll sends
before (layout 1.0 points, every point every poll) and now (layout 1.1 points:
the every-poll tier, with and without a watched compartment, and the full poll
on the temperature interval), counted on the wire and cross-checked with
``WallLink``'s own figures.

Door to entity: a 250-compartment wall behind a simulated 9600-baud serial line
(the simulator delays each request and answer by its bytes, 10 bits a byte),
polled at a 1 s interval on the integration's own cadence
(``domain.poll_cadence``: each poll starts one interval minus the longest
recent poll after the last one started), and for comparison on Home
Assistant's coordinator schedule (the next poll at the whole second after a
poll ends plus the coordinator's own fraction of a second, 0.05-0.5 s; 0.5
here, the latest, plus the interval). A door is forced open at a random moment;
its entity changes when the poll that first reads it open ends (the coordinator
publishes one snapshot per poll).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
import math
import random
import sys
import time

from custom_components.parcel_locker.connection import create_connection
from custom_components.parcel_locker.domain.poll_cadence import PollCadence
from custom_components.parcel_locker.domain.readings import WallReading
from custom_components.parcel_locker.domain.sizes import parse_sizes
from custom_components.parcel_locker.domain.wiring import (
    OPTIONAL_POINT_NAMES,
    OptionalPoints,
    ReferenceWiring,
    WallMap,
    reference_layout,
)
from custom_components.parcel_locker.wall_link import WallLink
from simulator import LockerSimulator, reference_wall

from .stats import percentile

HOST = "127.0.0.1"
COOLED = (21, 22)
WALLS = {24: "S*12,M*8,L*4", 250: "S*125,M*75,L*40,XL*10"}
LAYOUT_1_1 = OptionalPoints.named(OPTIONAL_POINT_NAMES)
LAYOUT_1_0 = OptionalPoints.named(
    ("latch", "presence", "temperature", "setpoint", "keypad")
)
BAUD = 9600
POLL_INTERVAL = 1.0
TEMPERATURE_INTERVAL = 30.0
COORDINATOR_FRACTION = 0.5
"""Home Assistant's ``_microsecond``: 0.05-0.5 s; the latest is the worst case."""
SCHEDULE_SLACK = 30.0


def wall_map(sizes: str, points: OptionalPoints) -> WallMap:
    return reference_layout(
        ReferenceWiring(unit_id=1), parse_sizes(sizes), COOLED, points
    )


class CountingUnit:
    """Counts the read requests a unit sends (a wrapper, as bench.poll's)."""

    def __init__(self, unit: object, counter: list[int]) -> None:
        self._unit = unit
        self._counter = counter

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._unit, name)
        if name.startswith("read_"):

            async def counted(*args: object) -> object:
                self._counter[0] += 1
                return await attribute(*args)

            return counted
        return attribute


class CountingConnection:
    def __init__(self, connection: object, counter: list[int]) -> None:
        self._connection = connection
        self._counter = counter

    def for_unit(self, unit_id: int) -> CountingUnit:
        return CountingUnit(self._connection.for_unit(unit_id), self._counter)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Requests:
    compartments: int
    before: int
    fast_idle: int
    fast_watched: int
    full: int


async def count_requests(compartments: int) -> Requests:
    """Requests one poll sends, counted on the wire, checked against WallLink."""
    sizes = WALLS[compartments]
    sim = LockerSimulator({1: reference_wall(sizes, cooled=COOLED)}, host=HOST)
    await sim.start()
    connection = create_connection({"host": HOST, "port": sim.port})
    try:
        counter = [0]
        counting = CountingConnection(connection, counter)

        async def sent(link: WallLink, *, full: bool, watched: Sequence[int]) -> int:
            counter[0] = 0
            await link.read(full=full, watched=watched)
            return counter[0]

        before_link = WallLink(counting, wall_map(sizes, LAYOUT_1_0))  # type: ignore[arg-type]
        before = await sent(before_link, full=True, watched=())
        link = WallLink(counting, wall_map(sizes, LAYOUT_1_1))  # type: ignore[arg-type]
        full = await sent(link, full=True, watched=())
        fast_idle = await sent(link, full=False, watched=())
        fast_watched = await sent(link, full=False, watched=(3,))
        if (before, full, fast_idle) != (
            before_link.requests_per_poll,
            link.requests_per_poll,
            link.requests_per_fast_poll,
        ):
            msg = f"{compartments}: counted requests differ from WallLink's figures"
            raise RuntimeError(msg)
        return Requests(compartments, before, fast_idle, fast_watched, full)
    finally:
        await connection.close()
        await sim.stop()


@dataclass(frozen=True, slots=True)
class Latency:
    name: str
    trials: int
    fast_poll_ms: float
    full_poll_ms: float
    median_s: float
    p90_s: float
    max_s: float


def next_poll(cadence: PollCadence | None, started: float, ended: float) -> float:
    """When the next poll starts: on the cadence, else Home Assistant's way."""
    if cadence is not None:
        return cadence.next_start(started, ended, succeeded=True)
    # DataUpdateCoordinator._schedule_refresh's formula.
    return int(ended) + COORDINATOR_FRACTION + POLL_INTERVAL


async def door_to_entity(
    name: str,
    points: OptionalPoints,
    *,
    tiered: bool,
    cadence: bool,
    trials: int,
    seed: int,
) -> Latency:
    """Door opened at a random moment -> the end of the poll that reads it open."""
    rng = random.Random(seed)
    sizes = WALLS[250]
    wall = reference_wall(sizes, cooled=COOLED)
    sim = LockerSimulator({1: wall}, host=HOST, baud=BAUD)
    await sim.start()
    connection = create_connection({"host": HOST, "port": sim.port})
    link = WallLink(connection, wall_map(sizes, points))
    loop = asyncio.get_running_loop()
    published: asyncio.Queue[tuple[float, WallReading]] = asyncio.Queue()
    durations: dict[bool, list[float]] = {True: [], False: []}
    stop = asyncio.Event()
    schedule = PollCadence(POLL_INTERVAL) if cadence else None

    async def coordinator() -> None:
        # As ParcelLockerCoordinator: everything on the first poll, then the
        # slow tier in steps (one a poll) from each temperature interval on.
        next_full: float | None = None
        while not stop.is_set():
            started = loop.time()
            full = not tiered or next_full is None
            refresh = next_full is None or started >= next_full
            if refresh:
                next_full = started + TEMPERATURE_INTERVAL
            slow = full or refresh or link.slow_steps_left > 0
            reading = await link.read(full=full, refresh_slow=refresh, watched=())
            ended = loop.time()
            durations[slow].append(ended - started)
            published.put_nowait((ended, reading))
            await asyncio.sleep(
                max(0.0, next_poll(schedule, started, ended) - loop.time())
            )

    async def until(number: int, *, open_: bool) -> float:
        while True:
            ended, reading = await asyncio.wait_for(published.get(), SCHEDULE_SLACK)
            if reading.compartments[number].door_closed != open_:
                return ended

    poller = asyncio.create_task(coordinator())
    latencies: list[float] = []
    try:
        await until(1, open_=False)  # the first (full) poll is done
        for _ in range(trials):
            number = rng.choice([n for n in range(1, 251) if n not in COOLED])
            await asyncio.sleep(rng.uniform(0.0, 2.0))
            while not published.empty():
                published.get_nowait()
            wall.open_door(number, force=True)
            opened = loop.time()
            latencies.append(await until(number, open_=True) - opened)
            wall.close_door(number)
            await until(number, open_=False)
    finally:
        stop.set()
        await asyncio.wait_for(poller, SCHEDULE_SLACK)
        await connection.close()
        await sim.stop()
    return Latency(
        name=name,
        trials=len(latencies),
        fast_poll_ms=round(1000 * percentile(durations[False], 50), 1),
        full_poll_ms=round(1000 * percentile(durations[True], 50), 1),
        median_s=round(percentile(latencies, 50), 2),
        p90_s=round(percentile(latencies, 90), 2),
        max_s=round(max(latencies, default=math.nan), 2),
    )


def requests_table(rows: Sequence[Requests]) -> str:
    lines = [
        (
            "Requests per poll, one reference wall with every point "
            "(before: layout 1.0, every point every poll)"
        ),
        "",
        f"{'wall':<8}{'before':>8}{'fast idle':>11}{'fast watched':>14}{'full':>6}",
    ]
    lines += [
        f"{row.compartments:<8}{row.before:>8}{row.fast_idle:>11}"
        f"{row.fast_watched:>14}{row.full:>6}"
        for row in rows
    ]
    lines += [
        "",
        "  fast idle     a poll between full ones: keypad (+ ring), locks, doors,",
        "                latches, parcels",
        "  fast watched  the same with a compartment reserved: its door counter too",
        "  full          the first poll: temperatures, setpoints, keypad",
        "                feedback, every door counter; after it these come in",
        "                steps of at most 32 registers, one a poll, from each",
        "                temperature interval (30 s) on: a fast poll + 1",
    ]
    return "\n".join(lines)


def latency_table(rows: Sequence[Latency]) -> str:
    header = (
        f"{'polling':<36}{'N':>4}{'fast poll':>11}{'slow poll':>11}"
        f"{'median':>8}{'p90':>7}{'max':>7}"
    )
    lines = [
        (
            f"Door opening to entity change: 250 compartments, {BAUD} baud, "
            f"{POLL_INTERVAL:.0f} s poll"
        ),
        "",
        header,
    ]
    lines += [
        f"{row.name:<36}{row.trials:>4}{row.fast_poll_ms:>9.0f}ms"
        f"{row.full_poll_ms:>9.0f}ms{row.median_s:>7.2f}s{row.p90_s:>6.2f}s"
        f"{row.max_s:>6.2f}s"
        for row in rows
    ]
    lines += [
        "",
        "  Own cadence: each poll starts one interval minus the longest recent",
        "  poll after the last one started, so a door read just after it opened",
        "  shows within the interval. Home Assistant's schedule: the whole second",
        (
            f"  after a poll ended, +{COORDINATOR_FRACTION} s (the latest "
            "fraction), + the interval;"
        ),
        "  a door opened just after the read waits a whole interval and a poll.",
        "  The door is read last in a poll and its entity changes when that poll",
        "  ends. Slow poll: one that reads slow points too (tiered: one small",
        "  step of the temperatures, setpoints, feedback and counters a poll,",
        "  from each 30 s on; before: every point, every poll).",
    ]
    return "\n".join(lines)


async def measure(*, trials: int, seed: int) -> tuple[list[Requests], list[Latency]]:
    """Both tables' rows."""
    requests = [await count_requests(count) for count in WALLS]
    latencies = []
    for name, points, tiered, cadence in (
        ("tiered, own cadence (now)", LAYOUT_1_1, True, True),
        ("tiered, Home Assistant's schedule", LAYOUT_1_1, True, False),
        ("every point every poll (before)", LAYOUT_1_0, False, False),
    ):
        print(f"door to entity: {name} ...", file=sys.stderr)
        latencies.append(
            await door_to_entity(
                name, points, tiered=tiered, cadence=cadence, trials=trials, seed=seed
            )
        )
    return requests, latencies


def report(requests: Sequence[Requests], latencies: Sequence[Latency]) -> str:
    """Both tables, as text."""
    return f"{requests_table(requests)}\n\n{latency_table(latencies)}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tiers")
    parser.add_argument("--quick", action="store_true", help="5 door openings")
    parser.add_argument("--trials", type=int, default=30, help="door openings")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = asyncio.run(measure(trials=5 if args.quick else args.trials, seed=args.seed))
    print(report(*rows))
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
