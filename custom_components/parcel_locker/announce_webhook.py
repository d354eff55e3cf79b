"""Announcing deliveries over a webhook, for shops and carriers (an option).

``POST /api/webhook/<id>`` with a JSON object of the ``announce_delivery``
fields: ``recipient`` (a ``person`` entity id, or a person's name),
``tracking``, and optionally ``carrier``, ``size``, ``cold`` and ``expected``
(a date, ``2026-03-01``). The id is shown to staff in the options.

A webhook takes no login: whoever knows its id may post (Home Assistant also
lists webhook ids to every logged-in user). So:

* the id is not guessable (a keyed hash of the install key and the entry),
  and the webhook is off until staff turn it on in the options;
* a request is checked strictly: at most ``MAX_BODY`` bytes of JSON, an
  object with only the known fields, each of its form; it can only create
  an announcement (never change or remove one, nor take over a tracking
  number already known);
* at most ``REQUESTS_PER_HOUR`` requests an hour are looked at, and the ledger
  keeps at most ``MAX_ANNOUNCED`` announcements waiting;
* the answer never repeats what was sent nor tells anything about residents
  but "unknown recipient": ``201 {"status": "announced"}``, or an error
  status with ``{"error": <reason>}`` (and the ``field`` that was wrong);
* the audit trail names the webhook as the actor.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
import hashlib
import hmac
from http import HTTPStatus
import json
from typing import Any

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from . import action_fields as fields
from .announcing import (
    expected_date,
    expected_until,
    find_announcement,
    find_person,
    tracking_number,
)
from .compat import vol
from .const import DOMAIN
from .coordinator import ParcelLockerConfigEntry, ParcelLockerCoordinator
from .domain.ledger import UNKNOWN_CARRIER
from .domain.sizes import Size

MAX_BODY = 2048
REQUESTS_PER_HOUR = 60
ACTOR_WEBHOOK = "webhook"
_CONTEXT = b"parcel_locker/webhook/v1:"

ANNOUNCEMENT = vol.Schema(
    {
        vol.Required("recipient"): vol.All(str, vol.Length(min=1, max=100)),
        vol.Required("tracking"): tracking_number,
        vol.Optional("carrier", default=UNKNOWN_CARRIER): fields.text,
        vol.Optional("size", default=Size.S): fields.size,
        vol.Optional("cold", default=False): bool,
        vol.Optional("expected"): expected_date,
    },
    extra=vol.PREVENT_EXTRA,
)


def webhook_id_for(secret_key: bytes, entry_id: str) -> str:
    """The entry's webhook id: not guessable, the same at every start."""
    digest = hmac.new(secret_key, _CONTEXT + entry_id.encode(), hashlib.sha256)
    return f"{DOMAIN}_{digest.hexdigest()[:32]}"


def _answer(http_status: HTTPStatus, **body: str) -> web.Response:
    return web.json_response(body, status=http_status)


class AnnouncementWebhook:
    """The webhook of one entry: its rate limit and its handler."""

    def __init__(self, entry_id: str, webhook_id: str) -> None:
        """Nothing received yet."""
        self.entry_id = entry_id
        self.webhook_id = webhook_id
        self._received: deque[datetime] = deque()

    @callback
    def async_register(self, hass: HomeAssistant, name: str) -> None:
        """Listen on ``/api/webhook/<id>`` (POST only, from anywhere)."""
        webhook.async_register(
            hass,
            DOMAIN,
            name,
            self.webhook_id,
            self.async_handle,
            local_only=False,
            allowed_methods=["POST"],
        )

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Check the request strictly, then announce the delivery."""
        if self._over_limit(dt_util.utcnow()):
            return _answer(HTTPStatus.TOO_MANY_REQUESTS, error="too_many_requests")
        data = await _read(request)
        if isinstance(data, web.Response):
            return data
        locker = self._locker(hass)
        if locker is None:
            return _answer(HTTPStatus.SERVICE_UNAVAILABLE, error="not_loaded")
        recipient = find_person(hass, data["recipient"])
        if recipient is None:
            return _answer(HTTPStatus.UNPROCESSABLE_ENTITY, error="unknown_recipient")
        return await self._announce(hass, locker, recipient, data)

    async def _announce(
        self,
        hass: HomeAssistant,
        locker: ParcelLockerCoordinator,
        recipient: str,
        data: dict[str, Any],
    ) -> web.Response:
        tracking: str = data["tracking"]
        if find_announcement(hass, tracking, None) is not None:
            return _answer(HTTPStatus.CONFLICT, error="tracking_already_known")
        try:
            until = expected_until(data.get("expected"))
            await locker.async_step(
                lambda now: locker.ledger.announce(
                    recipient,
                    tracking,
                    now,
                    until=until,
                    carrier=data["carrier"],
                    size=data["size"],
                    cold=data["cold"],
                    actor=ACTOR_WEBHOOK,
                )
            )
        except ServiceValidationError as err:
            status = (
                HTTPStatus.CONFLICT
                if err.translation_key == "tracking_already_known"
                else HTTPStatus.UNPROCESSABLE_ENTITY
            )
            return _answer(status, error=str(err.translation_key))
        except HomeAssistantError:  # the ledger could not be saved
            return _answer(HTTPStatus.SERVICE_UNAVAILABLE, error="not_saved")
        return _answer(HTTPStatus.CREATED, status="announced")

    def _over_limit(self, now: datetime) -> bool:
        """Count this request; whether the hour's allowance was used up."""
        while self._received and now - self._received[0] >= timedelta(hours=1):
            self._received.popleft()
        if len(self._received) >= REQUESTS_PER_HOUR:
            return True
        self._received.append(now)
        return False

    def _locker(self, hass: HomeAssistant) -> ParcelLockerCoordinator | None:
        entry: ParcelLockerConfigEntry | None = hass.config_entries.async_get_entry(
            self.entry_id
        )
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        return entry.runtime_data


async def _read(request: web.Request) -> dict[str, Any] | web.Response:
    """The announcement asked for, or the answer saying what is wrong with it."""
    if (request.content_length or 0) > MAX_BODY:
        return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error="too_large")
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error="too_large")
    try:
        raw = json.loads(body)
    except ValueError:
        return _answer(HTTPStatus.BAD_REQUEST, error="invalid_json")
    try:
        data: dict[str, Any] = ANNOUNCEMENT(raw)
    except vol.Invalid as err:
        field = str(err.path[0]) if err.path else ""
        return _answer(HTTPStatus.BAD_REQUEST, error="invalid_field", field=field)
    return data


def webhook_path(webhook_id: str) -> str:
    """Where shops and carriers post, on this Home Assistant's address."""
    return webhook.async_generate_path(webhook_id)
