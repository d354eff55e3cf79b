"""The pickup code as a QR image, for the resident's phone only.

``GET /api/parcel_locker/qr/<parcel_id>`` answers a PNG of the parcel's QR
payload to the parcel's recipient (the user linked to the ``person``) and to
admins, and nobody else. The companion app fetches a relative ``image`` of a
notification with its user's own token, so a notification can carry
``image: /api/parcel_locker/qr/<parcel_id>`` and each phone gets its own
parcel's code, never another resident's.

Why not an ``image`` entity: every Home Assistant user may read every entity's
state, including the access token of an image entity, so any resident could
show any other resident's code. This view checks who asks.

The payload lives in memory only (see ``Locker.pickup_qr``): nothing here is
written to the recorder, the Store or a state attribute, and the answer says
``Cache-Control: no-store``.
"""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from PIL import Image
import pyqrcode  # type: ignore[import-untyped]

from .const import DOMAIN
from .ledger import LedgerError
from .locker import Locker
from .permissions import async_caller
from .targets import loaded_lockers

QR_URL = f"/api/{DOMAIN}/qr/{{parcel_id}}"
MODULE_PIXELS = 10
QUIET_ZONE = 4  # modules of white around the code, as the standard asks
BLACK = 0
WHITE = 255


def qr_path(parcel_id: str) -> str:
    """The path of a parcel's QR image."""
    return QR_URL.format(parcel_id=parcel_id)


def render_png(payload: str) -> bytes:
    """A black-on-white PNG of the payload (error correction M)."""
    matrix: list[list[int]] = pyqrcode.create(payload, error="M").code
    modules = len(matrix) + 2 * QUIET_ZONE
    blank = bytes([WHITE]) * modules
    margin = bytes([WHITE]) * QUIET_ZONE
    rows = [
        margin + bytes(BLACK if dark else WHITE for dark in line) + margin
        for line in matrix
    ]
    quiet = [blank] * QUIET_ZONE
    image = Image.frombytes("L", (modules, modules), b"".join([*quiet, *rows, *quiet]))
    side = modules * MODULE_PIXELS
    buffer = BytesIO()
    image.resize((side, side), Image.Resampling.NEAREST).convert("1").save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


class PickupQrView(HomeAssistantView):
    """Serve a waiting parcel's QR code to its recipient or to staff."""

    url = QR_URL
    name = f"api:{DOMAIN}:qr"
    requires_auth = True

    async def get(self, request: web.Request, parcel_id: str) -> web.Response:
        """The PNG, 403 for someone else's parcel, 404 when there is none."""
        hass: HomeAssistant = request.app[KEY_HASS]
        found = _find(hass, parcel_id)
        if found is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        locker, recipient = found
        user = request[KEY_HASS_USER]
        caller = await async_caller(hass, Context(user_id=user.id))
        if not caller.may_act_for(recipient):
            return web.Response(status=HTTPStatus.FORBIDDEN)
        # Asked only after the permission check: a resident learns nothing
        # about other people's parcels, not even whether a code is in memory.
        payload = locker.pickup_qr(parcel_id)
        if payload is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        png = await hass.async_add_executor_job(render_png, payload)
        return web.Response(
            body=png,
            content_type="image/png",
            headers={"Cache-Control": "no-store"},
        )


def _find(hass: HomeAssistant, parcel_id: str) -> tuple[Locker, str] | None:
    """The locker holding a parcel and the parcel's recipient."""
    if not hass.config_entries.async_loaded_entries(DOMAIN):
        return None
    for locker in loaded_lockers(hass):
        try:
            parcel = locker.ledger.parcel(parcel_id)
        except LedgerError:
            continue
        return locker, parcel.recipient
    return None
