"""Upgrading keeps what was stored: ledgers written by earlier releases load whole.

``fixtures/ledger_written_by_0_1_0.json`` was written by the previous release
(a real Home Assistant run: parcels stored, collected, reserved, a return, a
courier code, wrong codes counted in the old per-keypad counters).
``fixtures/ledger_written_by_format_1.json`` is the format just before the
longer life cycle (format 2), written by that release's own store
(``fixtures/write_ledger_fixture.py`` says how).
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parcel_locker.const import DOMAIN
from simulator.server import LockerSimulator

from .conftest import BOB, poll, wall_subentry

FIXTURE = Path(__file__).parent / "fixtures" / "ledger_written_by_0_1_0.json"


MINUTE = timedelta(minutes=1)


def shifted(value: Any, by: timedelta) -> Any:
    """``value`` with every timestamp in it moved by ``by``."""
    if isinstance(value, dict):
        return {key: shifted(item, by) for key, item in value.items()}
    if isinstance(value, list):
        return [shifted(item, by) for item in value]
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T":
        moment = dt_util.parse_datetime(value)
        if moment is not None and moment.tzinfo is not None:
            return (moment + by).isoformat()
    return value


async def install(
    hass: HomeAssistant,
    fixture: Path,
    connection_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> tuple[dict[str, Any], MockConfigEntry, Path]:
    """Put an old release's files in place and set the entry up on them.

    The files are as they were written, moved in time as a whole so they were
    written a minute ago (codes expire; every time keeps its distance to the
    others). Earlier releases saved through Home Assistant's Store layout too.
    """
    old = json.loads(fixture.read_text(encoding="utf-8"))
    written_at = max(
        moment
        for entry in old["ledger"]["data"]["audit"]
        if (moment := dt_util.parse_datetime(entry["time"])) is not None
    )
    old["ledger"] = shifted(old["ledger"], dt_util.utcnow() - written_at - MINUTE)
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=old["entry_id"],
        title=mock_config_entry.title,
        data=connection_data,
        unique_id=mock_config_entry.unique_id,
        subentries_data=[wall_subentry()],
    )
    storage = Path(hass.config.path(".storage"))
    storage.mkdir(parents=True, exist_ok=True)
    (storage / f"{DOMAIN}.secret").write_text(json.dumps(old["secret"]))
    ledger_file = storage / f"{DOMAIN}.{entry.entry_id}.ledger"
    ledger_file.write_text(json.dumps(old["ledger"]))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return old, entry, ledger_file


async def test_a_ledger_from_0_1_0_loads_and_its_codes_still_work(
    hass: HomeAssistant,
    connection_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    old, entry, ledger_file = await install(
        hass, FIXTURE, connection_data, mock_config_entry
    )
    stored = old["ledger"]["data"]

    ledger = entry.runtime_data.ledger
    before = {parcel["parcel_id"]: parcel["state"] for parcel in stored["parcels"]}
    after = {
        parcel["parcel_id"]: parcel["state"]
        for parcel in ledger.list_parcels(include_finished=True)
    }
    assert after == before
    assert len(ledger.audit_trail()) == len(stored["audit"])
    assert len(ledger.list_codes()) == len(stored["codes"])

    # Bob's code from before the upgrade opens his compartment.
    response = await hass.services.async_call(
        DOMAIN,
        "redeem_code",
        {"code": old["bob_code"]},
        blocking=True,
        return_response=True,
        context=Context(user_id=people[BOB].id),
    )
    assert response["parcel_id"] == old["bob_parcel"]
    assert await poll(entry)
    # The old per-keypad counters are gone from the file once it is saved.
    saved = json.loads(ledger_file.read_bytes())["data"]
    assert "keypads" not in saved
    assert "remote_keypad" not in saved


FORMAT_1 = Path(__file__).parent / "fixtures" / "ledger_written_by_format_1.json"


async def test_a_ledger_of_format_1_loads_into_the_longer_life_cycle(
    hass: HomeAssistant,
    connection_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """The format before the longer life cycle (written by that release's store).

    Every parcel keeps its state, Bob's code and the courier code still open,
    the file is written back as format 2, and Bob's parcel, which has no
    stored deadline, goes back to its sender a week after it was stored.
    """
    old, entry, ledger_file = await install(
        hass, FORMAT_1, connection_data, mock_config_entry
    )
    stored = old["ledger"]["data"]
    assert stored["version"] == 1

    ledger = entry.runtime_data.ledger
    states = {
        parcel["parcel_id"]: parcel["state"]
        for parcel in ledger.list_parcels(include_finished=True)
    }
    assert states == {
        parcel["parcel_id"]: parcel["state"] for parcel in stored["parcels"]
    }
    assert states[old["return_parcel"]] == "return_waiting"
    assert states[old["reserved_parcel"]] == "reserved"
    bobs = ledger.parcel(old["bob_parcel"])
    assert bobs.deadline is None  # the option counts from when it was stored
    assert ledger.holds_code(old["courier_code"], "wall_lobby")

    response = await hass.services.async_call(
        DOMAIN,
        "redeem_code",
        {"code": old["bob_code"]},
        blocking=True,
        return_response=True,
        context=Context(user_id=people[BOB].id),
    )
    assert response["parcel_id"] == old["bob_parcel"]
    assert await poll(entry)
    saved = json.loads(ledger_file.read_bytes())["data"]
    assert saved["version"] == 2
    assert {"expected_until", "deadline"} <= set(saved["parcels"][0])

    # Not collected: a week after it was stored it goes back to its sender.
    assert bobs.stored_at is not None
    events = ledger.tick(bobs.stored_at + timedelta(days=7, seconds=1))
    assert [
        event.data["parcel_id"] for event in events if event.type == "return_to_sender"
    ] == [old["bob_parcel"]]
