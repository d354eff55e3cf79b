"""Item 6: live codes never reach the recorder, automation traces or logs.

A full delivery and pickup with the default recorder and the shipped
notification blueprint; then every table of the database, every trace of the
automation and every log line are searched for the code. Bob's phone still gets
the code (a picture it fetches with its own login) and the Open button. The
same for a return's collection code sent to the carrier by the returns
blueprint (``parcel_locker.send_code``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.util import session_scope
from homeassistant.core import HomeAssistant, ServiceCall
import pyqrcode
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    RecorderInstanceGenerator,
    WebSocketGenerator,
)
from sqlalchemy import text

from simulator.server import LockerSimulator
from tests.conftest import BOB, CHARLIE, issued_code
from tests.test_blueprints import (  # noqa: F401 - fixtures
    NOTIFY_INPUTS,
    automation,
    blueprint_folder,
    collect,
    phones,
    press,
)
from tests.test_lifecycle_blueprints import CARRIER_DESK, notifiers, start_return
from tests.test_residents import access_token, qr_modules
from tests.test_services import deliver


@pytest.fixture
def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """The recorder's database must exist before Home Assistant starts."""


def every_row(hass: HomeAssistant) -> str:
    """Every row of every table of the recorder's database, as text."""
    with session_scope(hass=hass, read_only=True) as session:
        tables = [
            str(row[0])
            for row in session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
        ]
        assert {"events", "event_data", "states", "state_attributes"} <= set(tables)
        return "\n".join(
            f"{table}: {row}"
            for table in tables
            for row in session.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
        )


async def traces(hass: HomeAssistant, ws: Any) -> str:
    """Every stored trace of every automation, in full."""
    await ws.send_json({"id": 1, "type": "trace/list", "domain": "automation"})
    listed = await ws.receive_json()
    assert listed["success"]
    found: list[Any] = []
    for index, summary in enumerate(listed["result"], start=2):
        await ws.send_json(
            {
                "id": index,
                "type": "trace/get",
                "domain": "automation",
                "item_id": summary["item_id"],
                "run_id": summary["run_id"],
            }
        )
        reply = await ws.receive_json()
        assert reply["success"]
        found.append(reply["result"])
    assert found
    return json.dumps(found)


async def test_a_delivery_and_pickup_leave_no_code_anywhere(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    phones: dict[str, list[ServiceCall]],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Connected before the HTTP test client starts: newer Home Assistant sets
    # the websocket API up on demand, and a started server takes no new routes.
    ws = await hass_ws_client(hass)
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    code = bobs["code"]
    await hass.async_block_till_done()

    # Bob's phone: the message, the Open button, and the picture of the code.
    (sent,) = phones["bob"]
    assert code not in json.dumps(sent.data)
    action = f"PARCEL_LOCKER_OPEN_{bobs['parcel_id']}"
    assert sent.data["data"]["actions"] == [
        {"action": action, "title": "Open compartment"}
    ]
    phone = await hass_client(await access_token(hass, people[BOB]))
    picture = await phone.get(sent.data["data"]["image"])
    png = await picture.read()
    assert qr_modules(png) == pyqrcode.create(bobs["qr"], error="M").code
    assert f"code={code}" in bobs["qr"]

    # He presses Open on his phone and takes the parcel out.
    press(hass, action, people[BOB])
    await hass.async_block_till_done()
    await collect(hass, init_integration, simulator, bobs["number"])
    assert len(phones["bob"]) == 2  # the notification is cleared
    await async_wait_recording_done(hass)

    rows = await recorder_mock.async_add_executor_job(every_row, hass)
    assert "parcel_locker_delivered" in rows
    assert bobs["parcel_id"] in rows
    assert code not in rows
    recorded_traces = await traces(hass, ws)
    assert bobs["parcel_id"] in recorded_traces
    assert code not in recorded_traces
    assert code not in caplog.text


async def test_the_carriers_code_reaches_it_and_nothing_else(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The returns blueprint: the code is in the carrier's message, nowhere else.

    The automation passes ``parcel_locker.send_code`` a message with the
    placeholder ``{code}``; the integration puts the code in and hands it to the
    notify entity itself. Not in the event, the automation's variables and
    trace, the recorded action call, the entity's state or the log.
    """
    caplog.set_level(logging.DEBUG)
    (desk,) = await notifiers(hass, CARRIER_DESK)
    await automation(hass, "returns", {"notify_entities": [CARRIER_DESK]})
    returned = await start_return(hass, init_integration, simulator)
    await hass.async_block_till_done()
    code = issued_code(hass, returned["parcel_id"]).code
    (sent,) = desk.sent
    assert f"Collection code: {code}," in sent["message"]
    await async_wait_recording_done(hass)

    rows = await recorder_mock.async_add_executor_job(every_row, hass)
    assert "parcel_locker_return_ready" in rows
    assert "parcel_locker.send_code" in rows or '"send_code"' in rows
    assert "{code}" in rows  # the placeholder, as the automation sent it
    assert code not in rows
    ws = await hass_ws_client(hass)
    recorded_traces = await traces(hass, ws)
    assert returned["parcel_id"] in recorded_traces
    assert code not in recorded_traces
    assert code not in caplog.text
    assert code not in str(hass.states.async_all())


async def test_a_kiosk_pickup_leaves_no_code_in_the_recorder(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """The kiosk's code (typed or scanned) is no action call: nothing records it.

    An action's data is in the recorder's ``call_service`` event; the panel's
    kiosk uses ``parcel_locker/redeem`` instead, which opens the same way.
    """
    bobs = await deliver(hass, init_integration, simulator, BOB)
    code = bobs["code"]
    tablet = MockUser(name="Wall tablet").add_to_hass(hass)
    kiosk = await hass_ws_client(hass, await access_token(hass, tablet))
    await kiosk.send_json({"id": 1, "type": "parcel_locker/redeem", "code": code})
    opened = await kiosk.receive_json()
    assert opened["success"], opened
    assert opened["result"]["compartment"] == bobs["compartment"]
    await collect(hass, init_integration, simulator, bobs["number"])
    await async_wait_recording_done(hass)

    rows = await recorder_mock.async_add_executor_job(every_row, hass)
    assert "parcel_locker_picked_up" in rows
    assert code not in rows

    # Through the action instead, the same pickup leaves its code behind.
    charlies = await deliver(hass, init_integration, simulator, CHARLIE)
    await kiosk.send_json(
        {
            "id": 2,
            "type": "call_service",
            "domain": "parcel_locker",
            "service": "redeem_code",
            "service_data": {"code": charlies["code"]},
        }
    )
    assert (await kiosk.receive_json())["success"]
    await async_wait_recording_done(hass)
    rows = await recorder_mock.async_add_executor_job(every_row, hass)
    assert charlies["code"] in rows
