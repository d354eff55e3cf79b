"""The wall form shared by the first setup and the ``wall`` subentry flow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from modbus_connection import ModbusConnection, ModbusError

from .compat import vol
from .const import (
    CONF_COMPARTMENTS,
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_HUB_PULSE,
    CONF_INPUT_BASE,
    CONF_INPUT_UNIT_ID,
    CONF_INVERTED_DOORS,
    CONF_MAP,
    CONF_OPTIONAL_POINTS,
    CONF_PREFIX,
    CONF_PROBE_UNIT_ID,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_RELAY_BASE,
    CONF_RELAY_UNIT_ID,
    CONF_SIZES,
    DEFAULT_PULSE_SECONDS,
    LOGGER,
)
from .domain.readings import WallReading
from .domain.sizes import MAX_COMPARTMENTS, SizeSpecError, compartment_label
from .domain.wiring import (
    MAX_ADDRESS,
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    MapError,
    Profile,
    WallMap,
    validate_no_overlap,
    wall_map_from_dict,
    wall_map_to_dict,
)
from .wall_config import OPTIONAL_POINT_NAMES, generate_map
from .wall_link import WallLink

PROFILES_WITH_WIRING_STEP = {Profile.RELAY_INPUT}
WALL_FORM_PROFILES = [Profile.REFERENCE, Profile.RELAY_INPUT, Profile.CUSTOM]


def _box(minimum: float | None = None, step: float = 1) -> NumberSelector:
    # Limits are checked in the step so the installer gets our own message.
    config = NumberSelectorConfig(mode=NumberSelectorMode.BOX, step=step)
    if minimum is not None:
        config["min"] = minimum
    return NumberSelector(config)


def wall_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """The wall form, pre-filled with ``defaults``."""
    return vol.Schema(
        {
            vol.Required(
                CONF_NAME, default=defaults.get(CONF_NAME, "")
            ): TextSelector(),
            vol.Required(
                CONF_PREFIX, default=defaults.get(CONF_PREFIX, "A")
            ): TextSelector(),
            vol.Required(
                CONF_PROFILE, default=defaults.get(CONF_PROFILE, Profile.REFERENCE)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=[str(profile) for profile in WALL_FORM_PROFILES],
                    translation_key=CONF_PROFILE,
                )
            ),
            vol.Required(
                CONF_DEVICE_ID, default=defaults.get(CONF_DEVICE_ID, 1)
            ): _box(),
            vol.Required(
                CONF_COMPARTMENTS, default=defaults.get(CONF_COMPARTMENTS, 24)
            ): _box(),
            vol.Optional(
                CONF_SIZES, default=defaults.get(CONF_SIZES, "")
            ): TextSelector(),
            vol.Optional(
                CONF_COOLED, default=defaults.get(CONF_COOLED, "")
            ): TextSelector(),
            vol.Optional(
                CONF_OPTIONAL_POINTS, default=defaults.get(CONF_OPTIONAL_POINTS, [])
            ): SelectSelector(
                SelectSelectorConfig(
                    options=list(OPTIONAL_POINT_NAMES),
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_OPTIONAL_POINTS,
                )
            ),
            vol.Optional(
                CONF_HUB_PULSE, default=defaults.get(CONF_HUB_PULSE, False)
            ): BooleanSelector(),
            vol.Optional(
                CONF_PULSE_SECONDS,
                default=defaults.get(CONF_PULSE_SECONDS, DEFAULT_PULSE_SECONDS),
            ): _box(0.05, 0.05),
        }
    )


def wiring_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """The relay board + input board wiring form."""
    return vol.Schema(
        {
            vol.Required(
                CONF_RELAY_UNIT_ID,
                default=defaults.get(CONF_RELAY_UNIT_ID, defaults.get(CONF_DEVICE_ID)),
            ): _box(),
            vol.Required(
                CONF_RELAY_BASE, default=defaults.get(CONF_RELAY_BASE, 0)
            ): _box(),
            vol.Required(
                CONF_INPUT_UNIT_ID, default=defaults.get(CONF_INPUT_UNIT_ID, 2)
            ): _box(),
            vol.Required(
                CONF_INPUT_BASE, default=defaults.get(CONF_INPUT_BASE, 0)
            ): _box(),
            vol.Optional(
                CONF_INVERTED_DOORS, default=defaults.get(CONF_INVERTED_DOORS, False)
            ): BooleanSelector(),
            vol.Optional(
                CONF_PROBE_UNIT_ID, default=defaults.get(CONF_PROBE_UNIT_ID, 100)
            ): _box(),
        }
    )


def check_wall_form(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Check the plain fields of the wall form; returns errors and placeholders.

    Also normalises ``data`` in place (whole numbers, a default size list).
    """
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    if not str(data.get(CONF_NAME, "")).strip():
        errors[CONF_NAME] = "name_required"
    prefix = str(data.get(CONF_PREFIX, "")).strip()
    if not prefix or len(prefix) > 4 or not prefix.isalnum():  # noqa: PLR2004
        errors[CONF_PREFIX] = "invalid_prefix"
    data[CONF_PREFIX] = prefix.upper()
    unit_id = _whole(data.get(CONF_DEVICE_ID))
    if unit_id is None or not MIN_UNIT_ID <= unit_id <= MAX_UNIT_ID:
        errors[CONF_DEVICE_ID] = "unit_id_out_of_range"
    else:
        data[CONF_DEVICE_ID] = unit_id
    count = _whole(data.get(CONF_COMPARTMENTS))
    if count is None or not 1 <= count <= MAX_COMPARTMENTS:
        errors[CONF_COMPARTMENTS] = "compartments_out_of_range"
        placeholders["maximum"] = str(MAX_COMPARTMENTS)
    else:
        data[CONF_COMPARTMENTS] = count
        sizes = str(data.get(CONF_SIZES) or "").strip()
        data[CONF_SIZES] = sizes or f"S*{count}"
    pulse = data.get(CONF_PULSE_SECONDS, DEFAULT_PULSE_SECONDS)
    if not isinstance(pulse, int | float) or not 0.05 <= pulse <= 10:  # noqa: PLR2004
        errors[CONF_PULSE_SECONDS] = "invalid_pulse"
    return errors, placeholders


def check_wiring_form(data: dict[str, Any]) -> dict[str, str]:
    """Check the relay board + input board numbers; normalises in place."""
    errors: dict[str, str] = {}
    for key in (CONF_RELAY_UNIT_ID, CONF_INPUT_UNIT_ID, CONF_PROBE_UNIT_ID):
        value = _whole(data.get(key))
        if value is None or not MIN_UNIT_ID <= value <= MAX_UNIT_ID:
            errors[key] = "unit_id_out_of_range"
        else:
            data[key] = value
    for key in (CONF_RELAY_BASE, CONF_INPUT_BASE):
        value = _whole(data.get(key))
        if value is None or not 0 <= value <= MAX_ADDRESS:
            errors[key] = "address_out_of_range"
        else:
            data[key] = value
    return errors


def build_wall(
    data: dict[str, Any], other_walls: Iterable[WallMap]
) -> tuple[WallMap | None, dict[str, str], dict[str, str]]:
    """Generate the wall's map and check it against the other walls on the link.

    Returns the map (or None) with errors and placeholders for the form.
    """
    try:
        wall = generate_map(data)
        if wall.compartments and len(wall.compartments) != data[CONF_COMPARTMENTS]:
            return (
                None,
                {CONF_SIZES: "sizes_count_mismatch"},
                {
                    "sizes": str(len(wall.compartments)),
                    "count": str(data[CONF_COMPARTMENTS]),
                },
            )
        validate_no_overlap([*other_walls, wall])
    except SizeSpecError as err:
        return None, {CONF_SIZES: err.reason}, {"detail": err.detail}
    except MapError as err:
        field = CONF_COOLED if err.reason == "invalid_cooled" else "base"
        if err.reason in ("invalid_point_spec", "required_point"):
            field = err.placeholders.get("role", "base")
        return None, {field: err.reason}, {"detail": str(err), **err.placeholders}
    return wall, {}, {}


async def read_wall_once(
    connection: ModbusConnection, wall: WallMap
) -> tuple[WallReading | None, str | None]:
    """Read every point once: the reading, or an error key when it fails."""
    try:
        return await WallLink(connection, wall).read(), None
    except ModbusError as err:
        LOGGER.debug("Wall test read failed: %s", err)
        return None, "wall_not_answering"
    except Exception:  # noqa: BLE001 - the flow must answer, whatever happened
        LOGGER.exception("Unexpected error while reading the wall")
        return None, "unknown"


def _labels(prefix: str, numbers: list[int]) -> str:
    return ", ".join(compartment_label(prefix, number) for number in numbers) or "-"


def wiring_summary(prefix: str, wall: WallMap, reading: WallReading) -> dict[str, str]:
    """What the test read found, as placeholders for the confirmation step.

    Only numbers and labels are made here; the sentences are translated.
    """
    compartments = reading.compartments
    open_doors = [n for n, item in compartments.items() if not item.door_closed]
    released = [n for n, item in compartments.items() if item.released]
    present = [n for n, item in compartments.items() if item.present]
    probes = [item.number for item in wall.compartments if item.temperature]
    answering = [
        f"{compartment_label(prefix, n)} {compartments[n].temperature:.1f} °C"
        for n in probes
        if compartments[n].temperature is not None
    ]
    silent = [n for n in probes if compartments[n].temperature is None]
    return {
        "compartments": str(len(compartments)),
        "doors_closed": str(len(compartments) - len(open_doors)),
        "doors_open": _labels(prefix, open_doors),
        "released": _labels(prefix, released),
        "parcels": _labels(prefix, present),
        "probes": ", ".join(answering) or "-",
        "probes_silent": _labels(prefix, silent),
        "keypad": str(reading.keypad.sequence) if reading.keypad else "-",
    }


def subentry_data(data: Mapping[str, Any], wall: WallMap) -> dict[str, Any]:
    """What a wall subentry stores: the form and the generated point map."""
    return {**data, CONF_MAP: wall_map_to_dict(wall)}


def stored_walls(entry: ConfigEntry, skip: str | None = None) -> list[WallMap]:
    """The maps of the walls already on an entry, except subentry ``skip``."""
    return [
        wall_map_from_dict(subentry.data[CONF_MAP])
        for subentry_id, subentry in entry.subentries.items()
        if subentry_id != skip and CONF_MAP in subentry.data
    ]


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != int(value):
        return None
    return int(value)
