"""The actions: deliveries, codes, opening, staff overrides and who may do what."""

from __future__ import annotations

from datetime import timedelta
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
import voluptuous as vol

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.errors import NothingFitsError
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB, code_of, entity_id, issued_code, message, poll


async def call(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    user: MockUser | None = None,
    *,
    response: bool = False,
) -> Any:
    """Call an action as a user (or as an automation without one)."""
    # These actions exist for their response: Home Assistant insists on it.
    response = response or service in ("issue_code", "list_parcels", "share_parcel")
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        context=Context(user_id=user.id if user else None),
        return_response=response,
    )


async def deliver(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    recipient: str = BOB,
    **extra: Any,
) -> dict[str, Any]:
    """Assign, let the courier load the compartment, return the delivered event."""
    delivered = async_capture_events(hass, f"{DOMAIN}_delivered")
    response = await call(
        hass,
        "assign_delivery",
        {"recipient": recipient, "carrier": "DHL", **extra},
        response=True,
    )
    number = int(response["compartment"].split("-")[1])
    assert simulator.wall(1).open_door(number)
    await poll(entry)
    simulator.wall(1).put_parcel(number)
    simulator.wall(1).close_door(number)
    await poll(entry)
    assert len(delivered) == 1
    issued = issued_code(hass, delivered[0].data["parcel_id"])
    return {
        **delivered[0].data,
        "number": number,
        "code": code_of(hass, delivered[0]),
        "qr": issued.qr,
    }


async def test_full_delivery_and_pickup(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    people: dict[str, MockUser],
) -> None:
    """Courier delivers, resident picks up with the code: every step visible."""
    wall = simulator.wall(1)
    response = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "size": "M", "carrier": "DHL", "tracking": "JJD01"},
        response=True,
    )
    assert response["compartment"] == "A-13"  # the first M compartment
    assert response["parcel_id"]
    assert wall.release_count(13) == 1
    status = entity_id(entity_registry, "sensor", "13_status")
    assert hass.states.get(status).state == "reserved"
    free = entity_id(entity_registry, "sensor", "free")
    assert hass.states.get(free).state == "23"

    delivered = async_capture_events(hass, f"{DOMAIN}_delivered")
    picked_up = async_capture_events(hass, f"{DOMAIN}_picked_up")
    assert wall.open_door(13)
    await poll(init_integration)
    wall.put_parcel(13)
    wall.close_door(13)
    await poll(init_integration)
    assert hass.states.get(status).state == "occupied"
    waiting = entity_id(entity_registry, "sensor", "waiting")
    assert hass.states.get(waiting).state == "1"
    (event,) = delivered
    code = code_of(hass, event)
    assert re.fullmatch(r"\d{8}", code)
    assert event.data["parcel_id"] == response["parcel_id"]
    assert event.data["recipient"] == BOB
    assert event.data["compartment"] == "A-13"
    assert event.data["wall"] == "wall_lobby"
    assert event.data["size"] == "M"
    assert event.data["carrier"] == "DHL"
    assert event.data["tracking"] == "JJD01"
    assert event.data["expires"]
    qr = issued_code(hass, response["parcel_id"]).qr
    assert code in qr
    assert qr.startswith("parcel-locker://pickup?")

    opened = await call(hass, "redeem_code", {"code": code}, response=True)
    assert opened["compartment"] == "A-13"
    assert wall.release_count(13) == 2
    assert wall.open_door(13)
    await poll(init_integration)
    wall.take_parcel(13)
    wall.close_door(13)
    await poll(init_integration)
    (event,) = picked_up
    assert event.data["parcel_id"] == response["parcel_id"]
    assert hass.states.get(status).state == "free"
    assert hass.states.get(waiting).state == "0"

    # One-time: the same code does not open anything again.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "redeem_code", {"code": code})
    assert err.value.translation_key == "invalid_code"
    assert wall.release_count(13) == 2


async def test_cold_parcels_go_to_cooled_compartments(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A cold parcel gets a cooled compartment; when none is left, it is held."""
    first = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "carrier": "Fresh", "cold": True},
        response=True,
    )
    second = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "carrier": "Fresh", "cold": True},
        response=True,
    )
    assert {first["compartment"], second["compartment"]} == {"A-21", "A-22"}
    assert (first["held"], first["cold"]) == (False, True)
    third = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "carrier": "F", "cold": True},
        response=True,
    )
    # Never a warm compartment for a cold parcel: kept at the desk instead.
    assert (third["held"], third["compartment"]) == (True, None)
    assert len(simulator.wall(1).coil_writes) == 2


async def test_no_compartment_of_that_size(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """No XL compartment on the wall: held at the desk, nothing opens."""
    held = await call(
        hass,
        "assign_delivery",
        {"recipient": BOB, "carrier": "X", "size": "XL"},
        response=True,
    )
    assert held["held"] is True
    assert (held["compartment"], held["wall"], held["size"]) == (None, None, "XL")
    assert simulator.wall(1).coil_writes == []


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("assign_delivery", {"recipient": "light.kitchen", "carrier": "DHL"}),
        ("assign_delivery", {"recipient": BOB, "carrier": "DHL", "size": "XXL"}),
        ("assign_delivery", {"recipient": BOB, "carrier": "x" * 101}),
        ("assign_delivery", {"recipient": BOB, "carrier": "DHL", "bogus": 1}),
        ("redeem_code", {}),
        ("open_compartment", {"compartment": ""}),
        ("issue_code", {"kind": "master"}),
        ("issue_code", {"kind": "courier", "uses": 0}),
        ("issue_code", {"kind": "courier", "uses": float("inf")}),
        ("issue_code", {"kind": "courier", "uses": float("nan")}),
        ("issue_code", {"kind": "courier", "uses": True}),
        # A lone surrogate crashes Home Assistant's datetime parser (ciso8601).
        ("issue_code", {"kind": "courier", "valid_from": "2026-01-01T00:00\ud800"}),
        ("revoke_code", {}),
    ],
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    service: str,
    data: dict[str, Any],
) -> None:
    """Malformed action data is refused by the schema and changes nothing."""
    before = init_integration.runtime_data.ledger.to_dict()
    with pytest.raises(vol.Invalid):
        await call(hass, service, data)
    assert init_integration.runtime_data.ledger.to_dict() == before
    assert simulator.wall(1).coil_writes == []


WRONG_CODE_MESSAGE = (
    "That code is not valid. 4 more wrong codes and you are locked out for a while"
)


@pytest.mark.parametrize(
    ("service", "data", "key", "message"),
    [
        (
            "redeem_code",
            {"code": "12345678"},
            "invalid_code",
            WRONG_CODE_MESSAGE,
        ),
        (
            "redeem_code",
            {"code": "abc"},
            "invalid_code",
            WRONG_CODE_MESSAGE,
        ),
        (
            "open_compartment",
            {"compartment": "Z-99"},
            "unknown_compartment_label",
            'There is no compartment "Z-99"',
        ),
        (
            "assign_delivery",
            {"recipient": BOB, "carrier": "D", "wall": "Attic"},
            "unknown_wall",
            'There is no locker wall "Attic"',
        ),
        (
            "cancel_delivery",
            {"parcel_id": "nope"},
            "parcel_not_found",
            "There is no parcel nope",
        ),
        (
            "mark_collected",
            {"parcel_id": "nope"},
            "parcel_not_found",
            "There is no parcel nope",
        ),
        (
            "issue_code",
            {"kind": "replacement"},
            "field_required",
            "The field parcel_id is required for this",
        ),
        (
            "revoke_code",
            {"code_id": "nope"},
            "code_not_found",
            "There is no active code for nope",
        ),
    ],
)
async def test_refusals_are_translated(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    service: str,
    data: dict[str, Any],
    key: str,
    message: str,
) -> None:
    """Refused actions explain themselves in the user's language, opening nothing.

    The whole message, placeholders filled in: the refusals the hub makes
    (``errors.refused``) and those of the ledger (``errors.ledger_refusal``).
    """
    with pytest.raises(ServiceValidationError, match=f"^{re.escape(message)}$") as err:
        await call(hass, service, data)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert simulator.wall(1).coil_writes == []


async def test_wrong_codes_are_events(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """Every wrong code fires code_rejected, without the code in it."""
    rejected = async_capture_events(hass, f"{DOMAIN}_code_rejected")
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": "11112222"})
    (event,) = rejected
    assert "11112222" not in str(event.data)
    assert event.data["failures"] == 1


async def test_lock_out_with_growing_back_off(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Five wrong codes lock out; the right code is refused too; back-off grows.

    After a lock-out the window still holds five failures: one more wrong code
    locks again, twice as long.
    """
    delivered = await deliver(hass, init_integration, simulator)
    code = delivered["code"]
    locked = async_capture_events(hass, f"{DOMAIN}_keypad_locked_out")

    async def wrong_codes(count: int) -> str:
        key = ""
        for _ in range(count):
            with pytest.raises(ServiceValidationError) as err:
                await call(hass, "redeem_code", {"code": "00000000"})
            key = str(err.value.translation_key)
        return key

    assert await wrong_codes(4) == "invalid_code"
    assert await wrong_codes(1) == "locked_out"
    assert len(locked) == 1
    assert locked[0].data["seconds"] == 30
    assert locked[0].data["source"] == "automation"
    first_until = locked[0].data["until"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "redeem_code", {"code": code})
    assert err.value.translation_key == "locked_out"
    assert simulator.wall(1).release_count(delivered["number"]) == 1

    freezer.tick(timedelta(seconds=31))
    assert await wrong_codes(1) == "locked_out"
    assert locked[1].data["seconds"] == 60
    assert locked[1].data["until"] > first_until

    freezer.tick(timedelta(seconds=locked[1].data["seconds"] + 1))
    response = await call(hass, "redeem_code", {"code": code}, response=True)
    assert response["compartment"] == delivered["compartment"]


async def test_resident_opens_own_compartment_only(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    entity_registry: er.EntityRegistry,
) -> None:
    """Bob opens his parcel's compartment; not Alice's, not an empty one."""
    bob = people[BOB]
    mine = await deliver(hass, init_integration, simulator, BOB)
    theirs = await deliver(hass, init_integration, simulator, ALICE)
    wall = simulator.wall(1)

    with pytest.raises(Unauthorized):
        await call(
            hass, "open_compartment", {"compartment": theirs["compartment"]}, bob
        )
    with pytest.raises(Unauthorized):
        await call(hass, "open_compartment", {"compartment": "A-20"}, bob)
    assert wall.release_count(theirs["number"]) == 1
    assert wall.release_count(20) == 0

    # Through the lock entity the same rule holds.
    lock = entity_id(entity_registry, "lock", f"{theirs['number']}_lock")
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "lock",
            "open",
            {"entity_id": lock},
            blocking=True,
            context=Context(user_id=bob.id),
        )
    assert wall.release_count(theirs["number"]) == 1

    await call(hass, "open_compartment", {"compartment": mine["compartment"]}, bob)
    assert wall.release_count(mine["number"]) == 2
    picked_up = async_capture_events(hass, f"{DOMAIN}_picked_up")
    assert wall.open_door(mine["number"])
    await poll(init_integration)
    wall.take_parcel(mine["number"])
    wall.close_door(mine["number"])
    await poll(init_integration)
    assert len(picked_up) == 1
    assert picked_up[0].data["parcel_id"] == mine["parcel_id"]


async def test_staff_may_open_anything(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Admins open any compartment; inspecting keeps the parcel booked."""
    alice = people[ALICE]
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await call(
        hass,
        "open_compartment",
        {"compartment": bobs["compartment"], "inspect": True},
        alice,
    )
    wall = simulator.wall(1)
    assert wall.open_door(bobs["number"])
    await poll(init_integration)
    wall.close_door(bobs["number"])
    await poll(init_integration)
    ledger = init_integration.runtime_data.ledger
    assert ledger.parcel(bobs["parcel_id"]).state == "stored"
    await call(hass, "open_compartment", {"compartment": "A-20"}, alice)
    assert wall.release_count(20) == 1


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("cancel_delivery", {"parcel_id": "any"}),
        ("mark_collected", {"parcel_id": "any"}),
        ("set_out_of_service", {"compartment": "A-01"}),
        ("issue_code", {"kind": "courier"}),
        ("revoke_code", {"code_id": "any"}),
        ("open_compartment", {"compartment": "A-01", "inspect": True}),
        ("start_return", {"recipient": ALICE, "carrier": "DHL"}),
    ],
)
async def test_staff_actions_refused_to_residents(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    service: str,
    data: dict[str, Any],
) -> None:
    """A resident cannot use staff overrides or act for someone else."""
    before = init_integration.runtime_data.ledger.to_dict()
    with pytest.raises(Unauthorized):
        await call(hass, service, data, people[BOB])
    assert init_integration.runtime_data.ledger.to_dict() == before
    assert simulator.wall(1).coil_writes == []


async def test_list_parcels_shows_residents_their_own(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Staff see every parcel, residents their own; never a code."""
    bobs = await deliver(hass, init_integration, simulator, BOB)
    alices = await deliver(hass, init_integration, simulator, ALICE)
    everything = await call(hass, "list_parcels", {}, people[ALICE], response=True)
    assert {p["parcel_id"] for p in everything["parcels"]} == {
        bobs["parcel_id"],
        alices["parcel_id"],
    }
    own = await call(hass, "list_parcels", {}, people[BOB], response=True)
    assert [p["parcel_id"] for p in own["parcels"]] == [bobs["parcel_id"]]
    assert bobs["code"] not in str(everything)
    by_wall = await call(hass, "list_parcels", {"wall": "Lobby"}, response=True)
    assert len(by_wall["parcels"]) == 2


async def test_replacement_code_and_revoke(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A replacement code works and the old one stops; a revoked code is dead."""
    delivered = await deliver(hass, init_integration, simulator)
    new = await call(
        hass,
        "issue_code",
        {"kind": "replacement", "parcel_id": delivered["parcel_id"]},
        response=True,
    )
    assert new["code"] != delivered["code"]
    assert new["parcel_id"] == delivered["parcel_id"]
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": delivered["code"]})

    await call(hass, "revoke_code", {"parcel_id": delivered["parcel_id"]})
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": new["code"]})
    assert simulator.wall(1).release_count(delivered["number"]) == 1


async def test_courier_code_opens_a_free_compartment(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A courier code opens the smallest free compartment of its size, once."""
    courier = await call(
        hass, "issue_code", {"kind": "courier", "size": "L"}, response=True
    )
    assert courier["kind"] == "courier"
    opened = await call(hass, "redeem_code", {"code": courier["code"]}, response=True)
    # The first L that is not cooled: cooled ones are kept for cold parcels.
    assert opened["compartment"] == "A-23"
    assert simulator.wall(1).release_count(23) == 1
    revoked = await call(hass, "issue_code", {"kind": "courier"}, response=True)
    await call(hass, "revoke_code", {"code_id": revoked["code_id"]})
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": revoked["code"]})


async def test_cancel_and_mark_collected(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Staff cancel a reservation or hand a parcel out by hand."""
    reserved = await call(
        hass, "assign_delivery", {"recipient": BOB, "carrier": "UPS"}, response=True
    )
    await call(hass, "cancel_delivery", {"parcel_id": reserved["parcel_id"]})
    number = int(reserved["compartment"].split("-")[1])
    status = entity_id(entity_registry, "sensor", f"{number}_status")
    assert hass.states.get(status).state == "free"
    simulator.wall(1).open_door(number)
    simulator.wall(1).close_door(number)
    await poll(init_integration)

    delivered = await deliver(hass, init_integration, simulator)
    picked_up = async_capture_events(hass, f"{DOMAIN}_picked_up")
    await call(hass, "mark_collected", {"parcel_id": delivered["parcel_id"]})
    (event,) = picked_up
    assert event.data["override"] is True
    status = entity_id(entity_registry, "sensor", f"{delivered['number']}_status")
    assert hass.states.get(status).state == "free"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "redeem_code", {"code": delivered["code"]})
    assert err.value.translation_key == "invalid_code"


async def test_cancel_stored_parcel_opens_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """Cancelling a stored parcel opens its door so it can be taken out."""
    delivered = await deliver(hass, init_integration, simulator)
    await call(hass, "cancel_delivery", {"parcel_id": delivered["parcel_id"]})
    assert simulator.wall(1).release_count(delivered["number"]) == 2
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": delivered["code"]})


async def test_out_of_service(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A compartment out of service is never assigned until put back."""
    for number in range(1, 13):
        await call(hass, "set_out_of_service", {"compartment": f"A-{number:02d}"})
    status = entity_id(entity_registry, "sensor", "1_status")
    assert hass.states.get(status).state == "out_of_service"
    response = await call(
        hass, "assign_delivery", {"recipient": BOB, "carrier": "D"}, response=True
    )
    assert response["compartment"] == "A-13"
    await call(
        hass, "set_out_of_service", {"compartment": "a-01", "out_of_service": False}
    )
    assert hass.states.get(status).state == "free"
    response = await call(
        hass, "assign_delivery", {"recipient": BOB, "carrier": "D"}, response=True
    )
    assert response["compartment"] == "A-01"


async def test_a_return_that_fits_nowhere_says_so(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Nothing free fits, on any wall: the resident reads which size.

    The ledger's refusal as the user reads it (``errors.ledger_refusal``, the
    ``NothingFitsError`` that lets the delivery action try another controller).
    """
    with pytest.raises(
        NothingFitsError,
        match=message("no_compartment_available_any_wall", size="XL"),
    ) as err:
        await call(
            hass,
            "start_return",
            {"recipient": BOB, "carrier": "DHL", "size": "XL"},
            people[BOB],
            response=True,
        )
    assert err.value.translation_key == "no_compartment_available_any_wall"
    assert simulator.wall(1).coil_writes == []


async def test_return_issues_a_carrier_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A resident drops a return; the carrier gets a collection code."""
    ready = async_capture_events(hass, f"{DOMAIN}_return_ready")
    response = await call(
        hass,
        "start_return",
        {"recipient": BOB, "carrier": "DHL"},
        people[BOB],
        response=True,
    )
    number = int(response["compartment"].split("-")[1])
    wall = simulator.wall(1)
    assert wall.open_door(number)
    await poll(init_integration)
    wall.put_parcel(number)
    wall.close_door(number)
    await poll(init_integration)
    (event,) = ready
    assert event.data["parcel_id"] == response["parcel_id"]
    assert issued_code(hass, event.data["parcel_id"]).qr.startswith(
        "parcel-locker://collect?"
    )
    opened = await call(
        hass, "redeem_code", {"code": code_of(hass, event)}, response=True
    )
    assert opened["compartment"] == response["compartment"]


async def test_actions_need_a_loaded_locker(hass: HomeAssistant) -> None:
    """Without a running locker the actions say so."""
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "redeem_code", {"code": "12345678"})
    assert err.value.translation_key == "not_loaded"


async def test_code_length_follows_the_option(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """After the installer picks 6 digits, new pickup codes have 6 digits."""
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, "code_length": 6}
    )
    await hass.async_block_till_done()
    delivered = await deliver(hass, init_integration, simulator)
    assert len(delivered["code"]) == 6
