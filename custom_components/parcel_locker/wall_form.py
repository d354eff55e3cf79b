"""The wall forms: what they ask, what the schema refuses, what the domain checks.

Ranges the form shows (unit ids, addresses, counts, the pulse, the band) are in
the schema; what depends on several fields or on the domain (sizes and their
count, cooled compartments, overlapping points, a whole band) is checked here
and attached to the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    CONF_TEMPERATURE_HIGH,
    CONF_TEMPERATURE_LOW,
    DEFAULT_PULSE_SECONDS,
)
from .domain.sizes import MAX_COMPARTMENTS, SizeSpecError
from .domain.wiring import (
    EDITABLE_ROLES,
    MAX_ADDRESS,
    MAX_UNIT_ID,
    MIN_UNIT_ID,
    OPTIONAL_POINT_NAMES,
    CompartmentMap,
    MapError,
    Profile,
    WallMap,
    format_point,
    validate_no_overlap,
    wall_map_from_dict,
    wall_map_to_dict,
)
from .wall_config import generate_map

CONF_COMPARTMENT = "compartment"
WALL_FORM_PROFILES = (Profile.REFERENCE, Profile.RELAY_INPUT, Profile.CUSTOM)
MAX_PREFIX = 4
PULSE_RANGE = (0.05, 10.0)
BAND_RANGE = (-30.0, 30.0)


def number(
    low: float, high: float, *, step: float = 1, unit: str | None = None
) -> NumberSelector:
    """A number box that shows, and keeps to, ``low``..``high``."""
    config = NumberSelectorConfig(
        min=low, max=high, step=step, mode=NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def unit_id() -> NumberSelector:
    """A Modbus unit id."""
    return number(MIN_UNIT_ID, MAX_UNIT_ID)


def points_selector(options: Sequence[str]) -> SelectSelector:
    """The optional points, as a list of boxes to tick."""
    return SelectSelector(
        SelectSelectorConfig(
            options=list(options),
            multiple=True,
            mode=SelectSelectorMode.LIST,
            translation_key=CONF_OPTIONAL_POINTS,
        )
    )


def wall_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """The wall form, pre-filled with ``defaults``."""
    band: dict[vol.Marker, NumberSelector] = {
        vol.Optional(key, description={"suggested_value": defaults.get(key)}): number(
            *BAND_RANGE, step=0.5, unit="°C"
        )
        for key in (CONF_TEMPERATURE_LOW, CONF_TEMPERATURE_HIGH)
    }
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
            ): unit_id(),
            vol.Required(
                CONF_COMPARTMENTS, default=defaults.get(CONF_COMPARTMENTS, 24)
            ): number(1, MAX_COMPARTMENTS),
            vol.Optional(
                CONF_SIZES, default=defaults.get(CONF_SIZES, "")
            ): TextSelector(),
            vol.Optional(
                CONF_COOLED, default=defaults.get(CONF_COOLED, "")
            ): TextSelector(),
            vol.Optional(
                CONF_OPTIONAL_POINTS,
                default=defaults.get(CONF_OPTIONAL_POINTS, list(OPTIONAL_POINT_NAMES)),
            ): points_selector(OPTIONAL_POINT_NAMES),
            vol.Optional(
                CONF_HUB_PULSE, default=defaults.get(CONF_HUB_PULSE, False)
            ): BooleanSelector(),
            vol.Optional(
                CONF_PULSE_SECONDS,
                default=defaults.get(CONF_PULSE_SECONDS, DEFAULT_PULSE_SECONDS),
            ): number(*PULSE_RANGE, step=0.05, unit="s"),
            **band,
        }
    )


def wiring_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """The relay board + input board wiring form."""
    return vol.Schema(
        {
            vol.Required(
                CONF_RELAY_UNIT_ID,
                default=defaults.get(CONF_RELAY_UNIT_ID, defaults.get(CONF_DEVICE_ID)),
            ): unit_id(),
            vol.Required(
                CONF_RELAY_BASE, default=defaults.get(CONF_RELAY_BASE, 0)
            ): number(0, MAX_ADDRESS),
            vol.Required(
                CONF_INPUT_UNIT_ID, default=defaults.get(CONF_INPUT_UNIT_ID, 2)
            ): unit_id(),
            vol.Required(
                CONF_INPUT_BASE, default=defaults.get(CONF_INPUT_BASE, 0)
            ): number(0, MAX_ADDRESS),
            vol.Optional(
                CONF_INVERTED_DOORS, default=defaults.get(CONF_INVERTED_DOORS, False)
            ): BooleanSelector(),
            vol.Optional(
                CONF_PROBE_UNIT_ID, default=defaults.get(CONF_PROBE_UNIT_ID, 100)
            ): unit_id(),
        }
    )


def detected_schema(detected: Sequence[str]) -> vol.Schema:
    """The wiring test of a reference wall: the points that answered, ticked."""
    return vol.Schema(
        {
            vol.Optional(CONF_OPTIONAL_POINTS, default=list(detected)): points_selector(
                OPTIONAL_POINT_NAMES
            )
        }
    )


def compartment_schema(count: int) -> vol.Schema:
    """Which compartment of a custom map to change."""
    return vol.Schema({vol.Required(CONF_COMPARTMENT, default=1): number(1, count)})


def points_schema(compartment: CompartmentMap) -> vol.Schema:
    """One compartment's points, each in the compact ``unit:table:address`` form."""
    return vol.Schema(
        {
            vol.Optional(
                str(role),
                description={
                    "suggested_value": format_point(getattr(compartment, str(role)))
                },
            ): TextSelector()
            for role in EDITABLE_ROLES
        }
    )


def check_wall_form(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """What the schema cannot see; returns errors by field and placeholders.

    Also normalises ``data`` in place: whole numbers, the prefix in capitals,
    a default size list, the band left out when blank.
    """
    errors: dict[str, str] = {}
    placeholders: dict[str, str] = {}
    data[CONF_NAME] = str(data.get(CONF_NAME, "")).strip()
    if not data[CONF_NAME]:
        errors[CONF_NAME] = "name_required"
    prefix = str(data.get(CONF_PREFIX, "")).strip().upper()
    if not prefix or len(prefix) > MAX_PREFIX or not prefix.isalnum():
        errors[CONF_PREFIX] = "invalid_prefix"
    data[CONF_PREFIX] = prefix
    for key, error in (
        (CONF_DEVICE_ID, "unit_id_out_of_range"),
        (CONF_COMPARTMENTS, "compartments_out_of_range"),
    ):
        if (whole := _whole(data.get(key))) is None:
            errors[key] = error
        else:
            data[key] = whole
    placeholders["maximum"] = str(MAX_COMPARTMENTS)
    if CONF_COMPARTMENTS not in errors:
        sizes = str(data.get(CONF_SIZES) or "").strip()
        data[CONF_SIZES] = sizes or f"S*{data[CONF_COMPARTMENTS]}"
    errors.update(_check_band(data))
    return errors, placeholders


def _check_band(data: dict[str, Any]) -> dict[str, str]:
    """A wall's own band: both ends or neither, the low one below the high one."""
    low, high = data.get(CONF_TEMPERATURE_LOW), data.get(CONF_TEMPERATURE_HIGH)
    if low is None and high is None:
        data.pop(CONF_TEMPERATURE_LOW, None)
        data.pop(CONF_TEMPERATURE_HIGH, None)
        return {}
    if low is None:
        return {CONF_TEMPERATURE_LOW: "band_incomplete"}
    if high is None:
        return {CONF_TEMPERATURE_HIGH: "band_incomplete"}
    if low >= high:
        return {CONF_TEMPERATURE_HIGH: "band_inverted"}
    return {}


def check_wiring_form(data: dict[str, Any]) -> dict[str, str]:
    """Whole numbers for the boards' unit ids and addresses; normalises in place."""
    errors: dict[str, str] = {}
    for key, error in (
        (CONF_RELAY_UNIT_ID, "unit_id_out_of_range"),
        (CONF_INPUT_UNIT_ID, "unit_id_out_of_range"),
        (CONF_PROBE_UNIT_ID, "unit_id_out_of_range"),
        (CONF_RELAY_BASE, "address_out_of_range"),
        (CONF_INPUT_BASE, "address_out_of_range"),
    ):
        if key not in data:
            continue
        if (whole := _whole(data[key])) is None:
            errors[key] = error
        else:
            data[key] = whole
    return errors


def build_wall(
    data: Mapping[str, Any], other_walls: Iterable[WallMap]
) -> tuple[WallMap | None, dict[str, str], dict[str, str]]:
    """Generate the wall's map and check it against the other walls on the link.

    Returns the map (or None) with errors by field and placeholders.
    """
    try:
        wall = generate_map(data)
        if len(wall.compartments) != data[CONF_COMPARTMENTS]:
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
        return (
            None,
            {_field_of(err): err.reason},
            {"detail": str(err), **err.placeholders},
        )
    return wall, {}, {}


def _field_of(err: MapError) -> str:
    """The form field a map error is about."""
    if err.reason == "invalid_cooled":
        return CONF_COOLED
    if err.reason in ("invalid_point_spec", "required_point"):
        return err.placeholders.get("role", "base")
    return "base"


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
    """A whole number (the schema already kept it in range), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != int(value):
        return None
    return int(value)
