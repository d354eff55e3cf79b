"""The ledger and the install key on disk: saved at every step, never lost.

What a parcel locker promises about its files:

* Every save is atomic and durable: the file is written next to the old one,
  flushed to disk and renamed over it (``homeassistant.util.file``), so a crash
  or a power cut leaves the previous ledger or the new one, never a mix.
* A save that did not reach the disk raises, so no lock is released on a step
  that is not stored. (This is why the files are not written through Home
  Assistant's ``Store``: it only logs a failed write.)
* A file that cannot be read is never replaced: ``UnreadableStoreError`` carries
  what was found, for a backup and a repair issue (``repairs.py``).

The files keep ``Store``'s layout in ``.storage`` (``version``, ``key``, ``data``),
so backups and restores treat them like any other storage file.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
import secrets
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import STORAGE_DIR
from homeassistant.util import dt as dt_util, json as json_util
from homeassistant.util.file import WriteError, write_utf8_file_atomic

from .const import DOMAIN, LOGGER
from .domain.ledger import Ledger, LedgerCorruptError, LedgerSettings
from .errors import failed

STORAGE_VERSION = 1
SECRET_KEY = f"{DOMAIN}.secret"
SECRET_BYTES = 32
BACKUP_INFIX = ".corrupt-"


class UnreadableStoreError(LedgerCorruptError):
    """A stored file of the locker that cannot be used as it is.

    ``detail`` says what is wrong (English, for the log). ``path`` is the file,
    ``content`` what was found in it (the raw bytes), for the backup.
    """

    def __init__(self, detail: str, *, path: str, content: bytes) -> None:
        """Keep the file and its content for the backup."""
        super().__init__(detail)
        self.path = path
        self.content = content


class StoredFile:
    """One JSON file in ``.storage``, in the layout of Home Assistant's stores."""

    def __init__(self, hass: HomeAssistant, key: str) -> None:
        """Bind the file; nothing is read yet."""
        self._hass = hass
        self.key = key
        self.path = hass.config.path(STORAGE_DIR, key)
        # The bytes last read: what a backup of an unusable file keeps.
        self.raw = b""

    async def async_read(self) -> Any | None:
        """The stored data, or None when there is no file.

        Raises ``UnreadableStoreError`` for a file that is there but unusable.
        """
        try:
            raw = await self._hass.async_add_executor_job(_read_bytes, self.path)
        except OSError as err:
            raise UnreadableStoreError(
                f"the file cannot be read ({err.strerror})", path=self.path, content=b""
            ) from err
        if raw is None:
            return None
        self.raw = raw
        try:
            envelope = json_util.json_loads(raw)
        except ValueError as err:
            reason = "the file is empty" if not raw.strip() else "the file is not JSON"
            raise UnreadableStoreError(
                f"{reason} (truncated or damaged)", path=self.path, content=raw
            ) from err
        if not isinstance(envelope, dict) or "data" not in envelope:
            raise UnreadableStoreError(
                "the file is not a Home Assistant storage file",
                path=self.path,
                content=raw,
            )
        version = envelope.get("version")
        if version != STORAGE_VERSION or isinstance(version, bool):
            raise UnreadableStoreError(
                f"storage version {version!r} is not {STORAGE_VERSION}",
                path=self.path,
                content=raw,
            )
        return envelope["data"]

    async def async_write(self, data: Any) -> None:
        """Write now, atomically; raises ``HomeAssistantError`` when it failed."""
        content = json_bytes(
            {
                "version": STORAGE_VERSION,
                "minor_version": 1,
                "key": self.key,
                "data": data,
            }
        )
        try:
            await self._hass.async_add_executor_job(
                _write_atomically, self.path, content
            )
        except (OSError, WriteError) as err:
            raise failed("ledger_save_failed", error=str(err)) from err

    async def async_remove(self) -> None:
        """Delete the file (the entry was removed)."""
        await self._hass.async_add_executor_job(_unlink, self.path)


def _read_bytes(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def _write_atomically(path: str, content: bytes) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_utf8_file_atomic(path, content, private=True, mode="wb")


def _unlink(path: str) -> None:
    Path(path).unlink(missing_ok=True)


async def async_secret_key(hass: HomeAssistant) -> bytes:
    """The per-install key codes are hashed with; created on first use.

    A key file that exists but cannot be read is an error, never replaced: a new
    key would silently invalidate every code of every parcel inside.
    """
    file = StoredFile(hass, SECRET_KEY)
    data = await file.async_read()
    if data is None:
        key = secrets.token_bytes(SECRET_BYTES)
        await file.async_write({"key": key.hex()})
        return key
    try:
        key = bytes.fromhex(data["key"])
    except (KeyError, TypeError, ValueError):
        key = b""
    if len(key) != SECRET_BYTES:
        raise UnreadableStoreError(
            "the secret key file holds no usable key", path=file.path, content=file.raw
        )
    return key


class LedgerStore:
    """The stored ledger of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the entry's file."""
        self._hass = hass
        self._file = StoredFile(hass, f"{DOMAIN}.{entry_id}.ledger")
        self.saved_revision: int | None = None
        # One write at a time, in the order of the steps. A write runs in a
        # thread that cannot be stopped: a save cancelled meanwhile (an action
        # whose caller went away) leaves it running, and the next save waits
        # for it, so an older ledger never lands over a newer one.
        self._lock = asyncio.Lock()
        self._writing: asyncio.Task[None] | None = None

    @property
    def path(self) -> str:
        """Where the ledger is stored."""
        return self._file.path

    async def async_load(self, key: bytes, settings: LedgerSettings) -> Ledger:
        """The stored ledger, or a new one on first start.

        Raises ``UnreadableStoreError`` for a stored ledger that cannot be read:
        it is never replaced by an empty one.
        """
        data = await self._file.async_read()
        if data is None:
            return Ledger(key, settings)
        try:
            ledger = Ledger.from_dict(data, key, settings)
        except LedgerCorruptError as err:
            raise UnreadableStoreError(
                err.detail, path=self.path, content=self._file.raw
            ) from err
        self.saved_revision = ledger.revision
        return ledger

    async def async_save(self, ledger: Ledger) -> None:
        """Write the ledger now if it moved (no delay: a restart must lose no step).

        Raises ``HomeAssistantError`` when the file could not be written; the
        next save writes the whole ledger again.
        """
        async with self._lock:
            if self._writing is not None:
                await asyncio.wait([self._writing])
                self._writing = None
            if ledger.revision == self.saved_revision:
                return  # a save waited for meanwhile wrote this step already
            revision = ledger.revision
            self._writing = self._hass.async_create_task(
                self._file.async_write(ledger.to_dict()), "parcel_locker ledger save"
            )
            await asyncio.shield(self._writing)
            self._writing = None
            self.saved_revision = revision

    async def async_remove(self) -> None:
        """Delete the stored ledger (the entry was removed)."""
        await self._file.async_remove()


def _backup(path: str, content: bytes, stamp: str) -> str:
    """Copy what was found next to the file; an identical earlier copy is reused."""
    file = Path(path)
    if file.parent.is_dir():
        for candidate in sorted(file.parent.glob(f"{file.name}{BACKUP_INFIX}*")):
            if candidate.read_bytes() == content:
                return str(candidate)
    backup = f"{path}{BACKUP_INFIX}{stamp}"
    _write_atomically(backup, content)
    return backup


async def async_backup_unreadable(
    hass: HomeAssistant, err: UnreadableStoreError, now: datetime | None = None
) -> str | None:
    """Keep a copy of an unreadable file before anyone touches it.

    Returns the backup's path, or None when no copy could be written.
    """
    stamp = (now or dt_util.utcnow()).strftime("%Y%m%dT%H%M%SZ")
    try:
        return await hass.async_add_executor_job(_backup, err.path, err.content, stamp)
    except (OSError, WriteError):
        LOGGER.exception("Could not back up the unreadable file %s", err.path)
        return None
