"""The delivery life cycle: assignment, doors, pickup, staff actions, returns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.parcel_locker.domain.ledger import (
    UNKNOWN_RECIPIENT,
    CodeKind,
    CompartmentSpec,
    CompartmentStatus,
    DoorPhase,
    EventType,
    Ledger,
    LedgerError,
    NoCompartmentAvailableError,
    ParcelKind,
    ParcelState,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import (
    KEY,
    T0,
    WALL_A,
    cool,
    deliver,
    make_ledger,
    only,
    pick_up,
    refused,
    sec,
    specs,
)

COMMON_KEYS = {
    "parcel_id",
    "recipient",
    "compartment",
    "wall",
    "size",
    "carrier",
    "tracking",
}


# --------------------------------------------------------------------- walls


def test_sync_wall_registers_compartments(ledger: Ledger) -> None:
    assert ledger.walls() == ["A", "B"]
    assert ledger.wall_name("A") == "Lobby"
    assert ledger.free_count("A") == 9
    assert ledger.free_count("A", Size.S) == 4
    assert ledger.free_count("B", Size.L) == 1
    view = ledger.compartment("A", 8)
    assert (view.label, view.size, view.cooled) == ("A-08", Size.M, True)
    assert view.status is CompartmentStatus.FREE
    assert view.phase is DoorPhase.IDLE
    assert [item.number for item in ledger.compartments("B")] == [1, 2, 3]


def test_sync_again_keeps_state_and_retires_busy_compartments(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger, size=Size.XL)
    assert parcel.number == 7
    revision = ledger.revision
    ledger.sync_wall("A", "Lobby", specs("A", WALL_A))
    assert ledger.revision == revision  # nothing changed
    # Rename and shrink to 5 compartments: 6 goes, 7 holds a parcel and is retired.
    ledger.sync_wall("A", "Entrance", specs("A", WALL_A[:5]))
    assert ledger.wall_name("A") == "Entrance"
    assert ledger.compartment_status("A", 7) is CompartmentStatus.OCCUPIED
    assert ledger.compartment("A", 7).retired
    with refused("unknown_compartment"):
        ledger.compartment("A", 6)
    assert ledger.free_count("A") == 5
    # A retired compartment is never assigned.
    with pytest.raises(NoCompartmentAvailableError):
        ledger.assign("person.x", Size.XL, "UPS", None, False, "A", T0)
    # Once its parcel leaves, the retired compartment is dropped.
    ledger.mark_collected(parcel.parcel_id, T0 + sec(60))
    with refused("unknown_compartment"):
        ledger.compartment("A", 7)
    # Configured again, it comes back free.
    ledger.sync_wall("A", "Entrance", specs("A", WALL_A))
    assert ledger.compartment_status("A", 7) is CompartmentStatus.FREE


def test_sync_wall_keeps_retired_compartment_when_configured_again(
    ledger: Ledger,
) -> None:
    parcel, _ = deliver(ledger, size=Size.XL)
    ledger.sync_wall("A", "Lobby", specs("A", WALL_A[:5]))
    ledger.sync_wall("A", "Lobby", specs("A", WALL_A))
    view = ledger.compartment("A", 7)
    assert not view.retired
    assert view.parcel_id == parcel.parcel_id


def test_sync_wall_label_change_follows_parcel(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    ledger.sync_wall("A", "Lobby", specs("L", WALL_A))
    assert ledger.parcel(parcel.parcel_id).compartment == "L-01"


def test_remove_wall(ledger: Ledger) -> None:
    parcel, code = deliver(ledger, wall="B")
    ledger.remove_wall("B")
    assert ledger.walls() == ["A", "B"]  # still holds a parcel
    assert ledger.free_count("B") == 0
    pick_up(ledger, code, T0 + sec(100), wall="B")
    assert ledger.walls() == ["A"]
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    ledger.remove_wall("A")
    assert ledger.walls() == []
    with refused("unknown_wall"):
        ledger.remove_wall("A")


@pytest.mark.parametrize(
    "bad",
    [
        [CompartmentSpec(0, "A-00", Size.S, False)],
        [CompartmentSpec(251, "A-251", Size.S, False)],
        [
            CompartmentSpec(1, "A-01", Size.S, False),
            CompartmentSpec(1, "A-01", Size.M, False),
        ],
        [CompartmentSpec(1, "A-01", "XXL", False)],  # type: ignore[arg-type]
    ],
)
def test_sync_wall_refuses_bad_compartments(
    ledger: Ledger, bad: list[CompartmentSpec]
) -> None:
    before = ledger.to_dict()
    with refused("invalid_compartments") as err:
        ledger.sync_wall("A", "Lobby", bad)
    assert err.value.translation_key == "invalid_compartments"
    assert set(err.value.placeholders) == {"wall", "number"}
    assert ledger.to_dict() == before


# --------------------------------------------------------------------- assignment


def test_assign_picks_smallest_fitting_non_cooled(ledger: Ledger) -> None:
    first = ledger.assign("person.bob", Size.S, "DHL", None, False, None, T0)
    assert (first.wall, first.number) == ("A", 1)
    assert first.state is ParcelState.RESERVED
    assert first.reserved_until == T0 + ledger.settings.reservation_timeout
    assert ledger.compartment_status("A", 1) is CompartmentStatus.RESERVED
    assert ledger.compartment("A", 1).phase is DoorPhase.AUTHORISED
    medium = ledger.assign("person.bob", Size.M, "DHL", None, False, None, T0)
    assert medium.number == 4
    large = ledger.assign("person.bob", Size.L, "DHL", None, False, None, T0)
    assert large.number == 6
    assert len(first.parcel_id) == 12
    assert len({first.parcel_id, medium.parcel_id, large.parcel_id}) == 3


def test_assign_ties_by_wall_order_then_number(ledger: Ledger) -> None:
    numbers = [
        (parcel.wall, parcel.number)
        for parcel in (
            ledger.assign("p", Size.S, "c", None, False, None, T0) for _ in range(5)
        )
    ]
    # A-01..A-03 (S), then B-01 (S, wall order 1) before any larger one.
    assert numbers[:4] == [("A", 1), ("A", 2), ("A", 3), ("B", 1)]
    # Then the smallest larger non-cooled: M on A.
    assert numbers[4] == ("A", 4)


def test_assign_cold_uses_cooled_only(ledger: Ledger) -> None:
    cool(ledger)
    parcel = ledger.assign("p", Size.S, "c", None, True, None, T0)
    assert parcel.number == 9  # the cooled S
    parcel = ledger.assign("p", Size.S, "c", None, True, None, T0)
    assert parcel.number == 8  # the cooled M
    parcel = ledger.assign("p", Size.S, "c", None, True, None, T0)
    assert (parcel.wall, parcel.number) == ("B", 3)
    with pytest.raises(NoCompartmentAvailableError) as err:
        ledger.assign("p", Size.S, "c", None, True, None, T0)
    assert err.value.translation_key == "no_cooled_compartment_available_any_wall"
    assert err.value.placeholders == {"size": "S"}


def test_assign_normal_parcel_uses_cooled_only_as_last_resort() -> None:
    ledger = make_ledger(walls=1)
    for _ in range(7):  # every non-cooled compartment of A (fits for S)
        parcel = ledger.assign("p", Size.S, "c", None, False, "A", T0)
        assert not ledger.compartment("A", parcel.number).cooled
    parcel = ledger.assign("p", Size.S, "c", None, False, "A", T0)
    assert parcel.number == 9
    parcel = ledger.assign("p", Size.S, "c", None, False, "A", T0)
    assert parcel.number == 8
    with pytest.raises(NoCompartmentAvailableError) as err:
        ledger.assign("p", Size.S, "c", None, False, "A", T0)
    assert err.value.translation_key == "no_compartment_available"
    assert err.value.placeholders == {"size": "S", "wall": "A"}


def test_assign_skips_out_of_service_and_open_doors(ledger: Ledger) -> None:
    ledger.set_out_of_service("A", 1, True, T0)
    ledger.door_opened("A", 2, T0)  # a forced door
    parcel = ledger.assign("p", Size.S, "c", None, False, "A", T0)
    assert parcel.number == 3


def test_assign_restricted_to_wall(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.M, "c", None, False, "B", T0)
    assert (parcel.wall, parcel.number) == ("B", 2)
    with refused("unknown_wall") as err:
        ledger.assign("p", Size.M, "c", None, False, "Z", T0)
    assert err.value.placeholders == {"wall": "Z"}


def test_assign_specific_compartment(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, "A", T0, number=6)
    assert parcel.number == 6
    cases: list[tuple[dict[str, object], str]] = [
        ({"number": 6}, "compartment_not_free"),
        ({"number": 1, "size": Size.M}, "compartment_too_small"),
        ({"number": 1, "cold": True}, "compartment_not_cooled"),
        ({"number": 99}, "unknown_compartment"),
        ({"number": 2, "wall": None}, "wall_required"),
    ]
    for overrides, key in cases:
        args = {"size": Size.S, "cold": False, "wall": "A"} | overrides
        with refused(key):
            ledger.assign(
                "p",
                args["size"],  # type: ignore[arg-type]
                "c",
                None,
                args["cold"],  # type: ignore[arg-type]
                args["wall"],  # type: ignore[arg-type]
                T0,
                number=args["number"],  # type: ignore[arg-type]
            )
    ledger.set_out_of_service("A", 2, True, T0)
    with refused("compartment_out_of_service") as oos:
        ledger.assign("p", Size.S, "c", None, False, "A", T0, number=2)
    assert oos.value.translation_key == "compartment_out_of_service"
    assert oos.value.placeholders == {"wall": "A", "compartment": "A-02"}
    ledger.door_opened("A", 3, T0)
    with refused("compartment_door_open") as door:
        ledger.assign("p", Size.S, "c", None, False, "A", T0, number=3)
    assert door.value.placeholders == {"compartment": "A-03"}


def test_naive_time_is_a_programming_error(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.assign("p", Size.S, "c", None, False, None, T0.replace(tzinfo=None))


# --------------------------------------------------------------------- happy path


def test_full_delivery_and_pickup(ledger: Ledger) -> None:  # noqa: PLR0915 - one story
    parcel = ledger.assign("person.bob", Size.M, "DHL", "JD0001", False, None, T0)
    wall, number = parcel.wall, parcel.number
    assert ledger.door_opened(wall, number, T0 + sec(30)) == []
    assert ledger.compartment(wall, number).phase is DoorPhase.LOADING
    events = ledger.door_closed(wall, number, T0 + sec(45))
    delivered = only(events, EventType.DELIVERED)
    data = delivered.data
    assert data.keys() >= COMMON_KEYS
    assert data["parcel_id"] == parcel.parcel_id
    assert data["recipient"] == "person.bob"
    assert data["compartment"] == "A-04"
    assert data["wall"] == "A"
    assert data["wall_name"] == "Lobby"
    assert data["size"] == "M"
    assert data["carrier"] == "DHL"
    assert data["tracking"] == "JD0001"
    assert data["kind"] == "delivery"
    # The code travels beside the event, never in it (events are recorded).
    assert "code" not in data
    assert "qr" not in data
    assert delivered.issued is not None
    code = delivered.issued.code
    assert code.isdigit()
    assert len(code) == 8
    assert data["expires"] == (T0 + sec(45) + ledger.settings.code_lifetime).isoformat()
    assert (
        delivered.issued.qr
        == f"parcel-locker://pickup?wall=A&compartment=A-04&code={code}"
    )
    assert ledger.compartment_status(wall, number) is CompartmentStatus.OCCUPIED
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.STORED
    assert ledger.waiting_count() == 1
    assert ledger.waiting_count("A") == 1
    assert ledger.waiting_count("B") == 0
    assert [item.parcel_id for item in ledger.parcels_for("person.bob")] == [
        parcel.parcel_id
    ]
    assert ledger.recipient_of(wall, number) == "person.bob"

    later = T0 + sec(3600)
    result = ledger.redeem(code, "A", later)
    assert (result.wall, result.number, result.compartment) == ("A", 4, "A-04")
    assert result.parcel.parcel_id == parcel.parcel_id
    assert result.purpose is DoorPhase.UNLOADING
    assert ledger.compartment(wall, number).phase is DoorPhase.AUTHORISED
    assert ledger.door_opened(wall, number, later + sec(2)) == []
    assert ledger.compartment(wall, number).phase is DoorPhase.UNLOADING
    events = ledger.door_closed(wall, number, later + sec(8))
    picked = only(events, EventType.PICKED_UP)
    assert picked.data.keys() >= COMMON_KEYS
    assert picked.data["by"] == "keypad"
    assert picked.data["override"] is False
    assert picked.data["collected_at"] == (later + sec(8)).isoformat()
    assert ledger.compartment_status(wall, number) is CompartmentStatus.FREE
    finished = ledger.parcel(parcel.parcel_id)
    assert finished.state is ParcelState.COLLECTED
    assert finished.finished_by == "keypad"
    assert ledger.waiting_count() == 0
    assert ledger.parcels_for("person.bob") == []
    assert ledger.recipient_of(wall, number) is None
    assert ledger.list_parcels() == []
    assert [item["state"] for item in ledger.list_parcels(include_finished=True)] == [
        "collected"
    ]


def test_public_objects_are_copies(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    parcel.state = ParcelState.COLLECTED
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.RESERVED


def test_bounce_does_not_complete_twice(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    w, n = parcel.wall, parcel.number
    ledger.door_opened(w, n, T0 + sec(1))
    assert ledger.door_opened(w, n, T0 + sec(1.2)) == []  # repeated open
    events = ledger.door_closed(w, n, T0 + sec(5))
    assert [event.type for event in events] == [EventType.DELIVERED]
    revision = ledger.revision
    assert ledger.door_closed(w, n, T0 + sec(5.1)) == []  # repeated close
    assert ledger.revision == revision
    # A bounce within the grace: not forced, no second delivery.
    assert ledger.door_opened(w, n, T0 + sec(6)) == []
    assert ledger.compartment(w, n).phase is DoorPhase.LOADING
    assert ledger.door_closed(w, n, T0 + sec(7)) == []
    assert len(ledger.list_codes()) == 1
    code = events[0].issued.code
    events = pick_up(ledger, code, T0 + sec(100))
    assert [event.type for event in events] == [EventType.PICKED_UP]
    # Re-open within the grace after pickup: nothing happens.
    assert ledger.door_opened(w, n, T0 + sec(115)) == []
    assert ledger.door_closed(w, n, T0 + sec(118)) == []
    # Later, an unauthorised opening is forced.
    forced = ledger.door_opened(w, n, T0 + sec(500))
    assert [event.type for event in forced] == [EventType.FORCED_OPEN]


def test_forced_open_event(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    events = ledger.door_opened("A", parcel.number, T0 + sec(600))
    forced = only(events, EventType.FORCED_OPEN)
    assert forced.data.keys() >= COMMON_KEYS
    assert forced.data["parcel_id"] == parcel.parcel_id
    assert forced.data["opened_at"] == (T0 + sec(600)).isoformat()
    assert ledger.compartment("A", parcel.number).phase is DoorPhase.FORCED
    assert "forced_door" in ledger.problems("A")
    # A forced opening never collects the parcel.
    assert ledger.door_closed("A", parcel.number, T0 + sec(610)) == []
    assert ledger.compartment_status("A", parcel.number) is CompartmentStatus.OCCUPIED
    assert "forced_door" not in ledger.problems("A")
    # And the grace does not apply to a forced door.
    events = ledger.door_opened("A", parcel.number, T0 + sec(611))
    assert [event.type for event in events] == [EventType.FORCED_OPEN]


def test_forced_open_of_empty_compartment(ledger: Ledger) -> None:
    forced = only(ledger.door_opened("B", 2, T0), EventType.FORCED_OPEN)
    assert forced.data["parcel_id"] is None
    assert forced.data["compartment"] == "B-02"
    assert forced.data["wall_name"] == "Garage"


def test_redeem_while_door_forced_open_repurposes_it(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.door_opened("A", parcel.number, T0 + sec(600))
    ledger.redeem(code, "A", T0 + sec(601))
    assert ledger.compartment("A", parcel.number).phase is DoorPhase.UNLOADING
    assert ledger.list_codes() == []  # spent: the door is open
    events = ledger.door_closed("A", parcel.number, T0 + sec(605))
    assert [event.type for event in events] == [EventType.PICKED_UP]


def test_door_close_without_parcel_change_for_loading_after_cancel(
    ledger: Ledger,
) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    ledger.door_opened("A", parcel.number, T0 + sec(1))
    ledger.cancel_delivery(parcel.parcel_id, T0 + sec(2))
    assert ledger.door_closed("A", parcel.number, T0 + sec(3)) == []
    assert ledger.compartment_status("A", parcel.number) is CompartmentStatus.FREE
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.CANCELLED


def test_unknown_compartment_errors(ledger: Ledger) -> None:
    for call in (
        lambda: ledger.door_opened("A", 42, T0),
        lambda: ledger.door_closed("Z", 1, T0),
        lambda: ledger.authorize_open("A", 0, T0),
        lambda: ledger.set_out_of_service("A", 10, True, T0),
        lambda: ledger.temperature_reading("A", 10, 5.0, T0),
        lambda: ledger.compartment_status("A", 10),
        lambda: ledger.recipient_of("A", 10),
    ):
        with refused("unknown_compartment") as err:
            call()
        assert err.value.translation_key == "unknown_compartment"
        assert set(err.value.placeholders) == {"wall", "number"}
    for wall_call in (
        lambda: ledger.free_count("Z"),
        lambda: ledger.waiting_count("Z"),
        lambda: ledger.list_parcels("Z"),
        lambda: ledger.problems("Z"),
        lambda: ledger.redeem("12345678", "Z", T0),
        lambda: ledger.wall_name("Z"),
        lambda: ledger.compartments("Z"),
    ):
        with refused("unknown_wall"):
            wall_call()


# --------------------------------------------------------------- admin and resident


def test_authorize_open_collects_with_by(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    n = parcel.number
    assert ledger.authorize_open("A", n, T0 + sec(60), actor="user-admin") == []
    assert ledger.compartment("A", n).phase is DoorPhase.AUTHORISED
    ledger.door_opened("A", n, T0 + sec(62))
    assert ledger.compartment("A", n).phase is DoorPhase.UNLOADING
    picked = only(ledger.door_closed("A", n, T0 + sec(70)), EventType.PICKED_UP)
    assert picked.data["by"] == "user-admin"
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    assert ledger.list_codes() == []  # the pickup code went with the parcel


def test_authorize_open_inspect_does_not_collect(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    n = parcel.number
    ledger.authorize_open("A", n, T0 + sec(60), actor="user-admin", inspect=True)
    assert ledger.door_opened("A", n, T0 + sec(61)) == []
    assert ledger.compartment("A", n).phase is DoorPhase.INSPECTING
    assert ledger.door_closed("A", n, T0 + sec(65)) == []
    assert ledger.compartment_status("A", n) is CompartmentStatus.OCCUPIED
    # The code still works.
    assert [event.type for event in pick_up(ledger, code, T0 + sec(200))] == [
        EventType.PICKED_UP
    ]


def test_authorize_open_free_and_reserved(ledger: Ledger) -> None:
    ledger.authorize_open("A", 2, T0, actor="user-admin")
    assert ledger.door_opened("A", 2, T0 + sec(5)) == []
    assert ledger.compartment("A", 2).phase is DoorPhase.MAINTENANCE
    assert ledger.door_closed("A", 2, T0 + sec(9)) == []
    assert ledger.compartment_status("A", 2) is CompartmentStatus.FREE
    ledger.set_out_of_service("A", 3, True, T0)
    ledger.authorize_open("A", 3, T0, actor="user-admin")
    assert ledger.door_opened("A", 3, T0 + sec(5)) == []
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    ledger.authorize_open(parcel.wall, parcel.number, T0, actor="user-admin")
    assert ledger.compartment(parcel.wall, parcel.number).phase is DoorPhase.AUTHORISED
    ledger.door_opened(parcel.wall, parcel.number, T0 + sec(1))
    events = ledger.door_closed(parcel.wall, parcel.number, T0 + sec(2))
    assert [event.type for event in events] == [EventType.DELIVERED]


def test_authorisation_lapses(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    n = parcel.number
    ledger.redeem(code, "A", T0 + sec(100))
    assert ledger.tick(T0 + sec(100) + ledger.settings.reservation_timeout) == []
    assert ledger.compartment("A", n).phase is DoorPhase.IDLE
    # The door opening now is forced; the code was never spent and still works.
    assert [e.type for e in ledger.door_opened("A", n, T0 + sec(2000))] == [
        EventType.FORCED_OPEN
    ]
    ledger.door_closed("A", n, T0 + sec(2001))
    assert [e.type for e in pick_up(ledger, code, T0 + sec(3000))] == [
        EventType.PICKED_UP
    ]


def test_recipient_of_unknown_courier_parcel(ledger: Ledger) -> None:
    issued = ledger.issue_code(None, T0, wall="A")
    result = ledger.redeem(issued.code, "A", T0)
    ledger.door_opened("A", result.number, T0 + sec(1))
    ledger.door_closed("A", result.number, T0 + sec(2))
    assert ledger.recipient_of("A", result.number) is None


def test_out_of_service(ledger: Ledger) -> None:
    assert ledger.set_out_of_service("A", 1, True, T0, actor="user-admin") == []
    assert ledger.compartment_status("A", 1) is CompartmentStatus.OUT_OF_SERVICE
    assert ledger.free_count("A", Size.S) == 3
    revision = ledger.revision
    assert ledger.set_out_of_service("A", 1, True, T0) == []  # already
    assert ledger.set_out_of_service("A", 2, False, T0) == []  # not out of service
    assert ledger.revision == revision
    ledger.set_out_of_service("A", 1, False, T0)
    assert ledger.compartment_status("A", 1) is CompartmentStatus.FREE
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    with refused("compartment_not_free") as err:
        ledger.set_out_of_service("A", parcel.number, True, T0)
    assert err.value.placeholders == {"wall": "A", "compartment": "A-01"}
    entries = [
        entry for entry in ledger.audit_trail() if entry.action == "out_of_service"
    ]
    assert [(entry.actor, entry.result) for entry in entries] == [
        ("user-admin", "on"),
        ("automation", "off"),
    ]


# --------------------------------------------------------------- cancel / override


def test_cancel_reserved_frees_at_once(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    assert (
        ledger.cancel_delivery(parcel.parcel_id, T0 + sec(10), actor="user-admin") == []
    )
    assert ledger.compartment_status("A", parcel.number) is CompartmentStatus.FREE
    cancelled = ledger.parcel(parcel.parcel_id)
    assert cancelled.state is ParcelState.CANCELLED
    assert cancelled.finished_by == "user-admin"
    with refused("parcel_finished") as err:
        ledger.cancel_delivery(parcel.parcel_id, T0)
    assert err.value.placeholders == {"parcel_id": parcel.parcel_id}


def test_cancel_stored_waits_for_door_cycle(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    n = parcel.number
    assert (
        ledger.cancel_delivery(parcel.parcel_id, T0 + sec(60), actor="user-admin") == []
    )
    assert ledger.compartment_status("A", n) is CompartmentStatus.OCCUPIED
    assert ledger.compartment("A", n).phase is DoorPhase.AUTHORISED
    assert ledger.parcel(parcel.parcel_id).cancel_pending
    assert ledger.list_codes() == []
    with pytest.raises(LedgerError):
        ledger.redeem(code, "A", T0 + sec(61))  # revoked
    # Cannot be assigned meanwhile.
    with refused("compartment_not_free"):
        ledger.assign("p", Size.S, "c", None, False, "A", T0, number=n)
    ledger.door_opened("A", n, T0 + sec(70))
    assert ledger.door_closed("A", n, T0 + sec(80)) == []  # no picked_up
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.CANCELLED
    assert ledger.compartment_status("A", n) is CompartmentStatus.FREE


def test_cancel_pending_finished_by_mark_collected(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    ledger.cancel_delivery(parcel.parcel_id, T0 + sec(60))
    assert ledger.mark_collected(parcel.parcel_id, T0 + sec(70)) == []
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.CANCELLED


def test_cancel_pending_no_overdue(ledger: Ledger) -> None:
    parcel, _ = deliver(ledger)
    ledger.cancel_delivery(parcel.parcel_id, T0 + sec(60))
    assert ledger.tick(T0 + ledger.settings.reminder_interval * 3) == []


def test_mark_collected_override(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    events = ledger.mark_collected(parcel.parcel_id, T0 + sec(90), actor="user-admin")
    picked = only(events, EventType.PICKED_UP)
    assert picked.data["override"] is True
    assert picked.data["by"] == "user-admin"
    assert ledger.compartment_status("A", parcel.number) is CompartmentStatus.FREE
    with pytest.raises(LedgerError):
        ledger.redeem(code, "A", T0 + sec(100))
    with refused("parcel_not_waiting"):
        ledger.mark_collected(parcel.parcel_id, T0 + sec(100))
    reserved = ledger.assign("p", Size.S, "c", None, False, None, T0)
    with refused("parcel_not_waiting") as err:
        ledger.mark_collected(reserved.parcel_id, T0)
    assert err.value.placeholders == {"parcel_id": reserved.parcel_id}


def test_mark_collected_with_open_door(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.redeem(code, "A", T0 + sec(50))
    ledger.door_opened("A", parcel.number, T0 + sec(51))
    assert len(ledger.mark_collected(parcel.parcel_id, T0 + sec(52))) == 1
    assert ledger.door_closed("A", parcel.number, T0 + sec(53)) == []


def test_unknown_parcel(ledger: Ledger) -> None:
    for call in (
        lambda: ledger.cancel_delivery("nope", T0),
        lambda: ledger.mark_collected("nope", T0),
        lambda: ledger.issue_code("nope", T0),
        lambda: ledger.revoke_code("nope", T0),
        lambda: ledger.parcel("nope"),
    ):
        with refused("parcel_not_found") as err:
            call()
        assert err.value.translation_key == "parcel_not_found"
        assert err.value.placeholders == {"parcel_id": "nope"}


# --------------------------------------------------------------- returns and couriers


def test_return_flow(ledger: Ledger) -> None:
    parcel = ledger.start_return("person.ann", Size.M, "UPS", T0, tracking="RET1")
    assert parcel.kind is ParcelKind.RETURN
    assert parcel.number == 4
    n = parcel.number
    ledger.door_opened("A", n, T0 + sec(10))
    events = ledger.door_closed("A", n, T0 + sec(20))
    ready = only(events, EventType.RETURN_READY)
    assert ready.data.keys() >= COMMON_KEYS
    assert ready.data["kind"] == "return"
    assert ready.data["recipient"] == "person.ann"
    assert ready.data["tracking"] == "RET1"
    assert "code" not in ready.data
    code = ready.issued.code
    assert ready.issued.qr == (
        f"parcel-locker://collect?wall=A&compartment=A-04&code={code}"
    )
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.RETURN_WAITING
    assert ledger.list_codes()[0]["kind"] == "return"
    assert ledger.waiting_count("A") == 1
    result = ledger.redeem(code, None, T0 + sec(3600), actor="carrier")
    assert result.purpose is DoorPhase.UNLOADING
    ledger.door_opened("A", n, T0 + sec(3601))
    picked = only(ledger.door_closed("A", n, T0 + sec(3610)), EventType.PICKED_UP)
    assert picked.data["by"] == "carrier"
    assert picked.data["kind"] == "return"
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    assert ledger.compartment_status("A", n) is CompartmentStatus.FREE


def test_return_replacement_and_cancel(ledger: Ledger) -> None:
    parcel = ledger.start_return("person.ann", Size.S, "UPS", T0, wall="B")
    ledger.door_opened("B", parcel.number, T0 + sec(10))
    ledger.door_closed("B", parcel.number, T0 + sec(20))
    issued = ledger.issue_code(parcel.parcel_id, T0 + sec(30))
    assert issued.kind is CodeKind.RETURN
    ledger.cancel_delivery(parcel.parcel_id, T0 + sec(40))
    ledger.door_opened("B", parcel.number, T0 + sec(50))
    assert ledger.door_closed("B", parcel.number, T0 + sec(55)) == []
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.CANCELLED


def test_courier_code_drop_off(ledger: Ledger) -> None:
    issued = ledger.issue_code(
        None,
        T0,
        wall="B",
        size=Size.M,
        uses=2,
        carrier="GLS",
        valid_until=T0 + sec(7200),
    )
    assert issued.kind is CodeKind.COURIER
    assert issued.parcel_id is None
    assert issued.uses == 2
    assert issued.qr == f"parcel-locker://dropoff?wall=B&code={issued.code}"
    first = ledger.redeem(issued.code, "B", T0 + sec(60))
    assert first.purpose is DoorPhase.LOADING
    assert (first.wall, first.number) == ("B", 2)
    assert first.parcel.kind is ParcelKind.COURIER
    assert first.parcel.recipient == UNKNOWN_RECIPIENT
    assert first.parcel.carrier == "GLS"
    assert ledger.compartment_status("B", 2) is CompartmentStatus.RESERVED
    ledger.door_opened("B", 2, T0 + sec(62))
    delivered = only(ledger.door_closed("B", 2, T0 + sec(70)), EventType.DELIVERED)
    assert delivered.data["kind"] == "courier"
    assert delivered.data["recipient"] == UNKNOWN_RECIPIENT
    second = ledger.redeem(issued.code, None, T0 + sec(120))
    assert (second.wall, second.number) == ("B", 3)
    # Used up.
    assert [code["kind"] for code in ledger.list_codes()] == ["pickup"]
    with pytest.raises(LedgerError) as err:
        ledger.redeem(issued.code, "B", T0 + sec(130))
    assert err.value.translation_key == "invalid_code"


def test_courier_code_no_compartment_keeps_the_use(ledger: Ledger) -> None:
    issued = ledger.issue_code(None, T0, wall="B", size=Size.L)
    ledger.set_out_of_service("B", 3, True, T0)
    with pytest.raises(NoCompartmentAvailableError):
        ledger.redeem(issued.code, "B", T0 + sec(5))
    ledger.set_out_of_service("B", 3, False, T0)
    result = ledger.redeem(issued.code, "B", T0 + sec(6))
    assert result.number == 3


def test_courier_code_wall_rules(ledger: Ledger) -> None:
    with refused("wall_required") as err:
        ledger.issue_code(None, T0)
    assert err.value.placeholders == {}
    with refused("unknown_wall"):
        ledger.issue_code(None, T0, wall="Z")
    single = make_ledger(walls=1)
    issued = single.issue_code(None, T0)
    assert issued.wall == "A"
    # A code is bound to its wall's keypad.
    issued_b = ledger.issue_code(None, T0, wall="B")
    with pytest.raises(LedgerError) as wrong:
        ledger.redeem(issued_b.code, "A", T0)
    assert wrong.value.translation_key == "invalid_code"


@pytest.mark.parametrize("uses", [0, 21, True])
def test_courier_code_uses_range(ledger: Ledger, uses: int) -> None:
    with refused("invalid_uses") as err:
        ledger.issue_code(None, T0, wall="A", uses=uses)
    assert err.value.translation_key == "invalid_uses"
    assert err.value.placeholders["max"] == "20"


def test_issue_code_window_errors(ledger: Ledger) -> None:
    with refused("invalid_validity") as err:
        ledger.issue_code(
            None, T0, wall="A", valid_from=T0 + sec(10), valid_until=T0 + sec(5)
        )
    assert err.value.translation_key == "invalid_validity"
    assert set(err.value.placeholders) == {"valid_from", "valid_until"}
    with refused("invalid_validity"):
        ledger.issue_code(None, T0, wall="A", valid_from=T0 - sec(100), valid_until=T0)


def test_issue_code_requires_stored_parcel(ledger: Ledger) -> None:
    parcel = ledger.assign("p", Size.S, "c", None, False, None, T0)
    with refused("parcel_not_waiting") as err:
        ledger.issue_code(parcel.parcel_id, T0)
    assert err.value.placeholders == {"parcel_id": parcel.parcel_id}


def test_redeem_result_is_a_snapshot(ledger: Ledger) -> None:
    _, code = deliver(ledger)
    result = ledger.redeem(code, "A", T0 + sec(60))
    changed = replace(result.parcel, recipient="x")
    assert ledger.parcel(changed.parcel_id).recipient == "person.bob"


def test_make_ledger_rejects_short_key() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Ledger(b"short")
    assert Ledger(KEY).walls() == []
