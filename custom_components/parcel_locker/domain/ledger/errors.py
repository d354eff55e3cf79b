"""Errors of the parcel ledger.

Every refusal of the ledger is a ``LedgerError``: the Home Assistant glue turns
``translation_key`` and ``placeholders`` into a translated ``ServiceValidationError``
(or a keypad feedback value), so a user never sees a traceback. Placeholders are
plain strings and never contain a code.

A refusal never changes the ledger. Wrong codes are counted outside it, by the
hub's guard (``domain.guard``).
"""

from __future__ import annotations

from collections.abc import Mapping


class LedgerError(Exception):
    """A refused ledger operation, described by a translation key and placeholders."""

    translation_key = "ledger_error"

    def __init__(self, placeholders: Mapping[str, str] | None = None) -> None:
        """Keep the placeholders (strings only)."""
        self.placeholders: dict[str, str] = dict(placeholders or {})
        details = ", ".join(
            f"{key}={value}" for key, value in self.placeholders.items()
        )
        super().__init__(
            f"{self.translation_key}: {details}" if details else self.translation_key
        )


class UnknownWallError(LedgerError):
    """No wall with this id. Placeholders: ``wall``."""

    translation_key = "unknown_wall"


class WallRequiredError(LedgerError):
    """Several walls exist and the operation must name one. No placeholders."""

    translation_key = "wall_required"


class InvalidCompartmentsError(LedgerError):
    """A wall's compartment list is unusable. Placeholders: ``wall``, ``number``."""

    translation_key = "invalid_compartments"


class UnknownCompartmentError(LedgerError):
    """No such compartment. Placeholders: ``wall``, ``number``."""

    translation_key = "unknown_compartment"


class NoCompartmentAvailableError(LedgerError):
    """Nothing free fits. Placeholders: ``size``, ``wall`` (id or ``any``), ``cold``."""

    translation_key = "no_compartment_available"


class CompartmentNotFreeError(LedgerError):
    """The compartment holds or expects a parcel.

    Placeholders: ``wall``, ``compartment`` (label), ``status``.
    """

    translation_key = "compartment_not_free"


class CompartmentOutOfServiceError(LedgerError):
    """The compartment is out of service. Placeholders: ``wall``, ``compartment``."""

    translation_key = "compartment_out_of_service"


class CompartmentTooSmallError(LedgerError):
    """The chosen compartment is smaller than the parcel.

    Placeholders: ``compartment``, ``compartment_size``, ``size``.
    """

    translation_key = "compartment_too_small"


class CompartmentNotCooledError(LedgerError):
    """A cold parcel was sent to a compartment without cooling.

    Placeholders: ``compartment``.
    """

    translation_key = "compartment_not_cooled"


class CompartmentDoorOpenError(LedgerError):
    """The chosen compartment's door is open. Placeholders: ``compartment``."""

    translation_key = "compartment_door_open"


class ParcelNotFoundError(LedgerError):
    """No parcel with this id. Placeholders: ``parcel_id``."""

    translation_key = "parcel_not_found"


class NotInStateError(LedgerError):
    """The parcel is not in a state that allows the operation.

    Placeholders: ``parcel_id``, ``state`` (current), ``expected`` (comma list).
    """

    translation_key = "not_in_state"


class CodeRejectedError(LedgerError):
    """A code that opens nothing. ``reason`` says why; nothing in the ledger changed.

    The hub's guard counts it as a failure of whoever typed it.
    """

    reason = "invalid"


class InvalidCodeError(CodeRejectedError):
    """A wrong or malformed code. The hub adds ``remaining`` (attempts left)."""

    translation_key = "invalid_code"

    def __init__(self, reason: str = "invalid") -> None:
        """Say whether the code was wrong or could not be a code at all."""
        super().__init__()
        self.reason = reason


class CodeExpiredError(CodeRejectedError):
    """A code that was right but has expired. Placeholders: ``expires`` (ISO)."""

    translation_key = "code_expired"
    reason = "expired"


class CodeNotYetValidError(CodeRejectedError):
    """A code whose validity window has not started. Placeholders: ``valid_from``."""

    translation_key = "code_not_yet_valid"
    reason = "not_yet_valid"


class CodeNotFoundError(LedgerError):
    """Nothing to revoke. Placeholders: ``target`` (a parcel id or code id)."""

    translation_key = "code_not_found"


class InvalidValidityError(LedgerError):
    """A code validity window that ends before it starts or is already over.

    Placeholders: ``valid_from``, ``valid_until`` (ISO).
    """

    translation_key = "invalid_validity"


class InvalidUsesError(LedgerError):
    """A courier code's number of uses is out of range.

    Placeholders: ``uses``, ``max``.
    """

    translation_key = "invalid_uses"


class InvalidSettingsError(LedgerError):
    """A ledger setting out of range. Placeholders: ``setting``, ``value``."""

    translation_key = "invalid_settings"


class LedgerCorruptError(LedgerError):
    """Stored ledger data that cannot be read. Placeholders: ``reason``."""

    translation_key = "ledger_corrupt"


class LedgerKeyMismatchError(LedgerCorruptError):
    """Stored data was written with another secret key: no stored code could match.

    No placeholders.
    """

    translation_key = "ledger_key_mismatch"
