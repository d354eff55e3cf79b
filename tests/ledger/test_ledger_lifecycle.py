"""The life cycle beyond the happy path: held, announced, sent back, shared.

Parcel life cycle v2: a parcel that fits nowhere is held at the desk; a
tracking number can be announced before the parcel arrives; a parcel nobody
collects goes back to its sender after the pickup deadline; a recipient can
share a one-time code with a neighbour; courier codes name who the drop-off is
for.
"""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.parcel_locker.domain.ledger import (
    MAX_ANNOUNCED,
    CodeKind,
    CodeRejectedError,
    CompartmentStatus,
    Consignment,
    EventType,
    Ledger,
    LedgerSettings,
    NoCompartmentAvailableError,
    ParcelState,
    tracking_key,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import (
    T0,
    assert_translatable,
    cool,
    deliver,
    make_ledger,
    only,
    pick_up,
    refused,
    round_trip,
    sec,
)

DAY = timedelta(days=1)


def fill_xl(ledger: Ledger) -> None:
    """Wall A's only XL compartment is taken (wall B has none)."""
    ledger.assign("person.ann", Size.XL, "DHL", None, False, None, T0)


# --------------------------------------------------------------------- held


def test_a_parcel_that_fits_nowhere_is_held_at_the_desk(ledger: Ledger) -> None:
    fill_xl(ledger)
    with pytest.raises(NoCompartmentAvailableError):
        ledger.assign("person.bob", Size.XL, "DHL", "JJD1", False, None, T0)
    events = ledger.hold(Consignment("person.bob", Size.XL, "DHL", "JJD1"), None, T0)
    no_fit = only(events, EventType.NO_FIT)
    parcel = ledger.parcel(no_fit.data["parcel_id"])
    assert parcel.state is ParcelState.HELD
    assert (parcel.wall, parcel.number, parcel.compartment) == (None, None, None)
    assert parcel.stored_at == T0
    assert no_fit.data["recipient"] == "person.bob"
    assert no_fit.data["compartment"] is None
    assert no_fit.data["size"] == "XL"
    assert no_fit.issued is None
    assert no_fit.data["held_at"] == T0.isoformat()
    # It is listed, counts in no wall, and survives a restart.
    assert [item["state"] for item in ledger.list_parcels()] == ["reserved", "held"]
    assert ledger.waiting_count() == 0
    ledger = round_trip(ledger)

    # Staff hand it over at the desk.
    picked = only(
        ledger.mark_collected(parcel.parcel_id, T0 + DAY, actor="user:Alice"),
        EventType.PICKED_UP,
    )
    assert picked.data["override"] is True
    assert picked.data["returned"] is False
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    assert ledger.free_count("A") == 8  # the XL reservation only
    round_trip(ledger)


def test_a_held_parcel_names_the_wall_it_was_meant_for(ledger: Ledger) -> None:
    events = ledger.hold(Consignment("person.bob", Size.S, "DHL", cold=True), "B", T0)
    data = only(events, EventType.NO_FIT).data
    assert (data["wall"], data["wall_name"], data["cold"]) == ("B", "Garage", True)
    assert [item["parcel_id"] for item in ledger.list_parcels("B")] == [
        data["parcel_id"]
    ]
    assert ledger.list_parcels("A") == []
    with refused("unknown_wall"):
        ledger.hold(Consignment("person.bob", Size.S, "DHL"), "Z", T0)


def test_a_held_parcel_can_be_cancelled_but_not_opened(ledger: Ledger) -> None:
    events = ledger.hold(Consignment("person.bob", Size.S, "DHL"), None, T0)
    parcel_id = events[0].data["parcel_id"]
    with refused("parcel_not_waiting"):
        ledger.issue_code(parcel_id, T0)
    with refused("parcel_not_waiting"):
        ledger.share(parcel_id, T0)
    ledger.cancel_delivery(parcel_id, T0 + sec(1))
    assert ledger.parcel(parcel_id).state is ParcelState.CANCELLED
    with refused("parcel_finished"):
        ledger.cancel_delivery(parcel_id, T0 + sec(2))
    with refused("parcel_not_waiting"):
        ledger.mark_collected(parcel_id, T0 + sec(2))


# --------------------------------------------------------------- announced


def announce(
    ledger: Ledger,
    tracking: str = "JJD0099",
    *,
    size: Size = Size.M,
    cold: bool = False,
    until: timedelta = 2 * DAY,
) -> str:
    events = ledger.announce(
        "person.bob",
        tracking,
        T0,
        until=T0 + until,
        carrier="DHL",
        size=size,
        cold=cold,
        actor="user:Bob",
        created_by="bob-id",
    )
    return str(only(events, EventType.ANNOUNCED).data["parcel_id"])


def test_an_announcement_becomes_the_delivery(ledger: Ledger) -> None:
    parcel_id = announce(ledger, "JJD 0099 ab", cold=True)
    announced = ledger.parcel(parcel_id)
    assert announced.state is ParcelState.ANNOUNCED
    assert announced.expected_until == T0 + 2 * DAY
    assert announced.wall is None
    assert ledger.open_announcements_by("bob-id") == 1
    ledger = round_trip(ledger)

    # The courier gives the number, in any case and spacing.
    found = ledger.announcement("jjd0099AB")
    assert found is not None
    assert found.parcel_id == parcel_id
    assert ledger.announcement(" JJD 0099 AB ") is not None
    assert ledger.announcement("JJD0098AB") is None
    cool(ledger, T0 + DAY)  # a cold parcel needs a cooled compartment reading
    reserved = ledger.assign(
        found.recipient,
        found.size,
        found.carrier,
        found.tracking,
        found.cold,
        None,
        T0 + DAY,
        announced=found.parcel_id,
        created_by="kiosk-id",
    )
    assert reserved.parcel_id == parcel_id
    assert reserved.state is ParcelState.RESERVED
    assert (reserved.wall, reserved.compartment) == ("A", "A-08")  # M, cooled
    assert reserved.expected_until is None
    assert ledger.open_announcements_by("bob-id") == 0
    assert ledger.open_reservations_by("kiosk-id") == 1
    assert ledger.announcement("JJD0099AB") is None  # not announced any more
    ledger = round_trip(ledger)
    ledger.door_opened("A", 8, T0 + DAY + sec(5))
    events = ledger.door_closed("A", 8, T0 + DAY + sec(10))
    delivered = only(events, EventType.DELIVERED)
    assert delivered.data["parcel_id"] == parcel_id
    assert delivered.data["recipient"] == "person.bob"
    assert delivered.data["tracking"] == "JJD 0099 ab"
    # Past its expected time it does not expire: it arrived.
    assert ledger.tick(T0 + 2 * DAY + sec(5)) == []
    assert ledger.parcel(parcel_id).state is ParcelState.STORED


def test_an_announcement_that_never_arrives_expires(ledger: Ledger) -> None:
    parcel_id = announce(ledger, until=2 * DAY)
    assert ledger.tick(T0 + 2 * DAY - sec(1)) == []
    events = ledger.tick(T0 + 2 * DAY)
    expired = only(events, EventType.ANNOUNCEMENT_EXPIRED)
    assert expired.data["parcel_id"] == parcel_id
    assert expired.data["expected_until"] == (T0 + 2 * DAY).isoformat()
    assert ledger.parcel(parcel_id).state is ParcelState.EXPIRED
    assert ledger.announcement("JJD0099") is None
    assert ledger.tick(T0 + 3 * DAY) == []
    # The number may be announced again.
    assert announce(ledger) != parcel_id
    round_trip(ledger)


def test_an_announcement_that_does_not_fit_is_held(ledger: Ledger) -> None:
    fill_xl(ledger)
    parcel_id = announce(ledger, "XL1", size=Size.XL)
    found = ledger.announcement("xl1")
    assert found is not None
    with pytest.raises(NoCompartmentAvailableError):
        ledger.assign(
            found.recipient, found.size, found.carrier, found.tracking, False, None,
            T0, announced=parcel_id,
        )  # fmt: skip
    assert ledger.parcel(parcel_id).state is ParcelState.ANNOUNCED
    events = ledger.hold(
        Consignment(found.recipient, found.size, found.carrier, found.tracking),
        None,
        T0,
        announced=parcel_id,
    )
    assert only(events, EventType.NO_FIT).data["parcel_id"] == parcel_id
    held = ledger.parcel(parcel_id)
    assert (held.state, held.expected_until) == (ParcelState.HELD, None)
    # Held is not announced: it neither expires nor is found again.
    assert not [
        event
        for event in ledger.tick(T0 + 5 * DAY)
        if event.data["parcel_id"] == parcel_id
    ]
    assert ledger.announcement("XL1") is None
    with refused("tracking_not_announced"):
        ledger.assign("p", Size.S, "c", None, False, None, T0, announced=parcel_id)


def test_announcements_are_refused_when_they_cannot_be_right(ledger: Ledger) -> None:
    announce(ledger, "ABC 1")
    before = ledger.to_dict()
    for tracking, key in (
        ("abc1", "tracking_already_known"),
        ("A B C 1", "tracking_already_known"),
        ("  ", "invalid_tracking"),
    ):
        with refused(key) as err:
            announce(ledger, tracking)
        assert_translatable(err.value)
    with refused("announcement_in_the_past") as err:
        announce(ledger, "NEW", until=timedelta(0))
    assert_translatable(err.value)
    # A parcel already on its way (reserved) has its number too.
    ledger.assign("p", Size.S, "DHL", "R1", False, None, T0)
    with refused("tracking_already_known"):
        announce(ledger, "r1")
    assert ledger.to_dict()["parcels"][0] == before["parcels"][0]


def test_announcements_are_limited() -> None:
    ledger = make_ledger(walls=1)
    for index in range(MAX_ANNOUNCED):
        announce(ledger, f"T{index}")
    with refused("too_many_announcements") as err:
        announce(ledger, "ONE-MORE")
    assert err.value.placeholders == {"limit": str(MAX_ANNOUNCED)}
    assert_translatable(err.value)


def test_tracking_key() -> None:
    assert tracking_key(" JJD 00 99\tAb ") == "jjd0099ab"


# ----------------------------------------------------------- sent back


def test_an_uncollected_parcel_goes_back_to_its_sender(ledger: Ledger) -> None:
    """Reminded once a day; on day 7 sent back: a carrier code, no more reminders."""
    parcel, code = deliver(ledger)  # stored at T0 + 20 s
    stored_at = T0 + sec(20)
    assert parcel.deadline == stored_at + timedelta(days=7)
    ledger = round_trip(ledger)
    fired: list[EventType] = []
    for hours in range(1, 7 * 24):
        fired += [
            event.type for event in ledger.tick(stored_at + hours * 3600 * sec(1))
        ]
    assert fired == [EventType.OVERDUE] * 6
    events = ledger.tick(stored_at + timedelta(days=7))
    sent_back = only(events, EventType.RETURN_TO_SENDER)
    assert [event.type for event in events] == [EventType.RETURN_TO_SENDER]
    assert "code" not in sent_back.data
    assert sent_back.data["deadline"] == (stored_at + timedelta(days=7)).isoformat()
    issued = sent_back.issued
    assert issued is not None
    assert issued.kind is CodeKind.RETURN
    assert issued.qr.startswith("parcel-locker://collect?")
    returned = ledger.parcel(parcel.parcel_id)
    assert returned.state is ParcelState.RETURN_TO_SENDER
    # The resident's code and rights are gone; reminders have stopped.
    with pytest.raises(CodeRejectedError):
        ledger.redeem(code, "A", stored_at + timedelta(days=7, seconds=1))
    assert ledger.recipient_of("A", parcel.number) is None
    for days in range(8, 30):
        assert ledger.tick(stored_at + timedelta(days=days)) == []
    ledger = round_trip(ledger)
    assert ledger.waiting_count("A") == 1

    # The carrier collects it with the code: it is returned, not collected.
    now = stored_at + timedelta(days=8)
    picked = only(pick_up(ledger, issued.code, now), EventType.PICKED_UP)
    assert picked.data["returned"] is True
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.RETURNED
    assert ledger.compartment_status("A", parcel.number) is CompartmentStatus.FREE


def test_a_parcel_sent_back_can_still_be_handed_out_at_the_desk(
    ledger: Ledger,
) -> None:
    parcel, _ = deliver(ledger)
    ledger.tick(T0 + timedelta(days=8))
    picked = only(
        ledger.mark_collected(parcel.parcel_id, T0 + timedelta(days=8)),
        EventType.PICKED_UP,
    )
    assert (picked.data["override"], picked.data["returned"]) == (True, False)
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    # A new carrier code for it can be issued while it waits; never a pickup one.
    parcel, _ = deliver(ledger, T0 + timedelta(days=9))
    ledger.tick(T0 + timedelta(days=17))
    replacement = ledger.issue_code(parcel.parcel_id, T0 + timedelta(days=17))
    assert replacement.kind is CodeKind.RETURN
    with refused("parcel_not_waiting"):
        ledger.share(parcel.parcel_id, T0 + timedelta(days=17))


def test_the_deadline_waits_for_a_closed_door_and_is_fixed_when_stored(
    ledger: Ledger,
) -> None:
    parcel, _ = deliver(ledger)
    # The resident is taking it out as the deadline passes.
    code = ledger.issue_code(parcel.parcel_id, T0 + timedelta(days=6)).code
    ledger.redeem(code, "A", T0 + timedelta(days=7) - sec(5))
    ledger.door_opened("A", parcel.number, T0 + timedelta(days=7) - sec(1))
    events = ledger.tick(T0 + timedelta(days=7, seconds=30))
    assert EventType.RETURN_TO_SENDER not in [event.type for event in events]
    events = ledger.door_closed("A", parcel.number, T0 + timedelta(days=7, minutes=1))
    assert only(events, EventType.PICKED_UP).data["returned"] is False

    # A shorter option applies to parcels stored from now on.
    parcel, _ = deliver(ledger, T0 + timedelta(days=8))
    ledger.settings = LedgerSettings(pickup_deadline=timedelta(days=2))
    assert ledger.tick(T0 + timedelta(days=11)) != []  # reminders only
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.STORED
    later, _ = deliver(ledger, T0 + timedelta(days=11))
    events = ledger.tick(T0 + timedelta(days=13, minutes=1))
    assert only(events, EventType.RETURN_TO_SENDER).data["parcel_id"] == (
        later.parcel_id
    )


def test_returns_and_cancelled_parcels_are_never_sent_back(ledger: Ledger) -> None:
    parcel = ledger.start_return("person.ann", Size.S, "UPS", T0)
    ledger.door_opened("A", parcel.number, T0 + sec(1))
    ledger.door_closed("A", parcel.number, T0 + sec(2))
    stored, _ = deliver(ledger, T0 + sec(10))
    ledger.cancel_delivery(stored.parcel_id, T0 + sec(60))
    assert ledger.tick(T0 + timedelta(days=30)) == []
    assert ledger.parcel(parcel.parcel_id).deadline is None


# ------------------------------------------------------------------ shared


def test_a_neighbour_collects_with_a_shared_code(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    shared = ledger.share(
        parcel.parcel_id, T0 + sec(30), valid_until=T0 + DAY, actor="user:Bob"
    )
    assert shared.kind is CodeKind.SHARE
    assert shared.code != code
    assert shared.expires == T0 + DAY
    assert shared.qr.startswith("parcel-locker://pickup?")
    kinds = sorted(item["kind"] for item in ledger.list_codes())
    assert kinds == ["pickup", "share"]
    assert shared.code not in json.dumps(ledger.to_dict())
    ledger = round_trip(ledger)

    # A replacement pickup code leaves the neighbour's code alone.
    ledger.issue_code(parcel.parcel_id, T0 + sec(40))
    picked = only(pick_up(ledger, shared.code, T0 + sec(50)), EventType.PICKED_UP)
    assert picked.data["parcel_id"] == parcel.parcel_id
    assert ledger.parcel(parcel.parcel_id).state is ParcelState.COLLECTED
    assert ledger.list_codes() == []  # every code of the parcel went with it
    with pytest.raises(CodeRejectedError):
        ledger.redeem(shared.code, "A", T0 + sec(90))
    actions = [entry.action for entry in ledger.audit_trail()]
    assert "share" in actions


def test_sharing_again_replaces_and_unsharing_ends_the_code(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    first = ledger.share(parcel.parcel_id, T0 + sec(30))
    assert first.expires == T0 + sec(30) + ledger.settings.code_lifetime
    second = ledger.share(parcel.parcel_id, T0 + sec(31))
    with pytest.raises(CodeRejectedError):
        ledger.redeem(first.code, "A", T0 + sec(32))
    ledger.unshare(parcel.parcel_id, T0 + sec(33), actor="user:Bob")
    with pytest.raises(CodeRejectedError):
        ledger.redeem(second.code, "A", T0 + sec(34))
    with refused("code_not_found"):
        ledger.unshare(parcel.parcel_id, T0 + sec(35))
    # The recipient's own code still works.
    assert ledger.redeem(code, "A", T0 + sec(36)).parcel.parcel_id == parcel.parcel_id


def test_a_shared_code_expires_and_is_refused_when_it_cannot_be(
    ledger: Ledger,
) -> None:
    parcel, _ = deliver(ledger)
    shared = ledger.share(parcel.parcel_id, T0 + sec(30), valid_until=T0 + sec(90))
    with pytest.raises(CodeRejectedError) as err:
        ledger.redeem(shared.code, None, T0 + sec(91))
    assert err.value.translation_key == "code_expired"
    with refused("invalid_validity"):
        ledger.share(parcel.parcel_id, T0 + sec(95), valid_until=T0 + sec(95))
    reserved = ledger.assign("p", Size.S, "DHL", None, False, None, T0 + sec(96))
    with refused("parcel_not_waiting"):
        ledger.share(reserved.parcel_id, T0 + sec(97))
    with refused("parcel_not_found"):
        ledger.share("ghost", T0 + sec(97))
    # Sent back: the neighbour's code stops working with the resident's.
    again = ledger.share(parcel.parcel_id, T0 + sec(98))
    ledger.tick(T0 + timedelta(days=7, minutes=1))
    with pytest.raises(CodeRejectedError):
        ledger.redeem(again.code, "A", T0 + timedelta(days=7, minutes=2))


# ---------------------------------------------------------- courier codes


def test_a_courier_code_names_its_recipient_and_carrier(ledger: Ledger) -> None:
    issued = ledger.issue_code(
        None, T0, wall="A", recipient="person.bob", carrier="GLS", size=Size.M
    )
    result = ledger.redeem(issued.code, "A", T0 + sec(5))
    assert (result.parcel.recipient, result.parcel.carrier) == ("person.bob", "GLS")
    ledger.door_opened("A", result.number, T0 + sec(6))
    events = ledger.door_closed("A", result.number, T0 + sec(9))
    delivered = only(events, EventType.DELIVERED)
    assert (delivered.data["recipient"], delivered.data["carrier"]) == (
        "person.bob",
        "GLS",
    )
    assert delivered.data["kind"] == "courier"
    assert ledger.recipient_of("A", result.number) == "person.bob"
    # Without them: an unknown recipient and carrier.
    anonymous = ledger.issue_code(None, T0, wall="A")
    parcel = ledger.redeem(anonymous.code, "A", T0 + sec(10)).parcel
    assert (parcel.recipient, parcel.carrier) == ("unknown", "unknown")


def test_code_sent_is_in_the_audit_trail_without_the_code(ledger: Ledger) -> None:
    parcel, code = deliver(ledger)
    ledger.code_sent(parcel.parcel_id, T0 + sec(30), targets=2, actor="automation")
    entry = ledger.audit_trail()[-1]
    assert (entry.action, entry.parcel_id, entry.result) == (
        "send_code",
        parcel.parcel_id,
        "2",
    )
    assert code not in repr(entry)
    with refused("parcel_not_found"):
        ledger.code_sent("ghost", T0, targets=1, actor="automation")
