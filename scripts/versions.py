"""Print the versions a test run or Home Assistant uses, on one line."""

from importlib import metadata
import platform

PACKAGES = (
    ("Home Assistant", "homeassistant"),
    ("pymodbus", "pymodbus"),
    ("modbus-connection", "modbus-connection"),
    ("tmodbus", "tmodbus"),
    ("pytest-homeassistant-custom-component", "pytest-homeassistant-custom-component"),
)


def main() -> None:
    """Print ``Python x, Home Assistant y, ...``; missing packages are left out."""
    parts = [f"Python {platform.python_version()}"]
    for label, name in PACKAGES:
        try:
            parts.append(f"{label} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    print(", ".join(parts))


if __name__ == "__main__":
    main()
