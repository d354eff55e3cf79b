"""Serve simulated walls over real Modbus TCP with pymodbus.

Tests, benchmarks and installers talk to this the way the integration talks to
hardware: through a socket, with real framing, so nothing in the integration
needs a test-only code path. Requests for a unit id that has no wall are
answered by pymodbus's default: an exception response with code 0x0B (gateway
target device failed to respond), which clients see as an error PDU at once
rather than a timeout.

Faults (``simulator.faults``) are applied here, per request: a silent
controller drops requests unanswered, a slow one carries each request out and
answers it after a delay (one request at a time per connection, as a busy
controller would), and chosen addresses answer with a Modbus exception.
``drop_connections`` cuts every client; ``restart`` is a power cycle.
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
from pymodbus.server.requesthandler import ServerRequestHandler

from .faults import Faults, Table
from .layout import ModbusError
from .wall import SimulatedWall, reference_wall

__all__ = ["LockerSimulator", "reference_wall"]

MAX_UNIT_ID = 247
_CLOSE_TIMEOUT = 2.0

type _Reader = Callable[[int, int], list[int] | list[bool]]
type _Writer = Callable[[int, Sequence[Any]], None]
type _Check = Callable[[int, int, bool], int | None]


class _WallTable(BaseModbusDataBlock[list[Any]]):
    """One Modbus table of one wall, routed to the model instead of stored.

    pymodbus's ModbusDeviceContext adds 1 to every protocol address before it
    reaches a data block (a leftover of 1-based "register numbers"), so this
    block takes 1 off again to speak zero-based protocol addresses.
    """

    def __init__(
        self, check: _Check, read: _Reader, write: _Writer | None = None
    ) -> None:
        self._check = check
        self._read = read
        self._write = write
        self.address = 0
        self.values = []
        self.default_value = 0

    @override
    def getValues(
        self, address: int, count: int = 1
    ) -> list[int] | list[bool] | ExcCodes:
        if (code := self._check(address - 1, count, False)) is not None:
            return ExcCodes(code)
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
        if (code := self._check(address - 1, len(values), True)) is not None:
            return ExcCodes(code)
        try:
            self._write(address - 1, values)
        except ModbusError as err:
            return ExcCodes(err.code)
        return None


def _device_context(
    unit: int, wall: SimulatedWall, faults: Faults
) -> ModbusDeviceContext:
    def check(table: Table) -> _Check:
        return lambda address, count, write: faults.exception_for(
            unit, table, address, count, write=write
        )

    return ModbusDeviceContext(
        co=_WallTable(check(Table.COIL), wall.read_coils, wall.write_coils),
        di=_WallTable(check(Table.DISCRETE_INPUT), wall.read_discrete_inputs),
        ir=_WallTable(check(Table.INPUT_REGISTER), wall.read_input_registers),
        hr=_WallTable(
            check(Table.HOLDING_REGISTER),
            wall.read_holding_registers,
            wall.write_holding_registers,
        ),
    )


class _FaultyRequestHandler(ServerRequestHandler):
    """One client connection, answering as the simulator's faults allow."""

    def __init__(self, owner: _FaultyTcpServer) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            owner, owner.trace_packet, owner.trace_pdu, owner.trace_connect
        )
        self.faults = owner.faults
        # A controller handles one request at a time: a slow answer holds up
        # the next request on the same connection.
        self._busy = asyncio.Lock()

    @override
    async def handle_request(self) -> None:
        pdu, addr = self.last_pdu, self.last_addr
        if pdu is None:  # pragma: no cover - pymodbus schedules only with a PDU
            return
        loop = asyncio.get_running_loop()
        if self.faults.silent(loop.time()):
            self.faults.swallowed += 1
            return
        async with self._busy:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
                if self.faults.silent(loop.time()):
                    # It hung while this request waited: never carried out.
                    self.faults.swallowed += 1
                    return
            if not self.transport:
                return  # the client went away while the request waited
            # pymodbus keeps only the newest request on the handler; put back
            # the one this task is answering.
            self.last_pdu, self.last_addr = pdu, addr
            await super().handle_request()  # type: ignore[no-untyped-call]


class _FaultyTcpServer(ModbusTcpServer):
    """pymodbus's TCP server with a request handler that applies faults."""

    def __init__(
        self, context: ModbusServerContext, address: tuple[str, int], faults: Faults
    ) -> None:
        super().__init__(context, address=address)
        self.faults = faults

    @override
    def callback_new_connection(self) -> ServerRequestHandler:
        return _FaultyRequestHandler(self)

    def drop_connections(self) -> int:
        """Cut every client connection; the listener stays up."""
        handlers = list(self.active_connections.values())
        for handler in handlers:
            if handler.transport is not None:
                cast("asyncio.Transport", handler.transport).abort()
        return len(handlers)


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
        self.faults = Faults()
        self._server: _FaultyTcpServer | None = None
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
        devices = {
            unit: _device_context(unit, wall, self.faults)
            for unit, wall in self.walls.items()
        }
        context = ModbusServerContext(devices=devices, single=False)  # type: ignore[no-untyped-call]
        server = _FaultyTcpServer(context, (self.host, self.port), self.faults)
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

    # -- faults ----------------------------------------------------------------

    def drop_connections(self) -> int:
        """Cut every client's TCP connection now; the controller keeps listening.

        A request in flight is neither carried out nor answered if it had not
        been handled yet; the client notices the reset and reconnects.
        Returns the number of connections cut.
        """
        if self._server is None:
            return 0
        dropped = self._server.drop_connections()
        self.faults.dropped += dropped
        return dropped

    def silence(self, seconds: float) -> None:
        """Stop answering for ``seconds``: requests meanwhile are lost, not queued.

        Call from the event loop the simulator runs on; 0 ends a silence early.
        """
        self.faults.silence(seconds, asyncio.get_running_loop().time())

    def set_latency(self, seconds: float) -> None:
        """Carry out and answer every request ``seconds`` late (0: at once)."""
        self.faults.set_latency(seconds)

    def fail(
        self,
        unit: int,
        table: Table | str,
        address: int,
        code: int = 0x04,
        *,
        writes_only: bool = False,
    ) -> None:
        """Answer requests touching one address with a Modbus exception.

        ``table`` is one of ``coil``, ``discrete_input``, ``input_register``,
        ``holding_register``; ``code`` defaults to 0x04 (server device failure).
        A request for a block that contains the address fails as a whole; with
        ``writes_only`` reads of it still work.
        """
        if unit not in self.walls:
            raise ValueError(f"no wall with unit id {unit}")
        self.faults.fail(unit, table, address, code, writes_only=writes_only)

    def heal(
        self,
        unit: int | None = None,
        table: Table | str | None = None,
        address: int | None = None,
    ) -> None:
        """Stop failing the matching addresses (all of them without arguments)."""
        self.faults.heal(unit, table, address)

    async def restart(self, downtime: float = 0.0) -> None:
        """Power-cycle the controller: offline for ``downtime``, volatile state lost.

        Every client is dropped, pending pulses end with the power, coils come
        back at 0 and the keypad registers at 0; doors, latches, parcels and
        temperatures are physical and stay as they were. Serves on the same port.
        """
        await self.stop()
        for wall in self.walls.values():
            wall.power_cycle()
        if downtime > 0:
            await asyncio.sleep(downtime)
        await self.start()

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
