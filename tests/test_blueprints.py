"""The blueprints, loaded and run through Home Assistant's blueprint machinery.

Every event comes from a real delivery against the simulated wall; the notify
actions are mocks that record what a phone would have been sent.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any
from urllib.parse import quote

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import (
    async_get_blueprints as automation_blueprints,
)
from homeassistant.components.script.helpers import (
    async_get_blueprints as script_blueprints,
)
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntity,
    MockEntityPlatform,
    MockUser,
    async_mock_service,
)

from custom_components.parcel_locker.const import CONF_COURIER_USERS
from simulator.server import LockerSimulator

from .conftest import BOB, CHARLIE, find_device
from .test_services import call, deliver, poll

REPO = Path(__file__).parent.parent
BLUEPRINTS = REPO / "blueprints"
BLUEPRINT_FILES = sorted(BLUEPRINTS.rglob("*.yaml"))
SOURCE = "https://github.com/parcel-locker/ha-parcel-locker/blob/main/"
IMPORT = "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
KIOSK_SCRIPT = "parcel_locker_courier_kiosk"


@pytest.fixture
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A config folder holding the repository's blueprints, as after an import."""
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "blueprints"


async def automation(
    hass: HomeAssistant, blueprint: str, inputs: dict[str, Any], **extra: Any
) -> None:
    """Set up automations from blueprints, as the UI would save them."""
    configs = [
        {
            "id": name,
            "alias": name,
            "use_blueprint": {"path": f"parcel_locker/{name}.yaml", "input": given},
        }
        for name, given in [(blueprint, inputs), *extra.items()]
    ]
    assert await async_setup_component(hass, "automation", {"automation": configs})
    await hass.async_block_till_done()


def press(hass: HomeAssistant, action: str, user: MockUser | None) -> None:
    """The companion app reports a pressed notification button."""
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": action},
        context=Context(user_id=user.id if user else None),
    )


def local(iso: str, form: str = "%a %d %b %H:%M") -> str:
    """A timestamp as the blueprint shows it, in Home Assistant's time zone."""
    moment = dt_util.parse_datetime(iso)
    assert moment is not None
    return dt_util.as_local(moment).strftime(form)


async def collect(
    hass: HomeAssistant, entry: MockConfigEntry, sim: LockerSimulator, number: int
) -> None:
    """The resident takes the parcel out of an opened compartment."""
    wall = sim.wall(1)
    assert wall.open_door(number)
    await poll(entry)
    wall.take_parcel(number)
    wall.close_door(number)
    await poll(entry)
    await hass.async_block_till_done()


# -- every blueprint ------------------------------------------------------------


@pytest.mark.parametrize("path", BLUEPRINT_FILES, ids=[p.name for p in BLUEPRINT_FILES])
async def test_blueprint_loads_with_clear_inputs(
    hass: HomeAssistant, blueprint_folder: Path, path: Path
) -> None:
    """Each blueprint loads, explains itself and each input, and is importable."""
    relative = path.relative_to(BLUEPRINTS)
    domain = relative.parts[0]
    getter = automation_blueprints if domain == "automation" else script_blueprints
    blueprint = await getter(hass).async_get_blueprint(str(Path(*relative.parts[1:])))
    metadata = blueprint.metadata
    assert metadata["domain"] == domain
    assert metadata["name"].startswith("Parcel Locker: ")
    assert len(metadata["description"]) > 80
    assert metadata["source_url"] == f"{SOURCE}blueprints/{relative.as_posix()}"
    assert metadata["input"], "a blueprint without inputs"
    for key, spec in metadata["input"].items():
        assert spec.get("name"), f"input {key} has no name"
        assert spec.get("description"), f"input {key} has no description"
        assert "selector" in spec, f"input {key} has no selector"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert IMPORT + quote(metadata["source_url"], safe="") in readme


# -- notify on delivery ----------------------------------------------------------


@pytest.fixture
async def phones(hass: HomeAssistant) -> dict[str, list[ServiceCall]]:
    """Bob's phone (listed), Charlie's (found through his tracker), staff."""
    # Charlie's phone runs the companion app: its tracker is a mobile_app entity.
    platform = MockEntityPlatform(
        hass, domain="device_tracker", platform_name="mobile_app"
    )
    await platform.async_add_entities(
        [MockEntity(entity_id="device_tracker.charlies_phone", name="Phone")]
    )
    return {
        "bob": async_mock_service(hass, "notify", "mobile_app_bobs_phone"),
        "charlie": async_mock_service(hass, "notify", "mobile_app_charlies_phone"),
        "staff": async_mock_service(hass, "notify", "staff"),
    }


NOTIFY_INPUTS: dict[str, Any] = {
    "notify_targets": {BOB: "mobile_app_bobs_phone"},
    "fallback_target": "staff",
}


async def test_delivery_notification_with_code_expiry_and_button(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    phones: dict[str, list[ServiceCall]],
) -> None:
    """Bob gets compartment, code picture and expiry; the button is his only."""
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    bobs = await deliver(hass, init_integration, simulator, BOB, carrier="UPS")
    await hass.async_block_till_done()

    (sent,) = phones["bob"]
    message = sent.data["message"]
    assert sent.data["title"] == "Your parcel has arrived"
    assert message == (
        f"Your parcel from UPS is in compartment {bobs['compartment']} at Lobby. "
        "Your pickup code is in the picture; it works until "
        f"{local(bobs['expires'])}."
    )
    # The code itself is only in the picture the phone fetches with its login.
    assert bobs["code"] not in str(sent.data)
    action = f"PARCEL_LOCKER_OPEN_{bobs['parcel_id']}"
    assert sent.data["data"] == {
        "tag": f"parcel_locker_{bobs['parcel_id']}",
        "actions": [{"action": action, "title": "Open compartment"}],
        "image": f"/api/parcel_locker/qr/{bobs['parcel_id']}",
    }
    assert phones["staff"] == []
    assert phones["charlie"] == []

    wall = simulator.wall(1)
    number = bobs["number"]
    # Someone else's phone pressing Bob's button: refused, nothing opens.
    press(hass, action, people[CHARLIE])
    await hass.async_block_till_done()
    assert wall.release_count(number) == 1
    # A press without a user, or another app's button: ignored.
    press(hass, action, None)
    press(hass, "SOMETHING_ELSE", people[BOB])
    await hass.async_block_till_done()
    assert wall.release_count(number) == 1

    # Bob's phone: his compartment opens, and his name is in the audit trail.
    press(hass, action, people[BOB])
    await hass.async_block_till_done()
    assert wall.release_count(number) == 2
    trail = init_integration.runtime_data.ledger.audit_trail()
    assert (trail[-1].action, trail[-1].actor) == ("authorize_open", "user:Bob")

    # Collected: the notification is cleared from his phone.
    await collect(hass, init_integration, simulator, number)
    cleared = phones["bob"][-1]
    assert cleared.data == {
        "message": "clear_notification",
        "data": {"tag": f"parcel_locker_{bobs['parcel_id']}"},
    }
    assert len(phones["bob"]) == 2


async def test_refused_press_is_logged(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    phones: dict[str, list[ServiceCall]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Charlie pressing Bob's button shows up in the log as unauthorised."""
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await hass.async_block_till_done()
    press(hass, f"PARCEL_LOCKER_OPEN_{bobs['parcel_id']}", people[CHARLIE])
    await hass.async_block_till_done()
    assert "Unauthorized" in caplog.text
    assert simulator.wall(1).release_count(bobs["number"]) == 1


async def test_delivery_notification_finds_phones(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],
) -> None:
    """Unlisted: the person's companion app; nobody's phone: the fallback."""
    await automation(
        hass,
        "notify_delivered",
        {**NOTIFY_INPUTS, "open_button": False, "attach_qr": False},
    )
    charlies = await deliver(hass, init_integration, simulator, CHARLIE, carrier="X")
    await hass.async_block_till_done()
    (sent,) = phones["charlie"]
    assert charlies["compartment"] in sent.data["message"]
    assert charlies["code"] not in str(sent.data)
    assert sent.data["data"] == {"tag": f"parcel_locker_{charlies['parcel_id']}"}

    doras = await deliver(hass, init_integration, simulator, "person.dora")
    await hass.async_block_till_done()
    (sent,) = phones["staff"]
    assert doras["compartment"] in sent.data["message"]
    assert phones["bob"] == []


async def test_delivery_notification_custom_message_and_no_fallback(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],
) -> None:
    """The message is a template of its own; without a phone nobody is told."""
    await automation(
        hass,
        "notify_delivered",
        {
            "notify_targets": {BOB: ["notify.mobile_app_bobs_phone", "staff"]},
            "use_person_devices": False,
            "title": "Paket",
            "message": "Fach {{ compartment }} bis {{ expires }}",
        },
    )
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await deliver(hass, init_integration, simulator, CHARLIE)
    await hass.async_block_till_done()
    expected = f"Fach {bobs['compartment']} bis {local(bobs['expires'])}"
    assert [call.data["message"] for call in phones["bob"]] == [expected]
    assert [call.data["message"] for call in phones["staff"]] == [expected]
    assert phones["charlie"] == []


# -- reminders -------------------------------------------------------------------


async def test_overdue_reminder_and_its_button(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    phones: dict[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day later Bob is reminded; the reminder's button is handled once."""
    await automation(
        hass,
        "reminder_overdue",
        NOTIFY_INPUTS,
        notify_delivered=NOTIFY_INPUTS,
    )
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await hass.async_block_till_done()
    assert len(phones["bob"]) == 1  # the delivery notification

    freezer.tick(timedelta(hours=24, minutes=1))
    await poll(init_integration)
    await hass.async_block_till_done()
    reminder = phones["bob"][-1]
    assert reminder.data["title"] == "Your parcel is waiting"
    assert reminder.data["message"] == (
        f"Your parcel from DHL has been waiting 24 hours in compartment "
        f"{bobs['compartment']} at Lobby."
    )
    assert bobs["code"] not in str(reminder.data)
    action = f"PARCEL_LOCKER_REMINDER_OPEN_{bobs['parcel_id']}"
    assert reminder.data["data"]["actions"] == [
        {"action": action, "title": "Open compartment"}
    ]
    assert reminder.data["data"]["image"] == (
        f"/api/parcel_locker/qr/{bobs['parcel_id']}"
    )

    wall = simulator.wall(1)
    press(hass, action, people[CHARLIE])
    await hass.async_block_till_done()
    assert wall.release_count(bobs["number"]) == 1
    press(hass, action, people[BOB])
    await hass.async_block_till_done()
    # Two automations listen; only the reminder's own handles its button.
    assert wall.release_count(bobs["number"]) == 2


# -- staff alerts ----------------------------------------------------------------


async def test_staff_alerts(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Forced door, door left open, temperature and keypad lock-out reach staff."""
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await automation(hass, "staff_alerts", {"notify_targets": ["notify.staff"]})
    wall = simulator.wall(1)
    staff = phones["staff"]

    assert wall.open_door(20, force=True)
    await poll(init_integration)
    await hass.async_block_till_done()
    assert staff[-1].data["title"] == "Locker door forced open"
    assert staff[-1].data["message"] == (
        "The door of compartment A-20 at Lobby was opened without permission."
    )
    assert staff[-1].data["data"] == {"tag": "parcel_locker_forced_open_wall_lobby_20"}

    freezer.tick(timedelta(seconds=121))
    await poll(init_integration)
    await hass.async_block_till_done()
    assert staff[-1].data["title"] == "Locker door left open"
    assert staff[-1].data["message"] == (
        "The door of compartment A-20 at Lobby has been open for 2 minutes."
    )
    wall.close_door(20)

    wall.set_temperature(21, 15.0)
    await poll(init_integration, everything=True)
    freezer.tick(timedelta(seconds=61))
    await poll(init_integration)
    await hass.async_block_till_done()
    assert staff[-1].data["title"] == "Locker temperature alarm"
    assert staff[-1].data["message"] == (
        "Compartment A-21 at Lobby is at 15.0 °C, outside 2.0 to 8.0 °C."
    )

    wall = simulator.wall(1)
    for _ in range(5):  # wrong codes typed at the wall
        freezer.tick(timedelta(seconds=2))
        wall.enter_code("00000000")
        await poll(init_integration)
    await hass.async_block_till_done()
    assert staff[-1].data["title"] == "Locker keypad locked out"
    until = init_integration.runtime_data.guard.keypad_locked_until(
        "wall_lobby", dt_util.utcnow()
    )
    assert until is not None
    assert staff[-1].data["message"] == (
        f"The keypad of Lobby is locked out until {local(until.isoformat(), '%H:%M')}"
        " after too many wrong codes."
    )
    assert len(staff) == 4
    assert [call.data["title"] for call in persistent] == [
        call.data["title"] for call in staff
    ]
    assert persistent[0].data["notification_id"] == (
        "parcel_locker_forced_open_wall_lobby_20"
    )


async def test_staff_alerts_say_when_a_probe_is_silent(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A cold parcel's probe stops answering: staff learn where, and since when."""
    await automation(
        hass, "staff_alerts", {"notify_targets": ["staff"], "persistent": False}
    )
    parcel = await deliver(hass, init_integration, simulator, cold=True)
    assert parcel["compartment"] == "A-21"
    simulator.wall(1).set_temperature(21, None)
    await poll(init_integration, everything=True)
    since = dt_util.utcnow().isoformat()
    freezer.tick(timedelta(seconds=61))
    await poll(init_integration)
    await hass.async_block_till_done()
    (sent,) = phones["staff"]
    assert sent.data["title"] == "Locker temperature probe silent"
    assert sent.data["message"] == (
        "The temperature probe of compartment A-21 at Lobby has not answered since"
        f" {local(since, '%H:%M')} and a parcel is inside: its temperature is"
        " unknown. Check the probe and the cooling (it must read 2.0 to 8.0 °C)."
    )
    assert sent.data["data"] == {"tag": "parcel_locker_temperature_alarm_wall_lobby_21"}


async def test_staff_alerts_can_be_chosen(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],
) -> None:
    """Only the chosen alerts are sent; the persistent notification is optional."""
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await automation(
        hass,
        "staff_alerts",
        {
            "notify_targets": ["staff"],
            "alerts": ["keypad_locked_out"],
            "persistent": False,
        },
    )
    assert simulator.wall(1).open_door(20, force=True)
    await poll(init_integration)
    await hass.async_block_till_done()
    assert phones["staff"] == []
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 - refused codes
            await call(hass, "redeem_code", {"code": "00000000"})
    await hass.async_block_till_done()
    (sent,) = phones["staff"]
    assert sent.data["message"].startswith("Automations are locked out of code entry")
    assert sent.data["message"].endswith(
        "other residents and the keypads are not affected."
    )
    assert persistent == []


# -- courier kiosk ---------------------------------------------------------------


async def kiosk(hass: HomeAssistant, **inputs: Any) -> None:
    """The courier kiosk script, from its blueprint."""
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                KIOSK_SCRIPT: {
                    "use_blueprint": {
                        "path": "parcel_locker/courier_kiosk.yaml",
                        "input": inputs,
                    }
                }
            }
        },
    )
    await hass.async_block_till_done()


async def courier_kiosk_user(hass: HomeAssistant, entry: MockConfigEntry) -> MockUser:
    """The wall tablet's login, named in the option *Courier kiosk users*."""
    tablet = MockUser(name="Wall tablet").add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_COURIER_USERS: [tablet.id]}
    )
    await hass.async_block_till_done()  # the options reload the entry
    return tablet


async def test_courier_kiosk_assigns_and_opens(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """From the dashboard (the kiosk's own login), a compartment opens."""
    persistent = async_mock_service(hass, "persistent_notification", "create")
    tablet = await courier_kiosk_user(hass, init_integration)
    await kiosk(hass, default_carrier="Kiosk")
    # A resident's login is not a kiosk: nothing opens.
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "script",
            KIOSK_SCRIPT,
            {"recipient": BOB, "size": "M"},
            blocking=True,
            return_response=True,
            context=Context(user_id=people[CHARLIE].id),
        )
    assert simulator.wall(1).release_count(13) == 0
    response = await hass.services.async_call(
        "script",
        KIOSK_SCRIPT,
        {"recipient": BOB, "size": "M", "tracking": "JJD7"},
        blocking=True,
        return_response=True,
        context=Context(user_id=tablet.id),
    )
    assert response is not None
    assert response["compartment"] == "A-13"
    assert simulator.wall(1).release_count(13) == 1
    parcel = init_integration.runtime_data.ledger.parcel(str(response["parcel_id"]))
    assert (parcel.carrier, parcel.tracking, parcel.cold) == ("Kiosk", "JJD7", False)
    (shown,) = persistent
    assert shown.data["title"] == "Compartment A-13 is open"
    assert "Bob" in shown.data["message"]


async def test_courier_kiosk_wall_and_cold(
    hass: HomeAssistant,
    blueprint_folder: Path,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A kiosk bound to its wall; a cold parcel gets a cooled compartment."""
    wall_device = find_device(
        device_registry, init_integration, ("parcel_locker", "wall_lobby")
    )
    assert wall_device is not None
    await kiosk(hass, wall=wall_device.id, announce=False)
    response = await hass.services.async_call(
        "script",
        KIOSK_SCRIPT,
        {"recipient": BOB, "carrier": "Fresh", "cold": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["compartment"] in ("A-21", "A-22")
