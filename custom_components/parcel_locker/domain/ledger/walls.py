"""The locker walls and their compartments: configuration, lookups, views, choice.

* Call ``sync`` for every configured wall at start-up and whenever its
  configuration changes. Existing compartments keep their state (parcel, door,
  codes); new ones start free. A wall may have its own temperature band
  (``band``); without one its cooled compartments follow the settings' band.
* Compartments removed from the configuration while holding a parcel are kept as
  ``retired`` until the parcel leaves, so a reconfiguration never loses a parcel;
  a retired compartment is never assigned and not counted as free.
* Out of service is only possible for a free compartment (a parcel inside must be
  taken out first), so a status always agrees with its parcel.
* Compartment choice (``choose``): the smallest size that fits; a cold parcel only
  goes to a cooled compartment; a normal parcel prefers any non-cooled compartment
  (of any size) over a cooled one, since cooled ones are scarce; ties by wall order
  (first synced first), then number. Compartments out of service, retired, or with
  an open door are skipped.
* Cold chain: a cold parcel only goes to a cooled compartment that is ready for
  it, one whose probe reads within its wall's band now. That skips compartments
  in temperature alarm (an alarm only ends with a reading in band) and those
  without a reading (no probe, a silent probe, nothing read yet). When that
  leaves nothing, the refusal names the compartments that are not ready.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from ..sizes import MAX_COMPARTMENTS, Size
from .errors import ErrorKey, LedgerError, NoCompartmentAvailableError
from .journal import Journal
from .model import (
    Compartment,
    CompartmentSpec,
    CompartmentStatus,
    CompartmentView,
    LedgerSettings,
    Wall,
    checked_band,
)


class Walls:
    """The walls by id, each with its compartments by number."""

    __slots__ = ("_journal", "_walls")

    def __init__(self, journal: Journal) -> None:
        """Start with no wall."""
        self._journal = journal
        self._walls: dict[str, Wall] = {}

    def __iter__(self) -> Iterator[Wall]:
        """The walls in the order they were added (the stored order)."""
        return iter(self._walls.values())

    def __len__(self) -> int:
        """Number of walls."""
        return len(self._walls)

    def restore(self, walls: dict[str, Wall]) -> None:
        """Take the walls read from storage."""
        self._walls = walls

    # -- lookups -----------------------------------------------------------------

    def get(self, wall_id: str) -> Wall:
        """A wall by id."""
        wall = self._walls.get(wall_id)
        if wall is None:
            raise LedgerError(ErrorKey.UNKNOWN_WALL, wall=str(wall_id))
        return wall

    def name_of(self, wall_id: str) -> str | None:
        """A wall's name, or None once the wall is gone."""
        wall = self._walls.get(wall_id)
        return wall.name if wall is not None else None

    def compartment(self, wall_id: str, number: int) -> Compartment:
        """A compartment by wall and number."""
        wall = self._walls.get(wall_id)
        comp = wall.compartments.get(number) if wall is not None else None
        if comp is None:
            raise LedgerError(
                ErrorKey.UNKNOWN_COMPARTMENT, wall=str(wall_id), number=str(number)
            )
        return comp

    def ordered(self) -> list[Wall]:
        """The walls in their tie-break order."""
        return sorted(self._walls.values(), key=lambda wall: wall.order)

    def compartments(self) -> list[Compartment]:
        """Every compartment, by wall order then number."""
        return [comp for wall in self.ordered() for comp in wall.compartments.values()]

    def default(self, wall_id: str | None) -> str:
        """The named wall, or the only one there is (several: say which)."""
        if wall_id is not None:
            return self.get(wall_id).wall_id
        if len(self._walls) != 1:
            raise LedgerError(ErrorKey.WALL_REQUIRED)
        return next(iter(self._walls))

    @staticmethod
    def view(comp: Compartment) -> CompartmentView:
        """A read-only snapshot of a compartment."""
        return CompartmentView(
            wall=comp.wall,
            number=comp.number,
            label=comp.label,
            size=comp.size,
            cooled=comp.cooled,
            status=comp.status,
            phase=comp.phase,
            door_open=comp.door_open,
            parcel_id=comp.parcel_id,
            temperature=comp.temperature,
            retired=comp.retired,
        )

    def free_count(self, wall_id: str, size: Size | None = None) -> int:
        """Free compartments of a wall, of one size when given."""
        return sum(
            1
            for comp in self.get(wall_id).compartments.values()
            if comp.status is CompartmentStatus.FREE
            and not comp.retired
            and (size is None or comp.size == size)
        )

    # -- configuration -----------------------------------------------------------

    def sync(
        self,
        wall_id: str,
        name: str,
        compartments: Sequence[CompartmentSpec],
        band: tuple[float, float] | None = None,
    ) -> None:
        """Register or update a wall from its configuration (see module notes)."""
        numbers = _spec_numbers(wall_id, compartments)
        band = None if band is None else checked_band(band)
        changed = False
        wall = self._walls.get(wall_id)
        if wall is None:
            order = max((item.order for item in self._walls.values()), default=-1) + 1
            wall = Wall(wall_id=wall_id, name=name, order=order)
            self._walls[wall_id] = wall
            changed = True
        elif wall.name != name:
            wall.name = name
            changed = True
        for spec in compartments:
            changed |= _sync_compartment(wall, spec)
        for number, comp in list(wall.compartments.items()):
            if number in numbers:
                continue
            if comp.parcel_id is None:
                del wall.compartments[number]
                changed = True
            elif not comp.retired:
                comp.retired = True
                changed = True
        wall.compartments = dict(sorted(wall.compartments.items()))
        wall.band = band  # configuration, not stored: no change to save
        if changed:
            self._journal.changed()

    def remove(self, wall_id: str) -> None:
        """Forget a wall; compartments holding parcels stay (retired) until empty."""
        wall = self.get(wall_id)
        self.sync(wall_id, wall.name, [])
        if not wall.compartments:
            del self._walls[wall_id]
            self._journal.changed()

    def set_out_of_service(
        self, comp: Compartment, now: datetime, actor: str, *, out: bool
    ) -> None:
        """Take a free compartment out of service, or put it back.

        Asking for the state it already has changes nothing.
        """
        if out:
            if comp.status is CompartmentStatus.OUT_OF_SERVICE:
                return
            if comp.status is not CompartmentStatus.FREE:
                raise _not_free(comp)
            comp.status = CompartmentStatus.OUT_OF_SERVICE
        else:
            if comp.status is not CompartmentStatus.OUT_OF_SERVICE:
                return
            comp.status = CompartmentStatus.FREE
        self._journal.record(
            now, "out_of_service", actor, comp=comp, result="on" if out else "off"
        )

    # -- assignment --------------------------------------------------------------

    def band(self, wall_id: str, settings: LedgerSettings) -> tuple[float, float]:
        """The temperature band of a wall's cooled compartments."""
        return self.get(wall_id).temperature_band(settings)

    def _fitting(
        self, size: Size, *, cold: bool, wall: str | None
    ) -> list[Compartment]:
        """Free compartments the parcel fits in (cooled ones for a cold parcel)."""
        walls = [self.get(wall)] if wall is not None else self.ordered()
        return [
            comp
            for item in walls
            for comp in item.compartments.values()
            if _assignable(comp)
            and size.fits_in(comp.size)
            and (comp.cooled or not cold)
        ]

    def not_ready_for_cold(
        self, size: Size, *, wall: str | None, settings: LedgerSettings
    ) -> list[str]:
        """Free cooled compartments a cold parcel fits in but may not go to now."""
        return [
            comp.label
            for comp in self._fitting(size, cold=True, wall=wall)
            if not self.ready_for_cold(comp, settings)
        ]

    def ready_for_cold(self, comp: Compartment, settings: LedgerSettings) -> bool:
        """A cooled compartment whose probe reads within its band now."""
        low, high = self.band(comp.wall, settings)
        return (
            comp.cooled
            and not comp.temp_alarm
            and comp.temperature is not None
            and low <= comp.temperature <= high
        )

    def choose(
        self,
        size: Size,
        *,
        cold: bool,
        wall: str | None,
        number: int | None,
        settings: LedgerSettings,
    ) -> Compartment:
        """The compartment a parcel goes to (see module notes).

        ``number`` (with ``wall``) asks for one compartment instead of choosing;
        it is refused, with the reason, if it cannot take the parcel.
        """
        if number is not None:
            if wall is None:
                raise LedgerError(ErrorKey.WALL_REQUIRED)
            comp = self.compartment(wall, number)
            _check_choice(comp, size, cold=cold)
            if cold and not self.ready_for_cold(comp, settings):
                raise LedgerError(
                    ErrorKey.COMPARTMENT_NOT_READY_FOR_COLD, compartment=comp.label
                )
            return comp
        fitting = self._fitting(size, cold=cold, wall=wall)
        candidates = [
            comp for comp in fitting if not cold or self.ready_for_cold(comp, settings)
        ]
        if not candidates:
            raise NoCompartmentAvailableError(
                size,
                wall=wall,
                cold=cold,
                not_ready=[comp.label for comp in fitting],
            )
        return min(
            candidates,
            key=lambda comp: (
                comp.cooled and not cold,
                comp.size.rank,
                self._walls[comp.wall].order,
                comp.number,
            ),
        )

    def release(self, comp: Compartment) -> None:
        """Free a compartment; a retired one is dropped (an emptied wall with it)."""
        comp.status = CompartmentStatus.FREE
        comp.parcel_id = None
        comp.pending = None
        self._journal.changed()
        if comp.retired:
            wall = self._walls[comp.wall]
            del wall.compartments[comp.number]
            if not wall.compartments:
                del self._walls[wall.wall_id]


def _spec_numbers(wall_id: str, compartments: Sequence[CompartmentSpec]) -> set[int]:
    """The configured compartment numbers: each 1..250, unique, of a known size."""
    numbers: set[int] = set()
    for spec in compartments:
        if (
            isinstance(spec.number, bool)
            or not isinstance(spec.number, int)
            or not 1 <= spec.number <= MAX_COMPARTMENTS
            or spec.number in numbers
            or spec.size not in set(Size)
        ):
            raise LedgerError(
                ErrorKey.INVALID_COMPARTMENTS, wall=wall_id, number=str(spec.number)
            )
        numbers.add(spec.number)
    return numbers


def _sync_compartment(wall: Wall, spec: CompartmentSpec) -> bool:
    """Add or update one configured compartment; whether anything changed."""
    comp = wall.compartments.get(spec.number)
    if comp is None:
        wall.compartments[spec.number] = Compartment(
            wall=wall.wall_id,
            number=spec.number,
            label=spec.label,
            size=Size(spec.size),
            cooled=bool(spec.cooled),
        )
        return True
    before = (comp.label, comp.size, comp.cooled, comp.retired)
    comp.label, comp.size, comp.cooled, comp.retired = (
        spec.label,
        Size(spec.size),
        bool(spec.cooled),
        False,
    )
    if not comp.cooled:
        # No longer watched: an excursion of its cooled days must not linger.
        comp.temp_out_since = comp.probe_silent_since = None
        comp.temp_alarm_fired = comp.silent_alarm_fired = False
    return before != (comp.label, comp.size, comp.cooled, comp.retired)


def _assignable(comp: Compartment) -> bool:
    return (
        comp.status is CompartmentStatus.FREE
        and not comp.retired
        and not comp.door_open
    )


def _not_free(comp: Compartment) -> LedgerError:
    return LedgerError(
        ErrorKey.COMPARTMENT_NOT_FREE, wall=comp.wall, compartment=comp.label
    )


def _check_choice(comp: Compartment, size: Size, *, cold: bool) -> None:
    """Refuse a compartment asked for by number that cannot take the parcel."""
    if comp.status is CompartmentStatus.OUT_OF_SERVICE:
        raise LedgerError(
            ErrorKey.COMPARTMENT_OUT_OF_SERVICE, wall=comp.wall, compartment=comp.label
        )
    if comp.status is not CompartmentStatus.FREE or comp.retired:
        raise _not_free(comp)
    if comp.door_open:
        raise LedgerError(ErrorKey.COMPARTMENT_DOOR_OPEN, compartment=comp.label)
    if not size.fits_in(comp.size):
        raise LedgerError(
            ErrorKey.COMPARTMENT_TOO_SMALL,
            compartment=comp.label,
            compartment_size=str(comp.size),
            size=str(size),
        )
    if cold and not comp.cooled:
        raise LedgerError(ErrorKey.COMPARTMENT_NOT_COOLED, compartment=comp.label)
