"""A locker-wall simulator speaking real Modbus TCP in the reference layout.

It lives outside the integration so tests, benchmarks, ``scripts/develop`` and
installers can all run the same controller without Home Assistant. It can also
misbehave on demand (``simulator.faults``): drop connections, go silent, answer
slowly, refuse chosen addresses, bounce door contacts and power-cycle.
"""

from .clock import Clock, LoopClock, ManualClock
from .faults import Faults, Table
from .layout import KeypadFeedback, ModbusError, parse_sizes
from .server import LockerSimulator
from .wall import Compartment, SimulatedWall, reference_wall

__all__ = [
    "Clock",
    "Compartment",
    "Faults",
    "KeypadFeedback",
    "LockerSimulator",
    "LoopClock",
    "ManualClock",
    "ModbusError",
    "SimulatedWall",
    "Table",
    "parse_sizes",
    "reference_wall",
]
