"""Start Home Assistant, relaxing only its patch-level Python check.

Home Assistant asks for Python >= 3.13.2. Some machines carry 3.13.0 or
3.13.1, which run it fine for development; on those (and only those) this
launcher skips the version check and starts Home Assistant as ``hass`` would.
"""

import sys

from homeassistant import __main__ as hass_main

if sys.version_info[:2] >= (3, 13) and sys.version_info[:3] < (3, 13, 2):

    def _accept_older_patch_release() -> None:
        """Accept 3.13.0 and 3.13.1 (development only)."""

    hass_main.validate_python = _accept_older_patch_release

sys.exit(hass_main.main())
