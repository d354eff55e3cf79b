"""The codes typed at a keypad since the last poll: the ring, and layout 1.0."""

from __future__ import annotations

from custom_components.parcel_locker.domain.keypad_entries import codes_since
from custom_components.parcel_locker.domain.readings import KeypadEntry, KeypadReading


def ring_after(typed: list[tuple[int, str]]) -> tuple[KeypadEntry, ...]:
    """The ring's 8 slots after ``typed`` (sequence, digits) codes, in slot order."""
    slots = [KeypadEntry(0, 0, 0)] * 8
    for sequence, digits in typed:
        slots[sequence % 8] = KeypadEntry(sequence, int(digits), len(digits))
    return tuple(slots)


def keypad(typed: list[tuple[int, str]], *, ring: bool = True) -> KeypadReading:
    """The keypad registers after ``typed``; the last code in 1001-1003."""
    sequence, digits = typed[-1] if typed else (0, "")
    return KeypadReading(
        sequence=sequence,
        code=int(digits or 0),
        digits=len(digits),
        ring=ring_after(typed) if ring else (),
    )


def entered(entries: list[KeypadEntry]) -> list[str]:
    return [entry.entered for entry in entries]


def test_every_code_since_the_last_poll_in_order() -> None:
    typed = [(n, f"{n:08d}") for n in range(1, 9)]
    assert entered(codes_since(3, keypad(typed))) == [f"{n:08d}" for n in range(4, 9)]


def test_more_than_the_ring_holds_keeps_the_last_eight() -> None:
    typed = [(n, f"{n:06d}") for n in range(1, 13)]
    assert entered(codes_since(0, keypad(typed))) == [f"{n:06d}" for n in range(5, 13)]


def test_leading_zeros_survive() -> None:
    assert entered(codes_since(0, keypad([(1, "0042")]))) == ["0042"]


def test_first_read_replays_nothing() -> None:
    assert codes_since(None, keypad([(5, "12345678")])) == []


def test_nothing_new() -> None:
    assert codes_since(5, keypad([(5, "12345678")])) == []


def test_the_sequence_wraps() -> None:
    typed = [(0xFFFF, "11"), (0, "22"), (1, "33")]
    assert entered(codes_since(0xFFFE, keypad(typed))) == ["11", "22", "33"]


def test_a_restarted_controller_counts_from_zero() -> None:
    """Empty registers are not a wrong code; codes typed since the restart are."""
    assert codes_since(40, keypad([])) == []
    assert entered(codes_since(40, keypad([(1, "77"), (2, "88")]))) == ["77", "88"]


def test_layout_1_0_sees_only_the_last_code() -> None:
    typed = [(n, f"{n:04d}") for n in range(1, 6)]
    assert entered(codes_since(0, keypad(typed, ring=False))) == ["0005"]
    assert codes_since(9, keypad([], ring=False)) == []


def test_a_slot_overwritten_or_empty_is_skipped() -> None:
    """A slot holds another sequence than expected: that code is gone."""
    reading = keypad([(1, "11"), (2, "22")])
    slots = list(reading.ring)
    slots[1] = KeypadEntry(9, 99, 2)
    changed = KeypadReading(
        reading.sequence, reading.code, reading.digits, ring=tuple(slots)
    )
    assert entered(codes_since(0, changed)) == ["22"]
    assert "99" not in repr(slots[1])
