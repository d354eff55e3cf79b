"""The pickup code as a picture, for the resident's phone only.

``GET /api/parcel_locker/qr/<parcel_id>`` answers a PNG with the code's QR and its
digits, printed large, to the parcel's recipient (the user linked to the
``person``, or to a person of the same household) and to admins; everyone else
gets 404, whether the parcel exists or not. A parcel going back to its sender
has a carrier's code: admins only.

The companion app fetches a relative ``image`` of a notification with its
user's own token, so a notification carries ``image:
/api/parcel_locker/qr/<parcel_id>`` and each phone gets its own parcel's code,
never another resident's.

This is how the code reaches the phone without passing through anything that is
stored: events, automation variables and traces, and the notify call's data (the
recorder keeps every action call) only ever hold the parcel id.

Why not an ``image`` entity: every Home Assistant user may read every entity's
state, including the access token of an image entity, so any resident could
show any other resident's code. This view checks who asks.

The code lives in memory only (see ``ParcelLockerCoordinator.pickup_code``):
nothing here is written to the recorder, a file or a state attribute, and the
answer says ``Cache-Control: no-store``.
"""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO

from aiohttp import web
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from PIL import Image, ImageDraw, ImageFont
import pyqrcode  # type: ignore[import-untyped]

from .const import DOMAIN
from .coordinator import ParcelLockerCoordinator
from .domain.ledger import LedgerError, Parcel, ParcelState
from .permissions import async_caller
from .targets import loaded_lockers

QR_URL = f"/api/{DOMAIN}/qr/{{parcel_id}}"
MODULE_PIXELS = 10
QUIET_ZONE = 4  # modules of white around the code, as the standard asks
BLACK = 0
WHITE = 255
DIGITS_PIXELS = 56
LABEL_PIXELS = 28


def qr_path(parcel_id: str) -> str:
    """The path of a parcel's QR image."""
    return QR_URL.format(parcel_id=parcel_id)


def group_digits(code: str) -> str:
    """``12345678`` -> ``1234 5678``: easier to read off and type."""
    return " ".join(code[index : index + 4] for index in range(0, len(code), 4))


def render_card(payload: str, code: str, caption: str) -> bytes:
    """The QR code with the digits and the compartment printed under it."""
    qr = Image.open(BytesIO(render_png(payload))).convert("L")
    digits = ImageFont.load_default(size=DIGITS_PIXELS)
    label = ImageFont.load_default(size=LABEL_PIXELS)
    side = qr.width
    card = Image.new("L", (side, side + DIGITS_PIXELS + LABEL_PIXELS + 40), WHITE)
    card.paste(qr, (0, 0))
    draw = ImageDraw.Draw(card)
    draw.text(
        (side / 2, side), group_digits(code), font=digits, fill=BLACK, anchor="mt"
    )
    draw.text(
        (side / 2, side + DIGITS_PIXELS + 16),
        caption,
        font=label,
        fill=BLACK,
        anchor="mt",
    )
    buffer = BytesIO()
    card.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


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
        """The PNG; 404 for a parcel the caller may not see, or that has none."""
        hass: HomeAssistant = request.app[KEY_HASS]
        found = _find(hass, parcel_id)
        user = request[KEY_HASS_USER]
        caller = await async_caller(hass, Context(user_id=user.id))
        # One answer for "not yours" and "no such parcel": nobody learns which
        # parcel ids exist.
        if found is None or not caller.may_act_for(found[1].recipient):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        locker, parcel = found
        if parcel.state is ParcelState.RETURN_TO_SENDER and not caller.is_admin:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        issued = locker.pickup_code(parcel_id)
        if issued is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        caption = f"{parcel.compartment} · {locker.ledger.wall_name(issued.wall)}"
        png = await hass.async_add_executor_job(
            render_card, issued.qr, issued.code, caption
        )
        return web.Response(
            body=png,
            content_type="image/png",
            headers={"Cache-Control": "no-store"},
        )


def _find(
    hass: HomeAssistant, parcel_id: str
) -> tuple[ParcelLockerCoordinator, Parcel] | None:
    """The locker holding a parcel, and the parcel."""
    if not hass.config_entries.async_loaded_entries(DOMAIN):
        return None
    for locker in loaded_lockers(hass):
        try:
            parcel = locker.ledger.parcel(parcel_id)
        except LedgerError:
            continue
        return locker, parcel
    return None
