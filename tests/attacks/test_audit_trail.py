"""Item 4: refused attempts can neither flush the audit trail nor fill the disk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import storage
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parcel_locker.domain.guard import THRESHOLD
from simulator.server import LockerSimulator
from tests.conftest import BOB, CHARLIE, poll
from tests.test_crash import real_files

from .conftest import WALL_A, deliver_to, guesses, try_code

MEGABYTE = 1_000_000


@pytest.fixture
def written(hass: HomeAssistant, tmp_path: Path) -> Iterator[list[int]]:
    """Real storage files; the size of every file Home Assistant writes."""
    sizes: list[int] = []
    atomic = storage.write_utf8_file_atomic
    plain = storage.write_utf8_file

    def count_atomic(path: str, data: Any, *args: Any, **kwargs: Any) -> None:
        sizes.append(len(data))
        atomic(path, data, *args, **kwargs)

    def count_plain(path: str, data: Any, *args: Any, **kwargs: Any) -> None:
        sizes.append(len(data))
        plain(path, data, *args, **kwargs)

    with (
        real_files(hass, tmp_path),
        patch.object(storage, "write_utf8_file_atomic", count_atomic),
        patch.object(storage, "write_utf8_file", count_plain),
    ):
        yield sizes


async def test_refusals_never_flush_the_trail_or_fill_the_disk(
    hass: HomeAssistant,
    written: list[int],
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """1,100 attempts by Charlie: the history stays whole, < 2 MB written."""
    for _ in range(6):
        await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    ledger = init_integration.runtime_data.ledger
    history = ledger.audit_trail()
    assert len(history) > 20
    written.clear()

    charlie = people[CHARLIE]
    walls = [None, "Lobby"]
    for index, code in enumerate(guesses(7, set(), 1100)):
        await try_code(hass, charlie, code, wall=walls[index % 2])
    await hass.async_block_till_done()

    # Every earlier entry is where it was; refusals are not history.
    assert ledger.audit_trail() == history
    assert sum(written) < 2 * MEGABYTE
    # The lock-out's refusals are summarised in one line once it is over.
    guard = init_integration.runtime_data.guard.guard
    log = [(entry.action, entry.result) for entry in guard.log()]
    assert log.count(("code_rejected", "invalid")) == THRESHOLD
    assert ("refused_while_locked_out", "1095") not in log
    freezer.tick(timedelta(seconds=31))
    assert await poll(init_integration)
    log = [(entry.action, entry.result) for entry in guard.log()]
    assert log[-1] == ("refused_while_locked_out", "1095")
    assert sum(written) < 2 * MEGABYTE
