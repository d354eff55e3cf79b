"""Setting up, unloading, losing and regaining the controller."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.parcel_locker.const import CONF_MAP, DOMAIN
from simulator.server import LockerSimulator

from .conftest import (
    device_subentries,
    entity_id,
    find_device,
    poll,
    wall_subentry,
)


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads against the controller and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    connection = init_integration.runtime_data.connection
    assert connection.connected

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not connection.connected


async def test_setup_retries_while_controller_is_down(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A controller that does not answer at start-up means: try again later."""
    await simulator.stop()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_broken_wall_map_is_a_setup_error(
    hass: HomeAssistant, connection_data: dict[str, object]
) -> None:
    """A stored map that fails validation stops setup with a clear reason."""
    subentry = wall_subentry()
    broken = dict(subentry["data"])
    broken[CONF_MAP] = {"compartments": []}
    subentry["data"] = broken
    entry = MockConfigEntry(
        domain=DOMAIN, data=connection_data, subentries_data=[subentry]
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "no_compartments" in entry.reason


async def test_unavailable_then_recovers_without_reload(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entities go unavailable when the controller stops, and come back alone."""
    door = entity_id(entity_registry, "binary_sensor", "1_door")
    controller = entity_id(entity_registry, "binary_sensor", "connectivity")
    assert hass.states.get(door).state == STATE_OFF
    assert hass.states.get(controller).state == STATE_ON

    await simulator.stop()
    for _ in range(3):
        await poll(init_integration)
    assert hass.states.get(door).state == STATE_UNAVAILABLE
    assert hass.states.get(controller).state == STATE_OFF
    failures = [
        record for record in caplog.records if "Error fetching" in record.message
    ]
    assert len(failures) == 1, "an outage is logged once, not once per poll"

    await simulator.start()
    await poll(init_integration)
    assert hass.states.get(door).state == STATE_OFF
    assert hass.states.get(controller).state == STATE_ON
    assert init_integration.state is ConfigEntryState.LOADED
    assert any("recovered" in record.message for record in caplog.records)


async def test_devices_wall_and_compartments(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device per wall and one per compartment, linked to its wall."""
    wall = find_device(device_registry, init_integration, (DOMAIN, "wall_lobby"))
    assert wall is not None
    assert wall.name == "Lobby"
    compartments = [
        device
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        if device.via_device_id == wall.id
    ]
    assert len(compartments) == 24
    first = find_device(device_registry, init_integration, (DOMAIN, "wall_lobby_1"))
    assert first is not None
    assert first.name == "Compartment A-01"
    assert first.model == "S compartment"
    assert device_subentries(first)[init_integration.entry_id] == {"wall_lobby"}


async def test_idle_poll_writes_no_state(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Polls that find nothing new do not touch entity states at all."""
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    before = {
        entry.entity_id: hass.states.get(entry.entity_id).last_reported
        for entry in entries
        if hass.states.get(entry.entity_id) is not None
    }
    assert len(before) > 50
    await poll(init_integration)
    await poll(init_integration)
    after = {eid: hass.states.get(eid).last_reported for eid in before}
    assert after == before

    # A forced door rewrites that door's sensor, its lock and the wall's problem
    # sensor, nothing else.
    simulator.wall(1).open_door(5, force=True)
    await poll(init_integration)
    changed = {
        eid for eid in before if hass.states.get(eid).last_reported != before[eid]
    }
    assert changed == {
        entity_id(entity_registry, "binary_sensor", "5_door"),
        entity_id(entity_registry, "lock", "5_lock"),
        entity_id(entity_registry, "binary_sensor", "problem"),
    }


async def test_polls_on_the_update_interval(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Without any action, a door opened at the wall shows within a poll interval."""
    door = entity_id(entity_registry, "binary_sensor", "2_door")
    simulator.wall(1).open_door(2, force=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    # The poll is a background task of the entry, over real loopback I/O.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(door).state == STATE_ON


async def test_each_poll_starts_in_time_for_a_door_to_show_within_the_interval(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The poll timer runs on the loop's clock: one poll per interval, not fewer.

    Polls of the simulator take milliseconds: each starts just under one
    interval (2 s) after the last, so three intervals bring three polls.
    """
    before = simulator.requests
    per_poll = init_integration.runtime_data.links["wall_lobby"].requests_per_fast_poll
    for seconds in (2, 4, 6):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
        await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.requests - before == 3 * per_poll


@pytest.mark.parametrize("polling_disabled", [True])
async def test_polling_disabled_in_the_system_options_polls_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    assert await requests_in_a_minute(hass, simulator) == 0


async def test_an_unloaded_entry_polls_no_more(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert await requests_in_a_minute(hass, simulator) == 0


async def requests_in_a_minute(hass: HomeAssistant, simulator: LockerSimulator) -> int:
    """Requests the simulator answers while Home Assistant's time moves a minute."""
    before = simulator.requests
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    return simulator.requests - before


async def test_smaller_wall_removes_its_stale_compartments(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A wall changed from 24 to 20 compartments leaves no orphan devices."""
    subentry = init_integration.subentries["wall_lobby"]
    smaller = wall_subentry(compartments=20, sizes="S*12,M*8", cooled="")
    hass.config_entries.async_update_subentry(
        init_integration, subentry, data=smaller["data"]
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert find_device(device_registry, init_integration, (DOMAIN, "wall_lobby_20"))
    assert not find_device(device_registry, init_integration, (DOMAIN, "wall_lobby_21"))
    assert hass.states.get("lock.compartment_a_21") is None


async def test_time_frozen_before_set_up(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
) -> None:
    """Fixtures come in any order: a clock frozen before set-up still sets up.

    Home Assistant's time stands still; the event loop (and the Modbus
    client's own short waits on it) keeps running.
    """
    assert init_integration.state is ConfigEntryState.LOADED
    freezer.tick(timedelta(seconds=5))
    assert await poll(init_integration)
