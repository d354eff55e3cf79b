"""Which door steps a poll's reading stands for: the wall's truth between polls.

A poll sees each door contact at one instant. Between two polls a door may
have opened and closed again (a quick courier, a resident grabbing a parcel),
and a contact may chatter for a single read. The ledger must be told the door
cycles that happened, each once, and nothing a chattering contact made up:

* **With door-open counters** (reference layout 1.1): an opening is believed
  when the counter moved, and as many times as it moved. A cycle that fell
  between two polls (counter moved, door closed both times) is an opening and
  a closing. A contact that reads open while its counter did not move is not
  an opening (contact chatter; or a door that opened after its counter was
  read, which the next poll's counter confirms). The counter is read before
  the contact in a poll, so a door seen closed has had every counted opening.
* **Without counters, with a parcel sensor**: an opening is believed when the
  contact reads open on two polls in a row, or reads open once and the parcel
  sensor changed by the time it reads closed again. A single open read with no
  parcel change is chatter and completes nothing.
* **With neither** (layout 1.0): every read is believed, as before.

In every case a parcel behind the closed door of a reserved compartment whose
door was never seen open is the courier's whole cycle between two polls.

Pure Python: the coordinator feeds the steps to the ledger.
"""

from __future__ import annotations

from enum import StrEnum

from .readings import CompartmentReading

COUNTER_MODULUS = 0x10000
MAX_CYCLES_PER_POLL = 8
"""Cycles fed for one counter jump at most (a burst is not replayed in full)."""
MAX_PLAUSIBLE_JUMP = 64
"""A counter that moved more than this since it was last read was reset (the
controller restarted), not opened that often: it is read again from there."""


class DoorStep(StrEnum):
    """What to tell the ledger about a door."""

    OPENED = "opened"
    CLOSED = "closed"


class DoorTruth:
    """Per compartment of one wall: the door steps each poll stands for.

    Keeps what it needs between polls: each counter's last value, each parcel
    sensor's last reading, and openings read once and not yet confirmed.
    """

    def __init__(self, *, counters: bool, presence: bool) -> None:
        """``counters``/``presence``: whether the wall has those points."""
        self._use_counters = counters
        self._use_presence = presence
        self._counts: dict[int, int] = {}
        self._present: dict[int, bool | None] = {}
        self._tentative: dict[int, bool | None] = {}

    @property
    def tentative(self) -> frozenset[int]:
        """Compartments whose door read open once, not yet believed."""
        return frozenset(self._tentative)

    def steps(
        self,
        number: int,
        reading: CompartmentReading,
        *,
        openings: int | None = None,
        ledger_open: bool,
        reserved: bool,
    ) -> tuple[DoorStep, ...]:
        """The steps for compartment ``number``, given what the ledger knows.

        ``openings``: its door-open counter, when this poll read it;
        ``ledger_open``: the ledger has the door open; ``reserved``: the
        compartment waits for a courier.
        """
        previous_present = self._present.get(number, reading.present)
        self._present[number] = reading.present
        if self._use_counters:
            counted = self._openings(number, openings)
            if counted is not None:
                return _counted(counted, ledger_open=ledger_open, reading=reading)
        elif self._use_presence:
            return self._parcel_confirmed(
                number,
                reading,
                previous_present=previous_present,
                ledger_open=ledger_open,
                reserved=reserved,
            )
        return _as_read(reading, ledger_open=ledger_open, reserved=reserved)

    def _openings(self, number: int, count: int | None) -> int | None:
        """Openings since the counter was last read; None when that is unknown."""
        if count is None:
            return None
        last = self._counts.get(number)
        self._counts[number] = count
        if last is None:
            return None
        moved = (count - last) % COUNTER_MODULUS
        if moved > MAX_PLAUSIBLE_JUMP:
            return None
        return min(moved, MAX_CYCLES_PER_POLL)

    def _parcel_confirmed(
        self,
        number: int,
        reading: CompartmentReading,
        *,
        previous_present: bool | None,
        ledger_open: bool,
        reserved: bool,
    ) -> tuple[DoorStep, ...]:
        """No counters: an opening read once waits for a second read or a parcel."""
        closed = reading.door_closed
        if ledger_open:
            self._tentative.pop(number, None)
            return (DoorStep.CLOSED,) if closed else ()
        if number in self._tentative:
            before = self._tentative.pop(number)
            if not closed:
                return (DoorStep.OPENED,)
            if reading.present != before:
                return (DoorStep.OPENED, DoorStep.CLOSED)
            return ()
        if not closed:
            self._tentative[number] = previous_present
            return ()
        return _as_read(reading, ledger_open=ledger_open, reserved=reserved)


def _as_read(
    reading: CompartmentReading, *, ledger_open: bool, reserved: bool
) -> tuple[DoorStep, ...]:
    """Layout 1.0: the contact is believed."""
    closed = reading.door_closed
    if closed and ledger_open:
        return (DoorStep.CLOSED,)
    if not closed and not ledger_open:
        return (DoorStep.OPENED,)
    if closed and reading.present and reserved:
        # A parcel behind the closed door of a compartment reserved for one:
        # the courier's whole door cycle fell between two polls.
        return (DoorStep.OPENED, DoorStep.CLOSED)
    return ()


def _counted(
    openings: int, *, ledger_open: bool, reading: CompartmentReading
) -> tuple[DoorStep, ...]:
    """The steps ``openings`` counted openings stand for, ending as the door is."""
    closed = reading.door_closed
    steps: list[DoorStep] = []
    if ledger_open and (openings or closed):
        # The opening the ledger knows ended before any counted one began.
        steps.append(DoorStep.CLOSED)
    for index in range(openings):
        steps.append(DoorStep.OPENED)
        if closed or index < openings - 1:
            steps.append(DoorStep.CLOSED)
    return tuple(steps)
