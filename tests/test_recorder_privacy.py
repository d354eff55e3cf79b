"""The README's recorder advice, checked against a real recorder database.

The ``parcel_locker_delivered`` event carries the pickup code (the contract
says so: automations need it), and the notify action's ``call_service`` event
carries the message with the code. By default both land in the recorder's
events table; the exclusion the README gives keeps them out.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.util import session_scope
from homeassistant.core import HomeAssistant, ServiceCall
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceGenerator
from sqlalchemy import text

from simulator.server import LockerSimulator

from .test_blueprints import (  # noqa: F401
    NOTIFY_INPUTS,
    automation,
    blueprint_folder,
    phones,
)
from .test_services import BOB, deliver

# What the README tells users to keep out of the recorder.
EXCLUDED_EVENTS = [
    "parcel_locker_delivered",
    "parcel_locker_return_ready",
    "call_service",
]


@pytest.fixture
def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """The recorder's database must exist before Home Assistant starts."""


@pytest.mark.parametrize(
    ("recorder_config", "recorded"),
    [
        (None, True),
        ({"exclude": {"event_types": EXCLUDED_EVENTS}}, False),
    ],
    ids=["default", "readme_exclusion"],
)
async def test_recorder_exclusion_from_the_readme(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    blueprint_folder: Path,  # noqa: F811
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    phones: dict[str, list[ServiceCall]],  # noqa: F811
    recorded: bool,
) -> None:
    """By default a code lands in the events table; the README's config stops it."""
    await automation(hass, "notify_delivered", NOTIFY_INPUTS)
    bobs = await deliver(hass, init_integration, simulator, BOB)
    await hass.async_block_till_done()
    assert len(phones["bob"]) == 1
    await async_wait_recording_done(hass)

    def stored() -> tuple[list[str], list[str]]:
        with session_scope(hass=hass, read_only=True) as session:
            data = session.execute(text("SELECT shared_data FROM event_data"))
            kinds = session.execute(text("SELECT event_type FROM event_types"))
            return [str(row[0]) for row in data], [str(row[0]) for row in kinds]

    data, kinds = await recorder_mock.async_add_executor_job(stored)
    with_code = [row for row in data if bobs["code"] in row]
    if recorded:
        # The delivered event, and the notify call with the message.
        assert len(with_code) == 2
        assert {"parcel_locker_delivered", "call_service"} <= set(kinds)
    else:
        assert with_code == []
        assert not {"parcel_locker_delivered", "call_service"} & set(kinds)
    # The resident sensor's history never holds it either way.
    states = await recorder_mock.async_add_executor_job(_all_state_text, hass)
    assert "sensor.bob_parcels" in states
    assert bobs["code"] not in states


def _all_state_text(hass: HomeAssistant) -> str:
    with session_scope(hass=hass, read_only=True) as session:
        rows = session.execute(
            text(
                "SELECT states_meta.entity_id, states.state, "
                "state_attributes.shared_attrs FROM states "
                "JOIN states_meta ON states.metadata_id = states_meta.metadata_id "
                "LEFT JOIN state_attributes "
                "ON states.attributes_id = state_attributes.attributes_id"
            )
        )
        return "\n".join(str(row) for row in rows)
