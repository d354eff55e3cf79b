"""Where Home Assistant's API differs between the versions this integration supports.

The integration runs on Home Assistant 2026.2 (Python 3.13) up to the newest
release (Python 3.14). Newer releases changed a few things it uses; each
difference is handled here, once, so the rest of the integration reads as if
there were one Home Assistant. When the oldest supported release has caught up,
the old branch of a difference goes and its call sites stay as they are.

At run time each difference is detected from Home Assistant itself, never from
a version number. The type checker checks against one Home Assistant at a time:
``scripts/mypy`` runs it with ``--always-true``/``--always-false`` for each flag
below, as detected in that environment, so each branch is checked against the
Home Assistant it was written for.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import repairs
from homeassistant.components.lock import const as lock_const
from homeassistant.components.notify import const as notify_const
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
)

DEVICE_PER_ENTRY: Final = hasattr(dr.DeviceRegistry, "async_get_device_by_identifier")
"""A device belongs to one config entry (newer): looked up by identifier within
its entry, linked to its parent by the parent's device id, and removed rather
than detached from an entry. Before: devices were shared by entries, linked by
identifier (``via_device``)."""

PROBATIO_SCHEMAS: Final = hasattr(cv, "probatio")
"""Home Assistant validates with probatio (newer); before, with voluptuous. The
newer one aliases ``voluptuous`` to probatio at import, so either name works at
run time; the integration names the library Home Assistant uses, so its schemas
also type-check against Home Assistant's signatures."""

PLATFORM_CONST_MODULES: Final = hasattr(lock_const, "LockEntityFeature")
"""Platform enums live in the platforms' ``const`` modules (newer). The platform
packages still re-export them, so at run time they are imported from there on
every version; only the type checker needs the new place."""

HTTP_SERVER_MODULE: Final = (
    find_spec("homeassistant.components.http.server") is not None
)
"""The http integration's server parts live in ``http.server`` (newer); the
package still re-exports ``StaticPathConfig``, so at run time it is imported
from there on every version; only the type checker needs the new place."""

NOTIFY_CONST_COMPONENT: Final = hasattr(notify_const, "DATA_COMPONENT")
"""The notify entities' component key lives in ``notify.const`` (newer); the
package still has it at run time on every version; only the type checker
needs the new place."""

REPAIRS_FLOW_RESULT: Final = hasattr(repairs, "RepairsFlowResult")
"""Repair flows' steps return ``RepairsFlowResult`` (newer); before, the
generic ``FlowResult``."""

# The flags scripts/mypy passes to the type checker.
FLAGS: Final = {
    "DEVICE_PER_ENTRY": DEVICE_PER_ENTRY,
    "PROBATIO_SCHEMAS": PROBATIO_SCHEMAS,
    "PLATFORM_CONST_MODULES": PLATFORM_CONST_MODULES,
    "HTTP_SERVER_MODULE": HTTP_SERVER_MODULE,
    "NOTIFY_CONST_COMPONENT": NOTIFY_CONST_COMPONENT,
    "REPAIRS_FLOW_RESULT": REPAIRS_FLOW_RESULT,
}

if PROBATIO_SCHEMAS:
    import probatio as vol

    type ServiceSchema = vol.Schema | vol.All[Any]
    """What an action's schema may be."""
else:
    import voluptuous as vol

    type ServiceSchema = vol.Schema | vol.All

if TYPE_CHECKING and PLATFORM_CONST_MODULES:
    from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
    from homeassistant.components.lock.const import LockEntityFeature
else:
    from homeassistant.components.binary_sensor import BinarySensorDeviceClass
    from homeassistant.components.lock import LockEntityFeature

if TYPE_CHECKING and HTTP_SERVER_MODULE:
    from homeassistant.components.http.server import StaticPathConfig
else:
    from homeassistant.components.http import StaticPathConfig

if TYPE_CHECKING and NOTIFY_CONST_COMPONENT:
    from homeassistant.components.notify.const import DATA_COMPONENT as NOTIFY_ENTITIES
else:
    from homeassistant.components.notify import DATA_COMPONENT as NOTIFY_ENTITIES

if REPAIRS_FLOW_RESULT:
    from homeassistant.components.repairs import RepairsFlowResult
else:
    from homeassistant.data_entry_flow import FlowResult as RepairsFlowResult

if TYPE_CHECKING:
    from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo

__all__ = [
    "FLAGS",
    "NOTIFY_ENTITIES",
    "BinarySensorDeviceClass",
    "LockEntityFeature",
    "RepairsFlowResult",
    "ServiceSchema",
    "StaticPathConfig",
    "detach_device",
    "linked_to",
    "vol",
]


def linked_to(
    hass: HomeAssistant, entry: ConfigEntry, parent: tuple[str, str]
) -> DeviceInfo:
    """The part of a child's device info that links it to its parent device.

    The parent (a wall) is registered before its children (compartments).
    """
    link: DeviceInfo = {}
    if DEVICE_PER_ENTRY:
        registry = dr.async_get(hass)
        if device := registry.async_get_device_by_identifier(parent, entry.entry_id):
            link = {"via_device_id": device.id}
    else:
        link = {"via_device": parent}
    return link


def detach_device(hass: HomeAssistant, entry: ConfigEntry, device: DeviceEntry) -> None:
    """Take a device away from the entry (removed when no other entry has it)."""
    registry = dr.async_get(hass)
    if DEVICE_PER_ENTRY:
        registry.async_remove_device(device.id)
    else:
        registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
