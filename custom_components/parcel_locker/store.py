"""Persist the ledger with Home Assistant's ``Store``, at every transition.

What a parcel locker promises about its files:

* Every save is atomic and durable: Home Assistant's ``Store`` writes a temporary
  file in ``.storage`` and renames it over the old one, and with
  ``atomic_writes`` it also flushes both to disk first, so a crash or a power cut
  leaves the previous ledger or the new one, never a mix or an empty file.
* A save that did not reach the disk is noticed (``Store`` itself only logs it):
  ``async_save`` raises, so no lock is released on a step that is not stored.
* A file that cannot be read is never replaced by an empty ledger. ``Store``
  would rename a file that is not JSON and start empty; here it is checked
  first, copied to a backup next to it and reported (``UnreadableStoreError``),
  and the entry stops with a repair issue until a person restores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import json
from pathlib import Path
import secrets
from typing import Any, override

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util, json as json_util
from homeassistant.util.file import write_utf8_file

from .const import DOMAIN, LOGGER
from .domain.ledger import Ledger, LedgerCorruptError, LedgerSettings

STORAGE_VERSION = 1
SECRET_KEY = f"{DOMAIN}.secret"
SECRET_BYTES = 32
BACKUP_INFIX = ".corrupt-"


class UnreadableStoreError(LedgerCorruptError):
    """A stored file of the locker that cannot be used as it is.

    ``detail`` says what is wrong. ``path`` is the file, ``content`` what was found
    in it (the raw bytes, or the data the store handed back), for the backup.
    """

    def __init__(self, reason: str, *, path: str, content: bytes | Any) -> None:
        """Keep the file and its content for the backup."""
        super().__init__(reason)
        self.path = path
        self.content = content


class _CheckedStore[T: Mapping[str, Any]](Store[T]):
    """A ``Store`` that remembers whether its last write reached the disk."""

    def __init__(self, hass: HomeAssistant, key: str) -> None:
        super().__init__(hass, STORAGE_VERSION, key, private=True, atomic_writes=True)
        self.write_error: Exception | None = None

    @override
    def _write_prepared_data(self, mode: str, json_data: str | bytes) -> None:
        # Runs in the executor; ``Store`` catches and only logs what it raises.
        try:
            super()._write_prepared_data(mode, json_data)
        except Exception as err:
            self.write_error = err
            raise
        self.write_error = None


async def _async_save[T: Mapping[str, Any]](store: _CheckedStore[T], data: T) -> None:
    """Save now; raise ``HomeAssistantError`` when it did not reach the disk."""
    await store.async_save(data)
    # When this returns, the write that carried this data (or newer data) has
    # finished: its outcome is the one recorded.
    if (error := store.write_error) is not None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ledger_save_failed",
            translation_placeholders={"error": str(error)},
        )


def _read_file(path: str) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def _check_envelope(raw: bytes, path: str) -> dict[str, Any]:
    """Refuse a file ``Store`` would drop, misread or crash on; the envelope."""
    try:
        envelope = json_util.json_loads(raw)
    except ValueError as err:
        reason = "the file is empty" if not raw.strip() else "the file is not JSON"
        raise UnreadableStoreError(
            f"{reason} (truncated or damaged)", path=path, content=raw
        ) from err
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise UnreadableStoreError(
            "the file is not a Home Assistant storage file", path=path, content=raw
        )
    version = envelope.get("version")
    if version != STORAGE_VERSION or isinstance(version, bool):
        raise UnreadableStoreError(
            f"storage version {version!r} is not {STORAGE_VERSION}",
            path=path,
            content=raw,
        )
    return envelope


async def _async_load[T: Mapping[str, Any]](
    hass: HomeAssistant, store: _CheckedStore[T]
) -> tuple[bytes | None, T | None]:
    """Load a store, refusing any file that is there but cannot be read.

    Returns the file's bytes (None when there is no file) and its data.
    """
    path = store.path
    try:
        raw = await hass.async_add_executor_job(_read_file, path)
    except OSError as err:
        raise UnreadableStoreError(
            f"the file cannot be read ({err.strerror})", path=path, content=b""
        ) from err
    envelope = _check_envelope(raw, path) if raw is not None else None
    try:
        data = await store.async_load()
    except (HomeAssistantError, KeyError, TypeError, ValueError) as err:
        raise UnreadableStoreError(
            f"the stored data cannot be loaded ({type(err).__name__})",
            path=path,
            content=raw,
        ) from err
    if data is None and envelope is not None:
        # Home Assistant lists .storage once at start-up and takes a file that
        # was not there then (one restored since) for absent: it is there.
        data = envelope["data"]
    return raw, data


async def async_secret_key(hass: HomeAssistant) -> bytes:
    """The per-install key codes are hashed with; created on first use.

    A key file that exists but cannot be read is an error, never replaced: a new
    key would silently invalidate every code of every parcel inside.
    """
    store: _CheckedStore[dict[str, str]] = _CheckedStore(hass, SECRET_KEY)
    raw, data = await _async_load(hass, store)
    if data is None:
        key = secrets.token_bytes(SECRET_BYTES)
        await _async_save(store, {"key": key.hex()})
        return key
    try:
        key = bytes.fromhex(data["key"])
    except (KeyError, TypeError, ValueError):
        key = b""
    if len(key) != SECRET_BYTES:
        raise UnreadableStoreError(
            "the secret key file holds no usable key",
            path=store.path,
            content=data if raw is None else raw,
        )
    return key


class LedgerStore:
    """The stored ledger of one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind the storage file of the entry."""
        self._hass = hass
        self._store: _CheckedStore[dict[str, Any]] = _CheckedStore(
            hass, f"{DOMAIN}.{entry_id}.ledger"
        )
        self.saved_revision: int | None = None

    @property
    def path(self) -> str:
        """Where the ledger is stored."""
        return str(self._store.path)

    async def async_load(self, key: bytes, settings: LedgerSettings) -> Ledger:
        """The stored ledger, or a new one on first start.

        Raises ``UnreadableStoreError`` (a ``LedgerCorruptError``) for a stored
        ledger that cannot be read: it is never replaced by an empty one.
        """
        raw, data = await _async_load(self._hass, self._store)
        if data is None:
            return Ledger(key, settings)
        try:
            ledger = Ledger.from_dict(data, key, settings)
        except LedgerCorruptError as err:
            raise UnreadableStoreError(
                err.detail, path=self.path, content=data if raw is None else raw
            ) from err
        self.saved_revision = ledger.revision
        return ledger

    async def async_save(self, ledger: Ledger) -> None:
        """Write the ledger now (no delay: a restart must not lose a step).

        Raises ``HomeAssistantError`` when the file could not be written; the
        next save writes the whole ledger again.
        """
        if ledger.revision == self.saved_revision:
            return
        revision = ledger.revision
        await _async_save(self._store, ledger.to_dict())
        self.saved_revision = revision

    async def async_remove(self) -> None:
        """Delete the stored ledger (the entry was removed)."""
        await self._store.async_remove()


def _backup(path: str, content: bytes | Any, stamp: str) -> str:
    """Copy what was found next to the file; an identical earlier copy is reused."""
    file = Path(path)
    data = (
        content
        if isinstance(content, bytes)
        else json.dumps(content, indent=2, default=str).encode()
    )
    if file.parent.is_dir():
        for candidate in sorted(file.parent.glob(f"{file.name}{BACKUP_INFIX}*")):
            if candidate.read_bytes() == data:
                return str(candidate)
    backup = f"{path}{BACKUP_INFIX}{stamp}"
    file.parent.mkdir(parents=True, exist_ok=True)
    write_utf8_file(backup, data, private=True, mode="wb")
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
    except OSError:
        LOGGER.exception("Could not back up the unreadable file %s", err.path)
        return None


def unreadable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose stored files cannot be read."""
    return f"ledger_unreadable_{entry_id}"


async def async_report_unreadable(
    hass: HomeAssistant, entry_id: str, title: str, err: UnreadableStoreError
) -> None:
    """Back the unreadable file up and tell the installer what to do."""
    backup = await async_backup_unreadable(hass, err)
    LOGGER.error(
        "The stored file %s of %s cannot be read (%s); backup: %s",
        err.path,
        title,
        err.detail,
        backup or "none could be written",
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreadable_issue_id(entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.CRITICAL,
        translation_key="ledger_corrupt" if backup else "ledger_corrupt_no_backup",
        translation_placeholders={
            "title": title,
            "file": err.path,
            "reason": err.detail,
        }
        | ({"backup": backup} if backup else {}),
    )


def async_clear_unreadable(hass: HomeAssistant, entry_id: str) -> None:
    """The entry's files were read: drop a stale repair issue."""
    ir.async_delete_issue(hass, DOMAIN, unreadable_issue_id(entry_id))
