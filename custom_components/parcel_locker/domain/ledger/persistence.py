"""The stored form of the ledger: writing it, reading it back, versions, checks.

The Home Assistant glue saves ``Ledger.to_dict()`` with a Store after every change
and hands it back to ``Ledger.from_dict`` at start-up. This module is the only one
that knows the stored form; it must not change without a new ``STORAGE_VERSION``
and a step in ``migrate`` (a ledger written by an earlier release must load).
A new key that older files lack and that has a neutral default (a timestamp
that is None, a flag that is off) is read with that default instead: the file
means the same to both releases, so no version step is needed.

* Codes are stored only as keyed digests, with a fingerprint of the key
  (``key_check``); never the key, never a code. The live temperature reading is
  not stored.
* What comes back may be an older version (``migrate`` upgrades it), or damaged
  (edited by hand, truncated, written by a buggy version). Damaged data must never
  half-load into a ledger that then loses a parcel or opens the wrong door: every
  reader raises ``LedgerCorruptError`` and the parts are cross-checked before the
  ledger is used. Data written with another key is refused as well: none of its
  codes could ever match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import hashlib
from typing import Any

from ..sizes import Size
from .codes import StoredCode
from .errors import ErrorKey, LedgerCorruptError
from .model import (
    STORED_STATES,
    AuditEntry,
    Authorisation,
    CodeKind,
    Compartment,
    CompartmentStatus,
    DoorPhase,
    DoorSession,
    Parcel,
    ParcelKind,
    ParcelState,
    Wall,
    iso,
    iso_req,
)

STORAGE_VERSION = 2


@dataclass(slots=True)
class StoredLedger:
    """The parts of a ledger, as written to storage or read back from it."""

    revision: int
    walls: dict[str, Wall] = field(default_factory=dict)
    parcels: dict[str, Parcel] = field(default_factory=dict)
    codes: dict[str, StoredCode] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


# -- writing -----------------------------------------------------------------------


def write(state: StoredLedger, key_check: str) -> dict[str, Any]:
    """The JSON-safe stored form."""
    return {
        "version": STORAGE_VERSION,
        "revision": state.revision,
        "key_check": key_check,
        "walls": [
            {
                "wall_id": wall.wall_id,
                "name": wall.name,
                "order": wall.order,
                "compartments": [
                    _compartment_to_dict(comp) for comp in wall.compartments.values()
                ],
            }
            for wall in state.walls.values()
        ],
        "parcels": [parcel_to_dict(parcel) for parcel in state.parcels.values()],
        "codes": [_code_to_dict(stored) for stored in state.codes.values()],
        "audit": [audit_entry_to_dict(entry) for entry in state.audit],
    }


def parcel_to_dict(parcel: Parcel) -> dict[str, Any]:
    """A parcel's JSON-safe form (also what ``list_parcels`` answers)."""
    return {
        "parcel_id": parcel.parcel_id,
        "kind": str(parcel.kind),
        "state": str(parcel.state),
        "recipient": parcel.recipient,
        "size": str(parcel.size),
        "carrier": parcel.carrier,
        "tracking": parcel.tracking,
        "cold": parcel.cold,
        "wall": parcel.wall,
        "number": parcel.number,
        "compartment": parcel.compartment,
        "created": iso_req(parcel.created),
        "reserved_until": iso(parcel.reserved_until),
        "stored_at": iso(parcel.stored_at),
        "finished_at": iso(parcel.finished_at),
        "finished_by": parcel.finished_by,
        "last_reminder": iso(parcel.last_reminder),
        "reminders": parcel.reminders,
        "cancel_pending": parcel.cancel_pending,
        "created_by": parcel.created_by,
        "expected_until": iso(parcel.expected_until),
        "deadline": iso(parcel.deadline),
    }


def audit_entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    """An audit line's JSON-safe form."""
    return {
        "time": iso_req(entry.time),
        "action": entry.action,
        "wall": entry.wall,
        "compartment": entry.compartment,
        "parcel_id": entry.parcel_id,
        "actor": entry.actor,
        "result": entry.result,
    }


def _compartment_to_dict(comp: Compartment) -> dict[str, Any]:
    return {
        "number": comp.number,
        "label": comp.label,
        "size": str(comp.size),
        "cooled": comp.cooled,
        "status": str(comp.status),
        "parcel_id": comp.parcel_id,
        "retired": comp.retired,
        "door_open": comp.door_open,
        "opened_at": iso(comp.opened_at),
        "session": _session_to_dict(comp.session),
        "pending": _authorisation_to_dict(comp.pending),
        "grace": _session_to_dict(comp.grace),
        "grace_until": iso(comp.grace_until),
        "door_alarm_fired": comp.door_alarm_fired,
        "temp_out_since": iso(comp.temp_out_since),
        "temp_alarm_fired": comp.temp_alarm_fired,
        "probe_silent_since": iso(comp.probe_silent_since),
        "silent_alarm_fired": comp.silent_alarm_fired,
    }


def _session_to_dict(session: DoorSession | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "purpose": str(session.purpose),
        "actor": session.actor,
        "parcel_id": session.parcel_id,
    }


def _authorisation_to_dict(pending: Authorisation | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    return {
        "session": _session_to_dict(pending.session),
        "expires": iso_req(pending.expires),
        "code_id": pending.code_id,
    }


def _code_to_dict(stored: StoredCode) -> dict[str, Any]:
    """A code's stored form: its digest, never the code."""
    return {
        "code_id": stored.code_id,
        "kind": str(stored.kind),
        "digest": stored.digest,
        "wall": stored.wall,
        "parcel_id": stored.parcel_id,
        "issued": iso_req(stored.issued),
        "valid_from": iso_req(stored.valid_from),
        "expires": iso_req(stored.expires),
        "uses_left": stored.uses_left,
        "size": str(stored.size),
        "recipient": stored.recipient,
        "carrier": stored.carrier,
    }


# -- reading -------------------------------------------------------------------------


def migrate(data: Any) -> dict[str, Any]:
    """Upgrade stored ledger data to the current version, one step at a time.

    * 1 -> 2: parcels gain ``expected_until`` (announcements) and ``deadline``
      (the pickup deadline; None: the option counts from ``stored_at``). The
      new states, code kinds and parcels without a compartment cannot occur
      in version 1 data.

    Raises ``LedgerCorruptError``, also for a version newer than this code (a
    downgrade must not guess).
    """
    if not isinstance(data, Mapping):
        raise LedgerCorruptError("ledger data is not an object")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise LedgerCorruptError("ledger data has no version")
    if version < 1 or version > STORAGE_VERSION:
        raise LedgerCorruptError(f"unsupported ledger version {version}")
    upgraded = dict(data)
    if version == 1:
        upgraded = _v1_to_v2(upgraded)
    return upgraded


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    parcels = _list(data.get("parcels"), "parcels")
    data["parcels"] = [
        {**_mapping(item, "parcel"), "expected_until": None, "deadline": None}
        for item in parcels
    ]
    data["version"] = 2
    return data


def read(data: Any, key_check: str) -> StoredLedger:
    """Migrate, parse and cross-check stored data written with the same key."""
    raw = migrate(data)
    if raw.get("key_check") != key_check:
        raise LedgerCorruptError(
            "written with another key", key=ErrorKey.LEDGER_KEY_MISMATCH
        )
    try:
        state = StoredLedger(revision=_int(raw, "revision"))
        for item in _list(raw.get("walls"), "walls"):
            wall = _wall(_mapping(item, "wall"))
            if wall.wall_id in state.walls:
                raise LedgerCorruptError("duplicate wall id")
            state.walls[wall.wall_id] = wall
        for item in _list(raw.get("parcels"), "parcels"):
            parcel = _parcel(_mapping(item, "parcel"))
            if parcel.parcel_id in state.parcels:
                raise LedgerCorruptError("duplicate parcel id")
            state.parcels[parcel.parcel_id] = parcel
        for item in _list(raw.get("codes"), "codes"):
            stored = _code(_mapping(item, "code"))
            if stored.code_id in state.codes:
                raise LedgerCorruptError("duplicate code id")
            state.codes[stored.code_id] = stored
        # Files written before the hub-wide guard also hold per-wall keypad
        # counters ("keypads", "remote_keypad"): lock-outs are the guard's now.
        state.audit = [
            _audit_entry(_mapping(item, "audit entry"))
            for item in _list(raw.get("audit"), "audit")
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # pragma: no cover
        # Readers check types; this only catches what slipped past them.
        raise LedgerCorruptError(
            f"unreadable ledger data ({type(err).__name__})"
        ) from err
    _check_consistency(state)
    return state


def _wall(data: Mapping[str, Any]) -> Wall:
    wall = Wall(
        wall_id=_str(data, "wall_id"),
        name=_str(data, "name"),
        order=_int(data, "order"),
    )
    for item in _list(data.get("compartments"), "compartments"):
        comp = _compartment(wall.wall_id, _mapping(item, "compartment"))
        if comp.number in wall.compartments:
            raise LedgerCorruptError("duplicate compartment number")
        wall.compartments[comp.number] = comp
    return wall


def _compartment(wall: str, data: Mapping[str, Any]) -> Compartment:
    session, pending, grace = (data.get(key) for key in ("session", "pending", "grace"))
    return Compartment(
        wall=wall,
        number=_int(data, "number"),
        label=_str(data, "label"),
        size=_enum(data, "size", Size),
        cooled=_bool(data, "cooled"),
        status=_enum(data, "status", CompartmentStatus),
        parcel_id=_opt_str(data, "parcel_id"),
        retired=_bool(data, "retired"),
        door_open=_bool(data, "door_open"),
        opened_at=_opt_time(data, "opened_at"),
        session=None if session is None else _session(session),
        pending=None if pending is None else _authorisation(pending),
        grace=None if grace is None else _session(grace),
        grace_until=_opt_time(data, "grace_until"),
        door_alarm_fired=_bool(data, "door_alarm_fired"),
        temp_out_since=_opt_time(data, "temp_out_since"),
        temp_alarm_fired=_bool(data, "temp_alarm_fired"),
        # Added in 0.2 (probe silence): files written before lack them.
        probe_silent_since=_opt_time(data, "probe_silent_since"),
        silent_alarm_fired=_bool_or(data, "silent_alarm_fired", default=False),
    )


def _session(raw: Any) -> DoorSession:
    data = _mapping(raw, "door session")
    return DoorSession(
        purpose=_enum(data, "purpose", DoorPhase),
        actor=_str(data, "actor"),
        parcel_id=_opt_str(data, "parcel_id"),
    )


def _authorisation(raw: Any) -> Authorisation:
    data = _mapping(raw, "authorisation")
    return Authorisation(
        session=_session(data.get("session")),
        expires=_time(data, "expires"),
        code_id=_opt_str(data, "code_id"),
    )


def _parcel(data: Mapping[str, Any]) -> Parcel:
    return Parcel(
        parcel_id=_str(data, "parcel_id"),
        kind=_enum(data, "kind", ParcelKind),
        state=_enum(data, "state", ParcelState),
        recipient=_str(data, "recipient"),
        size=_enum(data, "size", Size),
        carrier=_str(data, "carrier"),
        tracking=_opt_str(data, "tracking"),
        cold=_bool(data, "cold"),
        wall=_opt_str(data, "wall"),
        number=_opt_int(data, "number"),
        compartment=_opt_str(data, "compartment"),
        created=_time(data, "created"),
        reserved_until=_opt_time(data, "reserved_until"),
        stored_at=_opt_time(data, "stored_at"),
        finished_at=_opt_time(data, "finished_at"),
        finished_by=_opt_str(data, "finished_by"),
        last_reminder=_opt_time(data, "last_reminder"),
        reminders=_int(data, "reminders"),
        cancel_pending=_bool(data, "cancel_pending"),
        created_by=_opt_str(data, "created_by"),
        expected_until=_opt_time(data, "expected_until"),
        deadline=_opt_time(data, "deadline"),
    )


def _code(data: Mapping[str, Any]) -> StoredCode:
    digest = _str(data, "digest")
    if len(digest) != hashlib.sha256().digest_size * 2:
        raise LedgerCorruptError("code digest has the wrong length")
    return StoredCode(
        code_id=_str(data, "code_id"),
        kind=_enum(data, "kind", CodeKind),
        digest=digest,
        wall=_str(data, "wall"),
        parcel_id=_opt_str(data, "parcel_id"),
        issued=_time(data, "issued"),
        valid_from=_time(data, "valid_from"),
        expires=_time(data, "expires"),
        uses_left=_int(data, "uses_left"),
        size=_enum(data, "size", Size),
        recipient=_opt_str(data, "recipient"),
        carrier=_opt_str(data, "carrier"),
    )


def _audit_entry(data: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        time=_time(data, "time"),
        action=_str(data, "action"),
        wall=_opt_str(data, "wall"),
        compartment=_opt_str(data, "compartment"),
        parcel_id=_opt_str(data, "parcel_id"),
        actor=_str(data, "actor"),
        result=_str(data, "result"),
    )


# -- cross-checks ----------------------------------------------------------------------


def _check_consistency(state: StoredLedger) -> None:
    """Refuse data whose parts disagree: a parcel in two places, a lost parcel, ..."""
    if state.revision < 0:
        raise LedgerCorruptError("negative revision")
    held: set[str] = set()
    for wall in state.walls.values():
        for comp in wall.compartments.values():
            held |= _check_compartment(state, comp, held)
    for parcel_id, parcel in state.parcels.items():
        if parcel.active and parcel_id not in held:
            raise LedgerCorruptError("active parcel without compartment")
        if parcel.state is ParcelState.ANNOUNCED and parcel.expected_until is None:
            raise LedgerCorruptError("announcement without its time")
    if len({stored.digest for stored in state.codes.values()}) != len(state.codes):
        raise LedgerCorruptError("duplicate code digest")
    for stored in state.codes.values():
        _check_code(state, stored)


def _check_compartment(
    state: StoredLedger, comp: Compartment, held: set[str]
) -> set[str]:
    if comp.door_open != (comp.session is not None) or comp.door_open != (
        comp.opened_at is not None
    ):
        raise LedgerCorruptError("door state inconsistent")
    if comp.status in {CompartmentStatus.FREE, CompartmentStatus.OUT_OF_SERVICE}:
        if comp.parcel_id is not None or comp.retired:
            raise LedgerCorruptError("free compartment holds a parcel")
        return set()
    parcel = state.parcels.get(comp.parcel_id or "")
    expected = (
        {ParcelState.RESERVED}
        if comp.status is CompartmentStatus.RESERVED
        else STORED_STATES
    )
    if (
        parcel is None
        or parcel.state not in expected
        or (parcel.wall, parcel.number) != (comp.wall, comp.number)
        or parcel.parcel_id in held
    ):
        raise LedgerCorruptError("compartment and parcel disagree")
    return {parcel.parcel_id}


def _check_code(state: StoredLedger, stored: StoredCode) -> None:
    if stored.uses_left < 1:
        raise LedgerCorruptError("spent code kept")
    if stored.parcel_id is None:
        if stored.kind is not CodeKind.COURIER or stored.wall not in state.walls:
            raise LedgerCorruptError("courier code inconsistent")
        return
    parcel = state.parcels.get(stored.parcel_id)
    expected = {
        ParcelState.STORED: {CodeKind.PICKUP, CodeKind.SHARE},
        ParcelState.RETURN_WAITING: {CodeKind.RETURN},
        ParcelState.RETURN_TO_SENDER: {CodeKind.RETURN},
    }
    if parcel is None or stored.kind not in expected.get(parcel.state, set()):
        raise LedgerCorruptError("code of a parcel that is not waiting")


# -- typed readers: each raises LedgerCorruptError instead of letting a KeyError or a
# wrongly typed value travel into the state machine.


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise LedgerCorruptError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> Iterable[Any]:
    if not isinstance(value, list):
        raise LedgerCorruptError(f"{what} is not a list")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise LedgerCorruptError(f"{key} is not a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _str(data, key)


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerCorruptError(f"{key} is not an integer")
    return value


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise LedgerCorruptError(f"{key} is not a boolean")
    return value


def _bool_or(data: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A boolean that files written by an earlier release may lack."""
    return default if key not in data else _bool(data, key)


def _time(data: Mapping[str, Any], key: str) -> datetime:
    """A timezone-aware ISO timestamp, as UTC."""
    value = _str(data, key)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise LedgerCorruptError(f"{key} is not a timestamp") from err
    if parsed.tzinfo is None:
        raise LedgerCorruptError(f"{key} has no timezone")
    return parsed.astimezone(UTC)


def _opt_time(data: Mapping[str, Any], key: str) -> datetime | None:
    return None if data.get(key) is None else _time(data, key)


def _enum[E: StrEnum](data: Mapping[str, Any], key: str, enum: type[E]) -> E:
    value = _str(data, key)
    try:
        return enum(value)
    except ValueError as err:
        raise LedgerCorruptError(f"{key} has an unknown value") from err
