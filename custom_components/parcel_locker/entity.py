"""Base entities: a device per wall, and a device per compartment hanging off it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .compat import linked_to
from .const import DOMAIN
from .coordinator import ParcelLockerCoordinator
from .wall_config import WallConfig
from .wall_link import CompartmentReading, WallReading

if TYPE_CHECKING:
    from .locker import Locker

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


def compartment_device_info(
    coordinator: ParcelLockerCoordinator, wall: WallConfig, number: int
) -> DeviceInfo:
    """The device of a compartment, linked to its wall."""
    info = DeviceInfo(
        identifiers={(DOMAIN, f"{wall.wall_id}_{number}")},
        translation_key="compartment",
        translation_placeholders={"label": wall.label(number)},
        manufacturer=MANUFACTURER,
        model=f"{wall.size(number)} compartment",
    )
    info.update(
        linked_to(coordinator.hass, coordinator.config_entry, (DOMAIN, wall.wall_id))
    )
    return info


class ParcelLockerEntity(CoordinatorEntity[ParcelLockerCoordinator]):
    """Common behaviour: only write state when what the entity shows changed."""

    _attr_has_entity_name = True
    _last_written: Any = None

    def __init__(self, coordinator: ParcelLockerCoordinator, wall: WallConfig) -> None:
        """Remember the wall the entity belongs to."""
        super().__init__(coordinator)
        self.wall = wall

    @property
    def locker(self) -> Locker:
        """The ledger side of the entry."""
        return self.coordinator.config_entry.runtime_data.locker

    @property
    def wall_reading(self) -> WallReading | None:
        """The wall's readings from the last successful poll."""
        return self.coordinator.data.get(self.wall.wall_id)

    def state_source(self) -> Any:
        """What the entity's state is computed from."""
        return self.wall_reading

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from."""
        await super().async_added_to_hass()
        self._last_written = (self.available, self.state_source())

    @callback
    def _handle_coordinator_update(self) -> None:
        # A poll that changed another compartment must not rewrite this one.
        written = (self.available, self.state_source())
        if written == self._last_written:
            return
        self._last_written = written
        self.async_write_ha_state()


class CompartmentEntity(ParcelLockerEntity):
    """An entity of one compartment."""

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        number: int,
        key: str,
    ) -> None:
        """Attach the entity to the compartment's device."""
        super().__init__(coordinator, wall)
        self.number = number
        self.label = wall.label(number)
        self._attr_unique_id = f"{wall.wall_id}_{number}_{key}"
        self._attr_device_info = compartment_device_info(coordinator, wall, number)

    @property
    def reading(self) -> CompartmentReading | None:
        """The compartment's readings from the last successful poll."""
        wall_reading = self.wall_reading
        if wall_reading is None:
            return None
        return wall_reading.compartments.get(self.number)

    @property
    def available(self) -> bool:
        """Unavailable while the controller does not answer."""
        return super().available and self.reading is not None

    def state_source(self) -> Any:
        """What the entity's state is computed from."""
        return self.reading


class WallEntity(ParcelLockerEntity):
    """An entity of a whole wall."""

    def __init__(
        self, coordinator: ParcelLockerCoordinator, wall: WallConfig, key: str
    ) -> None:
        """Attach the entity to the wall's device."""
        super().__init__(coordinator, wall)
        self._attr_unique_id = f"{wall.wall_id}_{key}"
        self._attr_device_info = wall_device_info(wall)
