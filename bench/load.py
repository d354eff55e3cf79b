"""Load: many couriers, residents and code guessers at once, against real Modbus.

Starts the locker-wall simulator on 127.0.0.1 with 4 walls of 250 compartments
(1,000 in all), a Home Assistant instance (the test harness's, with its own
config dir and real files in ``.storage``) with the integration set up for it,
and then ``--workers`` virtual people (200 by default) act for ``--seconds``
(60 by default), each one action after the other:

* **assign**: a courier calls ``assign_delivery`` (size S, M or L), then opens the
  door the integration released, puts the parcel in and closes the door once a
  poll has seen it open;
* **redeem right**: a resident takes a pickup code from a ``delivered`` event,
  calls ``redeem_code`` for their wall, opens the released door, takes the parcel
  and closes the door;
* **redeem wrong**: someone guesses a random 8-digit code through the app
  (``redeem_code`` without a wall), which the lock-out soon refuses.

A poller polls all four walls back to back meanwhile (the entry's own timer is
off). Afterwards every door is closed and the ledger is checked against what the
people did and against the wall itself:

* no double assignment: no compartment is handed out while a parcel it was
  handed out for is not collected, and the ledger's own consistency check passes;
* no lost parcel: every assignment is reserved, stored or collected, every
  delivered parcel not collected is stored where it was put with its code
  still valid, and the wall's parcel sensors agree with the ledger;
* no unhandled exception: every refused action failed with a translated error,
  no task died, and nothing was logged with a traceback (errors logged without
  one, such as a poll that timed out, are listed but are not a failure).

Run from the repository root::

    .venv/bin/python -m bench.load                 # 60 s, 200 workers, table
    .venv/bin/python -m bench.load --seconds 10    # shorter
    .venv/bin/python -m bench.load --json

Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
import json
import logging
import math
import os
import platform
import random
import socket
import sys
import tempfile
import time
from typing import Any

from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import voluptuous as vol

from custom_components.parcel_locker.const import (
    CONF_COMPARTMENTS,
    CONF_CONNECTION,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_FRAMER,
    CONF_OPTIONAL_POINTS,
    CONF_PREFIX,
    CONF_PROFILE,
    CONF_SIZES,
    CONNECTION_TCP,
    DOMAIN,
    FRAMER_SOCKET,
    SUBENTRY_WALL,
)
from custom_components.parcel_locker.domain.ledger import Ledger, LedgerError
from custom_components.parcel_locker.wall_config import generate_map
from custom_components.parcel_locker.wall_form import subentry_data
from simulator import LockerSimulator, reference_wall

HOST = "127.0.0.1"
WALLS = 4
SIZES = "S*150,M*70,L*25,XL*5"  # 250 compartments per wall
PREFIXES = "ABCDEFGH"
ALL_POINTS = ["latch", "presence", "temperature", "setpoint", "keypad"]
# What a virtual person does next, by weight.
MIX = (("assign", 45), ("redeem_right", 40), ("redeem_wrong", 15))
PARCEL_SIZES = (("S", 60), ("M", 30), ("L", 10))
# A person waits this long before the next action (0..max), so 200 of them do
# not move in lockstep.
THINK_SECONDS = 0.02
# How long the last people get to finish after the deadline, and how long the
# final polls may take: the run is bounded in time whatever happens.
DRAIN_SECONDS = 30.0
POLLS_TO_SEE_A_DOOR = 2
# Parcels delivered before the clock starts: the wall is in use, with codes out.
PREFILL = 200
# Persons parcels are for, and logged-in users guessing codes.
RESIDENTS = 500
GUESSERS = 10

ACTIONS = ("assign", "redeem_right", "redeem_wrong", "poll")


def wall_subentry(unit: int, compartments_spec: str) -> dict[str, Any]:
    """A wall subentry as the wall form stores it, for unit ``unit``."""
    form = {
        CONF_NAME: f"Wall {unit}",
        CONF_PREFIX: PREFIXES[unit - 1],
        CONF_PROFILE: "reference",
        CONF_DEVICE_ID: unit,
        CONF_COMPARTMENTS: len(compartments_spec.split(",")),
        CONF_SIZES: compartments_spec,
        CONF_COOLED: "21,22",
        CONF_OPTIONAL_POINTS: ALL_POINTS,
        "hub_timed_pulse": False,
        "pulse_seconds": 0.5,
    }
    wall_map = generate_map(form)
    form[CONF_COMPARTMENTS] = len(wall_map.compartments)
    return {
        "subentry_type": SUBENTRY_WALL,
        "title": form[CONF_NAME],
        "data": subentry_data(form, wall_map),
        "subentry_id": f"wall_{unit}",
        "unique_id": None,
    }


def build_simulator(walls: int = WALLS, sizes: str = SIZES) -> LockerSimulator:
    """The walls on unit ids 1..walls, served on loopback."""
    return LockerSimulator(
        {
            unit: reference_wall(sizes, cooled=(21, 22), pulse_seconds=0.5)
            for unit in range(1, walls + 1)
        },
        host=HOST,
    )


def entry_data(simulator: LockerSimulator) -> dict[str, Any]:
    """Config entry data pointing at the simulator."""
    return {
        CONF_CONNECTION: CONNECTION_TCP,
        CONF_HOST: HOST,
        CONF_PORT: simulator.port,
        CONF_FRAMER: FRAMER_SOCKET,
    }


# -- measuring ---------------------------------------------------------------


@dataclass
class ActionStats:
    """Timings and refusals of one kind of action."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.latencies)


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (``fraction`` in 0..1)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class LoadReport:
    """What a run did and whether the invariants held."""

    seconds: float
    workers: int
    walls: int
    compartments: int
    stats: dict[str, ActionStats]
    assigned: int = 0
    delivered: int = 0
    collected: int = 0
    violations: list[str] = field(default_factory=list)
    unhandled: list[str] = field(default_factory=list)
    logged_errors: list[str] = field(default_factory=list)
    """Errors logged without a traceback (a poll that timed out, say): shown."""
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every invariant held."""
        return not self.violations and not self.unhandled and all(self.checks.values())

    def rows(self) -> list[dict[str, Any]]:
        """One row per action: count, throughput, p50/p99 latency, errors."""
        return [
            {
                "action": name,
                "count": stats.count,
                "per_second": stats.count / self.seconds if self.seconds else 0.0,
                "p50_ms": percentile(stats.latencies, 0.50) * 1000,
                "p99_ms": percentile(stats.latencies, 0.99) * 1000,
                "errors": dict(stats.errors),
            }
            for name, stats in self.stats.items()
        ]

    def table(self) -> str:
        """The report as a plain-text table."""
        header = f"{'action':<13} {'count':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        lines = [
            (
                f"{self.workers} concurrent people, {self.walls} walls, "
                f"{self.compartments} compartments, {self.seconds:.1f} s "
                "(until the last action started before the deadline ended)"
            ),
            "",
            f"{header}  errors by kind",
        ]
        for row in self.rows():
            errors = ", ".join(f"{k} {v}" for k, v in sorted(row["errors"].items()))
            lines.append(
                f"{row['action']:<13} {row['count']:>7} {row['per_second']:>8.1f} "
                f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}  {errors or '-'}"
            )
        lines += [
            "",
            (
                f"parcels: {self.assigned} assigned, {self.delivered} delivered, "
                f"{self.collected} collected"
            ),
            "invariants:",
        ]
        lines += [
            f"  {'ok  ' if ok else 'FAIL'} {name}" for name, ok in self.checks.items()
        ]
        for title, items in (
            ("violations", self.violations),
            ("unhandled exceptions (untranslated errors, tracebacks)", self.unhandled),
        ):
            lines.append(f"  {'ok  ' if not items else 'FAIL'} no {title}")
            lines += [f"       {item}" for item in items[:10]]
        lines.append(f"errors logged without a traceback: {len(self.logged_errors)}")
        lines += [f"       {item}" for item in self.logged_errors[:10]]
        return "\n".join(lines)


class _ErrorLog(logging.Handler):
    """Collects error records while the load runs; tracebacks apart."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.name}: {record.getMessage().splitlines()[0][:200]}"
        if record.exc_info is not None:
            self.tracebacks.append(line)
        else:
            self.records.append(line)


@contextlib.contextmanager
def _capture_errors() -> Iterator[_ErrorLog]:
    handler = _ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    # The Modbus libraries log every frame at debug level: far more work than
    # the frames.
    quieted = [logging.getLogger(name) for name in ("pymodbus", "tmodbus")]
    levels = [logger.level for logger in quieted]
    for logger in quieted:
        logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        for logger, level in zip(quieted, levels, strict=True):
            logger.setLevel(level)
        root.removeHandler(handler)


def _kind(err: BaseException) -> str:
    """How a refusal is counted; anything untranslated is unhandled."""
    if isinstance(err, HomeAssistantError) and err.translation_key:
        return err.translation_key
    if isinstance(err, vol.Invalid):
        return "invalid_data"
    return f"UNHANDLED {type(err).__name__}: {err}"


# -- the people ------------------------------------------------------------------


class _Run:
    """The shared state of one load run."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: Any,
        simulator: LockerSimulator,
        rng: random.Random,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.simulator = simulator
        self.rng = rng
        self.coordinator = entry.runtime_data
        self.ledger: Ledger = entry.runtime_data.ledger
        self.stats = {name: ActionStats() for name in ACTIONS}
        self.violations: list[str] = []
        self.unhandled: list[str] = []
        self.units = {
            wall_id: int(wall_id.split("_")[1]) for wall_id in self.ledger.walls()
        }
        self.numbers = {
            (view.wall, view.label): view.number
            for wall_id in self.ledger.walls()
            for view in self.ledger.compartments(wall_id)
        }
        # (wall, number) -> parcel handed out for it and not collected yet.
        self.holder: dict[tuple[str, int], str] = {}
        self.home: dict[str, tuple[str, int]] = {}
        self.ready: deque[tuple[str, str]] = deque()  # (parcel_id, code)
        self.codes: dict[str, str] = {}
        self.delivered: set[str] = set()
        self.collected: set[str] = set()
        self.polls = 0
        self.guessers: list[str] = []
        self.polled = asyncio.Condition()
        self.stopping = False
        self._unsubscribe = [
            hass.bus.async_listen(f"{DOMAIN}_delivered", self._on_delivered),
            hass.bus.async_listen(f"{DOMAIN}_picked_up", self._on_picked_up),
        ]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_delivered(self, event: Event) -> None:
        parcel_id = event.data["parcel_id"]
        if parcel_id in self.delivered:
            self.violations.append(f"parcel {parcel_id} delivered twice")
        if parcel_id not in self.home:
            self.violations.append(f"delivered an unknown parcel {parcel_id}")
        self.delivered.add(parcel_id)
        # Events carry no code; the integration keeps it for the recipient.
        issued = self.entry.runtime_data.pickup_code(parcel_id)
        self.codes[parcel_id] = issued.code
        self.ready.append((parcel_id, issued.code))

    def _on_picked_up(self, event: Event) -> None:
        parcel_id = event.data["parcel_id"]
        if parcel_id in self.collected:
            self.violations.append(f"parcel {parcel_id} picked up twice")
        if parcel_id not in self.delivered:
            self.violations.append(f"picked up {parcel_id} that was never delivered")
        self.collected.add(parcel_id)
        place = self.home.get(parcel_id)
        if place is not None and self.holder.get(place) == parcel_id:
            del self.holder[place]

    async def call(
        self,
        action: str,
        service: str,
        data: dict[str, Any],
        user_id: str | None = None,
    ) -> Any:
        """One timed action; returns its response, or None when it was refused."""
        started = time.perf_counter()
        try:
            response = await self.hass.services.async_call(
                DOMAIN,
                service,
                data,
                blocking=True,
                context=Context(user_id=user_id),
                return_response=True,
            )
        except Exception as err:  # noqa: BLE001 - every outcome is counted
            kind = _kind(err)
            self.stats[action].errors[kind] += 1
            if kind.startswith("UNHANDLED"):
                self.unhandled.append(f"{action}: {kind}")
            return None
        finally:
            self.stats[action].latencies.append(time.perf_counter() - started)
        return response

    async def wait_polls(self, count: int) -> None:
        """Until ``count`` more polls have finished (a poll has seen the door)."""
        async with self.polled:
            target = self.polls + count
            await self.polled.wait_for(lambda: self.polls >= target or self.stopping)

    async def poller(self) -> None:
        """Poll every wall back to back until the run stops."""
        while not self.stopping:
            started = time.perf_counter()
            await self.coordinator.async_refresh()
            self.stats["poll"].latencies.append(time.perf_counter() - started)
            if not self.coordinator.last_update_success:
                self.stats["poll"].errors["failed"] += 1
            async with self.polled:
                self.polls += 1
                self.polled.notify_all()
            await asyncio.sleep(0)

    def door(self, wall_id: str, number: int) -> Any:
        return self.simulator.wall(self.units[wall_id])

    async def courier(self) -> None:
        size = self.rng.choices(*zip(*PARCEL_SIZES, strict=True))[0]
        response = await self.call(
            "assign",
            "assign_delivery",
            {
                "recipient": f"person.resident_{self.rng.randrange(RESIDENTS)}",
                "carrier": "LoadTest",
                "size": size,
            },
        )
        if response is None:
            return
        parcel_id = response["parcel_id"]
        place = (
            response["wall"],
            self.numbers[response["wall"], response["compartment"]],
        )
        if (other := self.holder.get(place)) is not None:
            self.violations.append(
                f"{place} assigned to {parcel_id} while {other} holds it"
            )
        self.holder[place] = parcel_id
        self.home[parcel_id] = place
        wall = self.door(*place)
        if not wall.open_door(place[1]):
            self.violations.append(f"{place} was assigned but did not open")
            return
        await self.wait_polls(POLLS_TO_SEE_A_DOOR)
        wall.put_parcel(place[1])
        wall.close_door(place[1])

    async def resident(self) -> None:
        parcel_id, code = self.ready.popleft()
        wall_id, number = self.home[parcel_id]
        response = await self.call(
            "redeem_right", "redeem_code", {"code": code, "wall": wall_id}
        )
        if response is None:
            self.ready.append((parcel_id, code))  # try again later
            return
        if response["parcel_id"] != parcel_id:
            self.violations.append(f"code of {parcel_id} opened {response}")
            return
        wall = self.door(wall_id, number)
        if not wall.open_door(number):
            self.violations.append(f"{(wall_id, number)} was redeemed but did not open")
            return
        await self.wait_polls(POLLS_TO_SEE_A_DOOR)
        wall.take_parcel(number)
        wall.close_door(number)

    async def guesser(self) -> None:
        while (guess := f"{self.rng.randrange(10**8):08d}") in self.codes.values():
            pass  # never a live code by chance: that would be a pickup
        # Guessers log in as themselves: their lock-out is theirs alone.
        guesser = self.rng.choice(self.guessers)
        await self.call("redeem_wrong", "redeem_code", {"code": guess}, guesser)

    async def person(self, deadline: float) -> None:
        actions: dict[str, Callable[[], Awaitable[None]]] = {
            "assign": self.courier,
            "redeem_right": self.resident,
            "redeem_wrong": self.guesser,
        }
        names, weights = zip(*MIX, strict=True)
        while time.monotonic() < deadline:
            action = self.rng.choices(names, weights)[0]
            if action == "redeem_right" and not self.ready:
                action = "assign"
            await actions[action]()
            await asyncio.sleep(self.rng.uniform(0, THINK_SECONDS))


def _check(run: _Run, report: LoadReport) -> None:
    """Compare the ledger with what the people did and what the wall holds."""
    ledger = run.ledger
    stored = json.loads(json.dumps(ledger.to_dict()))
    try:
        Ledger.from_dict(stored, ledger._book._key, ledger.settings)  # noqa: SLF001
    except Exception as err:  # noqa: BLE001 - reported, not raised
        report.checks["ledger passes its consistency check"] = False
        run.violations.append(f"ledger inconsistent: {err}")
    else:
        report.checks["ledger passes its consistency check"] = True
    lost: list[str] = []
    for parcel_id, (wall_id, number) in run.home.items():
        try:
            parcel = ledger.parcel(parcel_id)
        except LedgerError:
            # Only the newest finished parcels are kept as history.
            if parcel_id not in run.collected:
                lost.append(f"{parcel_id} (gone)")
            continue
        state = str(parcel.state)
        if parcel_id in run.collected:
            ok = state == "collected"
        elif parcel_id in run.delivered:
            ok = (
                state == "stored"
                and (parcel.wall, parcel.number) == (wall_id, number)
                and ledger.holds_code(run.codes[parcel_id], wall_id)
            )
        else:
            ok = state in {"reserved", "stored"}
        if not ok:
            lost.append(f"{parcel_id} ({state})")
    report.checks["every parcel accounted for, every waiting code valid"] = not lost
    run.violations += [f"lost or wrong: {item}" for item in lost[:10]]
    mismatched = [
        (wall_id, view.number)
        for wall_id in ledger.walls()
        for view in ledger.compartments(wall_id)
        if run.door(wall_id, view.number).compartment(view.number).present
        != (str(view.status) == "occupied")
    ]
    report.checks["parcel sensors agree with the ledger"] = not mismatched
    report.checks["no compartment held by two parcels"] = not any(
        "while" in item for item in run.violations
    )
    report.checks["no delivery or pickup completed twice"] = not any(
        "twice" in item for item in run.violations
    )


async def run_load(
    hass: HomeAssistant,
    entry: Any,
    simulator: LockerSimulator,
    *,
    workers: int = 200,
    seconds: float = 60.0,
    seed: int = 1,
    prefill: int = PREFILL,
) -> LoadReport:
    """Drive the loaded ``entry`` with ``workers`` people for ``seconds``.

    ``prefill`` parcels are delivered first (not measured), so residents have
    codes to redeem from the start, as in a wall that is in use.
    """
    run = _Run(hass, entry, simulator, random.Random(seed))
    # Parcels are for persons that exist; guessers are logged-in users.
    for index in range(RESIDENTS):
        hass.states.async_set(f"person.resident_{index}", "home")
    run.guessers = [
        (await hass.auth.async_create_user(f"Guesser {index}")).id
        for index in range(GUESSERS)
    ]
    compartments = sum(wall.count for wall in simulator.walls.values())
    with _capture_errors() as errors:
        poller = asyncio.create_task(run.poller())
        try:
            await asyncio.wait_for(
                asyncio.gather(*(run.courier() for _ in range(prefill))), DRAIN_SECONDS
            )
            await run.wait_polls(POLLS_TO_SEE_A_DOOR)
            run.stats = {name: ActionStats() for name in ACTIONS}
            started = time.monotonic()
            deadline = started + seconds
            people = [asyncio.create_task(run.person(deadline)) for _ in range(workers)]
            done, pending = await asyncio.wait(people, timeout=seconds + DRAIN_SECONDS)
            for task in pending:
                task.cancel()
                run.violations.append("a person was still busy after the drain time")
            for task in done:
                if (err := task.exception()) is not None:
                    run.unhandled.append(f"person: {type(err).__name__}: {err}")
            # Every action started before the deadline, and all are counted.
            elapsed = time.monotonic() - started
            # Let the last doors be seen closed.
            await run.wait_polls(POLLS_TO_SEE_A_DOOR + 1)
        finally:
            run.stopping = True
            async with run.polled:
                run.polled.notify_all()
            await asyncio.wait_for(poller, DRAIN_SECONDS)
        await hass.async_block_till_done()
    run.close()
    report = LoadReport(
        seconds=elapsed,
        workers=workers,
        walls=len(simulator.walls),
        compartments=compartments,
        stats=run.stats,
        assigned=len(run.home),
        delivered=len(run.delivered),
        collected=len(run.collected),
        violations=run.violations,
        unhandled=run.unhandled + [f"logged: {line}" for line in errors.tracebacks],
        logged_errors=errors.records,
    )
    _check(run, report)
    return report


# -- the command line ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


async def _bench(args: argparse.Namespace) -> LoadReport:
    # The test harness hosts Home Assistant; imported here so the module itself
    # (and the short test) needs nothing beyond the integration.
    from homeassistant import loader  # noqa: PLC0415
    from homeassistant.setup import async_setup_component  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        MockConfigEntry,
        async_test_home_assistant,
    )

    simulator = build_simulator(args.walls)
    await simulator.start()
    try:
        with tempfile.TemporaryDirectory(prefix="parcel-locker-load-") as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                # Loopback only, on a free port.
                if not await async_setup_component(
                    hass,
                    "http",
                    {"http": {"server_host": [HOST], "server_port": _free_port()}},
                ):
                    raise SystemExit("http did not set up")
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    title="Load",
                    data=entry_data(simulator),
                    subentries_data=[
                        wall_subentry(unit, SIZES) for unit in range(1, args.walls + 1)
                    ],
                    pref_disable_polling=True,
                )
                entry.add_to_hass(hass)
                if not await hass.config_entries.async_setup(entry.entry_id):
                    raise SystemExit(f"setup failed: {entry.state} {entry.reason}")
                await hass.async_block_till_done()
                print(
                    f"running {args.seconds:.0f} s with {args.workers} people...",
                    file=sys.stderr,
                )
                report = await run_load(
                    hass,
                    entry,
                    simulator,
                    workers=args.workers,
                    seconds=args.seconds,
                    seed=args.seed,
                    prefill=args.prefill,
                )
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)
    finally:
        await simulator.stop()
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    add = parser.add_argument
    add("--seconds", type=float, default=60.0, help="how long people act (60)")
    add("--workers", type=int, default=200, help="people acting at once (200)")
    add("--walls", type=int, default=WALLS, choices=range(1, 9), help="walls (4)")
    add("--seed", type=int, default=1, help="random seed")
    add("--prefill", type=int, default=PREFILL, help="parcels in the wall first")
    add("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s %(message)s"
    )
    for name in ("pymodbus", "tmodbus"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    report = asyncio.run(_bench(args))
    if args.json:
        print(
            json.dumps(
                {
                    "rows": report.rows(),
                    "ok": report.ok,
                    "checks": report.checks,
                    "violations": report.violations,
                    "unhandled": report.unhandled,
                    "logged_errors": report.logged_errors,
                    "parcels": {
                        "assigned": report.assigned,
                        "delivered": report.delivered,
                        "collected": report.collected,
                    },
                    "machine": {
                        "python": platform.python_version(),
                        "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                    },
                    "settings": {
                        "seconds": report.seconds,
                        "workers": report.workers,
                        "walls": report.walls,
                        "compartments": report.compartments,
                    },
                },
                indent=2,
            )
        )
    else:
        print(report.table())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
