"""The simulator's sense of time: the event loop's, or one a test moves by hand.

Everything that takes time in the simulator (a controller-timed lock pulse, a
door that closes by itself, a silence, a slow answer, a serial line's bytes,
a restart's downtime) asks its :class:`Clock`. Run for real (``python -m
simulator``, benchmarks) that is the event loop's clock, :class:`LoopClock`;
tests use a :class:`ManualClock` and move time on with :meth:`ManualClock.advance`
instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass, field
import heapq
import itertools
from typing import Protocol


class Timer(Protocol):
    """Something scheduled that can be called off."""

    def cancel(self) -> None:
        """Do not run it."""


class Clock(Protocol):
    """Where the simulator reads the time and schedules what takes time."""

    def time(self) -> float:
        """Seconds on this clock (only differences mean anything)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` ``delay`` seconds from now."""

    async def sleep(self, delay: float) -> None:
        """Return ``delay`` seconds from now."""


class LoopClock:
    """The running event loop's clock: real time."""

    def time(self) -> float:
        """The loop's monotonic time."""
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """``loop.call_later``."""
        return asyncio.get_running_loop().call_later(delay, callback)

    async def sleep(self, delay: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(delay)


@dataclass(order=True)
class _Due:
    when: float
    order: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that stands still until :meth:`advance` moves it.

    Callbacks and sleepers that fall due run in time order, each at its own
    time, and the event loop gets to run what they woke before time moves on:
    a test says "0.3 s later" and the simulator behaves as if they had passed.
    """

    def __init__(self, start: float = 0.0) -> None:
        """Start at ``start`` seconds."""
        self._now = start
        self._due: list[_Due] = []
        self._order = itertools.count()
        self._scheduled = asyncio.Event()

    def time(self) -> float:
        """The time the clock was moved to."""
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` once the clock has been moved ``delay`` further."""
        due = _Due(self._now + max(delay, 0.0), next(self._order), callback)
        heapq.heappush(self._due, due)
        self._scheduled.set()
        return due

    async def sleep(self, delay: float) -> None:
        """Wait until the clock has been moved ``delay`` further."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        timer = self.call_later(delay, wake)
        try:
            await woken
        finally:
            timer.cancel()

    @property
    def pending(self) -> int:
        """How many callbacks and sleepers wait for time to move."""
        return sum(1 for due in self._due if not due.cancelled)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Inside, time jumps to whatever falls due next, as soon as it is asked for.

        For tests of a slow controller that only care about the order of
        things: a request waiting 0.05 s is answered at once, in its turn.
        """

        async def run() -> None:
            while True:
                await self._scheduled.wait()
                self._scheduled.clear()
                while self._due:
                    await self.advance(max(self._due[0].when - self._now, 0.0))

        task = asyncio.create_task(run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, running what falls due on the way."""
        if seconds < 0:
            raise ValueError("time does not go backwards")
        until = self._now + seconds
        await _settle()
        # Steps that add up (0.09 + 0.01) reach what falls due at their sum.
        while self._due and self._due[0].when <= until + _EPSILON:
            due = heapq.heappop(self._due)
            if due.cancelled:
                continue
            self._now = max(self._now, due.when)
            due.callback()
            await _settle()
        self._now = until
        await _settle()


_EPSILON = 1e-9


async def _settle() -> None:
    """Let the event loop run what became ready (a woken request, its answer)."""
    for _ in range(5):
        await asyncio.sleep(0)
