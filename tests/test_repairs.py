"""Fixable repair issues: a parcel sensor that disagrees with the ledger.

Driven through Home Assistant's repairs flow API (``/api/repairs/issues/fix``),
as the Repairs dashboard does: the menu offers what a person would do, and
each choice does what it says on the wall.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

from .conftest import BOB, capture_events, poll
from .test_lifecycle import door_cycle
from .test_residents import access_token
from .test_services import call, deliver


@pytest.fixture
def polling_disabled() -> bool:
    """Only the test polls."""
    return True


@pytest.fixture
async def repairs(hass: HomeAssistant) -> None:
    """The Repairs dashboard's back end."""
    assert await async_setup_component(hass, "repairs", {})


def issue_of(hass: HomeAssistant, number: int) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"presence_wall_lobby_{number}")


async def start(client: Any, number: int) -> dict[str, Any]:
    """Press *Fix* on the compartment's issue: the menu."""
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": f"presence_wall_lobby_{number}"},
    )
    assert response.status == HTTPStatus.OK
    return dict(await response.json())


async def choose(client: Any, flow: dict[str, Any], choice: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"next_step_id": choice}
    )
    assert response.status == HTTPStatus.OK
    return dict(await response.json())


async def missing_parcel(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: LockerSimulator
) -> dict[str, Any]:
    """Bob's parcel is in A-01 by the ledger, but its parcel sensor says empty."""
    bobs = await deliver(hass, entry, simulator, BOB)
    simulator.wall(1).take_parcel(bobs["number"])
    await poll(entry)
    issue = issue_of(hass, bobs["number"])
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "parcel_missing"
    assert issue.data == {
        "entry_id": entry.entry_id,
        "wall": "wall_lobby",
        "number": bobs["number"],
        "parcel_id": bobs["parcel_id"],
    }
    return bobs


@pytest.mark.usefixtures("repairs")
async def test_a_missing_parcel_marked_collected(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    entry = init_integration
    bobs = await missing_parcel(hass, entry, simulator)
    events = capture_events(hass)
    client = await hass_client()
    flow = await start(client, bobs["number"])
    assert flow["type"] == "menu"
    assert flow["menu_options"] == ["mark_collected", "inspect", "keep"]
    assert flow["description_placeholders"] == {"compartment": "A-01", "wall": "Lobby"}
    result = await choose(client, flow, "mark_collected")
    assert result["type"] == "create_entry"
    [picked] = events["picked_up"]
    assert (picked.data["parcel_id"], picked.data["by"]) == (
        bobs["parcel_id"],
        "repairs",
    )
    assert hass.states.get("sensor.compartment_a_01_status").state == "free"
    await poll(entry)
    assert issue_of(hass, bobs["number"]) is None
    assert simulator.wall(1).release_count(bobs["number"]) == 1  # nothing opened


@pytest.mark.usefixtures("repairs")
async def test_a_missing_parcel_kept(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The sensor is wrong: the record stays; the issue stays away until it changes."""
    entry = init_integration
    bobs = await missing_parcel(hass, entry, simulator)
    client = await hass_client()
    result = await choose(client, await start(client, bobs["number"]), "keep")
    assert result["type"] == "create_entry"
    assert issue_of(hass, bobs["number"]) is None
    for _ in range(3):
        await poll(entry)
    assert issue_of(hass, bobs["number"]) is None
    assert entry.runtime_data.ledger.parcel(bobs["parcel_id"]).state == "stored"
    # The sensor agrees again, then disagrees again: a new issue.
    wall = simulator.wall(1)
    wall.put_parcel(bobs["number"])
    await poll(entry)
    wall.take_parcel(bobs["number"])
    await poll(entry)
    assert issue_of(hass, bobs["number"]) is not None


@pytest.mark.usefixtures("repairs")
async def test_a_missing_parcel_inspected(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The door opens for a look; nothing is handed out; still empty: asked again."""
    entry = init_integration
    bobs = await missing_parcel(hass, entry, simulator)
    events = capture_events(hass)
    client = await hass_client()
    result = await choose(client, await start(client, bobs["number"]), "inspect")
    assert result["type"] == "create_entry"
    wall = simulator.wall(1)
    assert wall.release_count(bobs["number"]) == 2
    await door_cycle(entry, simulator, bobs["number"], load=False)
    assert events["picked_up"] == []
    assert events["forced_open"] == []
    assert entry.runtime_data.ledger.parcel(bobs["parcel_id"]).state == "stored"
    issue = issue_of(hass, bobs["number"])
    assert issue is not None
    assert issue.translation_key == "parcel_missing"


@pytest.mark.usefixtures("repairs")
async def test_an_unexpected_parcel_inspected_and_taken_out(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    entry = init_integration
    wall = simulator.wall(1)
    wall.put_parcel(9)
    await poll(entry)
    issue = issue_of(hass, 9)
    assert issue is not None
    assert issue.data is not None
    assert issue.data["parcel_id"] is None
    client = await hass_client()
    flow = await start(client, 9)
    assert flow["menu_options"] == ["inspect", "keep"]
    result = await choose(client, flow, "inspect")
    assert result["type"] == "create_entry"
    assert wall.release_count(9) == 1
    await door_cycle(entry, simulator, 9, load=False)
    assert issue_of(hass, 9) is None
    assert entry.runtime_data.ledger.list_parcels() == []


@pytest.mark.usefixtures("repairs")
async def test_a_repair_that_no_longer_applies_or_cannot_run(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    entry = init_integration
    bobs = await missing_parcel(hass, entry, simulator)
    client = await hass_client()
    flow = await start(client, bobs["number"])
    # Staff handed it out meanwhile.
    await call(hass, "mark_collected", {"parcel_id": bobs["parcel_id"]})
    result = await choose(client, flow, "mark_collected")
    assert (result["type"], result["reason"]) == ("abort", "no_longer_applies")

    other = await missing_parcel(hass, entry, simulator)
    flow = await start(client, other["number"])
    assert await hass.config_entries.async_unload(entry.entry_id)
    for choice in ("mark_collected", "inspect"):
        flow = await start(client, other["number"])
        result = await choose(client, flow, choice)
        assert (result["type"], result["reason"]) == ("abort", "not_loaded")


@pytest.mark.usefixtures("repairs")
async def test_a_controller_that_does_not_answer_aborts_the_inspection(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    bobs = await missing_parcel(hass, init_integration, simulator)
    client = await hass_client()
    flow = await start(client, bobs["number"])
    simulator.fail(unit=1, table="coil", address=bobs["number"] - 1, writes_only=True)
    result = await choose(client, flow, "inspect")
    assert (result["type"], result["reason"]) == ("abort", "open_failed")
    assert issue_of(hass, bobs["number"]) is not None


@pytest.mark.usefixtures("repairs")
async def test_residents_cannot_fix(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """Repairs are for staff: a resident's login is refused."""
    bobs = await missing_parcel(hass, init_integration, simulator)
    client = await hass_client(await access_token(hass, people[BOB]))
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": f"presence_wall_lobby_{bobs['number']}"},
    )
    assert response.status == HTTPStatus.UNAUTHORIZED
    assert init_integration.runtime_data.ledger.parcel(bobs["parcel_id"]).state == (
        "stored"
    )
