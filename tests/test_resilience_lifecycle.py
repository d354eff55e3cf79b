"""Resilience of the longer life cycle: a restart at every new step.

An announced delivery collected with a neighbour's shared code, a parcel held at
the desk, a parcel sent back after its deadline: unloading and reloading the
entry at any of their steps loses nothing, repeats no event, and every code
that worked before still works (the ledger keeps codes as hashes).
"""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from simulator.server import LockerSimulator

from .conftest import BOB, CHARLIE, capture_events, issued_code, poll
from .test_lifecycle import door_cycle
from .test_resilience import (  # noqa: F401 - fixtures
    counts,
    ledger_of,
    polling_disabled,
)
from .test_services import call, deliver

ACCEPTED = 1


async def reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def state_of(entry: MockConfigEntry, parcel_id: str) -> str:
    return str(ledger_of(entry).parcel(parcel_id).state)


ANNOUNCED_STEPS = ("announced", "reserved", "occupied", "shared", "authorised")


@pytest.mark.parametrize("restart_at", ANNOUNCED_STEPS)
async def test_reload_at_every_step_of_an_announced_shared_delivery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    restart_at: str,
) -> None:
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)

    async def step_done(step: str, state: str) -> None:
        assert state_of(entry, parcel_id) == state
        if step == restart_at:
            await reload(hass, entry)
            assert state_of(entry, parcel_id) == state

    announced = await call(
        hass,
        "announce_delivery",
        {"recipient": BOB, "tracking": "RS 1", "size": "M"},
        response=True,
    )
    parcel_id = announced["parcel_id"]
    await step_done("announced", "announced")

    delivery = await call(hass, "assign_delivery", {"tracking": "rs1"}, response=True)
    assert (delivery["parcel_id"], delivery["compartment"]) == (parcel_id, "A-13")
    await step_done("reserved", "reserved")

    await door_cycle(entry, simulator, 13, load=True)
    await step_done("occupied", "stored")

    shared = await call(hass, "share_parcel", {"parcel_id": parcel_id}, people[BOB])
    await step_done("shared", "stored")

    # The neighbour types it at the wall.
    wall.enter_code(shared["code"])
    await poll(entry)
    assert wall.keypad_feedback == ACCEPTED
    await step_done("authorised", "stored")

    await door_cycle(entry, simulator, 13, load=False)
    assert state_of(entry, parcel_id) == "collected"
    assert counts(events) == {"announced": 1, "delivered": 1, "picked_up": 1}
    # Spent: it opened its door once.
    with pytest.raises(ServiceValidationError):
        await call(hass, "redeem_code", {"code": shared["code"]})


async def test_a_parcel_held_at_the_desk_survives_a_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    entry = init_integration
    events = capture_events(hass)
    held = await call(
        hass, "assign_delivery", {"recipient": CHARLIE, "size": "XL"}, response=True
    )
    await reload(hass, entry)
    assert state_of(entry, held["parcel_id"]) == "held"
    assert hass.states.get("sensor.charlie_parcels").state == "1"
    await poll(entry)
    await call(hass, "mark_collected", {"parcel_id": held["parcel_id"]})
    await reload(hass, entry)
    assert state_of(entry, held["parcel_id"]) == "collected"
    assert counts(events) == {"no_fit": 1, "picked_up": 1}


@pytest.mark.parametrize("restart_at", ["sent_back", "authorised"])
async def test_a_parcel_sent_back_survives_reloads(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    restart_at: str,
) -> None:
    """Past the deadline: sent back once; the carrier's code survives a restart."""
    entry = init_integration
    events = capture_events(hass)
    bobs = await deliver(hass, entry, simulator, BOB)
    parcel_id = bobs["parcel_id"]
    # A week later, with the clock running (a reload needs it).
    with freeze_time(dt_util.utcnow() + timedelta(days=7, minutes=1), tick=True):
        await poll(entry)
        # Sent back before a reminder was due that day: none is sent.
        assert counts(events) == {"delivered": 1, "return_to_sender": 1}
        carrier = issued_code(hass, parcel_id).code
        if restart_at == "sent_back":
            await reload(hass, entry)
            assert state_of(entry, parcel_id) == "return_to_sender"
        await call(hass, "redeem_code", {"code": carrier})
        if restart_at == "authorised":
            await reload(hass, entry)
        await door_cycle(entry, simulator, bobs["number"], load=False)
        for _ in range(3):
            await poll(entry)
    assert state_of(entry, parcel_id) == "returned"
    assert counts(events) == {"delivered": 1, "return_to_sender": 1, "picked_up": 1}
