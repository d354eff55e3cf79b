"""The cold chain: silent probes, cold parcels kept from unready compartments, bands.

Wall A: 8 M cooled, 9 S cooled. Wall B: 3 L cooled. Default band 2-8 °C, grace 60 s.
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.parcel_locker.domain.ledger import (
    CompartmentProblem,
    DomainEvent,
    EventType,
    Ledger,
    NoCompartmentAvailableError,
    Problem,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import (
    T0,
    WALL_A,
    WALL_B,
    assert_translatable,
    cool,
    deliver,
    only,
    refused,
    round_trip,
    sec,
    specs,
)


def alarms(events: list[DomainEvent]) -> list[dict[str, Any]]:
    """The data of the temperature alarms among ``events``."""
    return [event.data for event in events if event.type == EventType.TEMPERATURE_ALARM]


def assign_cold(
    ledger: Ledger, wall: str | None = None, number: int | None = None
) -> str:
    """A cold S parcel: the label of the compartment it got."""
    return ledger.assign(
        "p", Size.S, "c", None, True, wall, T0, number=number
    ).compartment


# -- a probe that stops answering ------------------------------------------------------


def test_silent_probe_with_a_parcel_alarms_and_the_alarm_stays(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger, cold=True)
    assert parcel.compartment == "A-09"
    assert ledger.temperature_reading("A", 9, None, T0 + sec(100)) == []
    assert ledger.tick(T0 + sec(159)) == []
    assert ledger.problems("A", T0 + sec(159)) == set()
    (alarm,) = alarms(ledger.tick(T0 + sec(160)))
    assert alarm["reason"] == "silent"
    assert alarm["celsius"] is None
    assert alarm["since"] == (T0 + sec(100)).isoformat()
    assert (alarm["low"], alarm["high"]) == (2.0, 8.0)
    assert alarm["parcel_id"] == parcel.parcel_id
    assert alarm["compartment"] == "A-09"
    assert ledger.compartment_problems("A", T0 + sec(160)) == [
        CompartmentProblem(Problem.PROBE_SILENT, 9, "A-09")
    ]
    # Silence goes on: no repeat, and the alarm does not clear itself.
    for minute in range(1, 10):
        moment = T0 + sec(160 + 60 * minute)
        assert ledger.temperature_reading("A", 9, None, moment) == []
        assert ledger.tick(moment) == []
        assert ledger.problems("A", moment) == {"probe_silent"}
    audit = ledger.audit_trail()[-1]
    assert (audit.action, audit.compartment, audit.result) == (
        "temperature_alarm",
        "A-09",
        "silent",
    )


def test_a_probe_back_out_of_band_keeps_the_alarm(ledger: Ledger) -> None:
    deliver(ledger, cold=True)
    ledger.temperature_reading("A", 9, None, T0 + sec(100))
    assert len(alarms(ledger.tick(T0 + sec(160)))) == 1
    # It answers again, too warm: still in alarm (shown at once), and the
    # excursion lasted long enough for the out-of-band alarm too.
    (alarm,) = alarms(ledger.temperature_reading("A", 9, 12.0, T0 + sec(170)))
    assert (alarm["reason"], alarm["celsius"]) == ("out_of_band", 12.0)
    assert alarm["since"] == (T0 + sec(100)).isoformat()
    assert ledger.problems("A", T0 + sec(170)) == {"temperature_out_of_band"}
    # Silent again: shown at once (still in alarm), no second silent alarm.
    assert ledger.temperature_reading("A", 9, None, T0 + sec(180)) == []
    assert ledger.problems("A", T0 + sec(180)) == {"probe_silent"}
    assert ledger.tick(T0 + sec(600)) == []
    # Only a reading in the band ends it; a new silence starts from scratch.
    assert ledger.temperature_reading("A", 9, 5.0, T0 + sec(700)) == []
    assert ledger.problems("A", T0 + sec(700)) == set()
    ledger.temperature_reading("A", 9, None, T0 + sec(800))
    assert ledger.problems("A", T0 + sec(859)) == set()
    assert ledger.tick(T0 + sec(859)) == []
    (again,) = alarms(ledger.tick(T0 + sec(860)))
    assert again["reason"] == "silent"


@pytest.mark.parametrize("value", [None, float("nan")])
def test_empty_compartment_silence_is_a_problem_not_an_alarm(
    ledger: Ledger, value: float | None
) -> None:
    cool(ledger)
    ledger.temperature_reading("A", 8, value, T0 + sec(10))
    assert ledger.compartment("A", 8).temperature is None
    assert ledger.problems("A", T0 + sec(69)) == set()
    assert ledger.tick(T0 + sec(70)) == []
    assert ledger.compartment_problems("A", T0 + sec(70)) == [
        CompartmentProblem(Problem.PROBE_SILENT, 8, "A-08")
    ]
    assert ledger.tick(T0 + sec(3600)) == []
    # A normal parcel put there (only those may go) is at risk: now it alarms.
    ledger.assign("p", Size.M, "c", None, False, "A", T0 + sec(3601), number=8)
    (alarm,) = alarms(ledger.tick(T0 + sec(3602)))
    assert alarm["reason"] == "silent"
    assert alarm["since"] == (T0 + sec(10)).isoformat()


def test_out_of_band_still_alarms_an_empty_compartment(ledger: Ledger) -> None:
    ledger.temperature_reading("A", 8, 11.0, T0)
    (alarm,) = alarms(ledger.tick(T0 + sec(60)))
    assert alarm["reason"] == "out_of_band"
    assert alarm["parcel_id"] is None


def test_out_of_service_or_no_longer_cooled_is_not_watched(ledger: Ledger) -> None:
    ledger.temperature_reading("A", 9, None, T0)
    ledger.temperature_reading("A", 8, 20.0, T0)
    ledger.tick(T0 + sec(60))
    assert ledger.problems("A", T0 + sec(60)) == {
        "probe_silent",
        "temperature_out_of_band",
    }
    ledger.set_out_of_service("A", 9, True, T0 + sec(61))
    ledger.temperature_reading("A", 9, None, T0 + sec(62))
    assert ledger.problems("A", T0 + sec(62)) == {"temperature_out_of_band"}
    # Compartment 8 is made a plain one: its excursion goes with its cooling.
    plain = [
        (size, cooled and number != 8)
        for number, (size, cooled) in enumerate(WALL_A, start=1)
    ]
    ledger.sync_wall("A", "Lobby", specs("A", plain))
    assert ledger.problems("A", T0 + sec(63)) == set()
    assert ledger.tick(T0 + sec(3600)) == []


def test_silence_survives_a_restart(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger, cold=True)
    ledger.temperature_reading("A", parcel.number, None, T0 + sec(100))
    restored = round_trip(ledger)
    (alarm,) = alarms(restored.tick(T0 + sec(160)))
    assert alarm["reason"] == "silent"
    restored = round_trip(restored)
    # Just restored (no time passed in yet): what fired shows; nothing repeats.
    assert restored.problems("A") == {"probe_silent"}
    assert restored.temperature_reading("A", parcel.number, None, T0 + sec(200)) == []
    assert restored.tick(T0 + sec(300)) == []
    # The restored compartment has no reading until the probe is read again.
    assert restored.compartment("A", parcel.number).temperature is None
    restored.temperature_reading("A", parcel.number, 4.0, T0 + sec(400))
    assert restored.problems("A", T0 + sec(400)) == set()
    round_trip(restored)


# -- cold parcels only where the cold chain holds --------------------------------------


def test_cold_parcel_skips_compartments_in_alarm_or_without_reading(
    ledger: Ledger,
) -> None:
    # A-09 in alarm (too warm for a minute), A-08 never read, B-03 fine.
    ledger.temperature_reading("A", 9, 11.0, T0 - sec(60))
    assert len(alarms(ledger.tick(T0))) == 1
    ledger.temperature_reading("B", 3, 4.0, T0)
    assert assign_cold(ledger) == "B-03"
    with pytest.raises(NoCompartmentAvailableError) as err:
        assign_cold(ledger)
    assert err.value.translation_key == "no_cooled_compartment_ready_any_wall"
    assert err.value.placeholders == {"size": "S", "compartments": "A-08, A-09"}
    assert_translatable(err.value)
    with pytest.raises(NoCompartmentAvailableError) as on_a:
        assign_cold(ledger, "A")
    assert on_a.value.translation_key == "no_cooled_compartment_ready"
    assert on_a.value.placeholders == {
        "size": "S",
        "wall": "A",
        "compartments": "A-08, A-09",
    }
    assert_translatable(on_a.value)
    for number in (8, 9):
        with refused("compartment_not_ready_for_cold") as asked:
            assign_cold(ledger, "A", number=number)
        assert asked.value.placeholders == {"compartment": f"A-{number:02d}"}
        assert_translatable(asked.value)
    # A normal parcel does not care.
    assert ledger.assign("p", Size.S, "c", None, False, "A", T0, number=9)
    # Back in band: ready again.
    ledger.temperature_reading("A", 8, 5.0, T0 + sec(1))
    assert assign_cold(ledger) == "A-08"


def test_a_silent_or_warm_probe_is_not_ready_before_any_alarm(ledger: Ledger) -> None:
    cool(ledger)
    ledger.temperature_reading("A", 9, None, T0 + sec(1))
    ledger.temperature_reading("A", 8, 9.0, T0 + sec(1))
    assert assign_cold(ledger) == "B-03"


def test_full_cooled_compartments_are_not_called_unready(ledger: Ledger) -> None:
    cool(ledger)
    for _ in range(3):
        assign_cold(ledger)
    with refused("no_cooled_compartment_available_any_wall") as err:
        assign_cold(ledger)
    assert err.value.placeholders == {"size": "S"}


# -- a band per wall -------------------------------------------------------------------


def test_a_wall_band_overrides_the_settings_band(ledger: Ledger) -> None:
    ledger.sync_wall("B", "Garage", specs("B", WALL_B), band=(10.0, 15.0))
    ledger.temperature_reading("B", 3, 12.0, T0)
    ledger.temperature_reading("A", 9, 12.0, T0)
    events = ledger.tick(T0 + sec(60))
    assert [alarm["compartment"] for alarm in alarms(events)] == ["A-09"]
    assert assign_cold(ledger) == "B-03"
    ledger.temperature_reading("B", 3, 5.0, T0 + sec(70))
    alarm = only(ledger.tick(T0 + sec(130)), EventType.TEMPERATURE_ALARM)
    assert (alarm.data["low"], alarm.data["high"]) == (10.0, 15.0)
    # Without its own band again, the wall follows the settings.
    ledger.sync_wall("B", "Garage", specs("B", WALL_B))
    ledger.temperature_reading("B", 3, 5.0, T0 + sec(140))
    assert ledger.problems("B", T0 + sec(140)) == set()


@pytest.mark.parametrize("band", [(5.0, 5.0), (8.0, 2.0), (float("nan"), 8.0)])
def test_a_wall_band_must_be_a_band(ledger: Ledger, band: tuple[float, float]) -> None:
    before = ledger.to_dict()
    with refused("invalid_settings"):
        ledger.sync_wall("B", "Garage", specs("B", WALL_B), band=band)
    assert ledger.to_dict() == before


# -- problems by compartment -----------------------------------------------------------


def test_problems_name_their_compartments(ledger: Ledger) -> None:
    cool(ledger)
    ledger.door_opened("A", 4, T0)
    ledger.door_opened("A", 2, T0)
    ledger.temperature_reading("A", 9, None, T0)
    ledger.tick(T0 + sec(120))
    assert ledger.compartment_problems("A", T0 + sec(120)) == [
        CompartmentProblem(Problem.FORCED_DOOR, 2, "A-02"),
        CompartmentProblem(Problem.DOOR_LEFT_OPEN, 2, "A-02"),
        CompartmentProblem(Problem.FORCED_DOOR, 4, "A-04"),
        CompartmentProblem(Problem.DOOR_LEFT_OPEN, 4, "A-04"),
        CompartmentProblem(Problem.PROBE_SILENT, 9, "A-09"),
    ]
    assert ledger.problems("A", T0 + sec(120)) == {
        "forced_door",
        "door_left_open",
        "probe_silent",
    }
    assert ledger.compartment_problems("B", T0 + sec(120)) == []


def test_a_written_setpoint_is_audited(ledger: Ledger) -> None:
    revision = ledger.revision
    assert ledger.setpoint_written("A", 9, 3.5, T0, actor="user:Alice") == []
    assert ledger.revision > revision
    entry = ledger.audit_trail()[-1]
    assert (entry.action, entry.compartment, entry.actor, entry.result) == (
        "setpoint",
        "A-09",
        "user:Alice",
        "3.5",
    )
