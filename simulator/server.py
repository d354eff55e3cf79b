"""Serve simulated walls over real Modbus TCP with pymodbus.

Tests, benchmarks and installers talk to this the way the integration talks to
hardware: through a socket, with real framing, so nothing in the integration
needs a test-only code path. Requests for a unit id that has no wall are
answered by pymodbus's default: an exception response with code 0x0B (gateway
target device failed to respond), which clients see as an error PDU at once
rather than a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import contextlib
from types import TracebackType
from typing import Any, Self, cast, override

from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusDeviceContext, ModbusServerContext
from pymodbus.datastore.store import BaseModbusDataBlock
from pymodbus.server import ModbusTcpServer

from .layout import ModbusError
from .wall import SimulatedWall, reference_wall

__all__ = ["LockerSimulator", "reference_wall"]

MAX_UNIT_ID = 247
_CLOSE_TIMEOUT = 2.0

type _Reader = Callable[[int, int], list[int] | list[bool]]
type _Writer = Callable[[int, Sequence[Any]], None]


class _WallTable(BaseModbusDataBlock[list[Any]]):
    """One Modbus table of one wall, routed to the model instead of stored.

    pymodbus's ModbusDeviceContext adds 1 to every protocol address before it
    reaches a data block (a leftover of 1-based "register numbers"), so this
    block takes 1 off again to speak zero-based protocol addresses.
    """

    def __init__(self, read: _Reader, write: _Writer | None = None) -> None:
        self._read = read
        self._write = write
        self.address = 0
        self.values = []
        self.default_value = 0

    @override
    def getValues(
        self, address: int, count: int = 1
    ) -> list[int] | list[bool] | ExcCodes:
        try:
            return self._read(address - 1, count)
        except ModbusError as err:
            return ExcCodes(err.code)

    @override
    def setValues(self, address: int, values: Any) -> ExcCodes | None:
        if self._write is None:  # pragma: no cover - no function code writes here
            return ExcCodes.ILLEGAL_FUNCTION
        if not isinstance(values, list):
            values = [values]
        try:
            self._write(address - 1, values)
        except ModbusError as err:
            return ExcCodes(err.code)
        return None


def _device_context(wall: SimulatedWall) -> ModbusDeviceContext:
    return ModbusDeviceContext(
        co=_WallTable(wall.read_coils, wall.write_coils),
        di=_WallTable(wall.read_discrete_inputs),
        ir=_WallTable(wall.read_input_registers),
        hr=_WallTable(wall.read_holding_registers, wall.write_holding_registers),
    )


class LockerSimulator:
    """A Modbus TCP controller holding one or more walls, one per unit id.

    It can be stopped and started again on the same port, so tests can take the
    controller away and bring it back the way a power cut would.
    """

    def __init__(
        self,
        walls: dict[int, SimulatedWall],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Hold the walls; nothing listens until :meth:`start`."""
        if not walls:
            raise ValueError("a simulator needs at least one wall")
        if stray := [u for u in walls if not 0 <= u <= MAX_UNIT_ID]:
            raise ValueError(f"unit ids {stray} are outside 0..{MAX_UNIT_ID}")
        self.walls = dict(walls)
        self.host = host
        self.port = port
        self._server: ModbusTcpServer | None = None
        self._pulses: dict[tuple[int, int], asyncio.TimerHandle] = {}

    @property
    def running(self) -> bool:
        """Whether the simulator is accepting connections."""
        return self._server is not None

    def wall(self, unit_id: int) -> SimulatedWall:
        """Return the wall behind ``unit_id``."""
        return self.walls[unit_id]

    async def start(self) -> None:
        """Listen; with port 0 the OS picks a port, kept for later restarts."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        devices = {unit: _device_context(wall) for unit, wall in self.walls.items()}
        context = ModbusServerContext(devices=devices, single=False)  # type: ignore[no-untyped-call]
        server = ModbusTcpServer(context, address=(self.host, self.port))
        try:
            await server.serve_forever(background=True)
        except RuntimeError as err:
            raise OSError(f"cannot listen on {self.host}:{self.port}") from err
        listener = cast("asyncio.Server", server.transport)
        self.port = int(listener.sockets[0].getsockname()[1])
        self._server = server
        loop = asyncio.get_running_loop()
        for unit, wall in self.walls.items():
            wall.set_pulse_scheduler(self._pulse_timer(loop, unit, wall))

    def _pulse_timer(
        self, loop: asyncio.AbstractEventLoop, unit: int, wall: SimulatedWall
    ) -> Callable[[int], None]:
        """Time a wall's pulses; a repeated release restarts the pulse."""

        def elapsed(n: int) -> None:
            self._pulses.pop((unit, n), None)
            wall.pulse_elapsed(n)

        def schedule(n: int) -> None:
            if previous := self._pulses.pop((unit, n), None):
                previous.cancel()
            self._pulses[unit, n] = loop.call_later(wall.pulse_seconds, elapsed, n)

        return schedule

    async def stop(self) -> None:
        """Stop listening and drop every client, so they notice at once.

        Pending pulses are cancelled: a controller that loses power does not
        finish its pulse either (the coil reads as it was left).
        """
        server, self._server = self._server, None
        for handle in self._pulses.values():
            handle.cancel()
        self._pulses.clear()
        for wall in self.walls.values():
            wall.set_pulse_scheduler(None)
        if server is None:
            return
        listener = cast("asyncio.Server | None", server.transport)
        # shutdown() closes the listening socket and every connection's transport.
        await server.shutdown()  # type: ignore[no-untyped-call]
        if listener is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wait_closed(), _CLOSE_TIMEOUT)

    async def __aenter__(self) -> Self:
        """Start on entry, so a test's simulator cannot outlive the test."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on exit."""
        await self.stop()
