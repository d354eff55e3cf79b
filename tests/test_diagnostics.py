"""Diagnostics tell an installer what they need and leak nothing personal."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.server import LockerSimulator

from .test_services import deliver


async def test_diagnostics_redact_codes_people_and_tracking(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """A delivery shows up as counts only: no code, person, parcel or address."""
    delivered = await deliver(
        hass, init_integration, simulator, tracking="JJD000123456"
    )
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    dumped = json.dumps(diagnostics)
    for private in (
        delivered["code"],
        delivered["parcel_id"],
        "JJD000123456",
        "person.bob",
        "Bob",
        "127.0.0.1",
        init_integration.title,
    ):
        assert private not in dumped
    assert diagnostics["entry"]["data"]["host"] == "**REDACTED**"
    assert diagnostics["entry"]["title"] == "**REDACTED**"

    wall = diagnostics["walls"]["wall_lobby"]
    assert wall["name"] == "Lobby"
    assert wall["requests_per_poll"] == 6
    assert wall["waiting"] == 1
    assert len(wall["map"]["compartments"]) == 24
    assert diagnostics["polling"]["last_update_success"] is True
    assert diagnostics["polling"]["last_poll_seconds"] is not None
    assert diagnostics["ledger"]["parcels_by_state"] == {"stored": 1}
    assert diagnostics["ledger"]["active_codes"] == 1
    assert diagnostics["ledger"]["audit_by_action"] == {
        "assign": 1,
        "door_opened": 1,
        "door_closed": 1,
        "delivered": 1,
    }
