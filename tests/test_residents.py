"""Residents: their parcel sensors, opening as a user, and the pickup QR image."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util
from PIL import Image
import pyqrcode
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol
import yaml

from custom_components.parcel_locker.pickup_qr import (
    MODULE_PIXELS,
    QUIET_ZONE,
    qr_path,
    render_png,
)
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB, CHARLIE, message
from .test_services import call, deliver, poll


async def access_token(hass: HomeAssistant, user: MockUser) -> str:
    """A fresh access token for a user, as the companion app would hold."""
    refresh = await hass.auth.async_create_refresh_token(
        user, "https://example.com/app"
    )
    return hass.auth.async_create_access_token(refresh)


# -- open_compartment on behalf of a user -----------------------------------


async def test_automation_opens_as_the_pressing_user(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """An automation naming a user gets that user's rights, not more."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    wall = simulator.wall(1)
    charlie = people[CHARLIE]

    with pytest.raises(Unauthorized):
        await call(
            hass,
            "open_compartment",
            {"parcel_id": bobs["parcel_id"], "user_id": charlie.id},
        )
    assert wall.release_count(bobs["number"]) == 1

    await call(
        hass,
        "open_compartment",
        {"parcel_id": bobs["parcel_id"], "user_id": people[BOB].id},
    )
    assert wall.release_count(bobs["number"]) == 2
    trail = init_integration.runtime_data.ledger.audit_trail()
    assert trail[-1].action == "authorize_open"
    assert trail[-1].actor == "user:Bob"


async def test_residents_cannot_borrow_rights(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A resident may only name themself; staff may name anyone real."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    charlies = await deliver(hass, init_integration, simulator, CHARLIE)
    wall = simulator.wall(1)
    bob, charlie, alice = people[BOB], people[CHARLIE], people[ALICE]

    # Charlie naming Bob (or Alice) to open Bob's parcel: refused.
    for named in (bob, alice):
        with pytest.raises(Unauthorized):
            await call(
                hass,
                "open_compartment",
                {"parcel_id": bobs["parcel_id"], "user_id": named.id},
                charlie,
            )
    # Naming yourself changes nothing.
    await call(
        hass,
        "open_compartment",
        {"parcel_id": charlies["parcel_id"], "user_id": charlie.id},
        charlie,
    )
    assert wall.release_count(charlies["number"]) == 2
    # Staff acting for Bob have Bob's rights only.
    with pytest.raises(Unauthorized):
        await call(
            hass,
            "open_compartment",
            {"compartment": charlies["compartment"], "user_id": bob.id},
            alice,
        )
    assert wall.release_count(bobs["number"]) == 1

    inactive = MockUser(name="Gone", is_active=False).add_to_hass(hass)
    system = MockUser(name="System", system_generated=True).add_to_hass(hass)
    for user_id in ("no-such-user", inactive.id, system.id):
        with pytest.raises(Unauthorized):
            await call(
                hass,
                "open_compartment",
                {"parcel_id": bobs["parcel_id"], "user_id": user_id},
            )
    assert wall.release_count(bobs["number"]) == 1


async def test_open_by_parcel_or_recipient(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A parcel id opens its compartment; a recipient opens all their parcels."""
    wall = simulator.wall(1)
    bob, charlie = people[BOB], people[CHARLIE]
    first = await deliver(hass, init_integration, simulator, BOB)
    second = await deliver(hass, init_integration, simulator, BOB)
    charlies = await deliver(hass, init_integration, simulator, CHARLIE)

    # Nobody learns whether someone else has parcels.
    with pytest.raises(Unauthorized):
        await call(hass, "open_compartment", {"recipient": ALICE}, bob)
    with pytest.raises(Unauthorized):
        await call(hass, "open_compartment", {"parcel_id": charlies["parcel_id"]}, bob)

    await call(hass, "open_compartment", {"recipient": BOB}, bob)
    assert wall.release_count(first["number"]) == 2
    assert wall.release_count(second["number"]) == 2
    assert wall.release_count(charlies["number"]) == 1

    await call(hass, "open_compartment", {"parcel_id": charlies["parcel_id"]}, charlie)
    assert wall.release_count(charlies["number"]) == 2

    with pytest.raises(
        ServiceValidationError, match=message("no_parcels_waiting", recipient=ALICE)
    ) as err:
        await call(hass, "open_compartment", {"recipient": ALICE}, people[ALICE])
    assert err.value.translation_key == "no_parcels_waiting"

    # A parcel still being loaded is not waiting yet.
    reserved = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "carrier": "UPS"},
        response=True,
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_compartment", {"parcel_id": reserved["parcel_id"]}, bob)
    assert err.value.translation_key == "parcel_not_waiting"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_compartment", {"parcel_id": "nope"})
    assert err.value.translation_key == "parcel_not_found"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"inspect": True},
        {"compartment": "A-01", "parcel_id": "x"},
        {"parcel_id": "x", "recipient": BOB},
        {"recipient": "light.kitchen"},
        {"parcel_id": "x", "user_id": ""},
    ],
)
async def test_open_needs_exactly_one_target(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    data: dict[str, Any],
) -> None:
    """A compartment, a parcel id or a recipient: exactly one."""
    with pytest.raises(vol.Invalid):
        await call(hass, "open_compartment", data)
    assert simulator.wall(1).coil_writes == []


async def test_staff_inspect_by_parcel(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Inspecting by parcel id is for staff; the parcel stays booked."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    with pytest.raises(Unauthorized):
        await call(
            hass,
            "open_compartment",
            {"parcel_id": bobs["parcel_id"], "inspect": True},
            people[BOB],
        )
    await call(
        hass,
        "open_compartment",
        {"parcel_id": bobs["parcel_id"], "inspect": True},
        people[ALICE],
    )
    assert simulator.wall(1).release_count(bobs["number"]) == 2
    trail = init_integration.runtime_data.ledger.audit_trail()
    assert trail[-1].result == "inspecting"


# -- the resident sensors ----------------------------------------------------


async def test_resident_sensor_shows_where_and_until_when(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """One sensor per person: count, compartments and expiry, never the code."""
    await hass.async_block_till_done()
    for person in (ALICE, BOB, CHARLIE):
        state = hass.states.get(f"sensor.{person.split('.')[1]}_parcels")
        assert state is not None
        assert state.state == "0"
        assert state.attributes["parcels"] == []
        assert state.attributes["unit_of_measurement"] == "parcels"
    assert (
        hass.states.get("sensor.bob_parcels").attributes["friendly_name"]
        == "Bob parcels"
    )

    bobs = await deliver(hass, init_integration, simulator, BOB, tracking="JJD1")
    state = hass.states.get("sensor.bob_parcels")
    assert state.state == "1"
    (parcel,) = state.attributes["parcels"]
    assert parcel == {
        "parcel_id": bobs["parcel_id"],
        "state": "stored",
        "recipient": BOB,
        "deadline": parcel["deadline"],
        "compartment": bobs["compartment"],
        "wall": "wall_lobby",
        "wall_name": "Lobby",
        "size": "S",
        "carrier": "DHL",
        "since": parcel["since"],
        "expires": bobs["expires"],
    }
    assert bobs["code"] not in str(state.attributes)
    # Collected within a week, or it goes back to its sender.
    assert dt_util.parse_datetime(parcel["deadline"]) == dt_util.parse_datetime(
        parcel["since"]
    ) + timedelta(days=7)
    assert hass.states.get("sensor.charlie_parcels").state == "0"

    # A replacement code moves the expiry.
    issued = await call(
        hass,
        "issue_code",
        {
            "kind": "replacement",
            "parcel_id": bobs["parcel_id"],
            "valid_until": "2099-01-01T00:00:00+00:00",
        },
    )
    await hass.async_block_till_done()
    (parcel,) = hass.states.get("sensor.bob_parcels").attributes["parcels"]
    assert parcel["expires"] == issued["expires"]
    assert issued["code"] not in str(hass.states.get("sensor.bob_parcels"))

    # Collected: back to zero.
    wall = simulator.wall(1)
    await call(hass, "open_compartment", {"parcel_id": bobs["parcel_id"]})
    assert wall.open_door(bobs["number"])
    await poll(init_integration)
    wall.take_parcel(bobs["number"])
    wall.close_door(bobs["number"])
    await poll(init_integration)
    assert hass.states.get("sensor.bob_parcels").state == "0"


async def test_resident_sensor_writes_only_changes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Polls that change nothing for a resident write no state."""
    await deliver(hass, init_integration, simulator, CHARLIE)
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    for _ in range(3):
        await poll(init_integration)
    simulator.wall(1).open_door(20, force=True)  # another compartment moves
    await poll(init_integration)
    await hass.async_block_till_done()
    written = {event.data["entity_id"] for event in changes}
    assert not {"sensor.alice_parcels", "sensor.bob_parcels"} & written
    assert "sensor.charlie_parcels" not in written


async def test_new_people_and_recipients_get_sensors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """Persons created later get a sensor; a parcel can be for them at once."""
    assert hass.states.get("sensor.erin_parcels") is None
    hass.states.async_set("person.erin", "home", {"friendly_name": "Erin"})
    await hass.async_block_till_done()
    assert hass.states.get("sensor.erin_parcels").state == "0"
    await deliver(hass, init_integration, simulator, "person.erin")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.erin_parcels").state == "1"
    assert (
        hass.states.get("sensor.erin_parcels").attributes["friendly_name"]
        == "Erin parcels"
    )

    # Courier drop-offs for nobody in particular get no sensor.
    courier = await call(hass, "issue_code", {"kind": "courier"})
    opened = await call(hass, "redeem_code", {"code": courier["code"]}, response=True)
    number = int(opened["compartment"].split("-")[1])
    wall = simulator.wall(1)
    assert wall.open_door(number)
    await poll(init_integration)
    wall.close_door(number)
    await poll(init_integration)
    await hass.async_block_till_done()
    assert init_integration.runtime_data.ledger.waiting_count() == 2
    assert hass.states.get("sensor.unknown_parcels") is None


# -- the pickup code as a QR image ---------------------------------------------


def qr_modules(png: bytes) -> list[list[int]]:
    """Read the modules back from the rendered PNG (1 = dark)."""
    image = Image.open(BytesIO(png)).convert("L")
    modules = image.width // MODULE_PIXELS
    half = MODULE_PIXELS // 2
    return [
        [
            1
            if image.getpixel((x * MODULE_PIXELS + half, y * MODULE_PIXELS + half)) == 0
            else 0
            for x in range(QUIET_ZONE, modules - QUIET_ZONE)
        ]
        for y in range(QUIET_ZONE, modules - QUIET_ZONE)
    ]


def test_render_png_matches_the_qr_matrix() -> None:
    """The PNG holds exactly the QR matrix, with a white quiet zone."""
    payload = "parcel-locker://pickup?wall=w&compartment=A-07&code=01234567"
    png = render_png(payload)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG"
    assert image.width == image.height
    matrix = pyqrcode.create(payload, error="M").code
    assert image.width == (len(matrix) + 2 * QUIET_ZONE) * MODULE_PIXELS
    assert qr_modules(png) == matrix
    assert image.convert("L").getpixel((1, 1)) == 255


async def test_qr_image_for_the_recipient_only(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Bob's phone gets Bob's code; Charlie learns nothing; staff may see it."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    path = qr_path(bobs["parcel_id"])
    assert path == f"/api/parcel_locker/qr/{bobs['parcel_id']}"

    bob = await hass_client(await access_token(hass, people[BOB]))
    response = await bob.get(path)
    assert response.status == HTTPStatus.OK
    assert response.content_type == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    png = await response.read()
    assert qr_modules(png) == pyqrcode.create(bobs["qr"], error="M").code

    # Someone else's parcel answers like a parcel that does not exist.
    charlie = await hass_client(await access_token(hass, people[CHARLIE]))
    assert (await charlie.get(path)).status == HTTPStatus.NOT_FOUND
    assert (await charlie.get(qr_path("0123456789ab"))).status == HTTPStatus.NOT_FOUND
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(path)).status == HTTPStatus.UNAUTHORIZED
    alice = await hass_client(await access_token(hass, people[ALICE]))
    assert (await alice.get(path)).status == HTTPStatus.OK
    assert (await bob.get(qr_path("nope"))).status == HTTPStatus.NOT_FOUND

    # A replacement code replaces the image; revoking it removes it.
    issued = await call(
        hass, "issue_code", {"kind": "replacement", "parcel_id": bobs["parcel_id"]}
    )
    png = await (await bob.get(path)).read()
    assert qr_modules(png) == pyqrcode.create(issued["qr"], error="M").code
    await call(hass, "revoke_code", {"parcel_id": bobs["parcel_id"]})
    assert (await bob.get(path)).status == HTTPStatus.NOT_FOUND


async def test_qr_image_gone_after_pickup_and_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    hass_client: ClientSessionGenerator,
) -> None:
    """Collected: no image. Restarted: none until a replacement code."""
    client = await hass_client()  # an admin
    first = await deliver(hass, init_integration, simulator, BOB)
    second = await deliver(hass, init_integration, simulator, BOB)
    wall = simulator.wall(1)
    await call(hass, "redeem_code", {"code": first["code"]})
    assert wall.open_door(first["number"])
    await poll(init_integration)
    wall.take_parcel(first["number"])
    wall.close_door(first["number"])
    await poll(init_integration)
    assert (await client.get(qr_path(first["parcel_id"]))).status == 404

    assert (await client.get(qr_path(second["parcel_id"]))).status == 200
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert (await client.get(qr_path(second["parcel_id"]))).status == 404
    await call(
        hass, "issue_code", {"kind": "replacement", "parcel_id": second["parcel_id"]}
    )
    assert (await client.get(qr_path(second["parcel_id"]))).status == 200

    # Nothing loaded: nothing to show.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert (await client.get(qr_path(second["parcel_id"]))).status == 404


async def test_qr_image_of_an_expired_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An expired code's QR is not served any more."""
    client = await hass_client()
    bobs = await deliver(hass, init_integration, simulator, BOB)
    assert (await client.get(qr_path(bobs["parcel_id"]))).status == 200
    freezer.move_to(bobs["expires"])
    # (A token from three days ago has expired too: the app has a new one.)
    client = await hass_client(await access_token(hass, hass_admin_user))
    assert (await client.get(qr_path(bobs["parcel_id"]))).status == 404


async def test_context_user_must_exist(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """A call from a user that does not exist is refused outright."""
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "parcel_locker",
            "open_compartment",
            {"compartment": "A-01"},
            blocking=True,
            context=Context(user_id="ghost"),
        )


async def test_resident_sensors_are_known_by_their_person(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    entity_registry: er.EntityRegistry,
) -> None:
    """A resident sensor's identity is its person's, whatever the person is called.

    Renaming the person (its entity id) keeps the sensor, its id and its history.
    """
    person = entity_registry.async_get(BOB)
    assert person is not None
    sensor = entity_registry.async_get("sensor.bob_parcels")
    assert sensor is not None
    assert sensor.unique_id == (
        f"{init_integration.entry_id}_person_{person.unique_id}_parcels"
    )
    entity_registry.async_update_entity(BOB, new_entity_id="person.robert")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    again = entity_registry.async_get("sensor.bob_parcels")
    assert again is not None
    assert again.id == sensor.id
    assert hass.states.get("sensor.bob_parcels") is not None


async def test_qr_payloads_are_forgotten(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """A payload stays in memory only while its code can still open something."""
    locker = init_integration.runtime_data
    bobs = await deliver(hass, init_integration, simulator, BOB)
    issued = locker.pickup_code(bobs["parcel_id"])
    assert issued is not None
    assert issued.qr == bobs["qr"]
    await call(hass, "mark_collected", {"parcel_id": bobs["parcel_id"]})
    assert locker._issued == {}
    locker._remember(replace(issued, parcel_id="gone"))
    assert locker.pickup_code("gone") is None
    assert locker._issued == {}


def readme_card_markdown() -> str:
    """The markdown card's template of the README's resident block, as written."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("      - type: markdown\n        content: >-\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("          "):
            break
        lines.append(line.removeprefix("          "))
    # YAML's folded scalar (>-): lines joined by spaces, blank lines kept.
    return yaml.safe_load("content: >-\n" + "\n".join(f"  {line}" for line in lines))[
        "content"
    ]


async def test_the_readme_card_lists_stored_and_held_parcels(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """The README's dashboard card renders both kinds of waiting parcel."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    held = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "size": "XL", "carrier": "UPS"},
        response=True,
    )
    assert held["held"] is True
    await hass.async_block_till_done()
    shown = Template(readme_card_markdown(), hass).async_render(parse_result=False)
    assert f"**{bobs['compartment']}** at Lobby (DHL), code valid until" in shown
    assert "**At the front desk** (UPS)" in shown
    assert "Nothing is waiting for you" not in shown
