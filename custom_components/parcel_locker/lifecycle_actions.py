"""Actions of the longer life cycle: announcing, sharing, sending a code.

* ``announce_delivery`` (staff, or a resident for their household): a
  tracking number expected for a recipient, with its size, cold and carrier
  (see ``announcing``). Non-staff callers have at most
  ``MAX_OPEN_ANNOUNCEMENTS`` waiting at a time.
* ``share_parcel`` (the recipient, their household, or staff): a one-time code
  for a neighbour, answered to the caller. The one place a resident gets a
  code in an action's answer: it is their own parcel. ``unshare_parcel`` ends
  it.
* ``send_code`` (staff): a parcel's current code, written into a message the
  integration sends itself to notify entities. The code never passes through
  an event, an automation's variables or trace, or an action's data (the
  recorder keeps every action call): the caller gives a message with the
  placeholder ``{code}``, the integration puts the code in and calls each
  notify entity's ``async_send_message`` directly, not through an action. A
  notify group entity would send it on through an action, so groups are
  refused: name their members.
"""

from __future__ import annotations

from typing import cast

from homeassistant.components.notify import NotifyEntity
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from . import action_fields as fields
from .action_fields import code_response, require_person
from .announcing import (
    expected_date,
    expected_until,
    find_announcement,
    tracking_number,
)
from .compat import NOTIFY_ENTITIES, vol
from .const import MAX_OPEN_ANNOUNCEMENTS
from .domain.ledger import UNKNOWN_CARRIER
from .domain.sizes import Size
from .errors import failed, refused
from .permissions import async_caller, require_acting_for
from .targets import loaded_lockers, resolve_parcel, target_lockers

ATTR_PARCEL_ID = "parcel_id"
ATTR_RECIPIENT = "recipient"
ATTR_TRACKING = "tracking"
ATTR_CARRIER = "carrier"
ATTR_SIZE = "size"
ATTR_COLD = "cold"
ATTR_EXPECTED = "expected"
ATTR_WALL = "wall"
ATTR_VALID_UNTIL = "valid_until"
ATTR_ENTITY_ID = "entity_id"
ATTR_MESSAGE = "message"
ATTR_TITLE = "title"
CODE_PLACEHOLDER = "{code}"
# Notify entities that pass a message on through another action.
FORWARDING_PLATFORMS = frozenset({"group"})

ANNOUNCE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_RECIPIENT): fields.person,
        vol.Required(ATTR_TRACKING): tracking_number,
        vol.Optional(ATTR_CARRIER, default=UNKNOWN_CARRIER): fields.text,
        vol.Optional(ATTR_SIZE, default=Size.S): fields.size,
        vol.Optional(ATTR_COLD, default=False): cv.boolean,
        vol.Optional(ATTR_EXPECTED): expected_date,
        vol.Optional(ATTR_WALL): fields.wall,
    }
)
SHARE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_PARCEL_ID): fields.text,
        vol.Optional(ATTR_VALID_UNTIL): fields.date_time,
    }
)
UNSHARE_SCHEMA = vol.Schema({vol.Required(ATTR_PARCEL_ID): fields.text})
SEND_CODE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_PARCEL_ID): fields.text,
        vol.Required(ATTR_ENTITY_ID): fields.notify_entities,
        vol.Required(ATTR_MESSAGE): vol.All(cv.string, vol.Length(min=1, max=1000)),
        vol.Optional(ATTR_TITLE): vol.All(cv.string, vol.Length(max=200)),
    }
)


async def announce_delivery(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Record a delivery expected for a recipient (see module notes)."""
    caller = await async_caller(hass, call.context)
    recipient: str = call.data[ATTR_RECIPIENT]
    require_acting_for(caller, recipient, call.context)
    require_person(hass, recipient)
    created_by = None if caller.is_admin else caller.user_id
    if created_by is not None:
        waiting = sum(
            locker.ledger.open_announcements_by(created_by)
            for locker in loaded_lockers(hass)
        )
        if waiting >= MAX_OPEN_ANNOUNCEMENTS:
            raise refused("too_many_announcements", limit=str(MAX_OPEN_ANNOUNCEMENTS))
    tracking: str = call.data[ATTR_TRACKING]
    if find_announcement(hass, tracking, None) is not None:
        raise refused("tracking_already_known", tracking=tracking)
    until = expected_until(call.data.get(ATTR_EXPECTED))
    locker, _ = target_lockers(hass, call.data.get(ATTR_WALL))[0]
    events = await locker.async_step(
        lambda now: locker.ledger.announce(
            recipient,
            tracking,
            now,
            until=until,
            carrier=call.data[ATTR_CARRIER],
            size=call.data[ATTR_SIZE],
            cold=call.data[ATTR_COLD],
            actor=caller.actor,
            created_by=created_by,
        )
    )
    return {
        "parcel_id": events[0].data["parcel_id"],
        "tracking": tracking,
        "expected_until": dt_util.as_local(until).isoformat(),
    }


async def share_parcel(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """A one-time code for a neighbour, answered to the parcel's own people."""
    caller = await async_caller(hass, call.context)
    locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
    require_acting_for(caller, parcel.recipient, call.context)
    until = fields.window_time(call.data.get(ATTR_VALID_UNTIL), ATTR_VALID_UNTIL)
    issued = await locker.async_share(parcel.parcel_id, until, caller.actor)
    return cast(
        "ServiceResponse",
        code_response(issued)
        | {
            "compartment": parcel.compartment,
            "wall_name": locker.ledger.wall_name(issued.wall),
        },
    )


async def unshare_parcel(hass: HomeAssistant, call: ServiceCall) -> None:
    """End a parcel's share code."""
    caller = await async_caller(hass, call.context)
    locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
    require_acting_for(caller, parcel.recipient, call.context)
    await locker.async_step(
        lambda now: locker.ledger.unshare(parcel.parcel_id, now, actor=caller.actor)
    )


async def send_code(hass: HomeAssistant, call: ServiceCall) -> None:
    """Send a parcel's code to notify entities, never through an action."""
    caller = await async_caller(hass, call.context)
    locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
    message: str = call.data[ATTR_MESSAGE]
    if CODE_PLACEHOLDER not in message:
        raise refused("message_without_code", placeholder=CODE_PLACEHOLDER)
    targets = [
        _notify_entity(hass, entity_id) for entity_id in call.data[ATTR_ENTITY_ID]
    ]
    issued = locker.pickup_code(parcel.parcel_id)
    if issued is None:
        raise refused("code_not_in_memory", parcel_id=parcel.parcel_id)
    text = message.replace(CODE_PLACEHOLDER, issued.code)
    title: str | None = call.data.get(ATTR_TITLE)
    for entity in targets:
        try:
            await entity.async_send_message(text, title=title)
        except Exception:  # noqa: BLE001 - its message may quote the code
            # Nothing of the error is kept: it could hold the text sent.
            raise failed("code_not_sent", entity_id=str(entity.entity_id)) from None
    await locker.async_step(
        lambda now: locker.ledger.code_sent(
            parcel.parcel_id, now, targets=len(targets), actor=caller.actor
        )
    )


def _notify_entity(hass: HomeAssistant, entity_id: str) -> NotifyEntity:
    """A notify entity that sends a message itself (not through an action)."""
    component = hass.data.get(NOTIFY_ENTITIES)
    entity = component.get_entity(entity_id) if component is not None else None
    if entity is None:
        raise refused("unknown_notify_entity", entity_id=entity_id)
    if entity.platform is not None and (
        entity.platform.platform_name in FORWARDING_PLATFORMS
    ):
        raise refused("notify_entity_forwards", entity_id=entity_id)
    return entity
