"""The door steps a reading stands for: counters, parcel sensors, layout 1.0."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.parcel_locker.domain.door_truth import (
    MAX_CYCLES_PER_POLL,
    DoorStep,
    DoorTruth,
)
from custom_components.parcel_locker.domain.readings import CompartmentReading

OPENED, CLOSED = DoorStep.OPENED, DoorStep.CLOSED


type Sensed = tuple[CompartmentReading, int | None]


def reading(
    *, closed: bool = True, openings: int | None = None, present: bool | None = None
) -> Sensed:
    """A compartment's reading (door, parcel sensor) and its door counter."""
    return CompartmentReading(
        released=False, door_closed=closed, present=present
    ), openings


def steps(
    truth: DoorTruth,
    sensed: Sensed,
    *,
    ledger_open: bool = False,
    reserved: bool = False,
) -> tuple[DoorStep, ...]:
    compartment, openings = sensed
    return truth.steps(
        1, compartment, openings=openings, ledger_open=ledger_open, reserved=reserved
    )


# -- with counters ----------------------------------------------------------------


@pytest.fixture
def counted() -> DoorTruth:
    """A wall with counters whose compartment 1 was read once at count 7."""
    truth = DoorTruth(counters=True, presence=False)
    assert steps(truth, reading(openings=7)) == ()
    return truth


def test_a_cycle_between_two_polls_is_an_opening_and_a_closing(
    counted: DoorTruth,
) -> None:
    """Counter moved, door closed both times: the whole cycle, once."""
    assert steps(counted, reading(openings=8)) == (OPENED, CLOSED)
    assert steps(counted, reading(openings=8)) == ()


def test_an_open_read_the_counter_does_not_confirm_is_chatter(
    counted: DoorTruth,
) -> None:
    """A contact reading open while its counter stood still opens nothing."""
    assert steps(counted, reading(closed=False, openings=7)) == ()
    assert steps(counted, reading(openings=7)) == ()
    # Confirmed on the next poll: the door had opened after its counter was read.
    assert steps(counted, reading(closed=False, openings=7)) == ()
    assert steps(counted, reading(closed=False, openings=8)) == (OPENED,)


def test_an_open_door_that_closed_and_opened_again(counted: DoorTruth) -> None:
    """The ledger's opening ended, a new one began: close, then open."""
    assert steps(counted, reading(closed=False, openings=8)) == (OPENED,)
    assert steps(counted, reading(closed=False, openings=9), ledger_open=True) == (
        CLOSED,
        OPENED,
    )
    assert steps(counted, reading(openings=9), ledger_open=True) == (CLOSED,)
    assert steps(counted, reading(openings=11), ledger_open=True) == (
        CLOSED,
        OPENED,
        CLOSED,
        OPENED,
        CLOSED,
    )


def test_the_counter_wraps(counted: DoorTruth) -> None:
    truth = DoorTruth(counters=True, presence=False)
    steps(truth, reading(openings=0xFFFF))
    assert steps(truth, reading(openings=0)) == (OPENED, CLOSED)


def test_a_counter_reset_is_not_thousands_of_openings() -> None:
    """A controller that restarted counts from 0 again: read on from there."""
    truth = DoorTruth(counters=True, presence=False)
    steps(truth, reading(openings=500))
    assert steps(truth, reading(openings=0)) == ()
    assert steps(truth, reading(openings=1)) == (OPENED, CLOSED)


def test_a_burst_is_fed_in_part(counted: DoorTruth) -> None:
    assert steps(counted, reading(openings=7 + 40)) == (
        (OPENED, CLOSED) * MAX_CYCLES_PER_POLL
    )


def test_a_poll_without_the_counter_believes_the_contact() -> None:
    """The first read (no count to compare with), or a counter not read."""
    truth = DoorTruth(counters=True, presence=False)
    assert steps(truth, reading(closed=False, openings=3)) == (OPENED,)
    assert steps(truth, reading(), ledger_open=True) == (CLOSED,)


@settings(max_examples=200, deadline=None)
@given(
    cycles=st.lists(
        st.tuples(st.integers(0, 3), st.booleans(), st.booleans()), max_size=30
    )
)
def test_counted_openings_are_fed_exactly_once(
    cycles: list[tuple[int, bool, bool]],
) -> None:
    """Whatever happens between polls, the ledger hears each opening once.

    Each poll: some whole cycles happened, then the door may have opened (and
    stayed open), and the contact may chatter. The ledger's door follows the
    steps; the openings it hears are the counter's, and its door ends as the
    door is (unless the contact chattered on that very read).
    """
    truth = DoorTruth(counters=True, presence=False)
    count, door_open, ledger_open, heard = 0, False, False, 0
    steps(truth, reading(openings=count))
    for whole, opens, chatter in cycles:
        if door_open:  # it closes before anything else
            door_open = False
        count += whole
        if opens:
            count += 1
            door_open = True
        contact_open = door_open != chatter
        fed = steps(
            truth,
            reading(closed=not contact_open, openings=count),
            ledger_open=ledger_open,
        )
        for step in fed:
            assert step is (CLOSED if ledger_open else OPENED), fed
            ledger_open = step is OPENED
            heard += step is OPENED
        assert heard <= count
        if not chatter:
            assert ledger_open == door_open
    # A last clean read: every counted opening was heard, once.
    final = steps(truth, reading(openings=count), ledger_open=ledger_open)
    heard += sum(step is OPENED for step in final)
    assert heard == count


# -- without counters, with a parcel sensor -----------------------------------------


def test_one_open_read_with_no_parcel_change_is_chatter() -> None:
    truth = DoorTruth(counters=False, presence=True)
    assert steps(truth, reading(present=False), reserved=True) == ()
    assert steps(truth, reading(closed=False, present=False), reserved=True) == ()
    assert steps(truth, reading(present=False), reserved=True) == ()


def test_one_open_read_and_a_new_parcel_is_a_delivery() -> None:
    truth = DoorTruth(counters=False, presence=True)
    steps(truth, reading(present=False), reserved=True)
    assert steps(truth, reading(closed=False, present=True), reserved=True) == ()
    assert steps(truth, reading(present=True), reserved=True) == (OPENED, CLOSED)


def test_one_open_read_and_a_parcel_taken_is_a_pickup() -> None:
    truth = DoorTruth(counters=False, presence=True)
    steps(truth, reading(present=True))
    assert steps(truth, reading(closed=False, present=True)) == ()
    assert steps(truth, reading(present=False)) == (OPENED, CLOSED)


def test_two_open_reads_in_a_row_are_an_opening() -> None:
    truth = DoorTruth(counters=False, presence=True)
    steps(truth, reading(present=False))
    assert steps(truth, reading(closed=False, present=False)) == ()
    assert steps(truth, reading(closed=False, present=False)) == (OPENED,)
    assert steps(truth, reading(present=False), ledger_open=True) == (CLOSED,)
    assert truth.tentative == frozenset()


def test_a_parcel_behind_a_reserved_door_never_seen_open() -> None:
    """The courier's whole cycle fell between two polls (every layout)."""
    for truth in (
        DoorTruth(counters=False, presence=True),
        DoorTruth(counters=False, presence=False),
    ):
        assert steps(truth, reading(present=True), reserved=True) == (OPENED, CLOSED)


# -- layout 1.0 ---------------------------------------------------------------------


def test_without_counters_or_parcel_sensor_every_read_is_believed() -> None:
    truth = DoorTruth(counters=False, presence=False)
    assert steps(truth, reading(closed=False)) == (OPENED,)
    assert steps(truth, reading(), ledger_open=True) == (CLOSED,)
    assert steps(truth, reading()) == ()
