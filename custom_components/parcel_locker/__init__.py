"""Run a wall of Modbus parcel lockers from Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .connection import create_connection
from .const import DOMAIN, SUBENTRY_WALL
from .coordinator import (
    ParcelLockerConfigEntry,
    ParcelLockerCoordinator,
    ParcelLockerRuntimeData,
)
from .register_map import MapError
from .wall_config import wall_config

PLATFORMS = [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (actions are registered here)."""
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Connect to the controller and start polling its walls."""
    try:
        walls = [
            wall_config(subentry_id, subentry.data)
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_WALL
        ]
    except MapError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_wall_map",
            translation_placeholders={"reason": str(err)},
        ) from err
    connection = create_connection(entry.data)
    coordinator = ParcelLockerCoordinator(hass, entry, connection, walls)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        await connection.close()
        raise
    entry.runtime_data = ParcelLockerRuntimeData(
        connection=connection, coordinator=coordinator
    )
    # Walls added, changed or removed as subentries take effect at once.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_reload(hass: HomeAssistant, entry: ParcelLockerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Stop polling and close the link."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.connection.close()
    return unloaded
