"""Property-based tests: random operation sequences keep the ledger sound.

(a) Whatever happens, a compartment never holds two parcels, no parcel is lost
    (each is in a state its steps explain, and the compartments agree), and the
    ledger survives a restart at every step: the machine keeps working on the
    ledger read back from JSON. The operations include the longer life cycle:
    parcels held at the desk, announced and delivered by tracking number (or
    lapsing), sent back after their pickup deadline, shared with a neighbour,
    and courier codes for a named recipient.
(b) An operation the ledger refuses raises a ``LedgerError`` and changes nothing
    (``to_dict`` and ``revision`` identical), and its message can be shown: the
    key has a sentence in ``strings.json`` whose placeholders are all given. A
    refused code too: wrong codes are counted by the hub's guard, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
import pytest

from custom_components.parcel_locker.domain.ledger import (
    CodeRejectedError,
    CompartmentSpec,
    CompartmentStatus,
    Consignment,
    EventType,
    Ledger,
    LedgerError,
    LedgerSettings,
    NoCompartmentAvailableError,
    Parcel,
    ParcelKind,
    ParcelState,
)
from custom_components.parcel_locker.domain.sizes import Size

from .helpers import KEY, T0, assert_translatable, make_ledger

SETTINGS = LedgerSettings(
    code_lifetime=timedelta(hours=2),
    reminder_interval=timedelta(hours=1),
    pickup_deadline=timedelta(hours=3),
)
WALLS = {"A": 9, "B": 3}
COMPARTMENTS = [
    (wall, number) for wall, count in WALLS.items() for number in range(1, count + 1)
]
SIZES = st.sampled_from(list(Size))
WALL_CHOICE = st.sampled_from([None, "A", "B"])
TRACKING = st.sampled_from(["T1", "t 1", "T2", "X-9", "  ", "T3"])
STEP = timedelta(seconds=1)
PARTS = ("walls", "parcels", "codes")


class LedgerMachine(RuleBasedStateMachine):
    """Drives one ledger through random operations, restarting it after each."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = make_ledger(SETTINGS)
        self.now = T0
        self.codes: dict[str, str] = {}  # parcel id -> latest plaintext code
        self.shared: dict[str, str] = {}  # parcel id -> latest share code
        self.courier_codes: list[str] = []
        self.trackings: list[str] = []
        self.seen: list[str] = []
        self.revision = self.ledger.revision

    # ------------------------------------------------------------------ helpers

    def _tick_clock(self, seconds: float = 1) -> None:
        self.now += timedelta(seconds=seconds)

    def _collect(self, events: list[Any]) -> None:
        for event in events:
            assert "code" not in event.data
            if event.type in {
                EventType.DELIVERED,
                EventType.RETURN_READY,
                EventType.RETURN_TO_SENDER,
            }:
                self.codes[event.data["parcel_id"]] = event.issued.code
            elif (
                event.type in {EventType.NO_FIT, EventType.ANNOUNCED}
                and event.data["parcel_id"] not in self.seen
            ):
                self.seen.append(event.data["parcel_id"])

    def _call(self, action: Callable[[], Any]) -> Any:
        """Run an operation; a refusal must leave the ledger untouched."""
        before = self.ledger.to_dict()
        revision = self.ledger.revision
        try:
            result = action()
        except LedgerError as err:
            assert self.ledger.to_dict() == before
            assert self.ledger.revision == revision
            assert_translatable(err)
            return None
        return result

    def _pick_parcel(self, data: st.DataObject) -> str:
        if not self.seen or data.draw(st.integers(0, 9)) == 0:
            return "no-such-parcel"
        return data.draw(st.sampled_from(self.seen))

    def _redeem(self, code: str, wall: str | None) -> None:
        before = self.ledger.to_dict()
        try:
            result = self.ledger.redeem(code, wall, self.now)
        except LedgerError as err:
            refused = err
        else:
            if result.parcel.parcel_id not in self.seen:
                self.seen.append(result.parcel.parcel_id)
            return
        # A refused code never touches parcels, compartments or codes. It is a
        # code that opens nothing, or a courier code with no room for its parcel.
        assert self.ledger.to_dict() == before
        assert isinstance(refused, CodeRejectedError | NoCompartmentAvailableError)
        assert_translatable(refused)

    # ------------------------------------------------------------------ rules

    @rule(size=SIZES, cold=st.booleans(), wall=WALL_CHOICE, who=st.sampled_from("abc"))
    def assign(self, size: Size, cold: bool, wall: str | None, who: str) -> None:
        self._tick_clock()
        parcel = self._call(
            lambda: self.ledger.assign(
                f"person.{who}", size, "DHL", None, cold, wall, self.now
            )
        )
        if parcel is not None:
            assert parcel.parcel_id not in self.seen
            self.seen.append(parcel.parcel_id)

    @rule(size=SIZES, wall=WALL_CHOICE)
    def start_return(self, size: Size, wall: str | None) -> None:
        self._tick_clock()
        parcel = self._call(
            lambda: self.ledger.start_return(
                "person.r", size, "UPS", self.now, wall=wall
            )
        )
        if parcel is not None:
            self.seen.append(parcel.parcel_id)

    @rule(size=SIZES, wall=WALL_CHOICE, who=st.sampled_from("abc"))
    def delivered(self, size: Size, wall: str | None, who: str) -> None:
        """A whole drop-off: reserved, loaded and closed (stored parcels are rare
        from random doors alone, and the deadline and sharing need them).
        """
        self._tick_clock()
        parcel = self._call(
            lambda: self.ledger.assign(
                f"person.{who}", size, "DHL", None, False, wall, self.now
            )
        )
        if parcel is None:
            return
        self.seen.append(parcel.parcel_id)
        where = (parcel.wall, parcel.number)
        self._collect(self._call(lambda: self.ledger.door_opened(*where, self.now)))
        self._tick_clock()
        self._collect(self._call(lambda: self.ledger.door_closed(*where, self.now)))

    @rule(data=st.data(), whose=st.sampled_from(["own", "shared", "sent_back"]))
    def collected(self, data: st.DataObject, whose: str) -> None:
        """A whole pickup with a known code (a recipient's, a neighbour's or a
        carrier's for a parcel sent back): redeemed, opened and closed.
        """
        self._tick_clock()
        codes = self.shared if whose == "shared" else self.codes
        known = [
            code
            for parcel_id, code in codes.items()
            if whose != "sent_back"
            or self.ledger.parcel(parcel_id).state is ParcelState.RETURN_TO_SENDER
        ]
        if not known:
            return
        code = data.draw(st.sampled_from(known))
        try:
            result = self.ledger.redeem(code, None, self.now)
        except LedgerError:
            return  # spent, replaced or expired: refusals are checked elsewhere
        where = (result.wall, result.number)
        self._collect(self._call(lambda: self.ledger.door_opened(*where, self.now)))
        self._tick_clock()
        self._collect(self._call(lambda: self.ledger.door_closed(*where, self.now)))

    @rule(size=SIZES, cold=st.booleans(), wall=WALL_CHOICE, who=st.sampled_from("abc"))
    def hold(self, size: Size, cold: bool, wall: str | None, who: str) -> None:
        self._tick_clock()
        self._collect(
            self._call(
                lambda: self.ledger.hold(
                    Consignment(f"person.{who}", size, "DHL", None, cold),
                    wall,
                    self.now,
                )
            )
            or []
        )

    @rule(
        tracking=TRACKING,
        size=SIZES,
        cold=st.booleans(),
        hours=st.sampled_from([0, 1, 30]),
    )
    def announce(self, tracking: str, size: Size, cold: bool, hours: int) -> None:
        self._tick_clock()
        self.trackings.append(tracking)
        events = self._call(
            lambda: self.ledger.announce(
                "person.a",
                tracking,
                self.now,
                until=self.now + timedelta(hours=hours),
                carrier="DHL",
                size=size,
                cold=cold,
            )
        )
        self._collect(events or [])

    @rule(data=st.data())
    def deliver_announced(self, data: st.DataObject) -> None:
        """The courier gives an announced number; nothing fits: held."""
        self._tick_clock()
        if not self.trackings:
            return
        found = self.ledger.announcement(data.draw(st.sampled_from(self.trackings)))
        if found is None:
            return
        fields = (found.recipient, found.size, found.carrier, found.tracking)
        parcel = self._call(
            lambda: self.ledger.assign(
                *fields, found.cold, None, self.now, announced=found.parcel_id
            )
        )
        if parcel is None:
            self._collect(
                self._call(
                    lambda: self.ledger.hold(
                        Consignment(*fields, found.cold),
                        None,
                        self.now,
                        announced=found.parcel_id,
                    )
                )
                or []
            )
        else:
            assert parcel.parcel_id == found.parcel_id

    @rule(data=st.data())
    def share(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        issued = self._call(lambda: self.ledger.share(parcel_id, self.now))
        if issued is not None:
            self.shared[parcel_id] = issued.code

    @rule(data=st.data())
    def unshare(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        self._call(lambda: self.ledger.unshare(parcel_id, self.now))

    @rule(data=st.data(), remote=st.booleans())
    def redeem_shared(self, data: st.DataObject, remote: bool) -> None:
        self._tick_clock()
        if not self.shared:
            return
        code = data.draw(st.sampled_from(list(self.shared.values())))
        self._redeem(code, None if remote else "A")

    @rule(where=st.sampled_from(COMPARTMENTS))
    def door_open(self, where: tuple[str, int]) -> None:
        self._tick_clock()
        self._collect(self._call(lambda: self.ledger.door_opened(*where, self.now)))

    @rule(where=st.sampled_from(COMPARTMENTS))
    def door_close(self, where: tuple[str, int]) -> None:
        self._tick_clock()
        self._collect(self._call(lambda: self.ledger.door_closed(*where, self.now)))

    @rule(data=st.data(), close=st.booleans(), gap=st.sampled_from([1, 20, 45]))
    def door_cycle_of_parcel(self, data: st.DataObject, close: bool, gap: int) -> None:
        """Open (and maybe close) the door of a parcel: random doors rarely hit one."""
        self._tick_clock()
        active = [pid for pid in self.seen if self.ledger.parcel(pid).active]
        if not active:
            return
        parcel = self.ledger.parcel(data.draw(st.sampled_from(active)))
        where = (parcel.wall, parcel.number)
        self._collect(self._call(lambda: self.ledger.door_opened(*where, self.now)))
        if close:
            self._tick_clock(gap)
            self._collect(self._call(lambda: self.ledger.door_closed(*where, self.now)))

    @rule(data=st.data(), remote=st.booleans())
    def redeem_right(self, data: st.DataObject, remote: bool) -> None:
        self._tick_clock()
        known = list(self.codes.items())
        if not known:
            return
        parcel_id, code = data.draw(st.sampled_from(known))
        wall = None if remote else self.ledger.parcel(parcel_id).wall
        self._redeem(code, wall)

    @rule(code=st.text(alphabet="0123456789ab -", max_size=12), wall=WALL_CHOICE)
    def redeem_wrong(self, code: str, wall: str | None) -> None:
        self._tick_clock()
        self._redeem(code, wall)

    @rule(data=st.data(), wall=WALL_CHOICE)
    def redeem_courier(self, data: st.DataObject, wall: str | None) -> None:
        self._tick_clock()
        if self.courier_codes:
            self._redeem(data.draw(st.sampled_from(self.courier_codes)), wall)

    @rule(
        wall=st.sampled_from(["A", "B"]),
        size=SIZES,
        uses=st.integers(1, 3),
        recipient=st.sampled_from([None, "person.b"]),
        carrier=st.sampled_from([None, "GLS"]),
    )
    def issue_courier(
        self,
        wall: str,
        size: Size,
        uses: int,
        recipient: str | None,
        carrier: str | None,
    ) -> None:
        self._tick_clock()
        issued = self._call(
            lambda: self.ledger.issue_code(
                None,
                self.now,
                wall=wall,
                size=size,
                uses=uses,
                recipient=recipient,
                carrier=carrier,
            )
        )
        if issued is not None:
            self.courier_codes.append(issued.code)

    @rule(data=st.data())
    def issue_replacement(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        issued = self._call(lambda: self.ledger.issue_code(parcel_id, self.now))
        if issued is not None:
            self.codes[parcel_id] = issued.code

    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        self._call(lambda: self.ledger.revoke_code(parcel_id, self.now))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        self._call(lambda: self.ledger.cancel_delivery(parcel_id, self.now))

    @rule(data=st.data())
    def mark_collected(self, data: st.DataObject) -> None:
        self._tick_clock()
        parcel_id = self._pick_parcel(data)
        self._call(lambda: self.ledger.mark_collected(parcel_id, self.now))

    @rule(where=st.sampled_from(COMPARTMENTS), inspect=st.booleans())
    def authorize(self, where: tuple[str, int], inspect: bool) -> None:
        self._tick_clock()
        self._call(
            lambda: self.ledger.authorize_open(
                *where, self.now, actor="admin", inspect=inspect
            )
        )

    @rule(where=st.sampled_from(COMPARTMENTS), out=st.booleans())
    def out_of_service(self, where: tuple[str, int], out: bool) -> None:
        self._tick_clock()
        self._call(lambda: self.ledger.set_out_of_service(*where, out, self.now))

    @rule(
        where=st.sampled_from(COMPARTMENTS),
        value=st.one_of(st.none(), st.floats(-5, 15, allow_nan=False)),
    )
    def temperature(self, where: tuple[str, int], value: float | None) -> None:
        self._tick_clock()
        self._call(lambda: self.ledger.temperature_reading(*where, value, self.now))

    @rule(seconds=st.sampled_from([5, 31, 61, 121, 601, 3600, 7300, 11000, 90000]))
    def tick(self, seconds: int) -> None:
        self._tick_clock(seconds)
        self._collect(self._call(lambda: self.ledger.tick(self.now)))

    @rule(data=st.data())
    def invalid(self, data: st.DataObject) -> None:
        """Operations that are refused whatever the state."""
        self._tick_clock()
        ledger = self.ledger
        choices: list[tuple[str, Callable[[], Any]]] = [
            ("parcel_not_found", lambda: ledger.cancel_delivery("ghost", self.now)),
            ("parcel_not_found", lambda: ledger.mark_collected("ghost", self.now)),
            ("parcel_not_found", lambda: ledger.issue_code("ghost", self.now)),
            ("unknown_compartment", lambda: ledger.door_opened("A", 99, self.now)),
            ("unknown_compartment", lambda: ledger.door_closed("Z", 1, self.now)),
            ("unknown_compartment", lambda: ledger.authorize_open("B", 4, self.now)),
            (
                "invalid_compartments",
                lambda: ledger.sync_wall(
                    "A", "x", [CompartmentSpec(0, "x", Size.S, False)]
                ),
            ),
            (
                "invalid_uses",
                lambda: ledger.issue_code(None, self.now, wall="A", uses=0),
            ),
            ("wall_required", lambda: ledger.issue_code(None, self.now)),
            (
                "parcel_not_found",
                lambda: ledger.assign(
                    "p", Size.S, "c", None, False, None, self.now, announced="ghost"
                ),
            ),
            (
                "invalid_tracking",
                lambda: ledger.announce(
                    "p", " ", self.now, until=self.now + STEP, carrier="c"
                ),
            ),
            (
                "announcement_in_the_past",
                lambda: ledger.announce(
                    "p", "PAST", self.now, until=self.now, carrier="c"
                ),
            ),
            ("parcel_not_found", lambda: ledger.share("ghost", self.now)),
            (
                "unknown_wall",
                lambda: ledger.hold(Consignment("p", Size.S, "c"), "Z", self.now),
            ),
        ]
        expected, action = data.draw(st.sampled_from(choices))
        before = ledger.to_dict()
        with pytest.raises(LedgerError) as err:
            action()
        assert err.value.translation_key == expected
        assert ledger.to_dict() == before

    # ------------------------------------------------------------------ invariants

    @invariant()
    def sound(self) -> None:
        ledger = self.ledger
        holders: dict[str, tuple[str, int]] = {}
        free = dict.fromkeys(WALLS, 0)
        for wall, number in COMPARTMENTS:
            view = ledger.compartment(wall, number)
            if view.status in {CompartmentStatus.RESERVED, CompartmentStatus.OCCUPIED}:
                assert view.parcel_id is not None
                # Never two parcels in one compartment, never one parcel in two.
                assert view.parcel_id not in holders
                holders[view.parcel_id] = (wall, number)
                parcel = ledger.parcel(view.parcel_id)
                assert (parcel.wall, parcel.number) == (wall, number)
                if view.status is CompartmentStatus.RESERVED:
                    assert parcel.state is ParcelState.RESERVED
                else:
                    assert parcel.state in {
                        ParcelState.STORED,
                        ParcelState.RETURN_WAITING,
                        ParcelState.RETURN_TO_SENDER,
                    }
            else:
                assert view.parcel_id is None
                free[wall] += view.status is CompartmentStatus.FREE
        for wall, count in free.items():
            assert ledger.free_count(wall) == count
        waiting = unfinished = 0
        for parcel_id in self.seen:  # no parcel is ever lost
            parcel = ledger.parcel(parcel_id)
            assert_life_cycle(parcel)
            if parcel.active:
                assert holders.get(parcel_id) == (parcel.wall, parcel.number)
            else:
                assert parcel_id not in holders
            waiting += parcel.state in {
                ParcelState.STORED,
                ParcelState.RETURN_WAITING,
                ParcelState.RETURN_TO_SENDER,
            }
            unfinished += not parcel.finished
        assert set(holders) <= set(self.seen)
        assert ledger.waiting_count() == waiting
        assert len(ledger.list_parcels()) == unfinished
        for wall in WALLS:
            assert ledger.problems(wall) <= {
                "forced_door",
                "door_left_open",
                "temperature_out_of_band",
                "probe_silent",
            }
        assert self.ledger.revision >= self.revision
        self.revision = self.ledger.revision

    @invariant()
    def restart(self) -> None:
        """Persist and read back after every step; carry on with the copy."""
        text = json.dumps(self.ledger.to_dict())
        for code in [
            *self.codes.values(),
            *self.shared.values(),
            *self.courier_codes,
        ]:
            assert code not in text
        restored = Ledger.from_dict(json.loads(text), KEY, SETTINGS)
        assert restored.to_dict() == self.ledger.to_dict()
        self.ledger = restored


def assert_life_cycle(parcel: Parcel) -> None:
    """A parcel's state agrees with the steps it went through to get there."""
    state = parcel.state
    loaded = parcel.stored_at is not None
    assert (parcel.finished_at is not None) is parcel.finished
    if parcel.active:  # a parcel in a compartment knows which
        assert parcel.wall is not None
        assert parcel.number is not None
    if state is ParcelState.ANNOUNCED:
        assert not loaded
        assert parcel.expected_until is not None
        assert (parcel.wall, parcel.number) == (None, None)
    elif state is ParcelState.HELD:
        assert loaded  # held at the desk since then
        assert parcel.number is None
    elif state is ParcelState.RESERVED:
        assert not loaded
        assert parcel.reserved_until is not None
    elif state in {ParcelState.STORED, ParcelState.RETURN_WAITING}:
        assert loaded
        # Only a return waits for a carrier; every other parcel for its recipient.
        assert (state is ParcelState.RETURN_WAITING) is (
            parcel.kind is ParcelKind.RETURN
        )
        # A delivery must be collected by its deadline; a return has none.
        assert (parcel.deadline is None) is (state is ParcelState.RETURN_WAITING)
    elif state in {ParcelState.RETURN_TO_SENDER, ParcelState.RETURNED}:
        # Sent back: a delivery that waited past its deadline.
        assert loaded
        assert parcel.kind is not ParcelKind.RETURN
        assert parcel.deadline is not None
        assert parcel.stored_at is not None
        assert parcel.deadline > parcel.stored_at
    elif state is ParcelState.COLLECTED:
        assert loaded
        assert not parcel.cancel_pending
    elif state is ParcelState.EXPIRED:
        # A reservation whose door never opened, or an announcement that lapsed.
        assert not loaded
        assert parcel.finished_by == "automation"
    else:
        assert state is ParcelState.CANCELLED
    if parcel.cancel_pending:
        assert state in {
            ParcelState.STORED,
            ParcelState.RETURN_WAITING,
            ParcelState.RETURN_TO_SENDER,
            ParcelState.CANCELLED,
        }


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# ---------------------------------------------------------------------- (b) directly


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(COMPARTMENTS), st.sampled_from(["open", "close", "assign"])
        ),
        max_size=15,
    ),
    target=st.sampled_from(COMPARTMENTS),
    size=SIZES,
    cold=st.booleans(),
    operation=st.sampled_from(
        ["assign_here", "out_of_service", "cancel", "mark_collected", "issue", "revoke"]
    ),
)
def test_refused_operations_change_nothing(
    steps: list[tuple[tuple[str, int], str]],
    target: tuple[str, int],
    size: Size,
    cold: bool,
    operation: str,
) -> None:
    ledger = make_ledger(SETTINGS)
    now = T0
    for (wall, number), step in steps:
        now += STEP
        try:
            if step == "open":
                ledger.door_opened(wall, number, now)
            elif step == "close":
                ledger.door_closed(wall, number, now)
            else:
                ledger.assign("p", Size.S, "c", None, False, wall, now)
        except LedgerError:
            pass
    wall, number = target
    view = ledger.compartment(wall, number)
    parcel_id = view.parcel_id or "ghost"
    actions: dict[str, Callable[[], Any]] = {
        "assign_here": lambda: ledger.assign(
            "p", size, "c", None, cold, wall, now, number=number
        ),
        "out_of_service": lambda: ledger.set_out_of_service(wall, number, True, now),
        "cancel": lambda: ledger.cancel_delivery(parcel_id, now),
        "mark_collected": lambda: ledger.mark_collected(parcel_id, now),
        "issue": lambda: ledger.issue_code(parcel_id, now),
        "revoke": lambda: ledger.revoke_code(parcel_id, now),
    }
    before = ledger.to_dict()
    revision = ledger.revision
    refused: LedgerError | None = None
    try:
        actions[operation]()
    except LedgerError as err:
        refused = err
    if refused is None:
        assert ledger.revision > revision
        return
    assert_translatable(refused)
    assert ledger.to_dict() == before
    assert ledger.revision == revision
