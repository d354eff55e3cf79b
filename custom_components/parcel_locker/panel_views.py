"""What the panel is shown: the JSON of frontend/API.md, built for one caller.

Rights are the actions' (``permissions``): staff see everything; a resident
only the parcels ``Caller.may_act_for`` allows; courier kiosk users and
visitors no parcel at all. Nothing here holds a code. Everything is read from
the coordinators' published snapshots and their ledgers; nothing is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .coordinator import ParcelLockerCoordinator
from .domain.guard import SecurityEntry
from .domain.ledger import (
    ACTOR_DOOR,
    ACTOR_KEYPAD,
    CARRIER_STATES,
    UNKNOWN_CARRIER,
    UNKNOWN_RECIPIENT,
    AuditEntry,
    ParcelState,
)
from .domain.sizes import Size
from .domain.snapshot import CompartmentState, WallState
from .guard_keeper import DATA_GUARD
from .permissions import Caller
from .wall_config import WallConfig

ROLE_STAFF = "staff"
ROLE_COURIER = "courier"
ROLE_RESIDENT = "resident"
ROLE_VISITOR = "visitor"
PROBLEM_OFFLINE = "controller_offline"
# How the panel names the controller in the audit trail (the ledger: "door").
ACTOR_CONTROLLER = "controller"
# The guard's lock-out line ends with a time, not a result the panel can read.
_GUARD_RESULTLESS = frozenset({"locked_out"})


def lockers(hass: HomeAssistant) -> list[ParcelLockerCoordinator]:
    """The running locker of every loaded entry (none: an empty list)."""
    return [
        entry.runtime_data for entry in hass.config_entries.async_loaded_entries(DOMAIN)
    ]


def role_of(caller: Caller) -> str:
    """Which views the panel shows the caller (the backend checks every right)."""
    if caller.is_admin:
        return ROLE_STAFF
    if caller.is_courier:
        return ROLE_COURIER
    if caller.person is not None:
        return ROLE_RESIDENT
    return ROLE_VISITOR


def people(hass: HomeAssistant) -> dict[str, str]:
    """Every ``person`` entity and its name."""
    return {state.entity_id: state.name for state in hass.states.async_all("person")}


# -- session ------------------------------------------------------------------


def session(hass: HomeAssistant, caller: Caller) -> dict[str, Any]:
    """Who the user is to the locker, and the walls the kiosk may use."""
    walls = [
        {
            "wall_id": wall.wall_id,
            "name": wall.name,
            "prefix": wall.prefix,
            "compartments": len(wall.map.compartments),
            # No layout is configured: the panel draws a near square.
            "columns": None,
            "keypad": wall.map.keypad is not None,
        }
        for locker in lockers(hass)
        for wall in locker.walls.values()
    ]
    household: list[str] = []
    if caller.person is not None:
        household = [caller.person]
        if not caller.is_admin:
            household += sorted(
                person
                for person in people(hass)
                if person != caller.person and caller.may_act_for(person)
            )
    return {
        "role": role_of(caller),
        "user_name": caller.name,
        "person": caller.person,
        "household": household,
        "walls": walls,
        "sizes": [str(size) for size in sorted(Size, key=lambda size: size.rank)],
        "kiosk_wall": walls[0]["wall_id"] if len(walls) == 1 else None,
    }


# -- parcels ------------------------------------------------------------------


def _known(recipient: Any) -> str | None:
    """A recipient the hub knows (a courier's drop-off is for nobody known)."""
    if isinstance(recipient, str) and recipient != UNKNOWN_RECIPIENT:
        return recipient
    return None


def _name(recipient: str | None, names: Mapping[str, str]) -> str | None:
    return None if recipient is None else names.get(recipient, recipient)


def may_see(caller: Caller, recipient: str | None) -> bool:
    """Staff see every parcel; anyone else only those they may act for."""
    if caller.is_admin:
        return True
    return recipient not in (None, UNKNOWN_RECIPIENT) and caller.may_act_for(recipient)


def parcel(
    raw: Mapping[str, Any], caller: Caller, names: Mapping[str, str]
) -> dict[str, Any]:
    """A ``Ledger.list_parcels`` item as the panel shows it."""
    recipient = _known(raw.get("recipient"))
    state = raw.get("state")
    shown = {
        "parcel_id": raw["parcel_id"],
        "state": state,
        "kind": raw.get("kind"),
        "recipient": recipient,
        "recipient_name": _name(recipient, names),
        "wall": raw.get("wall"),
        "wall_name": raw.get("wall_name"),
        "compartment": raw.get("compartment"),
        "number": raw.get("number"),
        "size": raw.get("size"),
        "cold": bool(raw.get("cold")),
        # A parcel given without a carrier is "unknown": the panel says "Parcel".
        "carrier": None
        if raw.get("carrier") == UNKNOWN_CARRIER
        else raw.get("carrier"),
        "tracking": raw.get("tracking"),
        "created": raw.get("created"),
        "stored_at": raw.get("stored_at"),
        # A return (or a parcel sent back) has the carrier's collection code:
        # its recipient has no code to be told about.
        "code_expires": raw.get("code_expires")
        if caller.is_admin or state not in CARRIER_STATES
        else None,
        "deadline": raw.get("deadline"),
        # Until when an announced parcel is expected (None: not announced).
        "expected_until": raw.get("expected_until"),
        # What open_compartment {parcel_id} accepts from this caller.
        "can_open": state == ParcelState.STORED
        and raw.get("wall") is not None
        and (
            caller.is_admin or (recipient is not None and caller.may_act_for(recipient))
        ),
    }
    if raw.get("finished_at") is not None:
        shown["finished_at"] = raw["finished_at"]
    return shown


def visible_parcels(
    hass: HomeAssistant,
    caller: Caller,
    *,
    include_finished: bool = False,
) -> list[dict[str, Any]]:
    """The parcels the caller may see, oldest first."""
    names = people(hass)
    return [
        parcel(raw, caller, names)
        for locker in lockers(hass)
        for raw in locker.ledger.list_parcels(include_finished=include_finished)
        if may_see(caller, raw.get("recipient"))
    ]


# -- walls (staff) ------------------------------------------------------------


def walls(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every wall as drawn on the staff's grid."""
    names = people(hass)
    shown: list[dict[str, Any]] = []
    for locker in lockers(hass):
        snapshot = locker.data
        recipients = {
            raw["parcel_id"]: raw.get("recipient")
            for raw in locker.ledger.list_parcels()
        }
        for wall_id, config in locker.walls.items():
            state = snapshot.walls.get(wall_id)
            if state is None:
                continue
            if not locker.last_update_success:
                # No wall of the controller answered: the last reading is old.
                state = replace(
                    state,
                    online=False,
                    compartments={
                        number: replace(item, reading=None)
                        for number, item in state.compartments.items()
                    },
                )
            shown.append(_wall(config, state, recipients, names))
    return shown


def _wall(
    config: WallConfig,
    state: WallState,
    recipients: Mapping[str, str | None],
    names: Mapping[str, str],
) -> dict[str, Any]:
    compartments = [
        _compartment(config, number, state.compartments[number], recipients, names)
        for number in sorted(state.compartments)
    ]
    placed = {
        problem for item in state.compartments.values() for problem in item.problems
    }
    problems = [
        {"problem": problem, "compartment": item["label"]}
        for item in compartments
        for problem in item["problems"]
    ]
    problems += [
        {"problem": problem, "compartment": None}
        for problem in state.problems
        if problem not in placed
    ]
    if not state.online:
        problems.append({"problem": PROBLEM_OFFLINE, "compartment": None})
    return {
        "wall_id": config.wall_id,
        "name": config.name,
        "online": state.online,
        "free": state.free,
        "waiting": state.waiting,
        "problems": problems,
        "compartments": compartments,
    }


def _compartment(
    config: WallConfig,
    number: int,
    item: CompartmentState,
    recipients: Mapping[str, str | None],
    names: Mapping[str, str],
) -> dict[str, Any]:
    reading = item.reading
    recipient = _known(recipients.get(item.parcel_id or ""))
    return {
        "number": number,
        "label": config.label(number),
        "size": str(config.size(number)),
        "cooled": config.map.compartment(number).cooled,
        "status": str(item.status),
        "door_open": None if reading is None else not reading.door_closed,
        "locked": None if reading is None else reading.locked,
        "present": None if reading is None else reading.present,
        "temperature": None if reading is None else reading.temperature,
        "setpoint": None if reading is None else reading.setpoint,
        "problems": list(item.problems),
        "parcel_id": item.parcel_id,
        "recipient_name": _name(recipient, names),
    }


# -- the audit trail (staff) ----------------------------------------------------


def _actor(actor: str, wall_name: str | None) -> str:
    """The panel's form of an actor: ``user:<name>``, ``keypad:<wall>``, ..."""
    if actor == ACTOR_KEYPAD:
        return f"keypad:{wall_name}" if wall_name else ACTOR_KEYPAD
    if actor == ACTOR_DOOR:
        return ACTOR_CONTROLLER
    return actor


def audit_entries(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every ledger's audit trail and the hub guard's security log, newest first."""
    wall_names: dict[str, str] = {}
    found: list[tuple[datetime, dict[str, Any]]] = []
    for locker in lockers(hass):
        wall_names |= {
            wall_id: locker.ledger.wall_name(wall_id)
            for wall_id in locker.ledger.walls()
        }
    for locker in lockers(hass):
        found += [
            (entry.time, _line(entry, wall_names))
            for entry in locker.ledger.audit_trail()
        ]
    if (keeper := hass.data.get(DATA_GUARD)) is not None:
        found += [
            (entry.time, _line(entry, wall_names)) for entry in keeper.guard.log()
        ]
    found.sort(key=lambda item: item[0], reverse=True)
    return [line for _, line in found]


def _line(
    entry: AuditEntry | SecurityEntry, wall_names: Mapping[str, str]
) -> dict[str, Any]:
    """A line of the activity list, from a ledger's trail or the guard's log."""
    if isinstance(entry, AuditEntry):
        compartment, parcel_id = entry.compartment, entry.parcel_id
        result: str | None = entry.result
    else:
        compartment = parcel_id = None
        result = None if entry.action in _GUARD_RESULTLESS else entry.result
    wall_name = wall_names.get(entry.wall) if entry.wall else None
    return {
        "time": dt_util.as_utc(entry.time).isoformat(),
        "action": entry.action,
        "wall": entry.wall,
        "wall_name": wall_name,
        "compartment": compartment,
        "parcel_id": parcel_id,
        "actor": _actor(entry.actor, wall_name),
        "result": result,
    }


def recipients(hass: HomeAssistant) -> list[dict[str, str]]:
    """Every person a parcel may be for, by name."""
    return [
        {"id": person, "name": name}
        for person, name in sorted(
            people(hass).items(), key=lambda item: item[1].casefold()
        )
    ]


def matches(line: Mapping[str, Any], **wanted: Any) -> bool:
    """Whether an audit line passes the staff's filters (None: any)."""
    return all(value is None or line.get(key) == value for key, value in wanted.items())


def actor_named(line: Mapping[str, Any], text: str) -> bool:
    """Whether the line's actor contains ``text`` (any case)."""
    return text.casefold() in str(line.get("actor") or "").casefold()
