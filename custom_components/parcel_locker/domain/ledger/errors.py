"""Refusals of the parcel ledger.

Every refusal is a ``LedgerError``: a translation key (``ErrorKey``, one message in
``strings.json`` under ``exceptions``) and placeholders. The Home Assistant glue turns
them into a translated ``ServiceValidationError`` (or a keypad feedback value), so a
user never sees a traceback. Placeholders are values only (ids, labels, numbers, ISO
times), never English words: a message that must read differently has its own key.
They never contain a code.

Most refusals are plain ``LedgerError`` instances. A subclass exists only where a
caller acts on the kind of refusal:

* ``CodeRejectedError``: the hub's guard counts it as a failed attempt of whoever
  typed the code (``reason`` says why it opened nothing).
* ``NoCompartmentAvailableError``: an action tries the next controller's walls
  (also when the only cooled compartments that fit are not ready for a cold
  parcel: another controller's may be).
* ``LedgerCorruptError``: stored data that must not be loaded; the store keeps a
  copy and raises a repair issue.

A refusal never changes the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from ..sizes import Size


class ErrorKey(StrEnum):
    """Every translation key a ledger refusal can carry, with its placeholders."""

    UNKNOWN_WALL = "unknown_wall"  # wall
    WALL_REQUIRED = "wall_required"
    INVALID_COMPARTMENTS = "invalid_compartments"  # wall, number
    UNKNOWN_COMPARTMENT = "unknown_compartment"  # wall, number
    COMPARTMENT_NOT_FREE = "compartment_not_free"  # wall, compartment
    COMPARTMENT_OUT_OF_SERVICE = "compartment_out_of_service"  # wall, compartment
    COMPARTMENT_TOO_SMALL = (
        "compartment_too_small"  # compartment, compartment_size, size
    )
    COMPARTMENT_NOT_COOLED = "compartment_not_cooled"  # compartment
    COMPARTMENT_DOOR_OPEN = "compartment_door_open"  # compartment
    COMPARTMENT_NOT_READY_FOR_COLD = "compartment_not_ready_for_cold"  # compartment
    NO_COMPARTMENT_AVAILABLE = "no_compartment_available"  # size, wall
    NO_COMPARTMENT_AVAILABLE_ANY_WALL = "no_compartment_available_any_wall"  # size
    NO_COOLED_COMPARTMENT_AVAILABLE = "no_cooled_compartment_available"  # size, wall
    NO_COOLED_COMPARTMENT_AVAILABLE_ANY_WALL = (
        "no_cooled_compartment_available_any_wall"  # size
    )
    # Cooled compartments fit, but each is in temperature alarm or has no reading.
    NO_COOLED_COMPARTMENT_READY = (
        "no_cooled_compartment_ready"  # size, wall, compartments
    )
    NO_COOLED_COMPARTMENT_READY_ANY_WALL = (
        "no_cooled_compartment_ready_any_wall"  # size, compartments
    )
    PARCEL_NOT_FOUND = "parcel_not_found"  # parcel_id
    PARCEL_NOT_WAITING = "parcel_not_waiting"  # parcel_id
    PARCEL_FINISHED = "parcel_finished"  # parcel_id
    INVALID_CODE = "invalid_code"  # the hub adds remaining
    CODE_EXPIRED = "code_expired"  # expires
    CODE_NOT_YET_VALID = "code_not_yet_valid"  # valid_from
    CODE_NOT_FOUND = "code_not_found"  # target (a parcel id or a code id)
    INVALID_VALIDITY = "invalid_validity"  # valid_from, valid_until
    INVALID_USES = "invalid_uses"  # uses, max
    INVALID_SETTINGS = "invalid_settings"  # setting, value (a number)
    LEDGER_CORRUPT = "ledger_corrupt"
    LEDGER_KEY_MISMATCH = "ledger_key_mismatch"
    INVALID_TRACKING = "invalid_tracking"
    NOT_ANNOUNCED = "tracking_not_announced"  # tracking
    TRACKING_ALREADY_KNOWN = "tracking_already_known"  # tracking
    TOO_MANY_ANNOUNCEMENTS = "too_many_announcements"  # limit
    ANNOUNCEMENT_IN_THE_PAST = "announcement_in_the_past"  # expected_until


class LedgerError(Exception):
    """A refused ledger operation: a translation key and its placeholders."""

    def __init__(self, key: ErrorKey, /, **placeholders: str | int) -> None:
        """Keep the key and the placeholders (as text, as translations take them)."""
        self.translation_key = str(key)
        self.placeholders = {name: str(value) for name, value in placeholders.items()}
        details = ", ".join(
            f"{name}={value}" for name, value in self.placeholders.items()
        )
        super().__init__(f"{key}: {details}" if details else str(key))


class CodeRejection(StrEnum):
    """Why an entered code opened nothing."""

    INVALID = "invalid"  # no live code is equal to it
    MALFORMED = "malformed"  # it cannot be a code at all (letters, length)
    EXPIRED = "expired"  # a right code whose window has ended
    NOT_YET_VALID = "not_yet_valid"  # a right code whose window has not started


_REJECTION_KEYS = {
    CodeRejection.INVALID: ErrorKey.INVALID_CODE,
    CodeRejection.MALFORMED: ErrorKey.INVALID_CODE,
    CodeRejection.EXPIRED: ErrorKey.CODE_EXPIRED,
    CodeRejection.NOT_YET_VALID: ErrorKey.CODE_NOT_YET_VALID,
}


class CodeRejectedError(LedgerError):
    """A code that opens nothing; nothing in the ledger changed.

    The hub's guard counts it as a failure of whoever typed it. Placeholders:
    ``expires`` (expired) or ``valid_from`` (not yet valid), as ISO times.
    """

    def __init__(self, reason: CodeRejection, /, **placeholders: str) -> None:
        """Say why; the translation key follows from the reason."""
        super().__init__(_REJECTION_KEYS[reason], **placeholders)
        self.reason = reason


class NoCompartmentAvailableError(LedgerError):
    """Nothing free fits the parcel: on ``wall``, or on any wall when it is None.

    ``not_ready`` lists (as labels) the free cooled compartments that would fit a
    cold parcel but are in temperature alarm or have no reading: the message then
    says so, since staff can fix that (a probe, the cooling), unlike a full wall.
    """

    def __init__(
        self,
        size: Size,
        *,
        wall: str | None,
        cold: bool,
        not_ready: Sequence[str] = (),
    ) -> None:
        """Pick the message for a cooled or any compartment, on one wall or any."""
        placeholders: dict[str, str] = {"size": str(size)}
        if wall is not None:
            placeholders["wall"] = wall
        if cold and not_ready:
            key = (
                ErrorKey.NO_COOLED_COMPARTMENT_READY_ANY_WALL
                if wall is None
                else ErrorKey.NO_COOLED_COMPARTMENT_READY
            )
            placeholders["compartments"] = ", ".join(not_ready)
        elif cold:
            key = (
                ErrorKey.NO_COOLED_COMPARTMENT_AVAILABLE_ANY_WALL
                if wall is None
                else ErrorKey.NO_COOLED_COMPARTMENT_AVAILABLE
            )
        else:
            key = (
                ErrorKey.NO_COMPARTMENT_AVAILABLE_ANY_WALL
                if wall is None
                else ErrorKey.NO_COMPARTMENT_AVAILABLE
            )
        super().__init__(key, **placeholders)


class LedgerCorruptError(LedgerError):
    """Stored ledger data that must not be loaded.

    ``detail`` says what is wrong, for the log and the repair issue (not a
    placeholder: it is English). The key is ``ledger_key_mismatch`` when the data
    was written with another secret key (no stored code could match), else
    ``ledger_corrupt``.
    """

    def __init__(self, detail: str, *, key: ErrorKey = ErrorKey.LEDGER_CORRUPT) -> None:
        """Keep what is wrong for the log."""
        super().__init__(key)
        self.detail = detail
        self.args = (f"{key}: {detail}",)
