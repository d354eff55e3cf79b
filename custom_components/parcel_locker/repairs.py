"""Repair issues: what needs a person, said in the Repairs dashboard.

* A stored file that cannot be read stops the entry; the issue says where the
  copy of it is and how to bring it back.
* A parcel sensor that contradicts the ledger (a parcel gone, or one nobody
  expected): the ledger is never overwritten from a sensor, a person looks.
"""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .store import UnreadableStoreError, async_backup_unreadable

ISSUE_PARCEL_MISSING = "parcel_missing"
ISSUE_UNEXPECTED_PARCEL = "unexpected_parcel"


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


class ParcelSensorIssues:
    """One repair issue per compartment whose parcel sensor contradicts the ledger.

    Issues are created and deleted only when a compartment's verdict changes
    (and once for all on the first check), not on every poll.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing checked yet."""
        self._hass = hass
        self._known: dict[tuple[str, int], str] | None = None

    @callback
    def async_update(
        self,
        found: Mapping[tuple[str, int], str],
        checked: set[tuple[str, int]],
        labels: Mapping[tuple[str, int], tuple[str, str]],
    ) -> None:
        """Raise ``found`` (compartment -> issue kind), clear the rest of ``checked``.

        ``labels`` gives each compartment's label and wall name for the text.
        """
        first = self._known is None
        known = self._known or {}
        for place, kind in found.items():
            if not first and known.get(place) == kind:
                continue
            label, wall_name = labels[place]
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                _issue_id(*place),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=kind,
                translation_placeholders={"compartment": label, "wall": wall_name},
            )
        stale = (checked if first else set(known)) - set(found)
        for place in stale:
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(*place))
        self._known = dict(found)


def _issue_id(wall_id: str, number: int) -> str:
    return f"presence_{wall_id}_{number}"
