"""The manifest's requirements hold in the test environment, beside core's modbus.

The suite runs on the oldest and the newest Home Assistant with the library
versions each pins (scripts/setup installs the newest with Home Assistant's
package constraints and its core modbus integration's pins): when both
manifests' requirements are met in one environment, they install side by side.
"""

from __future__ import annotations

from importlib import metadata
import json
from pathlib import Path

import homeassistant
from packaging.requirements import Requirement
import pytest

REPO = Path(__file__).parent.parent
MANIFESTS = {
    "parcel_locker": REPO / "custom_components" / "parcel_locker" / "manifest.json",
    "modbus": Path(homeassistant.__file__).parent / "components/modbus/manifest.json",
}


def unmet(requirement: Requirement, extra: str | None = None) -> list[str]:
    """What of ``requirement`` (and the extras it asks for) is not installed."""
    if requirement.marker and not requirement.marker.evaluate({"extra": extra or ""}):
        return []
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return [f"{requirement}: not installed"]
    problems = []
    if not requirement.specifier.contains(version, prereleases=True):
        problems.append(f"{requirement}: {version} installed")
    for wanted in requirement.extras:
        for dependency in metadata.requires(requirement.name) or []:
            dependency_requirement = Requirement(dependency)
            if dependency_requirement.marker and "extra" in str(
                dependency_requirement.marker
            ):
                problems += unmet(dependency_requirement, wanted)
    return problems


@pytest.mark.parametrize("integration", sorted(MANIFESTS))
def test_manifest_requirements_are_met(integration: str) -> None:
    manifest = json.loads(MANIFESTS[integration].read_text(encoding="utf-8"))
    problems = [
        problem
        for line in manifest.get("requirements", [])
        for problem in unmet(Requirement(line))
    ]
    assert not problems, problems
