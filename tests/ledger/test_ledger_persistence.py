"""Persistence: JSON round trips at every step, restarts, corrupt data, settings."""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.parcel_locker.domain.ledger import (
    AUDIT_LIMIT,
    FINISHED_PARCELS_KEPT,
    CodeRejectedError,
    CompartmentStatus,
    DoorPhase,
    EventType,
    Ledger,
    LedgerCorruptError,
    LedgerError,
    LedgerSettings,
    ParcelState,
    migrate,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import KEY, T0, deliver, make_ledger, only, round_trip, sec


def test_top_level_shape(ledger: Ledger) -> None:
    data = ledger.to_dict()
    assert data["version"] == 2
    assert set(data) == {
        "version",
        "revision",
        "key_check",
        "walls",
        "parcels",
        "codes",
        "audit",
    }
    json.dumps(data)  # JSON-safe


def test_round_trip_at_every_step_of_the_life_cycle(ledger: Ledger) -> None:
    """Restart (to_dict -> JSON -> from_dict) after every call: nothing is lost."""
    current = round_trip(ledger)
    parcel = current.assign("person.bob", Size.M, "DHL", "JD1", False, None, T0)
    current = round_trip(current)
    assert current.compartment_status("A", parcel.number) is CompartmentStatus.RESERVED
    current.door_opened("A", parcel.number, T0 + sec(5))
    current = round_trip(current)
    assert current.compartment("A", parcel.number).phase is DoorPhase.LOADING
    events = current.door_closed("A", parcel.number, T0 + sec(10))
    code = only(events, EventType.DELIVERED).issued.code
    current = round_trip(current)
    # Bounce after the restart: still in the grace, no forced door, no second code.
    assert current.door_opened("A", parcel.number, T0 + sec(11)) == []
    current = round_trip(current)
    assert current.door_closed("A", parcel.number, T0 + sec(12)) == []
    current = round_trip(current)
    current.redeem(code, "A", T0 + sec(600))
    current = round_trip(current)
    assert current.compartment("A", parcel.number).phase is DoorPhase.AUTHORISED
    assert current.door_opened("A", parcel.number, T0 + sec(602)) == []
    current = round_trip(current)
    assert current.compartment("A", parcel.number).phase is DoorPhase.UNLOADING
    events = current.door_closed("A", parcel.number, T0 + sec(610))
    assert [event.type for event in events] == [EventType.PICKED_UP]
    current = round_trip(current)
    assert current.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    assert current.compartment_status("A", parcel.number) is CompartmentStatus.FREE
    assert len(current.audit_trail()) == len(ledger.audit_trail()) + 10


def test_round_trip_with_everything_in_flight(ledger: Ledger) -> None:
    stored, _ = deliver(ledger)
    ledger.cancel_delivery(stored.parcel_id, T0 + sec(100))
    ret = ledger.start_return("person.ann", Size.S, "UPS", T0 + sec(100))
    ledger.door_opened("A", ret.number, T0 + sec(101))
    ledger.door_closed("A", ret.number, T0 + sec(102))
    ledger.issue_code(None, T0, wall="B", uses=3, size=Size.M, recipient="person.c")
    ledger.assign("person.d", Size.L, "DPD", None, False, None, T0 + sec(200))
    ledger.set_out_of_service("B", 1, True, T0)
    ledger.temperature_reading("A", 8, 15.0, T0 + sec(200))
    ledger.door_opened("A", 5, T0 + sec(200))
    for _ in range(3):
        with pytest.raises(Exception):  # noqa: B017
            ledger.redeem("99999999", "A", T0 + sec(210))
    with pytest.raises(Exception):  # noqa: B017
        ledger.redeem("99999999", None, T0 + sec(210))
    ledger.tick(T0 + sec(400))
    restored = round_trip(ledger)
    assert restored.list_parcels(include_finished=True) == ledger.list_parcels(
        include_finished=True
    )
    assert restored.list_codes() == ledger.list_codes()
    assert restored.problems("A", T0 + sec(400)) == ledger.problems("A", T0 + sec(400))
    assert restored.revision == ledger.revision
    # Settings come from the caller, not from the stored data.
    other = Ledger.from_dict(ledger.to_dict(), KEY, LedgerSettings(code_length=6))
    assert other.settings.code_length == 6
    assert Ledger.from_dict(ledger.to_dict(), KEY).settings == LedgerSettings()


def test_wrong_key_is_noticed(ledger: Ledger) -> None:
    deliver(ledger)
    with pytest.raises(LedgerCorruptError) as err:
        Ledger.from_dict(ledger.to_dict(), b"another-install-key-xxxxxxxxxx")
    assert err.value.translation_key == "ledger_key_mismatch"
    assert err.value.detail == "written with another key"


def test_a_ledger_written_by_0_1_0_is_written_back_the_same() -> None:
    """The previous release's file reads whole, upgraded to version 2.

    Only the per-keypad counters of 0.1.0 are dropped (lock-outs are the hub's
    guard's now), parcels gain ``created_by`` (who reserved it; unknown for
    parcels from before), ``expected_until`` and ``deadline`` (none: the pickup
    deadline counts from when they were stored) and compartments the probe
    silence (none before). ``tests/test_upgrade.py`` runs the same file in Home
    Assistant.
    """
    fixture = Path(__file__).parents[1] / "fixtures" / "ledger_written_by_0_1_0.json"
    written = json.loads(fixture.read_text(encoding="utf-8"))
    key = bytes.fromhex(written["secret"]["data"]["key"])
    stored = written["ledger"]["data"]
    ledger = Ledger.from_dict(copy.deepcopy(stored), key)
    expected = {
        name: part
        for name, part in stored.items()
        if name not in {"keypads", "remote_keypad"}
    }
    expected["version"] = 2
    expected["parcels"] = [
        parcel | {"created_by": None, "expected_until": None, "deadline": None}
        for parcel in expected["parcels"]
    ]
    for wall in expected["walls"]:
        wall["compartments"] = [
            compartment | {"probe_silent_since": None, "silent_alarm_fired": False}
            for compartment in wall["compartments"]
        ]
    assert ledger.to_dict() == expected
    assert json.dumps(ledger.to_dict()) == json.dumps(expected)  # the same order


def test_migrate_v2_is_identity(ledger: Ledger) -> None:
    data = ledger.to_dict()
    migrated = migrate(data)
    assert migrated == data
    assert migrated is not data


def test_migrate_v1_adds_the_new_parcel_fields(ledger: Ledger) -> None:
    """Version 1 had no announcements and no stored pickup deadline."""
    parcel, _ = deliver(ledger)
    data = json.loads(json.dumps(ledger.to_dict()))
    for item in data["parcels"]:
        del item["expected_until"]
        del item["deadline"]
    data["version"] = 1
    migrated = migrate(copy.deepcopy(data))
    assert migrated["version"] == 2
    [stored] = migrated["parcels"]
    assert (stored["expected_until"], stored["deadline"]) == (None, None)
    restored = Ledger.from_dict(data, KEY)
    # The option counts from when it was stored.
    assert restored.parcel(parcel.parcel_id).deadline is None
    assert restored.parcel(parcel.parcel_id).state is ParcelState.STORED


def _mutations() -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    def setter(path: list[Any], value: Any) -> Callable[[dict[str, Any]], Any]:
        def apply(data: dict[str, Any]) -> Any:
            target: Any = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            return data

        return apply

    def deleter(path: list[Any]) -> Callable[[dict[str, Any]], Any]:
        def apply(data: dict[str, Any]) -> Any:
            target: Any = data
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
            return data

        return apply

    def duplicate(key: str) -> Callable[[dict[str, Any]], Any]:
        def apply(data: dict[str, Any]) -> Any:
            data[key].append(copy.deepcopy(data[key][0]))
            return data

        return apply

    comp = ["walls", 0, "compartments", 0]  # A-01 holds the stored parcel
    return [
        ("not a dict", lambda _data: ["nope"]),
        ("none", lambda _data: None),
        ("no version", deleter(["version"])),
        ("version bool", setter(["version"], True)),
        ("version text", setter(["version"], "1")),
        ("version 0", setter(["version"], 0)),
        ("version 3", setter(["version"], 3)),
        ("no walls", deleter(["walls"])),
        ("walls not list", setter(["walls"], {})),
        ("wall not object", setter(["walls", 0], "A")),
        ("no revision", deleter(["revision"])),
        ("negative revision", setter(["revision"], -1)),
        ("number text", setter([*comp, "number"], "1")),
        ("number bool", setter([*comp, "number"], True)),
        ("unknown status", setter([*comp, "status"], "broken")),
        ("unknown size", setter([*comp, "size"], "XXL")),
        ("cooled text", setter([*comp, "cooled"], "no")),
        ("missing parcel", setter([*comp, "parcel_id"], "ghost")),
        ("free holds parcel", setter([*comp, "status"], "free")),
        ("door without session", setter([*comp, "door_open"], True)),
        ("bad time", setter(["parcels", 0, "created"], "yesterday")),
        ("naive time", setter(["parcels", 0, "created"], "2026-03-01T12:00:00")),
        ("time not text", setter(["parcels", 0, "created"], 12)),
        ("parcel state", setter(["parcels", 0, "state"], "collected")),
        ("parcel elsewhere", setter(["parcels", 0, "number"], 2)),
        ("duplicate parcel", duplicate("parcels")),
        ("duplicate wall", duplicate("walls")),
        ("duplicate code", duplicate("codes")),
        ("code digest", setter(["codes", 0, "digest"], "abc")),
        ("code kind", setter(["codes", 0, "kind"], "courier")),
        ("code spent", setter(["codes", 0, "uses_left"], 0)),
        ("code of unknown parcel", setter(["codes", 0, "parcel_id"], "ghost")),
        ("codes not list", setter(["codes"], None)),
        ("audit not list", setter(["audit"], "x")),
        ("audit entry", setter(["audit", 0], {"time": "x"})),
        ("pending", setter([*comp, "pending"], {"session": "x"})),
    ]


@pytest.mark.parametrize(
    ("name", "mutate"), _mutations(), ids=[m[0] for m in _mutations()]
)
def test_corrupt_data_is_refused(
    ledger: Ledger, name: str, mutate: Callable[[dict[str, Any]], Any]
) -> None:
    deliver(ledger)  # A-01 stored, with a pickup code
    data = json.loads(json.dumps(ledger.to_dict()))
    Ledger.from_dict(copy.deepcopy(data), KEY)  # the untouched data loads
    with pytest.raises(LedgerCorruptError) as err:
        Ledger.from_dict(mutate(data), KEY)
    assert err.value.translation_key in {"ledger_corrupt", "ledger_key_mismatch"}, name
    # What is wrong goes to the log, not into the translated message.
    assert err.value.detail, name
    assert err.value.placeholders == {}, name


def test_more_corrupt_shapes(ledger: Ledger) -> None:
    deliver(ledger)
    courier = ledger.issue_code(None, T0, wall="B")
    base = json.loads(json.dumps(ledger.to_dict()))

    def refused(data: dict[str, Any]) -> None:
        with pytest.raises(LedgerCorruptError):
            Ledger.from_dict(data, KEY)

    data = copy.deepcopy(base)
    comps = data["walls"][1]["compartments"]
    comps.append(copy.deepcopy(comps[0]))
    refused(data)  # two compartments with one number
    data = copy.deepcopy(base)
    [stored] = [c for c in data["codes"] if c["code_id"] == courier.code_id]
    stored["wall"] = "Z"
    refused(data)  # a courier code for a wall that does not exist
    data = copy.deepcopy(base)
    twin = copy.deepcopy(data["codes"][1])
    twin["code_id"] = "twin"
    data["codes"].append(twin)
    refused(data)  # two codes with one digest
    data = copy.deepcopy(base)
    data["walls"][0]["compartments"][0]["retired"] = True
    data["walls"][0]["compartments"][0]["status"] = "free"
    data["walls"][0]["compartments"][0]["parcel_id"] = None
    refused(data)


def test_active_parcel_without_compartment_is_corrupt(ledger: Ledger) -> None:
    deliver(ledger)
    data = ledger.to_dict()
    comp = data["walls"][0]["compartments"][0]
    comp["status"], comp["parcel_id"] = "free", None
    with pytest.raises(LedgerCorruptError):
        Ledger.from_dict(data, KEY)


def test_one_parcel_in_two_compartments_is_corrupt(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    data = ledger.to_dict()
    second = data["walls"][0]["compartments"][1]
    second["status"], second["parcel_id"] = "occupied", parcel.parcel_id
    with pytest.raises(LedgerCorruptError):
        Ledger.from_dict(data, KEY)


def test_audit_trail_is_capped(ledger: Ledger) -> None:
    for index in range(AUDIT_LIMIT + 50):
        ledger.set_out_of_service("A", 1, index % 2 == 0, T0 + sec(index))
    trail = ledger.audit_trail()
    assert len(trail) == AUDIT_LIMIT
    assert trail[-1].time == T0 + sec(AUDIT_LIMIT + 49)
    assert len(round_trip(ledger).audit_trail()) == AUDIT_LIMIT


def test_audit_entries_describe_actions(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.redeem(code, "A", T0 + sec(100), actor="user-1")
    actions = [
        (entry.action, entry.actor, entry.result) for entry in ledger.audit_trail()
    ]
    assert actions == [
        ("assign", "automation", "ok"),
        ("door_opened", "door", "loading"),
        ("door_closed", "door", "loading"),
        ("delivered", "door", "ok"),
        ("redeem", "user-1", "pickup"),
    ]
    last = ledger.audit_trail()[-1]
    assert (last.wall, last.compartment, last.parcel_id) == (
        "A",
        "A-01",
        parcel.parcel_id,
    )


def test_finished_parcels_are_capped() -> None:
    ledger = make_ledger(walls=1)
    first = ledger.assign("p", Size.S, "c", None, False, None, T0)
    ledger.cancel_delivery(first.parcel_id, T0)
    for index in range(FINISHED_PARCELS_KEPT):
        parcel = ledger.assign("p", Size.S, "c", None, False, None, T0 + sec(index + 1))
        ledger.cancel_delivery(parcel.parcel_id, T0 + sec(index + 1))
    assert len(ledger.list_parcels(include_finished=True)) == FINISHED_PARCELS_KEPT
    assert first.parcel_id not in {
        item["parcel_id"] for item in ledger.list_parcels(include_finished=True)
    }


def test_revision_moves_on_every_change_only(ledger: Ledger) -> None:
    start = ledger.revision
    ledger.free_count("A")
    ledger.list_parcels()
    ledger.problems("A", T0)
    ledger.tick(T0)
    assert ledger.revision == start
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    after_assign = ledger.revision
    assert after_assign > start
    ledger.door_opened("A", parcel.number, T0 + sec(1))
    assert ledger.revision > after_assign
    opened = ledger.revision
    # A refused code is counted by the hub's guard: the ledger does not move.
    with pytest.raises(CodeRejectedError):
        ledger.redeem("123", "A", T0)
    assert ledger.revision == opened


@pytest.mark.parametrize(
    "kwargs",
    [
        {"code_length": 5},
        {"code_length": 11},
        {"code_length": True},
        {"code_lifetime": timedelta(0)},
        {"reservation_timeout": timedelta(seconds=-1)},
        {"reminder_interval": timedelta(0)},
        {"door_open_alarm": timedelta(0)},
        {"temperature_grace": timedelta(0)},
        {"temperature_band": (8.0, 2.0)},
        {"temperature_band": (2.0, 2.0)},
        {"temperature_band": (float("nan"), 8.0)},
    ],
)
def test_settings_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(LedgerError) as err:
        LedgerSettings(**kwargs)
    assert err.value.translation_key == "invalid_settings"
    [(setting, value)] = kwargs.items()
    assert err.value.placeholders["setting"] == setting
    # The value is a number (durations in seconds), never words.
    shown = err.value.placeholders["value"]
    if isinstance(value, timedelta):
        assert float(shown) == value.total_seconds()
    elif isinstance(value, tuple):
        assert shown.split("..") == [f"{bound:g}" for bound in value]
    else:
        assert shown == str(value)


def test_settings_setter_type(ledger: Ledger) -> None:
    with pytest.raises(TypeError):
        ledger.settings = {"code_length": 6}  # type: ignore[assignment]


def test_defaults() -> None:
    settings = LedgerSettings()
    assert settings.code_length == 8
    assert settings.code_lifetime == timedelta(hours=72)
    assert settings.reservation_timeout == timedelta(minutes=10)
    assert settings.reminder_interval == timedelta(hours=24)
    assert settings.door_open_alarm == timedelta(seconds=120)
    assert settings.temperature_band == (2.0, 8.0)
    assert settings.temperature_grace == timedelta(seconds=60)


def test_settings_band_from_json_list() -> None:
    settings = LedgerSettings(temperature_band=[1, 9])  # type: ignore[arg-type]
    assert settings.temperature_band == (1.0, 9.0)
    assert hash(settings) == hash(LedgerSettings(temperature_band=(1.0, 9.0)))


def test_an_announcement_without_its_time_is_refused(ledger: Ledger) -> None:
    ledger.announce("person.bob", "T1", T0, until=T0 + sec(60), carrier="DHL")
    data = json.loads(json.dumps(ledger.to_dict()))
    Ledger.from_dict(copy.deepcopy(data), KEY)
    data["parcels"][0]["expected_until"] = None
    with pytest.raises(LedgerCorruptError) as err:
        Ledger.from_dict(data, KEY)
    assert err.value.detail == "announcement without its time"
