"""Door, latch and parcel sensors of each compartment; each wall's link and problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import BinarySensorDeviceClass
from .coordinator import ParcelLockerConfigEntry
from .domain.readings import CompartmentReading
from .domain.snapshot import WallState
from .domain.wiring import CompartmentMap
from .entity import CompartmentEntity, WallEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CompartmentBinarySensorDescription(BinarySensorEntityDescription):
    """A compartment's sensor, and which compartments have one."""

    is_on_fn: Callable[[CompartmentReading], bool | None]
    exists_fn: Callable[[CompartmentMap], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class WallBinarySensorDescription(BinarySensorEntityDescription):
    """A wall's sensor."""

    is_on_fn: Callable[[WallState], bool]
    attributes_fn: Callable[[WallState], dict[str, Any] | None] = lambda _: None
    always_available: bool = False


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

WALL_SENSORS: tuple[WallBinarySensorDescription, ...] = (
    WallBinarySensorDescription(
        key="connectivity",
        translation_key="controller",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        is_on_fn=lambda wall: wall.online,
        # It reports the outage itself.
        always_available=True,
    ),
    WallBinarySensorDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda wall: bool(wall.problems),
        attributes_fn=lambda wall: {
            "problems": list(wall.problems),
            "details": [
                {"problem": item.problem, "compartment": item.compartment}
                for item in wall.problem_details
            ],
        },
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every wall."""
    coordinator = entry.runtime_data
    for wall in coordinator.walls.values():
        entities: list[BinarySensorEntity] = [
            CompartmentBinarySensor(coordinator, wall, compartment.number, description)
            for compartment in wall.map.compartments
            for description in COMPARTMENT_SENSORS
            if description.exists_fn(compartment)
        ]
        entities += [
            WallBinarySensor(coordinator, wall, description)
            for description in WALL_SENSORS
        ]
        async_add_entities(entities, config_subentry_id=wall.wall_id)


class CompartmentBinarySensor(CompartmentEntity, BinarySensorEntity):
    """A compartment's door, latch or parcel sensor."""

    entity_description: CompartmentBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The sensor's reading."""
        reading = self.compartment.reading
        return None if reading is None else self.entity_description.is_on_fn(reading)

    def shown(self) -> Any:
        """Only this sensor's own reading."""
        return self.is_on


class WallBinarySensor(WallEntity, BinarySensorEntity):
    """Whether the wall's controller answers; whether something needs a person."""

    entity_description: WallBinarySensorDescription

    @property
    def available(self) -> bool:
        """Like every wall entity, unless this one reports the outage itself."""
        return self.entity_description.always_available or super().available

    @property
    def is_on(self) -> bool:
        """What the description reads from the wall (off while no wall answers)."""
        return self.coordinator.last_update_success and (
            self.entity_description.is_on_fn(self.wall)
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The problems by name and with their compartments, for the problem sensor."""
        return self.entity_description.attributes_fn(self.wall)

    def shown(self) -> Any:
        """The state and its attributes."""
        return (self.is_on, self.extra_state_attributes)
