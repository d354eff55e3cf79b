"""The Modbus side of the controller: TCP frames in, answers out.

The simulator serves Modbus TCP with this small module of its own rather than
with a Modbus library's server. Library servers route requests through
datastore and request-handler internals that change between releases (pymodbus
3.13 removed the data-block classes the simulator subclassed in 3.11), and the
simulator has to run beside whichever pymodbus each Home Assistant pins. Here a
request is decoded into a :class:`Request`, carried out on a :class:`Device`
(the wall model), and the answer encoded back, following the Modbus Application
Protocol v1.1b3 and the Modbus Messaging on TCP/IP guide v1.0b:

* function codes 1-6, 15 and 16; any other is answered with exception 0x01;
* quantities outside the protocol's limits: exception 0x03, before anything
  else is looked at; addresses past the 64 Ki space: 0x02;
* what the wall refuses (:class:`~simulator.layout.ModbusError`): its code.

The transaction id and unit id of a request are echoed in its answer. Nothing
here knows about sockets, faults or timing: ``server.py`` does, so a serial
line or a slower link can be added beside it later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
import struct
from typing import Protocol

from .layout import (
    ADDRESS_SPACE,
    ILLEGAL_ADDRESS,
    ILLEGAL_VALUE,
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    MAX_WRITE_BITS,
    MAX_WRITE_REGISTERS,
    ModbusError,
    check_range,
)

ILLEGAL_FUNCTION = 0x01
GATEWAY_TARGET_FAILED = 0x0B
MBAP = struct.Struct(">HHHB")
"""Transaction id, protocol id (0), length of what follows, unit id."""
MBAP_SIZE = MBAP.size
MAX_PDU = 253
COIL_ON = 0xFF00
COIL_OFF = 0x0000


class Function(IntEnum):
    """The function codes a locker controller answers."""

    READ_COILS = 1
    READ_DISCRETE_INPUTS = 2
    READ_HOLDING_REGISTERS = 3
    READ_INPUT_REGISTERS = 4
    WRITE_SINGLE_COIL = 5
    WRITE_SINGLE_REGISTER = 6
    WRITE_MULTIPLE_COILS = 15
    WRITE_MULTIPLE_REGISTERS = 16


class Device(Protocol):
    """What answers the requests for one unit id (a :class:`SimulatedWall`)."""

    def read_coils(self, address: int, count: int) -> list[bool]: ...  # noqa: D102
    def read_discrete_inputs(self, address: int, count: int) -> list[bool]: ...  # noqa: D102
    def read_holding_registers(self, address: int, count: int) -> list[int]: ...  # noqa: D102
    def read_input_registers(self, address: int, count: int) -> list[int]: ...  # noqa: D102
    def write_coils(self, address: int, values: Sequence[bool]) -> None: ...  # noqa: D102
    def write_holding_registers(self, address: int, values: Sequence[int]) -> None: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class Request:
    """One decoded request; ``values`` only for writes."""

    function: int
    address: int = 0
    count: int = 0
    values: tuple[int, ...] = ()

    @property
    def write(self) -> bool:
        """Whether the request changes the device."""
        return self.function in _WRITES

    @property
    def bits(self) -> bool:
        """Whether the request is about a bit table (coils, discrete inputs)."""
        return self.function in _BIT_FUNCTIONS


_WRITES = frozenset(
    {
        Function.WRITE_SINGLE_COIL,
        Function.WRITE_SINGLE_REGISTER,
        Function.WRITE_MULTIPLE_COILS,
        Function.WRITE_MULTIPLE_REGISTERS,
    }
)
_BIT_FUNCTIONS = frozenset(
    {
        Function.READ_COILS,
        Function.READ_DISCRETE_INPUTS,
        Function.WRITE_SINGLE_COIL,
        Function.WRITE_MULTIPLE_COILS,
    }
)
_READ_LIMITS = {
    Function.READ_COILS: MAX_READ_BITS,
    Function.READ_DISCRETE_INPUTS: MAX_READ_BITS,
    Function.READ_HOLDING_REGISTERS: MAX_READ_REGISTERS,
    Function.READ_INPUT_REGISTERS: MAX_READ_REGISTERS,
}


def split_frame(header: bytes) -> tuple[int, int, int] | None:
    """(transaction id, unit id, PDU length) of an MBAP header; None if not Modbus."""
    transaction, protocol, length, unit = MBAP.unpack(header)
    if protocol != 0 or not 2 <= length <= MAX_PDU + 1:
        return None
    return transaction, unit, length - 1


def frame(transaction: int, unit: int, pdu: bytes) -> bytes:
    """An MBAP frame around ``pdu``."""
    return MBAP.pack(transaction, 0, len(pdu) + 1, unit) + pdu


def exception_pdu(function: int, code: int) -> bytes:
    """The exception answer to ``function``."""
    return bytes(((function | 0x80) & 0xFF, code))


def decode(pdu: bytes) -> Request:
    """Decode a request PDU; a malformed one raises ModbusError."""
    function = pdu[0]
    body = pdu[1:]
    if function in _READ_LIMITS:
        address, count = _unpack(">HH", body)
        check_range(address, count, _READ_LIMITS[Function(function)])
        return Request(function, address, count)
    if function == Function.WRITE_SINGLE_COIL:
        address, raw = _unpack(">HH", body)
        if raw not in {COIL_ON, COIL_OFF}:
            raise ModbusError(ILLEGAL_VALUE, f"coil value {raw:#06x}")
        return Request(function, address, 1, (int(raw == COIL_ON),))
    if function == Function.WRITE_SINGLE_REGISTER:
        address, value = _unpack(">HH", body)
        return Request(function, address, 1, (value,))
    if function == Function.WRITE_MULTIPLE_COILS:
        address, count, size = _unpack(">HHB", body[:5])
        data = body[5:]
        expected = (count + 7) // 8
        if not 1 <= count <= MAX_WRITE_BITS or not size == expected == len(data):
            raise ModbusError(ILLEGAL_VALUE, "coil count and data disagree")
        _check_address(address, count)
        bits = tuple((data[i // 8] >> (i % 8)) & 1 for i in range(count))
        return Request(function, address, count, bits)
    if function == Function.WRITE_MULTIPLE_REGISTERS:
        address, count, size = _unpack(">HHB", body[:5])
        data = body[5:]
        expected = 2 * count
        if not 1 <= count <= MAX_WRITE_REGISTERS or not size == expected == len(data):
            raise ModbusError(ILLEGAL_VALUE, "register count and data disagree")
        _check_address(address, count)
        return Request(function, address, count, struct.unpack(f">{count}H", data))
    raise ModbusError(ILLEGAL_FUNCTION, f"function code {function}")


def _unpack(layout: str, body: bytes) -> tuple[int, ...]:
    if len(body) != struct.calcsize(layout):
        raise ModbusError(ILLEGAL_VALUE, "request of the wrong length")
    return struct.unpack(layout, body)


def _check_address(address: int, count: int) -> None:
    if address + count > ADDRESS_SPACE:
        raise ModbusError(ILLEGAL_ADDRESS, f"{address}+{count} past the address space")


def execute(device: Device, request: Request) -> bytes:
    """Carry out ``request`` on ``device``; the answer PDU (ModbusError on refusal)."""
    function, address, count = request.function, request.address, request.count
    if not request.write:
        if request.bits:
            read_bits = (
                device.read_coils
                if function == Function.READ_COILS
                else device.read_discrete_inputs
            )
            return _bits_pdu(function, read_bits(address, count))
        read_registers = (
            device.read_holding_registers
            if function == Function.READ_HOLDING_REGISTERS
            else device.read_input_registers
        )
        return _registers_pdu(function, read_registers(address, count))
    if request.bits:
        device.write_coils(address, [bool(v) for v in request.values])
    else:
        device.write_holding_registers(address, list(request.values))
    # A single write echoes its value, a multiple write its count.
    if function == Function.WRITE_SINGLE_COIL:
        echo = COIL_ON if request.values[0] else COIL_OFF
    elif function == Function.WRITE_SINGLE_REGISTER:
        echo = request.values[0]
    else:
        echo = count
    return struct.pack(">BHH", function, address, echo)


def _bits_pdu(function: int, bits: Sequence[bool]) -> bytes:
    packed = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            packed[i // 8] |= 1 << (i % 8)
    return bytes((function, len(packed))) + bytes(packed)


def _registers_pdu(function: int, registers: Sequence[int]) -> bytes:
    count = len(registers)
    return struct.pack(f">BB{count}H", function, 2 * count, *registers)
