"""Turn library errors into translated Home Assistant errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from homeassistant.exceptions import HomeAssistantError
from modbus_connection import ModbusError

from .const import DOMAIN


@asynccontextmanager
async def modbus_error(
    translation_key: str, **placeholders: str
) -> AsyncIterator[None]:
    """Raise a translated ``HomeAssistantError`` when the controller fails."""
    try:
        yield
    except ModbusError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={**placeholders, "error": str(err)},
        ) from err
