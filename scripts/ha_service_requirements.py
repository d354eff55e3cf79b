"""Install what Home Assistant's service descriptions import, into this Python.

Describing an action whose target names supported features (the ``lock``
platform's, for one) imports every base entity component (ai_task, camera,
conversation, tts, ...), whose libraries a full Home Assistant installs but the
test environments do not. The frontend asks for those descriptions, so the
browser tests and ``scripts/develop`` need them: each missing import is traced
to its component and that component's requirements are installed (with
``pip install`` arguments given on the command line, e.g. constraints).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess
import sys

import homeassistant

COMPONENTS = Path(homeassistant.__file__).parent / "components"
PROBE = (
    "from homeassistant.helpers import service\n"
    "getattr(service, '_base_components', lambda: None)()\n"
)


def main(pip_args: list[str]) -> int:
    """Install until the probe imports; a failure that is no missing library fails."""
    installed: set[str] = set()
    for _ in range(30):
        probe = subprocess.run(  # noqa: S603
            [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return 0
        components = re.findall(r"homeassistant/components/(\w+)/", probe.stderr)
        if "ModuleNotFoundError" not in probe.stderr or not components:
            print(probe.stderr, file=sys.stderr)
            return 1
        manifest = json.loads(
            (COMPONENTS / components[-1] / "manifest.json").read_text()
        )
        wanted = [
            req for req in manifest.get("requirements", []) if req not in installed
        ]
        if not wanted:
            print(probe.stderr, file=sys.stderr)
            return 1
        print(f"Installing {' '.join(wanted)} (for {components[-1]})")
        subprocess.check_call(  # noqa: S603
            [sys.executable, "-m", "pip", "install", "--quiet", *wanted, *pip_args]
        )
        installed.update(wanted)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
