"""Snapshots of every platform's entities and of the diagnostics.

A small wall (S, M, L cooled, XL, every optional point) against the simulator,
with a parcel waiting in one compartment and a forced door in another. What is
kept per entity is what the integration decides (its registry entry's ids,
names, classes and categories; its state and attributes), not the fields Home
Assistant adds in newer releases, so the snapshots hold on every version the
suite runs on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulator.server import LockerSimulator, reference_wall

from .conftest import BOB, poll, simulator_connection, wall_subentry

SIZES = "S,M,L,XL"
ENTRY_ID = "01JPARCELLOCKERSNAPSHOT0"
# Drawn at random, or the time of the run: not part of what is compared.
VARYING = props("parcel_id", "since", "expires", "deadline")
# Named again at each call: syrupy 6 forgets the fixture's extension when a call
# passes options, and would look for the snapshots elsewhere.
HA_SNAPSHOTS = HomeAssistantSnapshotExtension


@pytest.fixture
async def small_wall(
    socket_enabled: None, pulse_seconds: float
) -> AsyncIterator[LockerSimulator]:
    """Four compartments, the third one cooled, every optional point."""
    sim = LockerSimulator({1: reference_wall(SIZES, cooled=(3,), pulse_seconds=0.2)})
    await sim.start()
    yield sim
    await sim.stop()


async def set_up(
    hass: HomeAssistant,
    small_wall: LockerSimulator,
    platforms: list[Platform],
) -> MockConfigEntry:
    """The entry for the small wall with only ``platforms``; a parcel, a forced door."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Parcel Locker (snapshot)",
        data=simulator_connection(small_wall),
        unique_id="tcp:127.0.0.1:5020",
        minor_version=2,
        subentries_data=[wall_subentry(compartments=4, sizes=SIZES, cooled="3")],
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    with patch("custom_components.parcel_locker.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    wall = small_wall.wall(1)
    wall.set_temperature(3, 5.5)
    response = await hass.services.async_call(
        DOMAIN,
        "assign_delivery",
        {"recipient": BOB, "size": "M", "carrier": "DHL"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["compartment"] == "A-02"
    wall.open_door(2)
    await poll(entry)
    wall.put_parcel(2)
    wall.close_door(2)
    wall.open_door(4, force=True)
    await poll(entry, everything=True)
    await hass.async_block_till_done()
    return entry


def plain_keys(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Keys as plain strings: newer Home Assistant keys with StrEnum members."""
    if mapping is None:
        return None
    return {str(key): value for key, value in mapping.items()}


def registered(entry: er.RegistryEntry) -> dict[str, Any]:
    """What the integration decides about an entity's registry entry."""
    return {
        "entity_id": entry.entity_id,
        "unique_id": entry.unique_id,
        "translation_key": entry.translation_key,
        "original_name": entry.original_name,
        "original_device_class": entry.original_device_class,
        "entity_category": entry.entity_category,
        "disabled_by": entry.disabled_by,
        "capabilities": plain_keys(entry.capabilities),
        "unit_of_measurement": entry.unit_of_measurement,
        "supported_features": entry.supported_features,
        "has_device": entry.device_id is not None,
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.LOCK, Platform.NUMBER, Platform.SENSOR],
)
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    people: dict[str, MockUser],
    small_wall: LockerSimulator,
    platform: Platform,
) -> None:
    """Every entity of the platform: its registry entry and its state."""
    entry = await set_up(hass, small_wall, [platform])
    entries = sorted(
        er.async_entries_for_config_entry(entity_registry, entry.entry_id),
        key=lambda item: item.entity_id,
    )
    assert entries
    shown = {}
    for item in entries:
        state = hass.states.get(item.entity_id)
        assert state is not None, item.entity_id
        shown[item.entity_id] = {
            "entry": registered(item),
            "state": state.state,
            "attributes": plain_keys(state.attributes),
        }
    assert shown == snapshot(exclude=VARYING, extension_class=HA_SNAPSHOTS)


async def test_diagnostics(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    people: dict[str, MockUser],
    small_wall: LockerSimulator,
) -> None:
    """Counts, maps and the link, nothing personal."""
    entry = await set_up(hass, small_wall, [Platform.SENSOR])
    # Called directly: the download view's login predates the frozen clock.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics == snapshot(
        exclude=props("port", "last_poll_seconds", "created_at", "modified_at"),
        extension_class=HA_SNAPSHOTS,
    )
