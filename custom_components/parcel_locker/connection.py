"""Open the Modbus link a config entry describes."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_address
from typing import Any

from modbus_connection import ModbusSerialParams, ModbusTcpParams
from modbus_connection.tmodbus import ModbusConnection

from .const import (
    CONF_BAUDRATE,
    CONF_BYTESIZE,
    CONF_CONNECTION,
    CONF_FRAMER,
    CONF_PARITY,
    CONF_STOPBITS,
    CONNECTION_SERIAL,
    DEFAULT_BAUDRATE,
    FRAMER_RTU,
    REQUEST_TIMEOUT,
)

# Home Assistant's own names for host and port; kept literal so this module
# stays importable without Home Assistant (the benchmark uses it).
CONF_HOST = "host"
CONF_PORT = "port"


def connection_params(
    data: Mapping[str, Any],
) -> ModbusTcpParams | ModbusSerialParams:
    """The link parameters for a config entry's data."""
    if data.get(CONF_CONNECTION) == CONNECTION_SERIAL:
        return ModbusSerialParams(
            device=data[CONF_PORT],
            baudrate=int(data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
            bytesize=int(data.get(CONF_BYTESIZE, 8)),  # type: ignore[arg-type]
            parity=data.get(CONF_PARITY, "N"),
            stopbits=int(data.get(CONF_STOPBITS, 1)),  # type: ignore[arg-type]
        )
    host, port = data[CONF_HOST], int(data[CONF_PORT])
    if data.get(CONF_FRAMER) == FRAMER_RTU:
        # RTU frames a serial line; over a socket the library wants it as a
        # serial link on a socket:// device.
        address = f"[{host}]" if ":" in host else host
        return ModbusSerialParams(device=f"socket://{address}:{port}", framer="rtu")
    return ModbusTcpParams(host=host, port=port)


def is_serial_line(data: Mapping[str, Any]) -> bool:
    """Whether the link is a serial line, wired or carried over a socket (RTU)."""
    return (
        data.get(CONF_CONNECTION) == CONNECTION_SERIAL
        or data.get(CONF_FRAMER) == FRAMER_RTU
    )


def create_connection(data: Mapping[str, Any]) -> ModbusConnection:
    """A not-yet-connected link; requests connect it on demand."""
    return ModbusConnection(connection_params(data), timeout=REQUEST_TIMEOUT)


def controller_identity(data: Mapping[str, Any]) -> str:
    """What makes two entries the same controller, whatever path added them.

    A network controller is its host and port, the host written one way only
    (``LOCKER.local.`` is ``locker.local``, ``::0001`` is ``::1``), whichever
    protocol it speaks there; a serial one is its device. A controller that
    announces an id of its own is known by that id instead (see the flow).
    """
    if data.get(CONF_CONNECTION) == CONNECTION_SERIAL:
        return f"serial:{data[CONF_PORT]}"
    return f"tcp:{normalise_host(str(data[CONF_HOST]))}:{int(data[CONF_PORT])}"


def announced_identity(controller_id: str) -> str:
    """The unique id of a controller that announced its own id."""
    return f"controller:{controller_id.strip().lower()}"


def normalise_host(host: str) -> str:
    """One spelling per host: lower case, no trailing dot, IPs in short form."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ip_address(host))
    except ValueError:
        return host
