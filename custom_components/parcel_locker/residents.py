"""Per resident: how many parcels wait for them, where, and until when.

One sensor per ``person`` entity (``sensor.<person>_parcels``), and one for any
recipient of a parcel that has no person entity (yet). New persons and new
recipients get their sensor as they appear. The sensors hang off a "Residents"
service device of the entry: a resident's parcels may be in any of its walls.

The attributes never hold a code: the ledger only knows codes as hashes, and
``list_parcels`` hands out the code's expiry, not the code.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_state_added_domain
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import UNKNOWN_RECIPIENT, Ledger, ParcelState
from .entity import MANUFACTURER

PERSON = "person"
ATTR_PARCELS = "parcels"
# What a resident may see of each parcel (``list_parcels`` keys -> attribute).
PARCEL_ATTRIBUTES = {
    "parcel_id": "parcel_id",
    "compartment": "compartment",
    "wall": "wall",
    "wall_name": "wall_name",
    "size": "size",
    "carrier": "carrier",
    "stored_at": "since",
    "code_expires": "expires",
}


def residents_device_info(entry: ParcelLockerConfigEntry) -> DeviceInfo:
    """The service device the resident sensors of an entry belong to."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_residents")},
        translation_key="residents",
        manufacturer=MANUFACTURER,
        entry_type=DeviceEntryType.SERVICE,
    )


def resident_sensor_entity_id(person: str) -> str:
    """``person.bob`` -> ``sensor.bob_parcels``."""
    return f"{Platform.SENSOR}.{person.partition('.')[2]}_parcels"


class WaitingParcels:
    """The ledger's parcels per recipient, worked out again only when it moved.

    Every poll wakes every resident sensor; this keeps an idle poll from
    listing all parcels once per resident.
    """

    def __init__(self, ledger: Ledger) -> None:
        """Watch one ledger."""
        self._ledger = ledger
        self._revision: int | None = None
        self._recipients: set[str] = set()
        self._waiting: dict[str, list[dict[str, Any]]] = {}

    def _refresh(self) -> None:
        if self._revision == self._ledger.revision:
            return
        self._revision = self._ledger.revision
        self._recipients = set()
        self._waiting = {}
        for parcel in self._ledger.list_parcels():
            recipient = parcel["recipient"]
            if recipient == UNKNOWN_RECIPIENT:
                continue
            self._recipients.add(recipient)
            if parcel["state"] == ParcelState.STORED:
                self._waiting.setdefault(recipient, []).append(
                    {shown: parcel[key] for key, shown in PARCEL_ATTRIBUTES.items()}
                )
        for parcels in self._waiting.values():
            parcels.sort(key=lambda parcel: parcel["since"])

    def recipients(self) -> set[str]:
        """Everyone an active parcel is for (reserved ones too)."""
        self._refresh()
        return self._recipients

    def waiting_for(self, person: str) -> list[dict[str, Any]]:
        """The parcels waiting for a person, oldest first."""
        self._refresh()
        return self._waiting.get(person, [])


@callback
def async_setup_resident_sensors(
    hass: HomeAssistant,
    entry: ParcelLockerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a sensor per person and recipient, now and whenever one appears."""
    coordinator = entry.runtime_data.coordinator
    parcels = WaitingParcels(entry.runtime_data.locker.ledger)
    known: set[str] = set()

    @callback
    def add_new() -> None:
        names = {state.entity_id: state.name for state in hass.states.async_all(PERSON)}
        new = sorted((set(names) | parcels.recipients()) - known)
        if not new:
            return
        known.update(new)
        async_add_entities(
            ResidentParcelsSensor(
                coordinator,
                entry,
                parcels,
                person,
                names.get(person) or person.partition(".")[2],
            )
            for person in new
        )

    @callback
    def person_added(event: Event[EventStateChangedData]) -> None:
        add_new()

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
    entry.async_on_unload(async_track_state_added_domain(hass, PERSON, person_added))


class ResidentParcelsSensor(CoordinatorEntity[ParcelLockerCoordinator], SensorEntity):
    """Parcels waiting for one person; where they are and until when."""

    _attr_has_entity_name = True
    _attr_translation_key = "resident_parcels"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _last_written: Any = None

    def __init__(
        self,
        coordinator: ParcelLockerCoordinator,
        entry: ParcelLockerConfigEntry,
        parcels: WaitingParcels,
        person: str,
        name: str,
    ) -> None:
        """Bind the sensor to a person entity id."""
        super().__init__(coordinator)
        self.person = person
        self._waiting = parcels
        self.entity_id = resident_sensor_entity_id(person)
        self._attr_unique_id = f"{entry.entry_id}_{person}_parcels"
        self._attr_translation_placeholders = {"person": name}
        self._attr_device_info = residents_device_info(entry)

    def _parcels(self) -> list[dict[str, Any]]:
        return self._waiting.waiting_for(self.person)

    @property
    def native_value(self) -> int:
        """How many parcels are waiting for the person."""
        return len(self._parcels())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Where each parcel is and until when its code works, oldest first."""
        return {ATTR_PARCELS: self._parcels()}

    async def async_added_to_hass(self) -> None:
        """Remember what the first state was written from."""
        await super().async_added_to_hass()
        self._last_written = (self.available, self._parcels())

    @callback
    def _handle_coordinator_update(self) -> None:
        # Polls come every few seconds; write only when the parcels changed.
        written = (self.available, self._parcels())
        if written == self._last_written:
            return
        self._last_written = written
        self.async_write_ha_state()
