"""Idle CPU: what polling the walls costs a real Home Assistant when nothing happens.

For every scenario this starts, as processes of their own, on 127.0.0.1 only:

* the locker-wall simulator (``python -m simulator``), one controller serving
  walls of 250 compartments with every optional point (latch, parcel sensor,
  temperature, a setpoint on the cooled compartments 21 and 22, keypad, and
  layout 1.1's door-open counters and keypad ring) on unit ids 1..N, with its
  web page on loopback (the bench asks it how often the keypad was read);
* a real Home Assistant (``scripts/run_hass.py``) in a temporary config
  directory: a minimal ``configuration.yaml`` (no ``default_config``), the
  integration linked into ``custom_components`` as ``scripts/develop`` does,
  and the config entry with its wall subentries written into
  ``.storage/core.config_entries`` the way the config flow stores them, with
  the option ``poll_interval: 1``. No onboarding, no login.

Once the integration's entities are in the entity registry and a warm-up has
passed, it reads the Home Assistant process's CPU time (all threads: utime +
stime as in ``/proc/<pid>/stat``, read from the process's CPU-time clock to the
nanosecond) at the start and the end of a window (``--seconds``, 60) in which
nothing happens at the walls, and reports CPU seconds per minute. ``baseline``
is the same Home Assistant without the entry.

Polls are counted at the wall: every poll reads the keypad's sequence register
of every wall once, and the simulator counts those reads. So counting costs
Home Assistant nothing; ``--log-polls`` counts them as this bench once did,
from the integration's debug log, which costs Home Assistant a log record a
poll.

Run from the repository root (Linux only: it reads ``/proc``)::

    .venv/bin/python -m bench.idle_cpu                 # all scenarios, twice
    .venv/bin/python -m bench.idle_cpu --json
    .venv/bin/python -m bench.idle_cpu --scenario "1 x 250" --seconds 30 --repeat 1
    .venv/bin/python -m bench.idle_cpu --log-polls     # count from the debug log

It needs the Home Assistant frontend package (``scripts/setup --oldest
--develop``): Home Assistant sets up its frontend even without
``default_config``. Progress goes to stderr, results to stdout. Nothing is sent
anywhere but 127.0.0.1; Home Assistant runs with ``--skip-pip`` and installs
nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
import contextlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
import importlib.util
import json
import os
from pathlib import Path
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import IO, Any
import urllib.request

from homeassistant.util.ulid import ulid_now

from custom_components.parcel_locker.connection import controller_identity
from custom_components.parcel_locker.const import (
    CONF_COMPARTMENTS,
    CONF_CONNECTION,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_FRAMER,
    CONF_HUB_PULSE,
    CONF_OPTIONAL_POINTS,
    CONF_POLL_INTERVAL,
    CONF_PREFIX,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_SIZES,
    CONNECTION_TCP,
    DEFAULT_PULSE_SECONDS,
    DOMAIN,
    FRAMER_SOCKET,
    SUBENTRY_WALL,
)
from custom_components.parcel_locker.domain.wiring import OPTIONAL_POINT_NAMES, WallMap
from custom_components.parcel_locker.wall_config import CONF_NAME
from custom_components.parcel_locker.wall_form import (
    build_wall,
    check_wall_form,
    subentry_data,
)

# Loopback only: the benchmark never talks to anything else.
HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
SIZES = "S*125,M*75,L*40,XL*10"  # 250 compartments, as bench/poll.py
COOLED = "21,22"
POLL_INTERVAL = 1
PREFIXES = "ABCD"
WARMUP_SECONDS = 15.0
WINDOW_SECONDS = 60.0
REPEAT = 2
START_TIMEOUT = 180.0
"""Seconds Home Assistant may take until the integration's entities exist."""
STOP_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

INITIALIZED = "Home Assistant initialized in"
# DataUpdateCoordinator logs this at debug level after every refresh.
POLL_LINE = re.compile(r"Finished fetching parcel_locker .* data in [0-9.]+ seconds")
# What would make a run meaningless: the entry could not be set up, or polls fail.
TROUBLE = (
    "Error setting up entry",
    "Config entry '",
    "Unexpected error fetching",
    "Error fetching parcel_locker",
    "(success: False)",
    "Traceback (most recent call last)",
)


class BenchError(RuntimeError):
    """A run could not be carried out; the message says why."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Walls of 250 compartments on one controller (unit ids 1..walls)."""

    name: str
    walls: int


SCENARIOS = (
    Scenario("baseline", walls=0),
    Scenario("1 x 250", walls=1),
    Scenario("4 x 250", walls=4),
)


@dataclass(slots=True)
class Run:
    """One measured window of one scenario."""

    scenario: str
    run: int
    walls: int
    entities: int
    """parcel_locker entities in the entity registry at the end of the window."""
    polls: int | None
    """Polls during the window, counted at the wall (None: no wall)."""
    window_seconds: float
    cpu_seconds: float
    cpu_per_minute: float
    stat_cpu_seconds: float
    """The same from /proc/<pid>/stat's utime + stime (10 ms ticks): a cross-check."""
    peak_rss_mb: float
    simulator_cpu_per_minute: float | None
    machine_busy_percent: float
    """Busy share of all CPUs of the machine during the window (/proc/stat)."""
    others_busy_percent: float
    """The same without Home Assistant and the simulator: the other load."""
    startup_seconds: float
    """From starting Home Assistant to the integration's entities existing."""


# -- processes -----------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Child:
    """A process of our own, in a session of its own, its output in a file.

    Its own session keeps Ctrl-C in the terminal from reaching it directly: we
    stop it ourselves, in order, and kill its process group if it hangs.
    """

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str]):
        self.name = name
        self.log = log
        self._output: IO[bytes] = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait, then SIGKILL to the whole process group."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                print(f"  {self.name} did not stop; killing it", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # anything it left behind
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self._output.close()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for(what: str, check: Any, child: Child, timeout: float) -> Any:
    """Call ``check()`` until it returns something true; fail if ``child`` dies."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if not child.alive():
            raise BenchError(
                f"{child.name} exited ({child.process.returncode}) while waiting for "
                f"{what}:\n{child.tail()}"
            )
        if time.monotonic() > deadline:
            raise BenchError(f"no {what} after {timeout:.0f} s:\n{child.tail()}")
        time.sleep(0.2)


@dataclass(frozen=True, slots=True)
class Simulator:
    """The simulator's process, its Modbus port and its web page."""

    child: Child
    port: int
    web: str


def start_simulator(workdir: Path, walls: int) -> Simulator:
    """The simulator on free loopback ports, every optional point of layout 1.1."""
    argv = [
        sys.executable,
        "-m",
        "simulator",
        "--host",
        HOST,
        "--port",
        "0",
        "--web-host",
        HOST,
        "--web-port",
        "0",
        "--layout",
        "1.1",
        "--unit",
        ",".join(str(unit) for unit in range(1, walls + 1)),
        "--sizes",
        SIZES,
        "--cooled",
        COOLED,
    ]
    child = Child("simulator", argv, workdir / "simulator.log", child_env())
    modbus = re.compile(rf"Modbus TCP: {re.escape(HOST)}:(\d+)")
    page = re.compile(rf"Web page: +(http://{re.escape(HOST)}:\d+)/")

    def ready() -> Simulator | None:
        text = child.text()
        port, web = modbus.search(text), page.search(text)
        if port is None or web is None:
            return None
        return Simulator(child, int(port.group(1)), web.group(1))

    result: Simulator = wait_for("simulator ports", ready, child, 30)
    return result


def keypad_reads(simulator: Simulator) -> int:
    """How often unit 1's keypad was read: once a poll (every poll reads it)."""
    with urllib.request.urlopen(  # noqa: S310 - our own page, on loopback
        f"{simulator.web}/api/state", timeout=10
    ) as response:
        state = json.load(response)
    return int(state["walls"][0]["keypad"]["reads"])


# -- the Home Assistant configuration ------------------------------------------


def configuration_yaml(port: int, *, log_polls: bool) -> str:
    logs = {"homeassistant.bootstrap": "info"}
    if log_polls:
        logs[f"custom_components.{DOMAIN}"] = "debug"
    lines = [
        "# Written by bench/idle_cpu.py: no default_config, loopback only.",
        "http:",
        f"  server_host: {HOST}",
        f"  server_port: {port}",
        "logger:",
        "  default: warning",
        "  logs:",
        *(f"    {name}: {level}" for name, level in logs.items()),
    ]
    return "\n".join(lines) + "\n"


def wall_form(unit: int) -> dict[str, Any]:
    """The wall form as an installer fills it for simulated wall ``unit``."""
    return {
        CONF_NAME: f"Wall {PREFIXES[unit - 1]}",
        CONF_PREFIX: PREFIXES[unit - 1],
        CONF_PROFILE: "reference",
        CONF_DEVICE_ID: unit,
        CONF_COMPARTMENTS: 250,
        CONF_SIZES: SIZES,
        CONF_COOLED: COOLED,
        CONF_OPTIONAL_POINTS: list(OPTIONAL_POINT_NAMES),
        CONF_HUB_PULSE: False,
        CONF_PULSE_SECONDS: DEFAULT_PULSE_SECONDS,
    }


def wall_subentries(walls: int) -> list[dict[str, Any]]:
    """Wall subentries as the config flow stores them (``ConfigSubentry.as_dict``).

    The form goes through the flow's own checks (``check_wall_form`` normalises
    it, ``build_wall`` makes the map and checks it against the walls before it),
    then ``subentry_data`` gives what the subentry stores.
    """
    subentries: list[dict[str, Any]] = []
    maps: list[WallMap] = []
    for unit in range(1, walls + 1):
        form = wall_form(unit)
        errors, _ = check_wall_form(form)
        wall, more_errors, _ = build_wall(form, maps) if not errors else (None, {}, {})
        if wall is None:
            raise BenchError(
                f"wall {unit}: the form is refused: {errors or more_errors}"
            )
        maps.append(wall)
        subentries.append(
            {
                "data": subentry_data(form, wall),
                "subentry_id": ulid_now(),
                "subentry_type": SUBENTRY_WALL,
                "title": form[CONF_NAME],
                "unique_id": None,
            }
        )
    return subentries


def config_entries_file(modbus_port: int, walls: int) -> dict[str, Any]:
    """``.storage/core.config_entries`` with one parcel_locker entry.

    The layout is Home Assistant's ``ConfigEntryStore`` (version 1.5) holding
    ``ConfigEntry.as_dict()``, as ``ConfigEntries._data_to_save`` writes it.
    """
    data = {
        CONF_CONNECTION: CONNECTION_TCP,
        "host": HOST,
        "port": modbus_port,
        CONF_FRAMER: FRAMER_SOCKET,
    }
    now = datetime.now(UTC).isoformat()
    entry = {
        "created_at": now,
        "data": data,
        "discovery_keys": {},
        "disabled_by": None,
        "domain": DOMAIN,
        "entry_id": ulid_now(),
        "minor_version": 2,
        "modified_at": now,
        "options": {CONF_POLL_INTERVAL: POLL_INTERVAL},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "subentries": wall_subentries(walls),
        "title": f"Parcel Locker ({HOST}:{modbus_port})",
        "unique_id": controller_identity(data),
        "version": 1,
    }
    return {
        "version": 1,
        "minor_version": 5,
        "key": "core.config_entries",
        "data": {"entries": [entry]},
    }


def write_config(
    config: Path,
    http_port: int,
    modbus_port: int | None,
    walls: int,
    *,
    log_polls: bool,
) -> None:
    (config / "configuration.yaml").write_text(
        configuration_yaml(http_port, log_polls=log_polls), encoding="utf-8"
    )
    (config / "custom_components").mkdir()
    (config / "custom_components" / DOMAIN).symlink_to(
        ROOT / "custom_components" / DOMAIN, target_is_directory=True
    )
    if modbus_port is not None:
        (config / ".storage").mkdir()
        (config / ".storage" / "core.config_entries").write_text(
            json.dumps(config_entries_file(modbus_port, walls), indent=2),
            encoding="utf-8",
        )


def start_home_assistant(config: Path, workdir: Path) -> Child:
    argv = [
        sys.executable,
        str(ROOT / "scripts" / "run_hass.py"),
        "--config",
        str(config),
        "--skip-pip",
    ]
    return Child("Home Assistant", argv, workdir / "home-assistant.out", child_env())


def registry_entities(config: Path) -> int:
    """parcel_locker entities in ``.storage/core.entity_registry`` (0 if none yet).

    Home Assistant writes the registry some seconds after entities are added,
    atomically (a temporary file renamed), so the file is whole or absent.
    """
    try:
        stored = json.loads(
            (config / ".storage" / "core.entity_registry").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, json.JSONDecodeError):
        return 0
    entities = stored.get("data", {}).get("entities", [])
    return sum(1 for entity in entities if entity.get("platform") == DOMAIN)


def trouble(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(t in line for t in TROUBLE)]


# -- measuring -----------------------------------------------------------------


def stat_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) from /proc: 10 ms ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    # Fields after the command name, which may hold spaces and parentheses.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """CPU time of a process (all its threads, live and exited), in seconds.

    Read from the process's CPU-time clock (Linux: ``clock_gettime`` on the
    clock id ``MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)``): the same runtime
    that ``/proc/<pid>/stat`` shows as utime + stime, to the nanosecond instead
    of the clock tick. Falls back to ``/proc/<pid>/stat``.
    """
    try:
        return time.clock_gettime((~pid << 3) | 2)
    except OSError:
        return stat_cpu_seconds(pid)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
    values = [int(value) for value in first.split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest
    # time is already counted in user and nice.
    total = sum(values[:8])
    return total - values[3] - values[4], total


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The counters read at one edge of the window."""

    at: float
    cpu: float
    stat_cpu: float
    simulator_cpu: float | None
    machine_busy: int
    machine_total: int
    polls: int


def snapshot(hass: Child, simulator: Simulator | None, *, log_polls: bool) -> Snapshot:
    """The counters now; polls from the debug log, else from the wall."""
    if log_polls:
        polls = len(POLL_LINE.findall(hass.text()))
    else:
        polls = keypad_reads(simulator) if simulator else 0
    busy, total = machine_ticks()
    return Snapshot(
        at=time.monotonic(),
        cpu=cpu_seconds(hass.pid),
        stat_cpu=stat_cpu_seconds(hass.pid),
        simulator_cpu=cpu_seconds(simulator.child.pid) if simulator else None,
        machine_busy=busy,
        machine_total=total,
        polls=polls,
    )


def wait_until_ready(hass: Child, config: Path, walls: int, label: str) -> float:
    """Until Home Assistant is up and the integration's entities exist.

    The signal is the entity registry file: Home Assistant writes it a few
    seconds after the entities are added, so it holds them only once the entry
    is set up, its first poll done and its platforms' entities added. Returns
    the seconds it took.
    """
    started = time.monotonic()
    wait_for(
        "'Home Assistant initialized'",
        lambda: INITIALIZED in hass.text(),
        hass,
        START_TIMEOUT,
    )
    if walls:
        wait_for(
            "parcel_locker entities in the entity registry",
            lambda: registry_entities(config),
            hass,
            START_TIMEOUT - (time.monotonic() - started),
        )
    check_log(hass, label)
    return time.monotonic() - started


def check_log(hass: Child, label: str) -> None:
    if not hass.alive():
        raise BenchError(f"{label}: Home Assistant exited:\n{hass.tail()}")
    if problems := trouble(hass.text()):
        raise BenchError(f"{label}: Home Assistant reports:\n" + "\n".join(problems))


def run_once(
    scenario: Scenario, index: int, args: argparse.Namespace, workdir: Path
) -> Run:
    label = f"{scenario.name} run {index}"
    log_polls = args.log_polls
    config = workdir / "config"
    config.mkdir()
    simulator: Simulator | None = None
    hass: Child | None = None
    try:
        modbus_port = None
        if scenario.walls:
            print(f"{label}: starting the simulator ...", file=sys.stderr)
            simulator = start_simulator(workdir, scenario.walls)
            modbus_port = simulator.port
        write_config(
            config, free_port(), modbus_port, scenario.walls, log_polls=log_polls
        )
        print(f"{label}: starting Home Assistant ...", file=sys.stderr)
        hass = start_home_assistant(config, workdir)
        startup = wait_until_ready(hass, config, scenario.walls, label)
        print(
            f"{label}: ready after {startup:.0f} s; warming up {args.warmup:.0f} s ...",
            file=sys.stderr,
        )
        time.sleep(args.warmup)
        print(f"{label}: measuring {args.seconds:.0f} s ...", file=sys.stderr)
        before = snapshot(hass, simulator, log_polls=log_polls)
        time.sleep(args.seconds)
        after = snapshot(hass, simulator, log_polls=log_polls)
        rss = peak_rss_mb(hass.pid)
        check_log(hass, label)
    finally:
        for child in (hass, simulator.child if simulator else None):
            if child is not None:
                child.stop()

    window = after.at - before.at
    used = after.cpu - before.cpu
    sim_used = (
        after.simulator_cpu - before.simulator_cpu
        if after.simulator_cpu is not None and before.simulator_cpu is not None
        else None
    )
    total = max(after.machine_total - before.machine_total, 1)
    busy = (after.machine_busy - before.machine_busy) / total * 100
    ours = (used + (sim_used or 0)) * CLOCK_TICKS / total * 100
    result = Run(
        scenario=scenario.name,
        run=index,
        walls=scenario.walls,
        entities=registry_entities(config),
        polls=after.polls - before.polls if scenario.walls else None,
        window_seconds=round(window, 2),
        cpu_seconds=round(used, 3),
        cpu_per_minute=round(used / window * 60, 3),
        stat_cpu_seconds=round(after.stat_cpu - before.stat_cpu, 2),
        peak_rss_mb=round(rss, 1),
        simulator_cpu_per_minute=None
        if sim_used is None
        else round(sim_used / window * 60, 3),
        machine_busy_percent=round(busy, 1),
        others_busy_percent=round(max(busy - ours, 0.0), 1),
        startup_seconds=round(startup, 1),
    )
    print(
        f"{label}: {result.cpu_per_minute:.3f} CPU s/min"
        f" (machine {result.machine_busy_percent:.0f} % busy)",
        file=sys.stderr,
    )
    return result


# -- reporting -----------------------------------------------------------------


@dataclass(slots=True)
class Summary:
    """The runs of one scenario, in one row."""

    scenario: str
    walls: int
    entities: int
    polls: list[int | None]
    cpu_per_minute: list[float]
    cpu_per_minute_min: float
    above_baseline: float | None
    """Minimum of this scenario minus the minimum of the baseline."""
    peak_rss_mb: float
    others_busy_percent: list[float]


def summarise(runs: Sequence[Run]) -> list[Summary]:
    by_name: dict[str, list[Run]] = {}
    for run in runs:
        by_name.setdefault(run.scenario, []).append(run)
    baseline = by_name.get("baseline")
    floor = min(run.cpu_per_minute for run in baseline) if baseline else None
    summaries = []
    for name, group in by_name.items():
        lowest = min(run.cpu_per_minute for run in group)
        summaries.append(
            Summary(
                scenario=name,
                walls=group[0].walls,
                entities=max(run.entities for run in group),
                polls=[run.polls for run in group],
                cpu_per_minute=[run.cpu_per_minute for run in group],
                cpu_per_minute_min=lowest,
                above_baseline=None
                if floor is None or name == "baseline"
                else round(lowest - floor, 3),
                peak_rss_mb=max(run.peak_rss_mb for run in group),
                others_busy_percent=[run.others_busy_percent for run in group],
            )
        )
    return summaries


def cells(summary: Summary) -> list[str]:
    def joined(values: Sequence[Any], form: str) -> str:
        return ", ".join("-" if v is None else format(v, form) for v in values)

    return [
        summary.scenario,
        str(summary.entities) if summary.walls else "-",
        joined(summary.polls, "d") if summary.walls else "-",
        joined(summary.cpu_per_minute, ".3f"),
        f"{summary.cpu_per_minute_min:.3f}",
        "-" if summary.above_baseline is None else f"{summary.above_baseline:.3f}",
        f"{summary.peak_rss_mb:.0f}",
        joined(summary.others_busy_percent, ".0f"),
    ]


HEADERS = (
    "scenario",
    "entities",
    "polls seen",
    "CPU s/min (each run)",
    "CPU s/min (min)",
    "above baseline",
    "peak RSS MB",
    "other load %",
)


def format_table(summaries: Sequence[Summary]) -> str:
    rows = [list(HEADERS), *(cells(summary) for summary in summaries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for index, row in enumerate(rows):
        padded = [
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


LEGEND = """\
Legend
  entities        parcel_locker entities in the entity registry
  polls seen      polls during each window, counted at the wall (reads of unit
                  1's keypad; with --log-polls, "Finished fetching" debug
                  lines); about one per second at poll_interval 1
  CPU s/min       CPU time (user + system, all threads) of the Home Assistant
                  process during the window, per minute of wall-clock time
  (min)           the lowest run: other load on the machine only ever adds
  above baseline  this scenario's minimum minus the baseline's minimum: what the
                  integration costs
  peak RSS MB     VmHWM of the Home Assistant process, the highest of the runs
  other load %    busy share of all CPUs during each window not spent in Home
                  Assistant or the simulator: above a few % the runs are noisy
Each scenario is its own Home Assistant (no default_config, http on 127.0.0.1)
and, but for the baseline, its own simulator process; nothing happens at the walls."""


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine_info() -> dict[str, Any]:
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity else os.cpu_count(),
        "homeassistant": version("homeassistant"),
        "modbus_connection": version("modbus-connection"),
        "tmodbus": version("tmodbus"),
    }


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"Home Assistant {info['homeassistant']} on Python {info['python']}, "
        f"{info['cpu_count']} CPUs ({info['usable_cpus']} usable), "
        f"{info['platform']}; modbus-connection {info['modbus_connection']}, "
        f"tmodbus {info['tmodbus']}"
    )


# -- entry point -----------------------------------------------------------------


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.idle_cpu",
        description="CPU time an idle Home Assistant spends polling the walls.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[scenario.name for scenario in SCENARIOS],
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument(
        "--seconds",
        type=positive,
        default=WINDOW_SECONDS,
        help=f"measuring window (default {WINDOW_SECONDS:.0f})",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=WARMUP_SECONDS,
        help=f"seconds between ready and the window (default {WARMUP_SECONDS:.0f})",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=REPEAT,
        help=f"runs per scenario, interleaved (default {REPEAT})",
    )
    parser.add_argument(
        "--log-polls",
        action="store_true",
        help="count polls from the integration's debug log (a log record a poll)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directories"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    return args


def selected(args: argparse.Namespace) -> list[Scenario]:
    return [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]


def schedule(args: argparse.Namespace) -> Iterator[tuple[Scenario, int]]:
    """Every scenario once, then again: a slow drift in load hits all alike."""
    for index in range(1, args.repeat + 1):
        for scenario in selected(args):
            yield scenario, index


def run_all(args: argparse.Namespace) -> list[Run]:
    runs = []
    for scenario, index in schedule(args):
        workdir = Path(tempfile.mkdtemp(prefix="parcel-locker-idle-cpu-"))
        try:
            runs.append(run_once(scenario, index, args, workdir))
        finally:
            if args.keep:
                print(f"  kept {workdir}", file=sys.stderr)
            else:
                # The integration is a symlink in there: rmtree removes the link.
                shutil.rmtree(workdir, ignore_errors=True)
    return runs


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: unwinds through the cleanups


def main(argv: Sequence[str] | None = None) -> int:
    if not Path("/proc/self/stat").exists():
        print("bench.idle_cpu reads /proc: Linux only", file=sys.stderr)
        return 2
    args = parse_args(argv)
    if importlib.util.find_spec("hass_frontend") is None:
        # Home Assistant always sets up its frontend, default_config or not;
        # without it, it starts in recovery mode with no config entries.
        print(
            "bench.idle_cpu needs the Home Assistant frontend package: "
            "scripts/setup --oldest --develop",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    info = machine_info()
    started = time.monotonic()
    try:
        runs = run_all(args)
    except BenchError as err:
        print(f"bench.idle_cpu: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; every process stopped", file=sys.stderr)
        return 130
    elapsed = time.monotonic() - started
    summaries = summarise(runs)
    if args.json:
        document = {
            "machine": info,
            "settings": {
                "host": HOST,
                "sizes": SIZES,
                "cooled": COOLED,
                "optional_points": list(OPTIONAL_POINT_NAMES),
                "poll_interval": POLL_INTERVAL,
                "seconds": args.seconds,
                "warmup": args.warmup,
                "repeat": args.repeat,
                "polls_counted_from": "debug log" if args.log_polls else "wall",
                "elapsed_seconds": round(elapsed, 1),
            },
            "runs": [asdict(run) for run in runs],
            "summary": [asdict(summary) for summary in summaries],
        }
        print(json.dumps(document, indent=2))
        return 0
    print(machine_line(info))
    print(
        f"Window {args.seconds:.0f} s after a {args.warmup:.0f} s warm-up, "
        f"poll_interval {POLL_INTERVAL} s, {args.repeat} run(s) per scenario."
    )
    print()
    print(format_table(summaries))
    print()
    print(LEGEND)
    print(f"\nTotal run time {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
