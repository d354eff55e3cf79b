"""The integration's modules import one way only: no circle, not even for typing.

Every ``from .x import`` (and ``from . import x``) between the integration's
own modules counts, also those under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "custom_components" / "parcel_locker"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The integration's modules ``path`` imports (relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package.split(".") if package else []
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, *(node.module.split(".") if node.module else [])])
        # ``from . import x`` names the module x, not the package around it.
        candidates = [target] if node.module else []
        candidates += [
            ".".join(filter(None, (target, alias.name))) for alias in node.names
        ]
        found |= {candidate for candidate in candidates if candidate in modules}
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = list(PACKAGE.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    return {_module_name(path): _imports(path, modules) for path in paths}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, if there is any (a depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                return [*stack[stack.index(imported) :], imported]
            if imported not in state and (found := visit(imported)) is not None:
                return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)) is not None:
            return found
    return None


def test_no_import_circle() -> None:
    graph = _graph()
    # A package's __init__ may gather its own modules; what matters is that no
    # module imports the package (or a sibling) back into a circle.
    assert "repairs" in graph[""]  # the package's __init__ is in the graph
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_search_finds_a_circle() -> None:
    """The check itself can fail: a circle made up is found."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_runtime_never_imports_the_fix_flows() -> None:
    """The coordinator raises repair issues; the repair flows need the coordinator."""
    graph = _graph()
    assert "sensor_issues" in graph["coordinator"]
    assert "coordinator" in graph["repairs"]
    assert "repairs" not in graph["coordinator"]
