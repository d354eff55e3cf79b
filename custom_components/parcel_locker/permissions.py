"""Who may do what: staff (admins, automations), courier kiosk users, residents.

* Staff: admin users, and automations and scripts (no user: an admin set them up).
* Courier kiosk users: users named in the option *Courier kiosk users*; they may
  assign deliveries (a tablet at the wall runs as one).
* Residents: users linked to a ``person``; they act for themselves and for
  the members of their household (option *Households*, see ``households``).
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.auth.models import User
from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized

from .const import CONF_COURIER_USERS, DOMAIN
from .domain.guard import SOURCE_AUTOMATION, user_source
from .households import households_of


@dataclass(frozen=True, slots=True)
class Caller:
    """The user behind an action, as far as the locker cares."""

    user_id: str | None
    name: str
    is_admin: bool
    person: str | None
    """The ``person`` entity linked to the user, if any."""
    is_courier: bool = False
    """Named in the option *Courier kiosk users*."""
    people: frozenset[str] = frozenset()
    """The persons a resident acts for: their own, and their household's."""

    @property
    def source(self) -> str:
        """Whose wrong codes these are, for the hub's code guard."""
        return user_source(self.user_id) if self.user_id else SOURCE_AUTOMATION

    @property
    def actor(self) -> str:
        """How the audit trail names the caller."""
        return f"user:{self.name}" if self.user_id else "automation"

    def may_act_for(self, person: str | None) -> bool:
        """Admins and automations act for anyone; a resident for their household."""
        return self.is_admin or (person is not None and person in self.people)


async def async_caller(hass: HomeAssistant, context: Context) -> Caller:
    """Who called: no user means an automation or script an admin set up."""
    if context.user_id is None:
        return Caller(user_id=None, name="automation", is_admin=True, person=None)
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise Unauthorized(context=context, permission=POLICY_CONTROL)
    return _caller_for(hass, user)


async def async_caller_as(
    hass: HomeAssistant, context: Context, user_id: str | None
) -> Caller:
    """Who called, or the user a trusted caller acts for.

    An automation (no user in its context) or an admin may name another user:
    the action then runs with that user's rights, so an automation answering a
    resident's notification button cannot open more than the resident could. A
    resident may only name themself; a removed, deactivated or system user is
    refused.
    """
    caller = await async_caller(hass, context)
    if user_id is None or user_id == caller.user_id:
        return caller
    if not caller.is_admin:
        raise Unauthorized(context=context, permission=POLICY_CONTROL)
    user = await hass.auth.async_get_user(user_id)
    if user is None or not user.is_active or user.system_generated:
        raise Unauthorized(context=context, permission=POLICY_CONTROL)
    return _caller_for(hass, user)


def _caller_for(hass: HomeAssistant, user: User) -> Caller:
    person = next(
        (
            state.entity_id
            for state in hass.states.async_all("person")
            if state.attributes.get("user_id") == user.id
        ),
        None,
    )
    return Caller(
        user_id=user.id,
        name=user.name or user.id,
        is_admin=user.is_admin,
        person=person,
        people=households_of(hass).members(person) if person else frozenset(),
        is_courier=any(
            user.id in entry.options.get(CONF_COURIER_USERS, ())
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        ),
    )


def require_admin(caller: Caller, context: Context) -> None:
    """Refuse a staff-only action to a resident."""
    if not caller.is_admin:
        raise Unauthorized(context=context, permission=POLICY_CONTROL)


def require_courier(caller: Caller, context: Context) -> None:
    """Refuse a delivery to anyone but staff and courier kiosk users."""
    if not (caller.is_admin or caller.is_courier):
        raise Unauthorized(context=context, permission=POLICY_CONTROL)


def require_acting_for(caller: Caller, person: str | None, context: Context) -> None:
    """Refuse an action on someone else's parcel."""
    if not caller.may_act_for(person):
        raise Unauthorized(context=context, permission=POLICY_CONTROL)


def caller_for_user(hass: HomeAssistant, user: User) -> Caller:
    """The caller a logged-in user is now (the panel's websocket commands)."""
    return _caller_for(hass, user)
