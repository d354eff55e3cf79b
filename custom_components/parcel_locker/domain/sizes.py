"""Compartment sizes and the compact size list an installer types (``S*12,M*8``).

Pure Python: shared by the register map and the ledger.
"""

from __future__ import annotations

from enum import StrEnum
import re

MAX_COMPARTMENTS = 250


class Size(StrEnum):
    """A compartment size; a parcel fits every size at least as large as its own."""

    S = "S"
    M = "M"
    L = "L"
    XL = "XL"

    @property
    def rank(self) -> int:
        """Position from smallest (0) to largest."""
        return _ORDER.index(self)

    def fits_in(self, other: Size) -> bool:
        """Whether a parcel of this size fits in a compartment of ``other`` size."""
        return self.rank <= other.rank


_ORDER = (Size.S, Size.M, Size.L, Size.XL)
_GROUP = re.compile(r"^\s*(S|M|L|XL)\s*(?:\*\s*(\d{1,6}))?\s*$", re.IGNORECASE)


class SizeSpecError(ValueError):
    """A size list that cannot be read; ``reason`` is a translation key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """Keep the reason key and the offending part for the message."""
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def parse_sizes(spec: str) -> tuple[Size, ...]:
    """Read ``S*12,M*8,L*4`` (or ``S,S,M``) into one size per compartment.

    Raises ``SizeSpecError`` for an unknown size, a zero count, an empty list or
    more than ``MAX_COMPARTMENTS`` compartments.
    """
    sizes: list[Size] = []
    for part in spec.split(","):
        match = _GROUP.match(part)
        if match is None:
            raise SizeSpecError("invalid_sizes", part.strip())
        count = int(match.group(2)) if match.group(2) is not None else 1
        if count < 1:
            raise SizeSpecError("invalid_sizes", part.strip())
        sizes.extend([Size(match.group(1).upper())] * count)
        if len(sizes) > MAX_COMPARTMENTS:
            raise SizeSpecError("too_many_compartments", str(len(sizes)))
    return tuple(sizes)


def format_sizes(sizes: tuple[Size, ...] | list[Size]) -> str:
    """Write sizes back in the compact form, runs folded: ``S*12,M*8``."""
    parts: list[str] = []
    index = 0
    while index < len(sizes):
        run = 1
        while index + run < len(sizes) and sizes[index + run] == sizes[index]:
            run += 1
        parts.append(f"{sizes[index]}*{run}" if run > 1 else str(sizes[index]))
        index += run
    return ",".join(parts)


def compartment_label(wall_prefix: str, number: int) -> str:
    """The label residents see on the door, e.g. ``A-07``."""
    return f"{wall_prefix}-{number:02d}"
