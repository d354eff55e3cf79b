"""The blueprints of the longer life cycle, run through Home Assistant's machinery.

A parcel kept at the desk, a household told together, a courier code's
drop-off, the staff alerted to parcels at the desk and parcels going back, the
kiosk by tracking number, and the carrier's collection code sent to the
notify entities staff chose (``send_code``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.notify import NotifyEntity, NotifyEntityFeature
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntityPlatform,
    MockUser,
    async_mock_service,
)
import yaml

from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

from .conftest import BOB, CHARLIE, issued_code, poll
from .test_blueprints import (  # noqa: F401 - fixtures
    KIOSK_SCRIPT,
    NOTIFY_INPUTS,
    automation,
    blueprint_folder,
    collect,
    courier_kiosk_user,
    kiosk,
    local,
    phones,
    press,
)
from .test_lifecycle import README, door_cycle, set_options
from .test_services import call, deliver

CARRIER_DESK = "notify.carrier_desk"

README_RETURNS = """\
automation:
  - alias: Collection codes to the carrier desk
    use_blueprint:
      path: parcel_locker/returns.yaml
      input:
        notify_entities:
          - notify.carrier_desk
"""


class Notifier(NotifyEntity):
    """A notify entity that keeps what it was sent (a messenger, an inbox)."""

    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        self._attr_name = entity_id
        self.sent: list[dict[str, Any]] = []

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        self.sent.append({"title": title, "message": message})


async def notifiers(
    hass: HomeAssistant, *entity_ids: str, platform: str = "telegram_bot"
) -> list[Notifier]:
    """Notify entities of one integration, ready to receive."""
    assert await async_setup_component(hass, "notify", {})
    entities = [Notifier(entity_id) for entity_id in entity_ids]
    await MockEntityPlatform(
        hass, domain="notify", platform_name=platform
    ).async_add_entities(entities)
    return entities


async def start_return(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: LockerSimulator
) -> dict[str, Any]:
    """Bob drops a return; the compartment closes on it."""
    started = await call(
        hass, "start_return", {"recipient": BOB, "carrier": "UPS"}, response=True
    )
    number = int(started["compartment"].split("-")[1])
    await door_cycle(entry, simulator, number, load=True)
    await hass.async_block_till_done()
    return started | {"number": number}


# -- notify_delivered --------------------------------------------------------------


async def test_a_parcel_at_the_desk_is_told_and_cleared(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],  # noqa: F811
) -> None:
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    held = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "size": "XL", "carrier": "UPS"},
        response=True,
    )
    await hass.async_block_till_done()
    (sent,) = phones["bob"]
    tag = f"parcel_locker_{held['parcel_id']}"
    assert sent.data == {
        "title": "Your parcel is at the desk",
        "message": "Your parcel from UPS did not fit in the locker: it is kept "
        "for you at the desk.",
        "data": {"tag": tag},
    }
    # Handed over at the desk: the message goes from the phone.
    await call(hass, "mark_collected", {"parcel_id": held["parcel_id"]})
    await hass.async_block_till_done()
    assert phones["bob"][-1].data == {
        "message": "clear_notification",
        "data": {"tag": tag},
    }


async def test_the_household_is_told_and_each_may_open(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    phones: dict[str, list[ServiceCall]],  # noqa: F811
) -> None:
    """Bob and Charlie share parcels: both phones ring; Charlie's button opens."""
    await set_options(hass, init_integration, households=[[BOB, CHARLIE]])
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await hass.async_block_till_done()
    (to_bob,) = phones["bob"]
    (to_charlie,) = phones["charlie"]  # found through his tracked phone
    assert to_bob.data == to_charlie.data
    image = f"/api/parcel_locker/qr/{bobs['parcel_id']}"
    assert to_charlie.data["data"]["image"] == image
    assert phones["staff"] == []

    press(hass, f"PARCEL_LOCKER_OPEN_{bobs['parcel_id']}", people[CHARLIE])
    await hass.async_block_till_done()
    assert simulator.wall(1).release_count(bobs["number"]) == 2
    await collect(hass, init_integration, simulator, bobs["number"])
    assert phones["bob"][-1].data["message"] == "clear_notification"
    assert phones["charlie"][-1].data["message"] == "clear_notification"


async def test_a_courier_codes_drop_off_is_told_like_any_delivery(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],  # noqa: F811
) -> None:
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    issued = await call(
        hass, "issue_code", {"kind": "courier", "recipient": BOB, "carrier": "GLS"}
    )
    wall = simulator.wall(1)
    wall.enter_code(issued["code"])
    await poll(init_integration)
    await door_cycle(init_integration, simulator, 1, load=True)
    await hass.async_block_till_done()
    (sent,) = phones["bob"]
    assert sent.data["message"].startswith(
        "Your parcel from GLS is in compartment A-01"
    )
    assert phones["staff"] == []


# -- staff alerts ------------------------------------------------------------------


async def test_staff_hear_of_parcels_at_the_desk_and_going_back(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    persistent = async_mock_service(hass, "persistent_notification", "create")
    await automation(hass, "staff_alerts", {"notify_targets": ["notify.staff"]})
    held = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "size": "XL", "carrier": "UPS", "cold": True},
        response=True,
    )
    await hass.async_block_till_done()
    (desk,) = phones["staff"]
    assert desk.data["title"] == "Parcel kept at the desk"
    assert desk.data["message"] == (
        "A parcel for Bob (size XL, to keep cold, UPS) fitted in no compartment: "
        "keep it at the desk and hand it over with Mark collected."
    )
    assert desk.data["data"] == {"tag": f"parcel_locker_no_fit_{held['parcel_id']}"}
    # A cold parcel that would fit where the probes are silent: staff learn where.
    for number in (21, 22):
        simulator.wall(1).set_temperature(number, None)
    await poll(init_integration, everything=True)
    await call(hass, "assign_delivery", {"recipient": BOB, "cold": True})
    await hass.async_block_till_done()
    assert phones["staff"][-1].data["message"] == (
        "A parcel for Bob (size S, to keep cold) fitted in no compartment: keep it"
        " at the desk and hand it over with Mark collected. Cooled compartments"
        " free but not ready (temperature alarm or no reading): A-21, A-22"
    )
    del phones["staff"][1:]
    persistent.pop()

    charlies = await deliver(hass, init_integration, simulator, CHARLIE)
    freezer.tick(timedelta(days=7, minutes=1))
    await poll(init_integration)
    await hass.async_block_till_done()
    back = phones["staff"][-1]
    assert back.data["title"] == "Parcel goes back to its sender"
    parcel = init_integration.runtime_data.ledger.parcel(charlies["parcel_id"])
    assert parcel.deadline is not None
    assert back.data["message"] == (
        f"The parcel for Charlie in compartment {charlies['compartment']} at Lobby "
        f"was not collected by {local(parcel.deadline.isoformat())}: it goes back "
        "to DHL. Its carrier collection code is ready."
    )
    assert [item.data["title"] for item in persistent] == [
        "Parcel kept at the desk",
        "Parcel goes back to its sender",
    ]


# -- the courier kiosk ---------------------------------------------------------------


async def test_the_kiosk_delivers_an_announced_number(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """Only the tracking number: Bob's M parcel; nothing fits: the desk."""
    persistent = async_mock_service(hass, "persistent_notification", "create")
    tablet = await courier_kiosk_user(hass, init_integration)
    await kiosk(hass)
    await call(
        hass, "announce_delivery", {"recipient": BOB, "tracking": "JJD7", "size": "M"}
    )

    async def run(data: dict[str, Any]) -> dict[str, Any]:
        response = await hass.services.async_call(
            "script",
            KIOSK_SCRIPT,
            data,
            blocking=True,
            return_response=True,
            context=Context(user_id=tablet.id),
        )
        assert response is not None
        return dict(response)

    delivery = await run({"tracking": "jjd 7"})
    assert (delivery["recipient"], delivery["compartment"]) == (BOB, "A-13")
    assert simulator.wall(1).release_count(13) == 1
    assert persistent[-1].data["title"] == "Compartment A-13 is open"
    assert "parcel for Bob in compartment" in persistent[-1].data["message"]

    held = await run({"recipient": CHARLIE, "size": "XL"})
    assert held["held"] is True
    assert persistent[-1].data["title"] == "No compartment fits"
    assert persistent[-1].data["message"] == (
        "Nothing free fits the parcel for Charlie: leave it at the desk."
    )
    with pytest.raises(HomeAssistantError):
        await run({"tracking": "NEVER-ANNOUNCED"})


# -- returns: the carrier's collection code ------------------------------------------


async def test_the_carrier_gets_the_collection_code(
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],  # noqa: F811
) -> None:
    """A return: the code reaches the notify entity staff chose, and opens."""
    (desk,) = await notifiers(hass, CARRIER_DESK)
    config = yaml.safe_load(README_RETURNS)
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    returned = await start_return(hass, init_integration, simulator)
    code = issued_code(hass, returned["parcel_id"])
    (sent,) = desk.sent
    assert sent["title"] == "Parcel locker collection code"
    assert sent["message"] == (
        f"A return waits in compartment {returned['compartment']} at Lobby. "
        f"Collection code: {code.code}, valid until {local(code.expires.isoformat())}."
    )
    trail = init_integration.runtime_data.ledger.audit_trail()
    assert (trail[-1].action, trail[-1].result) == ("send_code", "1")
    # The resident's phone was never sent it.
    assert phones["bob"] == []
    # The carrier opens with it.
    opened = await call(hass, "redeem_code", {"code": code.code}, response=True)
    assert opened["parcel_id"] == returned["parcel_id"]


def test_the_readme_shows_the_returns_example() -> None:
    assert README_RETURNS in README


async def test_send_code_refuses_what_would_leak_or_cannot_be(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """Groups, unknown entities, no placeholder, a code not known since a restart."""
    await notifiers(hass, CARRIER_DESK)
    await notifiers(hass, "notify.everyone", platform="group")
    returned = await start_return(hass, init_integration, simulator)

    async def send(**data: Any) -> str:
        with pytest.raises(ServiceValidationError) as err:
            await call(
                hass,
                "send_code",
                {
                    "parcel_id": returned["parcel_id"],
                    "entity_id": CARRIER_DESK,
                    "message": "Code {code}",
                }
                | data,
            )
        return str(err.value.translation_key)

    assert await send(entity_id="notify.everyone") == "notify_entity_forwards"
    assert await send(entity_id="notify.nobody") == "unknown_notify_entity"
    assert await send(message="no placeholder") == "message_without_code"
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await send() == "code_not_in_memory"
    # A replacement code is known again, and can be sent.
    await call(
        hass, "issue_code", {"kind": "replacement", "parcel_id": returned["parcel_id"]}
    )
    await call(
        hass,
        "send_code",
        {
            "parcel_id": returned["parcel_id"],
            "entity_id": [CARRIER_DESK],
            "message": "Code {code}",
        },
    )
    assert hass.services.has_service(DOMAIN, "send_code")


async def test_a_notifier_that_fails_says_so_without_the_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (desk,) = await notifiers(hass, CARRIER_DESK)
    returned = await start_return(hass, init_integration, simulator)
    code = issued_code(hass, returned["parcel_id"]).code

    async def broken(message: str, title: str | None = None) -> None:
        raise RuntimeError(f"could not deliver {message!r}")

    desk.async_send_message = broken  # type: ignore[method-assign]
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "send_code",
            {
                "parcel_id": returned["parcel_id"],
                "entity_id": CARRIER_DESK,
                "message": "Code {code}",
            },
        )
    assert err.value.translation_key == "code_not_sent"
    assert err.value.__cause__ is None
    assert err.value.__suppress_context__
    assert code not in str(err.value)
    assert code not in caplog.text
