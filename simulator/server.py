"""Serve simulated walls over real Modbus TCP.

Tests, benchmarks and installers talk to this the way the integration talks to
hardware: through a socket, with real framing, so nothing in the integration
needs a test-only code path. The Modbus encoding is the simulator's own
(``protocol.py``), so the simulator runs beside any pymodbus Home Assistant
pins. Requests for a unit id that has no wall are answered with exception 0x0B
(gateway target device failed to respond), which clients see as an error PDU
at once rather than a timeout.

Faults (``simulator.faults``) are applied here, per request: a silent
controller drops requests unanswered, a slow one carries each request out and
answers it after a delay (one request at a time per connection, as a busy
controller would), and chosen addresses answer with a Modbus exception.
``drop_connections`` cuts every client; ``restart`` is a power cycle.

With ``baud`` the controller behaves as if it sat on a serial line: one
request at a time for everyone, each taking the time its bytes need at that
speed (10 bits a byte, the RTU frame: unit id, PDU and CRC), the request's
before it is carried out and the answer's before it arrives.

All timing goes through ``clock`` (``simulator.clock``): the event loop's by
default, or a ``ManualClock`` a test moves on instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

from .clock import Clock, LoopClock
from .faults import Faults, Table
from .layout import ModbusError
from .protocol import (
    GATEWAY_TARGET_FAILED,
    MBAP_SIZE,
    Function,
    decode,
    exception_pdu,
    execute,
    frame,
    split_frame,
)
from .wall import SimulatedWall, reference_wall

__all__ = ["LockerSimulator", "reference_wall"]

MAX_UNIT_ID = 247
_CLOSE_TIMEOUT = 2.0
BITS_PER_BYTE = 10
"""A serial character: start bit, 8 data bits, stop bit."""
RTU_OVERHEAD = 3
"""Bytes an RTU frame adds to its PDU: the unit id and the CRC."""


def line_seconds(pdu_bytes: int, baud: int) -> float:
    """How long an RTU frame around a PDU of ``pdu_bytes`` takes at ``baud``."""
    return (pdu_bytes + RTU_OVERHEAD) * BITS_PER_BYTE / baud


_TABLES = {
    Function.READ_COILS: Table.COIL,
    Function.WRITE_SINGLE_COIL: Table.COIL,
    Function.WRITE_MULTIPLE_COILS: Table.COIL,
    Function.READ_DISCRETE_INPUTS: Table.DISCRETE_INPUT,
    Function.READ_INPUT_REGISTERS: Table.INPUT_REGISTER,
    Function.READ_HOLDING_REGISTERS: Table.HOLDING_REGISTER,
    Function.WRITE_SINGLE_REGISTER: Table.HOLDING_REGISTER,
    Function.WRITE_MULTIPLE_REGISTERS: Table.HOLDING_REGISTER,
}


class _Connection:
    """One client connection, answering as the simulator's faults allow."""

    def __init__(
        self,
        owner: LockerSimulator,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self._owner = owner
        self._reader = reader
        self._writer = writer
        self._requests: set[asyncio.Task[None]] = set()
        # A controller handles one request at a time: a slow answer holds up
        # the next request on the same connection.
        self._busy = asyncio.Lock()

    async def serve(self) -> None:
        """Read requests until the client or the simulator hangs up."""
        try:
            while True:
                parsed = split_frame(await self._reader.readexactly(MBAP_SIZE))
                if parsed is None:
                    break  # not Modbus TCP: hang up, as a device would
                transaction, unit, size = parsed
                pdu = await self._reader.readexactly(size)
                # Each request is a task, so one that waits (latency) does not
                # stop the next from being seen, and dropped, when silent.
                task = asyncio.create_task(self._answer(transaction, unit, pdu))
                self._requests.add(task)
                task.add_done_callback(self._requests.discard)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            # A request not yet carried out is lost with the connection.
            for task in self._requests:
                task.cancel()
            self.abort()

    async def _answer(self, transaction: int, unit: int, pdu: bytes) -> None:
        owner = self._owner
        faults, clock, baud = owner.faults, owner.clock, owner.baud
        if faults.silent(clock.time()):
            faults.swallowed += 1
            return
        # A serial line carries one request at a time, whoever sends it.
        async with owner.line if baud else self._busy:
            if faults.latency:
                await clock.sleep(faults.latency)
                if faults.silent(clock.time()):
                    # It hung while this request waited: never carried out.
                    faults.swallowed += 1
                    return
            if baud:
                await clock.sleep(line_seconds(len(pdu), baud))
            if self._writer.is_closing():
                return  # the client went away while the request waited
            answer = owner.answer(unit, pdu)
            if baud:
                await clock.sleep(line_seconds(len(answer), baud))
                if self._writer.is_closing():
                    return
            self._writer.write(frame(transaction, unit, answer))

    def abort(self) -> None:
        """Cut the connection at once (a reset, not a polite close)."""
        self._writer.transport.abort()


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
        clock: Clock | None = None,
        baud: int | None = None,
    ) -> None:
        """Hold the walls; nothing listens until :meth:`start`.

        ``clock``: what times pulses, doors, faults and the line (the event
        loop's by default); ``baud``: answer as slowly as a serial line of that
        speed (None: as fast as the socket).
        """
        if not walls:
            raise ValueError("a simulator needs at least one wall")
        if stray := [u for u in walls if not 0 <= u <= MAX_UNIT_ID]:
            raise ValueError(f"unit ids {stray} are outside 0..{MAX_UNIT_ID}")
        if baud is not None and baud <= 0:
            raise ValueError("baud must be positive")
        self.walls = dict(walls)
        self.host = host
        self.port = port
        self.clock: Clock = clock or LoopClock()
        self.baud = baud
        self.faults = Faults()
        self.line = asyncio.Lock()
        # Requests answered so far (tests count what a poll sends).
        self.requests = 0
        """The serial line (with ``baud``): one request on it at a time."""
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()

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
        try:
            server = await asyncio.start_server(self._serve, self.host, self.port)
        except OSError as err:
            raise OSError(f"cannot listen on {self.host}:{self.port}") from err
        self.port = int(server.sockets[0].getsockname()[1])
        self._server = server
        for wall in self.walls.values():
            wall.set_scheduler(self.clock.call_later)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connection = _Connection(self, reader, writer)
        self._connections.add(connection)
        try:
            await connection.serve()
        finally:
            self._connections.discard(connection)

    def answer(self, unit: int, pdu: bytes) -> bytes:
        """The answer PDU to a request PDU for ``unit``, injected faults applied.

        The one place a request meets the walls: a serial line or another
        framing would call this too.
        """
        self.requests += 1
        try:
            return self._carry_out(unit, pdu)
        except ModbusError as err:
            return exception_pdu(pdu[0], err.code)

    def _carry_out(self, unit: int, pdu: bytes) -> bytes:
        wall = self.walls.get(unit)
        if wall is None:
            raise ModbusError(GATEWAY_TARGET_FAILED, f"no wall on unit {unit}")
        request = decode(pdu)
        code = self.faults.exception_for(
            unit,
            _TABLES[Function(request.function)],
            request.address,
            request.count,
            write=request.write,
        )
        if code is not None:
            raise ModbusError(code, "injected fault")
        return execute(wall, request)

    async def stop(self) -> None:
        """Stop listening and drop every client, so they notice at once.

        Pending pulses are cancelled: a controller that loses power does not
        finish its pulse either (the coil reads as it was left).
        """
        server, self._server = self._server, None
        for wall in self.walls.values():
            wall.set_scheduler(None)
        if server is None:
            return
        server.close()
        for connection in list(self._connections):
            connection.abort()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), _CLOSE_TIMEOUT)

    # -- faults ----------------------------------------------------------------

    def drop_connections(self) -> int:
        """Cut every client's TCP connection now; the controller keeps listening.

        A request in flight is neither carried out nor answered if it had not
        been handled yet; the client notices the reset and reconnects.
        Returns the number of connections cut.
        """
        if self._server is None:
            return 0
        connections = list(self._connections)
        for connection in connections:
            connection.abort()
        dropped = len(connections)
        self.faults.dropped += dropped
        return dropped

    def silence(self, seconds: float) -> None:
        """Stop answering for ``seconds``: requests meanwhile are lost, not queued.

        0 ends a silence early.
        """
        self.faults.silence(seconds, self.clock.time())

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
            await self.clock.sleep(downtime)
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
