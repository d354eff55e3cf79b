"""A ledger process for the crash test to kill: ``python -m tests.crash_child DIR``.

It runs delivery life cycles against the integration's real ``LedgerStore`` (Home
Assistant's ``Store`` writing real files in ``DIR/.storage``), as fast as it can,
and after each save returns it prints one JSON line saying what is now stored,
e.g. ``{"rev": n, "flow": "deliver", "step": "stored", "parcel": id, "code": ".."}``.
Each parcel follows one flow (``FLOWS``: its steps in order):

* ``deliver``: reserved, loading, stored (pickup code), authorised, unloading,
  collected;
* ``announce``: announced, then as a delivery, shared (a neighbour's code) and
  collected with the shared code;
* ``hold``: held (nothing fitted), collected at the desk;
* ``deadline``: a delivery nobody collects: sent_back (a carrier code) and
  returned with that code.

The test kills it with SIGKILL at a moment of its choosing, possibly in the middle
of a write, then checks that every acknowledged step is in the file. Printing a
code is the child's business only; the integration never logs one.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
import sys

from homeassistant.core import HomeAssistant

from custom_components.parcel_locker.domain.ledger import (
    CompartmentSpec,
    Consignment,
    EventType,
    Ledger,
    LedgerSettings,
)
from custom_components.parcel_locker.domain.sizes import Size
from custom_components.parcel_locker.store import LedgerStore, async_secret_key

ENTRY_ID = "crash"
WALL = "wall"
COMPARTMENTS = 24
CYCLES = 400
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FLOWS = {
    "deliver": (
        "reserved",
        "loading",
        "stored",
        "authorised",
        "unloading",
        "collected",
    ),
    "announce": (
        "announced",
        "reserved",
        "loading",
        "stored",
        "shared",
        "authorised",
        "unloading",
        "collected",
    ),
    "hold": ("held", "collected"),
    "deadline": (
        "reserved",
        "loading",
        "stored",
        "sent_back",
        "authorised",
        "unloading",
        "returned",
    ),
}
SHORT_DEADLINE = timedelta(minutes=1)


def ack(revision: int, flow: str, step: str, parcel: str, **extra: str) -> None:
    """Say that a step is stored: only printed after the save returned."""
    line = {"rev": revision, "flow": flow, "step": step, "parcel": parcel, **extra}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def run(config_dir: str) -> None:
    """Deliver two parcels and collect one per cycle, saving every step."""
    hass = HomeAssistant(config_dir)
    store = LedgerStore(hass, ENTRY_ID)
    ledger = await store.async_load(await async_secret_key(hass), LedgerSettings())
    ledger.sync_wall(
        WALL,
        "Wall",
        [
            CompartmentSpec(number, f"A-{number:02d}", Size.S, cooled=False)
            for number in range(1, COMPARTMENTS + 1)
        ],
    )
    await store.async_save(ledger)
    sys.stdout.write(json.dumps({"rev": ledger.revision, "step": "ready"}) + "\n")
    sys.stdout.flush()
    clock = Clock()
    waiting: list[tuple[str, str]] = []

    for cycle in range(CYCLES):
        # One of the longer flows first, then the everyday deliveries.
        extra = (announce_flow, hold_flow, deadline_flow)[cycle % 3]
        await extra(ledger, store, clock, cycle)
        for _ in range(2):
            if ledger.free_count(WALL) < 4:  # room for the longer flows
                break
            parcel_id, code = await deliver(ledger, store, clock, "deliver")
            waiting.append((parcel_id, code))
        if waiting:
            parcel_id, code = waiting.pop(0)
            await collect(ledger, store, clock, "deliver", parcel_id, code)
    await hass.async_add_executor_job(lambda: None)


class Clock:
    """The child's own time: one second per step."""

    def __init__(self) -> None:
        self.now = T0

    def tick(self, by: timedelta = timedelta(seconds=1)) -> datetime:
        self.now += by
        return self.now


async def saved(
    ledger: Ledger, store: LedgerStore, flow: str, step: str, parcel: str, **extra: str
) -> None:
    """Save, then say so."""
    await store.async_save(ledger)
    ack(ledger.revision, flow, step, parcel, **extra)


async def deliver(
    ledger: Ledger,
    store: LedgerStore,
    clock: Clock,
    flow: str,
    announced: str | None = None,
) -> tuple[str, str]:
    """Reserve, load, store: the parcel and its pickup code."""
    now = clock.tick()
    parcel = ledger.assign(
        "person.bob",
        Size.S,
        "DHL",
        None,
        False,
        WALL,
        now,
        actor="courier",
        announced=announced,
    )
    assert parcel.number is not None
    await saved(ledger, store, flow, "reserved", parcel.parcel_id)
    ledger.door_opened(WALL, parcel.number, now)
    await saved(ledger, store, flow, "loading", parcel.parcel_id)
    events = ledger.door_closed(WALL, parcel.number, now)
    delivered = next(e for e in events if e.type is EventType.DELIVERED)
    assert delivered.issued is not None
    code = delivered.issued.code
    await saved(ledger, store, flow, "stored", parcel.parcel_id, code=code)
    return parcel.parcel_id, code


async def collect(
    ledger: Ledger,
    store: LedgerStore,
    clock: Clock,
    flow: str,
    parcel_id: str,
    code: str,
    last: str = "collected",
) -> None:
    """Redeem a code, open, close: the parcel left."""
    now = clock.tick()
    result = ledger.redeem(code, WALL, now, actor="resident")
    await saved(ledger, store, flow, "authorised", parcel_id)
    ledger.door_opened(WALL, result.number, now)
    await saved(ledger, store, flow, "unloading", parcel_id)
    ledger.door_closed(WALL, result.number, now)
    await saved(ledger, store, flow, last, parcel_id)


async def announce_flow(
    ledger: Ledger, store: LedgerStore, clock: Clock, cycle: int
) -> None:
    """Announced, delivered by its number, collected by a neighbour."""
    now = clock.tick()
    events = ledger.announce(
        "person.bob", f"T{cycle}", now, until=now + timedelta(days=1), carrier="DHL"
    )
    parcel_id = str(events[0].data["parcel_id"])
    await saved(ledger, store, "announce", "announced", parcel_id)
    await deliver(ledger, store, clock, "announce", announced=parcel_id)
    shared = ledger.share(parcel_id, clock.tick())
    await saved(ledger, store, "announce", "shared", parcel_id, code=shared.code)
    await collect(ledger, store, clock, "announce", parcel_id, shared.code)


async def hold_flow(
    ledger: Ledger, store: LedgerStore, clock: Clock, cycle: int
) -> None:
    """Nothing fits: held at the desk, then handed over."""
    events = ledger.hold(
        Consignment("person.bob", Size.XL, "DHL", f"H{cycle}"), WALL, clock.tick()
    )
    parcel_id = str(events[0].data["parcel_id"])
    await saved(ledger, store, "hold", "held", parcel_id)
    ledger.mark_collected(parcel_id, clock.tick(), actor="staff")
    await saved(ledger, store, "hold", "collected", parcel_id)


async def deadline_flow(
    ledger: Ledger, store: LedgerStore, clock: Clock, cycle: int
) -> None:
    """Nobody collects it: sent back, returned with the carrier's code."""
    everyday = ledger.settings
    ledger.settings = replace(everyday, pickup_deadline=SHORT_DEADLINE)
    parcel_id, _ = await deliver(ledger, store, clock, "deadline")
    ledger.settings = everyday  # only this parcel's deadline is short
    events = ledger.tick(clock.tick(SHORT_DEADLINE))
    sent_back = next(e for e in events if e.type is EventType.RETURN_TO_SENDER)
    assert sent_back.issued is not None
    carrier = sent_back.issued.code
    await saved(ledger, store, "deadline", "sent_back", parcel_id, code=carrier)
    await collect(ledger, store, clock, "deadline", parcel_id, carrier, last="returned")


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
