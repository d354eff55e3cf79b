"""The config flow: connection, first wall, discovery, reconfigure, more walls."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.parcel_locker.connection import create_connection
from custom_components.parcel_locker.const import (
    CONF_COMPARTMENTS,
    CONF_CONNECTION,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_FRAMER,
    CONF_MAP,
    CONF_PREFIX,
    CONF_SIZES,
    DOMAIN,
    SUBENTRY_WALL,
)
from simulator.server import LockerSimulator, reference_wall

from .conftest import BOB, SIZES, wall_form

SERIAL_FORM = {
    CONF_PORT: "/dev/ttyUSB0",
    "baudrate": "19200",
    "parity": "e",
    "stopbits": "1",
    "bytesize": "8",
}


async def configure(manager: Any, flow_id: str, data: dict[str, Any]) -> Any:
    """Submit a step; accept the wiring test's confirmation when it comes.

    Tests that look at the wiring test itself use the manager directly.
    """
    result = await manager.async_configure(flow_id, data)
    if result.get("step_id") == "test_wiring":
        result = await manager.async_configure(flow_id, {})
    return result


def free_port() -> int:
    """A loopback port nothing listens on."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_form(simulator_port: int, **overrides: Any) -> dict[str, Any]:
    """The TCP form for the simulator."""
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: simulator_port,
        CONF_FRAMER: "socket",
        **overrides,
    }


async def start_tcp_flow(hass: HomeAssistant) -> str:
    """Open the flow and choose the network connection."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["tcp", "serial"]
    result = await configure(
        hass.config_entries.flow, result["flow_id"], {"next_step_id": "tcp"}
    )
    assert result["step_id"] == "tcp"
    return str(result["flow_id"])


async def test_full_tcp_setup(hass: HomeAssistant, simulator: LockerSimulator) -> None:
    """Connection and first wall in one go create the entry and its wall."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(simulator.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "wall"

    simulator.wall(1).open_door(3, force=True)
    simulator.wall(1).put_parcel(9)
    simulator.wall(1).set_temperature(22, None)
    result = await hass.config_entries.flow.async_configure(flow_id, wall_form())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "test_wiring"
    assert result["description_placeholders"] == {
        "compartments": "24",
        "doors_closed": "23",
        "doors_open": "A-03",
        "released": "-",
        "parcels": "A-09",
        "probes": "A-01 21.0 °C, A-02 21.0 °C, A-03 21.0 °C, A-04 21.0 °C, "
        "A-05 21.0 °C, A-06 21.0 °C, A-07 21.0 °C, A-08 21.0 °C, A-09 21.0 °C, "
        "A-10 21.0 °C, A-11 21.0 °C, A-12 21.0 °C, A-13 21.0 °C, A-14 21.0 °C, "
        "A-15 21.0 °C, A-16 21.0 °C, A-17 21.0 °C, A-18 21.0 °C, A-19 21.0 °C, "
        "A-20 21.0 °C, A-21 4.0 °C, A-23 21.0 °C, A-24 21.0 °C",
        "probes_silent": "A-22",
        "keypad": "0",
    }
    assert not hass.config_entries.async_entries(DOMAIN), "saved only on submit"
    simulator.wall(1).close_door(3)
    simulator.wall(1).take_parcel(9)
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Parcel Locker (127.0.0.1:{simulator.port})"
    assert result["data"] == {
        CONF_CONNECTION: "tcp",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: simulator.port,
        CONF_FRAMER: "socket",
    }
    entry = result["result"]
    assert entry.unique_id == f"tcp:127.0.0.1:{simulator.port}"
    (wall,) = entry.subentries.values()
    assert wall.subentry_type == SUBENTRY_WALL
    assert wall.title == "Lobby"
    assert len(wall.data[CONF_MAP]["compartments"]) == 24
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.compartment_a_24") is not None


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        ({CONF_HOST: "not a host!"}, CONF_HOST, "invalid_host"),
        ({CONF_HOST: ""}, CONF_HOST, "invalid_host"),
        ({CONF_PORT: 0}, CONF_PORT, "invalid_port"),
        ({CONF_PORT: 70000}, CONF_PORT, "invalid_port"),
        ({CONF_PORT: 502.5}, CONF_PORT, "invalid_port"),
    ],
)
async def test_tcp_form_errors_then_recovers(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    form: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """A bad host or port is explained on its field and nothing is created."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(simulator.port, **form)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(simulator.port)
    )
    assert result["step_id"] == "wall"


async def test_unreachable_controller(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """Nothing listening at the address: cannot connect, then the right port works."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(hass.config_entries.flow, flow_id, tcp_form(free_port()))
    assert result["errors"] == {"base": "cannot_connect"}
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(simulator.port)
    )
    assert result["step_id"] == "wall"


async def test_unexpected_error_is_reported(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """An unexpected failure shows as an error in the form, not a traceback."""
    flow_id = await start_tcp_flow(hass)
    with patch(
        "custom_components.parcel_locker.config_flow.create_connection",
        side_effect=RuntimeError("boom"),
    ):
        result = await configure(
            hass.config_entries.flow, flow_id, tcp_form(simulator.port)
        )
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_controller_aborts(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """The same controller cannot be added twice."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(simulator.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        ({CONF_COMPARTMENTS: 0}, CONF_COMPARTMENTS, "compartments_out_of_range"),
        ({CONF_COMPARTMENTS: 400}, CONF_COMPARTMENTS, "compartments_out_of_range"),
        ({CONF_COMPARTMENTS: 2.5}, CONF_COMPARTMENTS, "compartments_out_of_range"),
        ({CONF_DEVICE_ID: 0}, CONF_DEVICE_ID, "unit_id_out_of_range"),
        ({CONF_DEVICE_ID: 248}, CONF_DEVICE_ID, "unit_id_out_of_range"),
        ({CONF_NAME: "  "}, CONF_NAME, "name_required"),
        ({CONF_PREFIX: "A B"}, CONF_PREFIX, "invalid_prefix"),
        ({"pulse_seconds": 60}, "pulse_seconds", "invalid_pulse"),
        ({CONF_SIZES: "S*12,Q*8"}, CONF_SIZES, "invalid_sizes"),
        ({CONF_SIZES: "S*10", CONF_COOLED: ""}, CONF_SIZES, "sizes_count_mismatch"),
        ({CONF_SIZES: "S*251"}, CONF_SIZES, "too_many_compartments"),
        ({CONF_COOLED: "30"}, CONF_COOLED, "invalid_cooled"),
        ({CONF_COOLED: "x"}, CONF_COOLED, "invalid_cooled"),
        ({CONF_DEVICE_ID: 9}, "base", "wall_not_answering"),
    ],
)
async def test_wall_form_errors_then_recovers(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    form: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """Every mistake in the wall form is named; fixing it creates the entry."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(simulator.port))
    result = await configure(hass.config_entries.flow, flow_id, wall_form(**form))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "wall"
    assert result["errors"] == {field: error}
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_empty_sizes_mean_all_small(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """Leaving the sizes empty makes every compartment S."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(simulator.port))
    result = await configure(
        hass.config_entries.flow,
        flow_id,
        wall_form(sizes="", cooled="", compartments=6),
    )
    (wall,) = result["result"].subentries.values()
    assert wall.data[CONF_SIZES] == "S*6"
    assert {item["size"] for item in wall.data[CONF_MAP]["compartments"]} == {"S"}


async def test_relay_board_profile(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """A relay board + input board wall asks where the boards sit."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(simulator.port))
    result = await configure(
        hass.config_entries.flow,
        flow_id,
        wall_form(profile="relay_input", optional_points=["presence"], cooled=""),
    )
    assert result["step_id"] == "wiring"
    wiring = {
        "relay_unit_id": 1,
        "relay_base": 0,
        "input_unit_id": 1,
        "input_base": 0,
        "inverted_doors": True,
        "probe_unit_id": 100,
    }
    result = await configure(
        hass.config_entries.flow,
        flow_id,
        {**wiring, "input_unit_id": 0, "input_base": -1},
    )
    assert result["errors"] == {
        "input_unit_id": "unit_id_out_of_range",
        "input_base": "address_out_of_range",
    }
    result = await configure(
        hass.config_entries.flow, flow_id, {**wiring, "input_unit_id": 9}
    )
    assert result["errors"] == {"base": "wall_not_answering"}
    result = await configure(hass.config_entries.flow, flow_id, wiring)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (wall,) = result["result"].subentries.values()
    first = wall.data[CONF_MAP]["compartments"][0]
    assert first["door"] == {
        "unit_id": 1,
        "table": "discrete",
        "address": 0,
        "invert": True,
    }
    assert first["presence"]["address"] == 24


async def test_serial_cannot_open_port(hass: HomeAssistant) -> None:
    """A serial device that does not exist cannot be opened."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await configure(
        hass.config_entries.flow, result["flow_id"], {"next_step_id": "serial"}
    )
    assert result["step_id"] == "serial"
    result = await configure(
        hass.config_entries.flow,
        result["flow_id"],
        {**SERIAL_FORM, CONF_PORT: "/dev/does-not-exist"},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await configure(
        hass.config_entries.flow, result["flow_id"], {**SERIAL_FORM, CONF_PORT: "  "}
    )
    assert result["errors"] == {CONF_PORT: "invalid_serial_port"}


def _simulator_instead_of_serial(port: int) -> Any:
    """Serial hardware cannot run here: route the link to the simulator."""

    def create(data: dict[str, Any]) -> Any:
        assert data[CONF_CONNECTION] == "serial"
        return create_connection(
            {CONF_CONNECTION: "tcp", CONF_HOST: "127.0.0.1", CONF_PORT: port}
        )

    return create


async def test_serial_setup(hass: HomeAssistant, simulator: LockerSimulator) -> None:
    """A serial line with its settings becomes an entry keyed by its device."""
    with (
        patch(
            "custom_components.parcel_locker.config_flow.create_connection",
            _simulator_instead_of_serial(simulator.port),
        ),
        patch(
            "custom_components.parcel_locker.create_connection",
            _simulator_instead_of_serial(simulator.port),
        ),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
        result = await configure(
            hass.config_entries.flow, result["flow_id"], {"next_step_id": "serial"}
        )
        result = await configure(
            hass.config_entries.flow, result["flow_id"], SERIAL_FORM
        )
        assert result["step_id"] == "wall"
        result = await configure(
            hass.config_entries.flow, result["flow_id"], wall_form()
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_CONNECTION: "serial",
        CONF_PORT: "/dev/ttyUSB0",
        "baudrate": 19200,
        "parity": "E",
        "stopbits": 1,
        "bytesize": 8,
    }
    assert result["result"].unique_id == "serial:/dev/ttyUSB0"


def discovery(
    port: int, properties: dict[str, str] | None = None
) -> ZeroconfServiceInfo:
    """What zeroconf reports for the simulator."""
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="locker.local.",
        name="Parcel Locker Simulator._parcel-locker._tcp.local.",
        port=port,
        properties=properties if properties is not None else {"id": "sim-1"},
        type="_parcel-locker._tcp.local.",
    )


async def test_zeroconf_new_controller(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """A discovered controller is offered with its address filled in."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=discovery(simulator.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: str(simulator.port),
    }
    result = await configure(hass.config_entries.flow, result["flow_id"], {})
    assert result["step_id"] == "wall"
    result = await configure(hass.config_entries.flow, result["flow_id"], wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "controller:sim-1"
    assert result["data"][CONF_PORT] == simulator.port


async def test_zeroconf_prefills_the_advertised_wall(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """A controller that announces its layout gets a ready-made wall form."""
    advertised = {
        "id": "sim-2",
        "units": "1",
        "sizes": SIZES,
        "cooled": "21,22",
        "points": "latch,presence,temperature,bogus",
    }
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(simulator.port, advertised),
    )
    result = await configure(hass.config_entries.flow, result["flow_id"], {})
    defaults = {
        key.schema: key.default()
        for key in result["data_schema"].schema
        if callable(key.default)
    }
    assert defaults[CONF_SIZES] == SIZES
    assert defaults[CONF_COMPARTMENTS] == 24
    assert defaults[CONF_COOLED] == "21,22"
    assert defaults["optional_points"] == ["latch", "presence", "temperature"]
    result = await configure(
        hass.config_entries.flow, result["flow_id"], {CONF_NAME: "Lobby"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (wall,) = result["result"].subentries.values()
    assert len(wall.data[CONF_MAP]["compartments"]) == 24


@pytest.mark.parametrize(
    "advertised",
    [
        {"units": "0", "sizes": "Q*3", "cooled": "99"},
        {"units": "x", "sizes": "S*4", "cooled": "9"},
    ],
)
async def test_zeroconf_ignores_malformed_announcements(
    hass: HomeAssistant, simulator: LockerSimulator, advertised: dict[str, str]
) -> None:
    """Nonsense in a TXT record never reaches the form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(simulator.port, {"id": "sim-3", **advertised}),
    )
    result = await configure(hass.config_entries.flow, result["flow_id"], {})
    defaults = {
        key.schema: key.default()
        for key in result["data_schema"].schema
        if callable(key.default)
    }
    assert defaults[CONF_DEVICE_ID] == 1
    assert defaults[CONF_COOLED] == ""
    assert defaults[CONF_SIZES] in ("", "S*4")


async def test_zeroconf_known_controller_moves(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """A known controller found at a new address has its entry updated."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="controller:sim-1",
        data={
            CONF_CONNECTION: "tcp",
            CONF_HOST: "127.0.0.2",
            CONF_PORT: 502,
            CONF_FRAMER: "socket",
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=discovery(simulator.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    assert entry.data[CONF_PORT] == simulator.port


async def test_zeroconf_generic_modbus_already_added_by_hand(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A generic Modbus announcement of a controller already set up is ignored."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(simulator.port, properties={}),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_tcp(
    hass: HomeAssistant, simulator: LockerSimulator, init_integration: MockConfigEntry
) -> None:
    """The controller's address can be changed; a wrong one is refused first."""
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await configure(
        hass.config_entries.flow, result["flow_id"], tcp_form(free_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await configure(
        hass.config_entries.flow,
        result["flow_id"],
        tcp_form(simulator.port, framer="socket", host="localhost"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_HOST] == "localhost"
    assert init_integration.unique_id == f"tcp:localhost:{simulator.port}"
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_entrys_address(
    hass: HomeAssistant, simulator: LockerSimulator, init_integration: MockConfigEntry
) -> None:
    """Reconfiguring onto a controller another entry has is refused."""
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id="tcp:127.0.0.1:1502",
        data={CONF_CONNECTION: "tcp", CONF_HOST: "127.0.0.1", CONF_PORT: 1502},
    )
    other.add_to_hass(hass)
    result = await init_integration.start_reconfigure_flow(hass)
    result = await configure(
        hass.config_entries.flow, result["flow_id"], tcp_form(1502)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_serial(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """A serial entry is reconfigured with the serial form."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="serial:/dev/ttyUSB0",
        data={
            CONF_CONNECTION: "serial",
            CONF_PORT: "/dev/ttyUSB0",
            "baudrate": 9600,
            "parity": "N",
            "stopbits": 1,
            "bytesize": 8,
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )
    assert result["step_id"] == "reconfigure"
    result = await configure(
        hass.config_entries.flow,
        result["flow_id"],
        {**SERIAL_FORM, CONF_PORT: "/dev/does-not-exist"},
    )
    assert result["errors"] == {"base": "cannot_connect"}
    with patch(
        "custom_components.parcel_locker.config_flow.create_connection",
        _simulator_instead_of_serial(simulator.port),
    ):
        result = await configure(
            hass.config_entries.flow,
            result["flow_id"],
            {**SERIAL_FORM, CONF_PORT: "/dev/ttyUSB1"},
        )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == "/dev/ttyUSB1"
    assert entry.data["baudrate"] == 19200
    assert entry.unique_id == "serial:/dev/ttyUSB1"


@pytest.fixture
async def two_unit_simulator(socket_enabled: None) -> Any:
    """A link with walls on unit 1 and unit 2."""
    async with LockerSimulator(
        {1: reference_wall(SIZES), 2: reference_wall("M*6")}
    ) as sim:
        yield sim


async def test_add_second_wall(
    hass: HomeAssistant,
    two_unit_simulator: LockerSimulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A second wall is added as a subentry and appears without a restart."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_CONNECTION: "tcp",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: two_unit_simulator.port,
            CONF_FRAMER: "socket",
        },
    )
    from .conftest import wall_subentry  # noqa: PLC0415

    entry = MockConfigEntry(
        domain=DOMAIN, data=entry.data, subentries_data=[wall_subentry()]
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_WALL), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    defaults = {
        key.schema: key.default()
        for key in result["data_schema"].schema
        if callable(key.default)
    }
    assert defaults[CONF_NAME] == "Wall B"
    assert defaults[CONF_PREFIX] == "B"

    second = wall_form(
        name="Garage", prefix="B", sizes="M*6", compartments=6, cooled=""
    )
    result = await configure(hass.config_entries.subentries, result["flow_id"], second)
    assert result["errors"] == {"base": "overlapping_points"}
    result = await configure(
        hass.config_entries.subentries, result["flow_id"], {**second, CONF_DEVICE_ID: 9}
    )
    assert result["errors"] == {"base": "wall_not_answering"}
    result = await configure(
        hass.config_entries.subentries, result["flow_id"], {**second, CONF_DEVICE_ID: 2}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get("lock.compartment_b_06")
    assert state is not None
    assert state.state == "locked"

    # Changing the wall keeps its entities; a bad change is refused.
    garage = next(
        subentry for subentry in entry.subentries.values() if subentry.title == "Garage"
    )
    result = await entry.start_subentry_reconfigure_flow(hass, garage.subentry_id)
    assert result["step_id"] == "reconfigure"
    result = await configure(
        hass.config_entries.subentries, result["flow_id"], {**second, CONF_DEVICE_ID: 1}
    )
    assert result["errors"] == {"base": "overlapping_points"}
    result = await configure(
        hass.config_entries.subentries,
        result["flow_id"],
        {**second, CONF_DEVICE_ID: 2, CONF_NAME: "Garage door"},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[garage.subentry_id].title == "Garage door"
    assert hass.states.get("lock.compartment_b_06") is not None

    # Removing the wall removes its devices and entities.
    assert hass.config_entries.async_remove_subentry(entry, garage.subentry_id)
    await hass.async_block_till_done()
    assert entity_registry.async_get("lock.compartment_b_06") is None
    assert hass.states.get("lock.compartment_a_01") is not None


async def test_options_take_effect_without_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """Options are checked, then applied at once: codes get the new length."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["step_id"] == "init"
    defaults = {
        key.schema: value
        for key in result["data_schema"].schema
        if (value := (key.description or {}).get("suggested_value")) is not None
    }
    assert defaults["code_length"] == 8
    assert defaults["poll_interval"] == 2
    good = {
        "poll_interval": 5,
        "code_length": 6,
        "code_lifetime_hours": 48,
        "reservation_timeout_minutes": 15,
        "reminder_interval_hours": 12,
        "door_open_alarm_seconds": 60,
        "temperature_low": 1.0,
        "temperature_high": 6.0,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "code_length": 12, "temperature_low": 9.0}
    )
    assert result["errors"] == {"code_length": "out_of_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "temperature_low": 7.0}
    )
    assert result["errors"] == {"temperature_high": "band_inverted"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 5
    ledger = init_integration.runtime_data.ledger
    assert ledger.settings.code_length == 6
    assert ledger.settings.temperature_band == (1.0, 6.0)


async def test_options_name_the_courier_kiosk_users(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
) -> None:
    """The kiosk's login is chosen from Home Assistant's users, by name."""
    tablet = MockUser(name="Wall tablet").add_to_hass(hass)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    [selector] = [
        key_value
        for key, key_value in result["data_schema"].schema.items()
        if key.schema == "courier_users"
    ]
    offered = {
        option["value"]: option["label"] for option in selector.config["options"]
    }
    assert offered[tablet.id] == "Wall tablet"
    assert offered[people[BOB].id] == "Bob"
    numbers = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.schema != "courier_users"
    }
    # Only the users offered can be chosen.
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**numbers, "courier_users": ["somebody-else"]}
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**numbers, "courier_users": [tablet.id]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options["courier_users"] == [tablet.id]


async def test_custom_point_map(
    hass: HomeAssistant, simulator: LockerSimulator
) -> None:
    """Any compartment's points can be set by hand; bad points are named."""
    flow = hass.config_entries.flow
    flow_id = await start_tcp_flow(hass)
    await flow.async_configure(flow_id, tcp_form(simulator.port))
    result = await flow.async_configure(flow_id, wall_form(profile="custom"))
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "custom_points"

    result = await flow.async_configure(flow_id, {"next_step_id": "edit_compartment"})
    result = await flow.async_configure(flow_id, {"compartment": 99})
    assert result["errors"] == {"compartment": "unknown_compartment_number"}
    result = await flow.async_configure(flow_id, {"compartment": 5})
    assert result["step_id"] == "edit_points"
    assert result["description_placeholders"]["compartment"] == "A-05"
    suggested = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema
    }
    assert suggested == {
        "lock": "1:coil:4",
        "door": "1:discrete:4",
        "latch": "1:discrete:260",
        "presence": "1:discrete:516",
        "temperature": "1:input:4",
    }
    points = dict(suggested)
    for change, error in (
        ({"door": "one:discrete:4"}, {"door": "invalid_point_spec"}),
        ({"lock": ""}, {"lock": "required_point"}),
        ({"lock": "1:discrete:4"}, {"base": "table_not_allowed"}),
        ({"door": "1:discrete:3"}, {"base": "overlapping_points"}),
        ({"door": "300:discrete:3"}, {"base": "unit_id_out_of_range"}),
    ):
        result = await flow.async_configure(flow_id, {**points, **change})
        assert result["errors"] == error, change
    result = await flow.async_configure(
        flow_id, {**points, "door": "1:discrete:100:inverted", "latch": ""}
    )
    assert result["type"] is FlowResultType.MENU
    result = await flow.async_configure(flow_id, {"next_step_id": "save_custom"})
    assert result["step_id"] == "test_wiring"
    result = await flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (wall,) = result["result"].subentries.values()
    fifth = wall.data[CONF_MAP]["compartments"][4]
    assert fifth["door"] == {
        "unit_id": 1,
        "table": "discrete",
        "address": 100,
        "invert": True,
    }
    assert "latch" not in fifth
    assert wall.data["point_overrides"]["5"]["door"] == "1:discrete:100:inverted"
    await hass.async_block_till_done()
    # Address 100 reads 0 on the simulator: inverted, that is a closed door.
    assert hass.states.get("binary_sensor.compartment_a_05_door").state == "off"
