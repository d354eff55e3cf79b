"""The parcel ledger: the locker's memory and the state machine of a delivery."""

from .announcements import MAX_ANNOUNCED
from .code_rules import MAX_COURIER_USES
from .doors import REOPEN_GRACE
from .errors import (
    CodeRejectedError,
    CodeRejection,
    ErrorKey,
    LedgerCorruptError,
    LedgerError,
    NoCompartmentAvailableError,
)
from .journal import AUDIT_LIMIT
from .ledger import Ledger
from .model import (
    ACTOR_AUTOMATION,
    ACTOR_DOOR,
    ACTOR_KEYPAD,
    CODE_LENGTH_MAX,
    CODE_LENGTH_MIN,
    UNKNOWN_CARRIER,
    UNKNOWN_RECIPIENT,
    AuditEntry,
    CodeKind,
    CompartmentSpec,
    CompartmentStatus,
    CompartmentView,
    DomainEvent,
    DoorPhase,
    EventType,
    IssuedCode,
    LedgerSettings,
    Parcel,
    ParcelKind,
    ParcelState,
    Problem,
    RedeemResult,
)
from .parcels import FINISHED_PARCELS_KEPT, tracking_key
from .persistence import STORAGE_VERSION, migrate

__all__ = [
    "ACTOR_AUTOMATION",
    "ACTOR_DOOR",
    "ACTOR_KEYPAD",
    "AUDIT_LIMIT",
    "CODE_LENGTH_MAX",
    "CODE_LENGTH_MIN",
    "FINISHED_PARCELS_KEPT",
    "MAX_ANNOUNCED",
    "MAX_COURIER_USES",
    "REOPEN_GRACE",
    "STORAGE_VERSION",
    "UNKNOWN_CARRIER",
    "UNKNOWN_RECIPIENT",
    "AuditEntry",
    "CodeKind",
    "CodeRejectedError",
    "CodeRejection",
    "CompartmentSpec",
    "CompartmentStatus",
    "CompartmentView",
    "DomainEvent",
    "DoorPhase",
    "ErrorKey",
    "EventType",
    "IssuedCode",
    "Ledger",
    "LedgerCorruptError",
    "LedgerError",
    "LedgerSettings",
    "NoCompartmentAvailableError",
    "Parcel",
    "ParcelKind",
    "ParcelState",
    "Problem",
    "RedeemResult",
    "migrate",
    "tracking_key",
]
