"""Item 5: nobody but staff and the kiosk assigns; nobody fills the wall.

``assign_delivery`` is for staff (admins, automations) and the users named in the
option *Courier kiosk users*; a resident may ``start_return`` for themself only.
Anyone who is not staff holds at most 3 open reservations. A recipient is a
``person`` that exists.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.parcel_locker.const import (
    CONF_COURIER_USERS,
    DOMAIN,
    MAX_OPEN_RESERVATIONS,
)
from simulator.server import LockerSimulator
from tests.conftest import ALICE, BOB, CHARLIE


async def act(
    hass: HomeAssistant, service: str, data: dict[str, Any], user: MockUser | None
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        return_response=True,
        context=Context(user_id=user.id if user else None),
    )
    assert response is not None
    return dict(response)


def releases(simulator: LockerSimulator) -> int:
    wall = simulator.wall(1)
    return sum(wall.release_count(number) for number in range(1, 25))


async def test_a_resident_cannot_assign_deliveries(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Charlie's attempt to reserve the wall opens nothing."""
    for _ in range(24):
        with pytest.raises(Unauthorized):
            await act(hass, "assign_delivery", {"recipient": BOB}, people[CHARLIE])
    assert releases(simulator) == 0
    assert init_integration.runtime_data.ledger.free_count("wall_lobby") == 24


async def test_the_kiosk_holds_at_most_three_reservations(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """A courier kiosk user may assign, three open reservations at a time."""
    tablet = MockUser(name="Wall tablet").add_to_hass(hass)
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_COURIER_USERS: [tablet.id]}
    )
    await hass.async_block_till_done()
    for _ in range(MAX_OPEN_RESERVATIONS):
        await act(hass, "assign_delivery", {"recipient": BOB}, tablet)
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "assign_delivery", {"recipient": BOB}, tablet)
    assert err.value.translation_key == "too_many_reservations"
    assert "3 compartments reserved" in str(err.value)
    assert releases(simulator) == MAX_OPEN_RESERVATIONS
    # Staff are not limited.
    await act(hass, "assign_delivery", {"recipient": BOB}, people[ALICE])
    await act(hass, "assign_delivery", {"recipient": BOB}, None)
    assert releases(simulator) == MAX_OPEN_RESERVATIONS + 2


async def test_a_resident_returns_for_themself_only_and_only_a_few(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Charlie may start his own returns, three at a time; never Bob's."""
    charlie = people[CHARLIE]
    with pytest.raises(Unauthorized):
        await act(hass, "start_return", {"recipient": BOB}, charlie)
    for _ in range(MAX_OPEN_RESERVATIONS):
        await act(hass, "start_return", {"recipient": CHARLIE}, charlie)
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "start_return", {"recipient": CHARLIE}, charlie)
    assert err.value.translation_key == "too_many_reservations"
    assert releases(simulator) == MAX_OPEN_RESERVATIONS


@pytest.mark.parametrize("recipient", ["person.nobody_at_all", "person.ghost_2"])
async def test_a_recipient_must_exist(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    recipient: str,
) -> None:
    """No parcel, no open door and no sensor for somebody who does not exist."""
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "assign_delivery", {"recipient": recipient}, None)
    assert err.value.translation_key == "unknown_recipient"
    assert recipient in str(err.value)
    assert releases(simulator) == 0
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{recipient.split('.')[1]}_parcels") is None


@pytest.mark.parametrize(
    "recipient", ["person.bob\n", " person.bob", "PERSON.BOB", "person.", "bob"]
)
async def test_a_recipient_is_written_exactly(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    recipient: str,
) -> None:
    """Near misses of ``person.bob`` are refused, not quietly fixed."""
    with pytest.raises(vol.Invalid):
        await act(hass, "assign_delivery", {"recipient": recipient}, None)
    assert releases(simulator) == 0


async def test_carrier_is_optional(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A neighbour's drop-off or an unknown van: the carrier is ``unknown``."""
    response = await act(hass, "assign_delivery", {"recipient": BOB}, None)
    ledger = init_integration.runtime_data.ledger
    assert ledger.parcel(response["parcel_id"]).carrier == "unknown"
