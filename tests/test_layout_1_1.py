"""Reference layout 1.1 over real Modbus: nothing missed between two polls.

Door-open counters catch door cycles faster than the poll, the keypad ring every
code typed between two polls, and a chattering contact completes nothing. A
wall without those points works as in layout 1.0. Each test drives the
integration against the simulator on 127.0.0.1; the simulator's clock (its
pulses, its self-closing doors) only moves when a test says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parcel_locker.const import DOMAIN
from simulator import ManualClock
from simulator.server import LockerSimulator, reference_wall

from .conftest import (
    ALL_POINTS,
    LAYOUT_1_0_POINTS,
    SIZES,
    Events,
    assign,
    capture_events,
    code_of,
    entity_id,
    pass_time,
    poll,
    redeem,
    simulator_connection,
    wall_subentry,
)

WALL = "wall_lobby"
POLL_SECONDS = 5.0
CYCLE_SECONDS = 0.2
ACCEPTED, REJECTED = 1, 2


@pytest.fixture
def polling_disabled() -> bool:
    """Only the test polls: no background poll races a step."""
    return True


async def set_up_wall(
    hass: HomeAssistant, *, layout: str, presence: bool
) -> AsyncIterator[tuple[MockConfigEntry, LockerSimulator]]:
    """A 24-compartment wall in ``layout``, with or without parcel sensors."""
    wall = reference_wall(
        SIZES, pulse_seconds=CYCLE_SECONDS, layout=layout, presence=presence
    )
    points = ALL_POINTS if layout == "1.1" else LAYOUT_1_0_POINTS
    chosen = [point for point in points if presence or point != "presence"]
    async with LockerSimulator({1: wall}, clock=ManualClock()) as sim:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Parcel Locker (simulator)",
            data=simulator_connection(sim),
            unique_id=f"tcp:127.0.0.1:{sim.port}",
            minor_version=2,
            subentries_data=[wall_subentry(optional_points=chosen)],
            pref_disable_polling=True,
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry, sim
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def counted(
    hass: HomeAssistant, socket_enabled: None, people: dict[str, MockUser]
) -> AsyncIterator[tuple[MockConfigEntry, LockerSimulator]]:
    """Layout 1.1, no parcel sensors: only the counters can tell a quick cycle."""
    async for pair in set_up_wall(hass, layout="1.1", presence=False):
        yield pair


@pytest.fixture
async def plain(
    hass: HomeAssistant, socket_enabled: None, people: dict[str, MockUser]
) -> AsyncIterator[tuple[MockConfigEntry, LockerSimulator]]:
    """Layout 1.0, no parcel sensors: every read is believed."""
    async for pair in set_up_wall(hass, layout="1.0", presence=False):
        yield pair


@pytest.fixture
async def sensed(
    hass: HomeAssistant, socket_enabled: None, people: dict[str, MockUser]
) -> AsyncIterator[tuple[MockConfigEntry, LockerSimulator]]:
    """Layout 1.0 with parcel sensors."""
    async for pair in set_up_wall(hass, layout="1.0", presence=True):
        yield pair


def number_of(response: dict[str, Any]) -> int:
    return int(str(response["compartment"]).removeprefix("A-"))


async def next_poll(entry: MockConfigEntry, sim: LockerSimulator) -> None:
    """The rest of the poll interval passes at the wall, then the poll."""
    await pass_time(sim, POLL_SECONDS - CYCLE_SECONDS)
    assert await poll(entry)


def status(entry: MockConfigEntry, number: int) -> str:
    return str(entry.runtime_data.ledger.compartment(WALL, number).status)


async def test_counters_see_every_door_cycle_faster_than_the_poll(
    hass: HomeAssistant, counted: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """A 200 ms door cycle at a 5 s poll, 50 times: every delivery and pickup.

    The courier opens, loads and shuts within 200 ms, the resident takes the
    parcel as fast; the contact reads closed at every poll. The wall has no
    parcel sensor: only the door-open counters tell what happened.
    """
    entry, sim = counted
    wall = sim.wall(1)
    wall.set_quick_doors(CYCLE_SECONDS)
    events = capture_events(hass)
    for cycle in range(50):
        parcel = await assign(hass)
        number = number_of(parcel)
        assert wall.open_door(number)
        wall.put_parcel(number)
        await pass_time(sim, CYCLE_SECONDS)
        assert wall.compartment(number).door_closed
        await next_poll(entry, sim)
        assert len(events["delivered"]) == cycle + 1, f"delivery {cycle} missed"

        opened = await redeem(hass, code_of(hass, events["delivered"][-1]))
        assert number_of(opened) == number
        assert wall.open_door(number)
        wall.take_parcel(number)
        await pass_time(sim, CYCLE_SECONDS)
        await next_poll(entry, sim)
        assert len(events["picked_up"]) == cycle + 1, f"pickup {cycle} missed"
        assert status(entry, number) == "free"
    assert "forced_open" not in _fired(events)
    assert "reservation_expired" not in _fired(events)


async def test_without_counters_a_cycle_between_polls_is_not_seen(
    hass: HomeAssistant, plain: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """Layout 1.0 as before: a door seen open then closed completes the delivery;
    a whole cycle between two polls, with no parcel sensor, is not seen."""
    entry, sim = plain
    wall = sim.wall(1)
    events = capture_events(hass)
    seen = number_of(await assign(hass))
    assert wall.open_door(seen)
    assert await poll(entry)
    wall.close_door(seen)
    assert await poll(entry)
    assert len(events["delivered"]) == 1

    wall.set_quick_doors(CYCLE_SECONDS)
    missed = number_of(await assign(hass))
    assert wall.open_door(missed)
    await pass_time(sim, CYCLE_SECONDS)
    await next_poll(entry, sim)
    assert len(events["delivered"]) == 1
    assert status(entry, missed) == "reserved"


async def test_the_ring_checks_every_code_typed_between_two_polls_in_order(
    hass: HomeAssistant, counted: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """Five codes in one poll interval: two wrong, three right, in that order."""
    entry, sim = counted
    wall = sim.wall(1)
    events = capture_events(hass)
    parcels = []
    for _ in range(3):
        number = number_of(await assign(hass))
        assert wall.open_door(number)
        assert await poll(entry)
        wall.close_door(number)
        await pass_time(sim, CYCLE_SECONDS)
        assert await poll(entry)
        parcels.append((number, code_of(hass, events["delivered"][-1])))
    (first, a), (second, b), (third, c) = parcels
    wall.coil_writes.clear()

    for typed in ("00000001", a, "00000002", b, c):
        wall.enter_code(typed)
    assert await poll(entry)

    assert [n for n, on in wall.coil_writes if on] == [first, second, third]
    assert len(events["code_rejected"]) == 2
    assert wall.keypad_feedback == ACCEPTED
    assert wall.keypad_feedback_sequence == wall.keypad_sequence == 5
    for number in (first, second, third):
        assert wall.open_door(number)
    assert await poll(entry)
    for number in (first, second, third):
        wall.take_parcel(number)
        wall.close_door(number)
    assert await poll(entry)
    assert len(events["picked_up"]) == 3


async def test_without_the_ring_only_the_last_code_is_read(
    hass: HomeAssistant, plain: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """Layout 1.0 as before: of codes typed faster than the poll, the last counts."""
    entry, sim = plain
    wall = sim.wall(1)
    events = capture_events(hass)
    number = number_of(await assign(hass))
    assert wall.open_door(number)
    assert await poll(entry)
    wall.close_door(number)
    await pass_time(sim, CYCLE_SECONDS)
    assert await poll(entry)
    code = code_of(hass, events["delivered"][-1])
    wall.coil_writes.clear()
    for typed in ("00000001", "00000002", code):
        wall.enter_code(typed)
    assert await poll(entry)
    assert wall.coil_writes == [(number, True)]
    assert events["code_rejected"] == []
    assert wall.keypad_feedback == ACCEPTED


async def test_chatter_on_a_reserved_door_completes_nothing_with_counters(
    hass: HomeAssistant, counted: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """A contact reading open for one poll while the counter stood still."""
    entry, sim = counted
    wall = sim.wall(1)
    events = capture_events(hass)
    number = number_of(await assign(hass))
    for _ in range(3):
        wall.bounce_door(number, reads=1)
        await next_poll(entry, sim)
        await next_poll(entry, sim)
    assert wall.door_bounces == 3
    assert _fired(events) == {}
    assert status(entry, number) == "reserved"

    assert wall.open_door(number)  # the courier, at last
    await next_poll(entry, sim)
    wall.close_door(number)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1}


async def test_chatter_with_a_parcel_sensor_completes_nothing(
    hass: HomeAssistant, sensed: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """No counters: one open read, closed again with no parcel change, is chatter.

    A door that reads open on two polls in a row, or whose parcel sensor
    changed, is believed: the courier's real cycle completes the delivery.
    """
    entry, sim = sensed
    wall = sim.wall(1)
    events = capture_events(hass)
    number = number_of(await assign(hass))
    wall.bounce_door(number, reads=1)
    await next_poll(entry, sim)
    await next_poll(entry, sim)
    assert _fired(events) == {}
    assert status(entry, number) == "reserved"

    assert wall.open_door(number)
    await next_poll(entry, sim)
    wall.put_parcel(number)
    wall.close_door(number)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1}

    # Taken out between two reads: the parcel sensor confirms the pickup.
    opened = await redeem(hass, code_of(hass, events["delivered"][0]))
    assert wall.open_door(number_of(opened))
    await next_poll(entry, sim)
    wall.take_parcel(number)
    wall.close_door(number)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1, "picked_up": 1}


async def test_layout_1_0_without_parcel_sensors_believes_every_read(
    hass: HomeAssistant, plain: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """What is not promised: with neither, chatter on a reserved door completes it."""
    entry, sim = plain
    wall = sim.wall(1)
    events = capture_events(hass)
    number = number_of(await assign(hass))
    wall.bounce_door(number, reads=1)
    await next_poll(entry, sim)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1}


async def test_a_forced_cycle_elsewhere_is_found_on_the_full_poll(
    hass: HomeAssistant, counted: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """Counters of idle compartments are read with the temperatures: a door
    forced open and shut between two polls is reported then, once."""
    entry, sim = counted
    wall = sim.wall(1)
    events = capture_events(hass)
    wall.set_quick_doors(CYCLE_SECONDS)
    assert wall.open_door(9, force=True)
    await pass_time(sim, CYCLE_SECONDS)
    await next_poll(entry, sim)
    assert _fired(events) == {}
    assert await poll(entry, everything=True)
    assert _fired(events) == {"forced_open": 1}
    assert events["forced_open"][0].data["compartment"] == "A-09"
    assert await poll(entry, everything=True)
    assert _fired(events) == {"forced_open": 1}


async def test_a_restarted_controller_is_not_a_burst_of_openings(
    hass: HomeAssistant, counted: tuple[MockConfigEntry, LockerSimulator]
) -> None:
    """Counters back at 0 after a power cycle: no cycle is made up, none lost."""
    entry, sim = counted
    wall = sim.wall(1)
    events = capture_events(hass)
    for _ in range(3):
        assert wall.open_door(5, force=True)
        wall.close_door(5)
    assert await poll(entry, everything=True)
    assert _fired(events) == {"forced_open": 3}
    wall.power_cycle()
    assert await poll(entry, everything=True)
    assert await poll(entry, everything=True)
    assert _fired(events) == {"forced_open": 3}

    wall.set_quick_doors(CYCLE_SECONDS)
    number = number_of(await assign(hass))
    assert wall.open_door(number)
    await pass_time(sim, CYCLE_SECONDS)
    await next_poll(entry, sim)
    assert _fired(events) == {"forced_open": 3, "delivered": 1}


def _fired(events: Events) -> dict[str, int]:
    return {kind: len(items) for kind, items in events.items() if items}


async def test_temperatures_are_read_on_their_own_interval(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """Doors every poll; temperatures and setpoints every 30 s (the default)."""
    sensor = entity_id(entity_registry, "sensor", "21_temperature")
    door = entity_id(entity_registry, "binary_sensor", "21_door")
    assert hass.states.get(sensor).state == "4.0"
    simulator.wall(1).set_temperature(21, 6.5)
    simulator.wall(1).open_door(21, force=True)
    freezer.tick(timedelta(seconds=10))
    assert await poll(init_integration)
    assert hass.states.get(door).state == STATE_ON
    assert hass.states.get(sensor).state == "4.0"
    # Past the interval, the slow tier is read in small steps, one a poll:
    # every poll takes about as long as the last, so doors stay prompt.
    simulator.wall(1).close_door(21)
    assert await poll(init_integration)
    before = simulator.requests
    assert await poll(init_integration)
    usual = simulator.requests - before
    freezer.tick(timedelta(seconds=21))
    link = next(iter(init_integration.runtime_data.links.values()))
    for _ in range(link.slow_steps):
        before = simulator.requests
        assert await poll(init_integration)
        assert simulator.requests - before == usual + 1
    assert hass.states.get(sensor).state == "6.5"
    before = simulator.requests
    assert await poll(init_integration)
    assert simulator.requests - before == usual  # the round is over


async def test_the_temperature_interval_is_an_option(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    sensor = entity_id(entity_registry, "sensor", "21_temperature")
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, "temperature_interval": 5},
    )
    await hass.async_block_till_done()
    simulator.wall(1).set_temperature(21, 7.0)
    freezer.tick(timedelta(seconds=3))
    assert await poll(init_integration)
    assert hass.states.get(sensor).state == "4.0"
    freezer.tick(timedelta(seconds=3))
    for _ in range(next(iter(init_integration.runtime_data.links.values())).slow_steps):
        assert await poll(init_integration)
    assert hass.states.get(sensor).state == "7.0"


async def test_a_quick_reopen_within_the_grace_is_no_forced_door(
    hass: HomeAssistant,
    counted: tuple[MockConfigEntry, LockerSimulator],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The courier shut the door, then opened it again at once to push the
    parcel in, all between two polls: still the delivery, no forced door."""
    entry, sim = counted
    wall = sim.wall(1)
    wall.set_quick_doors(CYCLE_SECONDS)
    events = capture_events(hass)
    number = number_of(await assign(hass))
    assert wall.open_door(number)
    await pass_time(sim, CYCLE_SECONDS)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1}
    assert wall.open_door(number, force=True)  # the latch had caught again
    await pass_time(sim, CYCLE_SECONDS)
    await next_poll(entry, sim)
    assert _fired(events) == {"delivered": 1}
    assert status(entry, number) == "occupied"
    # Seen on the poll right after, within the grace: not left for a full
    # poll past the grace, where it would read as a forced door.
    freezer.tick(timedelta(seconds=31))
    assert await poll(entry, everything=True)
    assert _fired(events) == {"delivered": 1}
