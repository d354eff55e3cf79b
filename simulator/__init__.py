"""A locker-wall simulator speaking real Modbus TCP in the reference layout.

It lives outside the integration so tests, benchmarks, ``scripts/develop`` and
installers can all run the same controller without Home Assistant.
"""

from .layout import KeypadFeedback, ModbusError, parse_sizes
from .server import LockerSimulator
from .wall import Compartment, SimulatedWall, reference_wall

__all__ = [
    "Compartment",
    "KeypadFeedback",
    "LockerSimulator",
    "ModbusError",
    "SimulatedWall",
    "parse_sizes",
    "reference_wall",
]
