"""The hub's code guard at run time: stored, announced on the bus, translated.

One per Home Assistant (every controller's walls share it), made in
``async_setup``. It keeps ``domain.guard.CodeGuard`` in its own storage file,
saved only when a wrong code was evaluated or a lock-out ended: attempts refused
during a lock-out never touch the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .domain.guard import (
    THRESHOLD,
    CodeGuard,
    LockedOutError,
    SourceKind,
    keypad_source,
    source_kind,
    source_wall,
)

DATA_GUARD: HassKey[GuardKeeper] = HassKey(f"{DOMAIN}_guard")
GUARD_STORAGE_KEY = f"{DOMAIN}.guard"
GUARD_STORAGE_VERSION = 1


class GuardKeeper:
    """The code guard of the whole hub, with its file and its listeners."""

    def __init__(self, hass: HomeAssistant, store: Store[dict[str, Any]]) -> None:
        """Bind the store; ``async_load`` reads it."""
        self.hass = hass
        self._store = store
        self.guard = CodeGuard()
        self._saved_revision = 0
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    async def async_create(cls, hass: HomeAssistant) -> GuardKeeper:
        """The keeper with what was stored (a damaged file starts a fresh guard)."""
        store: Store[dict[str, Any]] = Store(
            hass,
            GUARD_STORAGE_VERSION,
            GUARD_STORAGE_KEY,
            private=True,
            atomic_writes=True,
        )
        keeper = cls(hass, store)
        data = await store.async_load()
        if data is not None:
            try:
                keeper.guard = CodeGuard.from_dict(data)
            except (TypeError, ValueError) as err:
                # Only counters and a log of refusals: starting over loses no parcel.
                LOGGER.warning("The stored code guard cannot be read (%s)", err)
        keeper._saved_revision = keeper.guard.revision
        return keeper

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Be told when a lock-out starts or ends (problem sensors)."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    def check(self, source: str, actor: str, now: datetime) -> None:
        """Refuse a locked-out source before anything is searched."""
        try:
            self.guard.check(source, now, actor=actor)
        except LockedOutError as err:
            raise locked_out_error(err.source, err.until) from err

    def keypad_locked_until(self, wall_id: str, now: datetime) -> datetime | None:
        """End of a wall keypad's lock-out, or None."""
        return self.guard.locked_until(keypad_source(wall_id), now)

    async def async_fail(
        self,
        source: str,
        *,
        actor: str,
        reason: str,
        wall_name: str | None,
        now: datetime,
    ) -> ServiceValidationError:
        """Count an evaluated wrong code, save, announce; the error to raise."""
        wall = source_wall(source)
        failure = self.guard.fail(source, now, actor=actor, reason=reason, wall=wall)
        common = {
            "wall": wall,
            "wall_name": wall_name,
            "source": str(source_kind(source)),
            "by": actor,
        }
        self.hass.bus.async_fire(
            f"{DOMAIN}_code_rejected",
            common
            | {"reason": reason, "failures": failure.failures, "threshold": THRESHOLD},
        )
        if failure.locked_until is not None:
            self.hass.bus.async_fire(
                f"{DOMAIN}_keypad_locked_out",
                common
                | {
                    "until": failure.locked_until.isoformat(),
                    "seconds": int((failure.locked_until - now).total_seconds()),
                    "level": failure.level,
                },
            )
        await self.async_save()
        if failure.locked_until is not None:
            self._notify()
            return locked_out_error(source, failure.locked_until)
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_code",
            translation_placeholders={"remaining": str(failure.remaining)},
        )

    async def async_tick(self, now: datetime | None = None) -> None:
        """Close lock-outs that are over (one summary line each), and save that."""
        if self.guard.tick(now or dt_util.utcnow()):
            await self.async_save()
            self._notify()

    async def async_save(self) -> None:
        """Write the guard when it moved."""
        if self.guard.revision == self._saved_revision:
            return
        revision = self.guard.revision
        await self._store.async_save(self.guard.to_dict())
        self._saved_revision = revision

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()


def locked_out_error(source: str, until: datetime) -> ServiceValidationError:
    """What a locked-out source is told."""
    local = dt_util.as_local(until).replace(microsecond=0)
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="keypad_locked_out"
        if source_kind(source) is SourceKind.KEYPAD
        else "locked_out",
        translation_placeholders={"until": local.isoformat(sep=" ")},
    )
