"""Attacks on the pickup codes, measured through a real Home Assistant.

Each attack runs against the integration as it runs for users: Home Assistant
with two controllers (two simulators on 127.0.0.1, one wall each), real users
(residents Bob and Charlie, 10 more guessers), the actions and the keypad over
real Modbus. Time is simulated (``homeassistant.util.dt.utcnow`` is a clock the
bench advances), so a day of guessing takes seconds.

For every attack the table says how many wrong codes the hub actually looked at
(evaluated: a ``code_rejected`` event), per source:

* before the first lock-out;
* in the worst hour (any window of 60 minutes);
* per hour on average over the whole run;

and whether any guess opened somebody else's compartment. The last rows measure
what 1,100 refused attempts do to the audit trail and the disk.

Run from the repository root::

    .venv/bin/python -m bench.attacks            # about a minute on 2 cores
    .venv/bin/python -m bench.attacks --hours 2  # shorter runs
    .venv/bin/python -m bench.attacks --json
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import logging
import random
import sys
import tempfile
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_NAME
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import storage
from homeassistant.util import dt as dt_util

from bench.load import HOST, entry_data, wall_subentry
from custom_components.parcel_locker.const import CONF_PREFIX, DOMAIN
from simulator import LockerSimulator, reference_wall

SIZES = "S*12,M*8,L*4"
HOUR = timedelta(hours=1)
START = datetime(2026, 11, 2, 8, 0, tzinfo=dt_util.UTC)
GUESSERS = 10


class Clock:
    """The time the integration sees; the bench moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class AttackResult:
    """What one attack got out of the guard."""

    name: str
    attempts: int
    hours: float
    evaluated: dict[str, list[datetime]] = field(default_factory=dict)
    first_lock: dict[str, datetime] = field(default_factory=dict)
    opened_others: int = 0

    def before_lock(self) -> int:
        """Most wrong codes any source had looked at before its first lock-out."""
        counts = [
            sum(1 for moment in times if moment <= self.first_lock[source])
            if source in self.first_lock
            else len(times)
            for source, times in self.evaluated.items()
        ]
        return max(counts, default=0)

    def worst_hour(self) -> int:
        worst = 0
        for times in self.evaluated.values():
            for start in times:
                worst = max(worst, sum(1 for t in times if start <= t < start + HOUR))
        return worst

    def per_hour(self) -> float:
        per_source = [len(times) / self.hours for times in self.evaluated.values()]
        return max(per_source, default=0.0)

    def row(self) -> list[str]:
        return [
            self.name,
            f"{self.attempts:,}",
            str(len(self.evaluated)),
            str(self.before_lock()),
            str(self.worst_hour()),
            f"{self.per_hour():.1f}",
            str(self.opened_others),
        ]


COLUMNS = [
    "attack",
    "attempts",
    "sources",
    "evaluated before 1st lock-out",
    "worst hour",
    "per hour (mean)",
    "others' parcels opened",
]


class Bench:
    """Home Assistant with two controllers, their walls, and the people."""

    def __init__(self, hass: HomeAssistant, clock: Clock) -> None:
        self.hass = hass
        self.clock = clock
        self.entries: list[Any] = []
        self.simulators: list[LockerSimulator] = []
        self.users: dict[str, str] = {}
        # (simulated time, event): events carry the real time they were fired.
        self.rejected: list[tuple[datetime, Event]] = []
        self.locked: list[tuple[datetime, Event]] = []

        # Callbacks run while the event is fired, at the clock's current time.
        @callback
        def rejected(event: Event) -> None:
            self.rejected.append((clock.now, event))

        @callback
        def locked(event: Event) -> None:
            self.locked.append((clock.now, event))

        self._unsubscribe = [
            hass.bus.async_listen(f"{DOMAIN}_code_rejected", rejected),
            hass.bus.async_listen(f"{DOMAIN}_keypad_locked_out", locked),
        ]

    async def setup(self) -> None:
        from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
            MockConfigEntry,
        )

        for person in ("bob", "charlie"):
            user = await self.hass.auth.async_create_user(person.title())
            self.users[person] = user.id
            self.hass.states.async_set(f"person.{person}", "home", {"user_id": user.id})
        for index in range(GUESSERS):
            user = await self.hass.auth.async_create_user(f"Guesser {index}")
            self.users[f"guesser_{index}"] = user.id
        for name, prefix in (("Lobby", "A"), ("Garage", "B")):
            simulator = LockerSimulator(
                {1: reference_wall(SIZES, pulse_seconds=0.05)}, host=HOST
            )
            await simulator.start()
            subentry = wall_subentry(1, SIZES)
            subentry["data"] = {
                **subentry["data"],
                CONF_NAME: name,
                CONF_PREFIX: prefix,
            }
            subentry["title"] = name
            subentry["subentry_id"] = f"wall_{prefix.lower()}"
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=name,
                data=entry_data(simulator),
                subentries_data=[subentry],
                pref_disable_polling=True,
            )
            entry.add_to_hass(self.hass)
            if not await self.hass.config_entries.async_setup(entry.entry_id):
                raise SystemExit(f"setup failed: {entry.state}")
            self.entries.append(entry)
            self.simulators.append(simulator)
        await self.hass.async_block_till_done()

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for entry in self.entries:
            await self.hass.config_entries.async_unload(entry.entry_id)
        for simulator in self.simulators:
            await simulator.stop()

    async def poll(self, index: int) -> None:
        await self.entries[index].runtime_data.async_refresh()

    async def deliver(self, person: str, index: int) -> tuple[str, int]:
        """A parcel for ``person`` on controller ``index``: its code and number."""
        response = await self.hass.services.async_call(
            DOMAIN,
            "assign_delivery",
            {"recipient": f"person.{person}", "wall": ("Lobby", "Garage")[index]},
            blocking=True,
            return_response=True,
        )
        if response is None:
            raise SystemExit("assign_delivery answered nothing")
        number = int(str(response["compartment"]).split("-")[1])
        wall = self.simulators[index].wall(1)
        wall.open_door(number)
        await self.poll(index)
        wall.put_parcel(number)
        wall.close_door(number)
        await self.poll(index)
        locker = self.entries[index].runtime_data
        issued = locker.pickup_code(str(response["parcel_id"]))
        if issued is None:
            raise SystemExit("no pickup code in memory")
        return issued.code, number

    async def attempt(self, person: str, code: str, wall: str | None = None) -> bool:
        """``redeem_code`` as a user; whether it opened."""
        data = {"code": code} | ({"wall": wall} if wall else {})
        try:
            await self.hass.services.async_call(
                DOMAIN,
                "redeem_code",
                data,
                blocking=True,
                return_response=True,
                context=Context(user_id=self.users[person]),
            )
        except HomeAssistantError:
            return False
        return True

    def collect(self, name: str, attempts: int, hours: float) -> AttackResult:
        """The evaluated wrong codes and lock-outs since the last collect."""
        result = AttackResult(name, attempts, hours)
        for moment, event in self.rejected:
            result.evaluated.setdefault(_source(event), []).append(moment)
        for moment, event in self.locked:
            result.first_lock.setdefault(_source(event), moment)
        self.rejected.clear()
        self.locked.clear()
        return result


def _source(event: Event) -> str:
    """Who the guard counted an event for: the user, or the keypad of a wall."""
    return f"{event.data['source']}:{event.data['by']}:{event.data['wall']}"


def guess(rng: random.Random, avoid: set[str]) -> str:
    while (value := f"{rng.randrange(10**8):08d}") in avoid:
        pass
    return value


async def app_attack(
    bench: Bench,
    name: str,
    hours: float,
    every: float,
    *,
    walls: list[str | None],
    own_code_every: int = 0,
) -> AttackResult:
    """Charlie guesses in the app; Bob's code on wall B is guessed too."""
    bobs, bobs_number = await bench.deliver("bob", 1)
    charlies, _ = await bench.deliver("charlie", 0)
    rng = random.Random(name)
    wall_b = bench.simulators[1].wall(1)
    released = wall_b.release_count(bobs_number)
    attempts = int(hours * 3600 / every)
    for index in range(attempts):
        if index == 317:
            code = bobs
        elif own_code_every and index % own_code_every == own_code_every - 1:
            code = charlies
        else:
            code = guess(rng, {bobs, charlies})
        await bench.attempt("charlie", code, walls[index % len(walls)])
        bench.clock.tick(every)
    result = bench.collect(name, attempts, hours)
    result.opened_others = wall_b.release_count(bobs_number) - released
    return result


async def many_guessers(bench: Bench, hours: float, every: float) -> AttackResult:
    """Ten users guess at once, each every ``every`` seconds."""
    bobs, number = await bench.deliver("bob", 0)
    wall = bench.simulators[0].wall(1)
    released = wall.release_count(number)
    rng = random.Random("many")
    rounds = int(hours * 3600 / every)
    for _ in range(rounds):
        for index in range(GUESSERS):
            await bench.attempt(f"guesser_{index}", guess(rng, {bobs}))
        bench.clock.tick(every)
    result = bench.collect(f"{GUESSERS} users at once", rounds * GUESSERS, hours)
    result.opened_others = wall.release_count(number) - released
    return result


async def keypad_attack(bench: Bench, hours: float, every: float) -> AttackResult:
    """A code typed at wall A's keypad before every poll; own right code every 5th."""
    charlies, _ = await bench.deliver("charlie", 0)
    bobs, number = await bench.deliver("bob", 0)
    wall = bench.simulators[0].wall(1)
    released = wall.release_count(number)
    rng = random.Random("keypad")
    attempts = int(hours * 3600 / every)
    for index in range(attempts):
        code = charlies if index % 5 == 4 else guess(rng, {bobs, charlies})
        wall.enter_code(code)
        await bench.poll(0)
        bench.clock.tick(every)
    result = bench.collect("keypad, own code every 5th", attempts, hours)
    result.opened_others = wall.release_count(number) - released
    return result


@contextlib.contextmanager
def counting_writes() -> Iterator[list[int]]:
    """The size of every file Home Assistant's storage writes."""
    sizes: list[int] = []
    atomic, plain = storage.write_utf8_file_atomic, storage.write_utf8_file

    def count(write: Callable[..., None]) -> Callable[..., None]:
        def wrapper(path: str, data: Any, *args: Any, **kwargs: Any) -> None:
            sizes.append(len(data))
            write(path, data, *args, **kwargs)

        return wrapper

    with (
        patch.object(storage, "write_utf8_file_atomic", count(atomic)),
        patch.object(storage, "write_utf8_file", count(plain)),
    ):
        yield sizes


async def flush_attack(bench: Bench) -> dict[str, Any]:
    """1,100 refused attempts: what happens to the audit trail and the disk."""
    for _ in range(4):
        await bench.deliver("bob", 0)
    ledger = bench.entries[0].runtime_data.ledger
    history = ledger.audit_trail()
    rng = random.Random("flush")
    with counting_writes() as sizes:
        for index in range(1100):
            await bench.attempt(
                "charlie", guess(rng, set()), (None, "Lobby")[index % 2]
            )
        await bench.hass.async_block_till_done()
    bench.collect("flush", 1100, 0)
    return {
        "history entries before": len(history),
        "history entries kept": sum(
            1 for entry in ledger.audit_trail() if entry in history
        ),
        "files written": len(sizes),
        "bytes written": sum(sizes),
    }


def table(rows: list[list[str]], columns: list[str]) -> str:
    widths = [
        max(len(str(r[i])) for r in [columns, *rows]) for i in range(len(columns))
    ]
    line = (
        "| "
        + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
        + " |"
    )
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
        for r in rows
    ]
    return "\n".join([line, rule, *body])


async def run(hours: float) -> dict[str, Any]:
    from homeassistant import loader  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        async_test_home_assistant,
    )

    clock = Clock()
    results: list[AttackResult] = []
    with tempfile.TemporaryDirectory(prefix="parcel-locker-attacks-") as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            with patch.object(dt_util, "utcnow", clock):
                attacks: list[
                    tuple[str, Callable[[Bench], Awaitable[AttackResult]]]
                ] = [
                    (
                        "app, no wall, 2 controllers",
                        lambda b: app_attack(
                            b, "app, no wall, 2 controllers", hours, 1, walls=[None]
                        ),
                    ),
                    (
                        "app, own code every 5th",
                        lambda b: app_attack(
                            b,
                            "app, own code every 5th",
                            hours,
                            1,
                            walls=[None],
                            own_code_every=5,
                        ),
                    ),
                    (
                        "app, walls named in turn",
                        lambda b: app_attack(
                            b,
                            "app, walls named in turn",
                            hours,
                            1,
                            walls=[None, "Lobby", "Garage"],
                            own_code_every=5,
                        ),
                    ),
                    ("many", lambda b: many_guessers(b, hours, 10)),
                    ("keypad", lambda b: keypad_attack(b, min(hours, 3), 1)),
                ]
                flush: dict[str, Any] = {}
                for label, attack in [*attacks, ("flush", None)]:
                    print(f"running {label} ...", file=sys.stderr)
                    bench = Bench(hass, clock)
                    await bench.setup()
                    try:
                        if attack is None:
                            flush = await flush_attack(bench)
                        else:
                            results.append(await attack(bench))
                    finally:
                        await bench.stop()
                    clock.tick(2 * 3600)  # every lock-out of the last attack is over
            await hass.async_stop(force=True)
    return {"results": results, "flush": flush}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.attacks", description=__doc__
    )
    parser.add_argument(
        "--hours", type=float, default=24, help="hours each attack runs"
    )
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    outcome = asyncio.run(run(args.hours))
    results: list[AttackResult] = outcome["results"]
    if args.json:
        print(
            json.dumps(
                {
                    "attacks": [
                        dict(zip(COLUMNS, r.row(), strict=True)) for r in results
                    ],
                    "flush": outcome["flush"],
                },
                indent=2,
            )
        )
        return 0
    print(table([r.row() for r in results], COLUMNS))
    print()
    flush = outcome["flush"]
    print(
        table(
            [[key, f"{value:,}"] for key, value in flush.items()],
            ["1,100 refused attempts", "figure"],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
