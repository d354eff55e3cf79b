"""The hub's code guard: per-source failures, lock-outs, summaries, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.parcel_locker.domain.guard import (
    LONGEST,
    SECURITY_LOG_LIMIT,
    THRESHOLD,
    WINDOW,
    CodeGuard,
    LockedOutError,
    SourceKind,
    backoff,
    keypad_source,
    source_kind,
    source_wall,
    user_source,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BOB = user_source("bob")
CHARLIE = user_source("charlie")
KEYPAD_A = keypad_source("A")


def sec(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def fail(guard: CodeGuard, source: str, now: datetime) -> datetime | None:
    guard.check(source, now, actor=source)
    return guard.fail(source, now, actor=source, reason="invalid").locked_until


def test_sources_name_their_kind_and_wall() -> None:
    assert source_kind(BOB) is SourceKind.USER
    assert source_kind(KEYPAD_A) is SourceKind.KEYPAD
    assert source_kind("automation") is SourceKind.AUTOMATION
    assert source_wall(KEYPAD_A) == "A"
    assert source_wall(BOB) is None


def test_fifth_failure_locks_and_back_off_doubles_to_an_hour() -> None:
    guard = CodeGuard()
    for attempt in range(1, THRESHOLD):
        failure = guard.fail(BOB, T0, actor="user:Bob", reason="invalid")
        assert failure.locked_until is None
        assert failure.remaining == THRESHOLD - attempt
    failure = guard.fail(BOB, T0, actor="user:Bob", reason="invalid")
    assert failure.locked_until == T0 + sec(30)
    assert failure.remaining == 0
    # While the window still holds five failures, every further one locks again,
    # twice as long, up to an hour.
    now = T0 + sec(30)
    for seconds in (60, 120, 240, 480, 960):
        assert fail(guard, BOB, now) == now + sec(seconds)
        now += sec(seconds)
    assert [backoff(level) for level in (1, 2, 7, 8, 40)] == [
        sec(30),
        sec(60),
        sec(1920),
        LONGEST,
        LONGEST,
    ]


def test_locked_out_source_is_refused_unevaluated() -> None:
    guard = CodeGuard()
    for _ in range(THRESHOLD):
        fail(guard, BOB, T0)
    revision = guard.revision
    with pytest.raises(LockedOutError) as err:
        guard.check(BOB, T0 + sec(29), actor="user:Bob")
    assert err.value.until == T0 + sec(30)
    # Refusals are counted in memory only: nothing to save.
    assert guard.revision == revision
    assert guard.locked_until(BOB, T0 + sec(29)) == T0 + sec(30)
    assert guard.locked_sources(T0 + sec(29)) == {BOB}
    guard.check(BOB, T0 + sec(30), actor="user:Bob")


def test_one_source_never_locks_another() -> None:
    guard = CodeGuard()
    for _ in range(THRESHOLD):
        fail(guard, CHARLIE, T0)
    guard.check(BOB, T0, actor="user:Bob")
    guard.check(KEYPAD_A, T0, actor="keypad")
    guard.check(keypad_source("B"), T0, actor="keypad")
    assert guard.locked_sources(T0) == {CHARLIE}


def test_failures_leave_the_window_and_the_level_resets_when_it_is_empty() -> None:
    guard = CodeGuard()
    for _ in range(THRESHOLD - 1):
        fail(guard, BOB, T0)
    # An hour later the four failures are gone: four more are allowed.
    later = T0 + WINDOW
    for _ in range(THRESHOLD - 1):
        assert fail(guard, BOB, later) is None
    assert fail(guard, BOB, later) == later + sec(30)
    assert fail(guard, BOB, later + sec(30)) == later + sec(90)
    # A quiet hour after the last failure: the next lock-out is short again.
    quiet = later + sec(90) + WINDOW
    guard.tick(quiet)
    for _ in range(THRESHOLD - 1):
        assert fail(guard, BOB, quiet) is None
    assert fail(guard, BOB, quiet) == quiet + sec(30)


def test_a_summary_line_per_lock_out_and_a_bounded_log() -> None:
    guard = CodeGuard()
    for _ in range(THRESHOLD):
        fail(guard, KEYPAD_A, T0)
    for _ in range(1000):
        with pytest.raises(LockedOutError):
            guard.check(KEYPAD_A, T0 + sec(1), actor="keypad")
    assert guard.tick(T0 + sec(30))
    actions = [(entry.action, entry.result) for entry in guard.log()]
    assert actions[-2:] == [
        ("locked_out", (T0 + sec(30)).isoformat()),
        ("refused_while_locked_out", "1000"),
    ]
    summary = list(guard.log())[-1]
    assert summary.wall == "A"
    assert summary.time == T0 + sec(30)
    # Nothing more to say for that lock-out.
    assert not guard.tick(T0 + sec(31))
    sources = [user_source(str(number)) for number in range(SECURITY_LOG_LIMIT)]
    for source in sources:
        guard.fail(source, T0, actor=source, reason="invalid")
    assert len(list(guard.log())) == SECURITY_LOG_LIMIT


def test_idle_sources_are_forgotten() -> None:
    guard = CodeGuard()
    fail(guard, BOB, T0)
    assert not guard.tick(T0 + sec(60))
    assert guard.tick(T0 + WINDOW)
    assert guard.to_dict()["sources"] == {}


def test_round_trip_keeps_counters_not_refusals() -> None:
    guard = CodeGuard()
    for _ in range(THRESHOLD):
        fail(guard, BOB, T0)
    fail_at = T0 + sec(10)
    guard.fail(KEYPAD_A, fail_at, actor="keypad", reason="expired", wall="A")
    with pytest.raises(LockedOutError):
        guard.check(BOB, T0 + sec(1), actor="user:Bob")
    restored = CodeGuard.from_dict(json.loads(json.dumps(guard.to_dict())))
    assert restored.to_dict() == guard.to_dict()
    with pytest.raises(LockedOutError):
        restored.check(BOB, T0 + sec(29), actor="user:Bob")
    assert "sources=2" in repr(restored)


@pytest.mark.parametrize(
    "damaged",
    [
        [],
        {"sources": {"user:x": {"failures": ["not a time"]}}},
        {"sources": {"user:x": {"failures": ["2026-03-01T12:00:00"]}}},
        {"sources": {"user:x": {"level": -1}}},
        {"sources": {"somebody": {}}},
        {"log": [{"time": "2026-03-01T12:00:00+00:00"}]},
    ],
)
def test_damaged_data_is_refused(damaged: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        CodeGuard.from_dict(damaged)


@settings(max_examples=200, deadline=None)
@given(
    attempts=st.lists(
        st.tuples(
            st.sampled_from([BOB, CHARLIE, KEYPAD_A, "automation"]),
            st.floats(min_value=0, max_value=600, allow_nan=False),
        ),
        min_size=1,
        max_size=400,
    )
)
def test_no_source_gets_more_than_five_then_sixty_an_hour(
    attempts: list[tuple[str, float]],
) -> None:
    """Whatever the mix and pace: the 5th failure in an hour locks, <= 60 an hour."""
    guard = CodeGuard()
    now = T0
    evaluated: dict[str, list[datetime]] = {}
    locks: dict[str, set[datetime]] = {}
    for source, pause in attempts:
        now += sec(pause)
        try:
            guard.check(source, now, actor=source)
        except LockedOutError:
            continue
        evaluated.setdefault(source, []).append(now)
        locked = guard.fail(source, now, actor=source, reason="invalid").locked_until
        if locked is not None:
            locks.setdefault(source, set()).add(now)
    for source, times in evaluated.items():
        for moment in times:
            recent = sum(1 for t in times if moment - WINDOW < t <= moment)
            # Never a fifth failure within an hour without a lock-out.
            assert (recent >= THRESHOLD) == (moment in locks.get(source, set()))
            assert sum(1 for t in times if moment <= t < moment + WINDOW) <= 60
