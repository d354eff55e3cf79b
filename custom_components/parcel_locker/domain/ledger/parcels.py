"""The parcels the ledger knows of: records, ids, reservations, history, event data.

* A parcel is ``reserved`` when a compartment is chosen for it (``reserve``); the
  reservation lapses at ``reserved_until`` unless the door opens. Deadlines are
  fixed when set: changing ``reservation_timeout`` affects new reservations only.
* A parcel holds its compartment while it is active (reserved, stored, return
  waiting, return to sender); ``leave`` gives the compartment back when it
  reaches a final state.
* An announced or held parcel has no compartment (``unplaced``); an announced
  one becomes a reservation when its tracking number is given, keeping its id.
* Tracking numbers are compared without case and spaces (``tracking_key``).
* Parcels that left are kept for history, the newest ``FINISHED_PARCELS_KEPT``.
* Public answers are copies: nothing outside the ledger changes a parcel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
import secrets
from typing import Any

from .errors import ErrorKey, LedgerError
from .journal import Journal
from .model import (
    STORED_STATES,
    UNKNOWN_RECIPIENT,
    Compartment,
    CompartmentStatus,
    Consignment,
    Parcel,
    ParcelKind,
    ParcelState,
)
from .walls import Walls

FINISHED_PARCELS_KEPT = 500


def tracking_key(tracking: str) -> str:
    """A tracking number as compared: without case and without spaces."""
    return "".join(tracking.split()).casefold()


class Parcels:
    """Every parcel by id: the active ones and the newest finished ones."""

    __slots__ = ("_in_progress", "_journal", "_parcels", "_walls")

    def __init__(self, walls: Walls, journal: Journal) -> None:
        """Start with no parcel."""
        self._walls = walls
        self._journal = journal
        self._parcels: dict[str, Parcel] = {}
        self._in_progress: tuple[int, list[Parcel]] | None = None

    def __iter__(self) -> Iterator[Parcel]:
        """The parcels, oldest first (the stored order)."""
        return iter(list(self._parcels.values()))

    def __len__(self) -> int:
        """Number of parcels, finished ones included."""
        return len(self._parcels)

    def in_progress(self) -> list[Parcel]:
        """The parcels not finished yet, oldest first: those time can act on.

        Worked out once per revision (every change of state moves it), so a
        poll that changed nothing does not walk the finished ones kept for
        history again.
        """
        revision = self._journal.revision
        if self._in_progress is None or self._in_progress[0] != revision:
            self._in_progress = (
                revision,
                [parcel for parcel in self._parcels.values() if not parcel.finished],
            )
        return list(self._in_progress[1])

    def restore(self, parcels: dict[str, Parcel]) -> None:
        """Take the parcels read from storage."""
        self._parcels = parcels
        self._in_progress = None

    # -- lookups -----------------------------------------------------------------

    def get(self, parcel_id: str) -> Parcel:
        """A parcel by id (the record itself: callers inside the ledger only)."""
        parcel = self._parcels.get(parcel_id)
        if parcel is None:
            raise LedgerError(ErrorKey.PARCEL_NOT_FOUND, parcel_id=str(parcel_id))
        return parcel

    def unfinished(self, parcel_id: str) -> Parcel:
        """A parcel that has not reached a final state."""
        parcel = self.get(parcel_id)
        if parcel.finished:
            raise LedgerError(ErrorKey.PARCEL_FINISHED, parcel_id=parcel_id)
        return parcel

    def waiting(self, parcel_id: str) -> Parcel:
        """A parcel stored and waiting (for its recipient, or a carrier: a return)."""
        parcel = self.get(parcel_id)
        if parcel.state not in STORED_STATES:
            raise LedgerError(ErrorKey.PARCEL_NOT_WAITING, parcel_id=parcel_id)
        return parcel

    def home(self, parcel: Parcel) -> Compartment:
        """The compartment an active parcel occupies (consistent by construction)."""
        if parcel.wall is None or parcel.number is None:
            raise LedgerError(ErrorKey.PARCEL_NOT_WAITING, parcel_id=parcel.parcel_id)
        return self._walls.compartment(parcel.wall, parcel.number)

    def inside(self, comp: Compartment) -> Parcel | None:
        """The parcel a compartment holds or expects."""
        return None if comp.parcel_id is None else self._parcels[comp.parcel_id]

    # -- life cycle --------------------------------------------------------------

    def reserve(
        self,
        comp: Compartment,
        kind: ParcelKind,
        consignment: Consignment,
        *,
        now: datetime,
        until: datetime,
        created_by: str | None = None,
        announced: Parcel | None = None,
    ) -> Parcel:
        """A new parcel (or the ``announced`` one) reserving ``comp`` until ``until``.

        The reservation is the authorisation of the next opening: an earlier one
        is moot.
        """
        parcel = self.unplaced(
            kind,
            ParcelState.RESERVED,
            consignment,
            wall=comp.wall,
            now=now,
            created_by=created_by,
            announced=announced,
        )
        parcel.number = comp.number
        parcel.compartment = comp.label
        parcel.reserved_until = until
        parcel.expected_until = None
        # Counted against the reserving user's open reservations, whoever
        # announced it.
        parcel.created_by = created_by
        comp.status = CompartmentStatus.RESERVED
        comp.parcel_id = parcel.parcel_id
        comp.pending = None
        comp.grace = None
        comp.grace_until = None
        self._journal.changed()
        return parcel

    def unplaced(
        self,
        kind: ParcelKind,
        state: ParcelState,
        consignment: Consignment,
        *,
        wall: str | None,
        now: datetime,
        created_by: str | None = None,
        announced: Parcel | None = None,
    ) -> Parcel:
        """A new parcel without a compartment (yet), or ``announced`` updated.

        Its compartment (if it gets one) is the caller's to set.
        """
        parcel = announced or Parcel.new(
            self._new_id(),
            kind,
            state,
            consignment,
            created=now,
            created_by=created_by,
        )
        parcel.state = state
        parcel.describe(consignment)
        parcel.wall = wall
        self._parcels[parcel.parcel_id] = parcel
        self._journal.changed()
        return parcel

    def leave(self, parcel: Parcel, state: ParcelState, now: datetime, by: str) -> None:
        """A parcel reaches a final state: its compartment (if any) is free again."""
        comp = self.home(parcel) if parcel.active else None
        parcel.state = state
        parcel.finished_at = now
        parcel.finished_by = by
        if comp is not None:
            self._walls.release(comp)
        else:
            self._journal.changed()
        self._prune()

    def follow_labels(self, wall_id: str) -> None:
        """Active parcels take their compartment's label after a reconfiguration."""
        for comp in self._walls.get(wall_id).compartments.values():
            if (parcel := self.inside(comp)) is not None:
                parcel.compartment = comp.label

    def _new_id(self) -> str:
        while True:
            parcel_id = secrets.token_hex(6)
            if parcel_id not in self._parcels:
                return parcel_id

    def _prune(self) -> None:
        finished = [parcel for parcel in self._parcels.values() if parcel.finished]
        excess = len(finished) - FINISHED_PARCELS_KEPT
        if excess <= 0:
            return
        epoch = datetime.min.replace(tzinfo=UTC)
        finished.sort(key=lambda parcel: parcel.finished_at or epoch)
        for parcel in finished[:excess]:
            del self._parcels[parcel.parcel_id]

    # -- queries -----------------------------------------------------------------

    def waiting_count(self, wall: str | None = None) -> int:
        """Parcels stored and waiting, on one wall when given."""
        return sum(
            1
            for parcel in self._parcels.values()
            if parcel.state in STORED_STATES and (wall is None or parcel.wall == wall)
        )

    def count(self, state: ParcelState, created_by: str | None = None) -> int:
        """Parcels in ``state`` (made by one user when given)."""
        return sum(
            1
            for parcel in self._parcels.values()
            if parcel.state is state
            and (created_by is None or parcel.created_by == created_by)
        )

    def with_tracking(self, tracking: str) -> Parcel | None:
        """The unfinished parcel with this tracking number (any case and spaces)."""
        key = tracking_key(tracking)
        return next(
            (
                parcel
                for parcel in self._parcels.values()
                if not parcel.finished
                and parcel.tracking is not None
                and tracking_key(parcel.tracking) == key
            ),
            None,
        )

    def for_recipient(self, recipient: str) -> list[Parcel]:
        """Copies of a recipient's active parcels."""
        return [
            replace(parcel)
            for parcel in self._parcels.values()
            if parcel.recipient == recipient and parcel.active
        ]

    def recipient_of(self, comp: Compartment) -> str | None:
        """Who may open it as a resident: the recipient of the stored parcel.

        Nobody once the parcel goes back to its sender: it waits for a carrier.
        """
        parcel = self.inside(comp)
        if (
            comp.status is not CompartmentStatus.OCCUPIED
            or parcel is None
            or parcel.state is ParcelState.RETURN_TO_SENDER
        ):
            return None
        return None if parcel.recipient == UNKNOWN_RECIPIENT else parcel.recipient

    def listed(self, wall: str | None, *, include_finished: bool) -> list[Parcel]:
        """The parcels of a wall (every wall: None); unfinished ones unless asked.

        Parcels without a wall (announced, or held for any wall) are listed
        only for every wall.
        """
        return [
            parcel
            for parcel in self._parcels.values()
            if (wall is None or parcel.wall == wall)
            and (include_finished or not parcel.finished)
        ]

    # -- event data --------------------------------------------------------------

    def wall_name(self, parcel: Parcel) -> str | None:
        """The name of the wall a parcel is on (or meant for), if any."""
        return None if parcel.wall is None else self._walls.name_of(parcel.wall)

    def event_data(self, parcel: Parcel) -> dict[str, Any]:
        """The common keys of an event about a parcel."""
        return {
            "parcel_id": parcel.parcel_id,
            "recipient": parcel.recipient,
            "compartment": parcel.compartment,
            "wall": parcel.wall,
            "wall_name": self.wall_name(parcel),
            "number": parcel.number,
            "size": str(parcel.size),
            "carrier": parcel.carrier,
            "tracking": parcel.tracking,
            "kind": str(parcel.kind),
        }

    def compartment_event_data(self, comp: Compartment) -> dict[str, Any]:
        """The common keys of an event about a compartment (no parcel: None)."""
        if (parcel := self.inside(comp)) is not None:
            return self.event_data(parcel)
        return {
            "parcel_id": None,
            "recipient": None,
            "compartment": comp.label,
            "wall": comp.wall,
            "wall_name": self._walls.name_of(comp.wall),
            "number": comp.number,
            "size": None,
            "carrier": None,
            "tracking": None,
            "kind": None,
        }
