"""Parcel life cycle v2 through the actions, events and entities (issue 13).

Real Home Assistant, the simulated wall over loopback Modbus: parcels that fit
nowhere, deliveries announced by tracking number (the action, the webhook and
the wall's keypad), the pickup deadline, households, shared codes and courier
codes for a named recipient.

The README's examples for these are copied from the ``README_*`` texts below,
which these tests run.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any

from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.parcel_locker import announce_webhook as webhook_module
from custom_components.parcel_locker.announce_webhook import webhook_id_for
from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.store import async_secret_key
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB, CHARLIE, capture_events, issued_code, poll
from .test_residents import access_token
from .test_services import call, deliver

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
ACCEPTED, REJECTED = 1, 2

# -- the README's examples ------------------------------------------------------

README_ANNOUNCE = """\
action: parcel_locker.announce_delivery
data:
  recipient: person.bob
  tracking: JJD 0099 1234
  carrier: DHL
  size: M
  cold: true
  expected: "{{ (now() + timedelta(days=1)).date() }}"
"""

README_TRACKING_ONLY = """\
action: parcel_locker.assign_delivery
data:
  tracking: jjd00991234
response_variable: delivery
"""

README_WEBHOOK_BODY = (
    '{"recipient": "Bob", "tracking": "JJD0099", "carrier": "DHL", "size": "M"}'
)

README_SHARE = """\
action: parcel_locker.share_parcel
data:
  parcel_id: "{{ parcel_id }}"
  valid_until: "{{ now() + timedelta(hours=12) }}"
response_variable: shared
"""

README_NEVER_ARRIVED = """\
alias: Tell me when an announced parcel never came
triggers:
  - trigger: event
    event_type: parcel_locker_announcement_expired
actions:
  - action: notify.mobile_app_bobs_phone
    data:
      title: Parcel not delivered
      message: >-
        Parcel {{ trigger.event.data.tracking }} was expected until
        {{ as_timestamp(trigger.event.data.expected_until)
           | timestamp_custom('%a %d %b') }} and has not come.
"""


def test_the_readme_shows_these_examples() -> None:
    """Each example in the README is one these tests run, word for word."""
    for example in (
        README_ANNOUNCE,
        README_TRACKING_ONLY,
        README_WEBHOOK_BODY,
        README_SHARE,
        README_NEVER_ARRIVED,
    ):
        assert example in README, example


async def scripts(hass: HomeAssistant, **steps: str) -> None:
    """README YAML as scripts, by name; each answers its response variable."""
    config: dict[str, Any] = {}
    for name, text in steps.items():
        step = yaml.safe_load(text)
        sequence = [step]
        if "response_variable" in step:
            variable = step["response_variable"]
            sequence.append({"stop": "done", "response_variable": variable})
        config[name] = {"sequence": sequence}
    assert await async_setup_component(hass, "script", {"script": config})


async def run(hass: HomeAssistant, name: str, **variables: Any) -> dict[str, Any]:
    """Run a script as staff (an automation); what it answers."""
    response = await hass.services.async_call(
        "script", name, variables, blocking=True, return_response=True
    )
    return dict(response or {})


async def door_cycle(
    entry: MockConfigEntry, simulator: LockerSimulator, number: int, *, load: bool
) -> None:
    """Someone opens the door, puts a parcel in (or takes it out), closes it."""
    wall = simulator.wall(1)
    assert wall.open_door(number)
    await poll(entry)
    if load:
        wall.put_parcel(number)
    else:
        wall.take_parcel(number)
    wall.close_door(number)
    await poll(entry)


def number_of(response: dict[str, Any]) -> int:
    return int(str(response["compartment"]).split("-")[1])


async def set_options(
    hass: HomeAssistant, entry: MockConfigEntry, **options: Any
) -> None:
    """Change options as the UI does (the entry reloads)."""
    hass.config_entries.async_update_entry(entry, options={**entry.options, **options})
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


# -- no fit ----------------------------------------------------


async def test_a_parcel_that_fits_nowhere_is_held_at_the_desk(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """No XL compartment: recorded as held, told, handed over by staff."""
    events = capture_events(hass)
    held = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "size": "XL", "carrier": "UPS"},
        response=True,
    )
    assert held["held"] is True
    assert (held["compartment"], held["recipient"]) == (None, BOB)
    assert simulator.wall(1).coil_writes == []  # nothing opened
    [no_fit] = events["no_fit"]
    assert no_fit.data["parcel_id"] == held["parcel_id"]
    assert (no_fit.data["size"], no_fit.data["carrier"]) == ("XL", "UPS")
    assert no_fit.data["compartment"] is None
    assert no_fit.data["household"] == [BOB]

    # Bob sees it waiting at the desk, after a restart too.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    sensor = hass.states.get("sensor.bob_parcels")
    assert sensor is not None
    assert sensor.state == "1"
    [shown] = sensor.attributes["parcels"]
    assert (shown["state"], shown["compartment"]) == ("held", None)
    listed = await call(hass, "list_parcels", {}, people[BOB])
    assert [parcel["state"] for parcel in listed["parcels"]] == ["held"]
    # It has no compartment to open and no code to share.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_compartment", {"parcel_id": held["parcel_id"]})
    assert err.value.translation_key == "parcel_not_waiting"

    # Staff hand it over; only staff may.
    with pytest.raises(Unauthorized):
        await call(
            hass, "mark_collected", {"parcel_id": held["parcel_id"]}, people[BOB]
        )
    await call(hass, "mark_collected", {"parcel_id": held["parcel_id"]}, people[ALICE])
    [picked] = events["picked_up"]
    assert (picked.data["parcel_id"], picked.data["override"]) == (
        held["parcel_id"],
        True,
    )
    assert hass.states.get("sensor.bob_parcels").state == "0"


# -- announced deliveries -----------------------------------------------------------


async def test_a_delivery_announced_by_its_recipient(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Bob announces; the courier gives the number only; the right place opens."""
    events = capture_events(hass)
    announced = await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "JJD 0099 5678", "size": "M", "cold": True},
        people[BOB],
        response=True,
    )
    [event] = events["announced"]
    assert event.data["parcel_id"] == announced["parcel_id"]
    assert (event.data["recipient"], event.data["cold"]) == (BOB, True)
    # Not for someone else, and never twice (in any case or spacing).
    with pytest.raises(Unauthorized):
        await call(
            hass,
            "announce_delivery",
            {"recipient": CHARLIE, "tracking": "C1"},
            people[BOB],
        )
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "announce_delivery", {"recipient": ALICE, "tracking": "jjd00995678"}
        )
    assert err.value.translation_key == "tracking_already_known"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "assign_delivery", {"tracking": "NOT-ANNOUNCED"})
    assert err.value.translation_key == "tracking_not_announced"

    delivery = await call(
        hass, "assign_delivery", {"tracking": "jjd0099 5678"}, response=True
    )
    assert delivery["parcel_id"] == announced["parcel_id"]
    assert delivery["recipient"] == BOB
    # M and cold: the smallest cooled compartment that fits (A-21, an L).
    assert (delivery["compartment"], delivery["size"], delivery["cold"]) == (
        "A-21",
        "M",
        True,
    )
    await door_cycle(init_integration, simulator, 21, load=True)
    [delivered] = events["delivered"]
    assert delivered.data["parcel_id"] == announced["parcel_id"]
    assert delivered.data["tracking"] == "JJD 0099 5678"


async def test_the_readme_announcement_and_tracking_only_delivery(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """The README's script: announce, then deliver by the tracking number alone."""
    await scripts(hass, announce=README_ANNOUNCE, courier=README_TRACKING_ONLY)
    await run(hass, "announce")
    delivery = await run(hass, "courier")
    assert (delivery["recipient"], delivery["size"], delivery["cold"]) == (
        BOB,
        "M",
        True,
    )
    assert delivery["compartment"] == "A-21"
    parcel = init_integration.runtime_data.ledger.parcel(delivery["parcel_id"])
    assert (parcel.carrier, parcel.tracking) == ("DHL", "JJD 0099 1234")


async def test_an_announcement_that_never_arrives_expires(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Expected tomorrow: it lapses at the end of the day after; Bob is told."""
    notified = []

    async def phone(call_: Any) -> None:
        notified.append(call_.data)

    hass.services.async_register("notify", "mobile_app_bobs_phone", phone)
    assert await async_setup_component(
        hass, "automation", {"automation": [yaml.safe_load(README_NEVER_ARRIVED)]}
    )
    events = capture_events(hass)
    tomorrow = (dt_util.now() + timedelta(days=1)).date()
    announced = await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "LATE 1", "expected": tomorrow.isoformat()},
        response=True,
    )
    until = dt_util.parse_datetime(announced["expected_until"])
    assert until is not None
    assert dt_util.as_local(until).date() == tomorrow + timedelta(days=2)
    assert (dt_util.as_local(until).hour, dt_util.as_local(until).minute) == (0, 0)

    freezer.move_to(until - timedelta(minutes=1))
    await poll(init_integration)
    assert events["announcement_expired"] == []
    freezer.move_to(until + timedelta(minutes=1))
    await poll(init_integration)
    await hass.async_block_till_done()
    [expired] = events["announcement_expired"]
    assert expired.data["tracking"] == "LATE 1"
    [sent] = notified
    assert sent["message"] == (
        f"Parcel LATE 1 was expected until "
        f"{dt_util.as_local(until).strftime('%a %d %b')} and has not come."
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "assign_delivery", {"tracking": "late1"})
    assert err.value.translation_key == "tracking_not_announced"
    # A date in the past, or months ahead, is refused.
    for days in (-1, 61):
        with pytest.raises(ServiceValidationError) as err:
            await call(
                hass,
                "announce_delivery",
                {
                    "recipient": BOB,
                    "tracking": f"D{days}",
                    "expected": (dt_util.now().date() + timedelta(days=days)),
                },
            )
        assert err.value.translation_key == "expected_out_of_range"


async def test_residents_announce_a_few_at_a_time(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A resident cannot fill the ledger with announcements."""
    for index in range(10):
        await call(
            hass,
            "announce_delivery",
            {"recipient": BOB, "tracking": f"B{index}"},
            people[BOB],
        )
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "announce_delivery",
            {"recipient": BOB, "tracking": "B10"},
            people[BOB],
        )
    assert err.value.translation_key == "too_many_announcements"
    # Staff are not limited.
    await call(hass, "announce_delivery", {"recipient": BOB, "tracking": "B10"})


async def test_a_courier_types_the_announced_number_at_the_keypad(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A numeric tracking number typed at the wall opens the announced place."""
    events = capture_events(hass)
    wall = simulator.wall(1)
    await call(
        hass,
        "announce_delivery",
        {"recipient": CHARLIE, "tracking": "4004001234", "size": "L"},
    )
    wall.enter_code("4004001234")
    await poll(init_integration)
    # An L parcel, not cold: the first L compartment that is not cooled.
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(23) == 1
    assert events["code_rejected"] == []
    await door_cycle(init_integration, simulator, 23, load=True)
    [delivered] = events["delivered"]
    assert (delivered.data["recipient"], delivered.data["compartment"]) == (
        CHARLIE,
        "A-23",
    )
    # Once delivered, the number is just a wrong code.
    wall.enter_code("4004001234")
    await poll(init_integration)
    assert wall.keypad_feedback == REJECTED
    assert len(events["code_rejected"]) == 1
    assert wall.release_count(23) == 1


# -- the webhook ----------------------------------------------------


async def test_shops_announce_through_the_webhook(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A POST to the real webhook URL; strict checks; nothing personal echoed."""
    entry = init_integration
    webhook_id = webhook_id_for(await async_secret_key(hass), entry.entry_id)
    url = f"/api/webhook/{webhook_id}"
    client = await hass_client_no_auth()
    headers = {"Content-Type": "application/json"}

    # Off until staff turn it on: Home Assistant answers as for any unknown hook.
    response = await client.post(url, data=README_WEBHOOK_BODY, headers=headers)
    assert response.status == HTTPStatus.OK
    assert entry.runtime_data.ledger.announcement("JJD0099") is None

    # The options show where to post.
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    assert flow["description_placeholders"] == {"webhook": url}
    await set_options(hass, entry, announce_webhook=True)
    events = capture_events(hass)

    response = await client.post(url, data=README_WEBHOOK_BODY, headers=headers)
    assert response.status == HTTPStatus.CREATED
    assert await response.json() == {"status": "announced"}
    [announced] = events["announced"]
    assert (announced.data["recipient"], announced.data["size"]) == (BOB, "M")
    parcel = entry.runtime_data.ledger.announcement("jjd 0099")
    assert parcel is not None
    assert entry.runtime_data.ledger.audit_trail()[-1].actor == "webhook"

    refusals = [
        (README_WEBHOOK_BODY, HTTPStatus.CONFLICT, {"error": "tracking_already_known"}),
        ("{not json", HTTPStatus.BAD_REQUEST, {"error": "invalid_json"}),
        ("[1, 2]", HTTPStatus.BAD_REQUEST, {"error": "invalid_field", "field": ""}),
        (
            '{"recipient": "Bob", "tracking": "X1", "admin": true}',
            HTTPStatus.BAD_REQUEST,
            {"error": "invalid_field", "field": "admin"},
        ),
        (
            '{"recipient": "Bob", "tracking": "<script>"}',
            HTTPStatus.BAD_REQUEST,
            {"error": "invalid_field", "field": "tracking"},
        ),
        (
            '{"recipient": "Mallory", "tracking": "X2"}',
            HTTPStatus.UNPROCESSABLE_ENTITY,
            {"error": "unknown_recipient"},
        ),
        (
            '{"recipient": "person.bob", "tracking": "X3", "expected": "1999-01-01"}',
            HTTPStatus.UNPROCESSABLE_ENTITY,
            {"error": "expected_out_of_range"},
        ),
        (
            json.dumps({"recipient": "Bob", "tracking": "X4", "carrier": "x" * 4000}),
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            {"error": "too_large"},
        ),
    ]
    for body, status, answer in refusals:
        response = await client.post(url, data=body, headers=headers)
        assert (response.status, await response.json()) == (status, answer), body
    # Only POST.
    assert (await client.get(url)).status == HTTPStatus.METHOD_NOT_ALLOWED
    assert len(events["announced"]) == 1

    # A flood is cut off.
    # Counted so far: the announcement and the refusals (the GET never reached it).
    monkeypatch.setattr(webhook_module, "REQUESTS_PER_HOUR", len(refusals) + 2)
    body = json.dumps({"recipient": "Charlie", "tracking": "C1"})
    assert (await client.post(url, data=body, headers=headers)).status == (
        HTTPStatus.CREATED
    )
    body = json.dumps({"recipient": "Charlie", "tracking": "C2"})
    response = await client.post(url, data=body, headers=headers)
    assert response.status == HTTPStatus.TOO_MANY_REQUESTS
    assert await response.json() == {"error": "too_many_requests"}
    assert [event.data["tracking"] for event in events["announced"]] == [
        "JJD0099",
        "C1",
    ]

    # The courier gives the number: Bob's parcel, M.
    delivery = await call(
        hass, "assign_delivery", {"tracking": "JJD0099"}, response=True
    )
    assert (delivery["recipient"], delivery["compartment"]) == (BOB, "A-13")


# -- the pickup deadline ----------------------------------------------------


async def test_an_uncollected_parcel_goes_back_to_its_sender(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    hass_client: ClientSessionGenerator,
) -> None:
    """Deadline 2 days: one reminder, then sent back; Bob's rights end there."""
    entry = init_integration
    # Set (and reloaded) before the clock stops: connecting needs it running.
    await set_options(hass, entry, pickup_deadline_days=2)
    with freeze_time(dt_util.utcnow()) as freezer:
        await _sent_back(hass, entry, simulator, people, hass_client, freezer)


async def _sent_back(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = capture_events(hass)
    bobs = await deliver(hass, entry, simulator, BOB)
    parcel_id = bobs["parcel_id"]
    freezer.tick(timedelta(hours=24, minutes=1))
    await poll(entry)
    assert len(events["overdue"]) == 1
    freezer.tick(timedelta(hours=24))
    await poll(entry)
    [sent_back] = events["return_to_sender"]
    assert sent_back.data["parcel_id"] == parcel_id
    assert "code" not in sent_back.data
    assert len(events["overdue"]) == 1  # reminders stop here
    carrier = issued_code(hass, parcel_id)
    assert carrier.kind == "return"
    for _ in range(2):  # within the carrier code's lifetime (72 h)
        freezer.tick(timedelta(days=1))
        await poll(entry)
    assert len(events["overdue"]) == 1

    # Bob: his code, his button and the picture no longer work.
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": bobs["code"]}, people[BOB])
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_compartment", {"parcel_id": parcel_id}, people[BOB])
    assert err.value.translation_key == "parcel_not_waiting"
    phone = await hass_client(await access_token(hass, people[BOB]))
    assert (await phone.get(f"/api/parcel_locker/qr/{parcel_id}")).status == 404
    staff = await hass_client(await access_token(hass, people[ALICE]))
    assert (await staff.get(f"/api/parcel_locker/qr/{parcel_id}")).status == 200

    # The carrier collects it with the collection code.
    opened = await call(hass, "redeem_code", {"code": carrier.code}, response=True)
    assert opened["parcel_id"] == parcel_id
    await door_cycle(entry, simulator, bobs["number"], load=False)
    [picked] = events["picked_up"]
    assert picked.data["returned"] is True
    assert entry.runtime_data.ledger.parcel(parcel_id).state == "returned"


# -- households ----------------------------------------------------


async def test_households_are_set_in_the_options(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """One household per line; persons that exist, each in one household."""
    entry = init_integration
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    shown = {
        key.schema: key.description["suggested_value"]
        for key in flow["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert shown["households"] == ""
    assert shown["pickup_deadline_days"] == 7
    for text, error in (
        ("person.bob, person.mallory", "unknown_person"),
        ("person.bob", "household_of_one"),
        ("person.bob, person.charlie\nperson.bob, person.dora", "person_twice"),
        ("bob, charlie", "unknown_person"),
    ):
        flow = await hass.config_entries.options.async_configure(
            flow["flow_id"], {**shown, "households": text}
        )
        assert flow["errors"] == {"households": error}, text
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {**shown, "households": "person.charlie person.bob\n\nperson.dora;person.ann"},
    )
    assert flow["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["households"] == [
        [BOB, CHARLIE],
        ["person.ann", "person.dora"],
    ]
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    [households] = [
        key.description["suggested_value"]
        for key in flow["data_schema"].schema
        if key.schema == "households"
    ]
    assert households == "person.bob, person.charlie\nperson.ann, person.dora"


async def test_a_household_sees_opens_and_is_told(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    hass_client: ClientSessionGenerator,
) -> None:
    """Charlie lives with Bob: Bob's parcel is his to see, open and share."""
    entry = init_integration
    charlie = people[CHARLIE]
    await set_options(hass, entry, households=[[BOB, CHARLIE]])
    events = capture_events(hass)
    bobs = await deliver(hass, entry, simulator, BOB)

    sensor = hass.states.get("sensor.charlie_parcels")
    assert sensor is not None
    assert sensor.state == "1"
    assert sensor.attributes["parcels"][0]["recipient"] == BOB
    listed = await call(hass, "list_parcels", {}, charlie)
    assert [parcel["parcel_id"] for parcel in listed["parcels"]] == [bobs["parcel_id"]]
    phone = await hass_client(await access_token(hass, charlie))
    picture = await phone.get(f"/api/parcel_locker/qr/{bobs['parcel_id']}")
    assert picture.status == 200

    # Events name the household, so notifications reach everyone in it.
    again = await deliver(hass, entry, simulator, BOB)
    assert events["delivered"][0].data["household"] == [BOB, CHARLIE]
    assert events["delivered"][0].data["recipient"] == BOB
    # "Open my compartments" from Charlie opens Bob's too.
    await call(hass, "open_compartment", {"recipient": CHARLIE}, charlie)
    wall = simulator.wall(1)
    assert wall.release_count(bobs["number"]) == 2
    assert wall.release_count(again["number"]) == 2
    # Outside the household, nothing: Ann's parcels stay hers.
    anns = await deliver(hass, entry, simulator, "person.ann")
    with pytest.raises(Unauthorized):
        await call(hass, "open_compartment", {"parcel_id": anns["parcel_id"]}, charlie)
    # Without the household, Bob's parcel is Bob's alone again.
    await set_options(hass, entry, households=[])
    with pytest.raises(Unauthorized):
        await call(hass, "open_compartment", {"parcel_id": bobs["parcel_id"]}, charlie)


# -- sharing with a neighbour ---------------------------------------------------


async def test_a_neighbour_collects_with_a_shared_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Bob shares a one-time code; the neighbour types it at the wall."""
    entry = init_integration
    bobs = await deliver(hass, entry, simulator, BOB)
    events = capture_events(hass)
    every_event: list[Any] = []
    hass.bus.async_listen("*", every_event.append)
    # Only Bob (or his household, or staff) may share or stop sharing.
    with pytest.raises(Unauthorized):
        await call(
            hass, "share_parcel", {"parcel_id": bobs["parcel_id"]}, people[CHARLIE]
        )
    shared = await call(
        hass, "share_parcel", {"parcel_id": bobs["parcel_id"]}, people[BOB]
    )
    assert shared["kind"] == "share"
    assert shared["code"] != bobs["code"]
    assert (shared["compartment"], shared["wall_name"]) == (
        bobs["compartment"],
        "Lobby",
    )
    # A wrong guess at it counts like any wrong code.
    with pytest.raises(ServiceValidationError):
        await call(
            hass,
            "redeem_code",
            {"code": f"{(int(shared['code']) + 1) % 10**8:08d}"},
            people[CHARLIE],
        )
    assert len(events["code_rejected"]) == 1

    wall = simulator.wall(1)
    wall.enter_code(shared["code"])
    await poll(entry)
    assert wall.keypad_feedback == ACCEPTED
    await door_cycle(entry, simulator, bobs["number"], load=False)
    [picked] = events["picked_up"]
    assert (picked.data["parcel_id"], picked.data["by"]) == (
        bobs["parcel_id"],
        "keypad",
    )
    # One-time: neither code opens anything now; no event ever held the code.
    for code in (shared["code"], bobs["code"]):
        with pytest.raises(ServiceValidationError):
            await call(hass, "redeem_code", {"code": code})
    # (The redeem_code calls just above hold it: an action's data, not an event.)
    locker_events = [
        event.data for event in every_event if event.event_type.startswith(DOMAIN)
    ]
    assert locker_events
    assert shared["code"] not in str(locker_events)


async def test_a_shared_code_is_revocable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Stopping the share ends the neighbour's code, not Bob's own."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    shared = await call(
        hass, "share_parcel", {"parcel_id": bobs["parcel_id"]}, people[BOB]
    )
    with pytest.raises(Unauthorized):
        await call(
            hass, "unshare_parcel", {"parcel_id": bobs["parcel_id"]}, people[CHARLIE]
        )
    await call(hass, "unshare_parcel", {"parcel_id": bobs["parcel_id"]}, people[BOB])
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": shared["code"]})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "unshare_parcel", {"parcel_id": bobs["parcel_id"]})
    assert err.value.translation_key == "code_not_found"
    opened = await call(hass, "redeem_code", {"code": bobs["code"]}, response=True)
    assert opened["parcel_id"] == bobs["parcel_id"]


async def test_the_readme_share_script(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """The README's script shares for twelve hours."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await scripts(hass, share=README_SHARE)
    shared = await run(hass, "share", parcel_id=bobs["parcel_id"])
    expires = dt_util.parse_datetime(shared["expires"])
    assert expires is not None
    assert (
        timedelta(hours=11, minutes=59)
        < expires - dt_util.utcnow()
        <= timedelta(hours=12)
    )


# -- courier codes for a named recipient -----------------------------------------


async def test_a_courier_code_names_its_recipient_and_carrier(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A drop-off with it is delivered to Bob, as any delivery."""
    events = capture_events(hass)
    issued = await call(
        hass,
        "issue_code",
        {"kind": "courier", "recipient": BOB, "carrier": "GLS", "size": "M"},
    )
    wall = simulator.wall(1)
    wall.enter_code(issued["code"])
    await poll(init_integration)
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(13) == 1
    await door_cycle(init_integration, simulator, 13, load=True)
    [delivered] = events["delivered"]
    assert (delivered.data["recipient"], delivered.data["carrier"]) == (BOB, "GLS")
    assert (delivered.data["kind"], delivered.data["household"]) == ("courier", [BOB])
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "issue_code", {"kind": "courier", "recipient": "person.mallory"}
        )
    assert err.value.translation_key == "unknown_recipient"


async def test_a_resident_cannot_use_the_new_actions_on_others(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """send_code is staff only; a resident's context reaches nothing of Alice's."""
    alices = await deliver(hass, init_integration, simulator, ALICE)
    bob = people[BOB]
    for name, data in (
        ("share_parcel", {"parcel_id": alices["parcel_id"]}),
        ("unshare_parcel", {"parcel_id": alices["parcel_id"]}),
        ("announce_delivery", {"recipient": ALICE, "tracking": "A1"}),
        (
            "send_code",
            {
                "parcel_id": alices["parcel_id"],
                "entity_id": "notify.bobs_telegram",
                "message": "{code}",
            },
        ),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                name,
                data,
                blocking=True,
                context=Context(user_id=bob.id),
                return_response=name == "share_parcel",
            )


async def test_an_announced_number_that_fits_nowhere_is_held_at_the_keypad(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """No XL compartment: nothing opens, the keypad says no, the desk keeps it."""
    events = capture_events(hass)
    wall = simulator.wall(1)
    await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "77001234", "size": "XL"},
    )
    wall.enter_code("77001234")
    await poll(init_integration)
    assert wall.keypad_feedback == REJECTED
    assert wall.coil_writes == []
    [no_fit] = events["no_fit"]
    assert (no_fit.data["recipient"], no_fit.data["tracking"]) == (BOB, "77001234")
    assert events["code_rejected"] == []  # not a wrong code: nobody is locked out
    # Held, it has no code to share.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "share_parcel", {"parcel_id": no_fit.data["parcel_id"]})
    assert err.value.translation_key == "parcel_not_waiting"


async def test_a_courier_who_names_another_recipient_leaves_the_announcement(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """The courier's own choice wins; the announcement still waits for its parcel."""
    announced = await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "SAME1", "size": "L"},
        response=True,
    )
    delivery = await call(
        hass,
        "assign_delivery",
        {"recipient": CHARLIE, "tracking": "SAME1"},
        response=True,
    )
    assert delivery["parcel_id"] != announced["parcel_id"]
    assert (delivery["recipient"], delivery["size"]) == (CHARLIE, "S")
    waiting = init_integration.runtime_data.ledger.announcement("same1")
    assert waiting is not None
    assert waiting.parcel_id == announced["parcel_id"]


async def test_the_webhook_says_when_the_ledger_refuses(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Too many announcements waiting: refused, by its reason only."""
    from custom_components.parcel_locker.domain.ledger import (  # noqa: PLC0415
        announcements,
    )

    await set_options(hass, init_integration, announce_webhook=True)
    monkeypatch.setattr(announcements, "MAX_ANNOUNCED", 0)
    webhook_id = webhook_id_for(await async_secret_key(hass), init_integration.entry_id)
    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{webhook_id}",
        data=README_WEBHOOK_BODY,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == HTTPStatus.UNPROCESSABLE_ENTITY
    assert await response.json() == {"error": "too_many_announcements"}
