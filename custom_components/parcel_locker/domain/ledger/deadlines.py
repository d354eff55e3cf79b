"""Pickup deadlines: a parcel nobody collects goes back to its sender.

* A stored delivery gets its deadline when its door closes, ``pickup_deadline``
  later (fixed then: a later change of the option affects new parcels only).
  Parcels stored by a version without deadlines follow the option from the
  time they were stored.
* Once the deadline passed, with the door closed and no cancellation pending,
  the parcel becomes ``return_to_sender``: its pickup and share codes stop
  working, a carrier collection code is issued (beside the event, like every
  code) and ``return_to_sender`` fires. No more reminders (``watchers`` only
  remind of ``stored`` parcels); its recipient can no longer open it
  (``Parcels.recipient_of``); staff still can, and ``mark_collected`` still
  hands it over at the desk.
* It leaves as ``returned`` when its door cycle ends (see ``deliveries``).
"""

from __future__ import annotations

from datetime import datetime

from .code_rules import Codes
from .journal import Journal
from .model import (
    ACTOR_AUTOMATION,
    Compartment,
    DomainEvent,
    EventType,
    LedgerSettings,
    Parcel,
    ParcelState,
    iso,
)
from .parcels import Parcels


class Deadlines:
    """Sends back the parcels whose pickup deadline passed."""

    __slots__ = ("_codes", "_journal", "_parcels")

    def __init__(self, parcels: Parcels, codes: Codes, journal: Journal) -> None:
        """Watch these parcels; revoke and issue their codes."""
        self._parcels = parcels
        self._codes = codes
        self._journal = journal

    def tick(self, now: datetime, settings: LedgerSettings) -> list[DomainEvent]:
        """Send back every stored parcel whose deadline passed."""
        events: list[DomainEvent] = []
        for parcel in self._parcels.in_progress():
            if (
                parcel.state is not ParcelState.STORED
                or parcel.cancel_pending
                or parcel.stored_at is None
            ):
                continue
            deadline = parcel.deadline or parcel.stored_at + settings.pickup_deadline
            comp = self._parcels.home(parcel)
            if now < deadline or comp.door_open:
                continue
            events.append(self._send_back(parcel, comp, deadline, now, settings))
        return events

    def _send_back(
        self,
        parcel: Parcel,
        comp: Compartment,
        deadline: datetime,
        now: datetime,
        settings: LedgerSettings,
    ) -> DomainEvent:
        self._codes.revoke_parcel_codes(parcel, comp)
        parcel.state = ParcelState.RETURN_TO_SENDER
        parcel.deadline = deadline
        issued = self._codes.issue_for_stored(parcel, now, settings)
        self._journal.record(
            now,
            "return_to_sender",
            ACTOR_AUTOMATION,
            comp=comp,
            parcel_id=parcel.parcel_id,
        )
        data = self._parcels.event_data(parcel) | {
            "expires": iso(issued.expires),
            "stored_at": iso(parcel.stored_at),
            "deadline": iso(deadline),
        }
        return DomainEvent(EventType.RETURN_TO_SENDER, data, issued=issued)
