"""The idle CPU benchmark sets up what its figures claim: every point of every wall.

``bench.idle_cpu`` writes a config entry by hand for a real Home Assistant; this
checks that entry without starting one, so the benchmark cannot drift from the
integration unnoticed (its figures are only worth something with every
optional point of layout 1.1 configured).
"""

from __future__ import annotations

from bench.idle_cpu import COOLED, config_entries_file
from custom_components.parcel_locker.const import (
    CONF_MAP,
    CONF_OPTIONAL_POINTS,
    CONF_POLL_INTERVAL,
    DOMAIN,
)
from custom_components.parcel_locker.domain.wiring import (
    OPTIONAL_POINT_NAMES,
    wall_map_from_dict,
)


def test_four_walls_of_250_with_every_point_polled_every_second() -> None:
    stored = config_entries_file(5020, 4)
    (entry,) = stored["data"]["entries"]
    assert entry["domain"] == DOMAIN
    assert entry["options"] == {CONF_POLL_INTERVAL: 1}
    walls = entry["subentries"]
    assert [wall["title"] for wall in walls] == ["Wall A", "Wall B", "Wall C", "Wall D"]
    cooled = {int(number) for number in COOLED.split(",")}
    for unit, wall in enumerate(walls, start=1):
        assert wall["data"][CONF_OPTIONAL_POINTS] == list(OPTIONAL_POINT_NAMES)
        wall_map = wall_map_from_dict(wall["data"][CONF_MAP])
        assert wall_map.unit_ids() == [unit]
        assert len(wall_map.compartments) == 250
        for compartment in wall_map.compartments:
            assert compartment.latch is not None
            assert compartment.presence is not None
            assert compartment.temperature is not None
            assert compartment.counter is not None
            assert (compartment.setpoint is not None) == (compartment.number in cooled)
        assert wall_map.keypad is not None
        assert wall_map.keypad.ring is not None
        assert wall_map.keypad.feedback_sequence is not None
