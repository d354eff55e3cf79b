"""A real Home Assistant with the simulated wall, driven in headless Chromium.

One Home Assistant per module, in a process of its own (as ``scripts/develop``
runs it) on free ports of 127.0.0.1, with the simulator in another process; it
is onboarded and given a resident, a courier kiosk user and the locker through
its own APIs (``scripts/provision.py``). Playwright (PyPI) drives Debian's
chromium; without it the browser tests are skipped and say why.

Screenshots go to ``$SCREENSHOTS`` (``scripts/screenshots`` points it at
docs/screenshots/), else to a git-ignored folder: every run still renders
each view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any
import urllib.error
import urllib.request

import pytest

from scripts.provision import Account, Provisioned, async_provision

REPO = Path(__file__).parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = "S*12,M*8,L*4"
CONFIGURATION = """\
homeassistant:
  name: Parcel Locker test building
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: Europe/Amsterdam
  country: NL
  currency: EUR
  language: en
frontend:
person:
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: warning
"""

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - installed by scripts/setup
    sync_playwright = None  # type: ignore[assignment]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One Home Assistant per module: its tests stay on one xdist worker."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Home Assistant runs in a process of its own here, not the test harness's."""


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Every test talks to its Home Assistant and simulator over 127.0.0.1."""


@pytest.fixture(autouse=True)
def verify_cleanup() -> None:
    """No harness Home Assistant to clean up after (Playwright owns the loop)."""


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """The harness's loop debugging does not apply to Playwright's loop."""


@pytest.fixture(autouse=True)
def configure_event_loop() -> None:
    """Newer harnesses set up their own loop: Playwright's runs here instead."""


@pytest.fixture(autouse=True)
def event_loop_on_real_time() -> None:
    """Home Assistant's clock is never frozen here: its own process keeps time."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _child_env() -> dict[str, str]:
    """The test's environment for a child, without pytest-cov's hooks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    env["PYTHONPATH"] = str(REPO)
    return env


@dataclass
class Instance:
    """The running Home Assistant, its simulated wall and its accounts."""

    url: str
    config: Path
    simulator_url: str
    provisioned: Provisioned
    process: subprocess.Popen[bytes]

    def account(self, role: str) -> Account:
        return self.provisioned.accounts[role]

    # -- the simulated wall (its web API, as a person at the wall) -----------

    def wall(self, number: int, action: str, body: Any = None) -> dict[str, Any]:
        """Open, close, force, put or take at compartment ``number``."""
        return _post(
            f"{self.simulator_url}/api/wall/1/compartment/{number}/{action}", body
        )

    def releases(self, number: int) -> int:
        """How often the controller released the lock of ``number`` (coil writes)."""
        state_url = f"{self.simulator_url}/api/state"
        with urllib.request.urlopen(state_url) as answer:  # noqa: S310 - loopback
            state = json.load(answer)
        (wall,) = state["walls"]
        return int(
            next(
                item["release_count"]
                for item in wall["compartments"]
                if item["number"] == number
            )
        )

    # -- Home Assistant as its owner -----------------------------------------

    def action(self, service: str, data: dict[str, Any]) -> Any:
        """Call one of the locker's actions as the owner (an admin)."""
        return _post(
            f"{self.url}/api/services/parcel_locker/{service}?return_response",
            data,
            self.token("owner")["access_token"],
        )

    def parcels_of(self, person: str) -> set[str]:
        """The active parcels of a person, as staff list them."""
        listed = self.action("list_parcels", {})["service_response"]["parcels"]
        return {
            parcel["parcel_id"] for parcel in listed if parcel["recipient"] == person
        }

    def qr_picture(self, parcel_id: str, role: str) -> bytes:
        """The code picture a recipient's phone shows (it waits for the code)."""
        token = self.token(role)["access_token"]
        deadline = time.monotonic() + 10
        while True:
            request = urllib.request.Request(  # noqa: S310 - our own loopback server
                f"{self.url}/api/parcel_locker/qr/{parcel_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
            try:
                with urllib.request.urlopen(request) as answer:  # noqa: S310
                    return bytes(answer.read())
            except urllib.error.HTTPError as err:
                if err.code != 404 or time.monotonic() > deadline:
                    log = _tail(self.config / "home-assistant.log")
                    raise AssertionError(f"no picture ({err.code}):\n{log}") from err
            time.sleep(0.2)

    def door_seen(self, number: int, *, open_: bool) -> None:
        """Wait until Home Assistant has seen the door open (or closed).

        The wall is polled every 2 s; a door cycle shorter than a poll is only
        seen where the controller counts door openings (not the simulator's).
        """
        wanted = "on" if open_ else "off"
        entity = f"binary_sensor.compartment_a_{number:02d}_door"
        token = self.token("owner")["access_token"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            request = urllib.request.Request(  # noqa: S310 - our own loopback server
                f"{self.url}/api/states/{entity}",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request) as answer:  # noqa: S310
                if json.load(answer)["state"] == wanted:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{entity} never became {wanted}")

    def load(self, number: int) -> None:
        """A courier at the wall: open the released door, put the parcel in, close."""
        self.wall(number, "open")
        self.door_seen(number, open_=True)
        self.wall(number, "put")
        self.wall(number, "close")

    def collect(self, number: int) -> None:
        """A resident at the wall: open the released door, take the parcel, close."""
        self.wall(number, "open")
        self.door_seen(number, open_=True)
        self.wall(number, "take")
        self.wall(number, "close")

    def token(self, role: str) -> dict[str, Any]:
        """Log in as an account through the login flow: its tokens."""
        return _run(self._login(self.account(role)))

    async def _login(self, account: Account) -> dict[str, Any]:
        import aiohttp  # noqa: PLC0415

        from scripts.provision import Instance as Api  # noqa: PLC0415

        async with aiohttp.ClientSession() as session:
            return await Api(session, self.url).login(account)


def _post(url: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - our own loopback servers
        url,
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        text = answer.read()
    return json.loads(text) if text else None


def _run(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own.

    The test's thread keeps the event loop pytest-asyncio made for it; a
    finished thread is no lingering one.
    """
    import asyncio  # noqa: PLC0415

    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as err:  # noqa: BLE001 - raised below, in the test
            result["error"] = err

    thread = threading.Thread(target=run, name="provision")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return (
        "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        if log.exists()
        else ""
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """Home Assistant and the simulated wall, onboarded, with the locker set up."""
    import pytest_socket  # noqa: PLC0415

    pytest_socket.enable_socket()
    base = tmp_path_factory.mktemp("browser")
    config = base / "config"
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / "parcel_locker").symlink_to(
        REPO / "custom_components" / "parcel_locker"
    )
    port, modbus, web = _free_port(), _free_port(), _free_port()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    simulator_log = base / "simulator.log"
    with simulator_log.open("wb") as out:
        simulator = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "simulator",
                "--port",
                str(modbus),
                "--web-port",
                str(web),
                "--unit",
                "1",
                "--sizes",
                SIZES,
                "--cooled",
                "21,22",
            ],
            cwd=REPO,
            env=_child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    with (config / "hass.out").open("wb") as out:
        hass = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(REPO / "scripts" / "run_hass.py"),
                "--config",
                str(config),
                "--skip-pip",
            ],
            cwd=REPO,
            env=_child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"http://127.0.0.1:{web}/api/state", simulator, simulator_log)
        _wait_for(f"{url}/manifest.json", hass, config / "home-assistant.log")
        provisioned = _run(
            async_provision(config, url, locker=("127.0.0.1", modbus), neighbour=True)
        )
        yield Instance(url, config, f"http://127.0.0.1:{web}", provisioned, hass)
    finally:
        _stop(hass)
        _stop(simulator)
    log = (config / "home-assistant.log").read_text(errors="replace")
    # The integration and its strings load and run without an error logged.
    assert "Error while parsing localized" not in log
    errors = [
        line
        for line in log.splitlines()
        if " ERROR " in line and "parcel_locker" in line
    ]
    assert not errors


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium, driven by Playwright."""
    if sync_playwright is None or not Path(CHROMIUM).exists():
        pytest.skip("the browser tests need Playwright and chromium (scripts/setup)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def open_as(instance: Instance, browser: Browser) -> Iterator[Callable[..., Page]]:
    """A page of the panel as one account, at phone or desktop size."""
    contexts = []

    def page(role: str, path: str = "/parcel-locker", *, phone: bool = False) -> Page:
        tokens = instance.token(role)
        stored = {
            "hassUrl": instance.url,
            "clientId": f"{instance.url}/",
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
            "refresh_token": tokens["refresh_token"],
            "access_token": tokens["access_token"],
            "expires_in": tokens["expires_in"],
            "token_type": "Bearer",
        }
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
        )
        # Logged in as the login page leaves it: the tokens in local storage.
        tokens_json = json.dumps(json.dumps(stored))
        context.add_init_script(
            f"window.localStorage.setItem('hassTokens', {tokens_json});"
        )
        contexts.append(context)
        opened = context.new_page()
        opened.goto(f"{instance.url}{path}")
        return opened

    yield page
    for context in contexts:
        context.close()


SCREENSHOTS = Path(os.environ.get("SCREENSHOTS") or REPO / ".screenshots")


def screenshot(page: Page, name: str) -> Path:
    """Write a screenshot of the page (``<name>-phone.png`` / ``-desktop.png``)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{name}-{'phone' if width < 600 else 'desktop'}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path
