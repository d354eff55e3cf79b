"""Config flow: the entry is one controller's link, each wall a ``wall`` subentry.

A controller is one entry, whatever path adds it: its unique id is the
controller's identity (``connection.controller_identity``: the host and port
written one way, or the serial device; or the id a controller announces over
zeroconf), and an entry at the same address is refused on every path too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
import string
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.util.network import is_host_valid
from modbus_connection import ModbusConnection

from .announce_webhook import webhook_id_for, webhook_path
from .compat import vol
from .connection import (
    announced_identity,
    controller_identity,
    create_connection,
    normalise_host,
)
from .const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_COMPARTMENTS,
    CONF_CONNECTION,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_FRAMER,
    CONF_OPTIONAL_POINTS,
    CONF_PARITY,
    CONF_PREFIX,
    CONF_SIZES,
    CONF_STOPBITS,
    CONNECTION_SERIAL,
    CONNECTION_TCP,
    DEFAULT_BAUDRATE,
    DEFAULT_TCP_PORT,
    DOMAIN,
    FRAMER_RTU,
    FRAMER_SOCKET,
    SUBENTRY_WALL,
)
from .controller_check import async_check_link
from .domain.sizes import SizeSpecError, parse_sizes
from .domain.wiring import (
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    OPTIONAL_POINT_NAMES,
    MapError,
    WallMap,
)
from .options import check_options, options_defaults, options_schema
from .store import async_secret_key
from .wall_config import parse_cooled
from .wall_form import number, stored_walls, subentry_data
from .wall_steps import WallDraft, WallSteps, wall_title

MAX_PORT = 65535
BAUDRATES = ["1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200"]
FIRST_WALL = {CONF_NAME: "Wall A", CONF_PREFIX: "A"}


def _choice(options: list[str], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=options, mode=SelectSelectorMode.DROPDOWN, translation_key=key
        )
    )


TCP_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_TCP_PORT): number(1, MAX_PORT),
        vol.Required(CONF_FRAMER, default=FRAMER_SOCKET): SelectSelector(
            SelectSelectorConfig(
                options=[FRAMER_SOCKET, FRAMER_RTU], translation_key=CONF_FRAMER
            )
        ),
    }
)
SERIAL_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PORT): TextSelector(),
        vol.Required(CONF_BAUDRATE, default=str(DEFAULT_BAUDRATE)): _choice(
            BAUDRATES, CONF_BAUDRATE
        ),
        # Translation keys must be lower case; entries store "N"/"E"/"O".
        vol.Required(CONF_PARITY, default="n"): _choice(["n", "e", "o"], CONF_PARITY),
        vol.Required(CONF_STOPBITS, default="1"): _choice(["1", "2"], CONF_STOPBITS),
        vol.Required(CONF_BYTESIZE, default="8"): _choice(["7", "8"], CONF_BYTESIZE),
    }
)


def _tcp_link(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored form of a network link (host written one way), and errors."""
    host = str(user_input[CONF_HOST]).strip()
    port = user_input[CONF_PORT]
    data = {
        CONF_CONNECTION: CONNECTION_TCP,
        CONF_HOST: normalise_host(host),
        CONF_PORT: int(port),
        CONF_FRAMER: user_input.get(CONF_FRAMER, FRAMER_SOCKET),
    }
    errors: dict[str, str] = {}
    if not is_host_valid(host.strip("[]")):
        errors[CONF_HOST] = "invalid_host"
    if port != int(port):
        errors[CONF_PORT] = "invalid_port"
    return data, errors


def _serial_link(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored form of a serial link, and errors."""
    device = str(user_input[CONF_PORT]).strip()
    data = {
        CONF_CONNECTION: CONNECTION_SERIAL,
        CONF_PORT: device,
        CONF_BAUDRATE: int(user_input[CONF_BAUDRATE]),
        CONF_PARITY: str(user_input[CONF_PARITY]).upper(),
        CONF_STOPBITS: int(user_input[CONF_STOPBITS]),
        CONF_BYTESIZE: int(user_input[CONF_BYTESIZE]),
    }
    return data, {} if device else {CONF_PORT: "invalid_serial_port"}


def _same_address(data: Mapping[str, Any]) -> dict[str, Any]:
    """What an entry for the same controller has in its data."""
    if data[CONF_CONNECTION] == CONNECTION_SERIAL:
        return {CONF_CONNECTION: CONNECTION_SERIAL, CONF_PORT: data[CONF_PORT]}
    return {CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}


def _title(data: Mapping[str, Any]) -> str:
    if data[CONF_CONNECTION] == CONNECTION_SERIAL:
        return f"Parcel Locker ({data[CONF_PORT]})"
    return f"Parcel Locker ({data[CONF_HOST]}:{data[CONF_PORT]})"


def _link_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """A stored link as its form shows it (selectors hold text)."""
    if data[CONF_CONNECTION] != CONNECTION_SERIAL:
        return dict(data)
    return {
        CONF_PORT: data[CONF_PORT],
        CONF_BAUDRATE: str(data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
        CONF_PARITY: str(data.get(CONF_PARITY, "N")).lower(),
        CONF_STOPBITS: str(data.get(CONF_STOPBITS, 1)),
        CONF_BYTESIZE: str(data.get(CONF_BYTESIZE, 8)),
    }


def _announced_wall(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The wall a controller announces in its TXT record, where well-formed.

    The installer still sees the form; a reference wall's points are detected
    again when it is read, and agree with ``points`` on a truthful controller.
    """
    defaults: dict[str, Any] = {}
    units = str(properties.get("units") or "").split(",")[0].strip()
    if units.isdigit() and MIN_UNIT_ID <= int(units) <= MAX_UNIT_ID:
        defaults[CONF_DEVICE_ID] = int(units)
    sizes = str(properties.get("sizes") or "")
    try:
        count = len(parse_sizes(sizes))
        cooled = str(properties.get("cooled") or "")
        parse_cooled(cooled, count)
    except SizeSpecError:
        return defaults | _announced_points(properties)
    except MapError:
        cooled = ""
    return (
        defaults
        | _announced_points(properties)
        | {
            CONF_SIZES: sizes,
            CONF_COMPARTMENTS: count,
            CONF_COOLED: cooled,
        }
    )


def _announced_points(properties: Mapping[str, Any]) -> dict[str, Any]:
    announced = str(properties.get("points") or "").split(",")
    points = [name for name in OPTIONAL_POINT_NAMES if name in announced]
    return {CONF_OPTIONAL_POINTS: points} if points else {}


def _next_prefix(entry: ConfigEntry) -> str:
    used = {subentry.data.get(CONF_PREFIX) for subentry in entry.subentries.values()}
    return next((letter for letter in string.ascii_uppercase if letter not in used), "")


class ParcelLockerConfigFlow(ConfigFlow, WallSteps[ConfigFlowResult], domain=DOMAIN):
    """Connect to a controller, then describe its first wall."""

    VERSION = 1
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._link_data: dict[str, Any] = {}
        self._wall_defaults: dict[str, Any] = dict(FIRST_WALL)
        self._draft = WallDraft()

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Polls, codes, reminders and alarms."""
        return ParcelLockerOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Walls are added, changed and removed as subentries."""
        return {SUBENTRY_WALL: WallSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how the controller is connected."""
        return self.async_show_menu(
            step_id="user", menu_options=[CONNECTION_TCP, CONNECTION_SERIAL]
        )

    async def async_step_tcp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A controller on the network (Modbus TCP, or RTU over TCP)."""
        return await self._async_link_step(
            "tcp", user_input, _tcp_link, TCP_SCHEMA, self._link_data
        )

    async def async_step_serial(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A controller on an RS-485 line (Modbus RTU)."""
        return await self._async_link_step(
            "serial", user_input, _serial_link, SERIAL_SCHEMA, {}
        )

    async def _async_link_step(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        parse: Callable[[Mapping[str, Any]], tuple[dict[str, Any], dict[str, str]]],
        schema: vol.Schema,
        suggested: Mapping[str, Any],
    ) -> ConfigFlowResult:
        """The link form: a controller no entry has yet, that answers, then a wall."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = parse(user_input)
            if not errors:
                await self.async_set_unique_id(controller_identity(data))
                self._abort_if_unique_id_configured()
                errors = await self._async_use_link(data)
                if not errors:
                    return await self.async_step_wall()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or suggested
            ),
            errors=errors,
        )

    async def _async_use_link(self, data: dict[str, Any]) -> dict[str, str]:
        """Refuse a controller another entry has (by address), then try the link."""
        self._async_abort_entries_match(_same_address(data))
        if errors := await async_check_link(data):
            return errors
        self._link_data = data
        return {}

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """A controller announced itself on the network."""
        data = {
            CONF_CONNECTION: CONNECTION_TCP,
            CONF_HOST: normalise_host(discovery_info.host),
            CONF_PORT: discovery_info.port or DEFAULT_TCP_PORT,
            CONF_FRAMER: FRAMER_SOCKET,
        }
        address = {CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        if controller_id := str(discovery_info.properties.get("id") or ""):
            unique_id = announced_identity(controller_id)
            # Added by hand at this address: known by its own id from now on.
            if known := self.hass.config_entries.async_entry_for_domain_unique_id(
                DOMAIN, controller_identity(data)
            ):
                self.hass.config_entries.async_update_entry(known, unique_id=unique_id)
        else:
            unique_id = controller_identity(data)
        await self.async_set_unique_id(unique_id)
        # A known controller that moved: follow it to its new address.
        self._abort_if_unique_id_configured(updates=address)
        self._async_abort_entries_match(address)
        self._link_data = data
        self._wall_defaults = FIRST_WALL | _announced_wall(discovery_info.properties)
        name = discovery_info.name.removesuffix(f".{discovery_info.type}")
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the discovered controller, its address filled in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await async_check_link(self._link_data)
            if not errors:
                return await self.async_step_wall()
        return self.async_show_form(
            step_id="zeroconf_confirm",
            description_placeholders={
                CONF_HOST: self._link_data[CONF_HOST],
                CONF_PORT: str(self._link_data[CONF_PORT]),
            },
            errors=errors,
        )

    async def async_step_wall(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The first wall on this controller."""
        return await self._async_wall_form("wall", user_input, self._wall_defaults)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reach the same controller another way, or the controller at a new address.

        Refused when another entry has the controller at the new address.
        """
        entry = self._get_reconfigure_entry()
        serial = entry.data[CONF_CONNECTION] == CONNECTION_SERIAL
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = (_serial_link if serial else _tcp_link)(user_input)
            if not errors:
                if _same_address(data) != _same_address(entry.data):
                    self._async_abort_entries_match(_same_address(data))
                unique_id = entry.unique_id
                if unique_id == controller_identity(entry.data):
                    # Known by its address: by its new one from now on.
                    unique_id = controller_identity(data)
                    if unique_id != entry.unique_id:
                        await self.async_set_unique_id(unique_id)
                        self._abort_if_unique_id_configured()
                errors = await async_check_link(data)
                if not errors:
                    return self.async_update_reload_and_abort(
                        entry, unique_id=unique_id, title=_title(data), data=data
                    )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                SERIAL_SCHEMA if serial else TCP_SCHEMA,
                user_input or _link_form(entry.data),
            ),
            errors=errors,
        )

    # -- what the wall steps need -------------------------------------------------

    def _link(self) -> AbstractAsyncContextManager[ModbusConnection]:
        return _own_link(self._link_data)

    def _other_walls(self) -> list[WallMap]:
        return []

    async def _async_save_wall(
        self, data: dict[str, Any], wall: WallMap
    ) -> ConfigFlowResult:
        return self.async_create_entry(
            title=_title(self._link_data),
            data=self._link_data,
            subentries=[
                ConfigSubentryData(
                    subentry_type=SUBENTRY_WALL,
                    title=wall_title(data),
                    data=subentry_data(data, wall),
                    unique_id=None,
                )
            ],
        )


@asynccontextmanager
async def _own_link(data: Mapping[str, Any]) -> AsyncIterator[ModbusConnection]:
    """A link of the flow's own, closed after the read."""
    connection = create_connection(data)
    try:
        yield connection
    finally:
        await connection.close()


@asynccontextmanager
async def _shared_link(connection: ModbusConnection) -> AsyncIterator[ModbusConnection]:
    """The running entry's link: a controller may refuse a second socket."""
    yield connection


class WallSubentryFlow(ConfigSubentryFlow, WallSteps[SubentryFlowResult]):
    """Add or change a wall on an existing controller link."""

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._draft = WallDraft()
        self._editing: str | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add another wall."""
        prefix = _next_prefix(self._get_entry())
        return await self._async_wall_form(
            "user", user_input, {CONF_NAME: f"Wall {prefix}", CONF_PREFIX: prefix}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a wall; its entities keep their ids."""
        subentry = self._get_reconfigure_subentry()
        self._editing = subentry.subentry_id
        return await self._async_wall_form(
            "reconfigure", user_input, dict(subentry.data)
        )

    def _link(self) -> AbstractAsyncContextManager[ModbusConnection]:
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED:
            return _shared_link(entry.runtime_data.connection)
        return _own_link(entry.data)

    def _other_walls(self) -> list[WallMap]:
        return stored_walls(self._get_entry(), skip=self._editing)

    async def _async_save_wall(
        self, data: dict[str, Any], wall: WallMap
    ) -> SubentryFlowResult:
        if self._editing is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                self._get_reconfigure_subentry(),
                title=wall_title(data),
                data=subentry_data(data, wall),
            )
        return self.async_create_entry(
            title=wall_title(data), data=subentry_data(data, wall)
        )


class ParcelLockerOptionsFlow(OptionsFlow):
    """How often the walls are read, and how codes and alarms behave."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One form with every option, checked before it is applied."""
        errors: dict[str, str] = {}
        # Courier kiosk users: real people's accounts, not Home Assistant's own.
        users = {
            user.id: user.name or user.id
            for user in await self.hass.auth.async_get_users()
            if user.is_active and not user.system_generated
        }
        if user_input is not None:
            shown = dict(user_input)  # as typed, should it be shown again
            errors = check_options(
                user_input, self.hass.states.async_entity_ids("person")
            )
            if not errors:
                return self.async_create_entry(data=user_input)
            user_input = shown
        webhook_id = webhook_id_for(
            await async_secret_key(self.hass), self.config_entry.entry_id
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                options_schema(users),
                user_input or options_defaults(self.config_entry),
            ),
            errors=errors,
            description_placeholders={"webhook": webhook_path(webhook_id)},
        )
