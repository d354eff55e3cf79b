"""Compartment temperature and status; counts and analytics per wall; residents.

The wall's analytics sensors keep long-term statistics (Home Assistant's
statistics and history graphs, and the panel's last 30 days): occupancy and
the average dwell time are measurements over the snapshot; deliveries is a
counter that only grows (``total_increasing``: its daily change is the
deliveries per day), kept by the sensor itself across restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_added_domain
from homeassistant.helpers.typing import StateType

from .const import DOMAIN
from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import CompartmentStatus, EventType
from .domain.sizes import Size
from .domain.snapshot import CompartmentState, WallAnalytics, WallState
from .domain.wiring import CompartmentMap
from .entity import CompartmentEntity, ParcelLockerEntity, WallEntity
from .wall_config import WallConfig

PARALLEL_UPDATES = 0
PERSON = "person"


@dataclass(frozen=True, kw_only=True)
class CompartmentSensorDescription(SensorEntityDescription):
    """A compartment's sensor, and which compartments have one."""

    value_fn: Callable[[CompartmentState], StateType]
    exists_fn: Callable[[CompartmentMap], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class WallSensorDescription(SensorEntityDescription):
    """A count the wall keeps."""

    value_fn: Callable[[WallState], int]


@dataclass(frozen=True, kw_only=True)
class WallAnalyticsDescription(SensorEntityDescription):
    """A figure of the wall's use, kept in long-term statistics."""

    value_fn: Callable[[WallAnalytics], float | None]


def _reading(field: str) -> Callable[[CompartmentState], StateType]:
    def value(state: CompartmentState) -> StateType:
        return None if state.reading is None else getattr(state.reading, field)

    return value


COMPARTMENT_SENSORS: tuple[CompartmentSensorDescription, ...] = (
    CompartmentSensorDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=_reading("temperature"),
        exists_fn=lambda compartment: compartment.temperature is not None,
    ),
    CompartmentSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=[str(status) for status in CompartmentStatus],
        value_fn=lambda state: str(state.status),
    ),
)

WALL_SENSORS: tuple[WallSensorDescription, ...] = (
    WallSensorDescription(
        key="free",
        translation_key="free",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda wall: wall.free,
    ),
    WallSensorDescription(
        key="waiting",
        translation_key="waiting",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda wall: wall.waiting,
    ),
)


WALL_ANALYTICS: tuple[WallAnalyticsDescription, ...] = (
    WallAnalyticsDescription(
        key="occupancy",
        translation_key="occupancy",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda analytics: analytics.occupancy,
    ),
    WallAnalyticsDescription(
        key="dwell_time",
        translation_key="dwell_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda analytics: analytics.dwell_hours,
    ),
)
DELIVERIES = SensorEntityDescription(
    key="deliveries",
    translation_key="deliveries",
    state_class=SensorStateClass.TOTAL_INCREASING,
)


def _free_of_size(size: Size) -> WallSensorDescription:
    return WallSensorDescription(
        key=f"free_{size.lower()}",
        translation_key="free_size",
        translation_placeholders={"size": str(size)},
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda wall: wall.free_by_size.get(size, 0),
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every wall, and one per resident."""
    coordinator = entry.runtime_data
    for wall in coordinator.walls.values():
        entities: list[SensorEntity] = [
            CompartmentSensor(coordinator, wall, compartment.number, description)
            for compartment in wall.map.compartments
            for description in COMPARTMENT_SENSORS
            if description.exists_fn(compartment)
        ]
        sizes = sorted({item.size for item in wall.map.compartments}, key=_rank)
        entities += [
            WallSensor(coordinator, wall, description)
            for description in (*WALL_SENSORS, *map(_free_of_size, sizes))
        ]
        entities += [
            WallAnalyticsSensor(coordinator, wall, description)
            for description in WALL_ANALYTICS
        ]
        entities.append(WallDeliveriesSensor(coordinator, wall))
        async_add_entities(entities, config_subentry_id=wall.wall_id)
    _async_add_resident_sensors(hass, entry, async_add_entities)


def _rank(size: Size) -> int:
    return size.rank


class CompartmentSensor(CompartmentEntity, SensorEntity):
    """A compartment's temperature or status."""

    entity_description: CompartmentSensorDescription

    @property
    def native_value(self) -> StateType:
        """What the description reads from the compartment."""
        return self.entity_description.value_fn(self.compartment)

    def shown(self) -> Any:
        """The value alone."""
        return self.native_value


class WallSensor(WallEntity, SensorEntity):
    """Free compartments (all, or of one size) or parcels waiting on a wall."""

    entity_description: WallSensorDescription

    @property
    def native_value(self) -> int:
        """The count."""
        return self.entity_description.value_fn(self.wall)

    def shown(self) -> Any:
        """The count alone."""
        return self.native_value


class WallAnalyticsSensor(WallEntity, SensorEntity):
    """The wall's occupancy or its recent dwell time."""

    entity_description: WallAnalyticsDescription

    @property
    def native_value(self) -> float | None:
        """The figure (None: nothing to measure yet)."""
        analytics = self.coordinator.data.analytics.get(self.wall_id)
        return (
            None if analytics is None else self.entity_description.value_fn(analytics)
        )

    def shown(self) -> Any:
        """The figure alone."""
        return self.native_value


class WallDeliveriesSensor(WallEntity, RestoreSensor):
    """Parcels delivered into the wall, ever: a meter that only grows.

    Counted from the wall's ``parcel_locker_delivered`` events (one per parcel
    stored) and restored at start-up; the ledger keeps parcels' history only so
    far back, a meter must never go down.
    """

    def __init__(self, coordinator: ParcelLockerCoordinator, wall: WallConfig) -> None:
        """Start at zero until the last count is restored."""
        super().__init__(coordinator, wall, DELIVERIES)
        self._count = 0

    async def async_added_to_hass(self) -> None:
        """Restore the count, then count the wall's deliveries."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, (int, float)):
            self._count = int(last.native_value)
            self._shown = (self.available, self.shown())
        self.async_on_remove(
            self.hass.bus.async_listen(
                f"{DOMAIN}_{EventType.DELIVERED}", self._async_delivered
            )
        )

    @callback
    def _async_delivered(self, event: Event) -> None:
        if event.data.get("wall") == self.wall_id:
            self._count += 1
            self._handle_coordinator_update()

    @property
    def native_value(self) -> int:
        """Deliveries so far."""
        return self._count

    def shown(self) -> Any:
        """The count alone."""
        return self._count


# -- per resident ---------------------------------------------------------------


@callback
def _async_add_resident_sensors(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A sensor per person, now and whenever a person is added."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_new(_event: Event[EventStateChangedData] | None = None) -> None:
        people = {
            state.entity_id: state.name for state in hass.states.async_all(PERSON)
        }
        new = sorted(set(people) - known)
        known.update(new)
        async_add_entities(
            ResidentParcelsSensor(coordinator, person, people[person]) for person in new
        )

    add_new()
    entry.async_on_unload(async_track_state_added_domain(hass, PERSON, add_new))


def resident_unique_id(hass: HomeAssistant, entry_id: str, person: str) -> str:
    """Stable across renames: the person's own unique id, where it has one."""
    registered = er.async_get(hass).async_get(person)
    identity = registered.unique_id if registered is not None else person
    return f"{entry_id}_{PERSON}_{identity}_parcels"


class ResidentParcelsSensor(ParcelLockerEntity, SensorEntity):
    """Parcels waiting for one person; where they are and until when.

    Never the code: residents' sensors are readable by every user.
    """

    _attr_translation_key = "resident_parcels"
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(
        self, coordinator: ParcelLockerCoordinator, person: str, name: str
    ) -> None:
        """Bind the sensor to a person."""
        super().__init__(coordinator)
        self.person = person
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = resident_unique_id(coordinator.hass, entry_id, person)
        self._attr_translation_placeholders = {"person": name}

    def _parcels(self) -> tuple[Mapping[str, Any], ...]:
        return self.coordinator.data.waiting.get(self.person, ())

    @property
    def native_value(self) -> int:
        """How many parcels are waiting for the person."""
        return len(self._parcels())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Where each parcel is and until when its code works, oldest first."""
        return {"parcels": [dict(parcel) for parcel in self._parcels()]}

    def shown(self) -> Any:
        """The person's waiting parcels."""
        return self._parcels()
