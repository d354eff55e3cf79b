"""Run a wall of Modbus parcel lockers from Home Assistant."""

from __future__ import annotations

from homeassistant.components import webhook
from homeassistant.const import ATTR_RESTORED, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.typing import ConfigType

from .announce_webhook import AnnouncementWebhook, webhook_id_for
from .compat import detach_device
from .connection import (
    CONF_HOST,
    controller_identity,
    create_connection,
    normalise_host,
)
from .const import CONF_ANNOUNCE_WEBHOOK, DOMAIN, LOGGER, SUBENTRY_WALL
from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import LedgerError
from .domain.wiring import MapError
from .entity import wall_device_info
from .guard_keeper import DATA_GUARD, GuardKeeper
from .logbook import async_load_sentences
from .options import ledger_settings
from .panel import async_register_panel_once
from .pickup_qr import PickupQrView
from .repairs import (
    async_check_duplicate,
    async_clear_unreadable,
    async_forget_duplicates,
    async_report_unreadable,
)
from .sensor import resident_unique_id
from .services import async_setup_services
from .store import LedgerStore, UnreadableStoreError, async_secret_key
from .wall_config import wall_config
from .websocket import async_setup_websocket

PLATFORMS = [Platform.BINARY_SENSOR, Platform.LOCK, Platform.NUMBER, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, the hub's code guard, the code picture and the panel."""
    hass.data[DATA_GUARD] = await GuardKeeper.async_create(hass)
    async_setup_services(hass)
    hass.http.register_view(PickupQrView())
    async_setup_websocket(hass)
    await async_load_sentences(hass)
    await async_register_panel_once(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Load the ledger, connect to the controller and start polling its walls."""
    if (kept := async_check_duplicate(hass, entry)) is not None:
        # Two ledgers over one wall could each hand a compartment to a parcel.
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="duplicate_controller",
            translation_placeholders={"title": entry.title, "kept": kept.title},
        )
    try:
        walls = [
            wall_config(subentry_id, subentry.data)
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_WALL
        ]
        settings = ledger_settings(entry.options)
    except MapError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_wall_map",
            translation_placeholders={"reason": err.reason},
        ) from err
    except LedgerError as err:  # options the ledger cannot work with
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders=err.placeholders,
        ) from err
    store = LedgerStore(hass, entry.entry_id)
    try:
        secret_key = await async_secret_key(hass)
        ledger = await store.async_load(secret_key, settings)
    except UnreadableStoreError as err:
        # Never start from an empty ledger over parcels that are in the wall:
        # keep a copy, raise a repair issue and stop until a person restores it.
        await async_report_unreadable(hass, entry.entry_id, entry.title, err)
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="ledger_unreadable",
        ) from err
    except HomeAssistantError as err:  # the new key could not be saved
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="ledger_save_failed",
            translation_placeholders=err.translation_placeholders,
        ) from err
    async_clear_unreadable(hass, entry.entry_id)
    connection = create_connection(entry.data)
    guard = hass.data[DATA_GUARD]
    coordinator = ParcelLockerCoordinator(
        hass,
        entry,
        connection=connection,
        walls=walls,
        ledger=ledger,
        store=store,
        guard=guard,
    )
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        await connection.close()
        raise
    entry.runtime_data = coordinator
    entry.async_on_unload(coordinator.async_start_polling())
    # Walls and options changed in the UI take effect at once.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    # A keypad lock-out starting or ending shows on the walls' problem sensors.
    entry.async_on_unload(guard.async_add_listener(coordinator.async_publish))
    # Wall devices first: compartments hang off them.
    registry = dr.async_get(hass)
    for wall in walls:
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            config_subentry_id=wall.wall_id,
            **wall_device_info(wall),
        )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_remove_stale(hass, entry)
    if entry.options.get(CONF_ANNOUNCE_WEBHOOK):
        # Shops and carriers announce deliveries (see ``webhook``).
        hook = AnnouncementWebhook(
            entry.entry_id, webhook_id_for(secret_key, entry.entry_id)
        )
        hook.async_register(hass, entry.title)
        entry.async_on_unload(lambda: webhook.async_unregister(hass, hook.webhook_id))
    return True


def _async_remove_stale(hass: HomeAssistant, entry: ParcelLockerConfigEntry) -> None:
    """Drop what is gone from the walls.

    Walls and compartments (a wall made smaller), and wall entities no platform
    made again (a probe found missing, a point left out): those only have the
    state Home Assistant keeps for a registered entity nobody provides
    (``restored``). Disabled ones have no state and stay.
    """
    walls = entry.runtime_data.walls
    entities = er.async_get(hass)
    prefixes = tuple(f"{wall_id}_" for wall_id in walls)
    for registered in er.async_entries_for_config_entry(entities, entry.entry_id):
        state = hass.states.get(registered.entity_id)
        if (
            registered.unique_id.startswith(prefixes)
            and state is not None
            and state.attributes.get(ATTR_RESTORED)
        ):
            entities.async_remove(registered.entity_id)
    expected = {(DOMAIN, wall_id) for wall_id in walls} | {
        (DOMAIN, f"{wall_id}_{compartment.number}")
        for wall_id, wall in walls.items()
        for compartment in wall.map.compartments
    }
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & expected:
            detach_device(hass, entry, device)


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
    async_forget_duplicates(hass, entry)


async def async_migrate_entry(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> bool:
    """Bring an entry stored by an earlier version up to date.

    1.2: the unique id is the controller's identity written one way
    (``tcp:<host>:<port>``, ``serial:<device>``, or the id a controller
    announces), and a network controller's host is stored written that way, so
    a second entry for the same controller is refused on every path; resident
    sensors are known by their person's own unique id, which survives renaming
    the person.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:  # noqa: PLR2004 - the version being migrated to
        unique_id = entry.unique_id
        if unique_id is None or not unique_id.startswith("controller:"):
            unique_id = controller_identity(entry.data)

        @callback
        def resident_ids(entity: er.RegistryEntry) -> dict[str, str] | None:
            prefix, suffix = f"{entry.entry_id}_person.", "_parcels"
            if entity.unique_id.startswith(prefix) and entity.unique_id.endswith(
                suffix
            ):
                person = entity.unique_id.removeprefix(f"{entry.entry_id}_")
                person = person.removesuffix(suffix)
                return {
                    "new_unique_id": resident_unique_id(hass, entry.entry_id, person)
                }
            return None

        await er.async_migrate_entries(hass, entry.entry_id, resident_ids)
        data = dict(entry.data)
        if CONF_HOST in data:
            data[CONF_HOST] = normalise_host(str(data[CONF_HOST]))
        hass.config_entries.async_update_entry(
            entry, unique_id=unique_id, data=data, minor_version=2
        )
        LOGGER.debug("Migrated %s to version 1.2", entry.title)
    return True
