"""The lock of each compartment: opening it releases the solenoid."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import LockEntityFeature
from .coordinator import ParcelLockerConfigEntry
from .entity import CompartmentEntity
from .errors import refused
from .permissions import async_caller, require_acting_for

# Entities act on a shared link: one command at a time.
PARALLEL_UPDATES = 1

LOCK = LockEntityDescription(key="lock", translation_key="compartment")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock per compartment, per wall subentry."""
    coordinator = entry.runtime_data
    for wall in coordinator.walls.values():
        async_add_entities(
            (
                CompartmentLock(coordinator, wall, compartment.number, LOCK)
                for compartment in wall.map.compartments
            ),
            config_subentry_id=wall.wall_id,
        )


class CompartmentLock(CompartmentEntity, LockEntity):
    """A compartment's lock; it locks itself again when the door closes."""

    # The compartment's main entity: it takes the compartment's name.
    _attr_name = None
    _attr_supported_features = LockEntityFeature.OPEN

    @property
    def is_open(self) -> bool | None:
        """The door stands open."""
        reading = self.compartment.reading
        return None if reading is None else not reading.door_closed

    @property
    def is_locked(self) -> bool | None:
        """Closed, not released and (where reported) latched."""
        reading = self.compartment.reading
        if reading is None:
            return None
        return reading.locked

    def shown(self) -> Any:
        """Whether it is open and whether it is locked."""
        return (self.is_open, self.is_locked)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Release the lock so the door can be opened."""
        await self._async_open()

    async def async_open(self, **kwargs: Any) -> None:
        """Release the lock (the door springs open)."""
        await self._async_open()

    async def _async_open(self) -> None:
        # The same rule as the open_compartment action: staff, automations, or
        # the resident whose parcel is inside. The ledger then knows the door
        # opening is authorised (a pickup), not forced.
        context = self._context or Context()
        caller = await async_caller(self.hass, context)
        ledger = self.coordinator.ledger
        require_acting_for(
            caller, ledger.recipient_of(self.wall_id, self.number), context
        )
        await self.coordinator.async_open(self.wall_id, self.number, caller.actor)

    async def async_lock(self, **kwargs: Any) -> None:
        """Refuse: the solenoid relocks by itself when the door is closed."""
        raise refused("relocks_itself", compartment=self.label)
