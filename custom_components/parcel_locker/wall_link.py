"""Read and write one wall over a shared Modbus link.

Each wall gets ``ManualComponent``s built from its point map (one for bits and
one for registers per unit id, because the protocol allows far more bits than
registers in one read), so a poll reads the whole wall in a few pooled requests.
No Home Assistant imports: the benchmark drives this directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from modbus_connection import ModbusConnection
from modbus_connection.model import ManualComponent, RegisterSpace

from .domain.readings import CompartmentReading, KeypadReading, WallReading
from .domain.wiring import (
    MAX_BITS_PER_READ,
    MAX_REGISTERS_PER_READ,
    KeypadRole,
    Role,
    Table,
    WallMap,
    component_fields,
    keypad_key,
    point_key,
)


class WallLink:
    """The Modbus side of one wall."""

    def __init__(self, connection: ModbusConnection, wall: WallMap) -> None:
        """Build the wall's components from its map (no I/O yet)."""
        self.wall = wall
        self._components: list[ManualComponent] = []
        self._owner: dict[str, ManualComponent] = {}
        self._inverted = {key for key, point in wall.labelled_points() if point.invert}
        # Field keys per compartment, built once: decoding runs on every poll.
        self._keys = [
            (number, tuple(point_key(number, role) for role in Role))
            for number in (compartment.number for compartment in wall.compartments)
        ]
        # The last values read and what they decoded to: an unchanged wall is
        # not decoded again, and gives the very same reading (cheap to compare).
        self._last: tuple[dict[str, Any], WallReading] | None = None
        for unit_id, unit_fields in component_fields(wall).items():
            unit = connection.for_unit(unit_id)
            if unit_fields.bits:
                bits = ManualComponent(
                    unit, max_gap=wall.bit_gap, max_span=MAX_BITS_PER_READ
                )
                for key, bit_field in unit_fields.bits.items():
                    bits.add(key, bit_field)
                    self._owner[key] = bits
                self._components.append(bits)
            if unit_fields.registers:
                registers = ManualComponent(
                    unit, max_gap=wall.register_gap, max_span=MAX_REGISTERS_PER_READ
                )
                for key, (register_field, table) in unit_fields.registers.items():
                    space: RegisterSpace = (
                        "input" if table is Table.INPUT else "holding"
                    )
                    registers.add(key, register_field, space=space)
                    self._owner[key] = registers
                self._components.append(registers)

    @property
    def requests_per_poll(self) -> int:
        """How many Modbus requests one poll of this wall sends."""
        return sum(
            len(blocks)
            for component in self._components
            for blocks in component._build_plan().blocks.values()  # noqa: SLF001
        )

    async def read(self) -> WallReading:
        """Poll every point of the wall.

        Components are read one after the other, never gathered, so a lock
        release queued meanwhile waits for one request at most.
        Raises ``modbus_connection.ModbusError`` when the controller fails.
        """
        values: dict[str, Any] = {}
        for component in self._components:
            values.update(await component.async_update(notify=False))
        if self._last is not None and self._last[0] == values:
            return self._last[1]
        reading = self._decode(values)
        self._last = (values, reading)
        return reading

    def _bit(self, values: Mapping[str, Any], key: str) -> bool | None:
        value = values.get(key)
        if value is None:
            return None
        return bool(value) != (key in self._inverted)

    def _decode(self, values: Mapping[str, Any]) -> WallReading:
        compartments = {}
        for number, (lock, door, latch, presence, temperature, setpoint) in self._keys:
            compartments[number] = CompartmentReading(
                released=bool(self._bit(values, lock)),
                door_closed=bool(self._bit(values, door)),
                latched=self._bit(values, latch),
                present=self._bit(values, presence),
                temperature=values.get(temperature),
                setpoint=values.get(setpoint),
            )
        keypad = None
        if self.wall.keypad is not None:
            keypad = KeypadReading(
                sequence=int(values[keypad_key(KeypadRole.SEQUENCE)]),
                code=int(values[keypad_key(KeypadRole.CODE)]),
                digits=int(values[keypad_key(KeypadRole.DIGITS)]),
                feedback=int(values[keypad_key(KeypadRole.FEEDBACK)]),
            )
        return WallReading(compartments, keypad)

    async def _write(self, key: str, value: Any) -> None:
        await self._owner[key].write(key, value)

    async def release(self, number: int, pulse_seconds: float | None) -> None:
        """Release a compartment's lock.

        With ``pulse_seconds`` the hub times the pulse itself (relay boards that
        do not drop the output): it writes 1, waits, and always writes 0 again.
        """
        key = point_key(number, Role.LOCK)
        on = key not in self._inverted
        await self._write(key, on)
        if pulse_seconds is None:
            return
        try:
            await asyncio.sleep(pulse_seconds)
        finally:
            await self._write(key, not on)

    async def write_keypad_feedback(self, feedback: int) -> None:
        """Tell the keypad whether the code was accepted."""
        await self._write(keypad_key(KeypadRole.FEEDBACK), feedback)

    async def write_setpoint(self, number: int, celsius: float) -> None:
        """Set a cooled compartment's target temperature."""
        await self._write(point_key(number, Role.SETPOINT), celsius)
