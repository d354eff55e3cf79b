"""What issuing, revoking and redeeming a code does (the book itself: ``codes``).

* A stored parcel has one live code: a pickup code, or a carrier collection code
  for a waiting return or a parcel sent back. It exists only while the parcel
  is stored: it is revoked whenever the parcel leaves, and replacing it makes
  the old one stop working.
* Its recipient may add one share code (``issue_share``): a one-time code for a
  neighbour, opening the same compartment, with its own window. Sharing again
  replaces it; ``revoke_shares`` ends it; a replacement pickup code leaves it.
* Courier codes are bound to one wall, a validity window and a parcel size
  (default S); each redemption reserves the smallest free compartment that fits
  that size for the code's recipient (default "unknown") and carrier (see
  ``deliveries``). ``uses`` (default 1, at
  most ``MAX_COURIER_USES``) lets one courier drop several parcels. Expired
  courier codes are kept ``EXPIRED_COURIER_CODES_KEPT`` so a late courier hears
  "expired" rather than "wrong code".
* A code's window defaults to now .. now + ``code_lifetime``; a window is fixed
  when issued (a later change of the option affects new codes only).
* A wrong, malformed, expired or not-yet-valid code raises a
  ``CodeRejectedError`` and changes nothing: wrong codes are not counted here but
  by the hub's ``domain.guard.CodeGuard``, per source, before any ledger is asked.
* The plaintext of a code is only in the ``IssuedCode`` returned once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..sizes import Size
from .codes import CodeBook, StoredCode, normalise_code, qr_payload
from .errors import CodeRejectedError, CodeRejection, ErrorKey, LedgerError
from .journal import Journal
from .model import (
    CARRIER_STATES,
    CodeKind,
    Compartment,
    IssuedCode,
    LedgerSettings,
    Parcel,
    ParcelState,
    aware,
    iso_req,
)
from .parcels import Parcels
from .walls import Walls

MAX_COURIER_USES = 20
EXPIRED_COURIER_CODES_KEPT = timedelta(days=7)


class Codes:
    """Issues, revokes and checks the codes kept in a ``CodeBook``."""

    __slots__ = ("_book", "_journal", "_parcels", "_walls")

    def __init__(
        self, book: CodeBook, walls: Walls, parcels: Parcels, journal: Journal
    ) -> None:
        """Work on ``book``; walls and parcels say what a code may be bound to."""
        self._book = book
        self._walls = walls
        self._parcels = parcels
        self._journal = journal

    # -- issuing -----------------------------------------------------------------

    def issue_code(
        self,
        parcel_id: str | None,
        now: datetime,
        settings: LedgerSettings,
        *,
        wall: str | None,
        valid_from: datetime | None,
        valid_until: datetime | None,
        size: Size,
        uses: int,
        recipient: str | None,
        carrier: str | None,
        actor: str,
    ) -> IssuedCode:
        """A replacement code for a waiting parcel, or (no parcel) a courier code."""
        start = now if valid_from is None else aware(valid_from)
        end = (
            start + settings.code_lifetime
            if valid_until is None
            else aware(valid_until)
        )
        if end <= start or end <= now:
            raise LedgerError(
                ErrorKey.INVALID_VALIDITY,
                valid_from=iso_req(start),
                valid_until=iso_req(end),
            )
        if parcel_id is not None:
            return self._replace(
                parcel_id, now, settings, start=start, end=end, actor=actor
            )
        wall_id = self._walls.default(wall)
        if isinstance(uses, bool) or not 1 <= uses <= MAX_COURIER_USES:
            raise LedgerError(
                ErrorKey.INVALID_USES, uses=str(uses), max=MAX_COURIER_USES
            )
        issued = self._issue(
            CodeKind.COURIER,
            wall_id,
            settings,
            now=now,
            valid_from=start,
            expires=end,
            uses=uses,
            size=Size(size),
            recipient=recipient,
            carrier=carrier,
        )
        self._journal.record(now, "issue_code", actor, wall=wall_id, result="courier")
        return issued

    def issue_for_stored(
        self, parcel: Parcel, now: datetime, settings: LedgerSettings
    ) -> IssuedCode:
        """The code of a parcel just stored (or sent back): pickup, or collection."""
        return self._issue(
            _kind_for(parcel),
            self._parcels.home(parcel).wall,
            settings,
            now=now,
            valid_from=now,
            expires=now + settings.code_lifetime,
            parcel=parcel,
        )

    def _replace(
        self,
        parcel_id: str,
        now: datetime,
        settings: LedgerSettings,
        *,
        start: datetime,
        end: datetime,
        actor: str,
    ) -> IssuedCode:
        parcel = self._parcels.waiting(parcel_id)
        comp = self._parcels.home(parcel)
        # A neighbour's share code is not the one being replaced.
        self.revoke_parcel_codes(parcel, comp, keep=CodeKind.SHARE)
        issued = self._issue(
            _kind_for(parcel),
            comp.wall,
            settings,
            now=now,
            valid_from=start,
            expires=end,
            parcel=parcel,
        )
        self._journal.record(
            now,
            "issue_code",
            actor,
            comp=comp,
            parcel_id=parcel_id,
            result="replacement",
        )
        return issued

    def issue_share(
        self,
        parcel_id: str,
        now: datetime,
        settings: LedgerSettings,
        *,
        valid_until: datetime | None,
        actor: str,
    ) -> IssuedCode:
        """A one-time code for a neighbour to collect a waiting parcel."""
        parcel = self._parcels.waiting(parcel_id)
        if parcel.state is not ParcelState.STORED:
            raise LedgerError(ErrorKey.PARCEL_NOT_WAITING, parcel_id=parcel_id)
        end = (
            now + settings.code_lifetime if valid_until is None else aware(valid_until)
        )
        if end <= now:
            raise LedgerError(
                ErrorKey.INVALID_VALIDITY,
                valid_from=iso_req(now),
                valid_until=iso_req(end),
            )
        comp = self._parcels.home(parcel)
        self._revoke_shares(parcel, comp)
        issued = self._issue(
            CodeKind.SHARE,
            comp.wall,
            settings,
            now=now,
            valid_from=now,
            expires=end,
            parcel=parcel,
        )
        self._journal.record(now, "share", actor, comp=comp, parcel_id=parcel_id)
        return issued

    def revoke_shares(self, parcel_id: str, now: datetime, actor: str) -> None:
        """End a parcel's share code; its pickup code keeps working."""
        parcel = self._parcels.get(parcel_id)
        if not any(
            stored.kind is CodeKind.SHARE for stored in self._book.for_parcel(parcel_id)
        ):
            raise LedgerError(ErrorKey.CODE_NOT_FOUND, target=parcel_id)
        comp = self._parcels.home(parcel)
        self._revoke_shares(parcel, comp)
        self._journal.record(now, "unshare", actor, comp=comp, parcel_id=parcel_id)

    def _revoke_shares(self, parcel: Parcel, comp: Compartment) -> None:
        self.revoke_parcel_codes(
            parcel, comp, keep=frozenset(CodeKind) - {CodeKind.SHARE}
        )

    def _issue(
        self,
        kind: CodeKind,
        wall: str,
        settings: LedgerSettings,
        *,
        now: datetime,
        valid_from: datetime,
        expires: datetime,
        parcel: Parcel | None = None,
        uses: int = 1,
        size: Size = Size.S,
        recipient: str | None = None,
        carrier: str | None = None,
    ) -> IssuedCode:
        code, digest = self._book.draw(settings.code_length)
        stored = StoredCode(
            code_id=self._book.new_code_id(),
            kind=kind,
            digest=digest,
            wall=wall,
            parcel_id=parcel.parcel_id if parcel is not None else None,
            issued=now,
            valid_from=valid_from,
            expires=expires,
            uses_left=uses,
            size=size,
            recipient=recipient,
            carrier=carrier,
        )
        self._book.add(stored)
        self._journal.changed()
        label = parcel.compartment if parcel is not None else None
        return IssuedCode(
            code=code,
            code_id=stored.code_id,
            kind=kind,
            wall=wall,
            parcel_id=stored.parcel_id,
            valid_from=valid_from,
            expires=expires,
            qr=qr_payload(kind, wall, label, code),
            uses=uses,
        )

    # -- revoking ----------------------------------------------------------------

    def revoke_code(
        self, parcel_id: str | None, code_id: str | None, now: datetime, actor: str
    ) -> None:
        """Revoke the codes of a parcel, or one code by id (e.g. a courier code)."""
        if parcel_id is None and code_id is not None:
            stored = self._book.get(code_id)
            if stored is None:
                raise LedgerError(ErrorKey.CODE_NOT_FOUND, target=code_id)
            if stored.parcel_id is None:
                self._book.remove(code_id)
                self._journal.record(
                    now, "revoke_code", actor, wall=stored.wall, result="courier"
                )
                return
            parcel_id = stored.parcel_id
        if parcel_id is None:
            raise LedgerError(ErrorKey.CODE_NOT_FOUND, target="")
        parcel = self._parcels.get(parcel_id)
        if not self._book.for_parcel(parcel_id):
            raise LedgerError(ErrorKey.CODE_NOT_FOUND, target=parcel_id)
        comp = self._parcels.home(parcel)
        self.revoke_parcel_codes(parcel, comp)
        self._journal.record(now, "revoke_code", actor, comp=comp, parcel_id=parcel_id)

    def revoke_parcel_codes(
        self,
        parcel: Parcel,
        comp: Compartment,
        *,
        keep: CodeKind | frozenset[CodeKind] = frozenset(),
    ) -> None:
        """Remove a parcel's codes (but ``keep``'s kinds) and their openings."""
        kept = {keep} if isinstance(keep, CodeKind) else keep
        removed = {
            stored.code_id
            for stored in self._book.for_parcel(parcel.parcel_id)
            if stored.kind not in kept
        }
        for code_id in removed:
            self._book.remove(code_id)
        if comp.pending is not None and comp.pending.code_id in removed:
            comp.pending = None
        if removed:
            self._journal.changed()

    def purge_expired_courier_codes(self, now: datetime) -> None:
        """Forget courier codes expired longer than ``EXPIRED_COURIER_CODES_KEPT``."""
        for stored in self._book:
            if (
                stored.parcel_id is None
                and now >= stored.expires + EXPIRED_COURIER_CODES_KEPT
            ):
                self._book.remove(stored.code_id)
                self._journal.changed()

    # -- redeeming ---------------------------------------------------------------

    def check(self, code: str, wall: str | None, now: datetime) -> StoredCode:
        """The live code equal to ``code`` (on ``wall``, when given), valid now.

        ``wall`` is the keypad's wall: only that wall's codes match. ``None`` (the
        app, an automation) matches codes of every wall.
        """
        if wall is not None:
            self._walls.get(wall)
        digits = normalise_code(code)
        if digits is None:
            raise CodeRejectedError(CodeRejection.MALFORMED)
        stored = self._book.match(digits, wall)
        if stored is None:
            raise CodeRejectedError(CodeRejection.INVALID)
        if now < stored.valid_from:
            raise CodeRejectedError(
                CodeRejection.NOT_YET_VALID, valid_from=iso_req(stored.valid_from)
            )
        if now >= stored.expires:
            raise CodeRejectedError(
                CodeRejection.EXPIRED, expires=iso_req(stored.expires)
            )
        return stored

    def spend(self, stored: StoredCode) -> None:
        """One use of a courier code; the last use removes it."""
        stored.uses_left -= 1
        if stored.uses_left <= 0:
            self._book.remove(stored.code_id)

    def consume(self, code_id: str) -> None:
        """A code is spent: the door it released really opened."""
        self._book.remove(code_id)

    def holds(self, code: str, wall: str | None) -> bool:
        """Whether a code is live here (a hint for the hub, not an attempt)."""
        digits = normalise_code(code)
        return digits is not None and self._book.match(digits, wall) is not None

    # -- listing -----------------------------------------------------------------

    def listed(self, wall: str | None) -> list[dict[str, Any]]:
        """Live codes (ids, kinds, windows; never a code or digest)."""
        return [
            stored.public()
            for stored in self._book
            if wall is None or stored.wall == wall
        ]

    def expiry(self, parcel_id: str) -> datetime | None:
        """When the last of a parcel's codes expires (None: it has none)."""
        codes = self._book.for_parcel(parcel_id)
        return max(stored.expires for stored in codes) if codes else None


def _kind_for(parcel: Parcel) -> CodeKind:
    """A return, or a parcel sent back, is for a carrier; the rest for recipients."""
    return CodeKind.RETURN if parcel.state in CARRIER_STATES else CodeKind.PICKUP
