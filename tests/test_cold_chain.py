"""The cold chain through Home Assistant, over real Modbus to the simulated wall.

The reference wall's cooled compartments are A-21 and A-22 (size L, 4 °C). The
default band is 2-8 °C and an excursion alarms after a minute.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parcel_locker.const import DOMAIN
from simulator.faults import Table
from simulator.server import LockerSimulator

from .conftest import (
    ALICE,
    BOB,
    assign,
    capture_events,
    deliver_parcel,
    entity_id,
    message,
    poll,
    simulator_connection,
    wall_subentry,
)

MINUTE = timedelta(seconds=61)


@pytest.fixture
def polling_disabled() -> bool:
    """Only the test polls: the clock moves, and no background poll races it."""
    return True


def problem(hass: HomeAssistant, registry: er.EntityRegistry) -> Any:
    """The wall's Problem sensor's state."""
    state = hass.states.get(entity_id(registry, "binary_sensor", "problem"))
    assert state is not None
    return state


async def load_cold_parcel(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: LockerSimulator
) -> dict[str, Any]:
    """A cold parcel assigned, put in and its door closed."""
    parcel, _ = await deliver_parcel(
        hass, entry, simulator, capture_events(hass), cold=True
    )
    return parcel


async def test_a_silent_probe_alarms_and_stays_until_in_band(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = capture_events(hass)
    parcel = await load_cold_parcel(hass, init_integration, simulator)
    assert parcel["compartment"] == "A-21"
    wall = simulator.wall(1)
    wall.set_temperature(21, None)  # the probe is unplugged: reads -32768
    assert await poll(init_integration, everything=True)
    assert problem(hass, entity_registry).state == STATE_OFF  # not for a minute
    freezer.tick(MINUTE)
    assert await poll(init_integration)
    await hass.async_block_till_done()
    (alarm,) = events["temperature_alarm"]
    assert alarm.data["reason"] == "silent"
    assert alarm.data["compartment"] == "A-21"
    assert alarm.data["celsius"] is None
    assert alarm.data["parcel_id"] == parcel["parcel_id"]
    state = problem(hass, entity_registry)
    assert state.state == STATE_ON
    assert state.attributes["problems"] == ["probe_silent"]
    assert state.attributes["details"] == [
        {"problem": "probe_silent", "compartment": "A-21"}
    ]

    # Silence goes on: the alarm stays, and is not repeated.
    for _ in range(3):
        freezer.tick(MINUTE)
        assert await poll(init_integration)
    await hass.async_block_till_done()
    assert len(events["temperature_alarm"]) == 1
    assert problem(hass, entity_registry).state == STATE_ON

    # It answers, too warm: still a problem, now saying so.
    wall.set_temperature(21, 12.5)
    assert await poll(init_integration, everything=True)
    await hass.async_block_till_done()
    assert events["temperature_alarm"][-1].data["reason"] == "out_of_band"
    assert events["temperature_alarm"][-1].data["celsius"] == 12.5
    assert problem(hass, entity_registry).attributes["details"] == [
        {"problem": "temperature_out_of_band", "compartment": "A-21"}
    ]

    # Only a reading back in the band clears it.
    wall.set_temperature(21, 5.0)
    assert await poll(init_integration, everything=True)
    state = problem(hass, entity_registry)
    assert state.state == STATE_OFF
    assert state.attributes == state.attributes | {"problems": [], "details": []}


async def test_the_alarm_and_silence_survive_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    events = capture_events(hass)
    # The clock is frozen only while the controller is connected (a frozen
    # clock stalls connecting): in the past, so the restart comes later.
    with freeze_time(dt_util.utcnow() - 2 * MINUTE) as frozen:
        await load_cold_parcel(hass, init_integration, simulator)
        wall = simulator.wall(1)
        wall.set_temperature(21, None)
        wall.set_temperature(22, None)  # empty: a problem, not an alarm
        assert await poll(init_integration, everything=True)
        frozen.tick(MINUTE)
        assert await poll(init_integration)
        await hass.async_block_till_done()
    assert len(events["temperature_alarm"]) == 1
    details = [
        {"problem": "probe_silent", "compartment": "A-21"},
        {"problem": "probe_silent", "compartment": "A-22"},
    ]
    assert problem(hass, entity_registry).attributes["details"] == details

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert problem(hass, entity_registry).attributes["details"] == details
    assert await poll(init_integration)
    await hass.async_block_till_done()
    assert len(events["temperature_alarm"]) == 1  # not fired again
    # Still no cooled compartment for cold parcels: neither has a reading. The
    # parcel is kept at the desk, and staff are told which compartment to fix.
    held = await assign(hass, cold=True)
    assert (held["held"], held["compartment"]) == (True, None)
    assert held["not_ready"] == ["A-22"]
    await hass.async_block_till_done()
    (no_fit,) = events["no_fit"]
    assert no_fit.data["not_ready"] == ["A-22"]


async def test_a_cold_parcel_skips_compartments_in_alarm_or_without_reading(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    events = capture_events(hass)
    wall = simulator.wall(1)
    wall.set_temperature(21, 15.0)
    assert await poll(init_integration, everything=True)
    freezer.tick(MINUTE)
    assert await poll(init_integration)
    await hass.async_block_till_done()
    assert [event.data["compartment"] for event in events["temperature_alarm"]] == [
        "A-21"
    ]
    # A-21 in alarm, A-22 fine: the cold parcel goes to A-22.
    parcel = await assign(hass, cold=True)
    assert parcel["compartment"] == "A-22"
    assert wall.release_count(21) == 0

    # A-22 is taken and A-21 still too warm; a fresh wall's probe unplugged
    # would read the same: nothing is ready. The parcel is kept at the desk
    # and the answer (and the no_fit event) says which compartment to fix.
    releases = wall.coil_writes[:]
    held = await assign(hass, cold=True)
    assert (held["held"], held["compartment"], held["not_ready"]) == (
        True,
        None,
        ["A-21"],
    )
    await hass.async_block_till_done()
    (no_fit,) = events["no_fit"]
    assert (no_fit.data["cold"], no_fit.data["not_ready"]) == (True, ["A-21"])
    assert wall.coil_writes == releases  # nothing opened
    # A normal parcel does not care about temperature.
    assert (await assign(hass))["compartment"] == "A-01"


async def test_a_cooled_compartment_without_reading_takes_no_cold_parcel(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    simulator.wall(1).set_temperature(21, None)
    assert await poll(init_integration, everything=True)
    # No grace for this: a compartment without a reading is never trusted.
    assert (await assign(hass, cold=True))["compartment"] == "A-22"


async def set_up(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    options: dict[str, Any] | None = None,
    **wall: Any,
) -> MockConfigEntry:
    """An entry for the simulated wall, with these options and wall settings."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=simulator_connection(simulator),
        options=options or {},
        subentries_data=[wall_subentry(**wall)],
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def wine_wall(
    hass: HomeAssistant,
    socket_enabled: None,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> MockConfigEntry:
    """The simulated wall with a band of its own: 10-15 °C (wine)."""
    entry = await set_up(hass, simulator, temperature_low=10.0, temperature_high=15.0)
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def test_a_wall_can_have_its_own_band(
    hass: HomeAssistant,
    wine_wall: MockConfigEntry,
    simulator: LockerSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A wine wall at 10-15 °C beside the options' 2-8 °C."""
    entry = wine_wall
    events = capture_events(hass)
    wall = simulator.wall(1)
    wall.set_temperature(21, 12.0)  # in this wall's band
    wall.set_temperature(22, 4.0)  # in the options' band only
    assert await poll(entry, everything=True)
    freezer.tick(MINUTE)
    assert await poll(entry)
    await hass.async_block_till_done()
    (alarm,) = events["temperature_alarm"]
    assert (alarm.data["compartment"], alarm.data["reason"]) == ("A-22", "out_of_band")
    assert (alarm.data["low"], alarm.data["high"]) == (10.0, 15.0)
    assert (await assign(hass, cold=True))["compartment"] == "A-21"


async def test_an_inverted_wall_band_stops_the_setup(
    hass: HomeAssistant,
    socket_enabled: None,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Never run a wall against a band that cannot hold: say so instead."""
    entry = await set_up(hass, simulator, temperature_low=8.0, temperature_high=2.0)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason == (
        "A wall's point map is not valid (band_inverted). Change the wall to fix it"
    )


# -- the setpoint ---------------------------------------------------------------------


async def set_setpoint(
    hass: HomeAssistant, entity: str, value: float, user: MockUser | None
) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity, ATTR_VALUE: value},
        blocking=True,
        context=Context(user_id=None if user is None else user.id),
    )


async def test_staff_write_the_setpoint_to_the_controller(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    entity_registry: er.EntityRegistry,
) -> None:
    setpoint = entity_id(entity_registry, "number", "21_setpoint")
    assert hass.states.get(setpoint).state == "4.0"
    # Only cooled compartments with a setpoint point have one.
    plain = entity_registry.async_get_entity_id(
        "number", DOMAIN, "wall_lobby_20_setpoint"
    )
    assert plain is None
    wall = simulator.wall(1)

    await set_setpoint(hass, setpoint, 3.5, people[ALICE])
    assert wall.compartment(21).setpoint == 3.5
    assert await poll(init_integration)
    assert hass.states.get(setpoint).state == "3.5"
    audit = init_integration.runtime_data.ledger.audit_trail()[-1]
    assert (audit.action, audit.compartment, audit.actor, audit.result) == (
        "setpoint",
        "A-21",
        "user:Mock User",
        "3.5",
    )
    await set_setpoint(hass, setpoint, 6.0, None)  # an automation
    assert wall.compartment(21).setpoint == 6.0

    # A resident may not; outside the options' range nobody may.
    with pytest.raises(Unauthorized):
        await set_setpoint(hass, setpoint, 1.0, people[BOB])
    with pytest.raises(ServiceValidationError):
        await set_setpoint(hass, setpoint, 12.0, people[ALICE])
    assert wall.compartment(21).setpoint == 6.0

    # A controller that refuses the write: a translated error naming the place.
    simulator.faults.fail(1, Table.HOLDING_REGISTER, 20, writes_only=True)
    with pytest.raises(
        HomeAssistantError,
        match=message("setpoint_failed", compartment="A-21", error=None),
    ) as err:
        await set_setpoint(hass, setpoint, 5.0, people[ALICE])
    assert err.value.translation_key == "setpoint_failed"
    assert wall.compartment(21).setpoint == 6.0


async def test_the_setpoint_range_comes_from_the_options(
    hass: HomeAssistant,
    socket_enabled: None,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    entity_registry: er.EntityRegistry,
) -> None:
    await set_up(hass, simulator, {"setpoint_min": -2.0, "setpoint_max": 4.0})
    state = hass.states.get(entity_id(entity_registry, "number", "22_setpoint"))
    assert (state.attributes["min"], state.attributes["max"]) == (-2.0, 4.0)
    await set_setpoint(hass, state.entity_id, -1.5, None)
    assert simulator.wall(1).compartment(22).setpoint == -1.5


async def test_the_old_setpoint_sensor_makes_way(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Before 0.2 the setpoint was a read-only sensor: its entry goes."""
    mock_config_entry.add_to_hass(hass)
    old = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        "wall_lobby_21_setpoint",
        config_entry=mock_config_entry,
        suggested_object_id="compartment_a_21_cooling_setpoint",
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get(old.entity_id) is None
    assert entity_id(entity_registry, "number", "21_setpoint")
