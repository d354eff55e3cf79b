"""The integration under injected controller faults.

Each test switches one fault of the simulator on (``simulator.faults``): a cut
TCP connection, a controller that stops answering for a while, one that answers
slowly, Modbus exceptions for chosen addresses, a bouncing door contact, and a
power cycle that clears every coil and the keypad registers. Each shows that the
ledger stays right, the entities go unavailable while the controller cannot be
read and come back by themselves (no restart of Home Assistant), and a lock that
could not be released fails at once with a clear error and is not released later
by the integration.

Requests time out after 0.3 s here (3 s in production), so faults are short.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.domain.ledger import Ledger
from simulator import ManualClock
from simulator.server import LockerSimulator

from .conftest import (
    Events,
    assign,
    capture_events,
    code_of,
    deliver_parcel as deliver,
    drop_and_notice,
    entity_id,
    message,
    pass_time,
    poll,
    redeem,
    until,
)

TIMEOUT = 0.3
WALL = "wall_lobby"
ACCEPTED, REJECTED = 1, 2


# The controller's connectivity sensor is a diagnostic, off by default.
pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


@pytest.fixture(autouse=True)
def short_timeout() -> Iterator[None]:
    """Give up on a request after 0.3 s, so a fault costs a fraction of a second."""
    with patch("custom_components.parcel_locker.connection.REQUEST_TIMEOUT", TIMEOUT):
        yield


@pytest.fixture
def polling_disabled() -> bool:
    """Only the test polls: no background poll races a step."""
    return True


def counts(events: Events) -> dict[str, int]:
    return {kind: len(found) for kind, found in events.items() if found}


def number_of(parcel: dict[str, Any]) -> int:
    return int(parcel["compartment"].removeprefix("A-"))


def ledger_of(entry: MockConfigEntry) -> Ledger:
    return entry.runtime_data.ledger  # type: ignore[no-any-return]


def assert_consistent(entry: MockConfigEntry) -> None:
    """The ledger passes its own load-time checks (no parcel in two places...)."""
    ledger = ledger_of(entry)
    stored = json.loads(json.dumps(ledger.to_dict()))
    assert Ledger.from_dict(stored, ledger._book._key).to_dict() == stored


async def pick_up(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: LockerSimulator, code: str
) -> None:
    opened = await redeem(hass, code)
    number = int(opened["compartment"].removeprefix("A-"))
    wall = simulator.wall(1)
    assert wall.open_door(number)
    assert await poll(entry)
    wall.take_parcel(number)
    wall.close_door(number)
    assert await poll(entry)


def state(
    hass: HomeAssistant, registry: er.EntityRegistry, platform: str, key: str
) -> str:
    found = hass.states.get(entity_id(registry, platform, key))
    assert found is not None
    return found.state


# -- drop the TCP connection ---------------------------------------------------


async def test_dropped_connection_is_reopened_by_the_next_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A link cut between two polls is re-opened: nothing goes unavailable.

    A request sent before the reset reaches the hub gets no answer: that one
    poll fails after the timeout and the next one is fine. A release right after
    a cut goes out once, on the fresh connection.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    parcel = await assign(hass)
    number = number_of(parcel)
    assert wall.open_door(number)
    await drop_and_notice(entry, simulator)
    assert await poll(entry)
    wall.put_parcel(number)
    wall.close_door(number)
    await drop_and_notice(entry, simulator)
    assert await poll(entry)
    assert counts(events) == {"delivered": 1}
    code = code_of(hass, events["delivered"][0])
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON

    await drop_and_notice(entry, simulator)
    await redeem(hass, code)
    assert wall.release_count(number) == 2

    # Cut and asked at once: this poll is lost, the next one is not.
    simulator.drop_connections()
    assert not await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_OFF
    assert await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON
    assert simulator.faults.dropped == 4
    assert wall.release_count(number) == 2
    assert_consistent(entry)


async def test_connection_dropped_during_a_poll_recovers_and_finishes_delivery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A poll cut off mid-way fails; the delivery completes once, on the next poll."""
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    parcel = await assign(hass)
    number = number_of(parcel)
    assert wall.open_door(number)
    assert await poll(entry)
    wall.put_parcel(number)
    wall.close_door(number)

    simulator.set_latency(0.05)  # so the cut lands while a request is in flight
    polling = asyncio.create_task(poll(entry))
    clock = simulator.clock
    assert isinstance(clock, ManualClock)
    await until(lambda: clock.pending > 0)  # a request waits on the controller
    simulator.drop_connections()
    assert not await polling
    simulator.set_latency(0)
    door = f"{number}_door"
    assert state(hass, entity_registry, "binary_sensor", door) == STATE_UNAVAILABLE
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_OFF
    assert counts(events) == {}

    assert await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", door) == STATE_OFF
    assert state(hass, entity_registry, "sensor", f"{number}_status") == "occupied"
    assert await poll(entry)
    assert counts(events) == {"delivered": 1}
    assert events["delivered"][0].data["parcel_id"] == parcel["parcel_id"]
    assert entry.state is ConfigEntryState.LOADED
    assert_consistent(entry)


# -- stop answering for N seconds ------------------------------------------------


async def test_silent_controller_refuses_releases_and_never_replays_them(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A hung controller: unavailable, clear errors, nothing opened afterwards.

    A courier's assignment and a resident's code both fail at once with a
    translated error. The reservation is given back, the code stays valid (a
    lock that did not open does not burn it), and when the controller answers
    again no lock is released until someone asks again.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    first, code = await deliver(hass, entry, simulator, events)
    free_before = ledger_of(entry).free_count(WALL)

    simulator.silence(1.0)
    assert not await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_OFF
    assert state(hass, entity_registry, "lock", "1_lock") == STATE_UNAVAILABLE
    with pytest.raises(
        HomeAssistantError,
        match=message("release_failed", compartment="A-02", error=None),
    ) as err:
        await assign(hass)
    assert err.value.translation_key == "release_failed"
    with pytest.raises(HomeAssistantError) as err:
        await redeem(hass, code)
    assert err.value.translation_key == "release_failed"
    assert ledger_of(entry).free_count(WALL) == free_before
    assert ledger_of(entry).holds_code(code)

    await pass_time(simulator, 1.0)
    assert simulator.faults.swallowed >= 3
    for _ in range(3):
        await poll(entry)
    assert await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON
    assert state(hass, entity_registry, "sensor", "1_status") == "occupied"
    # The two refused releases were not carried out late, by anyone.
    assert wall.release_count(1) == 1
    assert wall.release_count(2) == 0
    assert counts(events) == {"delivered": 1}

    await pick_up(hass, entry, simulator, code)
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    assert events["picked_up"][0].data["parcel_id"] == first["parcel_id"]
    assert_consistent(entry)


# -- answer slowly ---------------------------------------------------------------


async def test_slow_controller_within_the_timeout_just_works(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Every answer 0.05 s late: a whole delivery and pickup.

    The controller's clock runs on its own here, as fast as it is asked for:
    every request still waits its 0.05 s, in its turn.
    """
    entry = init_integration
    events = capture_events(hass)
    simulator.set_latency(0.05)
    clock = simulator.clock
    assert isinstance(clock, ManualClock)
    async with clock.running():
        _, code = await deliver(hass, entry, simulator, events)
        await pick_up(hass, entry, simulator, code)
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON
    # Each of the twenty or so requests waited its 0.05 s.
    assert clock.time() >= 20 * 0.05


async def test_controller_slower_than_the_timeout(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Answers later than the timeout: unavailable, refused clearly, then recovers.

    A controller that carries a write out after the hub gave up cannot be told
    apart from one that never did; the integration reports the failure and
    gives the reservation back. If the lock did open after all, the opening
    is not mistaken for a delivery: it is a forced door (an alarm and a
    problem), so staff look, and nothing is recorded that did not happen.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    simulator.set_latency(TIMEOUT + 0.1)
    assert not await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "1_door") == STATE_UNAVAILABLE
    with pytest.raises(HomeAssistantError) as err:
        await assign(hass)
    assert err.value.translation_key == "release_failed"
    assert ledger_of(entry).list_parcels() == []

    # The late write still lands on the controller; the link recovers by itself.
    await pass_time(simulator, TIMEOUT + 0.1)
    simulator.set_latency(0)
    for _ in range(5):
        if await poll(entry):
            break
    assert await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON
    assert wall.release_count(1) == 1
    assert ledger_of(entry).free_count(WALL) == 24
    assert wall.open_door(1)
    assert await poll(entry)
    assert counts(events) == {"forced_open": 1}
    wall.close_door(1)
    assert await poll(entry)
    assert ledger_of(entry).list_parcels() == []
    assert_consistent(entry)


# -- Modbus exceptions for chosen addresses ---------------------------------------


async def test_relay_that_answers_with_an_exception(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A broken relay: a clear error naming the compartment; the rest of the wall works.

    Staff put that compartment out of service and deliveries go to the next one.
    """
    entry = init_integration
    wall = simulator.wall(1)
    # Compartment A-01's relay reads fine but refuses to switch.
    simulator.fail(1, "coil", 0, writes_only=True)
    with pytest.raises(
        HomeAssistantError,
        match=message("release_failed", compartment="A-01", error=None),
    ) as err:
        await assign(hass)
    assert err.value.translation_key == "release_failed"
    assert ledger_of(entry).list_parcels() == []
    assert wall.coil_writes == []
    assert await poll(entry)  # polls do not touch that coil: all available
    assert state(hass, entity_registry, "lock", "2_lock") != STATE_UNAVAILABLE

    await hass.services.async_call(
        DOMAIN,
        "set_out_of_service",
        {"compartment": "A-01"},
        blocking=True,
    )
    parcel = await assign(hass)
    assert parcel["compartment"] == "A-02"
    assert wall.release_count(2) == 1
    assert_consistent(entry)


async def test_input_board_exception_makes_the_wall_unavailable_until_healed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A failing parcel sensor input: the wall is read in blocks, so it goes out.

    The ledger does not move on a poll that failed; when the input answers
    again, the wall is back and a door that opened meanwhile is seen.
    """
    entry = init_integration
    events = capture_events(hass)
    _, code = await deliver(hass, entry, simulator, events)
    before = ledger_of(entry).to_dict()
    simulator.fail(1, "discrete_input", 512 + 4, code=0x04)
    assert not await poll(entry)
    assert state(hass, entity_registry, "binary_sensor", "1_door") == STATE_UNAVAILABLE
    assert ledger_of(entry).to_dict() == before

    simulator.heal()
    assert await poll(entry)
    assert state(hass, entity_registry, "sensor", "1_status") == "occupied"
    await pick_up(hass, entry, simulator, code)
    assert counts(events) == {"delivered": 1, "picked_up": 1}


async def test_keypad_feedback_register_failing_does_not_block_a_pickup(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The keypad light cannot be set: the code still opens the compartment."""
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    _, code = await deliver(hass, entry, simulator, events)
    simulator.fail(1, "holding_register", 1100, writes_only=True)
    wall.enter_code(code)
    assert await poll(entry)
    assert wall.release_count(1) == 2
    assert wall.keypad_feedback == 0  # could not be written
    assert wall.open_door(1)
    assert await poll(entry)
    wall.take_parcel(1)
    wall.close_door(1)
    assert await poll(entry)
    assert counts(events) == {"delivered": 1, "picked_up": 1}


async def test_keypad_code_for_a_relay_that_refuses(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The right code at the keypad, but the relay answers with an exception.

    The keypad shows "rejected", the code is not spent (the door never opened),
    and once the relay works the same code opens the compartment.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    _, code = await deliver(hass, entry, simulator, events)
    simulator.fail(1, "coil", 0, code=0x06, writes_only=True)  # busy relay
    wall.enter_code(code)
    assert await poll(entry)
    assert wall.keypad_feedback == REJECTED
    assert wall.release_count(1) == 1
    assert ledger_of(entry).holds_code(code)

    simulator.heal()
    wall.enter_code(code)
    assert await poll(entry)
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(1) == 2


# -- a bouncing door contact -----------------------------------------------------


async def test_random_door_bounce_completes_nothing_twice(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A chattering contact on every door, read 60 times: no second delivery or
    pickup, no stored parcel lost, every code still good, no error.

    Four parcels are stored and two were collected; then every door read has a
    30 % chance to be wrong, within the re-open grace and long after it. The
    door counters did not move, so not one read is taken for a forced door.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    delivered = [await deliver(hass, entry, simulator, events) for _ in range(6)]
    for _, code in delivered[4:]:
        await pick_up(hass, entry, simulator, code)
    assert counts(events) == {"delivered": 6, "picked_up": 2}
    stored = {parcel["parcel_id"]: code for parcel, code in delivered[:4]}

    wall.set_door_bounce(0.3, seed=1234)
    for index in range(60):
        freezer.tick(timedelta(seconds=1 if index < 20 else 30))
        await poll(entry)
    wall.set_door_bounce(0.0)
    assert wall.door_bounces > 100
    assert await poll(entry)
    assert await poll(entry)

    per_parcel: dict[str, int] = {}
    for event in events["delivered"] + events["picked_up"]:
        key = f"{event.event_type}:{event.data['parcel_id']}"
        per_parcel[key] = per_parcel.get(key, 0) + 1
    assert set(per_parcel.values()) == {1}
    assert counts(events)["delivered"] == 6
    assert counts(events)["picked_up"] == 2
    assert "forced_open" not in counts(events)  # chatter, not openings
    ledger = ledger_of(entry)
    assert {p["parcel_id"] for p in ledger.list_parcels()} == set(stored)
    for parcel_id, code in stored.items():
        assert ledger.parcel(parcel_id).state == "stored"
        assert ledger.holds_code(code)
    assert_consistent(entry)
    assert state(hass, entity_registry, "binary_sensor", "connectivity") == STATE_ON


# -- a power cycle: coils and keypad registers cleared -----------------------------


async def test_power_cycle_during_a_delivery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The controller reboots with the lock just released: the delivery finishes.

    The coil comes back at 0 (the pulse is over) but the latch stays open, so the
    courier loads the compartment; entities are unavailable while it is down and
    come back alone, and the ledger records one delivery.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    parcel = await assign(hass)
    number = number_of(parcel)
    assert wall.compartment(number).coil
    await simulator.stop()
    assert not await poll(entry)
    assert (
        state(hass, entity_registry, "sensor", f"{number}_status") == STATE_UNAVAILABLE
    )
    await simulator.restart()  # back up, with every coil cleared
    assert not wall.compartment(number).coil
    assert wall.open_door(number)
    assert await poll(entry)
    wall.put_parcel(number)
    wall.close_door(number)
    assert await poll(entry)
    assert counts(events) == {"delivered": 1}
    assert state(hass, entity_registry, "sensor", f"{number}_status") == "occupied"
    assert wall.release_count(number) == 1  # nothing re-sent after the reboot


async def test_power_cycle_clearing_the_keypad_is_not_a_wrong_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """Keypad registers back at 0 after a reboot: no code was typed, none is judged.

    A reboot must not count as a wrong guess (five of them would lock residents
    out); the next code typed after the reboot is handled as usual.
    """
    entry = init_integration
    events = capture_events(hass)
    wall = simulator.wall(1)
    _, code = await deliver(hass, entry, simulator, events)
    wall.enter_code("99999999")
    assert await poll(entry)
    assert counts(events) == {"delivered": 1, "code_rejected": 1}
    assert wall.keypad_feedback == REJECTED

    for _ in range(6):
        await simulator.restart()
        assert await poll(entry)
        assert wall.keypad_sequence == 0
    assert counts(events) == {"delivered": 1, "code_rejected": 1}
    guard = entry.runtime_data.guard
    assert guard.keypad_locked_until(WALL, dt_util.utcnow()) is None

    wall.enter_code(code)
    assert await poll(entry)
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(1) == 2
