"""What the actions' fields accept, and the checks several actions share.

Every validator raises the schema library's ``Invalid`` (Home Assistant turns it
into a translated validation error); the checks that need Home Assistant's
state raise a translated refusal (``errors``).
"""

from __future__ import annotations

from datetime import datetime
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .compat import vol
from .domain.ledger import IssuedCode
from .domain.sizes import Size
from .errors import refused

MAX_TEXT = 100
# Codes may be valid from and until dates in this range only.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_PERSON = re.compile(r"person\.[a-z0-9_]+")
_NOTIFY = re.compile(r"notify\.[a-z0-9_]+")
MAX_TARGETS = 10

text = vol.All(cv.string, vol.Length(min=1, max=MAX_TEXT))
size = vol.All(vol.Upper, vol.Coerce(Size))
wall = vol.All(cv.string, vol.Length(min=1, max=MAX_TEXT))


def notify_entities(value: Any) -> list[str]:
    """One to ten notify entity ids (a list, or text separated by commas).

    Home Assistant's own ``cv.entities_domain`` lets a ``TypeError`` escape for
    values that are neither text nor a list.
    """
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",")]
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TARGETS:
        raise vol.Invalid(f"expected 1 to {MAX_TARGETS} notify entities")
    found: list[str] = [_notify_entity(item) for item in value]
    return list(dict.fromkeys(found))


def _notify_entity(value: Any) -> str:
    if not isinstance(value, str) or not _NOTIFY.fullmatch(value):
        raise vol.Invalid("expected a notify entity id, e.g. notify.staff_telegram")
    return value


def person(value: Any) -> str:
    """A ``person`` entity id, exactly (no stray spaces or line breaks)."""
    if not isinstance(value, str) or not _PERSON.fullmatch(value):
        raise vol.Invalid("expected a person entity id, e.g. person.bob")
    return value


def whole_number(value: Any) -> int:
    """An integer; infinity and NaN are refused like any other bad value.

    ``vol.Coerce(int)`` lets the ``OverflowError`` of ``int(inf)`` escape.
    """
    if isinstance(value, bool):
        raise vol.Invalid("expected a whole number")
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise vol.Invalid("expected a whole number") from err


def date_time(value: Any) -> datetime:
    """A date and time, refusing text that is not valid Unicode first.

    Home Assistant's parser (ciso8601 2.3.3) crashes the whole process on a
    string holding a lone UTF-16 surrogate; such text is refused here instead.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise vol.Invalid("invalid date and time") from err
    return cv.datetime(value)


def window_time(value: datetime | None, key: str) -> datetime | None:
    """A validity bound as given; without a time zone it is Home Assistant's.

    The UI's date and time picker sends local times without a zone. Dates
    outside 2000-2100 are refused (they are typing mistakes, and the far end
    of the calendar overflows date arithmetic).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    if not FIRST_YEAR <= value.year < LAST_YEAR:
        raise refused(
            "date_out_of_range",
            field=key,
            first=str(FIRST_YEAR),
            last=str(LAST_YEAR),
        )
    return dt_util.as_utc(value)


def require_person(hass: HomeAssistant, recipient: str) -> None:
    """A parcel is for someone who exists in Home Assistant."""
    if hass.states.get(recipient) is None:
        raise refused("unknown_recipient", recipient=recipient)


def code_response(issued: IssuedCode) -> dict[str, Any]:
    """An issued code as an action answers it (the code included)."""
    return {
        "code": issued.code,
        "code_id": issued.code_id,
        "kind": str(issued.kind),
        "wall": issued.wall,
        "parcel_id": issued.parcel_id,
        "valid_from": issued.valid_from.isoformat(),
        "expires": issued.expires.isoformat(),
        "qr": issued.qr,
        "uses": issued.uses,
    }
