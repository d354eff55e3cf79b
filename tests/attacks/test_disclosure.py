"""Item 8: nothing tells a resident which parcels exist, or who they are for."""

from __future__ import annotations

from http import HTTPStatus
import json
import logging

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parcel_locker.pickup_qr import qr_path
from simulator.server import LockerSimulator
from tests.conftest import BOB, CHARLIE
from tests.test_residents import access_token

from .conftest import WALL_A, assert_one_line_at_most, deliver_to

# Home Assistant's REST API answers a refused action with 400 from 2026.10 on;
# before, core itself logged every refusal over REST with a traceback.
REST_REFUSALS_ANSWERED = AwesomeVersion("2026.10.0")


async def test_qr_endpoint_answers_the_same_for_others_and_for_nothing(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    bobs = await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    charlie = await hass_client(await access_token(hass, people[CHARLIE]))
    real = await charlie.get(qr_path(bobs["parcel_id"]))
    made_up = await charlie.get(qr_path("0123456789ab"))
    assert real.status == made_up.status == HTTPStatus.NOT_FOUND
    assert await real.read() == await made_up.read()
    bob = await hass_client(await access_token(hass, people[BOB]))
    assert (await bob.get(qr_path(bobs["parcel_id"]))).status == HTTPStatus.OK


async def test_diagnostics_hold_no_personal_data_for_anyone_who_downloads_them(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A resident can download them (Home Assistant lets any user): nothing leaks."""
    assert await async_setup_component(hass, "diagnostics", {})
    bobs = await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    charlie = await hass_client(await access_token(hass, people[CHARLIE]))
    response = await charlie.get(
        f"/api/diagnostics/config_entry/{init_integration.entry_id}"
    )
    if response.status != HTTPStatus.OK:  # a newer Home Assistant refuses
        return
    text = json.dumps(await response.json())
    for private in (
        bobs["code"],
        bobs["parcel_id"],
        BOB,
        "Bob",
        "127.0.0.1",
        init_integration.title,
    ):
        assert private not in text


async def test_a_wrong_code_over_rest_is_one_line_at_most(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "api", {})
    charlie = await hass_client(await access_token(hass, people[CHARLIE]))
    caplog.clear()
    response = await charlie.post(
        "/api/services/parcel_locker/redeem_code", json={"code": "00000000"}
    )
    ours = [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.parcel_locker")
        and record.levelno >= logging.INFO
    ]
    assert ours == []  # the integration itself logs nothing for a refusal
    if AwesomeVersion(ha_version) >= REST_REFUSALS_ANSWERED:
        assert response.status == HTTPStatus.BAD_REQUEST
        assert "That code is not valid" in await response.text()
        assert_one_line_at_most(caplog)
