"""The panel's websocket commands (``parcel_locker/*``, see frontend/API.md).

Every command asks who the logged-in user is to the locker (``permissions``)
and answers with the same rights as the actions: staff see everything, a
resident only what ``Caller.may_act_for`` allows, courier kiosk users the
kiosk's data. Refusals and errors reach the panel translated; a code never
reaches a log line or the recorder (``parcel_locker/redeem`` is the kiosk's way
to use one without an action call, whose data the recorder keeps).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any

from homeassistant.components import websocket_api
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import (
    ERR_HOME_ASSISTANT_ERROR,
    ERR_SERVICE_VALIDATION_ERROR,
)
from homeassistant.components.websocket_api.decorators import (
    async_response,
    websocket_command,
)
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

from . import panel_views as views
from .compat import vol
from .const import DOMAIN, LOGGER
from .panel_statistics import async_wall_days
from .permissions import Caller, caller_for_user
from .services import async_redeem_code

type _Message = dict[str, Any]
type _Handler = Callable[[HomeAssistant, ActiveConnection, _Message], Awaitable[None]]

MAX_LIMIT = 1000
DEFAULT_LIMIT = 200
MAX_DAYS = 366
_text = vol.All(cv.string, vol.Length(min=1, max=100))
_limit = vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_LIMIT))


@callback
def async_setup_websocket(hass: HomeAssistant) -> None:
    """Register the panel's commands."""
    for command in (
        _session,
        _subscribe,
        _parcels,
        _audit,
        _recipients,
        _statistics,
        _redeem,
    ):
        websocket_api.async_register_command(hass, command)


def _caller(connection: ActiveConnection) -> Caller:
    return caller_for_user(connection.hass, connection.user)


def _translated_errors(handler: _Handler) -> _Handler:
    """Send a refusal as the panel reads it: translated, never a traceback.

    A refusal (a wrong code, a locked-out kiosk) is the user's business, not an
    error of Home Assistant's: it is not logged as one.
    """

    @wraps(handler)
    async def run(
        hass: HomeAssistant, connection: ActiveConnection, msg: _Message
    ) -> None:
        try:
            await handler(hass, connection, msg)
        except ServiceValidationError as err:
            _send_error(connection, msg, ERR_SERVICE_VALIDATION_ERROR, err)
        except Unauthorized:
            raise
        except HomeAssistantError as err:
            LOGGER.warning("%s failed: %s", msg["type"], err)
            _send_error(connection, msg, ERR_HOME_ASSISTANT_ERROR, err)

    return run


def _send_error(
    connection: ActiveConnection, msg: _Message, code: str, err: HomeAssistantError
) -> None:
    connection.send_error(
        msg["id"],
        code,
        str(err),
        translation_domain=err.translation_domain,
        translation_key=err.translation_key,
        translation_placeholders=err.translation_placeholders,
    )


def _require_staff(connection: ActiveConnection) -> Caller:
    caller = _caller(connection)
    if not caller.is_admin:
        raise Unauthorized
    return caller


# -- who, and what changes ------------------------------------------------------


@websocket_command({vol.Required("type"): f"{DOMAIN}/session"})
@callback
def _session(hass: HomeAssistant, connection: ActiveConnection, msg: _Message) -> None:
    """Who the user is to the locker: role, person, household, walls, sizes."""
    connection.send_result(msg["id"], views.session(hass, _caller(connection)))


@websocket_command({vol.Required("type"): f"{DOMAIN}/subscribe"})
@callback
def _subscribe(
    hass: HomeAssistant, connection: ActiveConnection, msg: _Message
) -> None:
    """What the caller may see now, and again each time it changes."""
    watch = _Watch(hass, connection, msg["id"])
    connection.subscriptions[msg["id"]] = watch.stop
    connection.send_result(msg["id"])
    watch.start()


class _Watch:
    """One subscription: told by the coordinators, it sends only what changed.

    Listens to every loaded controller's coordinator (no polling of its own),
    and follows entries that load, unload or reload (an option changed).
    """

    def __init__(
        self, hass: HomeAssistant, connection: ActiveConnection, msg_id: int
    ) -> None:
        self.hass = hass
        self.connection = connection
        self.msg_id = msg_id
        self._sent: dict[str, Any] | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._entries: CALLBACK_TYPE | None = None

    @callback
    def start(self) -> None:
        self._entries = async_dispatcher_connect(
            self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._entry_changed
        )
        self._follow()
        self._send()

    @callback
    def stop(self) -> None:
        if self._entries is not None:
            self._entries()
            self._entries = None
        self._unfollow()

    @callback
    def _follow(self) -> None:
        self._unfollow()
        self._listeners = [
            locker.async_add_listener(self._send) for locker in views.lockers(self.hass)
        ]

    @callback
    def _unfollow(self) -> None:
        for remove in self._listeners:
            remove()
        self._listeners = []

    @callback
    def _entry_changed(self, _change: ConfigEntryChange, entry: ConfigEntry) -> None:
        if entry.domain == DOMAIN:
            self._follow()
            self._send()

    @callback
    def _send(self) -> None:
        caller = _caller(self.connection)
        shown = {
            "parcels": views.visible_parcels(self.hass, caller),
            "walls": views.walls(self.hass) if caller.is_admin else [],
        }
        if shown == self._sent:
            return
        self._sent = shown
        self.connection.send_message(event_message(self.msg_id, shown))


# -- staff's lists ----------------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/parcels",
        vol.Optional("wall"): _text,
        vol.Optional("state"): _text,
        vol.Optional("recipient"): _text,
        vol.Optional("include_finished", default=False): cv.boolean,
        vol.Optional("limit", default=DEFAULT_LIMIT): _limit,
    }
)
@callback
def _parcels(hass: HomeAssistant, connection: ActiveConnection, msg: _Message) -> None:
    """Parcels, newest first, finished ones on request (staff)."""
    caller = _require_staff(connection)
    found = [
        parcel
        for parcel in views.visible_parcels(
            hass, caller, include_finished=msg["include_finished"]
        )
        if views.matches(
            parcel,
            wall=msg.get("wall"),
            state=msg.get("state"),
            recipient=msg.get("recipient"),
        )
    ]
    found.sort(key=lambda parcel: parcel.get("created") or "", reverse=True)
    connection.send_result(msg["id"], {"parcels": found[: msg["limit"]]})


def _since(value: Any) -> datetime:
    """A time to list from; without a zone it is Home Assistant's."""
    moment = cv.datetime(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(moment)


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/audit",
        vol.Optional("wall"): _text,
        vol.Optional("action"): _text,
        vol.Optional("actor"): _text,
        vol.Optional("parcel_id"): _text,
        vol.Optional("since"): _since,
        vol.Optional("limit", default=DEFAULT_LIMIT): _limit,
    }
)
@callback
def _audit(hass: HomeAssistant, connection: ActiveConnection, msg: _Message) -> None:
    """The audit trail and the security log, newest first, filtered (staff)."""
    _require_staff(connection)
    every = views.audit_entries(hass)
    lines = [
        line
        for line in every
        if views.matches(
            line,
            wall=msg.get("wall"),
            action=msg.get("action"),
            parcel_id=msg.get("parcel_id"),
        )
        and ("since" not in msg or dt_util.parse_datetime(line["time"]) >= msg["since"])
    ]
    if actor := msg.get("actor"):
        lines = [line for line in lines if views.actor_named(line, actor)]
    connection.send_result(
        msg["id"],
        {
            "entries": lines[: msg["limit"]],
            "actions": sorted({line["action"] for line in every}),
        },
    )


@websocket_command({vol.Required("type"): f"{DOMAIN}/recipients"})
@callback
def _recipients(
    hass: HomeAssistant, connection: ActiveConnection, msg: _Message
) -> None:
    """Who a parcel may be for (staff and courier kiosk users)."""
    caller = _caller(connection)
    if not (caller.is_admin or caller.is_courier):
        raise Unauthorized
    connection.send_result(msg["id"], {"recipients": views.recipients(hass)})


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/statistics",
        vol.Optional("days", default=30): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_DAYS)
        ),
    }
)
@async_response
async def _statistics(
    hass: HomeAssistant, connection: ActiveConnection, msg: _Message
) -> None:
    """Each wall's last days from the long-term statistics (staff)."""
    _require_staff(connection)
    connection.send_result(
        msg["id"], {"walls": await async_wall_days(hass, msg["days"])}
    )


# -- the kiosk's pick-up ----------------------------------------------------------


@websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/redeem",
        vol.Required("code"): vol.All(cv.string, vol.Length(min=1, max=32)),
        vol.Optional("wall"): _text,
    }
)
@async_response
@_translated_errors
async def _redeem(
    hass: HomeAssistant, connection: ActiveConnection, msg: _Message
) -> None:
    """Open what a code opens, as ``redeem_code`` does, without an action call.

    The recorder stores every action call's data (``call_service`` events); a
    code typed or scanned at the kiosk must not end up there.
    """
    result = await async_redeem_code(
        hass, _caller(connection), msg["code"], msg.get("wall")
    )
    connection.send_result(msg["id"], result)
