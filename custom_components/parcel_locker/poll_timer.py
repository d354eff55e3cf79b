"""Polls on the integration's own schedule (see ``domain.poll_cadence``).

Home Assistant starts a coordinator's next poll on a whole second plus a fixed
fraction, one interval after the last poll ended: a door opened just after it
was read could take the interval plus a whole poll to show. This timer starts
each poll early enough that a door shows within one interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .domain.poll_cadence import PollCadence


class PollTimer:
    """Runs ``poll`` on the cadence until stopped; off when polling is disabled."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        interval: timedelta,
        poll: Callable[[], Awaitable[bool]],
    ) -> None:
        """``poll`` refreshes and says whether it succeeded."""
        self._hass = hass
        self._entry = entry
        self._poll = poll
        self._cadence = PollCadence(interval.total_seconds())
        self._handle: asyncio.TimerHandle | None = None
        self._running = False

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Poll one interval from now, then on the cadence; returns the stop.

        The entry's "Enable polling for changes" switch (system options) is
        honoured: off, nothing is scheduled.
        """
        if not self._entry.pref_disable_polling:
            self._running = True
            self._schedule(self._hass.loop.time() + self._cadence.interval)
        return self.async_stop

    @callback
    def async_stop(self) -> None:
        """No more polls; one under way finishes without scheduling another."""
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self, at: float) -> None:
        self._handle = self._hass.loop.call_at(at, self._due)

    @callback
    def _due(self) -> None:
        self._handle = None
        if self._hass.is_stopping:
            return
        self._entry.async_create_background_task(
            self._hass, self._run(), name=f"{self._entry.title} poll", eager_start=True
        )

    async def _run(self) -> None:
        loop = self._hass.loop
        started = loop.time()
        succeeded = await self._poll()
        if self._running:
            self._schedule(
                self._cadence.next_start(started, loop.time(), succeeded=succeeded)
            )
