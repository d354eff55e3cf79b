"""What the locker leaves in Home Assistant's history: logbook and statistics.

A real recorder: the logbook's own API tells each life-cycle event in a
sentence (never a code), and the wall's analytics sensors become long-term
statistics that the panel's statistics tab reads back, day by day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)
from pytest_homeassistant_custom_component.typing import (
    RecorderInstanceGenerator,
    WebSocketGenerator,
)

from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.domain.guard import SourceKind
from custom_components.parcel_locker.domain.ledger import EventType
from custom_components.parcel_locker.logbook import (
    FALLBACK,
    GUARD_EVENTS,
    described_events,
    sentence,
)
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB, CHARLIE, capture_events, poll
from .test_blueprints import collect
from .test_residents import access_token
from .test_services import call, deliver
from .test_translations import STRINGS


@pytest.fixture
def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """The recorder's database must exist before Home Assistant starts."""


async def test_logbook_tells_each_event_in_a_sentence(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """A delivery, a wrong code at the keypad, a forced door and a pickup."""
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow() - timedelta(minutes=1)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    wall = simulator.wall(1)
    wall.enter_code("9" * len(bobs["code"]))
    await poll(init_integration)
    wall.open_door(9, force=True)
    await poll(init_integration)
    wall.close_door(9)
    wall.enter_code(bobs["code"])
    await poll(init_integration)
    await collect(hass, init_integration, simulator, bobs["number"])
    await async_wait_recording_done(hass)

    ws = await hass_ws_client(hass)
    await ws.send_json(
        {"id": 1, "type": "logbook/get_events", "start_time": start.isoformat()}
    )
    answer = await ws.receive_json()
    assert answer["success"], answer
    told = [
        (entry["name"], entry["message"])
        for entry in answer["result"]
        if entry.get("domain") == DOMAIN
    ]
    compartment = bobs["compartment"]
    assert told == [
        ("Lobby", f"received a parcel for Bob in {compartment}"),
        ("Lobby", "refused a wrong code typed at its keypad"),
        ("Lobby", "had the door of A-09 forced open"),
        ("Lobby", f"gave out the parcel for Bob from {compartment}"),
    ]
    assert bobs["code"] not in str(answer)


@pytest.mark.parametrize(
    ("kind", "data", "told"),
    [
        (
            "overdue",
            {"recipient": BOB, "compartment": "A-01", "waiting_hours": 26.5},
            "still holds a parcel for Bob in A-01, waiting for 26.5 hours",
        ),
        (
            "reservation_expired",
            {"recipient": "unknown", "compartment": "A-02"},
            (
                "freed A-02 again: the door reserved for a parcel for an unknown"
                " recipient was never opened"
            ),
        ),
        (
            "door_left_open",
            {"compartment": "A-03", "seconds": 185},
            "has had the door of A-03 open for 3 minutes",
        ),
        (
            "temperature_alarm",
            {"compartment": "A-21", "celsius": 11.0, "low": 2.0, "high": 8.0},
            "measured 51.8 °F in cooled compartment A-21, outside 35.6 °F to 46.4 °F",
        ),
        (
            "temperature_alarm",
            {"compartment": "A-21", "celsius": None, "low": 2.0, "high": 8.0},
            "lost the temperature of cooled compartment A-21",
        ),
        (
            "return_ready",
            {"recipient": CHARLIE, "compartment": "A-04"},
            "holds a return from Charlie in A-04, ready for the carrier",
        ),
        (
            "picked_up",
            {"recipient": BOB, "compartment": "A-05", "override": True},
            "no longer holds the parcel for Bob in A-05: staff marked it collected",
        ),
        (
            "code_rejected",
            {"source": "user", "by": "user:Charlie", "reason": "invalid"},
            "refused a wrong code from Charlie",
        ),
        (
            "keypad_locked_out",
            {"source": "keypad", "by": "keypad", "until": "2026-11-29T18:30:00+00:00"},
            "locked its keypad until 10:30 after repeated wrong codes",
        ),
        (
            "keypad_locked_out",
            {
                "source": "automation",
                "by": "automation",
                "until": "2026-11-29T18:30:00+00:00",
            },
            "refuses codes from automations until 10:30 after repeated wrong codes",
        ),
        # A detail the sentence needs is missing: still a sentence.
        ("delivered", {"compartment": "A-06"}, "reported: delivered"),
        # An event of a newer life cycle with no sentence of its own.
        ("parcel_teleported", {}, "reported: parcel teleported"),
    ],
)
async def test_every_event_reads_as_a_sentence(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    kind: str,
    data: dict[str, Any],
    told: str,
) -> None:
    """Sentences fill in names and numbers, in the units Home Assistant shows."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    assert hass.config.units.temperature_unit == UnitOfTemperature.FAHRENHEIT
    assert sentence(hass, kind, data) == told


def test_every_ledger_event_is_described() -> None:
    """The logbook is told of every event the ledger fires, and the guard's."""
    described = set(described_events())
    assert {str(kind) for kind in EventType} <= described
    assert {"code_rejected", "keypad_locked_out"} <= described


def test_every_event_type_has_a_sentence_of_its_own() -> None:
    """A new event type without its own sentence fails here, not in the logbook.

    Each ledger event, and each guard event by its source, has a sentence of
    its own in strings.json (never only the ``other`` fallback); sentences are
    filled with names, numbers and times only, never a code.
    """
    sentences = STRINGS["selector"]["logbook"]["options"]
    expected = {str(kind) for kind in EventType} | {
        f"{kind}_{source}" for kind in GUARD_EVENTS for source in SourceKind
    }
    assert expected - sentences.keys() == set()
    assert all(sentences[key] != sentences[FALLBACK] for key in expected)
    placeholders = {
        name for text in sentences.values() for name in re.findall(r"{(\w+)}", text)
    }
    assert placeholders == {
        "recipient",
        "compartment",
        "hours",
        "minutes",
        "user",
        "until",
        "temperature",
        "low",
        "high",
        "event",
    }


async def test_the_life_cycle_reads_as_sentences(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Held, announced, lapsed and sent back, as these events really fire."""
    entry = init_integration
    events = capture_events(hass)
    await call(hass, "assign_delivery", {"recipient": BOB, "size": "XL"})
    tomorrow = (dt_util.now() + timedelta(days=1)).date()
    await call(
        hass,
        "announce_delivery",
        {"recipient": CHARLIE, "tracking": "JJD 42", "expected": tomorrow},
    )
    bobs = await deliver(hass, entry, simulator, BOB)
    freezer.tick(timedelta(days=7, minutes=1))  # past the pickup deadline (7 days)
    await poll(entry)
    await hass.async_block_till_done()
    told = {
        kind: [sentence(hass, kind, event.data) for event in fired]
        for kind, fired in events.items()
        if fired and kind != "overdue"
    }
    compartment = bobs["compartment"]
    assert told == {
        "no_fit": [
            (
                "had no free compartment for a parcel for Bob: it is kept at the"
                " front desk"
            )
        ],
        "announced": ["expects a parcel for Charlie"],
        "announcement_expired": [
            "no longer expects the parcel announced for Charlie: it never arrived"
        ],
        "delivered": [f"received a parcel for Bob in {compartment}"],
        "return_to_sender": [
            (
                f"sends the parcel for Bob in {compartment} back: it was not"
                " collected in time"
            )
        ],
    }
    assert bobs["code"] not in str(told)


async def test_statistics_of_the_walls_by_day(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two hours of one day: occupancy's mean, deliveries' change, the dwell time.

    Eight o'clock: an empty wall. Then Bob's parcel stays an hour and is
    collected; Charlie's stays in. Ten o'clock: one compartment of 24 in use,
    two deliveries, an hour of dwell.
    """
    # Tomorrow morning, whatever the time the test runs at.
    morning = dt_util.start_of_local_day() + timedelta(days=1, hours=8)
    freezer.move_to(morning)
    await poll(init_integration)

    await compile_hour(hass, freezer, morning)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    freezer.tick(timedelta(hours=1))
    await hass.services.async_call(
        DOMAIN, "redeem_code", {"code": bobs["code"]}, blocking=True
    )
    await collect(hass, init_integration, simulator, bobs["number"])
    await deliver(hass, init_integration, simulator, CHARLIE)
    await compile_hour(hass, freezer, morning + timedelta(hours=2))

    ws = await hass_ws_client(hass, await access_token(hass, people[ALICE]))
    await ws.send_json({"id": 1, "type": f"{DOMAIN}/statistics", "days": 2})
    answer = await ws.receive_json()
    assert answer["success"], answer
    (wall,) = answer["result"]["walls"]
    yesterday, today = wall["days"]
    assert yesterday == {
        "date": (morning - timedelta(days=1)).date().isoformat(),
        "occupancy": None,
        "deliveries": None,
        "dwell_hours": None,
    }
    assert today == {
        "date": morning.date().isoformat(),
        "occupancy": 2.1,
        "deliveries": 2,
        "dwell_hours": 1.0,
    }


async def compile_hour(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, hour: datetime
) -> None:
    """Let the recorder turn the hour starting at ``hour`` into statistics."""
    await async_wait_recording_done(hass)
    last_window = hour.replace(minute=55, second=0, microsecond=0)
    freezer.move_to(last_window + timedelta(minutes=5, seconds=1))
    do_adhoc_statistics(hass, start=dt_util.as_utc(last_window))
    await async_wait_recording_done(hass)
