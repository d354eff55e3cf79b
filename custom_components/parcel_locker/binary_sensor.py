"""Door and parcel sensors of each compartment, and the wall's connectivity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import Problem
from .domain.wiring import CompartmentMap
from .entity import CompartmentEntity, WallEntity
from .wall_config import WallConfig
from .wall_link import CompartmentReading

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CompartmentBinarySensorDescription(BinarySensorEntityDescription):
    """A compartment binary sensor, and which compartments have one."""

    is_on_fn: Callable[[CompartmentReading], bool | None]
    exists_fn: Callable[[CompartmentMap], bool] = lambda _: True


COMPARTMENT_SENSORS: tuple[CompartmentBinarySensorDescription, ...] = (
    CompartmentBinarySensorDescription(
        key="door",
        translation_key="door",
        device_class=BinarySensorDeviceClass.DOOR,
        is_on_fn=lambda reading: not reading.door_closed,
    ),
    CompartmentBinarySensorDescription(
        key="latch",
        translation_key="latch",
        device_class=BinarySensorDeviceClass.LOCK,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        # The lock device class is on when unlocked: a released latch.
        is_on_fn=lambda reading: (
            None if reading.latched is None else not reading.latched
        ),
        exists_fn=lambda compartment: compartment.latch is not None,
    ),
    CompartmentBinarySensorDescription(
        key="occupancy",
        translation_key="parcel",
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        is_on_fn=lambda reading: reading.present,
        exists_fn=lambda compartment: compartment.presence is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every wall."""
    coordinator = entry.runtime_data.coordinator
    for wall in coordinator.walls.values():
        entities: list[BinarySensorEntity] = [
            CompartmentBinarySensor(coordinator, wall, compartment.number, description)
            for compartment in wall.map.compartments
            for description in COMPARTMENT_SENSORS
            if description.exists_fn(compartment)
        ]
        entities.append(WallConnectivitySensor(coordinator, wall, "connectivity"))
        entities.append(WallProblemSensor(coordinator, wall, "problem"))
        async_add_entities(entities, config_subentry_id=wall.wall_id)


class CompartmentBinarySensor(CompartmentEntity, BinarySensorEntity):
    """A compartment's door or parcel sensor."""

    entity_description: CompartmentBinarySensorDescription

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        wall: WallConfig,
        number: int,
        description: CompartmentBinarySensorDescription,
    ) -> None:
        """Bind the description."""
        super().__init__(coordinator, wall, number, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """The sensor's reading."""
        reading = self.reading
        return None if reading is None else self.entity_description.is_on_fn(reading)

    def state_source(self) -> Any:
        """Only this sensor's own reading matters."""
        return self.is_on


class WallConnectivitySensor(WallEntity, BinarySensorEntity):
    """Whether the wall's controller answers; stays available to say so."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_translation_key = "controller"

    @property
    def available(self) -> bool:
        """Always: this sensor reports the outage itself."""
        return True

    @property
    def is_on(self) -> bool:
        """The last poll reached the controller."""
        return self.coordinator.last_update_success

    def state_source(self) -> Any:
        """Only the outcome of the poll matters here."""
        return self.coordinator.last_update_success


class WallProblemSensor(WallEntity, BinarySensorEntity):
    """Something at the wall needs a person: which things, as an attribute."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "problem"

    @property
    def problems(self) -> list[str]:
        """Forced door, door left open, temperature out of band, keypad locked out."""
        found = self.locker.ledger.problems(self.wall.wall_id)
        if self.locker.guard.keypad_locked_until(self.wall.wall_id, dt_util.utcnow()):
            found.add(Problem.KEYPAD_LOCKED_OUT)
        return sorted(found)

    @property
    def is_on(self) -> bool:
        """Any problem at all."""
        return bool(self.problems)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The problems by name."""
        return {"problems": self.problems}

    def state_source(self) -> Any:
        """The list of problems."""
        return tuple(self.problems)
