"""The entry's options: the form, its limits and checks, and the ledger settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .compat import vol
from .const import (
    CONF_ANNOUNCE_WEBHOOK,
    CONF_CODE_LENGTH,
    CONF_CODE_LIFETIME_HOURS,
    CONF_COURIER_USERS,
    CONF_DOOR_ALARM_SECONDS,
    CONF_HOUSEHOLDS,
    CONF_PICKUP_DEADLINE_DAYS,
    CONF_POLL_INTERVAL,
    CONF_REMINDER_HOURS,
    CONF_RESERVATION_MINUTES,
    CONF_SETPOINT_MAX,
    CONF_SETPOINT_MIN,
    CONF_TEMPERATURE_HIGH,
    CONF_TEMPERATURE_INTERVAL,
    CONF_TEMPERATURE_LOW,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_SETPOINT_RANGE,
    DEFAULT_TEMPERATURE_INTERVAL,
)
from .domain.ledger import LedgerSettings
from .households import HouseholdsError, format_households, parse_households

DEFAULTS = LedgerSettings()

# Per option: the lowest and highest value, the step and the unit shown.
LIMITS: Mapping[str, tuple[float, float, float, str | None]] = {
    CONF_POLL_INTERVAL: (1, 60, 1, "s"),
    CONF_TEMPERATURE_INTERVAL: (5, 3600, 1, "s"),
    CONF_CODE_LENGTH: (6, 10, 1, None),
    CONF_CODE_LIFETIME_HOURS: (1, 720, 1, "h"),
    CONF_RESERVATION_MINUTES: (1, 240, 1, "min"),
    CONF_REMINDER_HOURS: (1, 720, 1, "h"),
    CONF_DOOR_ALARM_SECONDS: (10, 3600, 1, "s"),
    CONF_TEMPERATURE_LOW: (-30, 30, 0.5, "°C"),
    CONF_TEMPERATURE_HIGH: (-30, 30, 0.5, "°C"),
    CONF_SETPOINT_MIN: (-30, 30, 0.5, "°C"),
    CONF_SETPOINT_MAX: (-30, 30, 0.5, "°C"),
    CONF_PICKUP_DEADLINE_DAYS: (1, 90, 1, "d"),
}
# Options added after the first release: a form (or an automation of it) that
# leaves them out keeps their default.
LATER_OPTIONS: Mapping[str, float] = {
    CONF_TEMPERATURE_INTERVAL: DEFAULT_TEMPERATURE_INTERVAL.total_seconds(),
    CONF_SETPOINT_MIN: DEFAULT_SETPOINT_RANGE[0],
    CONF_SETPOINT_MAX: DEFAULT_SETPOINT_RANGE[1],
    CONF_PICKUP_DEADLINE_DAYS: DEFAULTS.pickup_deadline.days,
}
WHOLE = {
    CONF_POLL_INTERVAL,
    CONF_TEMPERATURE_INTERVAL,
    CONF_CODE_LENGTH,
    CONF_CODE_LIFETIME_HOURS,
    CONF_RESERVATION_MINUTES,
    CONF_REMINDER_HOURS,
    CONF_DOOR_ALARM_SECONDS,
    CONF_PICKUP_DEADLINE_DAYS,
}


def options_defaults(entry: ConfigEntry) -> dict[str, Any]:
    """The entry's options, with the built-in defaults for those never set."""
    low, high = DEFAULTS.temperature_band
    return {
        CONF_POLL_INTERVAL: DEFAULT_POLL_INTERVAL.total_seconds(),
        CONF_TEMPERATURE_INTERVAL: DEFAULT_TEMPERATURE_INTERVAL.total_seconds(),
        CONF_CODE_LENGTH: DEFAULTS.code_length,
        CONF_CODE_LIFETIME_HOURS: DEFAULTS.code_lifetime.total_seconds() / 3600,
        CONF_RESERVATION_MINUTES: DEFAULTS.reservation_timeout.total_seconds() / 60,
        CONF_REMINDER_HOURS: DEFAULTS.reminder_interval.total_seconds() / 3600,
        CONF_DOOR_ALARM_SECONDS: DEFAULTS.door_open_alarm.total_seconds(),
        CONF_TEMPERATURE_LOW: low,
        CONF_TEMPERATURE_HIGH: high,
        CONF_SETPOINT_MIN: DEFAULT_SETPOINT_RANGE[0],
        CONF_SETPOINT_MAX: DEFAULT_SETPOINT_RANGE[1],
        CONF_PICKUP_DEADLINE_DAYS: DEFAULTS.pickup_deadline.days,
        CONF_COURIER_USERS: [],
        CONF_ANNOUNCE_WEBHOOK: False,
        **entry.options,
        # Shown as text: one household per line.
        CONF_HOUSEHOLDS: format_households(entry.options.get(CONF_HOUSEHOLDS, ())),
    }


def options_schema(users: Mapping[str, str]) -> vol.Schema:
    """Every option: number boxes with their unit, the kiosk users, households.

    ``users`` maps the user ids that may be courier kiosk users to their names.
    """
    schema: dict[vol.Marker, Any] = {
        (vol.Optional if key in LATER_OPTIONS else vol.Required)(key): NumberSelector(
            NumberSelectorConfig(
                mode=NumberSelectorMode.BOX,
                step=step,
                **({"unit_of_measurement": unit} if unit else {}),
            )
        )
        for key, (_, _, step, unit) in LIMITS.items()
    }
    schema[vol.Optional(CONF_COURIER_USERS)] = SelectSelector(
        SelectSelectorConfig(
            options=[
                SelectOptionDict(value=user_id, label=name)
                for user_id, name in users.items()
            ],
            multiple=True,
            mode=SelectSelectorMode.DROPDOWN,
        )
    )
    schema[vol.Optional(CONF_HOUSEHOLDS)] = TextSelector(
        TextSelectorConfig(multiline=True)
    )
    schema[vol.Optional(CONF_ANNOUNCE_WEBHOOK)] = BooleanSelector()
    return vol.Schema(schema)


def check_options(data: dict[str, Any], persons: Iterable[str]) -> dict[str, str]:
    """Errors by field; normalises whole numbers and households in place.

    Courier kiosk users need no check here: the selector only accepts the
    users it offered. Households must name existing ``persons``.
    """
    errors: dict[str, str] = {}
    data.setdefault(CONF_COURIER_USERS, [])
    for key, default in LATER_OPTIONS.items():
        data.setdefault(key, default)
    try:
        data[CONF_HOUSEHOLDS] = parse_households(
            str(data.get(CONF_HOUSEHOLDS) or ""), persons
        )
    except HouseholdsError as err:
        errors[CONF_HOUSEHOLDS] = err.key
    for key, (low, high, _, _) in LIMITS.items():
        value = data.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
            or (key in WHOLE and value != int(value))
        ):
            errors[key] = "out_of_range"
        elif key in WHOLE:
            data[key] = int(value)
    if not errors and data[CONF_TEMPERATURE_LOW] >= data[CONF_TEMPERATURE_HIGH]:
        errors[CONF_TEMPERATURE_HIGH] = "band_inverted"
    if not errors and data[CONF_SETPOINT_MIN] >= data[CONF_SETPOINT_MAX]:
        errors[CONF_SETPOINT_MAX] = "setpoint_range_inverted"
    return errors


def setpoint_range(options: Mapping[str, Any]) -> tuple[float, float]:
    """The lowest and highest cooling setpoint staff may set."""
    low, high = DEFAULT_SETPOINT_RANGE
    return (
        float(options.get(CONF_SETPOINT_MIN, low)),
        float(options.get(CONF_SETPOINT_MAX, high)),
    )


def ledger_settings(options: Mapping[str, Any]) -> LedgerSettings:
    """Build settings from options, with the ledger's defaults for what is unset.

    Raises the ledger's ``InvalidSettingsError`` for values it cannot use.
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
        pickup_deadline=timedelta(
            days=float(
                options.get(CONF_PICKUP_DEADLINE_DAYS, DEFAULTS.pickup_deadline.days)
            )
        ),
    )


def _hours(options: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    return timedelta(hours=float(options.get(key, default.total_seconds() / 3600)))
