"""A short load run: 200 people at once on 1,000 compartments for 5 seconds.

The same run as ``python -m bench.load`` (which goes on for 60 s and prints the
throughput and latency of each action); here only its invariants count: no
compartment handed out twice, no parcel lost, no unhandled exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.load import GUESSERS, build_simulator, entry_data, run_load, wall_subentry
from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

SIZES = "S*150,M*70,L*25,XL*5"


@pytest.fixture
async def walls(socket_enabled: None) -> AsyncIterator[LockerSimulator]:
    """Four walls of 250 compartments on unit ids 1-4."""
    simulator = build_simulator(4, SIZES)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_200_people_on_1000_compartments(
    hass: HomeAssistant, walls: LockerSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Load",
        data=entry_data(walls),
        subentries_data=[wall_subentry(unit, SIZES) for unit in range(1, 5)],
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    report = await run_load(
        hass, entry, walls, workers=200, seconds=5.0, seed=7, prefill=100
    )

    print(report.table())  # noqa: T201 - shown with -s, useful when it fails
    assert report.compartments == 1000
    assert report.violations == []
    assert report.unhandled == []
    assert all(report.checks.values()), report.checks
    assert report.ok
    stats = report.stats
    # Every kind of action ran (how many depends on the machine: see the bench).
    assert stats["assign"].count > 0
    assert stats["redeem_right"].count > 0
    assert stats["redeem_wrong"].count > 0
    assert report.assigned >= 100
    assert report.delivered == report.assigned
    assert report.collected > 0
    wrong: dict[str, Any] = dict(stats["redeem_wrong"].errors)
    assert set(wrong) <= {"invalid_code", "locked_out"}
    # Each guesser is told four times; the fifth locks that guesser out. The
    # residents' right codes are never refused for it.
    assert wrong.get("invalid_code", 0) <= 4 * GUESSERS
    assert sum(wrong.values()) == stats["redeem_wrong"].count
    assert "locked_out" not in stats["redeem_right"].errors
