"""What changed and when: the revision, the audit trail and the ledger's clock.

* The revision grows with every change of the ledger's state, so the glue saves
  exactly when it moved (also after a refused step: a refusal changes nothing,
  so the revision does not move either).
* The audit trail keeps the last ``AUDIT_LIMIT`` notable steps: who did what to
  which compartment. It never holds a code.
* The ledger has no clock of its own: every step passes ``now``. The latest time
  any step passed in is remembered (not stored) as the default moment for
  questions asked without one (``problems``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime

from .model import AuditEntry, Compartment, aware

AUDIT_LIMIT = 1000


class Journal:
    """The revision, the audit trail and the latest time seen."""

    __slots__ = ("_entries", "latest", "revision")

    def __init__(self) -> None:
        """Start at revision 0 with an empty trail."""
        self._entries: deque[AuditEntry] = deque(maxlen=AUDIT_LIMIT)
        self.revision = 0
        self.latest: datetime | None = None

    def at(self, now: datetime) -> datetime:
        """A step's time as UTC; it becomes the latest time seen if later."""
        now = aware(now)
        if self.latest is None or now > self.latest:
            self.latest = now
        return now

    def changed(self) -> None:
        """Count a change of state (the glue saves when the revision moved)."""
        self.revision += 1

    def record(
        self,
        now: datetime,
        action: str,
        actor: str,
        *,
        comp: Compartment | None = None,
        wall: str | None = None,
        parcel_id: str | None = None,
        result: str = "ok",
    ) -> None:
        """Append to the audit trail (never a code) and count it as a change."""
        self._entries.append(
            AuditEntry(
                time=now,
                action=action,
                wall=comp.wall if comp is not None else wall,
                compartment=comp.label if comp is not None else None,
                parcel_id=parcel_id,
                actor=actor,
                result=result,
            )
        )
        self.changed()

    def entries(self) -> list[AuditEntry]:
        """The audit trail, oldest first."""
        return list(self._entries)

    def restore(self, revision: int, entries: Iterable[AuditEntry]) -> None:
        """Take the revision and trail read from storage."""
        self.revision = revision
        self._entries.clear()
        self._entries.extend(entries)
