"""Config flow: the entry is the Modbus link, each wall is a ``wall`` subentry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import suppress
import re
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
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from modbus_connection import ModbusConnection, ModbusError

from .announce_webhook import webhook_id_for, webhook_path
from .compat import vol
from .connection import controller_identity as connection_unique_id, create_connection
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
    CONF_POINT_OVERRIDES,
    CONF_PREFIX,
    CONF_PROFILE,
    CONF_SIZES,
    CONF_STOPBITS,
    CONNECTION_SERIAL,
    CONNECTION_TCP,
    DEFAULT_BAUDRATE,
    DEFAULT_TCP_PORT,
    DOMAIN,
    FRAMER_RTU,
    FRAMER_SOCKET,
    LOGGER,
    SUBENTRY_WALL,
)
from .domain.sizes import SizeSpecError, compartment_label, parse_sizes
from .domain.wiring import (
    EDITABLE_ROLES,
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    MapError,
    Profile,
    WallMap,
    format_point,
)
from .options import check_options, options_defaults, options_schema
from .store import async_secret_key
from .wall_config import OPTIONAL_POINT_NAMES, generate_map, parse_cooled
from .wall_form import (
    PROFILES_WITH_WIRING_STEP,
    build_wall,
    check_wall_form,
    check_wiring_form,
    read_wall_once,
    stored_walls,
    subentry_data,
    wall_schema,
    wiring_schema,
    wiring_summary,
)

MAX_PORT = 65535
CONF_COMPARTMENT = "compartment"
CUSTOM_MENU = ["edit_compartment", "save_custom"]
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?$")

TCP_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_TCP_PORT): NumberSelector(
            NumberSelectorConfig(mode=NumberSelectorMode.BOX)
        ),
        vol.Required(CONF_FRAMER, default=FRAMER_SOCKET): SelectSelector(
            SelectSelectorConfig(
                options=[FRAMER_SOCKET, FRAMER_RTU], translation_key=CONF_FRAMER
            )
        ),
    }
)


def _choice(options: list[str], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=options, mode=SelectSelectorMode.DROPDOWN, translation_key=key
        )
    )


SERIAL_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PORT): TextSelector(),
        vol.Required(CONF_BAUDRATE, default=str(DEFAULT_BAUDRATE)): _choice(
            ["1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200"],
            CONF_BAUDRATE,
        ),
        # Translation keys must be lower case; stored entries keep "N"/"E"/"O".
        vol.Required(CONF_PARITY, default="n"): _choice(["n", "e", "o"], CONF_PARITY),
        vol.Required(CONF_STOPBITS, default="1"): _choice(["1", "2"], CONF_STOPBITS),
        vol.Required(CONF_BYTESIZE, default="8"): _choice(["7", "8"], CONF_BYTESIZE),
    }
)


def _tcp_data(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise and check the TCP form."""
    errors: dict[str, str] = {}
    host = str(user_input.get(CONF_HOST, "")).strip()
    if not (_HOSTNAME.match(host) or (":" in host and _IPV6.match(host))):
        errors[CONF_HOST] = "invalid_host"
    port = user_input.get(CONF_PORT)
    if (
        isinstance(port, bool)
        or not isinstance(port, int | float)
        or port != int(port)
        or not 1 <= port <= MAX_PORT
    ):
        errors[CONF_PORT] = "invalid_port"
        port = 0
    data = {
        CONF_CONNECTION: CONNECTION_TCP,
        CONF_HOST: host,
        CONF_PORT: int(port),
        CONF_FRAMER: user_input.get(CONF_FRAMER, FRAMER_SOCKET),
    }
    return data, errors


def _serial_data(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise and check the serial form."""
    errors: dict[str, str] = {}
    device = str(user_input.get(CONF_PORT, "")).strip()
    if not device:
        errors[CONF_PORT] = "invalid_serial_port"
    data = {
        CONF_CONNECTION: CONNECTION_SERIAL,
        CONF_PORT: device,
        CONF_BAUDRATE: int(user_input[CONF_BAUDRATE]),
        CONF_PARITY: str(user_input[CONF_PARITY]).upper(),
        CONF_STOPBITS: int(user_input[CONF_STOPBITS]),
        CONF_BYTESIZE: int(user_input[CONF_BYTESIZE]),
    }
    return data, errors


async def _test_connection(data: Mapping[str, Any]) -> str | None:
    """Open the link once; returns an error key if it cannot be opened."""
    connection: ModbusConnection | None = None
    try:
        connection = create_connection(data)
        await connection.connect()
    except (ModbusError, ValueError, OSError) as err:
        LOGGER.debug("Connection test to %s failed: %s", data.get(CONF_HOST), err)
        return "cannot_connect"
    except Exception:  # noqa: BLE001 - the flow must answer, whatever happened
        LOGGER.exception("Unexpected error while testing the connection")
        return "unknown"
    finally:
        if connection is not None:
            await connection.close()
    return None


def _advertised_wall(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Wall defaults a controller may announce in its TXT record.

    Only well-formed values are taken; the installer still confirms the form.
    """
    defaults: dict[str, Any] = {}
    units = str(properties.get("units") or "").split(",")[0].strip()
    if units.isdigit() and MIN_UNIT_ID <= int(units) <= MAX_UNIT_ID:
        defaults[CONF_DEVICE_ID] = int(units)
    sizes = str(properties.get("sizes") or "")
    try:
        count = len(parse_sizes(sizes))
    except SizeSpecError:
        pass
    else:
        defaults[CONF_SIZES] = sizes
        defaults[CONF_COMPARTMENTS] = count
        cooled = str(properties.get("cooled") or "")
        with suppress(MapError):
            parse_cooled(cooled, count)
            defaults[CONF_COOLED] = cooled
    points = [
        point
        for point in str(properties.get("points") or "").split(",")
        if point in OPTIONAL_POINT_NAMES
    ]
    if points:
        defaults[CONF_OPTIONAL_POINTS] = points
    return defaults


def _number_box() -> NumberSelector:
    return NumberSelector(NumberSelectorConfig(mode=NumberSelectorMode.BOX))


def _title(data: Mapping[str, Any]) -> str:
    if data[CONF_CONNECTION] == CONNECTION_SERIAL:
        return f"Parcel Locker ({data[CONF_PORT]})"
    return f"Parcel Locker ({data[CONF_HOST]}:{data[CONF_PORT]})"


def _next_prefix(entry: ConfigEntry) -> str:
    used = {subentry.data.get(CONF_PREFIX) for subentry in entry.subentries.values()}
    return next((letter for letter in string.ascii_uppercase if letter not in used), "")


class WallFormMixin(ABC):
    """The wall and wiring steps, shared by first setup and the subentry flow."""

    _wall_input: dict[str, Any]
    _tested: tuple[dict[str, Any], WallMap]
    _editing_number: int

    def _other_walls(self) -> list[WallMap]:
        """Walls already on the link that the new one must not overlap."""
        return []

    @abstractmethod
    async def _async_link(self) -> tuple[ModbusConnection, bool]:
        """The connection to test-read the wall on, and whether to close it."""

    @abstractmethod
    def _show(
        self,
        step_id: str,
        schema: vol.Schema,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> Any:
        """Show a form of this flow."""

    @abstractmethod
    async def _async_wall_done(self, data: dict[str, Any], wall: WallMap) -> Any:
        """Save the wall (create the entry, or the subentry)."""

    # Steps both flows share; Home Assistant finds them by name.

    async def async_step_wiring(self, user_input: dict[str, Any] | None = None) -> Any:
        """Where the relay board and input board sit."""
        return await self._async_handle_wiring(user_input)

    async def async_step_test_wiring(
        self, user_input: dict[str, Any] | None = None
    ) -> Any:
        """Show what reading every point found, then save."""
        return await self._async_handle_test(user_input)

    async def async_step_custom_points(
        self, user_input: dict[str, Any] | None = None
    ) -> Any:
        """Custom profile: change points, or test and save."""
        return self._menu("custom_points", CUSTOM_MENU)

    async def async_step_edit_compartment(
        self, user_input: dict[str, Any] | None = None
    ) -> Any:
        """Custom profile: choose a compartment to change."""
        return await self._async_handle_edit_compartment(user_input)

    async def async_step_edit_points(
        self, user_input: dict[str, Any] | None = None
    ) -> Any:
        """Custom profile: a compartment's lock, door and sensor points."""
        return await self._async_handle_edit_points(user_input)

    async def async_step_save_custom(
        self, user_input: dict[str, Any] | None = None
    ) -> Any:
        """Custom profile: test the map and save it."""
        return await self._async_handle_save_custom()

    async def _async_handle_wall(
        self, step_id: str, user_input: dict[str, Any] | None, defaults: dict[str, Any]
    ) -> Any:
        """Show or check the wall form."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"detail": "", "maximum": "250"}
        if user_input is not None:
            data = {**defaults, **user_input}
            errors, found = check_wall_form(data)
            placeholders.update(found)
            if not errors:
                self._wall_input = data
                if Profile(data[CONF_PROFILE]) in PROFILES_WITH_WIRING_STEP:
                    return await self._async_handle_wiring(None)
                if Profile(data[CONF_PROFILE]) is Profile.CUSTOM:
                    return self._menu("custom_points", CUSTOM_MENU)
                result = await self._async_build(data)
                if isinstance(result, tuple):
                    errors, found = result
                    placeholders.update(found)
                else:
                    return result
        return self._show(
            step_id, wall_schema(user_input or defaults), errors, placeholders
        )

    async def _async_handle_wiring(self, user_input: dict[str, Any] | None) -> Any:
        """Show or check the relay board + input board form."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"detail": ""}
        if user_input is not None:
            data = {**self._wall_input, **user_input}
            errors = check_wiring_form(data)
            if not errors:
                result = await self._async_build(data)
                if not isinstance(result, tuple):
                    return result
                errors, found = result
                placeholders.update(found)
        return self._show(
            "wiring",
            wiring_schema(user_input or self._wall_input),
            errors,
            placeholders,
        )

    @abstractmethod
    def _menu(self, step_id: str, options: list[str]) -> Any:
        """Show a menu of this flow."""

    async def _async_handle_edit_compartment(
        self, user_input: dict[str, Any] | None
    ) -> Any:
        """Pick the compartment whose points to change."""
        errors: dict[str, str] = {}
        count = int(self._wall_input[CONF_COMPARTMENTS])
        if user_input is not None:
            number = user_input.get(CONF_COMPARTMENT)
            if (
                isinstance(number, int | float)
                and number == int(number)
                and (1 <= number <= count)
            ):
                self._editing_number = int(number)
                return await self._async_handle_edit_points(None)
            errors[CONF_COMPARTMENT] = "unknown_compartment_number"
        return self._show(
            "edit_compartment",
            vol.Schema({vol.Required(CONF_COMPARTMENT, default=1): _number_box()}),
            errors,
            {"count": str(count)},
        )

    async def _async_handle_edit_points(self, user_input: dict[str, Any] | None) -> Any:
        """Set one compartment's points; the whole map is checked at once."""
        number = self._editing_number
        errors: dict[str, str] = {}
        placeholders = {
            "compartment": compartment_label(self._wall_input[CONF_PREFIX], number),
            "detail": "",
        }
        if user_input is not None:
            overrides = dict(self._wall_input.get(CONF_POINT_OVERRIDES) or {})
            overrides[str(number)] = {
                str(role): str(user_input.get(str(role), "")) for role in EDITABLE_ROLES
            }
            trial = {**self._wall_input, CONF_POINT_OVERRIDES: overrides}
            wall, errors, found = build_wall(trial, self._other_walls())
            if wall is not None:
                self._wall_input = trial
                return self._menu("custom_points", CUSTOM_MENU)
            placeholders.update(found)
        current = generate_map(self._wall_input).compartment(number)
        schema = vol.Schema(
            {
                vol.Optional(
                    str(role),
                    description={
                        "suggested_value": format_point(getattr(current, str(role)))
                    },
                ): TextSelector()
                for role in EDITABLE_ROLES
            }
        )
        return self._show("edit_points", schema, errors, placeholders)

    async def _async_handle_save_custom(self) -> Any:
        """Test-read the custom map, then save it."""
        result = await self._async_build(self._wall_input)
        if not isinstance(result, tuple):
            return result
        errors, placeholders = result
        return self._show(
            "edit_compartment",
            vol.Schema({vol.Required(CONF_COMPARTMENT, default=1): _number_box()}),
            errors,
            {"count": str(self._wall_input[CONF_COMPARTMENTS]), **placeholders},
        )

    async def _async_build(
        self, data: dict[str, Any]
    ) -> Any | tuple[dict[str, str], dict[str, str]]:
        """Make the map and read it once; show what was found, or return errors."""
        wall, errors, placeholders = build_wall(data, self._other_walls())
        if wall is None:
            return errors, placeholders
        connection, owned = await self._async_link()
        try:
            reading, error = await read_wall_once(connection, wall)
        finally:
            if owned:
                await connection.close()
        if reading is None:
            return {"base": error or "unknown"}, {
                "device_id": str(data.get(CONF_DEVICE_ID, "")),
                "detail": "",
            }
        self._tested = (data, wall)
        return self._show(
            "test_wiring",
            vol.Schema({}),
            {},
            wiring_summary(data[CONF_PREFIX], wall, reading),
        )

    async def _async_handle_test(self, user_input: dict[str, Any] | None) -> Any:
        """The installer saw the test read and saves the wall."""
        data, wall = self._tested
        return await self._async_wall_done(data, wall)


class ParcelLockerConfigFlow(WallFormMixin, ConfigFlow, domain=DOMAIN):
    """Set up a controller link and its first wall."""

    VERSION = 1

    def __init__(self) -> None:
        """Start empty."""
        self._connection: dict[str, Any] = {}
        self._wall_input = {}
        self._discovered_unique_id: str | None = None
        self._wall_defaults: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Poll interval, codes, reminders and alarms."""
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
        """A controller on the network (Modbus TCP or RTU over TCP)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _tcp_data(user_input)
            if not errors:
                result = await self._async_connection_chosen(data)
                if isinstance(result, str):
                    errors["base"] = result
                else:
                    return result
        return self.async_show_form(
            step_id="tcp",
            data_schema=self.add_suggested_values_to_schema(
                TCP_SCHEMA, user_input or self._connection
            ),
            errors=errors,
        )

    async def async_step_serial(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A controller on a serial RS-485 line (Modbus RTU)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = _serial_data(user_input)
            if not errors:
                result = await self._async_connection_chosen(data)
                if isinstance(result, str):
                    errors["base"] = result
                else:
                    return result
        return self.async_show_form(
            step_id="serial",
            data_schema=self.add_suggested_values_to_schema(
                SERIAL_SCHEMA, user_input or {}
            ),
            errors=errors,
        )

    async def _async_connection_chosen(
        self, data: dict[str, Any]
    ) -> ConfigFlowResult | str:
        """Refuse a duplicate, test the link, then ask for the first wall."""
        await self.async_set_unique_id(
            self._discovered_unique_id or connection_unique_id(data)
        )
        self._abort_if_unique_id_configured()
        if error := await _test_connection(data):
            return error
        self._connection = data
        return await self.async_step_wall()

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """A controller announced itself on the network."""
        data = {
            CONF_CONNECTION: CONNECTION_TCP,
            CONF_HOST: discovery_info.host,
            CONF_PORT: discovery_info.port or DEFAULT_TCP_PORT,
            CONF_FRAMER: FRAMER_SOCKET,
        }
        controller_id = discovery_info.properties.get("id")
        unique_id = (
            f"controller:{controller_id}"
            if controller_id
            else connection_unique_id(data)
        )
        await self.async_set_unique_id(unique_id)
        # A known controller that moved: follow it to its new address.
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        )
        self._async_abort_entries_match(
            {CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        )
        self._discovered_unique_id = unique_id
        self._connection = data
        self._wall_defaults = _advertised_wall(discovery_info.properties)
        name = discovery_info.name.removesuffix(f".{discovery_info.type}")
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the discovered controller, its address filled in."""
        if user_input is not None:
            return await self.async_step_tcp(dict(self._connection))
        return self.async_show_form(
            step_id="zeroconf_confirm",
            description_placeholders={
                CONF_HOST: self._connection[CONF_HOST],
                CONF_PORT: str(self._connection[CONF_PORT]),
            },
        )

    async def async_step_wall(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the first wall on this controller."""
        result: ConfigFlowResult = await self._async_handle_wall(
            "wall",
            user_input,
            {CONF_NAME: "Wall A", CONF_PREFIX: "A", **self._wall_defaults},
        )
        return result

    def _menu(self, step_id: str, options: list[str]) -> ConfigFlowResult:
        return self.async_show_menu(step_id=step_id, menu_options=options)

    async def _async_link(self) -> tuple[ModbusConnection, bool]:
        return create_connection(self._connection), True

    def _show(
        self,
        step_id: str,
        schema: vol.Schema,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_wall_done(
        self, data: dict[str, Any], wall: WallMap
    ) -> ConfigFlowResult:
        return self.async_create_entry(
            title=_title(self._connection),
            data=self._connection,
            subentries=[
                ConfigSubentryData(
                    subentry_type=SUBENTRY_WALL,
                    title=data[CONF_NAME],
                    data=subentry_data(data, wall),
                    unique_id=None,
                )
            ],
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how the controller is reached."""
        entry = self._get_reconfigure_entry()
        serial = entry.data[CONF_CONNECTION] == CONNECTION_SERIAL
        schema = SERIAL_SCHEMA if serial else TCP_SCHEMA
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = (_serial_data if serial else _tcp_data)(user_input)
            if not errors:
                unique_id = entry.unique_id
                # An entry known by its address is known by the new one now.
                if unique_id == connection_unique_id(entry.data):
                    unique_id = connection_unique_id(data)
                    for other in self._async_current_entries(include_ignore=False):
                        if other.entry_id != entry.entry_id and (
                            other.unique_id == unique_id
                        ):
                            return self.async_abort(reason="already_configured")
                if error := await _test_connection(data):
                    errors["base"] = error
                else:
                    return self.async_update_reload_and_abort(
                        entry, unique_id=unique_id, title=_title(data), data=data
                    )
        current = {
            key: str(value) if serial and key != CONF_PORT else value
            for key, value in entry.data.items()
        }
        if serial:
            current[CONF_PARITY] = str(entry.data.get(CONF_PARITY, "N")).lower()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or current
            ),
            errors=errors,
        )


class WallSubentryFlow(WallFormMixin, ConfigSubentryFlow):
    """Add or change a wall on an existing controller link."""

    def __init__(self) -> None:
        """Start empty."""
        self._wall_input = {}
        self._editing: str | None = None

    def _other_walls(self) -> list[WallMap]:
        return stored_walls(self._get_entry(), skip=self._editing)

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Add another wall."""
        prefix = _next_prefix(self._get_entry())
        result: SubentryFlowResult = await self._async_handle_wall(
            "user",
            user_input,
            {CONF_NAME: f"Wall {prefix}", CONF_PREFIX: prefix},
        )
        return result

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a wall."""
        subentry = self._get_reconfigure_subentry()
        self._editing = subentry.subentry_id
        result: SubentryFlowResult = await self._async_handle_wall(
            "reconfigure", user_input, dict(subentry.data)
        )
        return result

    def _menu(self, step_id: str, options: list[str]) -> SubentryFlowResult:
        return self.async_show_menu(step_id=step_id, menu_options=options)

    async def _async_link(self) -> tuple[ModbusConnection, bool]:
        entry = self._get_entry()
        if entry.state is ConfigEntryState.LOADED:
            # Share the running link: a second socket may be refused.
            connection: ModbusConnection = entry.runtime_data.connection
            return connection, False
        return create_connection(entry.data), True

    def _show(
        self,
        step_id: str,
        schema: vol.Schema,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> SubentryFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_wall_done(
        self, data: dict[str, Any], wall: WallMap
    ) -> SubentryFlowResult:
        if self._editing is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                self._get_reconfigure_subentry(),
                title=data[CONF_NAME],
                data=subentry_data(data, wall),
            )
        return self.async_create_entry(
            title=data[CONF_NAME], data=subentry_data(data, wall)
        )


class ParcelLockerOptionsFlow(OptionsFlow):
    """Change how often the wall is polled and how codes and alarms behave."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One form with every option; checked before it is applied."""
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
