"""The parcel ledger: the locker's memory and the state machine of a delivery.

Pure Python, no Home Assistant imports, no I/O, no clock: every method that depends
on time takes ``now`` (timezone-aware; kept as UTC), so the glue passes
``dt_util.utcnow()`` and tests pass fixed times.

How the glue uses it
--------------------
* Call ``sync_wall`` for every configured wall at start-up (after ``from_dict``)
  and whenever a wall subentry changes.
* Call the action methods from the services, ``door_opened`` / ``door_closed`` /
  ``temperature_reading`` from sensor changes, and ``tick`` on every poll.
* Fire every returned ``DomainEvent`` as ``parcel_locker_<type>``. A refused
  operation raises a ``LedgerError`` (translation key + placeholders) and changes
  nothing.
* Save ``to_dict()`` whenever ``revision`` moved.

``Ledger`` only delegates; each rule lives, explained, next to its code:
``walls`` (configuration, choice of a compartment), ``parcels`` (records,
history), ``deliveries`` (the life cycle, parcels that do not fit),
``announcements`` (deliveries announced by tracking number), ``doors``
(authorisations, door sessions), ``code_rules`` and ``codes`` (issuing,
sharing, redeeming, hashing), ``deadlines`` (parcels sent back), ``watchers``
(reminders and alarms), ``journal`` (revision, audit trail) and
``persistence`` (the stored form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..sizes import Size
from .announcements import Announcements
from .code_rules import Codes
from .codes import CodeBook
from .deadlines import Deadlines
from .deliveries import Deliveries
from .doors import Doors
from .journal import Journal
from .model import (
    ACTOR_AUTOMATION,
    ACTOR_KEYPAD,
    AuditEntry,
    CompartmentProblem,
    CompartmentSpec,
    CompartmentStatus,
    CompartmentView,
    Consignment,
    DomainEvent,
    IssuedCode,
    LedgerSettings,
    Parcel,
    ParcelKind,
    ParcelState,
    RedeemResult,
    aware,
    iso,
)
from .parcels import Parcels
from .persistence import StoredLedger, parcel_to_dict, read, write
from .walls import Walls
from .watchers import Watchers


class Ledger:
    """Compartments, parcels, codes and the audit trail of the locker walls."""

    def __init__(
        self, secret_key: bytes, settings: LedgerSettings | None = None
    ) -> None:
        """Start an empty ledger. ``secret_key`` (>= 16 bytes) keys the code hashes."""
        self._settings = settings if settings is not None else LedgerSettings()
        self._book = CodeBook(secret_key)
        self._journal = Journal()
        self._walls = Walls(self._journal)
        self._parcels = Parcels(self._walls, self._journal)
        self._codes = Codes(self._book, self._walls, self._parcels, self._journal)
        self._doors = Doors(self._parcels, self._codes, self._journal)
        self._deliveries = Deliveries(
            self._walls, self._parcels, self._codes, self._doors, self._journal
        )
        self._watchers = Watchers(
            self._walls, self._parcels, self._codes, self._journal
        )
        self._announcements = Announcements(self._parcels, self._journal)
        self._deadlines = Deadlines(self._parcels, self._codes, self._journal)

    def __repr__(self) -> str:
        """Counts only: no key, no digests, no personal data."""
        return (
            f"Ledger(walls={len(self._walls)}, parcels={len(self._parcels)}, "
            f"codes={len(self._book)}, revision={self.revision})"
        )

    @property
    def settings(self) -> LedgerSettings:
        """Current options; assign a new ``LedgerSettings`` to change them live."""
        return self._settings

    @settings.setter
    def settings(self, value: LedgerSettings) -> None:
        if not isinstance(value, LedgerSettings):
            raise TypeError("settings must be LedgerSettings")
        self._settings = value

    @property
    def revision(self) -> int:
        """Grows on every state change: save when it moved."""
        return self._journal.revision

    # -- walls ---------------------------------------------------------------------

    def sync_wall(
        self,
        wall_id: str,
        wall_name: str,
        compartments: Sequence[CompartmentSpec],
        *,
        band: tuple[float, float] | None = None,
    ) -> list[DomainEvent]:
        """Register or update a wall from its configuration (see ``walls``).

        ``band``: the wall's own temperature band (None: the settings' band).
        """
        self._walls.sync(wall_id, wall_name, compartments, band)
        self._parcels.follow_labels(wall_id)
        return []

    def remove_wall(self, wall_id: str) -> list[DomainEvent]:
        """Forget a wall; compartments holding parcels stay (retired) until empty."""
        self._walls.remove(wall_id)
        return []

    def walls(self) -> list[str]:
        """Wall ids in their tie-break order."""
        return [wall.wall_id for wall in self._walls.ordered()]

    def wall_name(self, wall_id: str) -> str:
        """A wall's display name."""
        return self._walls.get(wall_id).name

    def compartment(self, wall: str, number: int) -> CompartmentView:
        """A snapshot of one compartment."""
        return self._walls.view(self._walls.compartment(wall, number))

    def compartments(self, wall: str) -> list[CompartmentView]:
        """Snapshots of a wall's compartments, by number."""
        return [
            self._walls.view(comp)
            for comp in self._walls.get(wall).compartments.values()
        ]

    def compartment_status(self, wall: str, number: int) -> CompartmentStatus:
        """A compartment's status."""
        return self._walls.compartment(wall, number).status

    def set_out_of_service(
        self,
        wall: str,
        number: int,
        out: bool,  # noqa: FBT001 - the contract's signature
        now: datetime,
        *,
        actor: str = ACTOR_AUTOMATION,
    ) -> list[DomainEvent]:
        """Take a free compartment out of service, or put it back."""
        now = self._journal.at(now)
        comp = self._walls.compartment(wall, number)
        self._walls.set_out_of_service(comp, now, actor, out=out)
        return []

    def free_count(self, wall: str, size: Size | None = None) -> int:
        """Free compartments of a wall, of one size when given."""
        return self._walls.free_count(wall, size)

    # -- deliveries ----------------------------------------------------------------

    def assign(  # noqa: PLR0917 - the contract's signature
        self,
        recipient: str,
        size: Size,
        carrier: str,
        tracking: str | None,
        cold: bool,  # noqa: FBT001
        wall: str | None,
        now: datetime,
        *,
        number: int | None = None,
        actor: str = ACTOR_AUTOMATION,
        created_by: str | None = None,
        announced: str | None = None,
    ) -> Parcel:
        """Reserve the best compartment for a delivery; the glue releases its lock.

        ``number`` (with ``wall``) asks for one compartment instead of choosing;
        ``announced`` names the announced parcel this delivery is.
        """
        return self._deliveries.reserve(
            ParcelKind.DELIVERY,
            Consignment(recipient, Size(size), carrier, tracking, cold),
            wall=wall,
            number=number,
            now=self._journal.at(now),
            settings=self._settings,
            actor=actor,
            created_by=created_by,
            announced=announced,
        )

    def hold(
        self,
        consignment: Consignment,
        wall: str | None,
        now: datetime,
        *,
        actor: str = ACTOR_AUTOMATION,
        announced: str | None = None,
    ) -> list[DomainEvent]:
        """Record a delivery that fits nowhere: held at the desk (``no_fit``)."""
        return self._deliveries.hold(
            consignment,
            wall=wall,
            now=self._journal.at(now),
            settings=self._settings,
            actor=actor,
            announced=announced,
        )

    def announce(
        self,
        recipient: str,
        tracking: str,
        now: datetime,
        *,
        until: datetime,
        carrier: str,
        size: Size = Size.S,
        cold: bool = False,
        actor: str = ACTOR_AUTOMATION,
        created_by: str | None = None,
    ) -> list[DomainEvent]:
        """Record a delivery expected until ``until`` (see ``announcements``)."""
        return self._announcements.announce(
            Consignment(recipient, Size(size), carrier, tracking, cold),
            until=aware(until),
            now=self._journal.at(now),
            actor=actor,
            created_by=created_by,
        )

    def announcement(self, tracking: str) -> Parcel | None:
        """The announced parcel with this tracking number (any case and spaces)."""
        return self._announcements.find(tracking)

    def start_return(
        self,
        recipient: str,
        size: Size,
        carrier: str,
        now: datetime,
        *,
        wall: str | None = None,
        tracking: str | None = None,
        actor: str = ACTOR_AUTOMATION,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve a compartment for a resident's return drop (release its lock)."""
        return self._deliveries.reserve(
            ParcelKind.RETURN,
            Consignment(recipient, Size(size), carrier, tracking),
            wall=wall,
            number=None,
            now=self._journal.at(now),
            settings=self._settings,
            actor=actor,
            created_by=created_by,
        )

    def door_opened(self, wall: str, number: int, now: datetime) -> list[DomainEvent]:
        """The door sensor reports open (see ``doors`` for what the opening is)."""
        now = self._journal.at(now)
        return self._doors.opened(self._walls.compartment(wall, number), now)

    def door_closed(self, wall: str, number: int, now: datetime) -> list[DomainEvent]:
        """The door sensor reports closed: complete what the opening was for."""
        now = self._journal.at(now)
        comp = self._walls.compartment(wall, number)
        return self._deliveries.door_closed(comp, now, self._settings)

    def authorize_open(
        self,
        wall: str,
        number: int,
        now: datetime,
        *,
        actor: str = ACTOR_AUTOMATION,
        inspect: bool = False,
    ) -> list[DomainEvent]:
        """Authorise the next opening by an admin or the parcel's recipient."""
        now = self._journal.at(now)
        comp = self._walls.compartment(wall, number)
        expires = now + self._settings.reservation_timeout
        self._doors.authorize_open(comp, now, expires, actor=actor, inspect=inspect)
        return []

    def recipient_of(self, wall: str, number: int) -> str | None:
        """Who may open it as a resident: the recipient of the stored parcel."""
        return self._parcels.recipient_of(self._walls.compartment(wall, number))

    def cancel_delivery(
        self, parcel_id: str, now: datetime, *, actor: str = ACTOR_AUTOMATION
    ) -> list[DomainEvent]:
        """Cancel a parcel: a reservation at once, a stored one with a door cycle."""
        now = self._journal.at(now)
        self._deliveries.cancel(parcel_id, now, self._settings, actor)
        return []

    def mark_collected(
        self, parcel_id: str, now: datetime, *, actor: str = ACTOR_AUTOMATION
    ) -> list[DomainEvent]:
        """Staff override: a stored parcel is gone; the compartment is free now."""
        now = self._journal.at(now)
        return self._deliveries.mark_collected(parcel_id, now, actor)

    # -- codes ---------------------------------------------------------------------

    def issue_code(
        self,
        parcel_id: str | None,
        now: datetime,
        *,
        wall: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        size: Size = Size.S,
        uses: int = 1,
        recipient: str | None = None,
        carrier: str | None = None,
        actor: str = ACTOR_AUTOMATION,
    ) -> IssuedCode:
        """Issue a replacement code for a waiting parcel, or a courier code.

        With a ``parcel_id``: the parcel's code is replaced; the old one stops
        working. Without: a courier code for ``wall`` (needed when there are
        several walls), creating parcels of ``size`` for ``recipient`` (default
        unknown), ``uses`` times. The plaintext is only in the returned code.
        """
        return self._codes.issue_code(
            parcel_id,
            self._journal.at(now),
            self._settings,
            wall=wall,
            valid_from=valid_from,
            valid_until=valid_until,
            size=size,
            uses=uses,
            recipient=recipient,
            carrier=carrier,
            actor=actor,
        )

    def share(
        self,
        parcel_id: str,
        now: datetime,
        *,
        valid_until: datetime | None = None,
        actor: str = ACTOR_AUTOMATION,
    ) -> IssuedCode:
        """A one-time code for a neighbour to collect a waiting parcel."""
        return self._codes.issue_share(
            parcel_id,
            self._journal.at(now),
            self._settings,
            valid_until=valid_until,
            actor=actor,
        )

    def unshare(
        self, parcel_id: str, now: datetime, *, actor: str = ACTOR_AUTOMATION
    ) -> list[DomainEvent]:
        """End a parcel's share code; its pickup code keeps working."""
        self._codes.revoke_shares(parcel_id, self._journal.at(now), actor)
        return []

    def code_sent(
        self, parcel_id: str, now: datetime, *, targets: int, actor: str
    ) -> list[DomainEvent]:
        """Note in the audit trail that a parcel's code was sent (never the code)."""
        parcel = self._parcels.get(parcel_id)
        self._journal.record(
            self._journal.at(now),
            "send_code",
            actor,
            wall=parcel.wall,
            parcel_id=parcel_id,
            result=str(targets),
        )
        return []

    def revoke_code(
        self,
        parcel_id: str | None,
        now: datetime,
        *,
        code_id: str | None = None,
        actor: str = ACTOR_AUTOMATION,
    ) -> list[DomainEvent]:
        """Revoke the codes of a parcel, or one code by id (e.g. a courier code)."""
        self._codes.revoke_code(parcel_id, code_id, self._journal.at(now), actor)
        return []

    def list_codes(self, wall: str | None = None) -> list[dict[str, Any]]:
        """Live codes (ids, kinds, windows; never a code or digest)."""
        return self._codes.listed(wall)

    def holds_code(self, code: str, wall: str | None = None) -> bool:
        """Whether a code is live here, without counting it as an attempt.

        Lets the hub pick which of several controllers to ask; the hub's guard
        has counted the attempt before any ledger is asked.
        """
        return self._codes.holds(code, wall)

    def redeem(
        self, code: str, wall: str | None, now: datetime, *, actor: str = ACTOR_KEYPAD
    ) -> RedeemResult:
        """Check an entered code and authorise what it opens.

        ``wall`` is the keypad's wall: only that wall's codes match; ``None`` (the
        app, an automation) matches codes of every wall. A code that opens nothing
        raises a ``CodeRejectedError`` and changes nothing.
        """
        now = self._journal.at(now)
        return self._deliveries.redeem(code, wall, now, self._settings, actor)

    # -- time ----------------------------------------------------------------------

    def temperature_reading(
        self, wall: str, number: int, celsius: float | None, now: datetime
    ) -> list[DomainEvent]:
        """A compartment's temperature (None: no sensor or no reading)."""
        now = self._journal.at(now)
        comp = self._walls.compartment(wall, number)
        return self._watchers.temperature_reading(comp, celsius, now, self._settings)

    def tick(self, now: datetime) -> list[DomainEvent]:
        """Let time pass: deadlines, announcements, reservations, watchers.

        Deadlines first: a parcel sent back is not reminded of any more.
        """
        now = self._journal.at(now)
        return (
            self._deadlines.tick(now, self._settings)
            + self._announcements.tick(now)
            + self._watchers.tick(now, self._settings)
        )

    def problems(self, wall: str, now: datetime | None = None) -> set[str]:
        """Current problems of a wall (values of ``Problem``).

        ``now`` defaults to the latest time any call passed in.
        """
        return {found.problem for found in self.compartment_problems(wall, now)}

    def compartment_problems(
        self, wall: str, now: datetime | None = None
    ) -> list[CompartmentProblem]:
        """Current problems of a wall with their compartments, by number.

        ``now`` defaults to the latest time any call passed in.
        """
        moment = self._journal.at(now) if now is not None else self._journal.latest
        return self._watchers.problems(wall, moment, self._settings)

    def setpoint_written(
        self, wall: str, number: int, celsius: float, now: datetime, *, actor: str
    ) -> list[DomainEvent]:
        """Audit a cooling setpoint written to the controller (by whom, to what)."""
        now = self._journal.at(now)
        comp = self._walls.compartment(wall, number)
        self._journal.record(now, "setpoint", actor, comp=comp, result=f"{celsius:g}")
        return []

    # -- parcels -------------------------------------------------------------------

    def waiting_count(self, wall: str | None = None) -> int:
        """Parcels stored and waiting (for the recipient, or a carrier: returns)."""
        if wall is not None:
            self._walls.get(wall)
        return self._parcels.waiting_count(wall)

    def parcel(self, parcel_id: str) -> Parcel:
        """A copy of one parcel."""
        return replace(self._parcels.get(parcel_id))

    def parcels_for(self, recipient: str) -> list[Parcel]:
        """Copies of a recipient's active parcels (reserved, stored, return waiting)."""
        return self._parcels.for_recipient(recipient)

    def open_reservations_by(self, user_id: str) -> int:
        """Reservations a user made that are still waiting for their door cycle."""
        return self._parcels.count(ParcelState.RESERVED, user_id)

    def open_announcements_by(self, user_id: str) -> int:
        """Announcements a user made that are still waiting for their parcel."""
        return self._parcels.count(ParcelState.ANNOUNCED, user_id)

    def list_parcels(
        self, wall: str | None = None, *, include_finished: bool = False
    ) -> list[dict[str, Any]]:
        """JSON-safe parcels (unfinished ones unless asked); never a code."""
        if wall is not None:
            self._walls.get(wall)
        return [
            parcel_to_dict(parcel)
            | {
                "wall_name": self._parcels.wall_name(parcel),
                "code_expires": iso(self._codes.expiry(parcel.parcel_id)),
            }
            for parcel in self._parcels.listed(wall, include_finished=include_finished)
        ]

    def audit_trail(self) -> list[AuditEntry]:
        """The audit trail, oldest first."""
        return self._journal.entries()

    # -- storage -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state: codes only as keyed digests, never the key or a code."""
        state = StoredLedger(
            revision=self._journal.revision,
            walls={wall.wall_id: wall for wall in self._walls},
            parcels={parcel.parcel_id: parcel for parcel in self._parcels},
            codes={stored.code_id: stored for stored in self._book},
            audit=self._journal.entries(),
        )
        return write(state, self._book.key_check)

    @classmethod
    def from_dict(
        cls, data: Any, secret_key: bytes, settings: LedgerSettings | None = None
    ) -> Ledger:
        """Rebuild a ledger from ``to_dict`` output, of this or an earlier version.

        Raises ``LedgerCorruptError`` for anything unreadable or inconsistent, or
        written with another key (see ``persistence``).
        """
        ledger = cls(secret_key, settings)
        state = read(data, ledger._book.key_check)
        ledger._journal.restore(state.revision, state.audit)
        ledger._walls.restore(state.walls)
        ledger._parcels.restore(state.parcels)
        ledger._book.restore(state.codes)
        return ledger
