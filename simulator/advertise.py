"""Announce the simulator over mDNS so the integration's discovery can find it.

This is how an installer tries the zeroconf step of the config flow without
hardware. The announcement is restricted to the loopback interface: the
simulator is a local toy and should not show up on the building's network.
"""

from __future__ import annotations

from collections.abc import Iterable
import socket

from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

SERVICE_TYPE = "_parcel-locker._tcp.local."
LOOPBACK = "127.0.0.1"


def service_info(port: int, unit_ids: Iterable[int]) -> ServiceInfo:
    """Describe the simulator the way a real controller would advertise itself.

    The id is derived from the port so a restarted simulator is recognised as
    the same controller (the integration updates the address of a known one).
    """
    units = ",".join(str(unit) for unit in sorted(unit_ids))
    return ServiceInfo(
        SERVICE_TYPE,
        f"Parcel Locker Simulator {port}.{SERVICE_TYPE}",
        port=port,
        addresses=[socket.inet_aton(LOOPBACK)],
        server=f"parcel-locker-simulator-{port}.local.",
        properties={"id": f"sim-{port}", "model": "simulator", "units": units},
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


async def advertise(port: int, unit_ids: Iterable[int]) -> Advertisement:
    """Register ``_parcel-locker._tcp`` for the Modbus server on ``port``."""
    info = service_info(port, unit_ids)
    zeroconf = AsyncZeroconf(interfaces=[LOOPBACK])
    try:
        await zeroconf.async_register_service(info)
    except BaseException:
        await zeroconf.async_close()
        raise
    return Advertisement(zeroconf, info)
