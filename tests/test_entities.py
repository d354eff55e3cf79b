"""Entities follow the simulated wall; the lock releases the real coil."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator, reference_wall

from .conftest import SIZES, entity_id, message, pass_time, poll, wall_subentry


async def test_door_and_lock_follow_the_wall(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Opening a compartment shows in its lock and door entities."""
    door = entity_id(entity_registry, "binary_sensor", "3_door")
    lock = entity_id(entity_registry, "lock", "3_lock")
    assert hass.states.get(door).state == STATE_OFF
    assert hass.states.get(lock).state == LockState.LOCKED
    assert hass.states.get(door).attributes["device_class"] == "door"

    await hass.services.async_call(
        "lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True
    )
    assert simulator.wall(1).release_count(3) == 1
    assert hass.states.get(lock).state == LockState.UNLOCKED

    assert simulator.wall(1).open_door(3)
    await poll(init_integration)
    assert hass.states.get(door).state == STATE_ON
    assert hass.states.get(lock).state == LockState.OPEN

    simulator.wall(1).close_door(3)
    await pass_time(simulator, 0.3)  # the controller's pulse (0.2 s) is over
    await poll(init_integration)
    assert hass.states.get(door).state == STATE_OFF
    assert hass.states.get(lock).state == LockState.LOCKED


async def test_controller_drops_the_coil_after_its_pulse(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Unlock writes 1 once; the controller, not the hub, writes it back to 0."""
    lock = entity_id(entity_registry, "lock", "7_lock")
    await hass.services.async_call(
        "lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True
    )
    wall = simulator.wall(1)
    assert wall.coil_writes == [(7, True)]
    assert wall.compartment(7).coil
    await pass_time(simulator, 0.19)
    assert wall.compartment(7).coil
    await pass_time(simulator, 0.01)
    assert not wall.compartment(7).coil
    assert wall.coil_writes == [(7, True)]


async def test_hub_timed_pulse_writes_zero_after_the_pulse(
    hass: HomeAssistant,
    socket_enabled: None,
    entity_registry: er.EntityRegistry,
) -> None:
    """A relay board keeps its output on: the hub switches it off itself."""
    async with LockerSimulator(
        {1: reference_wall(SIZES, controller_timed_pulse=False)}
    ) as sim:
        entry = MockConfigEntry(
            domain=DOMAIN,
            data={
                "connection": "tcp",
                "host": "127.0.0.1",
                "port": sim.port,
                "framer": "socket",
            },
            subentries_data=[wall_subentry(hub_timed_pulse=True, pulse_seconds=0.1)],
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        lock = entity_id(entity_registry, "lock", "2_lock")
        await hass.services.async_call(
            "lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True
        )
        assert sim.wall(1).coil_writes == [(2, True), (2, False)]
        assert not sim.wall(1).compartment(2).coil
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_lock_command_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The solenoid relocks by itself; asking it to lock explains that."""
    lock = entity_id(entity_registry, "lock", "1_lock")
    with pytest.raises(
        ServiceValidationError, match=message("relocks_itself", compartment="A-01")
    ) as err:
        await hass.services.async_call(
            "lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True
        )
    assert err.value.translation_key == "relocks_itself"
    assert simulator.wall(1).coil_writes == []


async def test_release_while_controller_down_fails_clearly(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A release that cannot reach the controller says so and is not retried."""
    lock = entity_id(entity_registry, "lock", "4_lock")
    await simulator.stop()
    with pytest.raises(
        HomeAssistantError,
        match=message("release_failed", compartment="A-04", error=None),
    ) as err:
        await hass.services.async_call(
            "lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True
        )
    assert err.value.translation_key == "release_failed"
    await simulator.start()
    await poll(init_integration)
    assert simulator.wall(1).coil_writes == []


@pytest.mark.parametrize(
    ("celsius", "expected"),
    [(4.0, "4.0"), (-5.5, "-5.5"), (None, STATE_UNKNOWN)],
)
async def test_temperature_follows_the_probe(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    celsius: float | None,
    expected: str,
) -> None:
    """Temperatures in 0.1 °C, negative ones too; no probe reads as unknown."""
    sensor = entity_id(entity_registry, "sensor", "21_temperature")
    simulator.wall(1).set_temperature(21, celsius)
    await poll(init_integration, everything=True)
    state = hass.states.get(sensor)
    assert state.state == expected
    assert state.attributes["unit_of_measurement"] == "°C"


async def test_parcel_sensor_and_unknown_parcel_repair(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A parcel the ledger does not know is reported, never silently booked."""
    parcel = entity_id(entity_registry, "binary_sensor", "9_occupancy")
    status = entity_id(entity_registry, "sensor", "9_status")
    assert hass.states.get(parcel).state == STATE_OFF
    assert hass.states.get(status).state == "free"
    assert hass.states.get(status).attributes["options"] == [
        "free",
        "reserved",
        "occupied",
        "out_of_service",
    ]
    simulator.wall(1).put_parcel(9)
    await poll(init_integration)
    assert hass.states.get(parcel).state == STATE_ON
    assert hass.states.get(status).state == "free"
    issue = issue_registry.async_get_issue(DOMAIN, "presence_wall_lobby_9")
    assert issue is not None
    assert issue.translation_key == "unexpected_parcel"
    assert issue.translation_placeholders == {"compartment": "A-09", "wall": "Lobby"}

    simulator.wall(1).take_parcel(9)
    await poll(init_integration)
    assert issue_registry.async_get_issue(DOMAIN, "presence_wall_lobby_9") is None


async def test_optional_points_off_means_no_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    simulator: LockerSimulator,
    connection_data: dict[str, Any],
    entity_registry: er.EntityRegistry,
) -> None:
    """Without probes or parcel sensors there are no such entities."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=connection_data,
        subentries_data=[wall_subentry(optional_points=[])],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    kinds = {
        entry.unique_id.removeprefix("wall_lobby_").lstrip("0123456789_")
        for entry in entries
    }
    assert kinds == {
        "lock",
        "door",
        "status",
        "connectivity",
        "problem",
        "free",
        "waiting",
        "free_s",
        "free_m",
        "free_l",
        "occupancy",
        "deliveries",
        "dwell_time",
    }
    assert len(entries) == 24 * 3 + 10


async def test_diagnostic_entities_for_installers(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The latch is there for installers (off by default)."""
    latch = entity_id(entity_registry, "binary_sensor", "6_latch")
    assert entity_registry.async_get(latch).entity_category == "diagnostic"
    assert hass.states.get(latch).state == STATE_OFF  # latched
    await hass.services.async_call(
        "lock",
        "open",
        {ATTR_ENTITY_ID: entity_id(entity_registry, "lock", "6_lock")},
        blocking=True,
    )
    await poll(init_integration)
    assert hass.states.get(latch).state == STATE_ON  # released


async def test_diagnostic_entities_are_disabled_by_default(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Installer-only entities do not clutter a resident's dashboard."""
    for platform, suffix in (
        ("binary_sensor", "6_latch"),
        ("binary_sensor", "connectivity"),
    ):
        entry = entity_registry.async_get(entity_id(entity_registry, platform, suffix))
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_an_idle_poll_writes_no_state(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Nothing changed at the wall: no entity is written; one door: only its own."""
    wall = simulator.wall(1)
    wall.set_temperature(21, 4.5)
    assert await poll(init_integration, everything=True)
    await hass.async_block_till_done()
    written = async_capture_events(hass, EVENT_STATE_CHANGED)
    for _ in range(3):
        assert await poll(init_integration)
    await hass.async_block_till_done()
    assert written == []

    assert wall.open_door(5, force=True)
    assert await poll(init_integration)
    await hass.async_block_till_done()
    changed = {event.data["entity_id"] for event in written}
    assert changed == {
        entity_id(entity_registry, "binary_sensor", "5_door"),
        entity_id(entity_registry, "lock", "5_lock"),
        entity_id(entity_registry, "binary_sensor", "problem"),
    }
