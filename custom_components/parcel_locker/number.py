"""The cooling setpoint of each cooled compartment: staff write it to the controller."""

from __future__ import annotations

from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, Platform, UnitOfTemperature
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .entity import CompartmentEntity
from .options import setpoint_range
from .permissions import async_caller, require_admin
from .wall_config import WallConfig

# Entities act on a shared link: one command at a time.
PARALLEL_UPDATES = 1

SETPOINT = NumberEntityDescription(
    key="setpoint",
    translation_key="setpoint",
    device_class=NumberDeviceClass.TEMPERATURE,
    native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    native_step=0.5,
    mode=NumberMode.BOX,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a setpoint per cooled compartment that has one, per wall subentry."""
    coordinator = entry.runtime_data
    low, high = setpoint_range(entry.options)
    registry = er.async_get(hass)
    for wall in coordinator.walls.values():
        numbers = [
            compartment.number
            for compartment in wall.map.compartments
            if compartment.cooled and compartment.setpoint is not None
        ]
        for number in numbers:
            # Before 0.2 the setpoint was a read-only sensor: this replaces it.
            old = registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, f"{wall.wall_id}_{number}_{SETPOINT.key}"
            )
            if old is not None:
                registry.async_remove(old)
        async_add_entities(
            (
                CompartmentSetpoint(coordinator, wall, number, (low, high))
                for number in numbers
            ),
            config_subentry_id=wall.wall_id,
        )


class CompartmentSetpoint(CompartmentEntity, NumberEntity):
    """What the controller cools the compartment to; only staff change it."""

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        number: int,
        allowed: tuple[float, float],
    ) -> None:
        """Bind the compartment and the range the options allow."""
        super().__init__(coordinator, wall, number, SETPOINT)
        self._attr_native_min_value, self._attr_native_max_value = allowed

    @property
    def native_value(self) -> float | None:
        """The setpoint the controller reported on the last poll."""
        reading = self.compartment.reading
        return None if reading is None else reading.setpoint

    def shown(self) -> Any:
        """Only this compartment's setpoint."""
        return self.native_value

    async def async_set_native_value(self, value: float) -> None:
        """Write the setpoint (staff and automations only)."""
        context = self._context or Context()
        caller = await async_caller(self.hass, context)
        require_admin(caller, context)
        await self.coordinator.async_set_setpoint(
            self.wall_id, self.number, value, caller.actor
        )
