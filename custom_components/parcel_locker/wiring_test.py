"""The wiring test: every point read once, and what it tells about the wall.

Adding or changing a wall reads the controller once, optional point by
optional point (``wall_link.probe_wall``). For a reference wall that read is
also the detection: what answered is pre-selected, and a temperature register
reading -32768 is a compartment without a probe (no temperature entity). The
same read, summed up, is what the installer sees before saving.
"""

from __future__ import annotations

from dataclasses import dataclass

from modbus_connection import ModbusConnection

from .domain.readings import WallReading
from .domain.sizes import compartment_label
from .domain.wiring import OPTIONAL_POINT_NAMES, WallMap
from .wall_link import probe_wall

TEMPERATURE = "temperature"


@dataclass(frozen=True, slots=True)
class WiringTest:
    """What one read of every point found."""

    wall: WallMap
    reading: WallReading
    answered: frozenset[str]
    """The optional points whose registers or inputs answered."""

    @property
    def probes(self) -> frozenset[int]:
        """Compartments whose temperature register holds a reading, not -32768."""
        return frozenset(
            number
            for number, compartment in self.reading.compartments.items()
            if compartment.temperature is not None
        )

    def detected(self) -> list[str]:
        """The optional points to pre-select, in their stored order.

        Temperatures only where at least one probe answered with a reading.
        """
        return [
            name
            for name in OPTIONAL_POINT_NAMES
            if name in self.answered and (name != TEMPERATURE or self.probes)
        ]

    def silent(self, chosen: list[str]) -> list[str]:
        """Of the points ``chosen``, those that did not answer."""
        detected = self.detected()
        return [name for name in chosen if name not in detected]


async def async_run_wiring_test(
    connection: ModbusConnection, wall: WallMap
) -> WiringTest:
    """Read every point of ``wall`` once; ``ModbusError`` when it does not answer."""
    reading, answered = await probe_wall(connection, wall)
    return WiringTest(wall, reading, answered)


def _labels(prefix: str, numbers: list[int]) -> str:
    return ", ".join(compartment_label(prefix, number) for number in numbers) or "-"


def wiring_summary(prefix: str, test: WiringTest) -> dict[str, str]:
    """What the test read found, as placeholders for the confirmation step.

    Only numbers, labels and point names are made here; the sentences are
    translated.
    """
    compartments = test.reading.compartments
    open_doors = [n for n, item in compartments.items() if not item.door_closed]
    released = [n for n, item in compartments.items() if item.released]
    present = [n for n, item in compartments.items() if item.present]
    probes = [item.number for item in test.wall.compartments if item.temperature]
    answering = [
        f"{compartment_label(prefix, n)} {compartments[n].temperature:.1f} °C"
        for n in probes
        if compartments[n].temperature is not None
    ]
    silent = [n for n in probes if compartments[n].temperature is None]
    keypad = test.reading.keypad
    return {
        "compartments": str(len(compartments)),
        "doors_closed": str(len(compartments) - len(open_doors)),
        "doors_open": _labels(prefix, open_doors),
        "released": _labels(prefix, released),
        "parcels": _labels(prefix, present),
        "probes": ", ".join(answering) or "-",
        "probes_silent": _labels(prefix, silent),
        "keypad": str(keypad.sequence) if keypad else "-",
        "found": ", ".join(test.detected()) or "-",
        "points": "-",
    }
