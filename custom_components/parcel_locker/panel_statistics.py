"""The last days of each wall's use, from the recorder's long-term statistics.

The panel's statistics tab reads what Home Assistant's statistics and history
graphs show: the daily statistics of each wall's analytics sensors (``sensor``
platform): occupancy and dwell time as the day's mean, deliveries as the day's
change of the counter. No statistics yet (or no recorder): the days are null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .panel_views import lockers

# The panel's field, the wall sensor's key, and which daily figure it is.
FIGURES = (
    ("occupancy", "occupancy", "mean"),
    ("deliveries", "deliveries", "change"),
    ("dwell_hours", "dwell_time", "mean"),
)
_DIGITS = {"occupancy": 1, "deliveries": 0, "dwell_hours": 1}


async def async_wall_days(hass: HomeAssistant, days: int) -> list[dict[str, Any]]:
    """Each wall's last ``days`` days (today included), oldest first."""
    today = dt_util.start_of_local_day()
    first = today - timedelta(days=days - 1)
    registry = er.async_get(hass)
    walls = [
        (wall_id, wall.name)
        for locker in lockers(hass)
        for wall_id, wall in locker.walls.items()
    ]
    sensors = {
        (wall_id, field): entity_id
        for wall_id, _ in walls
        for field, key, _ in FIGURES
        if (
            entity_id := registry.async_get_entity_id(
                "sensor", DOMAIN, f"{wall_id}_{key}"
            )
        )
    }
    rows: Mapping[str, list[Any]] = {}
    if sensors and "recorder" in hass.config.components:
        rows = await get_instance(hass).async_add_executor_job(
            statistics_during_period,
            hass,
            first,
            None,
            set(sensors.values()),
            "day",
            {"duration": UnitOfTime.HOURS},
            {"mean", "change"},
        )
    dates = [(first + timedelta(days=offset)).date() for offset in range(days)]
    return [
        {
            "wall_id": wall_id,
            "name": name,
            "days": _days(
                dates,
                {
                    field: rows.get(sensors.get((wall_id, field), ""), [])
                    for field, _, _ in FIGURES
                },
            ),
        }
        for wall_id, name in walls
    ]


def _days(
    dates: Iterable[date], series: Mapping[str, list[Any]]
) -> list[dict[str, Any]]:
    """One point per day; a day without a statistic is null."""
    by_day: dict[date, dict[str, float | None]] = {}
    for field, _, kind in FIGURES:
        for row in series[field]:
            day = dt_util.as_local(_start(row["start"])).date()
            by_day.setdefault(day, {})[field] = _rounded(field, row.get(kind))
    return [
        {"date": day.isoformat()}
        | {field: by_day.get(day, {}).get(field) for field, _, _ in FIGURES}
        for day in dates
    ]


def _start(value: float | datetime) -> datetime:
    """A statistics row's start (a timestamp; a datetime on older versions)."""
    return value if isinstance(value, datetime) else dt_util.utc_from_timestamp(value)


def _rounded(field: str, value: Any) -> float | None:
    if not isinstance(value, (int, float)):
        return None
    digits = _DIGITS[field]
    return round(float(value)) if digits == 0 else round(float(value), digits)
