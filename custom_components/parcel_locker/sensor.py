"""Compartment temperature and status; free compartments and parcels per wall.

Per resident, the parcels waiting for them: see ``residents.py``.
"""

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
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import CompartmentStatus, Ledger
from .domain.sizes import Size
from .entity import CompartmentEntity, WallEntity
from .residents import async_setup_resident_sensors
from .wall_config import WallConfig

PARALLEL_UPDATES = 0

STATUS_OPTIONS = [str(status) for status in CompartmentStatus]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every wall."""
    coordinator = entry.runtime_data.coordinator
    for wall in coordinator.walls.values():
        entities: list[SensorEntity] = []
        for compartment in wall.map.compartments:
            if compartment.temperature is not None:
                entities.append(
                    CompartmentTemperatureSensor(
                        coordinator, wall, compartment.number, "temperature"
                    )
                )
            if compartment.setpoint is not None:
                entities.append(
                    CompartmentSetpointSensor(
                        coordinator, wall, compartment.number, "setpoint"
                    )
                )
            entities.append(
                CompartmentStatusSensor(coordinator, wall, compartment.number, "status")
            )
        sizes = sorted({item.size for item in wall.map.compartments}, key=_rank)
        entities.extend(
            WallCountSensor(coordinator, wall, description)
            for description in (
                *WALL_SENSORS,
                *(_free_of_size(size) for size in sizes),
            )
        )
        async_add_entities(entities, config_subentry_id=wall.wall_id)
    async_setup_resident_sensors(hass, entry, async_add_entities)


def _rank(size: Size) -> int:
    return size.rank


class CompartmentTemperatureSensor(CompartmentEntity, SensorEntity):
    """A compartment's temperature probe."""

    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS
    _attr_suggested_display_precision = 1

    @property
    def native_value(self) -> float | None:
        """The probe's reading; None when no probe answers."""
        reading = self.reading
        return None if reading is None else reading.temperature

    def state_source(self) -> Any:
        """Only the temperature matters."""
        return self.native_value


class CompartmentSetpointSensor(CompartmentTemperatureSensor):
    """The cooling setpoint the controller holds (for installers)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_state_class = None
    _attr_translation_key = "setpoint"

    @property
    def native_value(self) -> float | None:
        """The setpoint; None when the controller reports none."""
        reading = self.reading
        return None if reading is None else reading.setpoint


class CompartmentStatusSensor(CompartmentEntity, SensorEntity):
    """Free, reserved, occupied or out of service, as the ledger knows it."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = STATUS_OPTIONS
    _attr_translation_key = "status"

    @property
    def native_value(self) -> str:
        """The compartment's status."""
        return str(
            self.locker.ledger.compartment_status(self.wall.wall_id, self.number)
        )

    def state_source(self) -> Any:
        """The status alone."""
        return self.native_value


@dataclass(frozen=True, kw_only=True)
class WallSensorDescription(SensorEntityDescription):
    """A count the ledger keeps for a wall."""

    value_fn: Callable[[Ledger, str], int]


WALL_SENSORS: tuple[WallSensorDescription, ...] = (
    WallSensorDescription(
        key="free",
        translation_key="free",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda ledger, wall: ledger.free_count(wall),
    ),
    WallSensorDescription(
        key="waiting",
        translation_key="waiting",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda ledger, wall: ledger.waiting_count(wall),
    ),
)


def _free_of_size(size: Size) -> WallSensorDescription:
    return WallSensorDescription(
        key=f"free_{size.lower()}",
        translation_key="free_size",
        translation_placeholders={"size": str(size)},
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda ledger, wall: ledger.free_count(wall, size),
    )


class WallCountSensor(WallEntity, SensorEntity):
    """Free compartments (all, or of one size) or parcels waiting on a wall."""

    entity_description: WallSensorDescription

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        description: WallSensorDescription,
    ) -> None:
        """Bind the description."""
        super().__init__(coordinator, wall, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int:
        """The count."""
        return self.entity_description.value_fn(self.locker.ledger, self.wall.wall_id)

    def state_source(self) -> Any:
        """The count alone."""
        return self.native_value
