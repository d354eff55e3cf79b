"""A wall's settings as stored in its config subentry, and the map they make.

Pure Python: the config flow builds the stored data with these helpers and the
coordinator reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .const import (
    CONF_COOLED,
    CONF_DEVICE_ID,
    CONF_HUB_PULSE,
    CONF_INPUT_BASE,
    CONF_INPUT_UNIT_ID,
    CONF_INVERTED_DOORS,
    CONF_MAP,
    CONF_OPTIONAL_POINTS,
    CONF_POINT_OVERRIDES,
    CONF_PREFIX,
    CONF_PROBE_UNIT_ID,
    CONF_PROBES,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_RELAY_BASE,
    CONF_RELAY_UNIT_ID,
    CONF_SIZES,
    CONF_TEMPERATURE_HIGH,
    CONF_TEMPERATURE_LOW,
    DEFAULT_PULSE_SECONDS,
)
from .domain.sizes import Size, compartment_label, parse_sizes
from .domain.wiring import (
    MapError,
    OptionalPoints,
    Profile,
    ReferenceWiring,
    RelayInputWiring,
    WallMap,
    apply_overrides,
    reference_layout,
    relay_input_layout,
    validate_wall,
    wall_map_from_dict,
)

CONF_NAME = "name"


@dataclass(frozen=True, slots=True)
class WallConfig:
    """One wall, ready for the coordinator."""

    wall_id: str
    name: str
    prefix: str
    map: WallMap
    pulse_seconds: float | None
    """Set when the hub times the lock pulse itself."""
    band: tuple[float, float] | None = None
    """The wall's own temperature band for its cooled compartments (None: the
    options' band)."""

    def label(self, number: int) -> str:
        """The compartment label residents see, e.g. ``A-07``."""
        return compartment_label(self.prefix, number)

    def size(self, number: int) -> Size:
        """The size of compartment ``number``."""
        return self.map.compartment(number).size


def parse_cooled(text: str, count: int) -> tuple[int, ...]:
    """Read ``21,22`` or ``21-22`` into compartment numbers within 1..count.

    Raises ``MapError("invalid_cooled")`` for anything else.
    """
    numbers: set[int] = set()
    for raw_part in text.split(","):
        part = raw_part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError as err:
            raise MapError("invalid_cooled", value=part) from err
        if not 1 <= first <= last <= count:
            raise MapError("invalid_cooled", value=part)
        numbers.update(range(first, last + 1))
    return tuple(sorted(numbers))


def optional_points(data: Mapping[str, Any]) -> OptionalPoints:
    """The optional points switched on in stored or submitted data.

    ``probes`` (stored when the wall was detected) names the compartments whose
    temperature probe answered; without it every compartment has one.
    """
    probes = data.get(CONF_PROBES)
    return OptionalPoints.named(
        set(data.get(CONF_OPTIONAL_POINTS) or ()),
        None if probes is None else (int(number) for number in probes),
    )


def generate_map(data: Mapping[str, Any]) -> WallMap:
    """Generate and validate the map a profile's settings describe.

    Raises ``MapError`` (or ``SizeSpecError``) with a translatable reason.
    """
    sizes: tuple[Size, ...] = parse_sizes(data[CONF_SIZES])
    cooled = parse_cooled(str(data.get(CONF_COOLED, "")), len(sizes))
    profile = Profile(data.get(CONF_PROFILE, Profile.REFERENCE))
    points = optional_points(data)
    if profile is Profile.RELAY_INPUT:
        wall = relay_input_layout(
            RelayInputWiring(
                relay_unit_id=int(data[CONF_RELAY_UNIT_ID]),
                relay_base=int(data.get(CONF_RELAY_BASE, 0)),
                input_unit_id=int(data[CONF_INPUT_UNIT_ID]),
                input_base=int(data.get(CONF_INPUT_BASE, 0)),
                inverted_doors=bool(data.get(CONF_INVERTED_DOORS, False)),
                probe_unit_id=int(data.get(CONF_PROBE_UNIT_ID, 100)),
            ),
            sizes,
            cooled,
            points,
        )
    else:
        wall = reference_layout(
            ReferenceWiring(unit_id=int(data[CONF_DEVICE_ID])), sizes, cooled, points
        )
    if profile is Profile.CUSTOM:
        # A custom wall starts from the reference layout; the installer's
        # per-point changes are kept as data and applied on top.
        wall = apply_overrides(wall, data.get(CONF_POINT_OVERRIDES) or {})
    validate_wall(wall)
    return wall


def wall_band(data: Mapping[str, Any]) -> tuple[float, float] | None:
    """The wall's own temperature band, when its data sets both ends.

    Raises ``MapError("band_inverted")`` when the lowest is not below the highest.
    """
    low, high = data.get(CONF_TEMPERATURE_LOW), data.get(CONF_TEMPERATURE_HIGH)
    if low is None or high is None:
        return None
    if not float(low) < float(high):
        raise MapError("band_inverted")
    return (float(low), float(high))


def wall_config(wall_id: str, data: Mapping[str, Any]) -> WallConfig:
    """Read a wall subentry's data; raises ``MapError`` if it is unusable."""
    wall = wall_map_from_dict(data[CONF_MAP])
    validate_wall(wall)
    return WallConfig(
        wall_id=wall_id,
        name=str(data[CONF_NAME]),
        prefix=str(data.get(CONF_PREFIX) or "A"),
        map=wall,
        pulse_seconds=float(data.get(CONF_PULSE_SECONDS, DEFAULT_PULSE_SECONDS))
        if data.get(CONF_HUB_PULSE)
        else None,
        band=wall_band(data),
    )
