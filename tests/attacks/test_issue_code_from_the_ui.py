"""Item 7: ``issue_code`` as the UI sends it, and dates nobody means."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from simulator.server import LockerSimulator

from .conftest import assert_one_line_at_most


async def call_from_the_ui(
    hass_ws_client: WebSocketGenerator, hass: HomeAssistant, data: dict
) -> dict:
    """What the action dialog sends: local date and time text, no zone."""
    ws = await hass_ws_client(hass)
    await ws.send_json(
        {
            "id": 1,
            "type": "call_service",
            "domain": "parcel_locker",
            "service": "issue_code",
            "service_data": data,
            "return_response": True,
        }
    )
    return await ws.receive_json()


async def test_the_date_time_picker_means_local_time(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reply = await call_from_the_ui(
        hass_ws_client,
        hass,
        {"kind": "courier", "valid_until": "2099-12-01 18:30:00"},
    )
    assert reply["success"], reply
    response = reply["result"]["response"]
    until = datetime(2099, 12, 1, 18, 30, tzinfo=dt_util.get_default_time_zone())
    assert dt_util.parse_datetime(response["expires"]) == until
    assert hass.config.time_zone != "UTC"  # the zone really matters here
    assert_one_line_at_most(caplog)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("valid_until", "9999-12-31 00:00:00"),
        ("valid_until", "2100-01-01 00:00:00"),
        ("valid_from", "1999-12-31 23:59:00"),
        ("valid_from", "0001-01-01 00:00:00"),
    ],
)
async def test_absurd_dates_get_a_translated_error(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    caplog: pytest.LogCaptureFixture,
    field: str,
    value: str,
) -> None:
    codes = init_integration.runtime_data.ledger.list_codes()
    reply = await call_from_the_ui(
        hass_ws_client, hass, {"kind": "courier", field: value}
    )
    assert not reply["success"]
    error = reply["error"]
    assert error["translation_key"] == "date_out_of_range"
    assert error["translation_placeholders"] == {
        "field": field,
        "first": "2000",
        "last": "2100",
    }
    assert (
        f"The {field} date must lie between the years 2000 and 2100"
        in (error["message"])
    )
    assert init_integration.runtime_data.ledger.list_codes() == codes
    assert_one_line_at_most(caplog)
