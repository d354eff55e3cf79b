"""One frozen picture of the locker per poll: what every entity shows.

The coordinator publishes a ``LockerSnapshot`` after each poll and each action;
entities only read it (never the live ledger), through their descriptions'
``value_fn``. Equal snapshots mean nothing changed, so an idle poll wakes no
entity: parts that did not change are the very same objects as before, which
keeps comparing two snapshots cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from .ledger import UNKNOWN_RECIPIENT, CompartmentStatus, Ledger, ParcelState, Problem
from .readings import CompartmentReading, WallReading
from .sizes import Size

# What a parcel sensor behind a closed door can contradict (repair issues too).
PARCEL_MISSING = "parcel_missing"
UNEXPECTED_PARCEL = "unexpected_parcel"
# The wall's average dwell time is over the parcels collected in this window.
DWELL_WINDOW = timedelta(days=7)

# What a resident may see of each waiting parcel (``list_parcels`` key -> shown).
RESIDENT_FIELDS = MappingProxyType(
    {
        "parcel_id": "parcel_id",
        "state": "state",
        "recipient": "recipient",
        "compartment": "compartment",
        "wall": "wall",
        "wall_name": "wall_name",
        "size": "size",
        "carrier": "carrier",
        "stored_at": "since",
        "code_expires": "expires",
        "deadline": "deadline",
    }
)
# Parcels waiting for their recipient: in a compartment, or held at the desk.
WAITING_STATES = frozenset({ParcelState.STORED, ParcelState.HELD})


@dataclass(frozen=True, slots=True)
class CompartmentState:
    """One compartment: its sensors (None while its wall is silent), its status."""

    reading: CompartmentReading | None
    status: CompartmentStatus
    problems: tuple[str, ...] = ()
    """The wall's problems that are this compartment's (``Problem`` values, and
    what its parcel sensor contradicts), sorted."""
    parcel_id: str | None = None
    """The parcel it holds or is reserved for."""


@dataclass(frozen=True, slots=True)
class WallProblem:
    """One current problem and the compartment it is in (None: the whole wall)."""

    problem: str
    compartment: str | None


@dataclass(frozen=True, slots=True)
class WallState:
    """One wall: whether it answers, its compartments and its counts.

    ``problems`` names each kind of problem once (sorted); ``problem_details``
    lists every problem with its compartment, by compartment number, the
    wall's own (a keypad lock-out) last.
    """

    online: bool
    compartments: Mapping[int, CompartmentState]
    free: int
    free_by_size: Mapping[Size, int]
    waiting: int
    problems: tuple[str, ...]
    problem_details: tuple[WallProblem, ...]


@dataclass(frozen=True, slots=True)
class LockerSnapshot:
    """Every wall of one controller, and the parcels waiting per person."""

    walls: Mapping[str, WallState]
    waiting: Mapping[str, tuple[Mapping[str, Any], ...]]
    analytics: Mapping[str, WallAnalytics] = MappingProxyType({})


def wall_state(
    ledger: Ledger,
    wall_id: str,
    reading: WallReading | None,
    *,
    keypad_locked: bool,
) -> WallState:
    """What a wall shows, from the ledger and its last reading (None: offline)."""
    found = ledger.compartment_problems(wall_id)
    by_number: dict[int | None, set[str]] = {}
    for problem in found:
        by_number.setdefault(problem.number, set()).add(str(problem.problem))
    compartments: dict[int, CompartmentState] = {}
    for view in ledger.compartments(wall_id):
        if view.retired:
            continue
        read = None if reading is None else reading.compartments.get(view.number)
        problems = by_number.get(view.number, set())
        if (sensed := parcel_sensor_problem(view.status, read)) is not None:
            problems.add(sensed)
        compartments[view.number] = CompartmentState(
            reading=read,
            status=view.status,
            problems=tuple(sorted(problems)),
            parcel_id=view.parcel_id,
        )
    details = [WallProblem(str(item.problem), item.compartment) for item in found]
    if keypad_locked:
        details.append(WallProblem(str(Problem.KEYPAD_LOCKED_OUT), None))
    free_by_size: dict[Size, int] = {}
    for view in ledger.compartments(wall_id):
        if view.status is CompartmentStatus.FREE and not view.retired:
            free_by_size[view.size] = free_by_size.get(view.size, 0) + 1
    return WallState(
        online=reading is not None,
        compartments=compartments,
        free=sum(free_by_size.values()),
        free_by_size=free_by_size,
        waiting=ledger.waiting_count(wall_id),
        problems=tuple(sorted({item.problem for item in details})),
        problem_details=tuple(details),
    )


def waiting_by_person(
    ledger: Ledger, households: Mapping[str, frozenset[str]] | None = None
) -> dict[str, tuple[Mapping[str, Any], ...]]:
    """The parcels waiting for each person, oldest first; never a code.

    A person's are their own and their household's (``households``: person ->
    the persons sharing with them); ``recipient`` says whose each one is.
    """
    households = households or {}
    found: dict[str, list[dict[str, Any]]] = {}
    for parcel in ledger.list_parcels():
        recipient = parcel["recipient"]
        if recipient == UNKNOWN_RECIPIENT:
            continue
        for person in households.get(recipient, frozenset({recipient})):
            parcels = found.setdefault(person, [])
            if parcel["state"] in WAITING_STATES:
                parcels.append(
                    {shown: parcel[key] for key, shown in RESIDENT_FIELDS.items()}
                )
    return {
        recipient: tuple(sorted(parcels, key=lambda parcel: parcel["since"]))
        for recipient, parcels in found.items()
    }


def parcel_sensor_problem(
    status: CompartmentStatus, reading: CompartmentReading | None
) -> str | None:
    """What a parcel sensor behind a closed door says against the ledger, if anything.

    An open door proves nothing (a parcel is being put in or taken out).
    """
    if reading is None or reading.present is None or not reading.door_closed:
        return None
    if status is CompartmentStatus.OCCUPIED and not reading.present:
        return PARCEL_MISSING
    if status is CompartmentStatus.FREE and reading.present:
        return UNEXPECTED_PARCEL
    return None


@dataclass(frozen=True, slots=True)
class WallAnalytics:
    """What a wall's analytics sensors show (long-term statistics)."""

    occupancy: float | None
    """Compartments in use (reserved or holding a parcel), % of those in service."""
    dwell_hours: float | None
    """Average time in the locker of the parcels collected in ``DWELL_WINDOW``."""


def wall_analytics(
    ledger: Ledger, wall_id: str, now: datetime, parcels: Iterable[Mapping[str, Any]]
) -> WallAnalytics:
    """A wall's occupancy now and its recent dwell time.

    ``parcels`` are ``Ledger.list_parcels(include_finished=True)`` (every wall):
    asked once for all walls of a snapshot.
    """
    in_service = [
        view
        for view in ledger.compartments(wall_id)
        if not view.retired and view.status is not CompartmentStatus.OUT_OF_SERVICE
    ]
    used = sum(view.status is not CompartmentStatus.FREE for view in in_service)
    occupancy = round(100 * used / len(in_service), 1) if in_service else None
    since = now - DWELL_WINDOW
    hours = [
        (finished - stored).total_seconds() / 3600
        for parcel in parcels
        if parcel["wall"] == wall_id
        and parcel["state"] == ParcelState.COLLECTED
        and (stored := _time(parcel.get("stored_at"))) is not None
        and (finished := _time(parcel.get("finished_at"))) is not None
        and finished >= since
    ]
    dwell = round(sum(hours) / len(hours), 2) if hours else None
    return WallAnalytics(occupancy=occupancy, dwell_hours=dwell)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
