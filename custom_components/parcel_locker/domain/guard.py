"""One guard for every code attempt of the hub: who may try, and how often.

Every code attempt (the app, an automation, the kiosk, any wall's keypad; with or
without a wall) passes here before any ledger is searched. Failures are counted per
*source*: each Home Assistant user is a source, each wall's keypad is a source, and
automations (no user) share one. The policy, per source:

* At most ``THRESHOLD`` failures within a sliding ``WINDOW``: the failure that
  reaches it starts a lock-out of ``BASE * 2**(level - 1)``, at most ``LONGEST``,
  where ``level`` counts the source's lock-outs. Each further failure while the
  window still holds ``THRESHOLD`` of them locks again, twice as long. ``level``
  goes back to 0 only once the window holds no failure at all.
* An accepted code changes nothing here: a source cannot wash its failures out
  with its own right codes.
* While a source is locked out its attempts are refused without being looked at.
  They are only counted in memory and summarised once, when the lock-out is over,
  so an attack can neither rewrite the stored files nor push other history out.
* One source's lock-out never refuses another source's attempt: a resident who
  guesses in the app never locks a wall's keypad, nor another resident.

Pure Python: no Home Assistant imports, time passed in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

THRESHOLD = 5
WINDOW = timedelta(hours=1)
BASE = timedelta(seconds=30)
LONGEST = timedelta(hours=1)
# Lines kept in the security log (rejections, lock-outs, their summaries).
SECURITY_LOG_LIMIT = 500
# Doublings stop growing long before this; it only keeps 2**n small.
_MAX_DOUBLINGS = 32

SOURCE_AUTOMATION = "automation"


class SourceKind(StrEnum):
    """Where code attempts come from."""

    USER = "user"
    KEYPAD = "keypad"
    AUTOMATION = "automation"


def user_source(user_id: str) -> str:
    """The source of a Home Assistant user's attempts."""
    return f"{SourceKind.USER}:{user_id}"


def keypad_source(wall_id: str) -> str:
    """The source of one wall's keypad."""
    return f"{SourceKind.KEYPAD}:{wall_id}"


def source_kind(source: str) -> SourceKind:
    """What kind of source a source id names."""
    return SourceKind(source.partition(":")[0])


def source_wall(source: str) -> str | None:
    """The wall of a keypad source, None for other sources."""
    kind, _, rest = source.partition(":")
    return rest if kind == SourceKind.KEYPAD else None


def backoff(level: int) -> timedelta:
    """How long the ``level``-th lock-out in a row lasts."""
    doublings = min(max(level - 1, 0), _MAX_DOUBLINGS)
    return min(BASE * (1 << doublings), LONGEST)


class LockedOutError(Exception):
    """The source is locked out; its attempt was not looked at."""

    def __init__(self, source: str, until: datetime) -> None:
        """Keep who is locked out and until when."""
        super().__init__(f"{source} locked out until {until.isoformat()}")
        self.source = source
        self.until = until


@dataclass(frozen=True, slots=True)
class Failure:
    """What counting one failure did to its source."""

    failures: int
    """Failures in the window, this one included."""
    remaining: int
    """Failures still allowed before a lock-out (0 once locked out)."""
    locked_until: datetime | None
    """Set when this failure started a lock-out."""
    level: int


@dataclass(frozen=True, slots=True)
class SecurityEntry:
    """One line of the security log. Never holds a code."""

    time: datetime
    action: str
    source: str
    actor: str
    wall: str | None
    result: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "time": self.time.isoformat(),
            "action": self.action,
            "source": self.source,
            "actor": self.actor,
            "wall": self.wall,
            "result": self.result,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SecurityEntry:
        """Read the form written by ``to_dict``."""
        return cls(
            time=_time(raw["time"]),
            action=str(raw["action"]),
            source=str(raw["source"]),
            actor=str(raw["actor"]),
            wall=None if raw.get("wall") is None else str(raw["wall"]),
            result=str(raw["result"]),
        )


@dataclass(slots=True)
class _Source:
    """What the guard remembers of one source."""

    failures: deque[datetime] = field(default_factory=deque)
    level: int = 0
    locked_until: datetime | None = None
    # Memory only: attempts refused during the current lock-out, by actor.
    refused: int = 0
    refused_actor: str = ""

    def prune(self, now: datetime) -> None:
        while self.failures and now - self.failures[0] >= WINDOW:
            self.failures.popleft()
        if not self.failures and not self.locked(now):
            self.level = 0

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def to_dict(self) -> dict[str, Any]:
        return {
            "failures": [moment.isoformat() for moment in self.failures],
            "level": self.level,
            "locked_until": None
            if self.locked_until is None
            else self.locked_until.isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> _Source:
        level = int(raw.get("level", 0))
        if level < 0:
            raise ValueError("negative lock-out level")
        until = raw.get("locked_until")
        return cls(
            failures=deque(sorted(_time(item) for item in raw.get("failures", []))),
            level=level,
            locked_until=None if until is None else _time(until),
        )


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("stored time without a time zone")
    return parsed.astimezone(UTC)


class CodeGuard:
    """Failures and lock-outs of every source of code attempts, and their log."""

    def __init__(self) -> None:
        """Start with nobody counted."""
        self._sources: dict[str, _Source] = {}
        self._log: deque[SecurityEntry] = deque(maxlen=SECURITY_LOG_LIMIT)
        self._revision = 0

    def __repr__(self) -> str:
        """Counts only."""
        return f"CodeGuard(sources={len(self._sources)}, log={len(self._log)})"

    @property
    def revision(self) -> int:
        """Grows whenever something worth saving changed."""
        return self._revision

    def _source(self, source: str, now: datetime) -> _Source:
        record = self._sources.get(source)
        if record is None:
            record = self._sources[source] = _Source()
        record.prune(now)
        return record

    def check(self, source: str, now: datetime, *, actor: str) -> None:
        """Let an attempt through, or raise ``LockedOutError`` (counted in memory)."""
        record = self._sources.get(source)
        if record is None:
            return
        self._summarise(source, record, now)
        until = record.locked_until
        if until is not None and now < until:
            record.refused += 1
            record.refused_actor = actor
            raise LockedOutError(source, until)

    def fail(
        self,
        source: str,
        now: datetime,
        *,
        actor: str,
        reason: str,
        wall: str | None = None,
    ) -> Failure:
        """Count an evaluated wrong code; a lock-out starts when the window is full."""
        record = self._source(source, now)
        record.failures.append(now)
        locked_until = None
        if len(record.failures) >= THRESHOLD:
            record.level += 1
            locked_until = record.locked_until = now + backoff(record.level)
            record.refused = 0
        self._append(now, "code_rejected", source, actor, wall, reason)
        if locked_until is not None:
            self._append(
                now, "locked_out", source, actor, wall, locked_until.isoformat()
            )
        return Failure(
            failures=len(record.failures),
            remaining=max(THRESHOLD - len(record.failures), 0),
            locked_until=locked_until,
            level=record.level,
        )

    def locked_until(self, source: str, now: datetime) -> datetime | None:
        """End of the source's current lock-out, or None."""
        record = self._sources.get(source)
        if record is None or not record.locked(now):
            return None
        return record.locked_until

    def locked_sources(self, now: datetime) -> set[str]:
        """Every source locked out at ``now``."""
        return {
            source for source, record in self._sources.items() if record.locked(now)
        }

    def tick(self, now: datetime) -> bool:
        """Summarise lock-outs that are over, forget idle sources; whether it moved."""
        before = self._revision
        for source, record in list(self._sources.items()):
            self._summarise(source, record, now)
            record.prune(now)
            if not record.failures and record.level == 0 and not record.locked(now):
                del self._sources[source]
                self._revision += 1
        return self._revision != before

    def _summarise(self, source: str, record: _Source, now: datetime) -> None:
        """Once a lock-out is over, one line says how many attempts it refused."""
        if record.locked(now) or record.locked_until is None:
            return
        if record.refused:
            self._append(
                record.locked_until,
                "refused_while_locked_out",
                source,
                record.refused_actor,
                source_wall(source),
                str(record.refused),
            )
        record.refused = 0
        record.locked_until = None
        self._revision += 1

    def _append(  # noqa: PLR0917 - one log line's fields
        self,
        now: datetime,
        action: str,
        source: str,
        actor: str,
        wall: str | None,
        result: str,
    ) -> None:
        self._log.append(
            SecurityEntry(
                time=now,
                action=action,
                source=source,
                actor=actor,
                wall=wall,
                result=result,
            )
        )
        self._revision += 1

    def log(self) -> Iterator[SecurityEntry]:
        """The security log, oldest first."""
        return iter(list(self._log))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (refusals during a lock-out are not part of it)."""
        return {
            "sources": {
                source: record.to_dict() for source, record in self._sources.items()
            },
            "log": [entry.to_dict() for entry in self._log],
        }

    @classmethod
    def from_dict(cls, raw: Any) -> CodeGuard:
        """Rebuild from ``to_dict``; raises ``ValueError`` for damaged data."""
        if not isinstance(raw, Mapping):
            raise TypeError("guard data is not an object")
        guard = cls()
        try:
            guard._sources = {
                str(source): _Source.from_dict(item)
                for source, item in dict(raw.get("sources") or {}).items()
            }
            guard._log.extend(
                SecurityEntry.from_dict(item) for item in raw.get("log") or []
            )
            for source in guard._sources:
                source_kind(source)
        except (KeyError, TypeError, AttributeError) as err:
            raise ValueError(f"damaged guard data ({type(err).__name__})") from err
        return guard
