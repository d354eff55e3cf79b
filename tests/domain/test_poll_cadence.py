"""When polls start: a door shows within one poll interval, however long polls take."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.parcel_locker.domain.poll_cadence import (
    POLLS_REMEMBERED,
    PollCadence,
)


def test_a_poll_starts_one_interval_minus_the_longest_poll_after_the_last() -> None:
    cadence = PollCadence(1.0)
    assert cadence.next_start(10.0, 10.3, succeeded=True) == pytest.approx(10.7)
    # A shorter poll since: the longest recent one still counts.
    assert cadence.next_start(10.7, 10.8, succeeded=True) == pytest.approx(11.4)


def test_a_failed_poll_says_nothing_about_how_long_polls_take() -> None:
    cadence = PollCadence(1.0)
    cadence.next_start(0.0, 0.1, succeeded=True)
    assert cadence.next_start(1.0, 4.0, succeeded=False) == 4.0  # not before its end
    assert cadence.next_start(4.0, 4.1, succeeded=True) == pytest.approx(4.9)


def test_a_line_too_slow_for_the_interval_is_polled_every_half_interval() -> None:
    cadence = PollCadence(1.0)
    assert cadence.next_start(0.0, 0.4, succeeded=True) == pytest.approx(0.6)
    assert cadence.next_start(0.6, 1.3, succeeded=True) == pytest.approx(1.3)
    assert cadence.next_start(1.3, 1.4, succeeded=True) == pytest.approx(1.8)


def test_long_polls_are_forgotten_after_a_while() -> None:
    cadence = PollCadence(1.0)
    cadence.next_start(0.0, 0.4, succeeded=True)
    start = 1.0
    for _ in range(POLLS_REMEMBERED):
        start = cadence.next_start(start, start + 0.01, succeeded=True)
    assert cadence.next_start(start, start + 0.01, succeeded=True) == pytest.approx(
        start + 0.99
    )


@settings(max_examples=300)
@given(
    interval=st.sampled_from([1.0, 2.0, 5.0]),
    polls=st.lists(
        # (the poll's length as a share of half the interval, when in it the
        # doors are read as a share of its length)
        st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
        min_size=POLLS_REMEMBERED + 2,
        max_size=POLLS_REMEMBERED + 10,
    ),
    opened_at=st.floats(0.0, 1.0),
)
def test_a_door_shows_within_one_interval(
    interval: float, polls: list[tuple[float, float]], opened_at: float
) -> None:
    """A door opened at any moment shows when the first poll to read it ends.

    Polls take up to half the interval, their lengths repeating in rounds of
    the remembered number (as the slow tier's steps do), and read the doors at
    any point in them.
    """
    cadence = PollCadence(interval)
    lengths = [share * interval / 2 for share, _ in polls[:POLLS_REMEMBERED]]
    runs = []  # (start, door read, end)
    start = 0.0
    for index, (_, door_share) in enumerate(polls * 3):
        length = lengths[index % POLLS_REMEMBERED]
        end = start + length
        runs.append((start, start + door_share * length, end))
        start = cadence.next_start(start, end, succeeded=True)
    # A door opened after the first round, when every length is remembered.
    first, last = runs[POLLS_REMEMBERED][1], runs[-2][1]
    opened = first + opened_at * (last - first)
    shown = next(end for _, door_read, end in runs if door_read >= opened)
    assert shown - opened <= interval + 1e-9
