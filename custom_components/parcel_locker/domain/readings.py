"""What one poll read from a wall, as plain values (decoded by ``wall_link``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class CompartmentReading:
    """What the sensors of one compartment said on the last poll."""

    released: bool
    door_closed: bool
    latched: bool | None = None
    present: bool | None = None
    temperature: float | None = None
    setpoint: float | None = None

    @property
    def locked(self) -> bool:
        """Closed, not released and (where reported) latched."""
        return self.door_closed and not self.released and self.latched is not False


@dataclass(frozen=True, slots=True)
class KeypadEntry:
    """One code typed at the keypad, as a ring slot holds it.

    ``repr`` leaves the code out so it can never reach a log line.
    """

    sequence: int
    code: int
    digits: int

    def __repr__(self) -> str:
        """Describe the entry without the code a resident typed."""
        return f"KeypadEntry(sequence={self.sequence}, digits={self.digits})"

    @property
    def entered(self) -> str:
        """The code as typed, leading zeros included."""
        return str(self.code).zfill(self.digits) if self.digits else ""


@dataclass(frozen=True, slots=True)
class KeypadReading:
    """The keypad registers on the last poll.

    ``repr`` leaves the entered code out so it can never reach a log line.
    """

    sequence: int
    code: int
    digits: int
    feedback: int | None = None
    """Read with the slow tier (temperatures); None until that first read."""
    ring: tuple[KeypadEntry, ...] = ()
    """The ring's slots (layout 1.1), in slot order; empty without a ring."""

    def __repr__(self) -> str:
        """Describe the keypad without the code a resident typed."""
        return f"KeypadReading(sequence={self.sequence}, digits={self.digits})"

    @property
    def entered(self) -> str:
        """The code as typed, leading zeros included."""
        return str(self.code).zfill(self.digits) if self.digits else ""

    @property
    def latest(self) -> KeypadEntry:
        """The last code typed, from the 1.0 registers."""
        return KeypadEntry(self.sequence, self.code, self.digits)


@dataclass(frozen=True, slots=True)
class WallReading:
    """Everything one poll read from a wall; equal readings mean nothing changed."""

    compartments: Mapping[int, CompartmentReading]
    keypad: KeypadReading | None = None
    openings: Mapping[int, int] = MappingProxyType({})
    """The door-open counters (layout 1.1) this poll read, by compartment.

    Apart from the compartments: which counters a poll reads changes from poll
    to poll (all of them on a full poll), what the compartments show does not.
    """
