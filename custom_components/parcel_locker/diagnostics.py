"""Diagnostics: what an installer attaches to a bug report.

No personal data: parcels and the audit trail only as counts by state and by
action; the entry's title and the controller's address are redacted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from .const import CONF_COURIER_USERS, CONF_HOUSEHOLDS
from .coordinator import ParcelLockerConfigEntry
from .domain.wiring import wall_map_to_dict

TO_REDACT = {CONF_HOST, "title", CONF_COURIER_USERS, CONF_HOUSEHOLDS, CONF_HOUSEHOLDS}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ParcelLockerConfigEntry
) -> dict[str, Any]:
    """The connection, walls, point maps, last polls and the ledger's counts."""
    coordinator = entry.runtime_data
    ledger = coordinator.ledger
    parcels = ledger.list_parcels(include_finished=True)
    walls = {
        wall_id: {
            "name": wall.name,
            "prefix": wall.prefix,
            "hub_timed_pulse": wall.pulse_seconds,
            "requests_per_poll": coordinator.links[wall_id].requests_per_poll,
            "requests_per_fast_poll": (
                coordinator.links[wall_id].requests_per_fast_poll
            ),
            "map": wall_map_to_dict(wall.map),
            "online": coordinator.data.walls[wall_id].online,
            "free": coordinator.data.walls[wall_id].free,
            "waiting": coordinator.data.walls[wall_id].waiting,
            "problems": list(coordinator.data.walls[wall_id].problems),
        }
        for wall_id, wall in coordinator.walls.items()
    }
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "connection": {"connected": coordinator.connection.connected},
            "polling": {
                "interval_seconds": coordinator.poll_interval.total_seconds(),
                "last_update_success": coordinator.last_update_success,
                "last_poll_seconds": coordinator.last_poll_seconds,
                # The kind only: a message may name the controller's address.
                "last_error": type(coordinator.last_exception).__name__
                if coordinator.last_exception
                else None,
            },
            "walls": walls,
            "ledger": {
                "revision": ledger.revision,
                "parcels_by_state": dict(Counter(p["state"] for p in parcels)),
                "active_codes": len(ledger.list_codes()),
                "audit_by_action": dict(
                    Counter(entry.action for entry in ledger.audit_trail())
                ),
            },
        },
        TO_REDACT,
    )
