"""The codes typed at a wall's keypad since the last poll, oldest first.

Layout 1.0 shows only the last code (registers 1001-1003): codes typed faster
than the poll are lost but the last one. Layout 1.1 adds a ring of the last
``KEYPAD_RING_SLOTS`` codes, each slot holding its sequence number, so every
code typed since the last poll is found, in order, up to the ring's size.

Pure Python: the coordinator checks each code through the hub's guard.
"""

from __future__ import annotations

from .readings import KeypadEntry, KeypadReading
from .wiring import KEYPAD_RING_SLOTS

SEQUENCE_MODULUS = 0x10000


def codes_since(previous: int | None, keypad: KeypadReading) -> list[KeypadEntry]:
    """The codes typed after sequence number ``previous`` (None: first read).

    A first read reports nothing: codes typed before Home Assistant started are
    not replayed. A sequence number that went backwards is a controller that
    restarted and counts from zero again; a reading of zero digits is an empty
    slot (nothing typed), never a wrong code.
    """
    current = keypad.sequence
    if previous is None or previous == current:
        return []
    if not keypad.ring:
        latest = keypad.latest
        return [latest] if latest.digits else []
    typed = (current - previous) % SEQUENCE_MODULUS
    if typed > SEQUENCE_MODULUS // 2:
        typed = current
    wanted = [
        (current - back) % SEQUENCE_MODULUS
        for back in reversed(range(min(typed, KEYPAD_RING_SLOTS)))
    ]
    slots = {entry.sequence: entry for entry in keypad.ring if entry.digits}
    return [slots[sequence] for sequence in wanted if sequence in slots]
