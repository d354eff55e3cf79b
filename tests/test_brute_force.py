"""Code brute force is held by the lock-out, measured over an hour of frozen time.

The policy (``ledger_codes.KeypadGuard``): 5 wrong codes in a row lock the keypad
for 30 s, then 60 s, 120 s, ... doubling up to 1 h; while locked every code is
refused without being looked at; an accepted code resets it. Whatever the rate
of guessing, in the first hour only 7 runs of 5 guesses are ever evaluated: 35
guesses, against 10**8 possible 8-digit codes.
"""

from __future__ import annotations

from datetime import timedelta
import random

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.ledger import (
    KeypadLockedOutError,
    LedgerError,
    LedgerSettings,
)
from custom_components.parcel_locker.ledger_codes import KeypadGuard
from simulator.server import LockerSimulator

from .conftest import poll
from .ledger.helpers import T0, deliver as ledger_deliver, make_ledger
from .test_faults import deliver, polling_disabled  # noqa: F401

HOUR = timedelta(hours=1)
ACCEPTED, REJECTED, LOCKED_OUT = 1, 2, 3
# 7 lock-outs start within the first hour (30+60+...+960 s of locks = 1,890 s,
# the 7th lasts 1,920 s): 7 runs of 5 guesses.
BOUND_FIRST_HOUR = 35


def evaluated_by_policy(
    settings: LedgerSettings, every: timedelta, period: timedelta = HOUR
) -> int:
    """How many guesses, one every ``every``, the policy lets through in ``period``.

    Worked out from the policy alone (not from the ledger's code): the bound the
    measured count must meet exactly.
    """
    evaluated = failures = level = 0
    locked_until = timedelta(0)
    at = every
    while at < period:
        if at >= locked_until:
            evaluated += 1
            failures += 1
            if failures == settings.lockout_threshold:
                failures = 0
                level += 1
                locked_until = at + min(
                    settings.lockout_base * 2 ** (level - 1), settings.lockout_max
                )
        at += every
    return evaluated


def guess(rng: random.Random, code: str) -> str:
    """A random 8-digit code that is not the real one."""
    while (value := f"{rng.randrange(10**8):08d}") == code:
        pass
    return value


def test_policy_bound() -> None:
    """The closed numbers: 35 guesses in the first hour at any rate from 1 per 5 s."""
    settings = LedgerSettings()
    assert settings.lockout_threshold == 5
    assert settings.lockout_base == timedelta(seconds=30)
    assert settings.lockout_max == HOUR
    for every in (0.1, 0.5, 1, 2, 5):
        assert evaluated_by_policy(settings, timedelta(seconds=every)) == (
            BOUND_FIRST_HOUR
        ), every
    assert [
        KeypadGuard.backoff(level, settings).seconds for level in (1, 7, 8, 20)
    ] == [
        30,
        1920,
        3600,
        3600,
    ]


def test_ten_guesses_a_second_for_an_hour_against_the_ledger() -> None:
    """36,000 guesses at one keypad: 35 are looked at, the rest refused unread."""
    ledger = make_ledger()
    _, code = ledger_deliver(ledger, T0)
    rng = random.Random(1)
    evaluated = refused = 0
    every = timedelta(seconds=0.1)
    start = T0 + timedelta(minutes=1)
    for step in range(1, 36_000):
        try:
            ledger.redeem(guess(rng, code), "A", start + step * every)
        except KeypadLockedOutError as err:
            # The guess that triggers a lock-out was still evaluated.
            if err.events:
                evaluated += 1
            else:
                refused += 1
        except LedgerError:
            evaluated += 1
    assert evaluated == evaluated_by_policy(ledger.settings, every) == 35
    assert refused == 36_000 - 1 - 35
    # The lock-out does not lock the parcel away for good: once it ends, the
    # right code opens and resets the counter.
    now = start + 36_000 * every
    until = ledger.keypad_locked_until("A", now)
    assert until is not None
    assert ledger.redeem(code, "A", until).parcel.parcel_id


async def test_keypad_brute_force_for_an_hour(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    simulator: LockerSimulator,
) -> None:
    """Over the wire: a code typed at the wall before every poll, for an hour.

    The keypad shows one code per poll, so one guess per poll is as fast as
    guessing goes at the wall; polls every 5 s here (the rate does not change
    the count, see ``test_policy_bound``, and it keeps the test short). Of 719
    guesses 35 are evaluated (each a ``code_rejected`` event); every other one
    is answered "locked out" on the keypad, unread.
    """
    entry = init_integration
    wall = simulator.wall(1)
    events = {
        kind: async_capture_events(hass, f"{DOMAIN}_{kind}")
        for kind in ("delivered", "code_rejected", "keypad_locked_out")
    }
    _, code = await deliver(hass, entry, simulator, events)
    rng = random.Random(2)
    every = timedelta(seconds=5)
    feedback: dict[int, int] = {}
    guesses = 0
    started = dt_util.utcnow()
    while dt_util.utcnow() + every < started + HOUR:
        freezer.tick(every)
        wall.enter_code(guess(rng, code))
        guesses += 1
        assert await poll(entry)
        feedback[wall.keypad_feedback] = feedback.get(wall.keypad_feedback, 0) + 1

    evaluated = len(events["code_rejected"])
    assert guesses == 719
    assert evaluated == evaluated_by_policy(LedgerSettings(), every) == 35
    assert len(events["keypad_locked_out"]) == 7
    assert feedback == {REJECTED: 28, LOCKED_OUT: guesses - 28}
    assert [event.data["seconds"] for event in events["keypad_locked_out"]] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
    ]
    assert wall.release_count(1) == 1  # only the courier's

    # The right code waits out the lock-out too, then opens.
    wall.enter_code(code)
    assert await poll(entry)
    assert wall.keypad_feedback == LOCKED_OUT
    locked = entry.runtime_data.locker.ledger.keypad_locked_until(
        "wall_lobby", dt_util.utcnow()
    )
    assert locked is not None
    freezer.move_to(locked)
    wall.enter_code(code)
    assert await poll(entry)
    assert wall.keypad_feedback == ACCEPTED
    assert wall.release_count(1) == 2


async def test_app_brute_force_for_an_hour(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    simulator: LockerSimulator,
) -> None:
    """The app (``redeem_code`` without a wall), a guess every 5 s for an hour.

    The rate does not change the count (see ``test_policy_bound``; the ledger
    test above guesses ten times a second); it keeps the test short.
    """
    entry = init_integration
    events = {
        kind: async_capture_events(hass, f"{DOMAIN}_{kind}")
        for kind in ("delivered", "code_rejected")
    }
    _, code = await deliver(hass, entry, simulator, events)
    rng = random.Random(3)
    every = timedelta(seconds=5)
    refusals: dict[str, int] = {}
    for _ in range(719):
        freezer.tick(every)
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "redeem_code",
                {"code": guess(rng, code)},
                blocking=True,
                return_response=True,
            )
        key = str(err.value.translation_key)
        refusals[key] = refusals.get(key, 0) + 1
    assert (
        len(events["code_rejected"])
        == evaluated_by_policy(LedgerSettings(), every)
        == 35
    )
    assert refusals == {"invalid_code": 28, "keypad_locked_out": 719 - 28}
    assert simulator.wall(1).release_count(1) == 1
