"""The sidebar panel: the committed bundle, served by the integration.

``frontend/`` (TypeScript, Lit) is built into one file that is committed, so
HACS installs the panel as is. It is served from the integration's folder with
long cache headers; the module URL carries the bundle's hash, so a browser
fetches a new bundle exactly when it changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.panel_custom import async_register_panel
from homeassistant.core import HomeAssistant

from .compat import StaticPathConfig

PANEL_URL_PATH = "parcel-locker"
PANEL_ELEMENT = "parcel-locker-panel"
PANEL_TITLE = "Parcel Locker"
PANEL_ICON = "mdi:package-variant-closed"
STATIC_URL = "/parcel_locker/panel"
BUNDLE = Path(__file__).parent / "frontend" / f"{PANEL_ELEMENT}.js"


def _bundle_hash() -> str:
    return hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:16]


async def async_register_panel_once(hass: HomeAssistant) -> None:
    """Serve the bundle and put the panel in the sidebar of every user."""
    version = await hass.async_add_executor_job(_bundle_hash)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STATIC_URL, str(BUNDLE.parent), cache_headers=True)]
    )
    await async_register_panel(
        hass,
        frontend_url_path=PANEL_URL_PATH,
        webcomponent_name=PANEL_ELEMENT,
        sidebar_title=PANEL_TITLE,
        sidebar_icon=PANEL_ICON,
        module_url=f"{STATIC_URL}/{PANEL_ELEMENT}.js?v={version}",
        require_admin=False,
    )
