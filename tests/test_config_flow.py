"""The config flow: connection, first wall, discovery, reconfigure, more walls.

Errors are tested the way peblar's flow is: each failure parametrized, then the
same flow recovering to a created entry, with ``async_setup_entry`` mocked and
an in-memory controller (``modbus_connection.mock``) where the wire adds
nothing. Where the wire matters (the wiring test, detection, discovery's
pre-fill) the flow reads the simulator over real Modbus TCP.
"""

from __future__ import annotations

from collections.abc import Generator
from ipaddress import ip_address
from typing import Any
from unittest.mock import AsyncMock, patch

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
from modbus_connection import (
    GatewayTargetError,
    ModbusConnectionError,
    ModbusTimeoutError,
)
from modbus_connection.mock import MockModbusConnection
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
    CONF_OPTIONAL_POINTS,
    CONF_PREFIX,
    CONF_PROBES,
    CONF_SIZES,
    DOMAIN,
    SUBENTRY_WALL,
)
from custom_components.parcel_locker.domain.wiring import OPTIONAL_POINT_NAMES
from simulator.server import LockerSimulator, reference_wall

from .conftest import ALL_POINTS, BOB, SIZES, wall_form, wall_subentry

SERIAL_FORM = {
    CONF_PORT: "/dev/ttyUSB0",
    "baudrate": "19200",
    "parity": "e",
    "stopbits": "1",
    "bytesize": "8",
}
FLOW = "custom_components.parcel_locker"


# -- helpers and fixtures ----------------------------------------------------------


async def configure(manager: Any, flow_id: str, data: dict[str, Any]) -> Any:
    """Submit a step; accept the wiring test's findings when it comes.

    Tests that look at the wiring test itself use the manager directly.
    """
    result = await manager.async_configure(flow_id, data)
    if result.get("step_id") == "test_wiring" and not result.get("errors"):
        result = await manager.async_configure(flow_id, {})
    return result


def free_port() -> int:
    """A loopback port nothing listens on."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_form(port: int, **overrides: Any) -> dict[str, Any]:
    """The TCP form for a controller on 127.0.0.1."""
    return {CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_FRAMER: "socket", **overrides}


def defaults_of(result: Any) -> dict[str, Any]:
    """The defaults a form shows."""
    return {
        key.schema: key.default()
        for key in result["data_schema"].schema
        if callable(key.default)
    }


async def start_tcp_flow(hass: HomeAssistant) -> str:
    """Open the flow and choose the network connection."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["tcp", "serial"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "tcp"}
    )
    assert result["step_id"] == "tcp"
    return str(result["flow_id"])


def tcp_entry(
    host: str, port: int, unique_id: str | None = None, *, wall: bool = False
) -> MockConfigEntry:
    """An entry for a network controller, keyed by its address unless told."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Parcel Locker ({host}:{port}, {unique_id or 'by address'})",
        unique_id=unique_id or f"tcp:{host}:{port}",
        minor_version=2,
        subentries_data=[wall_subentry()] if wall else [],
        data={
            CONF_CONNECTION: "tcp",
            CONF_HOST: host,
            CONF_PORT: port,
            CONF_FRAMER: "socket",
        },
    )


class FakeController:
    """Hands the flow in-memory links (``MockModbusConnection``) on demand.

    ``connect_error`` makes connecting fail, ``read_error`` every request to
    the wall's unit; each link is new, as the flow's own links are.
    """

    def __init__(self) -> None:
        self.connect_error: Exception | None = None
        self.read_error: Exception | None = None
        self.links: list[MockModbusConnection] = []

    def __call__(self, data: Any) -> MockModbusConnection:
        link = MockModbusConnection()
        if self.connect_error is not None:
            link.connect = AsyncMock(side_effect=self.connect_error)  # type: ignore[method-assign]
        link.for_unit(1).fail_requests(self.read_error)
        self.links.append(link)
        return link


@pytest.fixture
def controller() -> Generator[FakeController]:
    """An in-memory controller behind every link the flow opens."""
    fake = FakeController()
    with (
        patch(f"{FLOW}.controller_check.create_connection", fake),
        patch(f"{FLOW}.config_flow.create_connection", fake),
    ):
        yield fake


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """The created entry is not set up (nothing to connect to)."""
    with patch(f"{FLOW}.async_setup_entry", return_value=True) as setup:
        yield setup


# -- the user path, over real Modbus ---------------------------------------------


async def test_full_tcp_setup(hass: HomeAssistant, simulator: LockerSimulator) -> None:
    """Connection and first wall in one go create the entry and its wall.

    The wiring test shows what reading every point found; the reference wall's
    points are detected, and compartment A-22, whose probe reads -32768, gets
    no temperature entity.
    """
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
        "found": ", ".join(ALL_POINTS),
        "points": "-",
    }
    assert defaults_of(result)[CONF_OPTIONAL_POINTS] == ALL_POINTS
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
    assert entry.minor_version == 2
    (wall,) = entry.subentries.values()
    assert wall.subentry_type == SUBENTRY_WALL
    assert wall.title == "Lobby"
    assert wall.data[CONF_OPTIONAL_POINTS] == ALL_POINTS
    assert wall.data[CONF_PROBES] == [n for n in range(1, 25) if n != 22]
    assert len(wall.data[CONF_MAP]["compartments"]) == 24
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.compartment_a_24") is not None
    assert hass.states.get("sensor.compartment_a_21_temperature") is not None
    assert hass.states.get("sensor.compartment_a_22_temperature") is None


async def test_detection_offers_what_answers_and_refuses_the_rest(
    hass: HomeAssistant, socket_enabled: None, mock_setup_entry: AsyncMock
) -> None:
    """A layout 1.0 wall without latch sensors or keypad: the rest is ticked.

    Whatever the wall form said, the wiring test ticks what answered; a point
    that did not answer cannot be ticked on; leaving one out is fine.
    """
    wall = reference_wall(SIZES, layout="1.0", latch=False, keypad=False)
    async with LockerSimulator({1: wall}) as sim:
        flow = hass.config_entries.flow
        flow_id = await start_tcp_flow(hass)
        await flow.async_configure(flow_id, tcp_form(sim.port))
        result = await flow.async_configure(
            flow_id, wall_form(optional_points=["latch"])
        )
        assert result["step_id"] == "test_wiring"
        detected = ["presence", "temperature", "setpoint"]
        assert defaults_of(result)[CONF_OPTIONAL_POINTS] == detected
        result = await flow.async_configure(
            flow_id, {CONF_OPTIONAL_POINTS: [*detected, "keypad", "door_counters"]}
        )
        assert result["step_id"] == "test_wiring"
        assert result["errors"] == {CONF_OPTIONAL_POINTS: "points_not_answering"}
        assert result["description_placeholders"]["points"] == "keypad, door_counters"
        result = await flow.async_configure(
            flow_id, {CONF_OPTIONAL_POINTS: ["presence", "temperature"]}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (stored,) = result["result"].subentries.values()
    assert stored.data[CONF_OPTIONAL_POINTS] == ["presence", "temperature"]
    first = stored.data[CONF_MAP]["compartments"][0]
    assert set(first) == {
        "number",
        "size",
        "cooled",
        "lock",
        "door",
        "presence",
        "temperature",
    }
    assert stored.data[CONF_MAP]["keypad"] is None
    assert mock_setup_entry.call_count == 1


async def test_tcp_host_is_stored_written_one_way(
    hass: HomeAssistant, controller: FakeController, mock_setup_entry: AsyncMock
) -> None:
    """``LOCKER.Example.`` and ``locker.example`` are one controller."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(502, host=" LOCKER.Example. ")
    )
    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "locker.example"
    assert result["result"].unique_id == "tcp:locker.example:502"


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        ({CONF_HOST: "not a host!"}, CONF_HOST, "invalid_host"),
        ({CONF_HOST: "999.1.1.1"}, CONF_HOST, "invalid_host"),
        ({CONF_HOST: ""}, CONF_HOST, "invalid_host"),
        ({CONF_PORT: 502.5}, CONF_PORT, "invalid_port"),
    ],
)
async def test_tcp_form_errors_then_recovers(
    hass: HomeAssistant,
    controller: FakeController,
    mock_setup_entry: AsyncMock,
    form: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """A bad host or port is explained on its field and nothing is created."""
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, {**tcp_form(502), **form}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert not controller.links, "nothing was asked of the controller"

    result = await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    assert result["step_id"] == "wall"
    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_setup_entry.call_count == 1


@pytest.mark.parametrize("port", [0, 70000, -1])
async def test_port_range_is_in_the_schema(
    hass: HomeAssistant, controller: FakeController, port: int
) -> None:
    """The form shows ports 1-65535; anything else does not get past the schema."""
    flow_id = await start_tcp_flow(hass)
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.flow.async_configure(flow_id, tcp_form(port))
    assert set(err.value.schema_errors) == {CONF_PORT}
    result = await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    assert result["step_id"] == "wall"


# -- talking to the controller: every failure, then recovery --------------------------

# A wall's test read fails: what the wall form says.
WALL_READ_ERRORS = [
    (GatewayTargetError(), "wall_not_answering"),
    (ModbusTimeoutError("no answer"), "wall_not_answering"),
    (ModbusConnectionError("reset"), "cannot_connect"),
    (RuntimeError("boom"), "unknown"),
]


@pytest.mark.parametrize(
    ("side_effect", "expected_error"),
    [
        (ModbusConnectionError("refused"), "cannot_connect"),
        (ModbusTimeoutError("no answer"), "cannot_connect"),
        (OSError("no route to host"), "cannot_connect"),
        (RuntimeError("boom"), "unknown"),
    ],
)
async def test_connection_errors(
    hass: HomeAssistant,
    controller: FakeController,
    mock_setup_entry: AsyncMock,
    side_effect: Exception,
    expected_error: str,
) -> None:
    """The link cannot be opened: said on the form; then it can, and all is set up."""
    controller.connect_error = side_effect
    flow_id = await start_tcp_flow(hass)
    result = await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "tcp"
    assert result["errors"] == {"base": expected_error}

    controller.connect_error = None
    result = await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    assert result["step_id"] == "wall"
    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_setup_entry.call_count == 1


@pytest.mark.parametrize(("side_effect", "expected_error"), WALL_READ_ERRORS)
async def test_wall_read_errors(
    hass: HomeAssistant,
    controller: FakeController,
    mock_setup_entry: AsyncMock,
    side_effect: Exception,
    expected_error: str,
) -> None:
    """The wall does not answer its test read: said on the wall form; then it does."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    controller.read_error = side_effect
    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "wall"
    assert result["errors"] == {"base": expected_error}
    assert result["description_placeholders"]["device_id"] == "1"

    controller.read_error = None
    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_setup_entry.call_count == 1
    assert all(link._closed for link in controller.links), "every link closed"


@pytest.mark.parametrize(("side_effect", "expected_error"), WALL_READ_ERRORS)
async def test_wall_subentry_read_errors(
    hass: HomeAssistant,
    controller: FakeController,
    side_effect: Exception,
    expected_error: str,
) -> None:
    """Adding a wall to a controller: its test read fails, said on the form; then not.

    The entry is not loaded, so the wall flow reads on a link of its own.
    """
    entry = tcp_entry("127.0.0.1", 1502)
    entry.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_WALL), context={"source": SOURCE_USER}
    )
    controller.read_error = side_effect
    result = await configure(
        hass.config_entries.subentries, result["flow_id"], wall_form()
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": expected_error}
    assert not entry.subentries

    controller.read_error = None
    result = await configure(
        hass.config_entries.subentries, result["flow_id"], wall_form()
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [wall.title for wall in entry.subentries.values()] == ["Lobby"]
    assert all(link._closed for link in controller.links), "every link closed"


async def test_unreachable_controller_over_real_tcp(
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


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        ({CONF_COMPARTMENTS: 2.5}, CONF_COMPARTMENTS, "compartments_out_of_range"),
        ({CONF_DEVICE_ID: 1.5}, CONF_DEVICE_ID, "unit_id_out_of_range"),
        ({CONF_NAME: "  "}, CONF_NAME, "name_required"),
        ({CONF_PREFIX: "A B"}, CONF_PREFIX, "invalid_prefix"),
        ({CONF_SIZES: "S*12,Q*8"}, CONF_SIZES, "invalid_sizes"),
        ({CONF_SIZES: "S*10", CONF_COOLED: ""}, CONF_SIZES, "sizes_count_mismatch"),
        ({CONF_SIZES: "S*251"}, CONF_SIZES, "too_many_compartments"),
        ({CONF_COOLED: "30"}, CONF_COOLED, "invalid_cooled"),
        ({CONF_COOLED: "x"}, CONF_COOLED, "invalid_cooled"),
        ({"temperature_low": 2.0}, "temperature_high", "band_incomplete"),
        ({"temperature_high": 8.0}, "temperature_low", "band_incomplete"),
        (
            {"temperature_low": 8.0, "temperature_high": 2.0},
            "temperature_high",
            "band_inverted",
        ),
    ],
)
async def test_wall_form_errors_then_recovers(
    hass: HomeAssistant,
    controller: FakeController,
    mock_setup_entry: AsyncMock,
    form: dict[str, Any],
    field: str,
    error: str,
) -> None:
    """Every mistake in the wall form is named on its field; fixing it saves."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    result = await configure(hass.config_entries.flow, flow_id, wall_form(**form))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "wall"
    assert result["errors"] == {field: error}
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await configure(hass.config_entries.flow, flow_id, wall_form())
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    "form",
    [
        {CONF_COMPARTMENTS: 0},
        {CONF_COMPARTMENTS: 400},
        {CONF_DEVICE_ID: 0},
        {CONF_DEVICE_ID: 248},
        {"pulse_seconds": 60},
        {"temperature_low": -40},
    ],
)
async def test_wall_ranges_are_in_the_schema(
    hass: HomeAssistant, controller: FakeController, form: dict[str, Any]
) -> None:
    """Unit ids, counts, the pulse and the band are refused by the schema itself."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.flow.async_configure(flow_id, wall_form(**form))
    assert set(err.value.schema_errors) == set(form)


async def test_a_wall_band_of_its_own(
    hass: HomeAssistant, controller: FakeController, mock_setup_entry: AsyncMock
) -> None:
    """A wall may keep its cooled compartments in a band of its own."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(502))
    result = await configure(
        hass.config_entries.flow,
        flow_id,
        wall_form(temperature_low=0.0, temperature_high=4.0),
    )
    (wall,) = result["result"].subentries.values()
    assert (wall.data["temperature_low"], wall.data["temperature_high"]) == (0.0, 4.0)

    from custom_components.parcel_locker.wall_config import wall_config  # noqa: PLC0415

    assert wall_config("wall", wall.data).band == (0.0, 4.0)
    assert wall_config("wall", wall_subentry()["data"]).band is None


async def test_empty_sizes_mean_all_small(
    hass: HomeAssistant, controller: FakeController, mock_setup_entry: AsyncMock
) -> None:
    """Leaving the sizes empty makes every compartment S."""
    flow_id = await start_tcp_flow(hass)
    await configure(hass.config_entries.flow, flow_id, tcp_form(502))
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
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.flow.async_configure(
            flow_id, {**wiring, "input_unit_id": 0, "input_base": -1}
        )
    assert set(err.value.schema_errors) == {"input_unit_id", "input_base"}
    result = await configure(
        hass.config_entries.flow, flow_id, {**wiring, "input_unit_id": 9}
    )
    assert result["errors"] == {"base": "wall_not_answering"}
    result = await hass.config_entries.flow.async_configure(flow_id, wiring)
    assert result["step_id"] == "test_wiring"
    assert result["data_schema"].schema == {}  # nothing to detect on boards
    result = await hass.config_entries.flow.async_configure(flow_id, {})
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
    """A serial device that does not exist cannot be opened; a blank one is named."""
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
            "custom_components.parcel_locker.controller_check.create_connection",
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
    hass: HomeAssistant, simulator: LockerSimulator, mock_setup_entry: AsyncMock
) -> None:
    """A serial entry is reconfigured with the serial form.

    The entry reloads afterwards; there is no serial line to set it up on.
    """
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
        "custom_components.parcel_locker.controller_check.create_connection",
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
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1


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
    assert defaults["temperature_interval"] == 30
    good = {
        "poll_interval": 5,
        "code_length": 6,
        "code_lifetime_hours": 48,
        "reservation_timeout_minutes": 15,
        "reminder_interval_hours": 12,
        "door_open_alarm_seconds": 60,
        "temperature_low": 1.0,
        "temperature_high": 6.0,
        "setpoint_min": 1.0,
        "setpoint_max": 6.0,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "code_length": 12, "temperature_low": 9.0}
    )
    assert result["errors"] == {"code_length": "out_of_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "temperature_low": 7.0}
    )
    assert result["errors"] == {"temperature_high": "band_inverted"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "setpoint_min": 6.0}
    )
    assert result["errors"] == {"setpoint_max": "setpoint_range_inverted"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data
    assert coordinator.poll_interval.total_seconds() == 5
    ledger = init_integration.runtime_data.ledger
    assert ledger.settings.code_length == 6
    assert ledger.settings.temperature_band == (1.0, 6.0)
    # Left out of the form (as before it existed): the default, 30 s.
    assert init_integration.options["temperature_interval"] == 30


async def test_options_temperature_interval(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """The temperature interval is an option of its own, 5 s to an hour."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    numbers = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.schema != "courier_users"
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**numbers, "temperature_interval": 2}
    )
    assert result["errors"] == {"temperature_interval": "out_of_range"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**numbers, "temperature_interval": 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options["temperature_interval"] == 120


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
    with pytest.raises(InvalidData) as err:  # the form shows 1 to 24
        await flow.async_configure(flow_id, {"compartment": 99})
    assert set(err.value.schema_errors) == {"compartment"}
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


# -- one controller, one entry ------------------------------------------------------


async def test_user_path_refuses_a_controller_known_by_its_announced_id(
    hass: HomeAssistant, controller: FakeController
) -> None:
    """Discovered first (keyed by the id it announced), then added by hand."""
    tcp_entry("locker.example", 502, unique_id="controller:sim-1").add_to_hass(hass)
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(502, host="LOCKER.example.")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert not controller.links


async def test_user_path_refuses_the_same_address(
    hass: HomeAssistant, controller: FakeController
) -> None:
    tcp_entry("::1", 1502).add_to_hass(hass)
    flow_id = await start_tcp_flow(hass)
    result = await configure(
        hass.config_entries.flow, flow_id, tcp_form(1502, host="[0:0::0001]")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_serial_path_refuses_the_same_device(hass: HomeAssistant) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        unique_id="serial:/dev/ttyUSB0",
        minor_version=2,
        data={CONF_CONNECTION: "serial", CONF_PORT: "/dev/ttyUSB0"},
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "serial"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], SERIAL_FORM
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_zeroconf_of_a_controller_added_by_hand_adopts_its_id(
    hass: HomeAssistant,
) -> None:
    """Announced at the address of an entry keyed by address: the same one.

    The entry is known by the announced id from then on, so it is followed
    when it moves.
    """
    entry = tcp_entry("127.0.0.1", 1502)
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=discovery(1502)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.unique_id == "controller:sim-1"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reconfigure_onto_a_controller_known_by_its_announced_id(
    hass: HomeAssistant, controller: FakeController
) -> None:
    tcp_entry("127.0.0.1", 1502, unique_id="controller:sim-1").add_to_hass(hass)
    entry = tcp_entry("127.0.0.1", 2502)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], tcp_form(1502)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 2502


@pytest.mark.parametrize(
    ("side_effect", "expected_error"),
    [
        (ModbusConnectionError("refused"), "cannot_connect"),
        (RuntimeError("boom"), "unknown"),
    ],
)
async def test_reconfigure_errors_then_recovers(
    hass: HomeAssistant,
    controller: FakeController,
    mock_setup_entry: AsyncMock,
    side_effect: Exception,
    expected_error: str,
) -> None:
    """A new framer at the same address: tried first, the entry kept its id."""
    entry = tcp_entry("127.0.0.1", 1502, unique_id="controller:sim-1")
    entry.add_to_hass(hass)
    controller.connect_error = side_effect
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], tcp_form(1502, framer="rtu")
    )
    assert result["errors"] == {"base": expected_error}
    controller.connect_error = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], tcp_form(1502, framer="rtu")
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert mock_setup_entry.call_count == 1
    assert entry.data[CONF_FRAMER] == "rtu"
    assert entry.unique_id == "controller:sim-1"


# -- discovery's pre-fill and detection agree --------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"layout": "1.0"},
        {"layout": "1.0", "latch": False, "keypad": False},
        {"presence": False, "keypad": False},
    ],
)
async def test_announced_points_are_the_detected_points(
    hass: HomeAssistant,
    socket_enabled: None,
    mock_setup_entry: AsyncMock,
    options: dict[str, Any],
) -> None:
    """What a controller announces (TXT ``points``) is what reading it finds.

    Path one: discovery pre-fills the wall form with the announced points.
    Path two: the wiring test ticks the points that answered. Both the same.
    """
    from simulator.advertise import service_info  # noqa: PLC0415

    wall = reference_wall(SIZES, **options)
    async with LockerSimulator({1: wall}) as sim:
        txt = service_info(sim.port, sim.walls).decoded_properties
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_ZEROCONF},
            data=discovery(sim.port, {k: v or "" for k, v in txt.items()}),
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["step_id"] == "wall"
        announced = defaults_of(result)[CONF_OPTIONAL_POINTS]
        assert announced == txt["points"].split(",")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Lobby"}
        )
        assert result["step_id"] == "test_wiring"
        assert defaults_of(result)[CONF_OPTIONAL_POINTS] == announced
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (stored,) = result["result"].subentries.values()
    assert stored.data[CONF_OPTIONAL_POINTS] == announced


def test_every_point_name_has_a_label() -> None:
    """The multi-select names every optional point in words."""
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    strings = json.loads(
        (
            Path(__file__).parents[1]
            / "custom_components"
            / "parcel_locker"
            / "strings.json"
        ).read_text()
    )
    labels = strings["selector"]["optional_points"]["options"]
    assert set(labels) == set(OPTIONAL_POINT_NAMES)


# -- entries from before: migration and duplicates -----------------------------------


async def test_an_old_entry_is_migrated_to_the_controllers_identity(
    hass: HomeAssistant, simulator: LockerSimulator, people: dict[str, MockUser]
) -> None:
    """Version 1.1 entries were keyed ``host:port`` with the host as typed."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Parcel Locker (old)",
        unique_id=f"LOCALHOST.:{simulator.port}",
        minor_version=1,
        data={
            CONF_CONNECTION: "tcp",
            CONF_HOST: "LOCALHOST.",
            CONF_PORT: simulator.port,
            CONF_FRAMER: "socket",
        },
        subentries_data=[wall_subentry()],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 2
    assert entry.unique_id == f"tcp:localhost:{simulator.port}"
    assert entry.data[CONF_HOST] == "localhost"


async def test_an_announced_entry_keeps_its_id_when_migrated(
    hass: HomeAssistant, simulator: LockerSimulator, people: dict[str, MockUser]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="controller:sim-9",
        minor_version=1,
        data={
            CONF_CONNECTION: "tcp",
            CONF_HOST: "127.0.0.1",
            CONF_PORT: simulator.port,
            CONF_FRAMER: "socket",
        },
        subentries_data=[wall_subentry()],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.unique_id == "controller:sim-9"


async def test_two_entries_from_before_for_one_controller(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    issue_registry: Any,
) -> None:
    """The later one does not start; a repair issue names both and says which.

    Removing the later one clears it; the first one ran all along.
    """
    first = tcp_entry(
        "127.0.0.1", simulator.port, unique_id="controller:sim-1", wall=True
    )
    first.add_to_hass(hass)
    later = tcp_entry("127.0.0.1", simulator.port, wall=True)
    later.add_to_hass(hass)
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()
    assert first.state is ConfigEntryState.LOADED
    assert later.state is ConfigEntryState.SETUP_ERROR
    issue = issue_registry.async_get_issue(
        DOMAIN, f"duplicate_controller_{later.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "duplicate_controller"
    assert issue.translation_placeholders == {
        "title": later.title,
        "kept": first.title,
        "address": f"127.0.0.1:{simulator.port}",
    }
    assert await hass.config_entries.async_remove(later.entry_id)
    await hass.async_block_till_done()
    assert (
        issue_registry.async_get_issue(DOMAIN, f"duplicate_controller_{later.entry_id}")
        is None
    )
    assert first.state is ConfigEntryState.LOADED


async def test_a_held_back_duplicate_starts_when_the_first_is_removed(
    hass: HomeAssistant,
    simulator: LockerSimulator,
    people: dict[str, MockUser],
    issue_registry: Any,
) -> None:
    first = tcp_entry("127.0.0.1", simulator.port, wall=True)
    first.add_to_hass(hass)
    later = tcp_entry(
        "127.0.0.1", simulator.port, unique_id="controller:sim-2", wall=True
    )
    later.add_to_hass(hass)
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()
    assert later.state is ConfigEntryState.SETUP_ERROR
    assert await hass.config_entries.async_remove(first.entry_id)
    await hass.async_block_till_done()
    assert later.state is ConfigEntryState.LOADED
    assert not issue_registry.issues


async def test_changing_a_wall_detects_again_and_can_clear_its_band(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: LockerSimulator
) -> None:
    """A wall changed later is read again; a band emptied on the form is gone."""
    subentry = init_integration.subentries["wall_lobby"]
    hass.config_entries.async_update_subentry(
        init_integration,
        subentry,
        data={**subentry.data, "temperature_low": 1.0, "temperature_high": 5.0},
    )
    await hass.async_block_till_done()
    simulator.wall(1).set_temperature(3, None)
    result = await init_integration.start_subentry_reconfigure_flow(hass, "wall_lobby")
    suggested = {
        key.schema: key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {"temperature_low": 1.0, "temperature_high": 5.0}
    form = wall_form(optional_points=["latch"])
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], form
    )
    assert result["step_id"] == "test_wiring"
    assert defaults_of(result)[CONF_OPTIONAL_POINTS] == ALL_POINTS
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    stored = init_integration.subentries["wall_lobby"].data
    assert "temperature_low" not in stored
    assert "temperature_high" not in stored
    assert 3 not in stored[CONF_PROBES]
    assert hass.states.get("sensor.compartment_a_03_temperature") is None
    assert hass.states.get("sensor.compartment_a_04_temperature") is not None
