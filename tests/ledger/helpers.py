"""Shared helpers for the ledger tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.parcel_locker.domain.ledger import (
    CompartmentSpec,
    DomainEvent,
    EventType,
    Ledger,
    LedgerError,
    LedgerSettings,
    Parcel,
)
from custom_components.parcel_locker.domain.sizes import Size, compartment_label

KEY = b"test-install-key-0123456789abcdef"
STRINGS = Path(__file__).parents[2] / "custom_components/parcel_locker/strings.json"
MESSAGES = {
    key: text["message"]
    for key, text in json.loads(STRINGS.read_text(encoding="utf-8"))[
        "exceptions"
    ].items()
}
# Placeholders the hub fills in itself (the attempts left before a lock-out).
ADDED_BY_THE_HUB = {"invalid_code": {"remaining"}}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# Wall A: 1-3 S, 4-5 M, 6 L, 7 XL, 8 M cooled, 9 S cooled.
WALL_A = [
    (Size.S, False),
    (Size.S, False),
    (Size.S, False),
    (Size.M, False),
    (Size.M, False),
    (Size.L, False),
    (Size.XL, False),
    (Size.M, True),
    (Size.S, True),
]
# Wall B: 1 S, 2 M, 3 L cooled.
WALL_B = [(Size.S, False), (Size.M, False), (Size.L, True)]


def specs(prefix: str, layout: list[tuple[Size, bool]]) -> list[CompartmentSpec]:
    return [
        CompartmentSpec(number, compartment_label(prefix, number), size, cooled)
        for number, (size, cooled) in enumerate(layout, start=1)
    ]


def make_ledger(settings: LedgerSettings | None = None, *, walls: int = 2) -> Ledger:
    ledger = Ledger(KEY, settings or LedgerSettings())
    ledger.sync_wall("A", "Lobby", specs("A", WALL_A))
    if walls > 1:
        ledger.sync_wall("B", "Garage", specs("B", WALL_B))
    return ledger


@contextmanager
def refused(key: str) -> Iterator[pytest.ExceptionInfo[LedgerError]]:
    """Expect a ``LedgerError`` carrying this translation key."""
    with pytest.raises(LedgerError) as err:
        yield err
    assert err.value.translation_key == key


def assert_translatable(err: LedgerError) -> None:
    """The refusal reads as a sentence: its key has a message, every gap filled."""
    message = MESSAGES[err.translation_key]
    wanted = set(re.findall(r"{(\w+)}", message))
    wanted -= ADDED_BY_THE_HUB.get(err.translation_key, set())
    assert wanted <= set(err.placeholders), (err, message)


def sec(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def only(events: list[DomainEvent], kind: EventType) -> DomainEvent:
    matching = [event for event in events if event.type == kind]
    assert len(matching) == 1, events
    return matching[0]


def cool(ledger: Ledger, now: datetime = T0, celsius: float = 5.0) -> None:
    """Every cooled compartment's probe reads ``celsius`` (in the default band)."""
    for wall in ledger.walls():
        for view in ledger.compartments(wall):
            if view.cooled:
                ledger.temperature_reading(wall, view.number, celsius, now)


def deliver(
    ledger: Ledger,
    now: datetime = T0,
    *,
    size: Size = Size.S,
    recipient: str = "person.bob",
    cold: bool = False,
    wall: str | None = None,
) -> tuple[Parcel, str]:
    """Assign, open, close: the parcel stored and its pickup code."""
    if cold:
        cool(ledger, now)
    parcel = ledger.assign(recipient, size, "DHL", "TRACK1", cold, wall, now)
    assert ledger.door_opened(parcel.wall, parcel.number, now + sec(5)) == []
    events = ledger.door_closed(parcel.wall, parcel.number, now + sec(20))
    issued = only(events, EventType.DELIVERED).issued
    assert issued is not None
    return ledger.parcel(parcel.parcel_id), issued.code


def pick_up(
    ledger: Ledger, code: str, now: datetime, wall: str | None = "A"
) -> list[DomainEvent]:
    """Redeem, open, close: the events of the pickup."""
    result = ledger.redeem(code, wall, now)
    events = ledger.door_opened(result.wall, result.number, now + sec(3))
    events += ledger.door_closed(result.wall, result.number, now + sec(10))
    return events


def round_trip(ledger: Ledger, settings: LedgerSettings | None = None) -> Ledger:
    """Persist through JSON and read back; the stored form must be identical."""
    stored = json.loads(json.dumps(ledger.to_dict()))
    restored = Ledger.from_dict(stored, KEY, settings or ledger.settings)
    assert restored.to_dict() == ledger.to_dict()
    return restored


def dump(ledger: Ledger) -> str:
    return json.dumps(ledger.to_dict(), sort_keys=True)


def snapshot(ledger: Ledger) -> dict[str, Any]:
    return ledger.to_dict()
