"""The one place where refusals become translated Home Assistant errors.

The domain raises ``LedgerError``s (a translation key and plain placeholders),
the link raises ``modbus_connection`` errors; users only ever see these
translated messages from ``strings.json``, never a traceback or an English
string made up in code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from modbus_connection import ModbusError

from .const import DOMAIN
from .domain.ledger import LedgerError, NoCompartmentAvailableError


class NothingFitsError(ServiceValidationError):
    """No free compartment fits: another controller may still have one."""


def refused(key: str, **placeholders: str) -> ServiceValidationError:
    """A request refused for what it asked (bad input, not allowed now)."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def failed(key: str, **placeholders: str) -> HomeAssistantError:
    """A request that could not be carried out (controller, disk)."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def ledger_refusal(err: LedgerError) -> ServiceValidationError:
    """A step the ledger refused, as the user reads it."""
    kind = (
        NothingFitsError
        if isinstance(err, NoCompartmentAvailableError)
        else ServiceValidationError
    )
    return kind(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=err.placeholders,
    )


@asynccontextmanager
async def controller_errors(key: str, **placeholders: str) -> AsyncIterator[None]:
    """Turn a failed Modbus request into a translated error naming what failed."""
    try:
        yield
    except ModbusError as err:
        raise failed(key, **placeholders, error=str(err)) from err
