"""Reading stored ledger data back: versions, parsing and consistency checks.

The Home Assistant glue saves ``Ledger.to_dict()`` with a Store after every change
and hands it back to ``Ledger.from_dict`` at start-up. What comes back may be an
older version (``migrate`` upgrades it), or damaged (edited by hand, truncated,
written by a buggy version). Damaged data must never half-load into a ledger that
then loses a parcel or opens the wrong door: every reader raises
``LedgerCorruptError`` and the parts are cross-checked before the ledger is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .codes import CodeBook, StoredCode
from .model import (
    STORED_STATES,
    AuditEntry,
    CodeKind,
    Compartment,
    CompartmentStatus,
    Parcel,
    ParcelState,
    Wall,
    as_list,
    as_mapping,
    corrupt,
    read_int,
    read_str,
)

STORAGE_VERSION = 1


def migrate(data: Any) -> dict[str, Any]:
    """Upgrade stored ledger data to the current version.

    Version 1 is the first, so this only checks that the data is a versioned
    object this code can read. A later version adds steps here
    (``if version == 1: data = _v1_to_v2(data)``). Raises ``LedgerCorruptError``,
    also for a version newer than this code (a downgrade must not guess).
    """
    if not isinstance(data, Mapping):
        raise corrupt("ledger data is not an object")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise corrupt("ledger data has no version")
    if version < 1 or version > STORAGE_VERSION:
        raise corrupt(f"unsupported ledger version {version}")
    return dict(data)


@dataclass(slots=True)
class LoadedState:
    """The parts of a ledger read from storage (codes go straight into the book)."""

    revision: int
    walls: dict[str, Wall] = field(default_factory=dict)
    parcels: dict[str, Parcel] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


def load_state(raw: Mapping[str, Any], codes: CodeBook) -> LoadedState:
    """Parse migrated data and check that its parts agree."""
    try:
        state = LoadedState(revision=read_int(raw, "revision"))
        for item in as_list(raw.get("walls"), "walls"):
            wall = _load_wall(as_mapping(item, "wall"))
            if wall.wall_id in state.walls:
                raise corrupt("duplicate wall id")
            state.walls[wall.wall_id] = wall
        for item in as_list(raw.get("parcels"), "parcels"):
            parcel = Parcel.from_dict(item)
            if parcel.parcel_id in state.parcels:
                raise corrupt("duplicate parcel id")
            state.parcels[parcel.parcel_id] = parcel
        codes.load(as_list(raw.get("codes"), "codes"))
        # Files written before the hub-wide guard also hold per-wall keypad
        # counters ("keypads", "remote_keypad"): lock-outs are the guard's now.
        state.audit = [
            AuditEntry.from_dict(item) for item in as_list(raw.get("audit"), "audit")
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # pragma: no cover
        # Readers check types; this only catches what slipped past them.
        raise corrupt(f"unreadable ledger data ({type(err).__name__})") from err
    check_consistency(state, codes)
    return state


def _load_wall(data: Mapping[str, Any]) -> Wall:
    wall = Wall(
        wall_id=read_str(data, "wall_id"),
        name=read_str(data, "name"),
        order=read_int(data, "order"),
    )
    for item in as_list(data.get("compartments"), "compartments"):
        comp = Compartment.from_dict(wall.wall_id, item)
        if comp.number in wall.compartments:
            raise corrupt("duplicate compartment number")
        wall.compartments[comp.number] = comp
    return wall


def check_consistency(state: LoadedState, codes: Iterable[StoredCode]) -> None:
    """Refuse data whose parts disagree: a parcel in two places, a lost parcel, ..."""
    if state.revision < 0:
        raise corrupt("negative revision")
    held: set[str] = set()
    for wall in state.walls.values():
        for comp in wall.compartments.values():
            held |= _check_compartment(state, comp, held)
    for parcel_id, parcel in state.parcels.items():
        if parcel.active and parcel_id not in held:
            raise corrupt("active parcel without compartment")
    for stored in codes:
        _check_code(state, stored)


def _check_compartment(
    state: LoadedState, comp: Compartment, held: set[str]
) -> set[str]:
    if comp.door_open != (comp.session is not None) or comp.door_open != (
        comp.opened_at is not None
    ):
        raise corrupt("door state inconsistent")
    if comp.status in {CompartmentStatus.FREE, CompartmentStatus.OUT_OF_SERVICE}:
        if comp.parcel_id is not None or comp.retired:
            raise corrupt("free compartment holds a parcel")
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
        raise corrupt("compartment and parcel disagree")
    return {parcel.parcel_id}


def _check_code(state: LoadedState, stored: StoredCode) -> None:
    if stored.uses_left < 1:
        raise corrupt("spent code kept")
    if stored.parcel_id is None:
        if stored.kind is not CodeKind.COURIER or stored.wall not in state.walls:
            raise corrupt("courier code inconsistent")
        return
    parcel = state.parcels.get(stored.parcel_id)
    expected = {
        ParcelState.STORED: CodeKind.PICKUP,
        ParcelState.RETURN_WAITING: CodeKind.RETURN,
    }
    if parcel is None or expected.get(parcel.state) is not stored.kind:
        raise corrupt("code of a parcel that is not waiting")
