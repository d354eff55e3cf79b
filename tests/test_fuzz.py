"""Hostile input: every action's schema fuzzed, and other people's parcels.

Whatever is sent (wrong types, huge or odd strings, negative and huge numbers,
NaN, unknown keys, nested junk), an action either does its job or fails with a
clean error: the schema's ``vol.Invalid``, a translated ``ServiceValidationError``
or ``HomeAssistantError``, or ``Unauthorized``. A refused action changes no
parcel, no code and no compartment, and opens no lock. A resident never acts on
someone else's parcel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
import json
import math
from typing import Any

from homeassistant.core import Context, HomeAssistant, SupportsResponse
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.parcel_locker import lifecycle_actions, services
from custom_components.parcel_locker.action_fields import MAX_TEXT
from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

from .conftest import ALICE, BOB
from .test_services import call, deliver

# Every action's schema, by name (checked against what is registered below).
SCHEMAS: dict[str, Any] = {
    "assign_delivery": services.ASSIGN_SCHEMA,
    "redeem_code": services.REDEEM_SCHEMA,
    "open_compartment": services.OPEN_SCHEMA,
    "cancel_delivery": services.PARCEL_SCHEMA,
    "mark_collected": services.PARCEL_SCHEMA,
    "set_out_of_service": services.OUT_OF_SERVICE_SCHEMA,
    "issue_code": services.ISSUE_CODE_SCHEMA,
    "revoke_code": services.REVOKE_SCHEMA,
    "start_return": services.RETURN_SCHEMA,
    "list_parcels": services.LIST_SCHEMA,
    "announce_delivery": lifecycle_actions.ANNOUNCE_SCHEMA,
    "share_parcel": lifecycle_actions.SHARE_SCHEMA,
    "unshare_parcel": lifecycle_actions.UNSHARE_SCHEMA,
    "send_code": lifecycle_actions.SEND_CODE_SCHEMA,
}
# Longer texts some actions take.
TEXT_LIMITS = {"message": 1000, "title": 200}

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# -- what a hostile caller sends ---------------------------------------------------

huge_text = st.builds(
    lambda char, count: char * count,
    st.characters(),
    st.sampled_from([MAX_TEXT, MAX_TEXT + 1, 10_000, 1_000_000]),
)
odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "A-01",
            "a-01",
            "A-999",
            "person.alice",
            "person.bob",
            "person.",
            "light.kitchen",
            "../../etc/passwd",
            "'; DROP TABLE parcels; --",
            "{{ states('lock.a') }}",
            "".join(chr(0xFF10 + n) for n in range(1, 9)),  # full-width digits
            "١٢٣٤٥٦٧٨",  # Arabic-Indic digits
            "12345678\n",
            "1234 5678",
            "+12345678",
            "-1",
            "1e9",
            "NaN",
            "\ud800",  # a lone surrogate
            "😀" * 10,
            "wall_lobby",
            "Lobby",
            "S",
            "xl",
            "XXL",
            "courier",
            "replacement",
            "2026-02-30T25:61:00",
            "9999-12-31T23:59:59",
        ]
    ),
    huge_text,
)
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 1, 20, 21, 2**31, 2**63, -(2**63), 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, odd_text)
hostile = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
    st.just(datetime(1, 1, 1, tzinfo=UTC)),
    st.just(datetime(9999, 12, 31, tzinfo=UTC)),
    st.just(b"\xff\xfe"),
    st.just(object()),
)


def schema_keys(name: str) -> list[str]:
    """The keys an action's schema knows."""
    schema = SCHEMAS[name]
    while not isinstance(schema, vol.Schema):
        schema = schema.validators[0]  # vol.All(Schema, ...)
    return sorted(str(key) for key in schema.schema)


@st.composite
def hostile_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An action and data for it: its own keys with junk, maybe unknown keys."""
    name = draw(st.sampled_from(sorted(SCHEMAS)))
    keys = schema_keys(name)
    data: dict[str, Any] = {}
    for key in keys:
        if draw(st.booleans()):
            data[key] = draw(hostile)
    if draw(st.integers(0, 3)) == 0:
        data[draw(st.text(min_size=1, max_size=20))] = draw(hostile)
    return name, data


# -- 1. the schemas alone (fast, many examples) --------------------------------------


def _text_within_limits(value: Any, limit: int = MAX_TEXT) -> bool:
    if isinstance(value, str):
        return len(value) <= limit
    if isinstance(value, list):
        return all(_text_within_limits(item, limit) for item in value)
    if isinstance(value, dict):
        return all(
            _text_within_limits(item, TEXT_LIMITS.get(key, MAX_TEXT))
            for key, item in value.items()
        )
    return True


@settings(max_examples=600, deadline=None)
@given(call_=hostile_calls())
def test_schemas_only_say_invalid(call_: tuple[str, dict[str, Any]]) -> None:
    """A schema either accepts (into bounded, typed values) or raises vol.Invalid."""
    name, data = call_
    schema = SCHEMAS[name]
    try:
        validated = schema(data)
    except vol.Invalid:
        return
    assert set(validated) <= set(schema_keys(name)), name
    assert _text_within_limits(validated), name
    for value in validated.values():
        assert not isinstance(value, float) or math.isfinite(value), name
        items = value if isinstance(value, list) else [value]
        for item in items:
            assert isinstance(item, str | bool | int | date), (name, value)


async def test_these_are_the_registered_schemas(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    registered = hass.services.async_services_for_domain(DOMAIN)
    assert {name: service.schema for name, service in registered.items()} == SCHEMAS


# -- 2. through Home Assistant, as three kinds of caller -----------------------------


def protected(ledger: Any) -> dict[str, Any]:
    """What a refused action must never change: parcels, codes, compartments."""
    stored = ledger.to_dict()
    return {key: stored[key] for key in ("walls", "parcels", "codes")}


def clean(err: BaseException) -> bool:
    """A refusal a user can read (never a bare traceback)."""
    if isinstance(err, vol.Invalid | Unauthorized):
        return True
    return isinstance(err, HomeAssistantError) and bool(err.translation_key)


@FUZZ
@given(call_=hostile_calls(), who=st.sampled_from(["automation", ALICE, BOB]))
async def test_hostile_actions_fail_cleanly_and_change_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    call_: tuple[str, dict[str, Any]],
    who: str,
) -> None:
    """Junk into every action, from an automation, staff and a resident."""
    name, data = call_
    locker = init_integration.runtime_data
    wall = simulator.wall(1)
    user = None if who == "automation" else people[who]
    before = locker.ledger.to_dict()
    before_protected = protected(locker.ledger)
    releases = len(wall.coil_writes)
    try:
        valid = SCHEMAS[name](data)
    except vol.Invalid:
        valid = None

    error: BaseException | None = None
    try:
        await hass.services.async_call(
            DOMAIN,
            name,
            data,
            blocking=True,
            context=Context(user_id=user.id if user else None),
            return_response=hass.services.supports_response(DOMAIN, name)
            is not SupportsResponse.NONE,
        )
    except Exception as err:  # noqa: BLE001 - the kind of error is the point
        error = err
    if error is None:
        assert valid is not None, f"{name} accepted {data!r}"
    else:
        assert clean(error), f"{name} {data!r}: {type(error).__name__}: {error}"
        if valid is None:
            # Refused by the schema: the handler never ran.
            assert locker.ledger.to_dict() == before
        else:
            assert protected(locker.ledger) == before_protected, name
        assert len(wall.coil_writes) == releases, name
    json.dumps(locker.ledger.to_dict())  # still serialisable


# -- 3. other people's parcels ---------------------------------------------------------


async def test_a_resident_cannot_touch_other_peoples_parcels(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Bob (a resident) against Alice's parcel, with every action there is."""
    alices = await deliver(hass, init_integration, simulator, recipient=ALICE)
    bobs = await deliver(hass, init_integration, simulator, recipient=BOB)
    await _against_alice(hass, init_integration, simulator, people, alices, bobs)


async def _against_alice(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    users: dict[str, MockUser],
    alices: dict[str, Any],
    bobs: dict[str, Any],
) -> None:
    bob = users[BOB]
    locker = entry.runtime_data
    wall = simulator.wall(1)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("open_compartment", {"compartment": alices["compartment"]}),
        ("open_compartment", {"compartment": alices["compartment"], "inspect": True}),
        ("open_compartment", {"compartment": "A-24"}),  # an empty one
        ("cancel_delivery", {"parcel_id": alices["parcel_id"]}),
        ("mark_collected", {"parcel_id": alices["parcel_id"]}),
        ("mark_collected", {"parcel_id": bobs["parcel_id"]}),  # staff only
        ("issue_code", {"kind": "replacement", "parcel_id": alices["parcel_id"]}),
        ("issue_code", {"kind": "courier"}),
        ("revoke_code", {"parcel_id": alices["parcel_id"]}),
        ("set_out_of_service", {"compartment": alices["compartment"]}),
        ("start_return", {"recipient": ALICE, "carrier": "DHL"}),
        ("announce_delivery", {"recipient": ALICE, "tracking": "ALICE1"}),
        ("share_parcel", {"parcel_id": alices["parcel_id"]}),
        ("unshare_parcel", {"parcel_id": alices["parcel_id"]}),
        (
            "send_code",
            {
                "parcel_id": alices["parcel_id"],
                "entity_id": "notify.bobs_telegram",
                "message": "{code}",
            },
        ),
    ]
    for name, data in attempts:
        before = protected(locker.ledger)
        releases = len(wall.coil_writes)
        with pytest.raises((Unauthorized, ServiceValidationError)) as err:
            await call(hass, name, data, bob, response=name in _RESPONDING)
        assert clean(err.value), (name, err.value)
        assert protected(locker.ledger) == before, name
        assert len(wall.coil_writes) == releases, name

    listed = await call(hass, "list_parcels", {}, bob)
    assert [p["parcel_id"] for p in listed["parcels"]] == [bobs["parcel_id"]]
    # His own parcel he may open.
    await call(hass, "open_compartment", {"compartment": bobs["compartment"]}, bob)
    assert wall.release_count(bobs["number"]) == 2


_RESPONDING = {"start_return", "issue_code", "list_parcels", "share_parcel"}


@FUZZ
@given(
    target=st.one_of(
        st.sampled_from(["alice_parcel", "alice_label", "bob_parcel"]),
        odd_text,
    ),
    name=st.sampled_from(
        ["open_compartment", "cancel_delivery", "mark_collected", "revoke_code"]
    ),
)
async def test_guessed_targets_never_reach_other_peoples_parcels(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    target: str,
    name: str,
) -> None:
    """A resident naming parcels and compartments at random opens nothing of others."""
    locker = init_integration.runtime_data
    wall = simulator.wall(1)
    if not locker.ledger.list_parcels():
        await deliver(hass, init_integration, simulator, recipient=ALICE)
    alice = next(p for p in locker.ledger.list_parcels() if p["recipient"] == ALICE)
    value = {"alice_parcel": alice["parcel_id"], "alice_label": alice["compartment"]}
    value["bob_parcel"] = "000000000000"
    key = "compartment" if name == "open_compartment" else "parcel_id"
    before = protected(locker.ledger)
    releases = len(wall.coil_writes)
    with pytest.raises(Exception) as err:
        await call(hass, name, {key: value.get(target, target)}, people[BOB])
    assert clean(err.value), (name, target, err.value)
    assert protected(locker.ledger) == before
    assert len(wall.coil_writes) == releases
