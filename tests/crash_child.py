"""A ledger process for the crash test to kill: ``python -m tests.crash_child DIR``.

It runs delivery life cycles against the integration's real ``LedgerStore`` (Home
Assistant's ``Store`` writing real files in ``DIR/.storage``), as fast as it can,
and after each save returns it prints one JSON line saying what is now stored:

* ``{"rev": n, "step": "reserved", "parcel": id}``
* ``{"rev": n, "step": "loading", "parcel": id}``
* ``{"rev": n, "step": "stored", "parcel": id, "code": "..."}``
* ``{"rev": n, "step": "authorised", "parcel": id}``
* ``{"rev": n, "step": "unloading", "parcel": id}``
* ``{"rev": n, "step": "collected", "parcel": id}``

The test kills it with SIGKILL at a moment of its choosing, possibly in the middle
of a write, then checks that every acknowledged step is in the file. Printing a
code is the child's business only; the integration never logs one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
import sys

from homeassistant.core import HomeAssistant

from custom_components.parcel_locker.domain.ledger import (
    CompartmentSpec,
    EventType,
    LedgerSettings,
)
from custom_components.parcel_locker.domain.sizes import Size
from custom_components.parcel_locker.store import LedgerStore, async_secret_key

ENTRY_ID = "crash"
WALL = "wall"
COMPARTMENTS = 24
CYCLES = 400
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ack(revision: int, step: str, parcel: str, **extra: str) -> None:
    """Say that a step is stored: only printed after the save returned."""
    line = {"rev": revision, "step": step, "parcel": parcel, **extra}
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
    now = T0
    waiting: list[tuple[str, str]] = []

    async def step(name: str, parcel: str, **extra: str) -> None:
        await store.async_save(ledger)
        ack(ledger.revision, name, parcel, **extra)

    for _ in range(CYCLES):
        for _ in range(2):
            if ledger.free_count(WALL) == 0:
                break
            now += timedelta(seconds=1)
            parcel = ledger.assign(
                "person.bob", Size.S, "DHL", None, False, WALL, now, actor="courier"
            )
            await step("reserved", parcel.parcel_id)
            ledger.door_opened(WALL, parcel.number, now)
            await step("loading", parcel.parcel_id)
            events = ledger.door_closed(WALL, parcel.number, now)
            delivered = next(e for e in events if e.type is EventType.DELIVERED)
            assert delivered.issued is not None
            code = delivered.issued.code
            await step("stored", parcel.parcel_id, code=code)
            waiting.append((parcel.parcel_id, code))
        parcel_id, code = waiting.pop(0)
        now += timedelta(seconds=1)
        result = ledger.redeem(code, WALL, now, actor="resident")
        await step("authorised", parcel_id)
        ledger.door_opened(WALL, result.number, now)
        await step("unloading", parcel_id)
        ledger.door_closed(WALL, result.number, now)
        await step("collected", parcel_id)
    await hass.async_add_executor_job(lambda: None)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
