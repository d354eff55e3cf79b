"""Announced deliveries: a tracking number known before the parcel arrives.

* ``announce`` records a parcel ``announced`` for its recipient, with its size,
  cold and carrier, until ``expected_until`` (the glue makes it the end of the
  day after the expected date), and fires ``announced``. It has no compartment
  yet. A tracking number names one unfinished parcel (compared without case and
  spaces); at most ``MAX_ANNOUNCED`` announcements wait at a time, so nobody can
  fill the ledger with them.
* When a courier gives the tracking number, the announcement is delivered like
  any parcel (``Deliveries.reserve``, or ``hold`` when nothing fits), keeping its
  id, recipient, size and cold.
* An announcement nothing arrived for lapses at ``expected_until``: it becomes
  ``expired`` and ``announcement_expired`` fires (``tick``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .errors import ErrorKey, LedgerError
from .journal import Journal
from .model import (
    ACTOR_AUTOMATION,
    Consignment,
    DomainEvent,
    EventType,
    Parcel,
    ParcelKind,
    ParcelState,
    iso,
    iso_req,
)
from .parcels import Parcels, tracking_key

MAX_ANNOUNCED = 500


class Announcements:
    """Records announcements, finds them by tracking number, lets them lapse."""

    __slots__ = ("_journal", "_parcels")

    def __init__(self, parcels: Parcels, journal: Journal) -> None:
        """Announcements are parcels without a compartment."""
        self._parcels = parcels
        self._journal = journal

    def announce(
        self,
        consignment: Consignment,
        *,
        until: datetime,
        now: datetime,
        actor: str,
        created_by: str | None,
    ) -> list[DomainEvent]:
        """Record an expected delivery (see module notes)."""
        tracking = consignment.tracking or ""
        if not tracking_key(tracking):
            raise LedgerError(ErrorKey.INVALID_TRACKING)
        if until <= now:
            raise LedgerError(
                ErrorKey.ANNOUNCEMENT_IN_THE_PAST, expected_until=iso_req(until)
            )
        if self._parcels.with_tracking(tracking) is not None:
            raise LedgerError(ErrorKey.TRACKING_ALREADY_KNOWN, tracking=tracking)
        if self._parcels.count(ParcelState.ANNOUNCED) >= MAX_ANNOUNCED:
            raise LedgerError(ErrorKey.TOO_MANY_ANNOUNCEMENTS, limit=MAX_ANNOUNCED)
        parcel = self._parcels.unplaced(
            ParcelKind.DELIVERY,
            ParcelState.ANNOUNCED,
            consignment,
            wall=None,
            now=now,
            created_by=created_by,
        )
        parcel.expected_until = until
        self._journal.record(now, "announce", actor, parcel_id=parcel.parcel_id)
        return [DomainEvent(EventType.ANNOUNCED, self._event_data(parcel))]

    def find(self, tracking: str) -> Parcel | None:
        """A copy of the announced parcel with this tracking number, if any."""
        parcel = self._parcels.with_tracking(tracking)
        if parcel is None or parcel.state is not ParcelState.ANNOUNCED:
            return None
        return replace(parcel)

    def tick(self, now: datetime) -> list[DomainEvent]:
        """Announcements whose time is up lapse."""
        events: list[DomainEvent] = []
        for parcel in self._parcels.in_progress():
            until = parcel.expected_until
            if parcel.state is not ParcelState.ANNOUNCED or until is None:
                continue
            if now < until:
                continue
            self._parcels.leave(parcel, ParcelState.EXPIRED, now, ACTOR_AUTOMATION)
            self._journal.record(
                now,
                "announcement_expired",
                ACTOR_AUTOMATION,
                parcel_id=parcel.parcel_id,
            )
            events.append(
                DomainEvent(EventType.ANNOUNCEMENT_EXPIRED, self._event_data(parcel))
            )
        return events

    def _event_data(self, parcel: Parcel) -> dict[str, object]:
        return self._parcels.event_data(parcel) | {
            "cold": parcel.cold,
            "expected_until": iso(parcel.expected_until),
        }
