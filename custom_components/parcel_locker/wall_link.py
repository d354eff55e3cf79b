"""Read and write one wall over a shared Modbus link.

Each wall gets ``ManualComponent``s built from its point map, so a poll reads the
whole wall in a few pooled requests. A poll is tiered, because a serial line
moves about a byte per millisecond:

* every poll: the keypad (and its ring), then the locks, doors, latches and
  parcel sensors; the door-open counters of the compartments the caller
  watches (where a door cycle would complete something) are read before the
  doors, and those of doors that read open right after them;
* the slow tier: the temperatures, setpoints, keypad feedback registers and
  every counter. The first poll reads it whole; from each temperature interval
  on it is read in small steps, one joining each poll, so every poll takes
  about as long as the last and the doors are never read a whole tier late.

Values of the slow tier are kept between reads, so every reading is
complete. Registers come before bits in a poll: a counter read before its door
contact means a door seen closed has had every counted opening (see
``domain.door_truth``), and the doors, read last, are as fresh as can be when
the poll ends.

An idle wall answers the same words poll after poll: each block's words are
kept (``block_reads``), a block is decoded again only when its words changed,
and a poll that read nothing new gives the very same ``WallReading`` (so the
coordinator and the entities have nothing to do either). No Home Assistant
imports: the benchmark drives this directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

from modbus_connection import (
    ModbusConnection,
    ModbusExceptionError,
    ModbusUnit,
)
from modbus_connection.model import (
    CoilField,
    DiscreteInputField,
    ManualComponent,
    RegisterField,
    RegisterSpace,
)

from .block_reads import BlockReads, read_all, request_count
from .domain.readings import (
    CompartmentReading,
    KeypadEntry,
    KeypadReading,
    WallReading,
)
from .domain.wiring import (
    KEYPAD_RING_SLOTS,
    MAX_BITS_PER_READ,
    MAX_REGISTERS_PER_READ,
    REQUIRED_GROUP,
    KeypadRole,
    Role,
    Table,
    WallMap,
    component_fields,
    keypad_key,
    point_group,
    point_key,
    ring_key,
)

type RegisterFields = Mapping[str, tuple[RegisterField[Any], Table]]

# Registers a step of the slow tier reads at most on a serial line: about
# 70 ms at 9600 baud, so a poll with a step takes barely longer than one
# without. A network link takes a whole request's worth at no such cost.
SERIAL_STEP_REGISTERS = 32
NETWORK_STEP_REGISTERS = MAX_REGISTERS_PER_READ
type BitFields = Mapping[str, CoilField | DiscreteInputField]


class WallDecoder:
    """Turns the values read from a wall into a ``WallReading``."""

    def __init__(self, wall: WallMap) -> None:
        """Work out the keys once: decoding runs on every poll."""
        self.wall = wall
        self.inverted = frozenset(
            key for key, point in wall.labelled_points() if point.invert
        )
        self._keys = [
            (number, tuple(point_key(number, role) for role in Role))
            for number in (compartment.number for compartment in wall.compartments)
        ]
        keypad = wall.keypad
        self._ring = keypad is not None and keypad.ring is not None

    def bit(self, values: Mapping[str, Any], key: str) -> bool | None:
        """A bit as it means (inversion applied); None when it was not read."""
        value = values.get(key)
        if value is None:
            return None
        return bool(value) != (key in self.inverted)

    def decode(self, values: Mapping[str, Any]) -> WallReading:
        """The reading the values stand for; points not read are None."""
        compartments = {}
        openings = {}
        for number, keys in self._keys:
            lock, door, latch, presence, temperature, setpoint, counter = keys
            compartments[number] = CompartmentReading(
                released=bool(self.bit(values, lock)),
                door_closed=bool(self.bit(values, door)),
                latched=self.bit(values, latch),
                present=self.bit(values, presence),
                temperature=values.get(temperature),
                setpoint=values.get(setpoint),
            )
            if (count := values.get(counter)) is not None:
                openings[number] = count
        return WallReading(compartments, self._keypad(values), openings)

    def _keypad(self, values: Mapping[str, Any]) -> KeypadReading | None:
        sequence = values.get(keypad_key(KeypadRole.SEQUENCE))
        if sequence is None:
            return None
        feedback = values.get(keypad_key(KeypadRole.FEEDBACK))
        ring: tuple[KeypadEntry, ...] = ()
        if self._ring and values.get(ring_key(0, "sequence")) is not None:
            ring = tuple(
                KeypadEntry(
                    sequence=int(values[ring_key(slot, "sequence")]),
                    code=int(values[ring_key(slot, "code")]),
                    digits=int(values[ring_key(slot, "digits")]),
                )
                for slot in range(KEYPAD_RING_SLOTS)
            )
        return KeypadReading(
            sequence=int(sequence),
            code=int(values[keypad_key(KeypadRole.CODE)]),
            digits=int(values[keypad_key(KeypadRole.DIGITS)]),
            feedback=None if feedback is None else int(feedback),
            ring=ring,
        )


def _bit_component(
    unit: ModbusUnit, wall: WallMap, fields: BitFields
) -> ManualComponent:
    component = ManualComponent(unit, max_gap=wall.bit_gap, max_span=MAX_BITS_PER_READ)
    for key, bit_field in fields.items():
        component.add(key, bit_field)
    return component


def _register_space(table: Table) -> RegisterSpace:
    return "input" if table is Table.INPUT else "holding"


def _register_component(
    unit: ModbusUnit, wall: WallMap, fields: RegisterFields
) -> ManualComponent:
    component = ManualComponent(
        unit, max_gap=wall.register_gap, max_span=MAX_REGISTERS_PER_READ
    )
    for key, (register_field, table) in fields.items():
        component.add(key, register_field, space=_register_space(table))
    return component


def _bit_reads(unit: ModbusUnit, wall: WallMap, fields: BitFields) -> BlockReads:
    return BlockReads(
        unit,
        _bit_component(unit, wall, fields),
        {key: (bit_field, bit_field.space) for key, bit_field in fields.items()},
    )


def _register_reads(
    unit: ModbusUnit, wall: WallMap, fields: RegisterFields
) -> BlockReads:
    return BlockReads(
        unit,
        _register_component(unit, wall, fields),
        {
            key: (field, _register_space(table))
            for key, (field, table) in fields.items()
        },
    )


def _steps(
    unit: ModbusUnit, wall: WallMap, fields: RegisterFields, size: int
) -> list[BlockReads]:
    """Small reads of at most ``size`` registers: one request each.

    Fields are grouped in address order per table, as the read planner would
    pool them (no gap wider than the wall allows), so each group is one read.
    """
    steps: list[BlockReads] = []
    group: dict[str, tuple[RegisterField[Any], Table]] = {}
    start = last_end = 0
    table: Table | None = None
    for key, (register_field, field_table) in sorted(
        fields.items(), key=lambda item: (item[1][1], item[1][0].address)
    ):
        end = register_field.address + register_field.count
        if group and (
            field_table is not table
            or end - start > size
            or register_field.address - last_end > wall.register_gap
        ):
            steps.append(_register_reads(unit, wall, group))
            group = {}
        if not group:
            start, table = register_field.address, field_table
        group[key] = (register_field, field_table)
        last_end = end
    if group:
        steps.append(_register_reads(unit, wall, group))
    return steps


def _sharing(new: WallReading, old: WallReading) -> WallReading:
    """``new`` with ``old``'s compartments and keypad where they are equal.

    After a full poll only the counters read differ: the compartments stay the
    very same object, so whoever compares them next compares one pointer, not
    every compartment.
    """
    return WallReading(
        old.compartments if new.compartments == old.compartments else new.compartments,
        old.keypad if new.keypad == old.keypad else new.keypad,
        new.openings,
    )


class WallLink:
    """The Modbus side of one wall."""

    def __init__(
        self,
        connection: ModbusConnection,
        wall: WallMap,
        *,
        step_registers: int = SERIAL_STEP_REGISTERS,
    ) -> None:
        """Build the wall's components from its map (no I/O yet).

        ``step_registers``: the most a step of the slow tier reads (see
        ``read``): small on a serial line, a whole request on a network.
        """
        self.wall = wall
        self._decoder = WallDecoder(wall)
        self._units = {
            unit_id: connection.for_unit(unit_id) for unit_id in wall.unit_ids()
        }
        self._bits: list[BlockReads] = []
        self._registers: list[BlockReads] = []
        self._slow: list[BlockReads] = []
        self._all_counters: list[BlockReads] = []
        self._owner: dict[str, ManualComponent] = {}
        # Each compartment's counter field, to read a few of them on demand,
        # and its door's key: a door that reads open gets its counter read.
        self._counter_fields: dict[int, tuple[int, str, RegisterFields]] = {}
        self._door_keys = {
            compartment.number: point_key(compartment.number, Role.DOOR)
            for compartment in wall.compartments
        }
        self._counter_reads: dict[frozenset[int], list[BlockReads]] = {}
        # (read, whether its values are kept until read again)
        self._slow_steps: list[tuple[BlockReads, bool]] = []
        for unit_id, fields in component_fields(wall).items():
            unit = self._units[unit_id]
            for target, register_fields in (
                (self._slow, fields.slow),
                (self._all_counters, fields.counters),
                (self._registers, fields.registers),
            ):
                if register_fields:
                    self._add(target, _register_reads(unit, wall, register_fields))
            if fields.bits:
                self._add(self._bits, _bit_reads(unit, wall, fields.bits))
            for key, value in fields.counters.items():
                number = int(key.split(".", 1)[0])
                self._counter_fields[number] = (unit_id, key, {key: value})
            # The slow tier in small steps, then every counter in steps (a
            # counter's value only counts for the poll that read it).
            self._slow_steps += [
                (step, True) for step in _steps(unit, wall, fields.slow, step_registers)
            ]
            self._slow_steps += [
                (step, False)
                for step in _steps(unit, wall, fields.counters, step_registers)
            ]
        # Values of the slow tier, kept between full polls and steps; None
        # until the first full poll.
        self._slow_values: dict[str, Any] | None = None
        # The steps of the slow tier still to read in this round.
        self._slow_pending: list[tuple[BlockReads, bool]] = []
        # The counters read by the last poll and what it decoded to: a poll
        # that read the same counters and no new words gives the very same
        # reading (cheap to compare). None: no poll yet, or a setpoint written.
        self._last: tuple[tuple[BlockReads, ...], WallReading] | None = None
        self._open_doors: list[int] = []

    def _add(self, target: list[BlockReads], reads: BlockReads) -> None:
        target.append(reads)
        self._owner.update(dict.fromkeys(reads.keys, reads.component))

    @property
    def requests_per_poll(self) -> int:
        """How many Modbus requests a full poll of this wall sends."""
        return request_count(
            [*self._slow, *self._all_counters, *self._registers, *self._bits]
        )

    @property
    def requests_per_fast_poll(self) -> int:
        """Requests of a poll between full ones, with no counter to read."""
        return request_count([*self._registers, *self._bits])

    @property
    def has_counters(self) -> bool:
        """Whether the wall's doors have open counters (layout 1.1)."""
        return bool(self._counter_fields)

    async def read(
        self,
        *,
        full: bool = True,
        refresh_slow: bool = False,
        watched: Collection[int] = (),
    ) -> WallReading:
        """Poll the wall: every point when ``full``, else the every-poll tier.

        ``refresh_slow`` starts a round of the slow tier (temperatures,
        setpoints, keypad feedback, every counter): one small step of it
        joins each poll until the round is done. Each poll then takes about
        as long as the last, so a door is read every poll interval, never a
        whole slow tier late (a serial line moves a byte per millisecond).
        The step is read first: a counter read before its door contact.
        ``watched``: compartments whose door-open counters are read on this poll
        (ignored on a full poll, which reads them all). Components are read one
        after the other, never gathered, so a lock release queued meanwhile
        waits for one request at most. Values of the slow tier are kept between
        full polls; counters not read on this poll read None.
        Raises ``modbus_connection.ModbusError`` when the controller fails.
        """
        try:
            return await self._read(
                full=full, refresh_slow=refresh_slow, watched=watched
            )
        except BaseException:
            # Some blocks may have been read and kept before the failure: the
            # next poll trusts none of them and decodes everything afresh.
            self._forget()
            raise

    async def _read(
        self, *, full: bool, refresh_slow: bool, watched: Collection[int]
    ) -> WallReading:
        changed = False
        if full or self._slow_values is None:
            full = True
            changed = await read_all(self._slow)
            self._slow_values = {
                key: value
                for reads in self._slow
                for key, value in reads.values.items()
            }
            self._slow_pending = []
            counters = list(self._all_counters)
        else:
            if refresh_slow and not self._slow_pending:
                self._slow_pending = list(self._slow_steps)
            counters = []
            if self._slow_pending:
                step, kept = self._slow_pending[0]
                step_changed = await step.read()
                # Taken off only once read: a failed step is tried again next poll.
                self._slow_pending.pop(0)
                if kept and step_changed:
                    self._slow_values = {**self._slow_values, **step.values}
                # Counters that read as they did a round ago have been seen:
                # counting only goes up, so no poll in between saw others.
                # Watched ones are read every poll, here by the step.
                if not kept and (step_changed or self._covers(step, watched)):
                    counters.append(step)
                changed |= step_changed
            counters += self._counters_of(self._unread(watched, counters))
        changed |= await read_all((*counters, *self._registers))
        doors_moved = await read_all(self._bits)
        if doors_moved:
            self._open_doors = self._doors_open()
        if not full and self._open_doors:
            # A full poll has read every counter already.
            more = self._counters_of(self._unread(self._open_doors, counters))
            changed |= await read_all(more)
            counters += more
        read_counters = tuple(counters)
        if (
            not (changed or doors_moved)
            and self._last is not None
            and self._last[0] == read_counters
        ):
            return self._last[1]
        return self._decode(read_counters)

    def _unread(
        self, numbers: Collection[int], reads: Collection[BlockReads]
    ) -> list[int]:
        """Those of ``numbers`` with a counter that none of ``reads`` read."""
        read = {key for each in reads for key in each.keys}
        return [
            number
            for number in numbers
            if number in self._counter_fields
            and self._counter_fields[number][1] not in read
        ]

    def _covers(self, reads: BlockReads, numbers: Collection[int]) -> bool:
        """Whether ``reads`` reads the counter of any of ``numbers``."""
        return any(
            number in self._counter_fields
            and self._counter_fields[number][1] in reads.keys
            for number in numbers
        )

    def _forget(self) -> None:
        """Forget every block's words and the last reading."""
        self._last = None
        for reads in (
            *self._slow,
            *self._all_counters,
            *self._registers,
            *self._bits,
            *(each for group in self._counter_reads.values() for each in group),
            *(step for step, _ in self._slow_steps),
        ):
            reads.forget()

    def _decode(self, read_counters: tuple[BlockReads, ...]) -> WallReading:
        """The reading of the values kept, with the counters this poll read."""
        values: dict[str, Any] = dict(self._slow_values or {})
        for reads in (*read_counters, *self._registers, *self._bits):
            values.update(reads.values)
        reading = self._decoder.decode(values)
        if self._last is not None:
            reading = _sharing(reading, self._last[1])
        self._last = (read_counters, reading)
        return reading

    @property
    def slow_steps(self) -> int:
        """How many polls a round of the slow tier is spread over."""
        return len(self._slow_steps)

    @property
    def slow_steps_left(self) -> int:
        """Steps of the current round of the slow tier not read yet."""
        return len(self._slow_pending)

    def _counters_of(self, numbers: Collection[int]) -> list[BlockReads]:
        """Reads of the counters of ``numbers`` (built once per set)."""
        wanted = frozenset(
            number for number in numbers if number in self._counter_fields
        )
        if not wanted:
            return []
        reads = self._counter_reads.get(wanted)
        if reads is None:
            by_unit: dict[int, dict[str, tuple[RegisterField[Any], Table]]] = {}
            for number in sorted(wanted):
                unit_id, _, field = self._counter_fields[number]
                by_unit.setdefault(unit_id, {}).update(field)
            reads = [
                _register_reads(self._units[unit_id], self.wall, fields)
                for unit_id, fields in by_unit.items()
            ]
            if len(self._counter_reads) > 64:  # noqa: PLR2004 - a bound, not a tuning
                self._counter_reads.clear()
            self._counter_reads[wanted] = reads
        return reads

    def _doors_open(self) -> list[int]:
        """The compartments with a door counter whose door reads open.

        Their counters are read right after the doors: read after the
        contact, the counter includes the opening that contact shows, if it
        really opened; that is what tells it from chatter.
        """
        if not self._counter_fields:
            return []
        doors: dict[str, Any] = {}
        for reads in self._bits:
            doors.update(reads.values)
        return [
            number
            for number in self._counter_fields
            if self._decoder.bit(doors, self._door_keys[number]) is False
        ]

    async def _write(self, key: str, value: Any) -> None:
        await self._owner[key].write(key, value)

    async def release(self, number: int, pulse_seconds: float | None) -> None:
        """Release a compartment's lock.

        With ``pulse_seconds`` the hub times the pulse itself (relay boards that
        do not drop the output): it writes 1, waits, and always writes 0 again.
        """
        key = point_key(number, Role.LOCK)
        on = key not in self._decoder.inverted
        await self._write(key, on)
        if pulse_seconds is None:
            return
        try:
            await asyncio.sleep(pulse_seconds)
        finally:
            await self._write(key, not on)

    async def write_keypad_feedback(
        self, feedback: int, sequence: int | None = None
    ) -> None:
        """Tell the keypad whether the code was accepted.

        With the keypad ring (layout 1.1) the sequence number of the code the
        feedback is about goes with it, in the same request when the two
        registers are neighbours (as in the reference layout).
        """
        keypad = self.wall.keypad
        if keypad is None:
            return
        pair = keypad.feedback_sequence
        if sequence is None or pair is None:
            await self._write(keypad_key(KeypadRole.FEEDBACK), feedback)
            return
        if pair.unit_id == keypad.feedback.unit_id and (
            pair.address == keypad.feedback.address + 1
        ):
            unit = self._units[pair.unit_id]
            await unit.write_registers(keypad.feedback.address, [feedback, sequence])
            return
        await self._write(keypad_key(KeypadRole.FEEDBACK_SEQUENCE), sequence)
        await self._write(keypad_key(KeypadRole.FEEDBACK), feedback)

    async def write_setpoint(self, number: int, celsius: float) -> None:
        """Set a cooled compartment's target temperature.

        The kept slow-tier value follows, so the next reading shows it before
        the next full poll reads it back.
        """
        key = point_key(number, Role.SETPOINT)
        await self._write(key, celsius)
        if self._slow_values is None:
            return
        self._slow_values[key] = celsius
        self._last = None
        # Whatever the controller made of it, the next read of its words
        # decodes them afresh.
        for reads in (*self._slow, *(step for step, _ in self._slow_steps)):
            if key in reads.keys:
                reads.assume(key, celsius)


async def probe_wall(
    connection: ModbusConnection, wall: WallMap
) -> tuple[WallReading, frozenset[str]]:
    """Read every point of ``wall`` once, optional point by optional point.

    Returns the reading (points that did not answer read None) and the names of
    the optional points that answered. A point answers when its read is not
    refused with a Modbus exception; lock and door must answer.
    Raises ``modbus_connection.ModbusError`` when the wall does not answer.
    """
    register_groups: dict[tuple[int, str], dict[str, Any]] = {}
    bit_groups: dict[tuple[int, str], dict[str, Any]] = {}
    for unit_id, fields in component_fields(wall).items():
        registers = {**fields.slow, **fields.counters, **fields.registers}
        for key, register in registers.items():
            register_groups.setdefault((unit_id, point_group(key)), {})[key] = register
        for key, bit in fields.bits.items():
            bit_groups.setdefault((unit_id, point_group(key)), {})[key] = bit
    values: dict[str, Any] = {}
    answered: set[str] = set()
    silent: set[str] = set()
    # Lock and door first: a wall that does not answer them fails at once.
    places = sorted(
        {*register_groups, *bit_groups}, key=lambda place: place[1] != REQUIRED_GROUP
    )
    for place in places:
        unit_id, group = place
        register_fields = register_groups.get(place, {})
        bit_fields = bit_groups.get(place, {})
        unit = connection.for_unit(unit_id)
        found: dict[str, Any] = {}
        try:
            if register_fields:
                found |= await _register_component(
                    unit, wall, register_fields
                ).async_update(notify=False)
            if bit_fields:
                found |= await _bit_component(unit, wall, bit_fields).async_update(
                    notify=False
                )
        except ModbusExceptionError:
            if group == REQUIRED_GROUP:
                raise
            silent.add(group)
            continue
        answered.add(group)
        values |= found
    answered -= silent | {REQUIRED_GROUP}
    return WallDecoder(wall).decode(values), frozenset(answered)
