"""Persist the ledger with Home Assistant's ``Store``, at every transition."""

from __future__ import annotations

import secrets
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .ledger import Ledger, LedgerSettings

STORAGE_VERSION = 1
SECRET_KEY = f"{DOMAIN}.secret"
SECRET_BYTES = 32


async def async_secret_key(hass: HomeAssistant) -> bytes:
    """The per-install key codes are hashed with; created on first use."""
    store: Store[dict[str, str]] = Store(
        hass, STORAGE_VERSION, SECRET_KEY, private=True
    )
    data = await store.async_load()
    if data and isinstance(data.get("key"), str):
        return bytes.fromhex(data["key"])
    key = secrets.token_bytes(SECRET_BYTES)
    await store.async_save({"key": key.hex()})
    return key


class LedgerStore:
    """The stored ledger of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the storage file of the entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.ledger", private=True
        )
        self.saved_revision: int | None = None

    async def async_load(self, key: bytes, settings: LedgerSettings) -> Ledger:
        """The stored ledger, or a new one on first start.

        Raises ``LedgerCorruptError`` for stored data that cannot be read.
        """
        data = await self._store.async_load()
        if data is None:
            return Ledger(key, settings)
        ledger = Ledger.from_dict(data, key, settings)
        self.saved_revision = ledger.revision
        return ledger

    async def async_save(self, ledger: Ledger) -> None:
        """Write the ledger now (no delay: a restart must not lose a step)."""
        if ledger.revision == self.saved_revision:
            return
        revision = ledger.revision
        await self._store.async_save(ledger.to_dict())
        self.saved_revision = revision

    async def async_remove(self) -> None:
        """Delete the stored ledger (the entry was removed)."""
        await self._store.async_remove()
