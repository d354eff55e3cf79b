"""Every key the code uses has its text; actions, icons and strings agree."""

from __future__ import annotations

import json
from pathlib import Path
import re
import string

import yaml

from custom_components.parcel_locker.domain.ledger import ErrorKey

from .test_fuzz import SCHEMAS

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "parcel_locker"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
SOURCE = "\n".join(
    path.read_text(encoding="utf-8") for path in INTEGRATION.glob("*.py")
)


def test_english_translation_is_the_strings_file() -> None:
    """A custom integration ships the literal text: en.json is strings.json."""
    english = json.loads(
        (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
    )
    assert english == STRINGS
    assert "[%key:" not in json.dumps(english)


def test_every_ledger_error_has_a_message() -> None:
    """Each refusal the ledger can raise reads as a sentence.

    A ``LedgerError`` takes its key from ``ErrorKey`` (mypy holds the domain to
    it), so these are all the keys it can carry. The ledger tests check that the
    placeholders a refusal carries fill its message.
    """
    missing = {str(key) for key in ErrorKey} - set(STRINGS["exceptions"])
    assert not missing


def test_every_raised_translation_key_exists() -> None:
    """translation_key="..." in the code always points at a message."""
    used = set(re.findall(r'translation_key="([a-z_]+)"', SOURCE))
    used |= set(re.findall(r'_error\(\s*"([a-z_]+)"', SOURCE))
    known = (
        set(STRINGS["exceptions"])
        | set(STRINGS["issues"])
        | {key for platform in STRINGS["entity"].values() for key in platform}
        | set(STRINGS["device"])
        | set(STRINGS["selector"])
    )
    assert used
    assert not used - known


def test_every_flow_error_has_a_message() -> None:
    """Form errors (errors[...] = "...") exist for the entry and the wall flows."""
    errors = set(re.findall(r'errors\[[^\]]+\] = "([a-z_]+)"', SOURCE))
    errors |= set(re.findall(r'return "([a-z_]+)"', SOURCE)) & {
        "cannot_connect",
        "unknown",
    }
    assert errors
    assert (
        not errors - set(STRINGS["config"]["error"]) - set(STRINGS["options"]["error"])
    )
    wall_errors = set(STRINGS["config_subentries"]["wall"]["error"])
    assert set(STRINGS["config"]["error"]) - wall_errors <= {
        "cannot_connect",
        "invalid_host",
        "invalid_port",
        "invalid_serial_port",
    }


def test_actions_are_described_and_have_icons() -> None:
    """services.yaml, strings.json and icons.json name the same actions and fields."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    icons = json.loads((INTEGRATION / "icons.json").read_text())["services"]
    assert set(services) == set(SCHEMAS) == set(STRINGS["services"]) == set(icons)
    for name, service in services.items():
        fields = set((service or {}).get("fields", {}))
        assert fields == set(STRINGS["services"][name].get("fields", {})), name
        schema_keys = (
            {str(key) for key in SCHEMAS[name].schema}
            if hasattr(SCHEMAS[name], "schema")
            and isinstance(SCHEMAS[name].schema, dict)
            else fields
        )
        assert fields == schema_keys, name


def test_every_error_the_wall_flows_give_has_a_message() -> None:
    """Errors the flows attach as ``{field: "key"}`` or name as constants exist."""
    flow_source = "\n".join(
        (INTEGRATION / name).read_text(encoding="utf-8")
        for name in (
            "config_flow.py",
            "wall_form.py",
            "wall_steps.py",
            "controller_check.py",
        )
    )
    keys = set(re.findall(r'\{[^{}:]+: "([a-z_]+)"\}', flow_source))
    keys |= set(re.findall(r'\(CONF_[A-Z_]+, "([a-z_]+)"\)', flow_source))
    keys |= set(re.findall(r'^[A-Z_]+ = "([a-z_]+)"$', flow_source, re.MULTILINE))
    keys -= {"required", "compartment"}  # a point group and a field name
    assert {"points_not_answering", "band_incomplete", "cannot_connect"} <= keys
    link_only = {"invalid_host", "invalid_port", "invalid_serial_port"}
    assert not keys - set(STRINGS["config"]["error"])
    assert not keys - link_only - set(STRINGS["config_subentries"]["wall"]["error"])


def _strings(tree: object, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(tree, dict):
        return [
            found
            for key, value in tree.items()
            for found in _strings(value, f"{prefix}.{key}" if prefix else key)
        ]
    return [(prefix, str(tree))]


def test_home_assistant_can_parse_every_string() -> None:
    """No string uses syntax Home Assistant's translation loader cannot read.

    When it (re)builds its cache it compares each string's placeholders with
    ``string.Formatter`` and logs an error for each string it cannot parse
    (ICU plurals did: "Error while parsing localized (en) string ..."). The
    panel picks plural forms itself, from keys ending in ``_zero``, ``_one``,
    ``_other``.
    """
    unreadable = []
    for key, text in _strings(STRINGS):
        try:
            list(string.Formatter().parse(text))
        except ValueError:
            unreadable.append(key)
    assert not unreadable
    assert "parcel_count_one" in STRINGS["selector"]["panel"]["options"]
