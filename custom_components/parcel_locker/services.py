"""The locker's actions: deliveries, codes, opening and staff overrides.

Staff-only actions are registered as admin actions (Home Assistant refuses
anyone else before they run); the others check the caller's rights here
(``permissions``). Every refusal is a translated error (``errors``). The
actions of the longer life cycle (announcing, sharing, sending a code) are in
``lifecycle_actions``; every action is registered here.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Protocol, cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util

from .action_fields import (
    code_response,
    date_time,
    person,
    require_person,
    size,
    text,
    wall,
    whole_number,
    window_time,
)
from .announcing import find_announcement
from .compat import vol
from .const import DOMAIN, MAX_OPEN_RESERVATIONS
from .coordinator import DeliveryRequest, ParcelLockerCoordinator
from .domain.ledger import UNKNOWN_CARRIER, DomainEvent, Ledger, Parcel, ParcelState
from .domain.sizes import Size
from .errors import NothingFitsError, refused
from .guard_keeper import DATA_GUARD
from .households import households_of
from .lifecycle_actions import (
    ANNOUNCE_SCHEMA,
    SEND_CODE_SCHEMA,
    SHARE_SCHEMA,
    UNSHARE_SCHEMA,
    announce_delivery,
    send_code,
    share_parcel,
    unshare_parcel,
)
from .permissions import (
    Caller,
    async_caller,
    async_caller_as,
    require_acting_for,
    require_admin,
    require_courier,
)
from .targets import (
    ATTR_COMPARTMENT,
    ATTR_WALL,
    resolve_compartment,
    resolve_parcel,
    resolve_wall,
    target_lockers,
)

ATTR_RECIPIENT = "recipient"
ATTR_SIZE = "size"
ATTR_CARRIER = "carrier"
ATTR_TRACKING = "tracking"
ATTR_COLD = "cold"
ATTR_CODE = "code"
ATTR_PARCEL_ID = "parcel_id"
ATTR_INSPECT = "inspect"
ATTR_OUT_OF_SERVICE = "out_of_service"
ATTR_KIND = "kind"
ATTR_VALID_FROM = "valid_from"
ATTR_VALID_UNTIL = "valid_until"
ATTR_USES = "uses"
ATTR_CODE_ID = "code_id"
ATTR_USER_ID = "user_id"

KIND_COURIER = "courier"
KIND_REPLACEMENT = "replacement"

# Size, carrier and cold have no defaults here: an announcement fills in
# what the courier does not say (then S, unknown and not cold).
ASSIGN_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_RECIPIENT): person,
            vol.Optional(ATTR_SIZE): size,
            vol.Optional(ATTR_CARRIER): text,
            vol.Optional(ATTR_TRACKING): text,
            vol.Optional(ATTR_COLD): cv.boolean,
            vol.Optional(ATTR_WALL): wall,
        }
    ),
    cv.has_at_least_one_key(ATTR_RECIPIENT, ATTR_TRACKING),
)
REDEEM_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CODE): vol.All(cv.string, vol.Length(min=1, max=32)),
        vol.Optional(ATTR_WALL): wall,
    }
)
OPEN_TARGETS = (ATTR_COMPARTMENT, ATTR_PARCEL_ID, ATTR_RECIPIENT)
OPEN_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_COMPARTMENT): text,
            vol.Optional(ATTR_PARCEL_ID): text,
            vol.Optional(ATTR_RECIPIENT): person,
            vol.Optional(ATTR_WALL): wall,
            vol.Optional(ATTR_INSPECT, default=False): cv.boolean,
            vol.Optional(ATTR_USER_ID): text,
        }
    ),
    cv.has_at_least_one_key(*OPEN_TARGETS),
    cv.has_at_most_one_key(*OPEN_TARGETS),
)
PARCEL_SCHEMA = vol.Schema({vol.Required(ATTR_PARCEL_ID): text})
OUT_OF_SERVICE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_COMPARTMENT): text,
        vol.Optional(ATTR_WALL): wall,
        vol.Optional(ATTR_OUT_OF_SERVICE, default=True): cv.boolean,
    }
)
ISSUE_CODE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_KIND): vol.In([KIND_COURIER, KIND_REPLACEMENT]),
        vol.Optional(ATTR_PARCEL_ID): text,
        vol.Optional(ATTR_WALL): wall,
        vol.Optional(ATTR_SIZE, default=Size.S): size,
        vol.Optional(ATTR_VALID_FROM): date_time,
        vol.Optional(ATTR_VALID_UNTIL): date_time,
        vol.Optional(ATTR_USES, default=1): vol.All(
            whole_number, vol.Range(min=1, max=20)
        ),
        vol.Optional(ATTR_RECIPIENT): person,
        vol.Optional(ATTR_CARRIER): text,
    }
)
REVOKE_SCHEMA = vol.All(
    vol.Schema({vol.Optional(ATTR_PARCEL_ID): text, vol.Optional(ATTR_CODE_ID): text}),
    cv.has_at_least_one_key(ATTR_PARCEL_ID, ATTR_CODE_ID),
)
RETURN_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_RECIPIENT): person,
        vol.Optional(ATTR_SIZE, default=Size.S): size,
        vol.Optional(ATTR_CARRIER, default=UNKNOWN_CARRIER): text,
        vol.Optional(ATTR_WALL): wall,
    }
)
LIST_SCHEMA = vol.Schema({vol.Optional(ATTR_WALL): wall})


def _parcel_response(
    parcel: Parcel, locker: ParcelLockerCoordinator, *, held: bool = False
) -> dict[str, Any]:
    return {
        "parcel_id": parcel.parcel_id,
        "recipient": parcel.recipient,
        "compartment": parcel.compartment,
        "wall": parcel.wall,
        "wall_name": None
        if parcel.wall is None
        else locker.ledger.wall_name(parcel.wall),
        "size": str(parcel.size),
        "cold": parcel.cold,
        "reserved_until": parcel.reserved_until.isoformat()
        if parcel.reserved_until
        else None,
        "held": held,
    }


def _check_reservations(hass: HomeAssistant, caller: Caller) -> str | None:
    """Staff may reserve freely; anyone else only a few compartments at a time.

    Returns the user the reservation is counted for (None: staff).
    """
    if caller.is_admin or caller.user_id is None:
        return None
    held = sum(
        locker.ledger.open_reservations_by(caller.user_id)
        for locker, _ in target_lockers(hass, None)
    )
    if held >= MAX_OPEN_RESERVATIONS:
        raise refused("too_many_reservations", limit=str(MAX_OPEN_RESERVATIONS))
    return caller.user_id


type _Lockers = list[tuple[ParcelLockerCoordinator, str | None]]


def _delivery_request(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[DeliveryRequest, _Lockers]:
    """What to deliver and where to look, an announcement filling in the gaps.

    A tracking number that was announced is delivered on the controller it
    was announced to, for its recipient (unless the courier names another
    one: then the announcement is left as it is).
    """
    data = call.data
    recipient: str | None = data.get(ATTR_RECIPIENT)
    tracking: str | None = data.get(ATTR_TRACKING)
    lockers = target_lockers(hass, data.get(ATTR_WALL))
    found = find_announcement(hass, tracking, data.get(ATTR_WALL)) if tracking else None
    if found is not None and recipient not in (None, found[2].recipient):
        found = None
    if found is None:
        if recipient is None:
            raise refused("tracking_not_announced", tracking=str(tracking))
        request = DeliveryRequest(
            recipient,
            data.get(ATTR_SIZE, Size.S),
            data.get(ATTR_CARRIER, UNKNOWN_CARRIER),
            tracking,
            data.get(ATTR_COLD, False),
        )
        return request, lockers
    locker, wall_id, announced = found
    request = DeliveryRequest(
        announced.recipient,
        data.get(ATTR_SIZE, announced.size),
        data.get(ATTR_CARRIER, announced.carrier),
        announced.tracking,
        data.get(ATTR_COLD, announced.cold),
        announced.parcel_id,
    )
    return request, [(locker, wall_id)]


async def _assign_delivery(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    caller = await async_caller(hass, call.context)
    require_courier(caller, call.context)
    request, lockers = _delivery_request(hass, call)
    require_person(hass, request.recipient)
    created_by = _check_reservations(hass, caller)
    for locker, wall_id in lockers:
        try:
            parcel = await locker.async_deliver(
                request, wall_id, caller.actor, created_by
            )
        except NothingFitsError:
            continue  # another controller's walls may have room
        return _parcel_response(parcel, locker)
    # Nothing fits anywhere: the parcel is kept at the desk, and recorded.
    locker, wall_id = lockers[0]
    parcel, not_ready = await locker.async_hold(request, wall_id, caller.actor)
    return _parcel_response(parcel, locker, held=True) | {"not_ready": not_ready}


async def _redeem_code(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    caller = await async_caller(hass, call.context)
    return await async_redeem_code(
        hass, caller, call.data[ATTR_CODE], call.data.get(ATTR_WALL)
    )


async def async_redeem_code(
    hass: HomeAssistant, caller: Caller, code: str, wall: str | None
) -> dict[str, Any]:
    """Open what a code opens, for the caller (the action and the panel's kiosk)."""
    candidates = target_lockers(hass, wall)
    # The hub's guard first: a locked-out caller learns nothing about any wall.
    hass.data[DATA_GUARD].check(caller.source, caller.actor, dt_util.utcnow())
    # With several controllers, only the one that holds the code is asked.
    locker, wall_id = next(
        (
            (locker, wall)
            for locker, wall in candidates
            if locker.ledger.holds_code(code)
        ),
        candidates[0],
    )
    result = await locker.async_redeem(
        code, wall_id, source=caller.source, actor=caller.actor
    )
    return {
        "compartment": result.compartment,
        "wall": result.wall,
        "wall_name": locker.ledger.wall_name(result.wall),
        "parcel_id": result.parcel.parcel_id if result.parcel else None,
    }


type _Door = tuple[ParcelLockerCoordinator, str, int]


class _ParcelStep(Protocol):
    """A ledger step on one parcel, e.g. ``Ledger.mark_collected``."""

    def __call__(
        self, ledger: Ledger, parcel_id: str, now: datetime, /, *, actor: str
    ) -> list[DomainEvent]:
        """Take the step as ``actor``."""


async def _open_compartment(hass: HomeAssistant, call: ServiceCall) -> None:
    # ``user_id``: an automation (or an admin) acting for the user who pressed
    # a notification button; the rights checked below are then that user's.
    caller = await async_caller_as(hass, call.context, call.data.get(ATTR_USER_ID))
    inspect = call.data[ATTR_INSPECT]
    if inspect:
        require_admin(caller, call.context)
    if ATTR_COMPARTMENT in call.data:
        locker, wall_id, number = resolve_compartment(
            hass, call.data[ATTR_COMPARTMENT], call.data.get(ATTR_WALL)
        )
        if not inspect:
            require_acting_for(
                caller, locker.ledger.recipient_of(wall_id, number), call.context
            )
        doors = [(locker, wall_id, number)]
    elif ATTR_PARCEL_ID in call.data:
        doors = [_door_of_parcel(hass, call, caller)]
    else:
        doors = _doors_of_recipient(hass, call, caller)
    for locker, wall_id, number in doors:
        await locker.async_open(wall_id, number, caller.actor, inspect=inspect)


def _door_of_parcel(hass: HomeAssistant, call: ServiceCall, caller: Caller) -> _Door:
    """The compartment a waiting parcel is in, if the caller may open it."""
    locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
    if not call.data[ATTR_INSPECT]:
        require_acting_for(caller, parcel.recipient, call.context)
    # A parcel going back to its sender waits for its carrier (or staff).
    sent_back = parcel.state is ParcelState.RETURN_TO_SENDER and not caller.is_admin
    if (
        parcel.stored_at is None
        or not parcel.active
        or parcel.wall is None
        or parcel.number is None
        or sent_back
    ):
        raise refused("parcel_not_waiting", parcel_id=parcel.parcel_id)
    return locker, parcel.wall, parcel.number


def _doors_of_recipient(
    hass: HomeAssistant, call: ServiceCall, caller: Caller
) -> list[_Door]:
    """Every compartment holding a parcel waiting for the person's household."""
    recipient: str = call.data[ATTR_RECIPIENT]
    # Checked before looking, so nobody learns whether others have parcels.
    require_acting_for(caller, recipient, call.context)
    doors = [
        (locker, parcel.wall, parcel.number)
        for locker, wall_id in target_lockers(hass, call.data.get(ATTR_WALL))
        for person in sorted(households_of(hass).members(recipient))
        for parcel in locker.ledger.parcels_for(person)
        if parcel.state is ParcelState.STORED
        and parcel.wall is not None
        and parcel.number is not None
        and wall_id in (None, parcel.wall)
    ]
    if not doors:
        raise refused("no_parcels_waiting", recipient=recipient)
    return doors


async def _parcel_step(
    hass: HomeAssistant, call: ServiceCall, step: _ParcelStep
) -> tuple[ParcelLockerCoordinator, Parcel]:
    """A staff action's ledger step on the parcel the call names, as the caller."""
    caller = await async_caller(hass, call.context)
    locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
    await locker.async_step(
        lambda now: step(locker.ledger, parcel.parcel_id, now, actor=caller.actor)
    )
    return locker, parcel


async def _cancel_delivery(hass: HomeAssistant, call: ServiceCall) -> None:
    locker, parcel = await _parcel_step(hass, call, Ledger.cancel_delivery)
    if parcel.active and parcel.stored_at is not None:
        # The parcel is still inside: open the door so it can be taken out.
        assert parcel.wall is not None  # noqa: S101 - active parcels have one
        assert parcel.number is not None  # noqa: S101
        await locker.async_release(parcel.wall, parcel.number)


async def _mark_collected(hass: HomeAssistant, call: ServiceCall) -> None:
    await _parcel_step(hass, call, Ledger.mark_collected)


async def _set_out_of_service(hass: HomeAssistant, call: ServiceCall) -> None:
    caller = await async_caller(hass, call.context)
    locker, wall_id, number = resolve_compartment(
        hass, call.data[ATTR_COMPARTMENT], call.data.get(ATTR_WALL)
    )
    await locker.async_step(
        lambda now: locker.ledger.set_out_of_service(
            wall_id, number, call.data[ATTR_OUT_OF_SERVICE], now, actor=caller.actor
        )
    )


async def _issue_code(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    caller = await async_caller(hass, call.context)
    window = {
        "valid_from": window_time(call.data.get(ATTR_VALID_FROM), ATTR_VALID_FROM),
        "valid_until": window_time(call.data.get(ATTR_VALID_UNTIL), ATTR_VALID_UNTIL),
    }
    if call.data[ATTR_KIND] == KIND_REPLACEMENT:
        if ATTR_PARCEL_ID not in call.data:
            raise refused("field_required", field=ATTR_PARCEL_ID)
        locker, parcel = resolve_parcel(hass, call.data[ATTR_PARCEL_ID])
        issued = await locker.async_issue_code(
            parcel.parcel_id, **window, actor=caller.actor
        )
    else:
        locker, wall_id = resolve_wall(hass, call.data.get(ATTR_WALL))
        if recipient := call.data.get(ATTR_RECIPIENT):
            require_person(hass, recipient)
        issued = await locker.async_issue_code(
            None,
            **window,
            wall=wall_id,
            size=call.data[ATTR_SIZE],
            uses=call.data[ATTR_USES],
            recipient=recipient,
            carrier=call.data.get(ATTR_CARRIER),
            actor=caller.actor,
        )
    return code_response(issued)


async def _revoke_code(hass: HomeAssistant, call: ServiceCall) -> None:
    caller = await async_caller(hass, call.context)
    if parcel_id := call.data.get(ATTR_PARCEL_ID):
        locker, parcel = resolve_parcel(hass, parcel_id)
        await locker.async_step(
            lambda now: locker.ledger.revoke_code(
                parcel.parcel_id, now, actor=caller.actor
            )
        )
        return
    code_id = call.data[ATTR_CODE_ID]
    lockers = [locker for locker, _ in target_lockers(hass, None)]
    # Ask the controller that issued the code; unknown everywhere: the first
    # one says so.
    locker = next(
        (
            locker
            for locker in lockers
            if any(code["code_id"] == code_id for code in locker.ledger.list_codes())
        ),
        lockers[0],
    )
    await locker.async_step(
        lambda now: locker.ledger.revoke_code(
            None, now, code_id=code_id, actor=caller.actor
        )
    )


async def _start_return(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    caller = await async_caller(hass, call.context)
    require_acting_for(caller, call.data[ATTR_RECIPIENT], call.context)
    require_person(hass, call.data[ATTR_RECIPIENT])
    created_by = _check_reservations(hass, caller)
    locker, wall_id = target_lockers(hass, call.data.get(ATTR_WALL))[0]
    parcel = await locker.async_reserve_and_open(
        lambda now: locker.ledger.start_return(
            call.data[ATTR_RECIPIENT],
            call.data[ATTR_SIZE],
            call.data[ATTR_CARRIER],
            now,
            wall=wall_id,
            actor=caller.actor,
            created_by=created_by,
        ),
        caller.actor,
    )
    return _parcel_response(parcel, locker)


async def _list_parcels(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    caller = await async_caller(hass, call.context)
    wall = call.data.get(ATTR_WALL)
    parcels: list[dict[str, Any]] = []
    for locker, wall_id in target_lockers(hass, wall):
        parcels += [
            parcel
            for parcel in locker.ledger.list_parcels(wall_id)
            if caller.may_act_for(parcel.get("recipient"))
        ]
    return cast("ServiceResponse", {"parcels": parcels})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    register = hass.services.async_register
    register(
        DOMAIN,
        "assign_delivery",
        partial(_assign_delivery, hass),
        schema=ASSIGN_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        "redeem_code",
        partial(_redeem_code, hass),
        schema=REDEEM_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        "open_compartment",
        partial(_open_compartment, hass),
        schema=OPEN_SCHEMA,
    )
    register(
        DOMAIN,
        "start_return",
        partial(_start_return, hass),
        schema=RETURN_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        "list_parcels",
        partial(_list_parcels, hass),
        schema=LIST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        "announce_delivery",
        partial(announce_delivery, hass),
        schema=ANNOUNCE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        "share_parcel",
        partial(share_parcel, hass),
        schema=SHARE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        "unshare_parcel",
        partial(unshare_parcel, hass),
        schema=UNSHARE_SCHEMA,
    )
    # Staff only: Home Assistant refuses every other user before these run.
    async_register_admin_service(
        hass,
        DOMAIN,
        "cancel_delivery",
        partial(_cancel_delivery, hass),
        schema=PARCEL_SCHEMA,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "mark_collected",
        partial(_mark_collected, hass),
        schema=PARCEL_SCHEMA,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "set_out_of_service",
        partial(_set_out_of_service, hass),
        schema=OUT_OF_SERVICE_SCHEMA,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "issue_code",
        partial(_issue_code, hass),
        schema=ISSUE_CODE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "revoke_code",
        partial(_revoke_code, hass),
        schema=REVOKE_SCHEMA,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "send_code",
        partial(send_code, hass),
        schema=SEND_CODE_SCHEMA,
    )
