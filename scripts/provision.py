"""Make a fresh Home Assistant ready to use: owner, resident, courier kiosk, locker.

Used by ``scripts/develop`` (``python scripts/provision.py CONFIG_DIR URL``) and
by the browser tests. Everything goes through Home Assistant's own APIs, as a
person would click it: onboarding, users and persons over the websocket, the
Parcel Locker config flow and its options flow over REST, logins through the
login flow. Idempotent: the accounts it made are kept (with their passwords)
in ``CONFIG_DIR/.develop-accounts.json``, so a second run finds them.

    python scripts/provision.py config/latest http://127.0.0.1:8123 \
        [--locker 127.0.0.1:5020] [--wait]

``--locker`` adds the Parcel Locker for that controller unless there is one;
``--wait`` waits for Home Assistant first, and (without ``--locker``) for the
locker the person adds through the UI, then names the courier kiosk user in its
options.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass
import json
from pathlib import Path
import secrets
import sys
import time
from typing import Any

import aiohttp

DOMAIN = "parcel_locker"
ACCOUNTS_FILE = ".develop-accounts.json"
OPTION_COURIERS = "courier_users"
# What scripts/develop and the browser tests simulate (python -m simulator).
SIMULATED_WALL = {
    "sizes": "S*12,M*8,L*4",
    "cooled": "21,22",
}


@dataclass(frozen=True)
class Account:
    """A login of the development instance."""

    name: str
    username: str
    password: str
    person: bool = False
    admin: bool = False


def _accounts(config: Path, *, neighbour: bool) -> dict[str, Account]:
    """The accounts of this instance: the ones made before, or new passwords.

    ``neighbour``: a second resident (the browser tests' other resident).
    """
    path = config / ACCOUNTS_FILE
    if path.exists():
        return {
            role: Account(**fields)
            for role, fields in json.loads(path.read_text(encoding="utf-8")).items()
        }
    made = {
        "owner": Account("Admin", "admin", secrets.token_urlsafe(9), admin=True),
        "resident": Account("Bob", "bob", secrets.token_urlsafe(9), person=True),
        "courier": Account("Wall tablet", "kiosk", secrets.token_urlsafe(9)),
    }
    if neighbour:
        made["neighbour"] = Account(
            "Charlie", "charlie", secrets.token_urlsafe(9), person=True
        )
    config.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({role: asdict(account) for role, account in made.items()}, indent=2),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return made


class Instance:
    """A running Home Assistant, talked to as its owner."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to the instance at ``url``; ``onboard`` logs in."""
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 1

    # -- http ---------------------------------------------------------------

    async def wait_until_up(self, seconds: float = 180) -> None:
        """Until Home Assistant answers (it may still be starting)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                async with self.session.get(f"{self.url}/manifest.json") as answer:
                    if answer.status == 200:  # noqa: PLR2004
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Home Assistant did not answer at {self.url}")
            await asyncio.sleep(0.5)

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        """A REST call as the owner; the JSON answer."""
        async with self.session.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
        ) as answer:
            text = await answer.text()
            if answer.status >= 400:  # noqa: PLR2004
                raise RuntimeError(f"{method} {path}: {answer.status} {text}")
            return json.loads(text) if text else None

    async def tokens(self, code: str) -> dict[str, Any]:
        """Exchange an authorization code for tokens."""
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        ) as answer:
            answer.raise_for_status()
            found: dict[str, Any] = await answer.json()
            return found

    async def login(self, account: Account) -> dict[str, Any]:
        """Log in through the login flow, as the login page does: the tokens."""
        flow = await self.rest(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
        )
        done = await self.rest(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": self.client_id,
                "username": account.username,
                "password": account.password,
            },
        )
        if done.get("type") != "create_entry":
            raise RuntimeError(f"cannot log in as {account.username}: {done}")
        return await self.tokens(done["result"])

    # -- websocket ----------------------------------------------------------

    async def command(self, message: dict[str, Any]) -> Any:
        """One websocket command as the owner; its result."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.url}/api/websocket")
            await self._ws.receive_json()  # auth_required
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            answer = await self._ws.receive_json()
            if answer.get("type") != "auth_ok":
                raise RuntimeError(f"websocket login refused: {answer}")
        message_id, self._next_id = self._next_id, self._next_id + 1
        await self._ws.send_json({"id": message_id, **message})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("id") == message_id and answer.get("type") == "result":
                break
        if not answer["success"]:
            raise RuntimeError(f"{message['type']}: {answer['error']}")
        return answer["result"]

    async def close(self) -> None:
        """Close the websocket."""
        if self._ws is not None:
            await self._ws.close()

    # -- steps ----------------------------------------------------------------

    async def onboard(self, owner: Account) -> None:
        """Create the owner (first start) or log in as them, then finish onboarding."""
        status = await self.rest("GET", "/api/onboarding")
        done = {step["step"] for step in status if step["done"]}
        if "user" in done:
            self.token = (await self.login(owner))["access_token"]
        else:
            made = await self.rest(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": owner.name,
                    "username": owner.username,
                    "password": owner.password,
                    "language": "en",
                },
            )
            self.token = (await self.tokens(made["auth_code"]))["access_token"]
        if "core_config" not in done:
            await self.rest("POST", "/api/onboarding/core_config")
        if "analytics" not in done:
            await self.rest("POST", "/api/onboarding/analytics")
        if "integration" not in done:
            await self.rest(
                "POST",
                "/api/onboarding/integration",
                {"client_id": self.client_id, "redirect_uri": f"{self.url}/"},
            )

    async def confirm_http_config(self) -> None:
        """Keep the HTTP settings from configuration.yaml, as the owner would.

        Home Assistant 2026.10 and newer move them into its own storage on the
        first start as a trial: until an administrator confirms it, every
        admin page shows a dialog asking to, and after five minutes Home
        Assistant restarts to go back. Older releases have no such command.
        """
        try:
            state = await self.command({"type": "http/config"})
        except RuntimeError as err:
            if "unknown_command" in str(err):
                return
            raise
        pending = state.get("pending")
        if pending and not pending.get("error"):
            await self.command({"type": "http/config/promote"})

    async def ensure_user(self, account: Account) -> str:
        """The user of an account (made with its login, and its person, if new)."""
        users = await self.command({"type": "config/auth/list"})
        found = next(
            (user for user in users if user.get("username") == account.username), None
        )
        if found is None:
            found = (
                await self.command(
                    {
                        "type": "config/auth/create",
                        "name": account.name,
                        "group_ids": [
                            "system-admin" if account.admin else "system-users"
                        ],
                        "local_only": False,
                    }
                )
            )["user"]
            await self.command(
                {
                    "type": "config/auth_provider/homeassistant/create",
                    "user_id": found["id"],
                    "username": account.username,
                    "password": account.password,
                }
            )
        user_id = str(found["id"])
        if account.person:
            people = await self.command({"type": "person/list"})
            if not any(
                person.get("user_id") == user_id for person in people["storage"]
            ):
                await self.command(
                    {"type": "person/create", "name": account.name, "user_id": user_id}
                )
        return user_id

    async def locker_entry(self) -> str | None:
        """The Parcel Locker's config entry, if there is one."""
        entries = await self.rest(
            "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
        )
        return str(entries[0]["entry_id"]) if entries else None

    async def add_locker(self, host: str, port: int) -> str:
        """Add the controller and its first wall, as the UI would.

        The form is pre-filled with what the flow read from the controller; the
        sizes and cooled compartments of the simulated wall are typed in.
        """
        flow = await self.rest(
            "POST", "/api/config/config_entries/flow", {"handler": DOMAIN}
        )
        step = f"/api/config/config_entries/flow/{flow['flow_id']}"
        await self.rest("POST", step, {"next_step_id": "tcp"})
        wall = await self.rest(
            "POST", step, {"host": host, "port": port, "framer": "socket"}
        )
        if wall.get("step_id") != "wall":
            raise RuntimeError(f"unexpected step after the connection: {wall}")
        created = await self.rest("POST", step, SIMULATED_WALL)
        # The flow shows what it read from the wall and ticks every optional
        # point that answered: confirm what it suggests, as a person would.
        while created.get("type") == "form" and created.get("step_id") != "wall":
            suggested = {
                field["name"]: field["default"]
                for field in created.get("data_schema") or []
                if "default" in field
            }
            created = await self.rest("POST", step, suggested)
        if created.get("type") != "create_entry":
            raise RuntimeError(f"the wall was not accepted: {created}")
        return str(created["result"]["entry_id"])

    async def name_courier(self, entry_id: str, user_id: str) -> None:
        """Name the user in the option *Courier kiosk users* (other options kept)."""
        form = await self.rest(
            "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
        )
        values: dict[str, Any] = {}
        for field in form["data_schema"]:
            suggested = (field.get("description") or {}).get("suggested_value")
            value = suggested if suggested is not None else field.get("default")
            if value is not None:
                values[field["name"]] = value
        couriers = list(values.get(OPTION_COURIERS) or [])
        if user_id in couriers:
            await self.rest(
                "DELETE", f"/api/config/config_entries/options/flow/{form['flow_id']}"
            )
            return
        values[OPTION_COURIERS] = [*couriers, user_id]
        done = await self.rest(
            "POST",
            f"/api/config/config_entries/options/flow/{form['flow_id']}",
            values,
        )
        if done.get("type") != "create_entry":
            raise RuntimeError(f"the options were not accepted: {done}")


@dataclass
class Provisioned:
    """What a provisioned instance holds."""

    accounts: dict[str, Account]
    user_ids: dict[str, str]
    entry_id: str | None


async def async_provision(
    config: Path,
    url: str,
    *,
    locker: tuple[str, int] | None = None,
    wait_for_locker: float = 0,
    made: Callable[[dict[str, Account]], None] | None = None,
    neighbour: bool = False,
) -> Provisioned:
    """Onboard, make the accounts, add or wait for the locker, name the courier.

    ``made`` is told the accounts as soon as they exist (before any wait).
    """
    accounts = _accounts(config, neighbour=neighbour)
    async with aiohttp.ClientSession() as session:
        instance = Instance(session, url)
        try:
            await instance.wait_until_up()
            await instance.onboard(accounts["owner"])
            await instance.confirm_http_config()
            user_ids = {
                role: await instance.ensure_user(account)
                for role, account in accounts.items()
            }
            if made is not None:
                made(accounts)
            entry_id = await instance.locker_entry()
            if entry_id is None and locker is not None:
                entry_id = await instance.add_locker(*locker)
            deadline = time.monotonic() + wait_for_locker
            while entry_id is None and time.monotonic() < deadline:
                await asyncio.sleep(2)
                entry_id = await instance.locker_entry()
            if entry_id is not None:
                await instance.name_courier(entry_id, user_ids["courier"])
        finally:
            await instance.close()
    return Provisioned(accounts, user_ids, entry_id)


def main(argv: list[str]) -> int:
    """Provision, then say who can log in with what."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("url")
    parser.add_argument("--locker", help="HOST:PORT of a controller to add")
    parser.add_argument(
        "--wait", action="store_true", help="wait for the locker added in the UI"
    )
    args = parser.parse_args(argv)
    locker = None
    if args.locker:
        host, _, port = args.locker.rpartition(":")
        locker = (host, int(port))

    def show(accounts: dict[str, Account]) -> None:
        print(f"\n  Logins of {args.url} (kept in {args.config / ACCOUNTS_FILE}):")
        for role, account in accounts.items():
            login = f"{account.username:7} {account.password}"
            print(f"    {role:9} {login}  ({account.name})")
        print(flush=True)

    done = asyncio.run(
        async_provision(
            args.config,
            args.url,
            locker=locker,
            wait_for_locker=86400 * args.wait,
            made=show,
        )
    )
    if done.entry_id is not None:
        courier = done.accounts["courier"].name
        print(
            f"  '{courier}' is a Courier kiosk user of the Parcel Locker.", flush=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
