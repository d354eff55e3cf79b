"""One coordinator per connection: a single poll reads every wall on the link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from modbus_connection import ModbusConnection, ModbusError, ModbusTimeoutError

from .const import CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, DOMAIN, LOGGER
from .helpers import modbus_error
from .wall_config import WallConfig
from .wall_link import WallLink, WallReading

if TYPE_CHECKING:
    from .locker import Locker


@dataclass(kw_only=True)
class ParcelLockerRuntimeData:
    """What a loaded entry holds."""

    connection: ModbusConnection
    coordinator: ParcelLockerCoordinator
    locker: Locker


type ParcelLockerConfigEntry = ConfigEntry[ParcelLockerRuntimeData]


class ParcelLockerCoordinator(DataUpdateCoordinator[dict[str, WallReading]]):
    """Poll all walls of one controller link."""

    config_entry: ParcelLockerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ParcelLockerConfigEntry,
        connection: ModbusConnection,
        walls: list[WallConfig],
    ) -> None:
        """Build one link per wall; nothing is read until the first refresh."""
        seconds = entry.options.get(CONF_POLL_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=seconds)
            if seconds
            else DEFAULT_POLL_INTERVAL,
            # Equal readings mean nothing changed: entities are not woken up.
            always_update=False,
        )
        self.connection = connection
        self.walls = {wall.wall_id: wall for wall in walls}
        self.links = {wall.wall_id: WallLink(connection, wall.map) for wall in walls}
        self.last_poll_seconds: float | None = None
        # Set by the locker: what to do with each poll's readings.
        self.process_readings: (
            Callable[[dict[str, WallReading]], Awaitable[None]] | None
        ) = None

    async def _async_update_data(self) -> dict[str, WallReading]:
        """Read every wall, one after the other."""
        started = monotonic()
        readings: dict[str, WallReading] = {}
        try:
            for wall_id, link in self.links.items():
                readings[wall_id] = await link.read()
        except ModbusTimeoutError as err:
            # A controller that stopped answering may have left the socket
            # half-open; start the next poll on a fresh one.
            await self.connection.disconnect()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="controller_timeout",
                translation_placeholders={"name": self.config_entry.title},
            ) from err
        except ModbusError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self.last_poll_seconds = monotonic() - started
        if self.process_readings is not None:
            try:
                await self.process_readings(readings)
            except HomeAssistantError as err:
                # The ledger could not be saved: say so instead of pretending
                # all is well; the next poll saves the whole ledger again.
                raise UpdateFailed(
                    translation_domain=err.translation_domain,
                    translation_key=err.translation_key,
                    translation_placeholders=err.translation_placeholders,
                ) from err
        return readings

    async def async_release(self, wall_id: str, number: int) -> None:
        """Release one compartment's lock now, then refresh the readings."""
        wall = self.walls[wall_id]
        async with modbus_error("release_failed", compartment=wall.label(number)):
            await self.links[wall_id].release(number, wall.pulse_seconds)
        await self.async_request_refresh()
