"""The entry's options as ledger settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from .const import (
    CONF_CODE_LENGTH,
    CONF_CODE_LIFETIME_HOURS,
    CONF_DOOR_ALARM_SECONDS,
    CONF_REMINDER_HOURS,
    CONF_RESERVATION_MINUTES,
    CONF_TEMPERATURE_HIGH,
    CONF_TEMPERATURE_LOW,
)
from .domain.ledger import LedgerSettings

DEFAULTS = LedgerSettings()


def ledger_settings(options: Mapping[str, Any]) -> LedgerSettings:
    """Build settings from options, with the ledger's defaults for what is unset.

    Raises the ledger's ``LedgerError`` (``invalid_settings``) for values it cannot use.
    """
    low, high = DEFAULTS.temperature_band
    return LedgerSettings(
        code_length=int(options.get(CONF_CODE_LENGTH, DEFAULTS.code_length)),
        code_lifetime=_hours(options, CONF_CODE_LIFETIME_HOURS, DEFAULTS.code_lifetime),
        reminder_interval=_hours(
            options, CONF_REMINDER_HOURS, DEFAULTS.reminder_interval
        ),
        door_open_alarm=timedelta(
            seconds=float(
                options.get(
                    CONF_DOOR_ALARM_SECONDS, DEFAULTS.door_open_alarm.total_seconds()
                )
            )
        ),
        reservation_timeout=timedelta(
            minutes=float(
                options.get(
                    CONF_RESERVATION_MINUTES,
                    DEFAULTS.reservation_timeout.total_seconds() / 60,
                )
            )
        ),
        temperature_band=(
            float(options.get(CONF_TEMPERATURE_LOW, low)),
            float(options.get(CONF_TEMPERATURE_HIGH, high)),
        ),
    )


def _hours(options: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    return timedelta(hours=float(options.get(key, default.total_seconds() / 3600)))
