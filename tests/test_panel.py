"""The sidebar panel's backend: its registration and its websocket commands.

Each command is called over Home Assistant's real websocket API as a logged-in
user (Alice is staff, Bob and Charlie are residents, a wall tablet is a courier
kiosk user, Eve has a login but no person): what each one gets is what the
panel may show them (frontend/API.md).
"""

from __future__ import annotations

from datetime import timedelta
import hashlib
import logging
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.parcel_locker.const import (
    CONF_COURIER_USERS,
    CONF_HOUSEHOLDS,
    DOMAIN,
)
from custom_components.parcel_locker.domain.ledger import (
    CodeKind,
    CodeRejection,
    DoorPhase,
    ParcelState,
    TemperatureFault,
)
from custom_components.parcel_locker.panel import BUNDLE
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB, CHARLIE, poll
from .test_residents import access_token
from .test_services import call, deliver
from .test_translations import STRINGS

WALL = "wall_lobby"
# What the subscription shows a user who may see no parcel and no wall.
NOTHING = {"parcels": [], "walls": []}


class Client:
    """One user's websocket connection to Home Assistant."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 1

    async def send(self, command: str, **data: Any) -> int:
        message_id = self.next_id
        self.next_id += 1
        await self.ws.send_json({"id": message_id, "type": command, **data})
        return message_id

    async def call(self, command: str, **data: Any) -> dict[str, Any]:
        """The whole answer: success, result or error."""
        message_id = await self.send(command, **data)
        answer: dict[str, Any] = await self.ws.receive_json()
        assert answer["id"] == message_id
        return answer

    async def result(self, command: str, **data: Any) -> Any:
        answer = await self.call(command, **data)
        assert answer["success"], answer
        return answer["result"]

    async def subscribe(self) -> dict[str, Any]:
        """Subscribe; the first message (what the user may see now)."""
        answer = await self.call(f"{DOMAIN}/subscribe")
        assert answer["success"], answer
        return await self.event()

    async def event(self) -> dict[str, Any]:
        message = await self.ws.receive_json()
        assert message["type"] == "event", message
        return dict(message["event"])

    async def act(self, service: str, **data: Any) -> dict[str, Any]:
        """An action as the panel calls it (``call_service``): the whole answer."""
        return await self.call(
            "call_service", domain=DOMAIN, service=service, service_data=data
        )


@pytest.fixture
def tablet(hass: HomeAssistant) -> MockUser:
    """The wall's tablet: a courier kiosk user (named in the option below)."""
    return MockUser(name="Wall tablet").add_to_hass(hass)


@pytest.fixture
async def panel(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    tablet: MockUser,
) -> MockConfigEntry:
    """The integration with a courier kiosk user named in its options."""
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_COURIER_USERS: [tablet.id]}
    )
    await hass.async_block_till_done()
    return init_integration


@pytest.fixture
def client_of(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> Any:
    """Open a websocket as a user."""

    async def connect(user: MockUser) -> Client:
        return Client(await hass_ws_client(hass, await access_token(hass, user)))

    return connect


# -- the panel's words for what the locker records ----------------------------------

LEDGER = Path(__file__).parents[1] / "custom_components/parcel_locker/domain"
LEDGER_SOURCE = "\n".join(
    path.read_text(encoding="utf-8")
    for path in [*LEDGER.glob("ledger/*.py"), LEDGER / "guard.py"]
)


def _quoted(texts: list[str]) -> set[str]:
    return {word for text in texts for word in re.findall(r'"([a-z_]+)"', text)}


def test_the_panel_names_every_state_action_and_result() -> None:
    """Staff read every parcel state, audit action and result in words.

    The audit actions are what the ledger and the guard write
    (``record(now, "<action>", ...)``); the results are their literal results
    and the enums they write as results (code kinds, door purposes, why a
    code was refused, what the temperature did).
    """
    panel = STRINGS["selector"]["panel"]["options"]
    states = {f"parcel_state_{state}" for state in ParcelState}
    calls = re.findall(r"(?:\.record|_append)\(\s*[^,]+,\s*([^,]+),", LEDGER_SOURCE)
    actions = _quoted([*calls, *re.findall(r"action = (.+)", LEDGER_SOURCE)])
    assert {"assign", "no_fit", "announce", "code_rejected"} <= actions
    results = _quoted(re.findall(r"result=([^,\n(]+)(?=[,\n)])", LEDGER_SOURCE)) | {
        str(value)
        for enum in (CodeKind, CodeRejection, TemperatureFault)
        for value in enum
    }
    # Door sessions are opened for a purpose; idle and authorised are no purpose.
    results |= {str(phase) for phase in DoorPhase} - {"idle", "authorised"}
    assert {"override", "announced", "loading"} <= results
    needed = (
        states
        | {f"audit_{action}" for action in actions}
        | {f"result_{result}" for result in results}
    )
    assert needed - panel.keys() == set()


# -- the panel in the sidebar -----------------------------------------------------


async def test_panel_in_every_users_sidebar(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Parcel Locker is in the sidebar for everyone; its bundle is served, versioned."""
    panel = hass.data["frontend_panels"]["parcel-locker"]
    assert panel.sidebar_title == "Parcel Locker"
    assert panel.sidebar_icon == "mdi:package-variant-closed"
    assert panel.require_admin is False
    custom = panel.config["_panel_custom"]
    assert custom["name"] == "parcel-locker-panel"
    bundle = BUNDLE.read_bytes()
    version = hashlib.sha256(bundle).hexdigest()[:16]
    assert custom["module_url"] == (
        f"/parcel_locker/panel/parcel-locker-panel.js?v={version}"
    )
    client = await hass_client()
    served = await client.get(custom["module_url"])
    assert served.status == 200
    assert await served.read() == bundle
    assert "javascript" in served.headers["Content-Type"]


# -- who is who -------------------------------------------------------------------


async def test_session_tells_each_user_their_role(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    people: dict[str, MockUser],
    tablet: MockUser,
    client_of: Any,
) -> None:
    """Staff, resident, courier kiosk, visitor: no user id typed anywhere."""
    eve = MockUser(name="Eve").add_to_hass(hass)
    wall = {
        "wall_id": WALL,
        "name": "Lobby",
        "prefix": "A",
        "compartments": 24,
        "columns": None,
        "keypad": True,
    }
    expected = {
        ALICE: ("staff", "person.alice", ["person.alice"]),
        BOB: ("resident", BOB, [BOB]),
    }
    for person, (role, linked, household) in expected.items():
        session = await (await client_of(people[person])).result(f"{DOMAIN}/session")
        assert session == {
            "role": role,
            "user_name": people[person].name,
            "person": linked,
            "household": household,
            "walls": [wall],
            "sizes": ["S", "M", "L", "XL"],
            "kiosk_wall": WALL,
        }
    courier = await (await client_of(tablet)).result(f"{DOMAIN}/session")
    assert (courier["role"], courier["person"], courier["household"]) == (
        "courier",
        None,
        [],
    )
    visitor = await (await client_of(eve)).result(f"{DOMAIN}/session")
    assert (visitor["role"], visitor["user_name"]) == ("visitor", "Eve")


# -- what each user sees ------------------------------------------------------------


async def test_residents_see_only_their_own_parcels(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    tablet: MockUser,
    client_of: Any,
) -> None:
    """Bob sees his parcel and may open it; Charlie and the kiosk see nothing of it."""
    bobs = await deliver(hass, panel, simulator, BOB)
    bob = await (await client_of(people[BOB])).subscribe()
    assert bob["walls"] == []
    (parcel,) = bob["parcels"]
    assert parcel["parcel_id"] == bobs["parcel_id"]
    times = {"created": None, "stored_at": None, "code_expires": None, "deadline": None}
    assert parcel | times == {
        "parcel_id": bobs["parcel_id"],
        "state": "stored",
        "kind": "delivery",
        "recipient": BOB,
        "recipient_name": "Bob",
        "wall": WALL,
        "wall_name": "Lobby",
        "compartment": bobs["compartment"],
        "number": bobs["number"],
        "size": "S",
        "cold": False,
        "carrier": "DHL",
        "tracking": None,
        "created": None,
        "stored_at": None,
        "code_expires": None,
        "deadline": None,
        "expected_until": None,
        "can_open": True,
    }
    assert dt_util.parse_datetime(parcel["code_expires"]) > dt_util.utcnow()
    assert dt_util.parse_datetime(parcel["deadline"]) > dt_util.utcnow()
    assert bobs["code"] not in str(parcel)
    for other in (people[CHARLIE], tablet):
        client = await client_of(other)
        assert await client.subscribe() == NOTHING
        denied = await client.call(f"{DOMAIN}/parcels")
        assert denied["error"]["code"] == "unauthorized"


async def test_a_household_shares_its_parcels_in_the_panel(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """Charlie lives with Dora: he sees and opens her parcel; Bob gets nothing."""
    hass.config_entries.async_update_entry(
        panel, options={**panel.options, CONF_HOUSEHOLDS: [[CHARLIE, "person.dora"]]}
    )
    await hass.async_block_till_done()
    doras = await deliver(hass, panel, simulator, "person.dora")
    wall = simulator.wall(1)
    before = wall.release_count(doras["number"])

    charlie = await client_of(people[CHARLIE])
    session = await charlie.result(f"{DOMAIN}/session")
    assert session["household"] == [CHARLIE, "person.dora"]
    (parcel,) = (await (await client_of(people[CHARLIE])).subscribe())["parcels"]
    assert (parcel["parcel_id"], parcel["recipient_name"], parcel["can_open"]) == (
        doras["parcel_id"],
        "Dora",
        True,
    )
    assert (await charlie.act("open_compartment", parcel_id=doras["parcel_id"]))[
        "success"
    ]
    assert wall.release_count(doras["number"]) == before + 1

    bob = await client_of(people[BOB])
    assert (await bob.result(f"{DOMAIN}/session"))["household"] == [BOB]
    assert await (await client_of(people[BOB])).subscribe() == NOTHING
    refused = await bob.act("open_compartment", parcel_id=doras["parcel_id"])
    assert refused["error"]["message"] == "Unauthorized"  # as HA words it
    assert wall.release_count(doras["number"]) == before + 1


async def test_residents_see_where_each_parcel_of_the_life_cycle_is(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Announced, held at the desk, sent back: shown, but none opens for Bob."""
    tomorrow = (dt_util.now() + timedelta(days=1)).date()
    announced = await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "JJD 7", "carrier": "DHL", "expected": tomorrow},
        response=True,
    )
    held = await call(
        hass, "assign_delivery", {"recipient": BOB, "size": "XL"}, response=True
    )
    bobs = await deliver(hass, panel, simulator, BOB)
    shown = {
        parcel["parcel_id"]: parcel
        for parcel in (await (await client_of(people[BOB])).subscribe())["parcels"]
    }
    expected = shown[announced["parcel_id"]]
    assert (expected["state"], expected["compartment"], expected["can_open"]) == (
        "announced",
        None,
        False,
    )
    assert (expected["tracking"], expected["carrier"]) == ("JJD 7", "DHL")
    assert dt_util.parse_datetime(expected["expected_until"]) == (
        dt_util.parse_datetime(announced["expected_until"])
    )
    desk = shown[held["parcel_id"]]
    assert (desk["state"], desk["compartment"], desk["can_open"]) == (
        "held",
        None,
        False,
    )
    bob = await client_of(people[BOB])
    refused = await bob.act("open_compartment", parcel_id=held["parcel_id"])
    assert refused["error"]["translation_key"] == "parcel_not_waiting"
    assert await (await client_of(people[CHARLIE])).subscribe() == NOTHING

    # A week later: the parcel goes back, the announcement lapsed.
    freezer.tick(timedelta(days=7, minutes=1))
    await poll(panel)
    (back,) = [
        parcel
        for parcel in (await (await client_of(people[BOB])).subscribe())["parcels"]
        if parcel["parcel_id"] != held["parcel_id"]
    ]
    assert (back["parcel_id"], back["state"], back["can_open"]) == (
        bobs["parcel_id"],
        "return_to_sender",
        False,
    )
    assert back["compartment"] == bobs["compartment"]
    assert dt_util.parse_datetime(back["deadline"]) < dt_util.utcnow()
    assert back["code_expires"] is None  # the carrier's code is not Bob's
    bob = await client_of(people[BOB])
    refused = await bob.act("open_compartment", parcel_id=bobs["parcel_id"])
    assert refused["error"]["translation_key"] == "parcel_not_waiting"
    staff = await client_of(people[ALICE])
    listed = (await staff.result(f"{DOMAIN}/parcels"))["parcels"]
    assert {parcel["state"] for parcel in listed} == {"held", "return_to_sender"}
    assert all(parcel["code_expires"] for parcel in listed if parcel["wall"])


async def test_staff_hand_over_a_held_parcel_from_the_panel(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """Held at the desk: staff mark it collected; it leaves Bob's list."""
    held = await call(
        hass, "assign_delivery", {"recipient": BOB, "size": "XL"}, response=True
    )
    bob = await client_of(people[BOB])
    assert [parcel["state"] for parcel in (await bob.subscribe())["parcels"]] == [
        "held"
    ]
    refused = await (await client_of(people[BOB])).act(
        "mark_collected", parcel_id=held["parcel_id"]
    )
    assert refused["error"]["message"] == "Unauthorized"  # as HA words it
    staff = await client_of(people[ALICE])
    assert (await staff.act("mark_collected", parcel_id=held["parcel_id"]))["success"]
    assert (await bob.event())["parcels"] == []
    (collected,) = (await staff.result(f"{DOMAIN}/parcels", include_finished=True))[
        "parcels"
    ]
    assert (collected["state"], collected["compartment"]) == ("collected", None)
    assert simulator.wall(1).coil_writes == []  # no door was opened for it


async def test_staff_see_the_grid_change_when_a_door_opens(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """One message at once, one more when the wall changed, none when it did not."""
    bobs = await deliver(hass, panel, simulator, BOB)
    staff = await client_of(people[ALICE])
    first = await staff.subscribe()
    assert [parcel["parcel_id"] for parcel in first["parcels"]] == [bobs["parcel_id"]]
    (wall,) = first["walls"]
    assert (wall["wall_id"], wall["online"], wall["free"], wall["waiting"]) == (
        WALL,
        True,
        23,
        1,
    )
    assert wall["problems"] == []
    tiles = {tile["label"]: tile for tile in wall["compartments"]}
    assert len(tiles) == 24
    held = tiles[bobs["compartment"]]
    assert isinstance(held["locked"], bool)  # the latch catches after the pulse
    assert held | {"temperature": None, "locked": None} == {
        "number": bobs["number"],
        "label": bobs["compartment"],
        "size": "S",
        "cooled": False,
        "status": "occupied",
        "door_open": False,
        "locked": None,
        "present": True,
        "temperature": None,
        "setpoint": None,
        "problems": [],
        "parcel_id": bobs["parcel_id"],
        "recipient_name": "Bob",
    }
    assert tiles["A-21"]["cooled"] is True
    assert tiles["A-21"]["setpoint"] == 4.0

    await poll(panel)  # nothing changed: nothing is sent
    simulator.wall(1).open_door(7, force=True)
    await poll(panel)
    changed = await staff.event()
    tiles = {tile["label"]: tile for tile in changed["walls"][0]["compartments"]}
    assert tiles["A-07"]["door_open"] is True
    assert tiles["A-07"]["problems"] == ["forced_door"]
    assert changed["walls"][0]["problems"] == [
        {"problem": "forced_door", "compartment": "A-07"}
    ]


async def test_the_subscription_follows_a_reload(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """Options saved (the entry reloads): the panel still hears of changes."""
    bob = await client_of(people[BOB])
    assert (await bob.subscribe())["parcels"] == []
    hass.config_entries.async_update_entry(panel, options={})
    await hass.async_block_till_done()
    bobs = await deliver(hass, panel, simulator, BOB)
    while not (update := await bob.event())["parcels"] or (
        update["parcels"][0]["state"] != "stored"
    ):
        pass
    assert update["parcels"][0]["parcel_id"] == bobs["parcel_id"]


async def test_an_offline_wall_says_so(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """No answer from the controller: the grid shows it, sensors unknown."""
    staff = await client_of(people[ALICE])
    await staff.subscribe()
    simulator.fail(1, "discrete_input", 0, code=0x04)
    assert not await poll(panel)
    wall = (await staff.event())["walls"][0]
    assert wall["online"] is False
    assert wall["problems"] == [{"problem": "controller_offline", "compartment": None}]
    assert {tile["door_open"] for tile in wall["compartments"]} == {None}


# -- the staff's lists -------------------------------------------------------------


async def test_parcels_with_filters_newest_first(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """Active parcels; finished ones on request, with when they finished."""
    bobs = await deliver(hass, panel, simulator, BOB)
    charlies = await deliver(hass, panel, simulator, CHARLIE)
    await hass.services.async_call(
        DOMAIN, "mark_collected", {"parcel_id": bobs["parcel_id"]}, blocking=True
    )
    staff = await client_of(people[ALICE])
    active = (await staff.result(f"{DOMAIN}/parcels"))["parcels"]
    assert [parcel["parcel_id"] for parcel in active] == [charlies["parcel_id"]]
    every = (await staff.result(f"{DOMAIN}/parcels", include_finished=True))["parcels"]
    assert [parcel["parcel_id"] for parcel in every] == [
        charlies["parcel_id"],
        bobs["parcel_id"],
    ]
    assert every[1]["state"] == "collected"
    assert every[1]["can_open"] is False
    assert dt_util.parse_datetime(every[1]["finished_at"]) is not None
    collected = await staff.result(
        f"{DOMAIN}/parcels", include_finished=True, state="collected", limit=5
    )
    assert [parcel["parcel_id"] for parcel in collected["parcels"]] == [
        bobs["parcel_id"]
    ]
    bad = await staff.call(f"{DOMAIN}/parcels", limit=0)
    assert bad["error"]["code"] == "invalid_format"


async def test_audit_trail_merges_the_security_log_without_codes(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    tablet: MockUser,
    client_of: Any,
) -> None:
    """Ledger lines and the guard's refusals, newest first, filtered; never a code."""
    bobs = await deliver(hass, panel, simulator, BOB)
    kiosk = await client_of(tablet)
    wrong = "9" * len(bobs["code"])
    await kiosk.call(f"{DOMAIN}/redeem", code=wrong)
    simulator.wall(1).enter_code(wrong)
    await poll(panel)
    staff = await client_of(people[ALICE])
    audit = await staff.result(f"{DOMAIN}/audit")
    entries = audit["entries"]
    assert bobs["code"] not in str(audit)
    assert wrong not in str(audit)
    times = [entry["time"] for entry in entries]
    assert times == sorted(times, reverse=True)
    rejected = [entry for entry in entries if entry["action"] == "code_rejected"]
    assert {(entry["actor"], entry["wall_name"]) for entry in rejected} == {
        ("user:Wall tablet", None),
        ("keypad:Lobby", "Lobby"),
    }
    delivered = next(entry for entry in entries if entry["action"] == "delivered")
    assert delivered | {"time": None} == {
        "time": None,
        "action": "delivered",
        "wall": WALL,
        "wall_name": "Lobby",
        "compartment": bobs["compartment"],
        "parcel_id": bobs["parcel_id"],
        "actor": "controller",
        "result": "ok",
    }
    assert {"assign", "delivered", "code_rejected"} <= set(audit["actions"])

    only = await staff.result(f"{DOMAIN}/audit", action="code_rejected", actor="TABLET")
    assert [entry["actor"] for entry in only["entries"]] == ["user:Wall tablet"]
    mine = await staff.result(f"{DOMAIN}/audit", parcel_id=bobs["parcel_id"])
    assert {entry["parcel_id"] for entry in mine["entries"]} == {bobs["parcel_id"]}
    assert {"assign", "delivered"} <= {entry["action"] for entry in mine["entries"]}
    newest = await staff.result(f"{DOMAIN}/audit", limit=1)
    assert newest["entries"] == entries[:1]
    later = await staff.result(f"{DOMAIN}/audit", since="2100-01-01T00:00:00")
    assert later["entries"] == []
    resident = await (await client_of(people[BOB])).call(f"{DOMAIN}/audit")
    assert resident["error"]["code"] == "unauthorized"


async def test_recipients_for_the_kiosk_only(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    people: dict[str, MockUser],
    tablet: MockUser,
    client_of: Any,
) -> None:
    """Staff and the kiosk pick recipients by name; residents get nothing."""
    names = ["Alice", "Ann", "Bob", "Charlie", "Dora"]
    for user in (people[ALICE], tablet):
        found = await (await client_of(user)).result(f"{DOMAIN}/recipients")
        assert [person["name"] for person in found["recipients"]] == names
        assert found["recipients"][2] == {"id": BOB, "name": "Bob"}
    denied = await (await client_of(people[BOB])).call(f"{DOMAIN}/recipients")
    assert denied["error"]["code"] == "unauthorized"


async def test_statistics_without_recorder_are_empty_days(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    people: dict[str, MockUser],
    client_of: Any,
) -> None:
    """Each day of the period, null until the recorder has statistics."""
    staff = await client_of(people[ALICE])
    answer = await staff.result(f"{DOMAIN}/statistics", days=3)
    (wall,) = answer["walls"]
    assert (wall["wall_id"], wall["name"]) == (WALL, "Lobby")
    today = dt_util.now().date()
    assert [day["date"] for day in wall["days"]] == [
        (today.fromordinal(today.toordinal() - back)).isoformat() for back in (2, 1, 0)
    ]
    assert {
        (day["occupancy"], day["deliveries"], day["dwell_hours"])
        for day in wall["days"]
    } == {(None, None, None)}
    assert len((await staff.result(f"{DOMAIN}/statistics"))["walls"][0]["days"]) == 30
    resident = await (await client_of(people[BOB])).call(f"{DOMAIN}/statistics")
    assert resident["error"]["code"] == "unauthorized"


# -- the kiosk's pick-up -------------------------------------------------------------


async def test_kiosk_redeems_a_code_and_the_door_opens(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    tablet: MockUser,
    client_of: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The code opens its compartment; a wrong one is refused, translated, quietly.

    (Home Assistant's own websocket debug log shows every message received,
    action calls included; it is off unless asked for.)
    """
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="custom_components.parcel_locker")
    bobs = await deliver(hass, panel, simulator, BOB)
    kiosk = await client_of(tablet)
    wrong = await kiosk.call(f"{DOMAIN}/redeem", code="12345678", wall=WALL)
    assert wrong["success"] is False
    assert wrong["error"]["code"] == "service_validation_error"
    assert wrong["error"]["translation_domain"] == DOMAIN
    assert wrong["error"]["translation_key"] == "invalid_code"
    assert wrong["error"]["translation_placeholders"] == {"remaining": "4"}
    before = simulator.wall(1).release_count(bobs["number"])
    opened = await kiosk.result(f"{DOMAIN}/redeem", code=bobs["code"], wall=WALL)
    assert opened == {
        "compartment": bobs["compartment"],
        "wall": WALL,
        "wall_name": "Lobby",
        "parcel_id": bobs["parcel_id"],
    }
    assert simulator.wall(1).release_count(bobs["number"]) == before + 1
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert bobs["code"] not in caplog.text
    empty = await kiosk.call(f"{DOMAIN}/redeem", code="")
    assert empty["error"]["code"] == "invalid_format"


async def test_new_analytics_sensors_count_and_measure(
    hass: HomeAssistant,
    panel: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Deliveries only grow; occupancy follows the wall; dwell once collected."""

    def state(key: str) -> str:
        entity = entity_registry.async_get_entity_id("sensor", DOMAIN, f"{WALL}_{key}")
        assert entity is not None
        found = hass.states.get(entity)
        assert found is not None
        return found.state

    assert (state("deliveries"), state("occupancy"), state("dwell_time")) == (
        "0",
        "0.0",
        "unknown",
    )
    bobs = await deliver(hass, panel, simulator, BOB)
    await hass.async_block_till_done()
    assert (state("deliveries"), state("occupancy")) == ("1", "4.2")
    await hass.services.async_call(
        DOMAIN, "mark_collected", {"parcel_id": bobs["parcel_id"]}, blocking=True
    )
    await hass.async_block_till_done()
    assert (state("deliveries"), state("occupancy")) == ("1", "0.0")
    assert float(state("dwell_time")) >= 0
    # The count survives a restart of the entry (restored, never reset).
    assert await hass.config_entries.async_reload(panel.entry_id)
    await hass.async_block_till_done()
    assert state("deliveries") == "1"
