"""Every life-cycle event in Home Assistant's logbook, as one sentence.

The sentences live in ``strings.json`` (``selector.logbook``) and are loaded in
the configured language when the integration sets up (the logbook asks for a
description synchronously). A sentence names what the event itself names (the
wall, the compartment, the recipient's person) and never a code. Every event
type of the ledger and of the code guard has a sentence of its own (a test
holds it); an event that lacks a detail its sentence needs still reads as a
sentence (``other``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import UnitOfTemperature
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.unit_conversion import TemperatureConverter

from .const import DOMAIN
from .domain.ledger import UNKNOWN_RECIPIENT, EventType

DATA_SENTENCES: HassKey[dict[str, str]] = HassKey(f"{DOMAIN}_logbook")
_PREFIX = f"component.{DOMAIN}.selector.logbook.options."
# The hub guard's events: they read by their source (``SourceKind``).
GUARD_EVENTS = ("code_rejected", "keypad_locked_out")
FALLBACK = "other"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

type _Describe = Callable[[str, str, Callable[[Event], dict[str, str]]], None]


async def async_load_sentences(hass: HomeAssistant) -> None:
    """Read the sentences in the configured language (English where missing)."""
    strings = await async_get_translations(
        hass, hass.config.language, "selector", {DOMAIN}
    )
    hass.data[DATA_SENTENCES] = {
        key.removeprefix(_PREFIX): text
        for key, text in strings.items()
        if key.startswith(_PREFIX)
    }


def described_events() -> list[str]:
    """The event types the logbook is told how to describe."""
    return sorted({str(kind) for kind in EventType} | set(GUARD_EVENTS))


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: _Describe) -> None:
    """Describe each of the locker's events (the logbook calls this)."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        kind = str(event.event_type).removeprefix(f"{DOMAIN}_")
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("wall_name") or "Parcel Locker",
            LOGBOOK_ENTRY_MESSAGE: sentence(hass, kind, event.data),
        }

    for kind in described_events():
        async_describe_event(DOMAIN, f"{DOMAIN}_{kind}", describe)


def sentence(hass: HomeAssistant, kind: str, data: Mapping[str, Any]) -> str:
    """The sentence for one event, its details filled in."""
    sentences = hass.data.get(DATA_SENTENCES, {})
    details = _details(hass, kind, data, sentences)
    for key in (_variant(kind, data), kind, FALLBACK):
        template = sentences.get(key)
        if template is None:
            continue
        needed = set(_PLACEHOLDER.findall(template))
        if needed <= details.keys():
            return _PLACEHOLDER.sub(lambda match: details[match.group(1)], template)
    return kind.replace("_", " ")


def _variant(kind: str, data: Mapping[str, Any]) -> str:
    """Some events read differently by what the event says."""
    if kind == EventType.PICKED_UP and data.get("override"):
        return f"{kind}_override"
    if kind == EventType.TEMPERATURE_ALARM and data.get("celsius") is None:
        return f"{kind}_no_reading"
    if kind in GUARD_EVENTS:
        return f"{kind}_{data.get('source')}"
    return kind


def _details(
    hass: HomeAssistant,
    kind: str,
    data: Mapping[str, Any],
    sentences: Mapping[str, str],
) -> dict[str, str]:
    """The placeholders an event can fill: names and numbers, never a code."""
    details = {"event": kind.replace("_", " ")}
    if (compartment := data.get("compartment")) is not None:
        details["compartment"] = str(compartment)
    recipient = data.get("recipient")
    if recipient == UNKNOWN_RECIPIENT:
        details["recipient"] = sentences.get("recipient_unknown", recipient)
    elif isinstance(recipient, str):
        state = hass.states.get(recipient)
        details["recipient"] = state.name if state is not None else recipient
    if isinstance(by := data.get("by"), str) and by.startswith("user:"):
        details["user"] = by.removeprefix("user:")
    if isinstance(hours := data.get("waiting_hours"), (int, float)):
        details["hours"] = f"{hours:g}"
    if isinstance(seconds := data.get("seconds"), (int, float)):
        details["minutes"] = str(max(1, round(seconds / 60)))
    if isinstance(until := data.get("until"), str) and (
        moment := dt_util.parse_datetime(until)
    ):
        details["until"] = dt_util.as_local(moment).strftime("%H:%M")
    for key, field in (("temperature", "celsius"), ("low", "low"), ("high", "high")):
        if isinstance(value := data.get(field), (int, float)):
            details[key] = _temperature(hass, float(value))
    return details


def _temperature(hass: HomeAssistant, celsius: float) -> str:
    """A temperature in the unit Home Assistant shows."""
    unit = hass.config.units.temperature_unit
    value = TemperatureConverter.convert(celsius, UnitOfTemperature.CELSIUS, unit)
    return f"{value:.1f} {unit}"
