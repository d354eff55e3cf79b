"""Fixtures: a simulated locker wall on loopback and a configured entry for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Generator
import json
import logging
from pathlib import Path
import re
from typing import Any

from freezegun.api import real_monotonic
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    frame,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

# Home Assistant's test config dir has a custom_components package of its own:
# import ours first so the loader finds parcel_locker.
import custom_components  # noqa: F401
from custom_components.parcel_locker.compat import DEVICE_PER_ENTRY
from custom_components.parcel_locker.const import (
    CONF_COMPARTMENTS,
    CONF_CONNECTION,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_FRAMER,
    CONF_OPTIONAL_POINTS,
    CONF_PREFIX,
    CONF_PROFILE,
    CONF_SIZES,
    CONNECTION_TCP,
    DOMAIN,
    FRAMER_SOCKET,
    SUBENTRY_WALL,
)
from custom_components.parcel_locker.domain.ledger import IssuedCode
from custom_components.parcel_locker.domain.wiring import OPTIONAL_POINT_NAMES
from custom_components.parcel_locker.wall_config import generate_map
from custom_components.parcel_locker.wall_form import subentry_data
from simulator import ManualClock
from simulator.server import LockerSimulator, reference_wall

SIZES = "S*12,M*8,L*4"
LAYOUT_1_1_ONLY = ("door_counters", "keypad_ring")
ALL_POINTS = list(OPTIONAL_POINT_NAMES)
LAYOUT_1_0_POINTS = [point for point in ALL_POINTS if point not in LAYOUT_1_1_ONLY]

ALICE = "person.alice"
BOB = "person.bob"
CHARLIE = "person.charlie"
# Residents without a Home Assistant login (parcels may still be for them).
NO_LOGIN = ("dora", "ann")
EXCEPTION_MESSAGES: dict[str, str] = {
    key: text["message"]
    for key, text in json.loads(
        (
            Path(__file__).parents[1] / "custom_components/parcel_locker/strings.json"
        ).read_text(encoding="utf-8")
    )["exceptions"].items()
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None, hass: HomeAssistant, tmp_path: Path
) -> None:
    """Let Home Assistant load the integration from this repository.

    Each test gets a configuration folder of its own: the ledger and the install
    key are real files in its ``.storage``.
    """
    hass.config.config_dir = str(tmp_path)


@pytest.fixture(autouse=True)
async def event_loop_on_real_time() -> None:
    """The event loop keeps real time when a test freezes Home Assistant's clock.

    ``freezer`` freezes ``time.monotonic`` too, and with it the loop's timers:
    a client that connects after the clock froze would wait for ever on its
    own short pauses. Frozen time is Home Assistant's (``utcnow``, moved by
    ``freezer.tick`` and ``async_fire_time_changed``); the simulator's is its
    ``ManualClock``; the loop just runs. So fixtures may come in any order.
    """
    asyncio.get_running_loop().time = real_monotonic  # type: ignore[method-assign]


class _DeprecationReports(logging.Handler):
    """Collects what Home Assistant reports as deprecated or wrong usage."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == frame.__name__ or message.startswith(
            ("The deprecated ", "Detected that ", "Detected code that ")
        ):
            self.reports.append(f"{record.name}: {message}")


@pytest.fixture(autouse=True)
def fail_on_deprecation_reports() -> Generator[None]:
    """Fail a test during which Home Assistant reports a deprecated or wrong usage.

    Home Assistant logs these "frame reports" for custom integrations instead of
    raising: here they fail the test that triggered them, so a newer Home
    Assistant's deprecations surface in the suite, not in users' logs.
    """
    # Home Assistant reports each usage once per process: every test starts fresh.
    getattr(frame, "_REPORTED_INTEGRATIONS", set()).clear()
    handler = _DeprecationReports()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.reports:
        pytest.fail("Home Assistant reported:\n" + "\n".join(handler.reports))


def find_device(
    registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: tuple[str, str]
) -> dr.DeviceEntry | None:
    """The entry's device with ``identifier``, on every supported Home Assistant."""
    if DEVICE_PER_ENTRY:
        return registry.async_get_device_by_identifier(identifier, entry.entry_id)
    return registry.async_get_device(identifiers={identifier})


def device_subentries(device: dr.DeviceEntry) -> dict[str, set[str | None]]:
    """The config entries and subentries a device belongs to, by entry id."""
    if DEVICE_PER_ENTRY:
        return {device.config_entry_id: {device.config_subentry_id}}
    return device.config_entries_subentries


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable entities that are disabled by default."""
    from unittest.mock import patch  # noqa: PLC0415

    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
def pulse_seconds() -> float:
    """How long the simulated controller keeps a lock released."""
    return 0.2


@pytest.fixture
async def simulator(
    socket_enabled: None, pulse_seconds: float
) -> AsyncIterator[LockerSimulator]:
    """A 24-compartment reference wall on unit 1, served on 127.0.0.1.

    Its clock is a ``ManualClock``: a lock pulse ends, a door closes by itself
    or a silence ends only when the test says time passed (``advance``).
    """
    sim = LockerSimulator(
        {1: reference_wall(SIZES, cooled=(21, 22), pulse_seconds=pulse_seconds)},
        clock=ManualClock(),
    )
    await sim.start()
    yield sim
    await sim.stop()


async def pass_time(simulator: LockerSimulator, seconds: float) -> None:
    """Let the simulated controller's time pass (its pulses end, its doors close).

    Tests never sleep: the simulator's clock moves when they say so.
    """
    assert isinstance(simulator.clock, ManualClock)
    await simulator.clock.advance(seconds)


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Let the event loop run until ``condition`` holds (a socket event arrived).

    It only yields to the loop, which handles sockets on every turn; it never
    sleeps. ``within`` bounds the wait so a broken test fails instead of hanging.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            pytest.fail("the condition was not reached")
        await asyncio.sleep(0)


async def drop_and_notice(entry: MockConfigEntry, simulator: LockerSimulator) -> None:
    """Cut the controller's connection and wait until the hub noticed the reset."""
    lost = asyncio.Event()
    unsubscribe = entry.runtime_data.connection.on_connection_lost(lost.set)
    try:
        assert simulator.drop_connections() == 1
        await asyncio.wait_for(lost.wait(), 5)
    finally:
        unsubscribe()


def wall_form(**overrides: Any) -> dict[str, Any]:
    """The wall form as an installer fills it for the simulated wall."""
    return {
        CONF_NAME: "Lobby",
        CONF_PREFIX: "A",
        CONF_PROFILE: "reference",
        CONF_DEVICE_ID: 1,
        CONF_COMPARTMENTS: 24,
        CONF_SIZES: SIZES,
        CONF_COOLED: "21,22",
        CONF_OPTIONAL_POINTS: ALL_POINTS,
        "hub_timed_pulse": False,
        "pulse_seconds": 0.5,
        **overrides,
    }


def wall_subentry(**overrides: Any) -> ConfigSubentryData:
    """A stored wall subentry for the simulated wall."""
    data = wall_form(**overrides)
    return ConfigSubentryData(
        subentry_type=SUBENTRY_WALL,
        title=data[CONF_NAME],
        data=subentry_data(data, generate_map(data)),
        subentry_id="wall_lobby",
        unique_id=None,
    )


def simulator_connection(simulator: LockerSimulator) -> dict[str, Any]:
    """Entry data pointing at a simulator."""
    return {
        CONF_CONNECTION: CONNECTION_TCP,
        CONF_HOST: "127.0.0.1",
        CONF_PORT: simulator.port,
        CONF_FRAMER: FRAMER_SOCKET,
    }


@pytest.fixture
def connection_data(simulator: LockerSimulator) -> dict[str, Any]:
    """Entry data pointing at the simulator."""
    return simulator_connection(simulator)


@pytest.fixture
def polling_disabled() -> bool:
    """Whether the entry's own poll timer is off (tests then poll explicitly).

    Modules whose tests must never race a background poll override this.
    """
    return False


@pytest.fixture
def mock_config_entry(
    connection_data: dict[str, Any],
    polling_disabled: bool,
    people: dict[str, MockUser],
) -> MockConfigEntry:
    """A config entry for the simulated controller with one wall (and its people)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Parcel Locker (simulator)",
        data=connection_data,
        unique_id=f"tcp:127.0.0.1:{connection_data[CONF_PORT]}",
        subentries_data=[wall_subentry()],
        pref_disable_polling=polling_disabled,
    )


type Events = dict[str, list[Any]]

EVENT_TYPES = (
    "delivered",
    "picked_up",
    "overdue",
    "reservation_expired",
    "code_rejected",
    "keypad_locked_out",
    "door_left_open",
    "forced_open",
    "temperature_alarm",
    "return_ready",
    "no_fit",
    "announced",
    "announcement_expired",
    "return_to_sender",
)


def issued_code(hass: HomeAssistant, parcel_id: str) -> IssuedCode:
    """A parcel's current code, as the integration keeps it (in memory only).

    Events never carry it; the recipient's phone gets it as a picture.
    """
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if (issued := entry.runtime_data.pickup_code(parcel_id)) is not None:
            return issued
    raise AssertionError(f"no code in memory for parcel {parcel_id}")


def code_of(hass: HomeAssistant, event: Any) -> str:
    """The code of the parcel a ``delivered``/``return_ready`` event announced."""
    data = event.data if hasattr(event, "data") else event
    assert "code" not in data, "a code reached the event bus"
    assert "qr" not in data, "a QR payload reached the event bus"
    return issued_code(hass, data["parcel_id"]).code


def capture_events(hass: HomeAssistant) -> Events:
    """Record every locker event, by type (``delivered``, ``picked_up`` ...)."""
    return {
        kind: async_capture_events(hass, f"{DOMAIN}_{kind}") for kind in EVENT_TYPES
    }


@pytest.fixture
async def people(hass: HomeAssistant, hass_admin_user: MockUser) -> dict[str, MockUser]:
    """The building: Alice is staff (admin); Bob and Charlie are residents.

    Dora and Ann are persons without a login. A parcel is always for a person
    that exists, so every test that delivers has them.
    """
    bob = MockUser(name="Bob").add_to_hass(hass)
    charlie = MockUser(name="Charlie").add_to_hass(hass)
    assert await async_setup_component(
        hass,
        "person",
        {
            "person": [
                {"id": "alice", "name": "Alice", "user_id": hass_admin_user.id},
                {"id": "bob", "name": "Bob", "user_id": bob.id},
                {
                    "id": "charlie",
                    "name": "Charlie",
                    "user_id": charlie.id,
                    "device_trackers": [
                        "device_tracker.charlies_phone",
                        "device_tracker.charlies_car",  # not a companion app
                    ],
                },
                *({"id": name, "name": name.title()} for name in NO_LOGIN),
            ]
        },
    )
    return {ALICE: hass_admin_user, BOB: bob, CHARLIE: charlie}


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, people: dict[str, MockUser]
) -> MockConfigEntry:
    """Set up the integration against the simulator."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


def entity_id(
    entity_registry: er.EntityRegistry, platform: str, unique_suffix: str
) -> str:
    """Find an entity by the end of its unique id (``1_door``, ``connectivity``)."""
    found = entity_registry.async_get_entity_id(
        platform, DOMAIN, f"wall_lobby_{unique_suffix}"
    )
    assert found, f"no {platform} entity for {unique_suffix}"
    return found


async def poll(entry: MockConfigEntry, *, everything: bool = False) -> bool:
    """Poll now, the way the update interval does; whether the poll succeeded.

    Tests poll explicitly: scheduled polls run in the background, which
    ``hass.async_block_till_done()`` does not wait for. ``everything``: read
    temperatures and setpoints too, as the poll on the temperature interval does.
    """
    coordinator = entry.runtime_data
    if everything:
        coordinator.read_everything_next()
    await coordinator.async_refresh()
    return bool(coordinator.last_update_success)


async def assign(
    hass: HomeAssistant, recipient: str = "person.bob", **data: Any
) -> dict[str, Any]:
    """A courier's delivery through the action: reserve and open a compartment."""
    response = await hass.services.async_call(
        DOMAIN,
        "assign_delivery",
        {"recipient": recipient, "carrier": "DHL", **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def redeem(hass: HomeAssistant, code: str) -> dict[str, Any]:
    """A resident's code through the app."""
    response = await hass.services.async_call(
        DOMAIN, "redeem_code", {"code": code}, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def deliver_parcel(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    events: Events,
    recipient: str = "person.bob",
    **data: Any,
) -> tuple[dict[str, Any], str]:
    """Assign, load and close a compartment: the parcel and its pickup code."""
    parcel = await assign(hass, recipient, **data)
    number = int(parcel["compartment"].removeprefix("A-"))
    wall = simulator.wall(1)
    assert wall.open_door(number)
    assert await poll(entry)
    wall.put_parcel(number)
    wall.close_door(number)
    assert await poll(entry)
    (event,) = [
        event
        for event in events["delivered"]
        if event.data["parcel_id"] == parcel["parcel_id"]
    ]
    return parcel, code_of(hass, event)


def message(key: str, **placeholders: str | None) -> str:
    """A pattern for ``pytest.raises(match=...)``: the translated message whole.

    Each placeholder is filled in as given (None: any text, for what comes from
    the controller or the disk); Home Assistant leaves the final period out.
    """
    parts = re.split(r"\{(\w+)\}", EXCEPTION_MESSAGES[key].rstrip("."))
    pattern = "".join(
        re.escape(part)
        if index % 2 == 0
        else ".+"
        if placeholders[part] is None
        else re.escape(str(placeholders[part]))
        for index, part in enumerate(parts)
    )
    return f"^{pattern}$"
