"""The config flow's questions to the controller, and their answers as form errors.

The one place where the flow talks to the controller: whatever goes wrong
becomes an error key for the form, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from modbus_connection import ModbusConnectionError, ModbusError

from .connection import create_connection
from .const import LOGGER

CANNOT_CONNECT = "cannot_connect"
WALL_NOT_ANSWERING = "wall_not_answering"
UNKNOWN = "unknown"


async def async_ask_controller[T](
    question: Callable[[], Awaitable[T]], *, failed: str
) -> tuple[T | None, dict[str, str]]:
    """Ask; the answer, or the form's errors (``failed`` when Modbus fails)."""
    try:
        return await question(), {}
    except ModbusConnectionError as err:
        LOGGER.debug("Could not reach the controller: %s", err)
        return None, {"base": CANNOT_CONNECT}
    except (ModbusError, OSError, ValueError) as err:
        LOGGER.debug("The controller did not answer: %s", err)
        return None, {"base": failed}
    except Exception:  # noqa: BLE001 - the flow must answer, whatever happened
        LOGGER.exception("Unexpected error while talking to the controller")
        return None, {"base": UNKNOWN}


async def async_check_link(data: Mapping[str, Any]) -> dict[str, str]:
    """Open the link ``data`` describes once; the form's errors if it cannot."""

    async def connect() -> None:
        connection = create_connection(data)
        try:
            await connection.connect()
        finally:
            await connection.close()

    _, errors = await async_ask_controller(connect, failed=CANNOT_CONNECT)
    return errors
