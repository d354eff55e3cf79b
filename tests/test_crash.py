"""Crash safety: a killed ledger process, atomic saves, unreadable stored files.

The ledger is the only record of whose parcel is behind which door. These tests
kill the process that writes it (for real, with SIGKILL, at arbitrary moments,
also in the middle of a write), make writes fail half-way, and hand the
integration damaged files, and check that no acknowledged step and no code is
ever lost and that a damaged file is kept, reported and never replaced by an
empty ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
from datetime import timedelta
import json
import os
from pathlib import Path
import random
import sys
import threading
from typing import Any, Self
from unittest.mock import patch

from atomicwrites import AtomicWriter
from freezegun import freeze_time
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.parcel_locker import store as store_module
from custom_components.parcel_locker.const import DOMAIN
from custom_components.parcel_locker.domain.ledger import (
    CompartmentSpec,
    Ledger,
    LedgerSettings,
    ParcelState,
)
from custom_components.parcel_locker.domain.ledger.model import DoorPhase
from custom_components.parcel_locker.domain.sizes import Size
from custom_components.parcel_locker.store import (
    LedgerStore,
    UnreadableStoreError,
    async_secret_key,
)
from simulator.server import LockerSimulator

from . import crash_child
from .conftest import code_of, entity_id, message
from .test_services import call, deliver, poll

ROOT = Path(__file__).parents[1]
KEY = b"crash-test-install-key-0123456789"
ABANDON_SECONDS = 30  # a held write gives up only if the test never lets it go
# When a code acknowledged at a step (flow, step) still opens, by the step
# the stored ledger is at.
LIVE = {
    ("deliver", "stored"): {"stored", "authorised"},
    # Collected with the neighbour's code: the recipient's works until it left.
    ("announce", "stored"): {"stored", "shared", "authorised", "unloading"},
    ("announce", "shared"): {"shared", "authorised"},
    ("deadline", "stored"): {"stored"},
    ("deadline", "sent_back"): {"sent_back", "authorised"},
}


def ledger_key(entry: MockConfigEntry | str) -> str:
    entry_id = entry if isinstance(entry, str) else entry.entry_id
    return f"{DOMAIN}.{entry_id}.ledger"


@contextlib.contextmanager
def real_files(hass: HomeAssistant, config_dir: Path) -> Iterator[Path]:
    """Let Home Assistant's ``Store`` use real files in ``config_dir/.storage``.

    The test harness keeps every store in memory (``hass_storage``); here the
    real load and write paths run, atomic rename and all.
    """

    async def load(store: Store[Any]) -> Any:
        return await store._async_load_data()

    async def write(store: Store[Any], data: dict[str, Any]) -> None:
        await store.hass.async_add_executor_job(store._write_data, data)

    async def remove(store: Store[Any]) -> None:
        with contextlib.suppress(FileNotFoundError):
            await store.hass.async_add_executor_job(os.unlink, store.path)

    previous = hass.config.config_dir
    hass.config.config_dir = str(config_dir)
    try:
        with (
            patch.object(Store, "_async_load", load),
            patch.object(Store, "_async_write_data", write),
            patch.object(Store, "async_remove", remove),
        ):
            yield config_dir / ".storage"
    finally:
        hass.config.config_dir = previous


@pytest.fixture
def storage(hass: HomeAssistant) -> Path:
    """This test's storage folder: the ledger and the install key are real files."""
    return Path(hass.config.path(".storage"))


def listing(folder: Path) -> list[str]:
    return sorted(file.name for file in folder.iterdir())


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def new_ledger(compartments: int = 4) -> Ledger:
    ledger = Ledger(KEY, LedgerSettings())
    ledger.sync_wall(
        "w",
        "Wall",
        [
            CompartmentSpec(n, f"A-{n:02d}", Size.S, cooled=False)
            for n in range(1, compartments + 1)
        ],
    )
    return ledger


# -- 1. SIGKILL between (and during) the steps of the life cycle ---------------


def step_of(ledger: Ledger, parcel_id: str) -> str:
    """Where a parcel is in its life cycle, as the stored ledger says."""
    parcel = ledger.parcel(parcel_id)
    final = {
        ParcelState.COLLECTED: "collected",
        ParcelState.RETURNED: "returned",
        ParcelState.ANNOUNCED: "announced",
        ParcelState.HELD: "held",
    }
    if parcel.state in final:
        return final[parcel.state]
    assert parcel.wall is not None
    assert parcel.number is not None
    view = ledger.compartment(parcel.wall, parcel.number)
    if parcel.state is ParcelState.RESERVED:
        return "loading" if view.door_open else "reserved"
    if view.door_open:
        return "unloading"
    if view.phase is DoorPhase.AUTHORISED:
        return "authorised"
    if parcel.state is ParcelState.RETURN_TO_SENDER:
        return "sent_back"
    assert parcel.state is ParcelState.STORED, parcel.state
    kinds = {
        code["kind"] for code in ledger.list_codes() if code["parcel_id"] == parcel_id
    }
    return "shared" if "share" in kinds else "stored"


async def run_and_kill(config_dir: Path, kill_after: int) -> list[dict[str, Any]]:
    """Start a ledger process, SIGKILL it after ``kill_after`` saved steps.

    Returns every step it acknowledged (printed after its save returned): those
    printed before the kill landed count too.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash_child",
        str(config_dir),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    acks: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(60):
            while line := await process.stdout.readline():
                record = json.loads(line)
                if record["step"] == "ready":
                    continue
                acks.append(record)
                if len(acks) == kill_after:
                    process.kill()
                    break
            # Whatever it printed before the kill landed was saved first.
            rest = await process.stdout.read()
            acks += [
                json.loads(line)
                for line in rest.splitlines(keepends=True)
                if line.endswith(b"\n")
            ]
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = await process.stderr.read() if process.stderr else b""
    assert process.returncode in (0, -9), stderr.decode()
    return acks


async def test_killed_process_loses_no_acknowledged_step_or_code(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """SIGKILL at random moments: every saved step and every live code survives.

    Eight processes run life cycles (``crash_child.FLOWS``: deliveries, and
    parcels announced and shared, held at the desk, or sent back after their
    deadline), saving every step, and are killed after a random number of
    steps, while they keep writing: some die between two saves, some in the
    middle of one. The file left behind must always load, hold every
    acknowledged step (or a later one) and let every acknowledged code open
    exactly while it should.
    """
    rng = random.Random(20260301)
    kill_points = sorted(rng.sample(range(1, 150), 8))
    dirs = [tmp_path / f"run{index}" for index in range(len(kill_points))]
    runs = await asyncio.gather(
        *(
            run_and_kill(folder, kill_after)
            for folder, kill_after in zip(dirs, kill_points, strict=True)
        )
    )
    flows_seen: set[str] = set()
    for folder, kill_after, acks in zip(dirs, kill_points, runs, strict=True):
        assert len(acks) >= kill_after
        with real_files(hass, folder):
            store = LedgerStore(hass, crash_child.ENTRY_ID)
            ledger = await store.async_load(
                await async_secret_key(hass), LedgerSettings()
            )
        assert ledger.revision >= acks[-1]["rev"], (kill_after, acks[-1])
        last: dict[str, dict[str, Any]] = {}
        # Codes nobody acknowledged were never told to anyone: not checked.
        codes: list[dict[str, Any]] = []
        for ack in acks:
            last[ack["parcel"]] = ack
            if "code" in ack:
                codes.append(ack)
        assert last
        flows_seen.update(ack["flow"] for ack in acks)
        for parcel_id, ack in last.items():
            steps = crash_child.FLOWS[ack["flow"]]
            stored_step = step_of(ledger, parcel_id)
            assert steps.index(stored_step) >= steps.index(ack["step"]), (
                kill_after,
                parcel_id,
                ack,
                stored_step,
            )
        for ack in codes:
            stored_step = step_of(ledger, ack["parcel"])
            live = stored_step in LIVE[ack["flow"], ack["step"]]
            # Live while it should be; spent (one-time) or revoked after.
            assert ledger.holds_code(ack["code"], "wall") is live, (
                kill_after,
                ack,
                stored_step,
            )
    # Every flow was cut short somewhere along the way.
    assert flows_seen == set(crash_child.FLOWS)


# -- 2. atomic saves ----------------------------------------------------------


class _HalfWritten:
    """A temporary file that takes half of the data, then the disk is full."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def __enter__(self) -> Self:
        self._file.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.__exit__(*exc)

    def fileno(self) -> int:
        return int(self._file.fileno())

    @property
    def name(self) -> str:
        return str(self._file.name)

    def write(self, data: str | bytes) -> int:
        self._file.write(data[: len(data) // 2])
        self._file.flush()
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failure", ["half_written", "fsync", "rename"])
async def test_a_failed_write_keeps_the_previous_file(
    hass: HomeAssistant, storage: Path, failure: str
) -> None:
    """A save writes a temporary file, flushes it and renames it over the old one.

    The failure is made at each point of that: half of the data written, the
    flush to disk, the rename. Every time the previous file is intact, no
    temporary file is left, and the save raises instead of passing as done.
    """
    store = LedgerStore(hass, "atomic")
    ledger = new_ledger()
    await store.async_save(ledger)
    path = storage / ledger_key("atomic")
    before = path.read_bytes()
    parcel = ledger.assign(
        "person.bob", Size.S, "DHL", None, False, None, ledger_now(), actor="t"
    )

    real_fileobject = AtomicWriter.get_fileobject
    broken = {
        "half_written": patch.object(
            AtomicWriter,
            "get_fileobject",
            lambda self, **kw: _HalfWritten(real_fileobject(self, **kw)),
        ),
        "fsync": patch.object(
            AtomicWriter, "sync", side_effect=OSError(5, "Input/output error")
        ),
        "rename": patch(
            "atomicwrites.replace_atomic", side_effect=OSError(5, "Input/output error")
        ),
    }[failure]
    with broken, pytest.raises(HomeAssistantError) as err:
        await store.async_save(ledger)
    assert err.value.translation_key == "ledger_save_failed"
    assert path.read_bytes() == before
    assert listing(storage) == ["parcel_locker.atomic.ledger"], (
        "a temporary file is left"
    )

    # The disk is back: the next save writes the whole ledger, parcel included.
    await store.async_save(ledger)
    reloaded = await LedgerStore(hass, "atomic").async_load(KEY, LedgerSettings())
    assert reloaded.parcel(parcel.parcel_id).state is ParcelState.RESERVED
    assert json.loads(path.read_bytes())["data"] == ledger.to_dict()


async def test_saves_write_one_at_a_time_in_the_order_of_the_steps(
    hass: HomeAssistant, storage: Path
) -> None:
    """Many actions at once, half of them cancelled while saving: no older ledger
    lands over a newer one, and the file ends with the last step.

    A write runs in a thread that cancelling its caller does not stop. The
    disk is held until the test lets it go, after every save has been asked
    for: writes that were allowed to would all be under way by then, together.
    """
    store = LedgerStore(hass, "ordered")
    ledger = new_ledger(compartments=20)
    running = 0
    overlapped = False
    written: list[int] = []
    guard = threading.Lock()
    disk = threading.Event()
    real_write = store_module._write_atomically

    def held_write(path: str, content: bytes) -> None:
        nonlocal running, overlapped
        with guard:
            running += 1
            overlapped |= running > 1
        disk.wait(ABANDON_SECONDS)  # let go by the test; the bound only ends a hang
        real_write(path, content)
        with guard:
            running -= 1
            written.append(json.loads(content)["data"]["revision"])

    saves = []
    with patch.object(store_module, "_write_atomically", held_write):
        for _ in range(20):
            ledger.assign(
                "person.bob", Size.S, "DHL", None, False, None, ledger_now(), actor="t"
            )
            saves.append(hass.async_create_task(store.async_save(ledger)))
            await asyncio.sleep(0)
        for save in saves[::2]:
            save.cancel()
        # Queued behind every write already handed to the executor.
        await hass.async_add_executor_job(disk.set)
        await asyncio.gather(*saves, return_exceptions=True)
        await hass.async_block_till_done()
    assert not overlapped
    assert written == sorted(written)
    path = storage / ledger_key("ordered")
    assert json.loads(path.read_bytes())["data"] == ledger.to_dict()


def ledger_now() -> Any:
    from homeassistant.util import dt as dt_util  # noqa: PLC0415

    return dt_util.utcnow()


async def test_disk_failure_opens_nothing_and_loses_no_delivery(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """While saves fail no lock opens, but a delivery in progress is not lost.

    An action whose step cannot be stored is refused before the release. A door
    that closes meanwhile still completes the delivery and its code is sent; the
    entities go unavailable until the ledger is on disk again, and after a
    restart the code still opens the compartment.
    """
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    entry = mock_config_entry
    wall = simulator.wall(1)
    response = await call(
        hass,
        "assign_delivery",
        {"recipient": "person.bob", "carrier": "DHL"},
        response=True,
    )
    number = int(response["compartment"].split("-")[1])
    assert wall.open_door(number)
    await poll(entry)
    delivered = async_capture_events(hass, f"{DOMAIN}_delivered")
    door = entity_id(entity_registry, "binary_sensor", f"{number}_door")

    disk_full = patch.object(
        AtomicWriter, "sync", side_effect=OSError(28, "No space left on device")
    )
    with disk_full:
        with pytest.raises(
            HomeAssistantError,
            match=message("ledger_save_failed", error=None),
        ) as err:
            await call(
                hass, "assign_delivery", {"recipient": "person.bob", "carrier": "UPS"}
            )
        assert err.value.translation_key == "ledger_save_failed"
        assert "No space left on device" in str(err.value)
        assert wall.release_count(number + 1) == 0  # nothing was opened
        wall.put_parcel(number)
        wall.close_door(number)
        await poll(entry)
        assert len(delivered) == 1  # the resident still gets the code
        assert hass.states.get(door).state == STATE_UNAVAILABLE
    code = code_of(hass, delivered[0])

    await poll(entry)
    assert hass.states.get(door).state == "off"
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    opened = await call(hass, "redeem_code", {"code": code}, response=True)
    assert opened["parcel_id"] == response["parcel_id"]
    assert wall.release_count(number) == 2


# -- 3. unreadable stored files -------------------------------------------------


def issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"ledger_unreadable_{entry.entry_id}"
    )


def backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.corrupt-*"))


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    if entry.entry_id not in {e.entry_id for e in hass.config_entries.async_entries()}:
        entry.add_to_hass(hass)
    if entry.state is ConfigEntryState.NOT_LOADED:
        await hass.config_entries.async_setup(entry.entry_id)
    else:
        await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def deliver_one(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: LockerSimulator
) -> dict[str, Any]:
    """A stored parcel and its code; then the entry is unloaded."""
    await set_up(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    delivery = await deliver(hass, entry, simulator)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return delivery


async def assert_restored(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: LockerSimulator,
    delivery: dict[str, Any],
) -> None:
    """After the file is put back, a reload brings every parcel and code back."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert issue(hass, entry) is None
    opened = await call(hass, "redeem_code", {"code": delivery["code"]}, response=True)
    assert opened["parcel_id"] == delivery["parcel_id"]
    assert simulator.wall(1).release_count(delivery["number"]) == 2


def assert_stopped_with_issue(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> ir.IssueEntry:
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "cannot be read" in entry.reason
    # Why it cannot be read is for the log (English), not a placeholder.
    logged = [
        record.getMessage()
        for record in caplog.records
        if record.name == "custom_components.parcel_locker"
    ]
    assert any(reason in line for line in logged), logged
    found = issue(hass, entry)
    assert found is not None
    assert found.severity is ir.IssueSeverity.CRITICAL
    assert found.translation_placeholders is not None
    assert "reason" not in found.translation_placeholders
    # No entity runs on a guess: whatever is registered stays unavailable.
    assert {state.state for state in hass.states.async_all("lock")} <= {
        STATE_UNAVAILABLE
    }
    return found


def with_key(raw: bytes, key: str) -> bytes:
    envelope = json.loads(raw)
    envelope["data"]["key"] = key
    return json.dumps(envelope).encode()


def _other_key_ledger() -> dict[str, Any]:
    return Ledger(b"another-install-key-0123456789ab", LedgerSettings()).to_dict()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda _: "garbage", "not an object"),
        (lambda data: {**data, "version": 99}, "unsupported ledger version 99"),
        (
            lambda data: {k: v for k, v in data.items() if k != "parcels"},
            "parcels",
        ),
        (
            lambda data: {**data, "parcels": [{**data["parcels"][0], "number": 3}]},
            "disagree",
        ),
        (lambda _: {**_other_key_ledger(), "revision": 1}, "another key"),
    ],
    ids=["not_an_object", "newer_version", "truncated", "inconsistent", "other_key"],
)
async def test_damaged_ledger_is_kept_reported_and_not_emptied(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    damage: Any,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stored ledger data that cannot be used stops the entry with a repair issue.

    The data is backed up next to the file, the entry stays in error (nothing
    crashes, no entity runs on a guess) and the stored ledger is not touched,
    so putting it right and reloading brings every parcel and code back.
    """
    entry = mock_config_entry
    delivery = await deliver_one(hass, entry, simulator)
    path = storage / ledger_key(entry)
    good = path.read_bytes()
    envelope = json.loads(good)
    envelope["data"] = damage(envelope["data"])
    damaged = json.dumps(envelope).encode()
    path.write_bytes(damaged)

    await set_up(hass, entry)

    found = assert_stopped_with_issue(hass, entry, reason, caplog)
    assert found.translation_key == "ledger_corrupt"
    assert path.read_bytes() == damaged  # never replaced
    (backup,) = backups(storage)
    assert found.translation_placeholders["backup"] == str(backup)
    assert backup.read_bytes() == damaged

    path.write_bytes(good)
    await assert_restored(hass, entry, simulator, delivery)


async def test_storage_file_without_data(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A storage envelope without data is reported the same way."""
    write(storage / ledger_key(mock_config_entry), b'{"version": 1, "nothing": 1}')
    await set_up(hass, mock_config_entry)
    found = assert_stopped_with_issue(
        hass, mock_config_entry, "not a Home Assistant storage file", caplog
    )
    assert found.translation_key == "ledger_corrupt"


TRUNCATED = "truncated"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda raw: raw[: len(raw) // 2], "not JSON"),
        (lambda _: b"", "empty"),
        (lambda _: b"\0" * 4096, "not JSON"),
        (lambda _: b"{}", "not a Home Assistant storage file"),
        (lambda raw: raw.replace(b'"version":1', b'"version":2', 1), "version 2"),
        (lambda raw: b"\xff\xfe" + raw, "not JSON"),
    ],
    ids=[TRUNCATED, "empty", "zeroes", "empty_object", "newer_store", "not_utf8"],
)
async def test_damaged_ledger_file_on_disk(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    damage: Any,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A truncated, empty or foreign ledger file: byte-for-byte backup, file untouched.

    It is never renamed out of the way or read as empty, which would start the
    locker with an empty ledger over the parcels in the wall.
    """
    entry = mock_config_entry
    delivery = await deliver_one(hass, entry, simulator)
    path = storage / ledger_key(entry)
    good = path.read_bytes()
    assert b'"version":1' in good
    broken = damage(good)
    path.write_bytes(broken)

    await set_up(hass, entry)

    found = assert_stopped_with_issue(hass, entry, reason, caplog)
    assert path.read_bytes() == broken  # still there, unchanged
    (backup,) = backups(storage)
    assert backup.name.startswith(path.name + ".corrupt-")
    assert backup.read_bytes() == broken
    assert found.translation_placeholders["file"] == str(path)
    # Home Assistant's own "storage corruption" handling never ran.
    assert not [
        key for key in ir.async_get(hass).issues if key[1].startswith("storage_corr")
    ]

    # A second attempt does not pile up copies of the same damage.
    assert not await hass.config_entries.async_reload(entry.entry_id)
    assert len(backups(storage)) == 1

    path.write_bytes(good)
    await assert_restored(hass, entry, simulator, delivery)


async def test_ledger_restored_while_home_assistant_runs_is_read(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
) -> None:
    """The repair: a ledger file put back while Home Assistant runs is used.

    The ledger file is read from disk at every set-up, so a restored ledger is
    loaded, never overwritten by an empty one.
    """
    entry = mock_config_entry
    delivery = await deliver_one(hass, entry, simulator)
    path = storage / ledger_key(entry)
    good = path.read_bytes()
    path.unlink()
    write(path, good)
    await assert_restored(hass, entry, simulator, delivery)
    assert json.loads(path.read_bytes())["data"]["parcels"]


async def test_damaged_secret_key_is_never_replaced(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A new key would void every code in the wall: a damaged key file stops setup."""
    entry = mock_config_entry
    delivery = await deliver_one(hass, entry, simulator)
    secret = storage / f"{DOMAIN}.secret"
    good = secret.read_bytes()

    for broken, reason in (
        (good[:20], "not JSON"),
        (with_key(good, "zz" + json.loads(good)["data"]["key"]), "no usable key"),
        (with_key(good, "abcd"), "no usable key"),
    ):
        secret.write_bytes(broken)
        await set_up(hass, entry)
        found = assert_stopped_with_issue(hass, entry, reason, caplog)
        assert found.translation_placeholders["file"] == str(secret)
        assert secret.read_bytes() == broken
        assert any(b.read_bytes() == broken for b in backups(storage))

    secret.write_bytes(good)
    await assert_restored(hass, entry, simulator, delivery)


async def test_no_backup_possible_is_still_reported(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When not even a copy can be written, the issue says so; nothing crashes."""
    path = storage / ledger_key(mock_config_entry)
    write(path, b'{"version": 1, "data": ')
    with patch(
        "custom_components.parcel_locker.store._backup",
        side_effect=OSError(28, "No space left on device"),
    ):
        await set_up(hass, mock_config_entry)
    found = assert_stopped_with_issue(hass, mock_config_entry, "not JSON", caplog)
    assert found.translation_key == "ledger_corrupt_no_backup"
    assert "backup" not in found.translation_placeholders
    assert not backups(storage)

    # Removing the entry removes its issue (and its ledger).
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, mock_config_entry) is None
    assert not path.exists()


async def test_unreadable_ledger_file_is_an_os_error(
    hass: HomeAssistant, storage: Path
) -> None:
    """A ledger file that exists but cannot be opened is unreadable, not absent."""
    # Reading a directory fails as a file that cannot be opened would.
    (storage / ledger_key("dir")).mkdir(parents=True)
    with pytest.raises(UnreadableStoreError) as err:
        await LedgerStore(hass, "dir").async_load(KEY, LedgerSettings())
    assert "cannot be read" in err.value.detail


async def test_setup_retries_when_the_ledger_cannot_be_saved(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
) -> None:
    """A disk that refuses the first save: try again later, do not run unsaved.

    Whether it is the new secret key or the ledger that cannot be written.
    """
    read_only = patch.object(AtomicWriter, "sync", side_effect=OSError(30, "Read-only"))
    with read_only:
        await set_up(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not (storage / f"{DOMAIN}.secret").exists()

    await async_secret_key(hass)  # the disk took the key, then turned read-only
    with read_only:
        await set_up(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not (storage / ledger_key(mock_config_entry)).exists()


async def test_every_new_state_comes_back_with_a_restored_file(
    hass: HomeAssistant,
    storage: Path,
    mock_config_entry: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Announced, held, shared and sent back: kept through damage and restore.

    The file is truncated; the entry stops with a repair issue; the good file
    put back brings every parcel back in its state, and their codes open.
    """
    entry = mock_config_entry
    await set_up(hass, entry)
    sent_back = await deliver(hass, entry, simulator, "person.bob")
    # A week on, the clock running (the entry is set up again below).
    with freeze_time(dt_util.utcnow() + timedelta(days=7, minutes=1), tick=True):
        await poll(entry)
        carrier = code_of_parcel(hass, sent_back["parcel_id"])
        announced = await call(
            hass,
            "announce_delivery",
            {"recipient": "person.bob", "tracking": "KEEP 1"},
            response=True,
        )
        held = await call(
            hass,
            "assign_delivery",
            {"recipient": "person.bob", "size": "XL"},
            response=True,
        )
        shared_parcel = await deliver(hass, entry, simulator, "person.charlie")
        shared = await call(
            hass, "share_parcel", {"parcel_id": shared_parcel["parcel_id"]}
        )
        expected = {
            sent_back["parcel_id"]: "return_to_sender",
            announced["parcel_id"]: "announced",
            held["parcel_id"]: "held",
            shared_parcel["parcel_id"]: "stored",
        }
        assert await hass.config_entries.async_unload(entry.entry_id)
        path = storage / ledger_key(entry)
        good = path.read_bytes()
        path.write_bytes(good[: len(good) // 3])
        await set_up(hass, entry)
        assert_stopped_with_issue(hass, entry, "not JSON", caplog)

        path.write_bytes(good)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        ledger = entry.runtime_data.ledger
        states = {
            parcel["parcel_id"]: parcel["state"]
            for parcel in ledger.list_parcels()
            if parcel["parcel_id"] in expected
        }
        assert states == expected
        assert ledger.announcement("keep1") is not None
        for code, parcel_id in (
            (shared["code"], shared_parcel["parcel_id"]),
            (carrier, sent_back["parcel_id"]),
        ):
            opened = await call(hass, "redeem_code", {"code": code}, response=True)
            assert opened["parcel_id"] == parcel_id


def code_of_parcel(hass: HomeAssistant, parcel_id: str) -> str:
    """The code the integration holds in memory for a parcel."""
    for loaded in hass.config_entries.async_loaded_entries(DOMAIN):
        if (issued := loaded.runtime_data.pickup_code(parcel_id)) is not None:
            return str(issued.code)
    raise AssertionError(parcel_id)
