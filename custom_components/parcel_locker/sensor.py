"""Temperature and status of each compartment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .entity import CompartmentEntity
from .register_map import CompartmentMap
from .wall_config import WallConfig
from .wall_link import CompartmentReading

PARALLEL_UPDATES = 0

STATUS_OPTIONS = ["free", "reserved", "occupied", "out_of_service"]


@dataclass(frozen=True, kw_only=True)
class CompartmentSensorDescription(SensorEntityDescription):
    """A compartment sensor, and which compartments have one."""

    value_fn: Callable[[CompartmentReading], Any]
    exists_fn: Callable[[CompartmentMap], bool] = lambda _: True


COMPARTMENT_SENSORS: tuple[CompartmentSensorDescription, ...] = (
    CompartmentSensorDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=lambda reading: reading.temperature,
        exists_fn=lambda compartment: compartment.temperature is not None,
    ),
    CompartmentSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        # Without a ledger the parcel sensor is the best evidence we have.
        value_fn=lambda reading: "occupied" if reading.present else "free",
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every wall."""
    coordinator = entry.runtime_data.coordinator
    for wall in coordinator.walls.values():
        async_add_entities(
            (
                CompartmentSensor(coordinator, wall, compartment.number, description)
                for compartment in wall.map.compartments
                for description in COMPARTMENT_SENSORS
                if description.exists_fn(compartment)
            ),
            config_subentry_id=wall.wall_id,
        )


class CompartmentSensor(CompartmentEntity, SensorEntity):
    """A compartment's temperature or status."""

    entity_description: CompartmentSensorDescription

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        number: int,
        description: CompartmentSensorDescription,
    ) -> None:
        """Bind the description."""
        super().__init__(coordinator, wall, number, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> Any:
        """The sensor's value."""
        reading = self.reading
        return None if reading is None else self.entity_description.value_fn(reading)

    def state_source(self) -> Any:
        """Only this sensor's own value matters."""
        return self.native_value
