"""Announce the simulator over mDNS so the integration's discovery can find it.

This is how an installer tries the zeroconf step of the config flow without
hardware. The announcement is restricted to the loopback interface: the
simulator is a local toy and should not show up on the building's network.
"""

from __future__ import annotations

from collections.abc import Mapping
import socket

from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from .wall import SimulatedWall

SERVICE_TYPE = "_parcel-locker._tcp.local."
LOOPBACK = "127.0.0.1"


def points(wall: SimulatedWall) -> list[str]:
    """The optional points the wall serves, in the integration's names and order.

    What the integration's detection finds when it reads the wall: a probe
    reading -32768 is no probe, and setpoints are those of cooled compartments.
    """
    has = {
        "latch": wall.latch,
        "presence": wall.presence,
        "temperature": any(c.temperature is not None for c in wall.compartments),
        "setpoint": any(c.cooled for c in wall.compartments),
        "keypad": wall.keypad,
        "door_counters": wall.counters,
        "keypad_ring": wall.ring,
    }
    return [name for name, present in has.items() if present]


def _runs(sizes: list[str]) -> str:
    """Fold a size per compartment into the compact ``S*12,M*8`` form."""
    parts: list[str] = []
    for size in sizes:
        if parts and parts[-1].split("*")[0] == size:
            count = int(parts[-1].split("*")[1]) if "*" in parts[-1] else 1
            parts[-1] = f"{size}*{count + 1}"
        else:
            parts.append(size)
    return ",".join(parts)


def service_info(port: int, walls: Mapping[int, SimulatedWall]) -> ServiceInfo:
    """Describe the simulator the way a real controller would advertise itself.

    The id is derived from the port so a restarted simulator is recognised as
    the same controller (the integration updates the address of a known one).
    The first wall's layout is announced too, so the integration can pre-fill
    the wall form.
    """
    units = ",".join(str(unit) for unit in sorted(walls))
    properties = {"id": f"sim-{port}", "model": "simulator", "units": units}
    if walls:
        first = walls[min(walls)]
        properties["sizes"] = _runs(list(first.sizes))
        properties["cooled"] = ",".join(
            str(compartment.number)
            for compartment in first.compartments
            if compartment.cooled
        )
        properties["points"] = ",".join(points(first))
    return ServiceInfo(
        SERVICE_TYPE,
        f"Parcel Locker Simulator {port}.{SERVICE_TYPE}",
        port=port,
        addresses=[socket.inet_aton(LOOPBACK)],
        server=f"parcel-locker-simulator-{port}.local.",
        properties=properties,
    )


class Advertisement:
    """A registered service; closing it says goodbye and frees the responder."""

    def __init__(self, zeroconf: AsyncZeroconf, info: ServiceInfo) -> None:
        """Keep what is needed to withdraw the announcement."""
        self.zeroconf = zeroconf
        self.info = info

    async def close(self) -> None:
        """Withdraw the service and stop zeroconf's threads."""
        try:
            await self.zeroconf.async_unregister_service(self.info)
        finally:
            await self.zeroconf.async_close()


async def advertise(port: int, walls: Mapping[int, SimulatedWall]) -> Advertisement:
    """Register ``_parcel-locker._tcp`` for the Modbus server on ``port``."""
    info = service_info(port, walls)
    zeroconf = AsyncZeroconf(interfaces=[LOOPBACK])
    try:
        await zeroconf.async_register_service(info)
    except BaseException:
        await zeroconf.async_close()
        raise
    return Advertisement(zeroconf, info)
