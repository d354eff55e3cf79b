"""Find the wall, compartment or parcel an action names.

Walls are named by their device, their id or their name; compartments by their
device or their door label (``A-07``), with the wall only where labels repeat.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .coordinator import ParcelLockerCoordinator
from .domain.ledger import LedgerError, Parcel
from .errors import refused as _error

ATTR_WALL = "wall"
ATTR_COMPARTMENT = "compartment"


def loaded_lockers(hass: HomeAssistant) -> list[ParcelLockerCoordinator]:
    """The lockers of every loaded entry; refuses when there is none."""
    lockers = [
        entry.runtime_data for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    ]
    if not lockers:
        raise _error("not_loaded")
    return lockers


def _device_identifier(hass: HomeAssistant, device_id: str) -> str | None:
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    return next(
        (value for domain, value in device.identifiers if domain == DOMAIN), None
    )


def resolve_wall(
    hass: HomeAssistant, wall: str | None
) -> tuple[ParcelLockerCoordinator, str]:
    """The locker and wall id for a wall device, id or name.

    Without a wall, the only wall there is; with several, the caller must say.
    """
    lockers = loaded_lockers(hass)
    if wall is None:
        walls = [(locker, wall_id) for locker in lockers for wall_id in locker.walls]
        if len(walls) != 1:
            raise _error("wall_required")
        return walls[0]
    wanted = _device_identifier(hass, wall) or wall
    for locker in lockers:
        for wall_id, config in locker.walls.items():
            if wanted == wall_id or wall.casefold() == config.name.casefold():
                return locker, wall_id
    raise _error("unknown_wall", wall=wall)


def target_lockers(
    hass: HomeAssistant, wall: str | None
) -> list[tuple[ParcelLockerCoordinator, str | None]]:
    """The lockers an action may look in: the named wall's, or all of them."""
    if wall is not None:
        locker, wall_id = resolve_wall(hass, wall)
        return [(locker, wall_id)]
    return [(locker, None) for locker in loaded_lockers(hass)]


def resolve_compartment(
    hass: HomeAssistant, compartment: str, wall: str | None
) -> tuple[ParcelLockerCoordinator, str, int]:
    """The locker, wall id and number for a compartment device or label."""
    identifier = _device_identifier(hass, compartment)
    if identifier is not None:
        wall_id, _, number = identifier.rpartition("_")
        for locker in loaded_lockers(hass):
            if wall_id in locker.walls and number.isdigit():
                return locker, wall_id, int(number)
    scope = target_lockers(hass, wall)
    found = [
        (locker, wall_id, item.number)
        for locker, only_wall in scope
        for wall_id, config in locker.walls.items()
        if only_wall in (None, wall_id)
        for item in config.map.compartments
        if config.label(item.number).casefold() == compartment.strip().casefold()
    ]
    if not found:
        raise _error("unknown_compartment_label", compartment=compartment)
    if len(found) > 1:
        raise _error("ambiguous_compartment", compartment=compartment)
    return found[0]


def resolve_parcel(
    hass: HomeAssistant, parcel_id: str
) -> tuple[ParcelLockerCoordinator, Parcel]:
    """The locker holding a parcel, and the parcel."""
    for locker in loaded_lockers(hass):
        try:
            return locker, locker.ledger.parcel(parcel_id)
        except LedgerError:
            continue
    raise _error("parcel_not_found", parcel_id=parcel_id)
