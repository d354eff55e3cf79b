"""Modbus reads that keep their words: decoded again only when the words changed.

An idle wall answers the same words poll after poll. Each block of a
component (as ``modbus_connection`` plans it) is read here and its words
kept, so a poll that reads the same words again decodes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal

from modbus_connection import ModbusExceptionError, ModbusUnit, ReadBlock
from modbus_connection.model import (
    CoilField,
    DiscreteInputField,
    ManualComponent,
    RegisterField,
)

type ReadField = RegisterField[Any] | CoilField | DiscreteInputField
type Space = Literal["coil", "discrete", "input", "holding"]


def _reader(
    unit: ModbusUnit, space: Space
) -> Callable[[int, int], Awaitable[list[int] | list[bool]]]:
    """The unit's read request for one table."""
    readers: dict[Space, Callable[[int, int], Awaitable[list[int] | list[bool]]]] = {
        "coil": unit.read_coils,
        "discrete": unit.read_discrete_inputs,
        "input": unit.read_input_registers,
        "holding": unit.read_holding_registers,
    }
    return readers[space]


class _Block:
    """One read request, the fields it covers and the words it answered last."""

    __slots__ = ("count", "fields", "read", "space", "start", "words")

    def __init__(
        self,
        unit: ModbusUnit,
        space: Space,
        span: tuple[int, int],
        fields: list[tuple[str, ReadField]],
    ) -> None:
        """Keep each field with its place in the block's words."""
        self.space = space
        self.start, self.count = span
        self.read = _reader(unit, space)
        self.fields = [
            (key, field, field.address - self.start, field.count)
            for key, field in fields
        ]
        self.words: list[int] | list[bool] | None = None


class BlockReads:
    """The requests of one component, decoded only where the words changed.

    The component plans the blocks (``modbus_connection``'s own planning) and
    does the writes; reading the blocks here keeps their words, so a poll that
    reads the same words again decodes nothing.
    """

    def __init__(
        self,
        unit: ModbusUnit,
        component: ManualComponent,
        fields: Mapping[str, tuple[ReadField, Space]],
    ) -> None:
        """Plan the component's blocks and which of ``fields`` each one covers."""
        self.component = component
        self.keys = frozenset(fields)
        self.blocks = [
            _Block(
                unit,
                space,
                (start, count),
                [
                    (key, field)
                    for key, (field, field_space) in fields.items()
                    if field_space == space and start <= field.address < start + count
                ],
            )
            for space, spans in component._build_plan().blocks.items()  # noqa: SLF001
            for start, count in spans
        ]
        self.values: dict[str, Any] = {}

    def forget(self) -> None:
        """Forget the words read: the next read decodes every block again."""
        for block in self.blocks:
            block.words = None

    def assume(self, key: str, value: Any) -> None:
        """Take ``value`` as read for ``key`` (just written) until its block is read.

        The block's words are forgotten, so the next read decodes them afresh
        whatever the controller made of the write.
        """
        self.values[key] = value
        for block in self.blocks:
            if any(field_key == key for field_key, *_ in block.fields):
                block.words = None

    async def read(self) -> bool:
        """Read every block; True when any answered other words than last time.

        Raises ``modbus_connection.ModbusError`` when the controller fails.
        """
        changed = False
        for block in self.blocks:
            try:
                words = await block.read(block.start, block.count)
            except ModbusExceptionError as err:
                # As the component's own read says it: which block was refused.
                raise ModbusExceptionError.from_code(
                    err.exception_code,
                    f"{block.space} block read at address {block.start} (count "
                    f"{block.count}) returned Modbus exception code "
                    f"{err.exception_code}",
                    block=ReadBlock(block.space, block.start, block.count),
                ) from err
            if words == block.words:
                continue
            block.words = words
            changed = True
            for key, field, offset, width in block.fields:
                self.values[key] = field.decode(list(words[offset : offset + width]))
        return changed


async def read_all(reads: Iterable[BlockReads]) -> bool:
    """Read each in turn (never gathered); True when any read new words."""
    changed = False
    for each in reads:
        changed |= await each.read()
    return changed


def request_count(reads: Iterable[BlockReads]) -> int:
    """How many requests reading ``reads`` sends."""
    return sum(len(each.blocks) for each in reads)
