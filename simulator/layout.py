"""The reference register layout: addresses, encodings and protocol limits.

This is the wire contract of DESIGN.md in code, kept apart from the wall's
behaviour so the numbers are in one place and can be read without the model.
"""

from __future__ import annotations

from enum import IntEnum

MAX_COMPARTMENTS = 250
LATCH_BASE = 256
PRESENCE_BASE = 512
KEYPAD_SEQUENCE = 1000
KEYPAD_CODE_HIGH = 1001
KEYPAD_CODE_LOW = 1002
KEYPAD_DIGITS = 1003
KEYPAD_FEEDBACK = 1100
# Layout 1.1: the keypad ring, the feedback's sequence number, door counters.
KEYPAD_RING_BASE = 1010
KEYPAD_RING_SLOTS = 8
KEYPAD_RING_SLOT_WIDTH = 4
KEYPAD_FEEDBACK_SEQUENCE = 1101
DOOR_COUNTER_BASE = 2000
LAYOUTS = ("1.0", "1.1")
NO_SENSOR = -32768
SIZES = ("S", "M", "L", "XL")
MAX_CODE_DIGITS = 10

# Protocol limits (Modbus Application Protocol v1.1b3, function codes 1-4, 15, 16).
ADDRESS_SPACE = 0x10000
MAX_READ_BITS = 2000
MAX_READ_REGISTERS = 125
MAX_WRITE_BITS = 1968
MAX_WRITE_REGISTERS = 123

ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03


class KeypadFeedback(IntEnum):
    """What the hub tells the keypad to show (holding register 1100)."""

    IDLE = 0
    ACCEPTED = 1
    REJECTED = 2
    LOCKED_OUT = 3


class ModbusError(Exception):
    """A request a real controller would answer with a Modbus exception."""

    def __init__(self, code: int, message: str) -> None:
        """Keep the exception code so the server can put it on the wire."""
        super().__init__(message)
        self.code = code


def illegal_address(message: str) -> ModbusError:
    """Build the error a device answers for an address it does not have."""
    return ModbusError(ILLEGAL_ADDRESS, message)


def illegal_value(message: str) -> ModbusError:
    """Build the error a device answers for a count or value it refuses."""
    return ModbusError(ILLEGAL_VALUE, message)


def check_range(address: int, count: int, limit: int) -> None:
    """Apply the protocol's count and address checks in the order the spec does."""
    if not 1 <= count <= limit:
        raise illegal_value(f"count {count} outside 1..{limit}")
    if address < 0 or address + count > ADDRESS_SPACE:
        raise illegal_address(f"address {address}+{count} outside the address space")


def encode_tenths(celsius: float | None) -> int:
    """Encode °C as signed tenths; None is the 'no sensor' sentinel."""
    if celsius is None:
        return NO_SENSOR
    tenths = round(celsius * 10)
    if not NO_SENSOR < tenths <= 0x7FFF:
        raise ValueError(f"{celsius} °C does not fit a signed int16 in 0.1 °C")
    return tenths


def decode_tenths(raw: int) -> float | None:
    """Decode a signed tenths value; the inverse of :func:`encode_tenths`."""
    return None if raw == NO_SENSOR else raw / 10


def to_wire(value: int) -> int:
    """Two's complement a signed int16 into the uint16 a register carries."""
    return value & 0xFFFF


def from_wire(register: int) -> int:
    """Read a uint16 register as a signed int16."""
    return register - 0x10000 if register & 0x8000 else register


def parse_sizes(spec: str) -> list[str]:
    """Expand a compact size spec such as ``S*12,M*8,L*4`` to one size each.

    Installers describe a wall the way it is printed on the order form; the
    simulator needs one size per compartment for its page.
    """
    sizes: list[str] = []
    for raw_group in spec.split(","):
        group = raw_group.strip().upper()
        if not group:
            raise ValueError(f"empty group in size spec {spec!r}")
        size, star, count_text = group.partition("*")
        size = size.strip()
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; expected one of {SIZES}")
        count = 1
        if star:
            count_text = count_text.strip()
            if not count_text.isdecimal() or int(count_text) < 1:
                raise ValueError(f"bad count in size group {raw_group!r}")
            count = int(count_text)
        if len(sizes) + count > MAX_COMPARTMENTS:
            raise ValueError(f"more than {MAX_COMPARTMENTS} compartments")
        sizes.extend([size] * count)
    return sizes
