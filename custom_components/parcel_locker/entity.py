"""Base entities: a device per wall, and a device per compartment hanging off it.

Entities show the coordinator's snapshot and nothing else. The base entity
alone decides whether a new snapshot changes what an entity shows, so a poll
that changed another compartment writes no state here.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .compat import linked_to
from .const import DOMAIN
from .coordinator import ParcelLockerCoordinator
from .domain.snapshot import CompartmentState, WallState
from .wall_config import WallConfig

MANUFACTURER = "Parcel Locker"


def wall_device_info(wall: WallConfig) -> DeviceInfo:
    """The device of a wall."""
    return DeviceInfo(
        identifiers={(DOMAIN, wall.wall_id)},
        name=wall.name,
        manufacturer=MANUFACTURER,
        model="Locker wall",
        model_id=f"{len(wall.map.compartments)} compartments",
    )


class ParcelLockerEntity(CoordinatorEntity[ParcelLockerCoordinator]):
    """Writes its state only when what it shows changed."""

    _attr_has_entity_name = True
    _shown: Any = None

    @abstractmethod
    def shown(self) -> Any:
        """Everything the entity's state is made of (compared between polls)."""

    async def async_added_to_hass(self) -> None:
        """Remember what the first state showed."""
        await super().async_added_to_hass()
        self._shown = (self.available, self.shown())

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = (self.available, self.shown())
        if shown == self._shown:
            return
        self._shown = shown
        self.async_write_ha_state()


class WallEntity(ParcelLockerEntity):
    """An entity of one wall, on the wall's device, as its description says."""

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        description: EntityDescription,
        *,
        key: str | None = None,
    ) -> None:
        """Attach the entity to the wall's device.

        ``key`` is what the unique id ends in: the description's key unless
        given (a compartment's entities put its number in front).
        """
        super().__init__(coordinator)
        self.entity_description = description
        self.wall_id = wall.wall_id
        self._attr_unique_id = f"{wall.wall_id}_{key or description.key}"
        self._attr_device_info = wall_device_info(wall)

    @property
    def wall(self) -> WallState:
        """The wall in the latest snapshot."""
        return self.coordinator.data.walls[self.wall_id]

    @property
    def available(self) -> bool:
        """Unavailable while the wall's controller does not answer."""
        return super().available and self.wall.online


class CompartmentEntity(WallEntity):
    """An entity of one compartment, on the compartment's own device."""

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        number: int,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to the compartment's device, linked to its wall."""
        super().__init__(
            coordinator, wall, description, key=f"{number}_{description.key}"
        )
        self.number = number
        self.label = wall.label(number)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{wall.wall_id}_{number}")},
            translation_key="compartment",
            translation_placeholders={"label": self.label},
            manufacturer=MANUFACTURER,
            model=f"{wall.size(number)} compartment",
            **linked_to(
                coordinator.hass, coordinator.config_entry, (DOMAIN, wall.wall_id)
            ),
        )

    @property
    def compartment(self) -> CompartmentState:
        """The compartment in the latest snapshot."""
        return self.wall.compartments[self.number]
