"""Watchers driven by time: reservations, reminders, doors, temperature, problems."""

from __future__ import annotations

from datetime import timedelta

from custom_components.parcel_locker.domain.ledger import (
    CompartmentStatus,
    EventType,
    Ledger,
    LedgerSettings,
    ParcelState,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import T0, WALL_A, deliver, only, pick_up, round_trip, sec, specs

COMMON_KEYS = {
    "parcel_id",
    "recipient",
    "compartment",
    "wall",
    "size",
    "carrier",
    "tracking",
}


def test_reservation_expires_once(ledger: Ledger) -> None:
    parcel = ledger.assign("person.bob", Size.S, "DHL", "T1", False, None, T0)
    deadline = T0 + ledger.settings.reservation_timeout
    assert ledger.tick(deadline - sec(1)) == []
    events = ledger.tick(deadline)
    expired = only(events, EventType.RESERVATION_EXPIRED)
    assert expired.data.keys() >= COMMON_KEYS
    assert expired.data["parcel_id"] == parcel.parcel_id
    assert expired.data["compartment"] == "A-01"
    assert expired.data["reserved_until"] == deadline.isoformat()
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.EXPIRED
    assert ledger.compartment_status("A", 1) is CompartmentStatus.FREE
    assert ledger.tick(deadline + sec(60)) == []
    # The door opening late is now a forced door.
    assert (
        ledger.door_opened("A", 1, deadline + sec(61))[0].type == EventType.FORCED_OPEN
    )


def test_reservation_does_not_expire_while_loading(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    deadline = T0 + ledger.settings.reservation_timeout
    ledger.door_opened("A", parcel.number, deadline - sec(1))
    assert ledger.tick(deadline + sec(5)) == []
    events = ledger.door_closed("A", parcel.number, deadline + sec(10))
    assert [event.type for event in events] == [EventType.DELIVERED]


def test_reservation_timeout_follows_settings() -> None:
    ledger = Ledger(b"k" * 32, LedgerSettings(reservation_timeout=sec(30)))
    ledger.sync_wall("A", "Lobby", specs("A", WALL_A))
    ledger.assign("p", Size.S, "c", None, False, None, T0)
    assert [e.type for e in ledger.tick(T0 + sec(30))] == [
        EventType.RESERVATION_EXPIRED
    ]


def test_overdue_once_per_interval(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    stored_at = T0 + sec(20)
    day = ledger.settings.reminder_interval
    assert ledger.tick(stored_at + day - sec(1)) == []
    overdue = only(ledger.tick(stored_at + day), EventType.OVERDUE)
    assert overdue.data.keys() >= COMMON_KEYS
    assert overdue.data["reminders"] == 1
    assert overdue.data["stored_at"] == stored_at.isoformat()
    assert overdue.data["waiting_hours"] == 24.0
    assert ledger.tick(stored_at + day + sec(3600)) == []
    assert ledger.tick(stored_at + 2 * day - sec(1)) == []
    second = only(ledger.tick(stored_at + 2 * day), EventType.OVERDUE)
    assert second.data["reminders"] == 2
    assert second.data["waiting_hours"] == 48.0
    # Restart between reminders: neither lost nor repeated.
    restored = round_trip(ledger)
    assert restored.tick(stored_at + 3 * day - sec(1)) == []
    assert (
        only(restored.tick(stored_at + 3 * day), EventType.OVERDUE).data["reminders"]
        == 3
    )
    issued = restored.issue_code(parcel.parcel_id, stored_at + 3 * day)  # code expired
    pick_up(restored, issued.code, stored_at + 3 * day + sec(10))
    assert restored.tick(stored_at + 10 * day) == []
    assert restored.parcel(parcel.parcel_id).reminders == 3


def test_overdue_after_a_long_outage_fires_once(ledger: Ledger) -> None:
    deliver(ledger)
    events = ledger.tick(T0 + timedelta(days=5))
    assert [event.type for event in events] == [EventType.OVERDUE]
    assert ledger.tick(T0 + timedelta(days=5, hours=23)) == []


def test_a_waiting_return_never_reminds_the_resident(ledger: Ledger) -> None:
    """A return waits for its carrier: its resident has nothing to do, ever."""
    parcel = ledger.start_return("person.ann", Size.S, "UPS", T0)
    ledger.door_opened("A", parcel.number, T0 + sec(1))
    ledger.door_closed("A", parcel.number, T0 + sec(2))
    for days in range(1, 31):
        assert ledger.tick(T0 + sec(2) + timedelta(days=days)) == []
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.RETURN_WAITING


def test_door_left_open_once_per_opening(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    n = parcel.number
    ledger.door_opened("A", n, T0)
    assert ledger.tick(T0 + sec(119)) == []
    assert "door_left_open" not in ledger.problems("A", T0 + sec(119))
    alarm = only(ledger.tick(T0 + sec(120)), EventType.DOOR_LEFT_OPEN)
    assert alarm.data.keys() >= COMMON_KEYS
    assert alarm.data["parcel_id"] == parcel.parcel_id
    assert alarm.data["opened_at"] == T0.isoformat()
    assert alarm.data["seconds"] == 120
    assert alarm.data["purpose"] == "loading"
    assert "door_left_open" in ledger.problems("A", T0 + sec(120))
    assert ledger.tick(T0 + sec(600)) == []
    ledger.door_closed("A", n, T0 + sec(700))
    assert "door_left_open" not in ledger.problems("A", T0 + sec(700))
    ledger.door_opened("A", n, T0 + sec(710))  # in the grace: still loading
    assert ledger.tick(T0 + sec(800)) == []
    assert [e.type for e in ledger.tick(T0 + sec(830))] == [EventType.DOOR_LEFT_OPEN]


def test_door_left_open_not_repeated_after_restart(ledger: Ledger) -> None:
    ledger.door_opened("A", 1, T0)
    assert len(ledger.tick(T0 + sec(130))) == 1
    restored = round_trip(ledger)
    assert restored.tick(T0 + sec(200)) == []
    assert restored.problems("A") == {"forced_door", "door_left_open"}


def test_temperature_alarm_once_per_excursion(ledger: Ledger) -> None:
    assert ledger.temperature_reading("A", 8, 5.0, T0) == []
    assert ledger.temperature_reading("A", 8, 9.0, T0 + sec(10)) == []
    assert ledger.problems("A", T0 + sec(10)) == set()
    assert ledger.temperature_reading("A", 8, 9.5, T0 + sec(40)) == []
    assert ledger.tick(T0 + sec(69)) == []
    alarm = only(ledger.tick(T0 + sec(70)), EventType.TEMPERATURE_ALARM)
    assert alarm.data["compartment"] == "A-08"
    assert alarm.data["celsius"] == 9.5
    assert alarm.data["low"] == 2.0
    assert alarm.data["high"] == 8.0
    assert alarm.data["since"] == (T0 + sec(10)).isoformat()
    assert alarm.data["parcel_id"] is None
    assert ledger.compartment("A", 8).temperature == 9.5
    assert ledger.problems("A", T0 + sec(70)) == {"temperature_out_of_band"}
    assert ledger.temperature_reading("A", 8, 12.0, T0 + sec(100)) == []
    assert ledger.tick(T0 + sec(500)) == []
    # Back in the band: the excursion ends; a new one alarms again.
    assert ledger.temperature_reading("A", 8, 8.0, T0 + sec(600)) == []
    assert ledger.problems("A", T0 + sec(600)) == set()
    assert ledger.temperature_reading("A", 8, 1.5, T0 + sec(700)) == []
    events = ledger.temperature_reading("A", 8, 1.0, T0 + sec(760))
    assert only(events, EventType.TEMPERATURE_ALARM).data["celsius"] == 1.0


def test_temperature_alarm_carries_parcel(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger, cold=True)
    ledger.temperature_reading("A", parcel.number, 11.0, T0 + sec(100))
    alarm = only(ledger.tick(T0 + sec(160)), EventType.TEMPERATURE_ALARM)
    assert alarm.data["parcel_id"] == parcel.parcel_id
    assert alarm.data["recipient"] == "person.bob"


def test_temperature_only_for_cooled_in_service(ledger: Ledger) -> None:
    ledger.temperature_reading("A", 1, 30.0, T0)  # not cooled
    ledger.set_out_of_service("A", 9, True, T0)
    ledger.temperature_reading("A", 9, 30.0, T0)
    assert ledger.tick(T0 + sec(3600)) == []
    assert ledger.problems("A", T0 + sec(3600)) == set()


def test_temperature_band_follows_settings(ledger: Ledger) -> None:
    ledger.settings = LedgerSettings(
        temperature_band=(0.0, 4.0), temperature_grace=sec(10)
    )
    ledger.temperature_reading("A", 8, 5.0, T0)
    assert [e.type for e in ledger.tick(T0 + sec(10))] == [EventType.TEMPERATURE_ALARM]


def test_temperature_excursion_survives_restart(ledger: Ledger) -> None:
    ledger.temperature_reading("A", 8, 12.0, T0)
    restored = round_trip(ledger)
    alarm = only(restored.tick(T0 + sec(60)), EventType.TEMPERATURE_ALARM)
    assert alarm.data["celsius"] is None  # the live reading is not persisted
    restored = round_trip(restored)
    assert restored.temperature_reading("A", 8, 12.5, T0 + sec(90)) == []
    assert restored.problems("A") == {"temperature_out_of_band"}


def test_problems_default_to_latest_time(ledger: Ledger) -> None:
    ledger.door_opened("A", 2, T0)
    assert ledger.problems("A") == {"forced_door"}
    ledger.tick(T0 + sec(121))
    assert ledger.problems("A") == {"forced_door", "door_left_open"}
    assert ledger.problems("B") == set()


def test_tick_is_quiet_when_nothing_happens(ledger: Ledger) -> None:
    deliver(ledger)
    ledger.tick(T0 + sec(100))  # clears the re-open grace
    revision = ledger.revision
    for minute in range(1, 30):
        assert ledger.tick(T0 + sec(100 + 60 * minute)) == []
    assert ledger.revision == revision


def test_retired_reservation_expires_and_drops_wall(ledger: Ledger) -> None:
    ledger.temperature_reading("B", 3, 5.0, T0)
    parcel = ledger.assign("p", Size.L, "c", None, True, "B", T0)
    assert parcel.number == 3
    ledger.remove_wall("B")
    assert ledger.walls() == ["A", "B"]
    events = ledger.tick(T0 + ledger.settings.reservation_timeout)
    assert [event.type for event in events] == [EventType.RESERVATION_EXPIRED]
    assert events[0].data["wall_name"] == "Garage"
    assert ledger.walls() == ["A"]
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.EXPIRED
    round_trip(ledger)
