"""Guessing pickup codes: one guard for the hub, counted per source (items 1-3).

Every attempt passes the hub's guard before any wall is searched; each user and
each wall's keypad is a source of its own; an accepted code never resets a
source's count; one source's lock-out never refuses another source's right code.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.domain.guard import THRESHOLD
from simulator.server import LockerSimulator
from tests.conftest import BOB, CHARLIE, poll

from .conftest import WALL_A, WALL_B, deliver_to, guesses, try_code

ACCEPTED, REJECTED, LOCKED_OUT = 1, 2, 3


def rejected_by(events: list, user: MockUser) -> int:
    return sum(1 for event in events if event.data["by"] == f"user:{user.name}")


async def test_no_unlimited_guessing_on_a_second_controller(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_entry: MockConfigEntry,
    second_simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Item 1: 401 guesses without a wall; guess 318 is Bob's code on wall B."""
    bobs = await deliver_to(hass, second_entry, second_simulator, BOB, WALL_B)
    rejected = async_capture_events(hass, f"{DOMAIN}_code_rejected")
    attempts = guesses(1, {bobs["code"]}, 401)
    attempts[317] = bobs["code"]
    charlie = people[CHARLIE]
    outcomes = [await try_code(hass, charlie, code) for code in attempts]

    assert outcomes[:THRESHOLD] == ["invalid_code"] * (THRESHOLD - 1) + ["locked_out"]
    assert set(outcomes[THRESHOLD:]) == {"locked_out"}
    # Five guesses were looked at, across both controllers; Bob's code, guessed
    # while Charlie was locked out, opened nothing.
    assert rejected_by(rejected, charlie) == THRESHOLD
    assert second_simulator.wall(1).release_count(bobs["number"]) == 1
    # Bob, meanwhile, opens his own compartment.
    assert await try_code(hass, people[BOB], bobs["code"]) == "opened"
    assert second_simulator.wall(1).release_count(bobs["number"]) == 2


async def test_own_right_code_does_not_reset_the_count(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Item 2, in the app: four wrong, then his own right code, over and over."""
    charlie = people[CHARLIE]
    charlies = await deliver_to(hass, init_integration, simulator, CHARLIE, WALL_A)
    rejected = async_capture_events(hass, f"{DOMAIN}_code_rejected")
    wrong = iter(guesses(2, {charlies["code"]}, 240))
    outcomes: list[str] = []
    for _ in range(48):
        outcomes += [await try_code(hass, charlie, next(wrong)) for _ in range(4)]
        outcomes.append(await try_code(hass, charlie, charlies["code"]))
        freezer.tick(timedelta(seconds=1))
    # 4 wrong, his code opens, one more wrong locks him out for 30 s; the rest
    # is refused unread, his own code too. After the 30 s the first wrong code
    # locks him out again, for 60 s: 6 looked at in 48 s instead of 240.
    assert outcomes[:6] == [*["invalid_code"] * 4, "opened", "locked_out"]
    assert set(outcomes[6:]) == {"locked_out"}
    assert rejected_by(rejected, charlie) == THRESHOLD + 1
    first_lock = THRESHOLD + 1
    assert all(outcome == "locked_out" for outcome in outcomes[first_lock:150])


async def test_own_right_code_at_the_keypad_does_not_reset_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Item 2, at the wall: four wrong codes typed, then a right one, repeated."""
    charlies = await deliver_to(hass, init_integration, simulator, CHARLIE, WALL_A)
    rejected = async_capture_events(hass, f"{DOMAIN}_code_rejected")
    wall = simulator.wall(1)
    wrong = iter(guesses(3, {charlies["code"]}, 40))
    feedback: list[int] = []
    for _ in range(10):
        for code in [next(wrong) for _ in range(4)] + [charlies["code"]]:
            freezer.tick(timedelta(seconds=1))
            wall.enter_code(code)
            assert await poll(init_integration)
            feedback.append(wall.keypad_feedback)
    assert feedback[:6] == [*[REJECTED] * 4, ACCEPTED, LOCKED_OUT]
    assert set(feedback[6:]) == {LOCKED_OUT}
    # Five, then one more when the 30 s lock-out is over (it locks for 60 s).
    assert len(rejected) == THRESHOLD + 1
    assert {event.data["source"] for event in rejected} == {"keypad"}


async def test_one_resident_cannot_lock_out_another(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Item 3: Charlie's wrong codes naming the wall lock only Charlie out."""
    bobs = await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    bobs_second = await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    charlie = people[CHARLIE]
    for code in guesses(4, {bobs["code"], bobs_second["code"]}, THRESHOLD):
        await try_code(hass, charlie, code, wall="Lobby")
    assert await try_code(hass, charlie, bobs["code"], wall="Lobby") == "locked_out"
    # Bob's right code works in the app ...
    assert await try_code(hass, people[BOB], bobs["code"], wall="Lobby") == "opened"
    # ... and at the wall's keypad.
    wall = simulator.wall(1)
    freezer.tick(timedelta(seconds=1))
    wall.enter_code(bobs_second["code"])
    assert await poll(init_integration)
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(bobs_second["number"]) == 2


async def test_a_keypad_under_attack_refuses_only_the_keypad(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Item 3: wrong codes at the wall lock the keypad; the app still opens."""
    bobs = await deliver_to(hass, init_integration, simulator, BOB, WALL_A)
    wall = simulator.wall(1)
    for code in guesses(5, {bobs["code"]}, THRESHOLD):
        freezer.tick(timedelta(seconds=1))
        wall.enter_code(code)
        assert await poll(init_integration)
    assert wall.keypad_feedback == LOCKED_OUT
    problem = hass.states.get("binary_sensor.lobby_problem")
    assert problem is not None
    assert problem.attributes["problems"] == ["keypad_locked_out"]
    # At the keypad even Bob's right code waits for the lock-out ...
    freezer.tick(timedelta(seconds=1))
    wall.enter_code(bobs["code"])
    assert await poll(init_integration)
    assert wall.keypad_feedback == LOCKED_OUT
    # ... but in the app it opens at once.
    assert await try_code(hass, people[BOB], bobs["code"], wall="Lobby") == "opened"
    assert await try_code(hass, people[CHARLIE], "00000000") == "invalid_code"


async def test_sustained_guessing_stays_under_sixty_an_hour(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_entry: MockConfigEntry,
    second_simulator: LockerSimulator,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Any mix an attacker controls: walls named or not, own codes interleaved.

    Charlie guesses every 5 seconds for six hours, alternating between no wall,
    wall A and wall B, with his own right code every fifth attempt. Per source
    at most 5 wrong codes are looked at before the first lock-out, and never
    more than 60 in any hour.
    """
    charlie = people[CHARLIE]
    charlies = await deliver_to(hass, init_integration, simulator, CHARLIE, WALL_A)
    rejected = async_capture_events(hass, f"{DOMAIN}_code_rejected")
    locked = async_capture_events(hass, f"{DOMAIN}_keypad_locked_out")
    walls = [None, "Lobby", "Garage"]
    wrong = iter(guesses(6, {charlies["code"]}, 6 * 720))
    started = dt_util.utcnow()
    for attempt in range(6 * 720):
        code = charlies["code"] if attempt % 5 == 4 else next(wrong)
        await try_code(hass, charlie, code, wall=walls[attempt % 3])
        freezer.tick(timedelta(seconds=5))

    times = [event.time_fired for event in rejected]
    first_lock = locked[0].time_fired
    assert sum(1 for moment in times if moment <= first_lock) == THRESHOLD
    for hour in range(6):
        begin = started + timedelta(hours=hour)
        # Every window of an hour, sliding by minutes.
        for minute in range(0, 60, 5):
            window_start = begin + timedelta(minutes=minute)
            in_window = [
                moment
                for moment in times
                if window_start <= moment < window_start + timedelta(hours=1)
            ]
            assert len(in_window) <= 60
    assert len(times) <= 6 * 60


async def test_a_damaged_guard_file_starts_a_fresh_guard(
    hass: HomeAssistant,
    hass_storage: dict,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only counters and refusals are in it: a damaged one is started over."""
    hass_storage["parcel_locker.guard"] = {
        "version": 1,
        "key": "parcel_locker.guard",
        "data": {"sources": {"user:x": {"failures": ["not a time"]}}},
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    guard = mock_config_entry.runtime_data.guard.guard
    assert guard.to_dict() == {"sources": {}, "log": []}
    assert "The stored code guard cannot be read" in caplog.text
