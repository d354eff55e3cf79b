"""Constants for the Parcel Locker integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "parcel_locker"
LOGGER = logging.getLogger(__package__)

SUBENTRY_WALL: Final = "wall"

# Connection (config entry data)
CONF_CONNECTION: Final = "connection"
CONNECTION_TCP: Final = "tcp"
CONNECTION_SERIAL: Final = "serial"
CONF_FRAMER: Final = "framer"
FRAMER_SOCKET: Final = "socket"
FRAMER_RTU: Final = "rtu"
CONF_BAUDRATE: Final = "baudrate"
CONF_PARITY: Final = "parity"
CONF_STOPBITS: Final = "stopbits"
CONF_BYTESIZE: Final = "bytesize"
DEFAULT_TCP_PORT: Final = 502
DEFAULT_BAUDRATE: Final = 9600

# Wall (config subentry data)
CONF_DEVICE_ID: Final = "device_id"
CONF_COMPARTMENTS: Final = "compartments"
CONF_SIZES: Final = "sizes"
CONF_COOLED: Final = "cooled"
CONF_PROFILE: Final = "profile"
CONF_PREFIX: Final = "prefix"
CONF_OPTIONAL_POINTS: Final = "optional_points"
CONF_HUB_PULSE: Final = "hub_timed_pulse"
CONF_PULSE_SECONDS: Final = "pulse_seconds"
CONF_MAP: Final = "map"
CONF_POINT_OVERRIDES: Final = "point_overrides"
CONF_RELAY_UNIT_ID: Final = "relay_unit_id"
CONF_RELAY_BASE: Final = "relay_base"
CONF_INPUT_UNIT_ID: Final = "input_unit_id"
CONF_INPUT_BASE: Final = "input_base"
CONF_INVERTED_DOORS: Final = "inverted_doors"
CONF_PROBE_UNIT_ID: Final = "probe_unit_id"
# The compartments whose temperature probe answered when the wall was detected.
CONF_PROBES: Final = "probes"
DEFAULT_PULSE_SECONDS: Final = 0.5

# Options
CONF_POLL_INTERVAL: Final = "poll_interval"
DEFAULT_POLL_INTERVAL: Final = timedelta(seconds=2)
# Temperatures, setpoints (and every door counter) are read on their own interval.
CONF_TEMPERATURE_INTERVAL: Final = "temperature_interval"
DEFAULT_TEMPERATURE_INTERVAL: Final = timedelta(seconds=30)
# Requests that get no answer within this time count as a lost controller.
REQUEST_TIMEOUT: Final = 3.0
CONF_CODE_LENGTH: Final = "code_length"
CONF_CODE_LIFETIME_HOURS: Final = "code_lifetime_hours"
CONF_REMINDER_HOURS: Final = "reminder_interval_hours"
CONF_DOOR_ALARM_SECONDS: Final = "door_open_alarm_seconds"
CONF_RESERVATION_MINUTES: Final = "reservation_timeout_minutes"
CONF_TEMPERATURE_LOW: Final = "temperature_low"
CONF_TEMPERATURE_HIGH: Final = "temperature_high"
CONF_SETPOINT_MIN: Final = "setpoint_min"
CONF_SETPOINT_MAX: Final = "setpoint_max"
# The cooling setpoint staff may set (a number entity per cooled compartment).
DEFAULT_SETPOINT_RANGE: Final = (0.0, 10.0)
CONF_COURIER_USERS: Final = "courier_users"
CONF_HOUSEHOLDS: Final = "households"
CONF_PICKUP_DEADLINE_DAYS: Final = "pickup_deadline_days"
CONF_ANNOUNCE_WEBHOOK: Final = "announce_webhook"
# Reservations a caller who is not staff may hold at once (a kiosk, a resident's
# returns): nobody can fill the wall.
MAX_OPEN_RESERVATIONS: Final = 3
# Announcements a resident may have waiting at once.
MAX_OPEN_ANNOUNCEMENTS: Final = 10
