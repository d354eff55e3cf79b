"""The domain is pure Python: no module under ``domain/`` reaches Home Assistant.

The imports are read from the source (``ast``), so a lazy import inside a function
or under ``TYPE_CHECKING`` counts as well. A relative import that climbs out of
the domain package (``from ...const import``) would bring Home Assistant in
through the integration's own modules, so it is refused too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "parcel_locker"
DOMAIN = INTEGRATION / "domain"
DOMAIN_PACKAGE = ("custom_components", "parcel_locker", "domain")
MODULES = sorted(DOMAIN.rglob("*.py"))


def module_name(path: Path) -> str:
    """The dotted name of a source file of the integration."""
    return ".".join(path.relative_to(INTEGRATION.parents[1]).with_suffix("").parts)


def imported_modules(source: str, module: str) -> list[str]:
    """Every module ``source`` imports, relative imports resolved from ``module``."""
    package = module.split(".")[:-1]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append(node.module or "")
                continue
            base = package[: len(package) - node.level + 1]
            found.append(".".join([*base, *([node.module] if node.module else [])]))
    return found


def test_the_domain_has_modules() -> None:
    assert len(MODULES) > 10
    assert DOMAIN / "ledger" / "ledger.py" in MODULES


@pytest.mark.parametrize(
    "path", MODULES, ids=[str(path.relative_to(DOMAIN)) for path in MODULES]
)
def test_domain_module_imports_no_home_assistant(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for module in imported_modules(source, module_name(path)):
        assert module.split(".")[0] != "homeassistant", module
        if module.startswith("custom_components"):
            assert tuple(module.split("."))[:3] == DOMAIN_PACKAGE, module


def test_the_check_sees_every_form_of_import() -> None:
    source = (
        "import homeassistant.core\n"
        "from homeassistant.util import dt\n"
        "def later():\n"
        "    from ...const import DOMAIN\n"
        "from .model import Parcel\n"
        "from . import errors\n"
    )
    found = imported_modules(source, "custom_components.parcel_locker.domain.ledger.x")
    assert found == [
        "homeassistant.core",
        "homeassistant.util",
        "custom_components.parcel_locker.domain.ledger.model",
        "custom_components.parcel_locker.domain.ledger",
        "custom_components.parcel_locker.const",
    ]
