"""Run a wall of Modbus parcel lockers from Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .connection import create_connection
from .const import DOMAIN, SUBENTRY_WALL
from .coordinator import (
    ParcelLockerConfigEntry,
    ParcelLockerCoordinator,
    ParcelLockerRuntimeData,
)
from .domain.ledger import LedgerError
from .domain.wiring import MapError
from .entity import wall_device_info
from .guard_keeper import DATA_GUARD, GuardKeeper
from .locker import Locker
from .pickup_qr import PickupQrView
from .residents import residents_device_info
from .services import async_setup_services
from .settings import ledger_settings
from .store import (
    LedgerStore,
    UnreadableStoreError,
    async_clear_unreadable,
    async_report_unreadable,
    async_secret_key,
)
from .wall_config import wall_config

PLATFORMS = [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, the code guard and the QR image view."""
    hass.data[DATA_GUARD] = await GuardKeeper.async_create(hass)
    async_setup_services(hass)
    hass.http.register_view(PickupQrView())
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Load the ledger, connect to the controller and start polling its walls."""
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
    store = LedgerStore(hass, entry.entry_id)
    try:
        ledger = await store.async_load(
            await async_secret_key(hass), ledger_settings(entry.options)
        )
    except HomeAssistantError as err:
        raise _not_saved(err) from err
    except UnreadableStoreError as err:
        # Never start from an empty ledger over parcels that are in the wall:
        # keep a copy, raise a repair issue and stop until a person restores it.
        await async_report_unreadable(hass, entry.entry_id, entry.title, err)
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="ledger_unreadable",
            translation_placeholders={"reason": err.detail},
        ) from err
    except LedgerError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_options",
            translation_placeholders={"reason": str(err)},
        ) from err
    connection = create_connection(entry.data)
    coordinator = ParcelLockerCoordinator(hass, entry, connection, walls)
    guard = hass.data[DATA_GUARD]
    locker = Locker(hass, coordinator, ledger, store, guard)
    async_clear_unreadable(hass, entry.entry_id)
    locker.sync_walls()
    try:
        await store.async_save(ledger)
    except HomeAssistantError as err:
        raise _not_saved(err) from err
    coordinator.process_readings = locker.async_process_readings
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        await connection.close()
        raise
    entry.runtime_data = ParcelLockerRuntimeData(
        connection=connection, coordinator=coordinator, locker=locker
    )
    # Walls and options changed in the UI take effect at once.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    # A keypad lock-out starting or ending shows on the walls' problem sensors.
    entry.async_on_unload(guard.async_add_listener(coordinator.async_update_listeners))
    # Wall devices first: compartments hang off them (via_device).
    registry = dr.async_get(hass)
    for wall in coordinator.walls.values():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            config_subentry_id=wall.wall_id,
            **wall_device_info(wall),
        )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_remove_stale_devices(hass, entry, coordinator)
    return True


def _async_remove_stale_devices(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    coordinator: ParcelLockerCoordinator,
) -> None:
    """Drop devices of compartments a wall no longer has (it was made smaller)."""
    expected = {(DOMAIN, wall_id) for wall_id in coordinator.walls} | {
        (DOMAIN, f"{wall_id}_{compartment.number}")
        for wall_id, wall in coordinator.walls.items()
        for compartment in wall.map.compartments
    }
    expected |= residents_device_info(entry)["identifiers"]
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & expected:
            registry.async_update_device(
                device.id, remove_config_entry_id=entry.entry_id
            )


def _not_saved(err: HomeAssistantError) -> ConfigEntryNotReady:
    """The disk refuses writes: running would open doors on unsaved steps."""
    return ConfigEntryNotReady(
        translation_domain=DOMAIN,
        translation_key="ledger_save_failed",
        translation_placeholders=err.translation_placeholders,
    )


async def _async_reload(hass: HomeAssistant, entry: ParcelLockerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Stop polling and close the link; the ledger is already saved."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.connection.close()
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> None:
    """Forget the ledger of a removed entry."""
    await LedgerStore(hass, entry.entry_id).async_remove()
    async_clear_unreadable(hass, entry.entry_id)
