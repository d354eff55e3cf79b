"""An attacker's view: two controllers, two residents, real users and real Modbus.

Bob and Charlie are residents (non-admin users linked to persons, see the root
``conftest.py``); Charlie is the attacker. Wall A hangs off the first controller
(the root ``simulator`` fixture), wall B off a second one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
import random
from typing import Any

from homeassistant.const import CONF_NAME
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.parcel_locker.const import CONF_PREFIX, DOMAIN
from simulator.server import LockerSimulator, reference_wall
from tests.conftest import SIZES, poll, simulator_connection, wall_subentry

WALL_A = "wall_lobby"
WALL_B = "wall_garage"


@pytest.fixture
async def second_simulator(
    socket_enabled: None, pulse_seconds: float
) -> AsyncIterator[LockerSimulator]:
    """A second controller with one wall of its own."""
    sim = LockerSimulator({1: reference_wall(SIZES, pulse_seconds=pulse_seconds)})
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def second_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_simulator: LockerSimulator,
) -> MockConfigEntry:
    """The second controller, set up beside the first."""
    subentry = wall_subentry(**{CONF_NAME: "Garage", CONF_PREFIX: "B"})
    subentry["subentry_id"] = WALL_B
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Parcel Locker (garage)",
        data=simulator_connection(second_simulator),
        unique_id=f"tcp:127.0.0.1:{second_simulator.port}",
        subentries_data=[subentry],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def deliver_to(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    recipient: str,
    wall: str,
) -> dict[str, Any]:
    """A courier's delivery on ``wall``: the parcel, its compartment and code."""
    delivered = async_capture_events(hass, f"{DOMAIN}_delivered")
    response = await hass.services.async_call(
        DOMAIN,
        "assign_delivery",
        {"recipient": recipient, "wall": wall},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    number = int(str(response["compartment"]).split("-")[1])
    unit = simulator.wall(1)
    assert unit.open_door(number)
    assert await poll(entry)
    unit.put_parcel(number)
    unit.close_door(number)
    assert await poll(entry)
    (event,) = delivered
    issued = entry.runtime_data.pickup_code(event.data["parcel_id"])
    assert issued is not None
    return {**event.data, "number": number, "code": issued.code}


async def try_code(
    hass: HomeAssistant, user: MockUser | None, code: str, wall: str | None = None
) -> str:
    """``redeem_code`` as a user; ``opened`` or the refusal's translation key."""
    data = {"code": code} | ({"wall": wall} if wall else {})
    try:
        await hass.services.async_call(
            DOMAIN,
            "redeem_code",
            data,
            blocking=True,
            return_response=True,
            context=Context(user_id=user.id if user else None),
        )
    except HomeAssistantError as err:
        return str(err.translation_key)
    return "opened"


def guesses(seed: int, avoid: set[str], count: int) -> list[str]:
    """Random 8-digit codes that are none of ``avoid``."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        value = f"{rng.randrange(10**8):08d}"
        if value not in avoid:
            found.append(value)
    return found


def assert_one_line_at_most(caplog: pytest.LogCaptureFixture) -> None:
    """What a default configuration logs (INFO and up): a line, no traceback.

    The test loop runs in asyncio's debug mode, which warns of a step that took
    long on a busy machine ("Executing <Task ...> took 0.1 seconds"); Home
    Assistant does not run in that mode, so those warnings are not counted.
    """
    shown = [
        record
        for record in caplog.records
        if record.levelno >= logging.INFO and not _slow_step_warning(record)
    ]
    assert not [record for record in shown if record.exc_info], "a traceback"
    assert len([record for record in shown if record.levelno >= logging.WARNING]) <= 1


def _slow_step_warning(record: logging.LogRecord) -> bool:
    return record.name == "asyncio" and record.getMessage().startswith("Executing <")
