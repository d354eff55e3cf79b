"""Resilience: restarts, saves, the keypad, watchers, races, outages and bounces.

Every test drives the integration against the simulated wall over real loopback
Modbus TCP. Polls happen only when a test asks for one (polling is disabled on
the entry), so each step of a delivery is seen exactly when the test says.

Frozen time (``freezer``) is only moved by ``advance``, which polls at once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

from .conftest import (
    ALICE,
    BOB,
    CHARLIE,
    Events,
    assign as assign_to,
    capture_events,
    code_of,
    deliver_parcel,
    entity_id,
    message,
    pass_time,
    poll,
    redeem,
    wall_subentry,
)

WALL = "wall_lobby"
RECIPIENT = "person.alice"
# Keypad feedback register (reference layout).
IDLE, ACCEPTED, REJECTED, LOCKED_OUT = 0, 1, 2, 3


@pytest.fixture
def polling_disabled() -> bool:
    """Only the test polls: no background poll races a step."""
    return True


def counts(events: Events) -> dict[str, int]:
    """How many of each event fired (only the types that fired)."""
    return {kind: len(items) for kind, items in events.items() if items}


async def advance(
    freezer: FrozenDateTimeFactory, entry: MockConfigEntry, delta: timedelta
) -> None:
    """Let frozen time pass, then poll at once so the watchers run.

    The poll starts before the loop gets a chance to run anything due, so no
    background refresh races it.
    """
    freezer.tick(delta)
    await poll(entry)


def ledger_of(entry: MockConfigEntry) -> Any:
    """The running ledger of a loaded entry."""
    return entry.runtime_data.ledger


def problems(hass: HomeAssistant, registry: er.EntityRegistry) -> tuple[str, list]:
    """The wall's problem sensor: its state and its problems."""
    state = hass.states.get(entity_id(registry, "binary_sensor", "problem"))
    assert state is not None
    return state.state, list(state.attributes.get("problems", []))


# -- 1. a restart at every step of a delivery ----------------------------------

STEPS = ("reserved", "loading", "occupied", "authorised", "unloading")


@pytest.mark.parametrize("restart_at", STEPS)
async def test_reload_at_every_step_of_a_delivery(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    restart_at: str,
) -> None:
    """Unloading and reloading at any step loses nothing and repeats nothing."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    status = entity_id(entity_registry, "sensor", "1_status")

    parcel = await assign(hass, tracking="TRK-1")
    assert parcel["compartment"] == "A-01"
    parcel_id = parcel["parcel_id"]

    async def step_done(step: str, expected_status: str) -> None:
        assert hass.states.get(status).state == expected_status
        if step != restart_at:
            return
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert hass.states.get(status).state == expected_status
        [kept] = ledger_of(entry).list_parcels()
        assert kept["parcel_id"] == parcel_id
        assert kept["compartment"] == "A-01"
        assert kept["tracking"] == "TRK-1"

    await step_done("reserved", "reserved")

    assert wall.open_door(1)
    await poll(entry)
    await step_done("loading", "reserved")

    wall.put_parcel(1)
    wall.close_door(1)
    await poll(entry)
    [delivered] = events["delivered"]
    assert delivered.data["parcel_id"] == parcel_id
    code = code_of(hass, delivered)
    await step_done("occupied", "occupied")

    opened = await redeem(hass, code)
    assert opened == {
        "compartment": "A-01",
        "wall": WALL,
        "wall_name": "Lobby",
        "parcel_id": parcel_id,
    }
    assert wall.release_count(1) == 2
    await step_done("authorised", "occupied")

    assert wall.open_door(1)
    await poll(entry)
    await step_done("unloading", "occupied")

    wall.take_parcel(1)
    wall.close_door(1)
    await poll(entry)
    await poll(entry)
    assert hass.states.get(status).state == "free"
    await assert_collected_once(hass, entry, simulator, events, parcel_id, code)


async def assert_collected_once(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    events: Events,
    parcel_id: str,
    code: str,
) -> None:
    """The life cycle ended once: one delivery, one pickup, the code spent."""
    [picked_up] = events["picked_up"]
    assert picked_up.data["parcel_id"] == parcel_id
    assert picked_up.data["compartment"] == "A-01"
    # One delivery, one pickup, no alarm, over the whole life cycle.
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    # The code worked once; it is spent now.
    with pytest.raises(ServiceValidationError) as err:
        await redeem(hass, code)
    assert err.value.translation_key == "invalid_code"
    assert simulator.wall(1).release_count(1) == 2
    assert ledger_of(entry).list_parcels() == []
    assert ledger_of(entry).free_count(WALL) == 24


@pytest.mark.parametrize("door_still_open", [False, True])
async def test_door_used_while_unloaded_is_seen_after_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    door_still_open: bool,
) -> None:
    """The courier loaded the compartment while Home Assistant was down."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    status = entity_id(entity_registry, "sensor", "1_status")
    parcel = await assign(hass)

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert wall.open_door(1)
    wall.put_parcel(1)
    if not door_still_open:
        wall.close_door(1)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if door_still_open:
        assert counts(events) == {}
        assert hass.states.get(status).state == "reserved"
        wall.close_door(1)
        await poll(entry)

    # The first poll that sees the closed door completes the delivery.
    assert counts(events) == {"delivered": 1}
    assert events["delivered"][0].data["parcel_id"] == parcel["parcel_id"]
    assert hass.states.get(status).state == "occupied"
    await poll(entry)
    assert counts(events) == {"delivered": 1}
    code = code_of(hass, events["delivered"][0])
    assert (await redeem(hass, code))["compartment"] == "A-01"


# -- 2. a full Home Assistant restart -------------------------------------------


async def test_parcel_and_code_survive_a_home_assistant_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """A second Home Assistant on the same storage knows the parcel and its code."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    parcel, code = await deliver(hass, entry, simulator, events)
    # Only one Home Assistant talks to the controller at a time.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    # The same configuration folder: the ledger and key files are there.
    async with async_test_home_assistant(config_dir=hass.config.config_dir) as hass2:
        try:
            # What the autouse enable_custom_integrations fixture does for `hass`.
            hass2.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            entry2 = MockConfigEntry(
                domain=DOMAIN,
                entry_id=entry.entry_id,
                title=entry.title,
                data=dict(entry.data),
                unique_id=entry.unique_id,
                subentries_data=[wall_subentry()],
                pref_disable_polling=True,
            )
            entry2.add_to_hass(hass2)
            assert await hass2.config_entries.async_setup(entry2.entry_id)
            await hass2.async_block_till_done()
            assert entry2.state is ConfigEntryState.LOADED
            events2 = capture_events(hass2)
            registry2 = er.async_get(hass2)

            status = entity_id(registry2, "sensor", "1_status")
            assert hass2.states.get(status).state == "occupied"
            waiting = entity_id(registry2, "sensor", "waiting")
            assert hass2.states.get(waiting).state == "1"
            [kept] = ledger_of(entry2).list_parcels()
            assert kept["parcel_id"] == parcel["parcel_id"]
            assert kept["compartment"] == "A-01"
            assert kept["state"] == "stored"

            assert (await redeem(hass2, code))["parcel_id"] == parcel["parcel_id"]
            assert wall.release_count(1) == 2
            assert wall.open_door(1)
            await poll(entry2)
            wall.take_parcel(1)
            wall.close_door(1)
            await poll(entry2)
            assert counts(events2) == {"picked_up": 1}
            assert hass2.states.get(status).state == "free"
            assert await hass2.config_entries.async_unload(entry2.entry_id)
        finally:
            await hass2.async_stop(force=True)
    assert counts(events) == {"delivered": 1}


# -- 3. saved at every transition -----------------------------------------------


class SavedLedger:
    """What the entry's ledger file holds, one snapshot per step."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        self.path = Path(
            hass.config.path(".storage", f"{DOMAIN}.{entry.entry_id}.ledger")
        )
        self.snapshots = [self.current()]

    def current(self) -> dict[str, Any]:
        return dict(json.loads(self.path.read_bytes())["data"])

    @property
    def last(self) -> dict[str, Any]:
        return self.snapshots[-1]

    def moved(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The step is stored already: compartment 1 and the parcel, as saved."""
        data = self.current()
        assert data != self.last
        assert data["revision"] > self.last["revision"]
        self.snapshots.append(data)
        [compartment] = [
            item for item in data["walls"][0]["compartments"] if item["number"] == 1
        ]
        return compartment, data["parcels"][0] if data["parcels"] else None

    def assert_never_held(self, code: str) -> None:
        for data in self.snapshots:
            assert code not in json.dumps(data)
        assert code not in self.path.read_text()


async def test_ledger_saved_at_every_transition_without_the_code(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """Each step is in storage when the step returns; no plaintext code ever is."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    saved = SavedLedger(hass, entry)

    parcel = await assign(hass)
    compartment, stored = saved.moved()
    assert stored is not None
    assert stored["parcel_id"] == parcel["parcel_id"]
    assert stored["state"] == "reserved"
    assert compartment["status"] == "reserved"

    assert wall.open_door(1)
    await poll(entry)
    compartment, stored = saved.moved()
    assert compartment["door_open"] is True
    assert compartment["session"]["purpose"] == "loading"

    wall.close_door(1)
    await poll(entry)
    compartment, stored = saved.moved()
    assert stored["state"] == "stored"
    assert compartment["status"] == "occupied"
    assert compartment["door_open"] is False
    [code_entry] = saved.last["codes"]
    assert code_entry["parcel_id"] == parcel["parcel_id"]
    code = code_of(hass, events["delivered"][0])

    # A wrong code is counted by the hub's guard, and saved in its own file;
    # the ledger does not move for it.
    with pytest.raises(ServiceValidationError):
        await redeem(hass, f"{(int(code) + 1) % 10**8:08d}")
    assert saved.current() == saved.last
    guard = hass_storage["parcel_locker.guard"]["data"]
    assert [len(source["failures"]) for source in guard["sources"].values()] == [1]

    await redeem(hass, code)
    compartment, stored = saved.moved()
    assert compartment["pending"]["session"]["purpose"] == "unloading"
    # An accepted code does not wash the failure out.
    guard = hass_storage["parcel_locker.guard"]["data"]
    assert [len(source["failures"]) for source in guard["sources"].values()] == [1]

    assert wall.open_door(1)
    await poll(entry)
    compartment, stored = saved.moved()
    assert compartment["door_open"] is True
    assert compartment["session"]["purpose"] == "unloading"
    assert saved.last["codes"] == []  # spent when the door opened

    wall.close_door(1)
    await poll(entry)
    compartment, stored = saved.moved()
    assert stored["state"] == "collected"
    assert compartment["status"] == "free"
    assert compartment["parcel_id"] is None

    # An idle poll saves nothing.
    await poll(entry)
    assert saved.current() == saved.last
    saved.assert_never_held(code)


# -- 4. the keypad over the wire --------------------------------------------------


async def test_keypad_pickup_over_the_wire(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A code typed at the wall opens its compartment; an old entry is not replayed."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    status = entity_id(entity_registry, "sensor", "1_status")
    _, code = await deliver(hass, entry, simulator, events)
    assert wall.release_count(1) == 1

    # Typed while Home Assistant was not running: the first poll after setup
    # only learns the keypad's sequence number.
    assert await hass.config_entries.async_unload(entry.entry_id)
    wall.enter_code(code)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await poll(entry)
    assert wall.release_count(1) == 1
    assert wall.keypad_feedback == IDLE
    assert counts(events) == {"delivered": 1}
    assert hass.states.get(status).state == "occupied"

    wall.enter_code(code)
    await poll(entry)
    assert wall.release_count(1) == 2
    assert wall.coil_writes[-1] == (1, True)
    assert wall.keypad_feedback == ACCEPTED
    await poll(entry)
    assert wall.release_count(1) == 2

    assert wall.open_door(1)
    await poll(entry)
    wall.take_parcel(1)
    wall.close_door(1)
    await poll(entry)
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    assert events["picked_up"][0].data["by"] == "keypad"
    assert hass.states.get(status).state == "free"

    # The code was used up by that opening.
    wall.enter_code(code)
    await poll(entry)
    assert wall.keypad_feedback == REJECTED
    assert wall.release_count(1) == 2
    assert counts(events) == {"delivered": 1, "picked_up": 1, "code_rejected": 1}


async def test_keypad_wrong_codes_lock_out_then_back_off(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Five wrong codes lock the keypad; even the right code waits out the back-off."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    _, code = await deliver(hass, entry, simulator, events)
    wrong = [f"{(int(code) + i) % 10**8:08d}" for i in range(1, 6)]

    for attempt, digits in enumerate(wrong[:4], start=1):
        wall.enter_code(digits)
        await poll(entry)
        assert wall.keypad_feedback == REJECTED
        assert len(events["code_rejected"]) == attempt
        assert events["code_rejected"][-1].data["failures"] == attempt
        assert events["keypad_locked_out"] == []
    assert problems(hass, entity_registry) == (STATE_OFF, [])

    wall.enter_code(wrong[4])
    await poll(entry)
    assert wall.keypad_feedback == LOCKED_OUT
    assert len(events["code_rejected"]) == 5
    [locked] = events["keypad_locked_out"]
    assert locked.data["wall"] == WALL
    assert locked.data["seconds"] == 30
    assert problems(hass, entity_registry) == (STATE_ON, ["keypad_locked_out"])

    # The right code is refused while locked out, and nothing is released.
    wall.enter_code(code)
    await advance(freezer, entry, timedelta(seconds=20))
    assert wall.keypad_feedback == LOCKED_OUT
    assert wall.release_count(1) == 1
    assert len(events["code_rejected"]) == 5
    assert len(events["keypad_locked_out"]) == 1

    # After the back-off the right code opens the compartment.
    wall.enter_code(code)
    await advance(freezer, entry, timedelta(seconds=11))
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(1) == 2
    assert problems(hass, entity_registry) == (STATE_OFF, [])
    assert wall.open_door(1)
    await poll(entry)
    wall.close_door(1)
    await poll(entry)
    assert len(events["picked_up"]) == 1


# -- 5. watchers, with frozen time ----------------------------------------------


async def test_door_left_open_alarm_fires_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A door open past 120 s raises one alarm and a problem until it closes."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    await assign(hass)
    assert wall.open_door(1)
    await poll(entry)
    await advance(freezer, entry, timedelta(seconds=119))
    assert events["door_left_open"] == []
    assert problems(hass, entity_registry) == (STATE_OFF, [])

    await advance(freezer, entry, timedelta(seconds=2))
    [alarm] = events["door_left_open"]
    assert alarm.data["compartment"] == "A-01"
    assert alarm.data["purpose"] == "loading"
    assert problems(hass, entity_registry) == (STATE_ON, ["door_left_open"])
    for _ in range(3):
        await advance(freezer, entry, timedelta(minutes=5))
    assert len(events["door_left_open"]) == 1

    wall.close_door(1)
    await poll(entry)
    assert problems(hass, entity_registry) == (STATE_OFF, [])
    assert counts(events) == {"door_left_open": 1, "delivered": 1}


async def test_forced_door_is_reported(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A door nobody released is a forced door: an event and a problem."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    assert not wall.open_door(5)  # latched: it does not give without force
    assert wall.open_door(5, force=True)
    await poll(entry)
    [forced] = events["forced_open"]
    assert forced.data["compartment"] == "A-05"
    assert forced.data["parcel_id"] is None
    assert problems(hass, entity_registry) == (STATE_ON, ["forced_door"])
    await poll(entry)
    assert len(events["forced_open"]) == 1

    wall.close_door(5)
    await poll(entry)
    assert problems(hass, entity_registry) == (STATE_OFF, [])
    assert counts(events) == {"forced_open": 1}
    assert wall.coil_writes == []


async def test_uncollected_parcel_is_reminded_once_a_day(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A parcel waiting over 24 h fires one reminder per 24 h, not one per poll."""
    entry = init_integration
    events = capture_events(hass)
    parcel, _ = await deliver(hass, entry, simulator, events)
    await advance(freezer, entry, timedelta(hours=23, minutes=59))
    assert events["overdue"] == []

    await advance(freezer, entry, timedelta(minutes=2))
    [first] = events["overdue"]
    assert first.data["parcel_id"] == parcel["parcel_id"]
    assert first.data["reminders"] == 1
    await advance(freezer, entry, timedelta(hours=1))
    await advance(freezer, entry, timedelta(hours=20))
    assert len(events["overdue"]) == 1

    await advance(freezer, entry, timedelta(hours=3))
    assert len(events["overdue"]) == 2
    assert events["overdue"][1].data["reminders"] == 2
    await poll(entry)
    assert len(events["overdue"]) == 2


async def test_cooled_compartment_out_of_band_alarms_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Above 8 °C for over a minute: one alarm; back in band clears the problem."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    wall.set_temperature(21, 12.0)
    await poll(entry, everything=True)
    await advance(freezer, entry, timedelta(seconds=59))
    assert events["temperature_alarm"] == []
    assert problems(hass, entity_registry) == (STATE_OFF, [])

    await advance(freezer, entry, timedelta(seconds=2))
    [alarm] = events["temperature_alarm"]
    assert alarm.data["compartment"] == "A-21"
    assert alarm.data["celsius"] == 12.0
    assert problems(hass, entity_registry) == (STATE_ON, ["temperature_out_of_band"])
    for _ in range(3):
        await advance(freezer, entry, timedelta(minutes=10))
    assert len(events["temperature_alarm"]) == 1

    wall.set_temperature(21, 4.0)
    await poll(entry, everything=True)
    assert problems(hass, entity_registry) == (STATE_OFF, [])
    assert counts(events) == {"temperature_alarm": 1}


async def test_reservation_never_opened_expires(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A reservation whose door never opens is given back after 10 minutes."""
    entry = init_integration
    events = capture_events(hass)
    status = entity_id(entity_registry, "sensor", "1_status")
    free = entity_id(entity_registry, "sensor", "free")
    parcel = await assign(hass)
    assert hass.states.get(status).state == "reserved"
    assert hass.states.get(free).state == "23"

    await advance(freezer, entry, timedelta(minutes=9, seconds=59))
    assert events["reservation_expired"] == []
    assert hass.states.get(status).state == "reserved"

    await advance(freezer, entry, timedelta(seconds=2))
    [expired] = events["reservation_expired"]
    assert expired.data["parcel_id"] == parcel["parcel_id"]
    assert expired.data["compartment"] == "A-01"
    assert hass.states.get(status).state == "free"
    assert hass.states.get(free).state == "24"
    await advance(freezer, entry, timedelta(minutes=10))
    assert counts(events) == {"reservation_expired": 1}
    assert ledger_of(entry).list_parcels() == []


# -- 6. concurrent assignments --------------------------------------------------


async def test_concurrent_assignments_never_share_a_compartment(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """50 couriers at once on 24 compartments: 24 get one each, 26 are held."""

    residents = [ALICE, BOB, CHARLIE, "person.dora", "person.ann"]

    async def one(index: int) -> dict[str, Any] | Exception:
        try:
            return await assign(hass, recipient=residents[index % len(residents)])
        except Exception as err:  # noqa: BLE001 - every outcome is checked below
            return err

    results = await asyncio.gather(*(one(index) for index in range(50)))
    assert all(isinstance(result, dict) for result in results), results
    successes = [result for result in results if not result["held"]]
    held = [result for result in results if result["held"]]
    assert len(successes) == 24
    assert len(held) == 26
    assert {result["compartment"] for result in held} == {None}

    labels = {success["compartment"] for success in successes}
    assert labels == {f"A-{number:02d}" for number in range(1, 25)}
    parcels = [
        parcel
        for parcel in ledger_of(init_integration).list_parcels()
        if parcel["state"] != "held"
    ]
    assert len(parcels) == 24
    assert {parcel["state"] for parcel in parcels} == {"reserved"}
    assert {parcel["compartment"] for parcel in parcels} == labels
    assert {parcel["parcel_id"] for parcel in parcels} == {
        success["parcel_id"] for success in successes
    }
    wall = simulator.wall(1)
    for number in range(1, 25):
        assert wall.release_count(number) == 1, number
    assert len(wall.coil_writes) == 24


# -- 7. a release while the controller is down ----------------------------------


async def test_release_while_down_fails_and_is_never_replayed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The courier hears at once that nothing opened; the wall is not opened later."""
    entry = init_integration
    wall = simulator.wall(1)
    free = entity_id(entity_registry, "sensor", "free")
    status = entity_id(entity_registry, "sensor", "1_status")
    await simulator.stop()
    with pytest.raises(
        HomeAssistantError,
        match=message("release_failed", compartment="A-01", error=None),
    ) as err:
        await assign(hass)
    assert err.value.translation_key == "release_failed"
    ledger = ledger_of(entry)
    assert ledger.free_count(WALL) == 24
    assert ledger.list_parcels() == []
    assert hass.states.get(status).state == "free"

    await simulator.start()
    for _ in range(3):
        await poll(entry)
    assert wall.coil_writes == []
    assert hass.states.get(free).state == "24"
    assert hass.states.get(status).state == "free"

    # The wall works again, and opens exactly what is asked now.
    parcel = await assign(hass)
    assert parcel["compartment"] == "A-01"
    assert wall.coil_writes == [(1, True)]


# -- 8. the connection drops during a delivery ----------------------------------


@pytest.mark.parametrize(
    "opened_before_outage",
    [True, False],
    ids=["opened_before_outage", "whole_door_cycle_during_outage"],
)
async def test_delivery_finishes_when_the_controller_returns(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    opened_before_outage: bool,
) -> None:
    """The door closed while the link was down: delivered once it is back."""
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    door = entity_id(entity_registry, "binary_sensor", "1_door")
    status = entity_id(entity_registry, "sensor", "1_status")
    controller = entity_id(entity_registry, "binary_sensor", "connectivity")
    parcel = await assign(hass)
    if opened_before_outage:
        assert wall.open_door(1)
        await poll(entry)
        assert hass.states.get(door).state == STATE_ON

    await simulator.stop()
    await poll(entry)
    assert hass.states.get(door).state == STATE_UNAVAILABLE
    assert hass.states.get(status).state == STATE_UNAVAILABLE
    assert hass.states.get(controller).state == STATE_OFF
    # The courier finishes at the wall meanwhile.
    assert wall.open_door(1)
    wall.put_parcel(1)
    wall.close_door(1)
    await poll(entry)
    assert counts(events) == {}

    await simulator.start()
    await poll(entry)
    assert hass.states.get(controller).state == STATE_ON
    assert hass.states.get(door).state == STATE_OFF
    assert counts(events) == {"delivered": 1}
    assert events["delivered"][0].data["parcel_id"] == parcel["parcel_id"]
    assert hass.states.get(status).state == "occupied"
    await poll(entry)
    assert counts(events) == {"delivered": 1}


# -- 9. door bounce --------------------------------------------------------------


async def test_door_bounce_completes_nothing_twice(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A door that bounces after a delivery or pickup is not a second one.

    A bouncing contact reads open and closed again whatever the latch does, so
    the simulated door is swung with ``force``; what matters is that nothing
    but the ledger's own session decides what an opening means.
    """
    entry = init_integration
    wall = simulator.wall(1)
    events = capture_events(hass)
    status = entity_id(entity_registry, "sensor", "1_status")

    async def bounce() -> None:
        # Between two polls: the poll only sees the door closed again.
        assert wall.open_door(1, force=True)
        wall.close_door(1)
        assert wall.open_door(1, force=True)
        wall.close_door(1)
        await poll(entry)
        # Across polls, within the re-open grace.
        for _ in range(2):
            freezer.tick(timedelta(seconds=3))
            assert wall.open_door(1, force=True)
            await poll(entry)
            wall.close_door(1)
            await poll(entry)

    parcel, code = await deliver(hass, entry, simulator, events)
    await bounce()
    assert counts(events) == {"delivered": 1}
    assert hass.states.get(status).state == "occupied"
    [stored] = ledger_of(entry).list_parcels()
    assert stored["state"] == "stored"

    await redeem(hass, code)
    assert wall.open_door(1)
    await poll(entry)
    wall.take_parcel(1)
    wall.close_door(1)
    await poll(entry)
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    await bounce()
    assert counts(events) == {"delivered": 1, "picked_up": 1}
    assert hass.states.get(status).state == "free"
    assert events["picked_up"][0].data["parcel_id"] == parcel["parcel_id"]

    # Past the grace, the same opening is a forced door.
    await pass_time(simulator, 0.2)  # the controller's pulse ended
    await advance(freezer, entry, timedelta(seconds=31))
    assert not wall.open_door(1)  # the latch caught
    assert wall.open_door(1, force=True)
    await poll(entry)
    assert counts(events) == {"delivered": 1, "picked_up": 1, "forced_open": 1}


async def assign(
    hass: HomeAssistant, recipient: str = RECIPIENT, **data: Any
) -> dict[str, Any]:
    """A courier's delivery, for this module's recipient unless told otherwise."""
    return await assign_to(hass, recipient, **data)


async def deliver(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    events: Events,
) -> tuple[dict[str, Any], str]:
    """A delivery for this module's recipient: the parcel and its pickup code."""
    return await deliver_parcel(hass, entry, simulator, events, RECIPIENT)
