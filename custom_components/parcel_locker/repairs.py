"""Repair issues: what needs a person, said in the Repairs dashboard.

* A stored file that cannot be read stops the entry; the issue says where the
  copy of it is and how to bring it back.
* A parcel sensor that contradicts the ledger (a parcel gone, or one nobody
  expected; raised by ``sensor_issues``): the ledger is never overwritten
  from a sensor, a person looks. These issues are fixable: the repair
  offers what a person would do.
  A parcel gone: *mark collected* (it was handed out; the compartment is
  free again), *keep* (the sensor is wrong; the record stays) or *open for
  inspection* (the door opens, nothing changes hands; the sensor is judged
  again once it closes). A parcel nobody expected: *open for inspection* or
  *keep*. *Keep* is remembered until the sensor says something else (or Home
  Assistant restarts).
* Two entries for one controller (made before a controller could only be added
  once): the later one does not start, and the issue says which one to remove.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import SOURCE_IGNORE, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .compat import RepairsFlowResult
from .connection import controller_identity
from .const import DOMAIN, LOGGER
from .coordinator import ParcelLockerCoordinator
from .sensor_issues import ISSUE_PARCEL_MISSING
from .store import UnreadableStoreError, async_backup_unreadable

FIX_MARK_COLLECTED = "mark_collected"
FIX_KEEP = "keep"
FIX_INSPECT = "inspect"
# Who the audit trail says acted.
ACTOR_REPAIRS = "repairs"


def unreadable_issue_id(entry_id: str) -> str:
    """The repair issue of an entry whose stored files cannot be read."""
    return f"ledger_unreadable_{entry_id}"


async def async_report_unreadable(
    hass: HomeAssistant, entry_id: str, title: str, err: UnreadableStoreError
) -> None:
    """Back the unreadable file up and tell the installer what to do."""
    backup = await async_backup_unreadable(hass, err)
    # What is wrong with it goes to the log (English); the issue says what to do.
    LOGGER.error(
        "The stored file %s of %s cannot be read (%s); backup: %s",
        err.path,
        title,
        err.detail,
        backup or "none could be written",
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        unreadable_issue_id(entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.CRITICAL,
        translation_key="ledger_corrupt" if backup else "ledger_corrupt_no_backup",
        translation_placeholders={"title": title, "file": err.path}
        | ({"backup": backup} if backup else {}),
    )


@callback
def async_clear_unreadable(hass: HomeAssistant, entry_id: str) -> None:
    """The entry's files were read: drop a stale repair issue."""
    ir.async_delete_issue(hass, DOMAIN, unreadable_issue_id(entry_id))


def duplicate_issue_id(entry_id: str) -> str:
    """The repair issue of an entry that duplicates another's controller."""
    return f"duplicate_controller_{entry_id}"


@callback
def async_check_duplicate(
    hass: HomeAssistant, entry: ConfigEntry
) -> ConfigEntry | None:
    """The entry added before ``entry`` for the same controller, if there is one.

    Then the repair issue says to remove ``entry``; otherwise a stale one goes.
    """
    identity = _identity(entry)
    if identity is None:
        return None
    earlier = sorted(
        (
            other
            for other in hass.config_entries.async_entries(DOMAIN)
            if other.entry_id != entry.entry_id
            and not other.disabled_by
            and (other.created_at, other.entry_id) < (entry.created_at, entry.entry_id)
            and (
                _identity(other) == identity
                or (entry.unique_id is not None and other.unique_id == entry.unique_id)
            )
        ),
        key=lambda other: other.created_at,
    )
    if not earlier:
        ir.async_delete_issue(hass, DOMAIN, duplicate_issue_id(entry.entry_id))
        return None
    kept = earlier[0]
    ir.async_create_issue(
        hass,
        DOMAIN,
        duplicate_issue_id(entry.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="duplicate_controller",
        translation_placeholders={
            "title": entry.title,
            "kept": kept.title,
            "address": identity.split(":", 1)[1],
        },
    )
    return kept


@callback
def async_forget_duplicates(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """``entry`` is removed: its issue goes, and a duplicate it held back starts."""
    ir.async_delete_issue(hass, DOMAIN, duplicate_issue_id(entry.entry_id))
    issues = ir.async_get(hass)
    identity = _identity(entry)
    for other in hass.config_entries.async_entries(DOMAIN):
        held_back = issues.async_get_issue(DOMAIN, duplicate_issue_id(other.entry_id))
        if held_back and _identity(other) == identity:
            hass.config_entries.async_schedule_reload(other.entry_id)


def _identity(entry: ConfigEntry) -> str | None:
    """The controller an entry reaches (None: an ignored discovery, no link)."""
    if entry.source == SOURCE_IGNORE:
        return None
    try:
        return controller_identity(entry.data)
    except (KeyError, TypeError, ValueError):
        return None


class ParcelSensorRepair(RepairsFlow):
    """Offers what a person does about a parcel sensor that disagrees."""

    def __init__(self, data: Mapping[str, Any], kind: str) -> None:
        """The compartment and parcel of the issue."""
        self._entry_id = str(data["entry_id"])
        self._wall = str(data["wall"])
        self._number = int(data["number"])
        parcel_id = data.get("parcel_id")
        self._parcel_id = None if parcel_id is None else str(parcel_id)
        self._kind = kind

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """The choices, with the compartment named."""
        options = [FIX_INSPECT, FIX_KEEP]
        if self._kind == ISSUE_PARCEL_MISSING:
            options.insert(0, FIX_MARK_COLLECTED)
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        return self.async_show_menu(
            step_id="init",
            menu_options=options,
            description_placeholders=issue.translation_placeholders if issue else None,
        )

    async def async_step_mark_collected(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """The parcel was handed out: its compartment is free again."""
        locker = self._locker()
        if locker is None or self._parcel_id is None:
            return self.async_abort(reason="not_loaded")
        parcel_id = self._parcel_id
        try:
            await locker.async_step(
                lambda now: locker.ledger.mark_collected(
                    parcel_id, now, actor=ACTOR_REPAIRS
                )
            )
        except HomeAssistantError:
            return self.async_abort(reason="no_longer_applies")
        return self.async_create_entry(data={})

    async def async_step_keep(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """The record stays as it is; the issue goes until the sensor changes."""
        return self.async_create_entry(data={})

    async def async_step_inspect(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Open the door for a look; nothing changes hands."""
        locker = self._locker()
        if locker is None:
            return self.async_abort(reason="not_loaded")
        try:
            await locker.async_open(
                self._wall, self._number, ACTOR_REPAIRS, inspect=True
            )
        except HomeAssistantError:
            return self.async_abort(reason="open_failed")
        locker.async_recheck(self._wall, self._number)
        return self.async_create_entry(data={})

    def _locker(self) -> ParcelLockerCoordinator | None:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        locker: ParcelLockerCoordinator = entry.runtime_data
        return locker


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """The repair of a parcel sensor issue (the only fixable ones)."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    kind = issue.translation_key if issue and issue.translation_key else ""
    return ParcelSensorRepair(data or {}, kind)
