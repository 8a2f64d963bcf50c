"""Dependencies point one way: flows, portal, CLI and bench → the domain → the warehouse.

Every import counts, also one inside a function or under TYPE_CHECKING: a late import still ties
the lower layer to the upper one. A package's `__main__.py` is an entry point (like the CLI) and
may reach up: `python -m evaluation run` runs the nightly flow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = {"flows", "portal", "cli", "bench"}
DOMAIN = {"signals", "rules", "lists", "indicators", "evaluation", "synthetic"}
# what each lower layer may not import
FORBIDDEN = {
    "warehouse": DOMAIN | ENTRY_POINTS,
    **{package: ENTRY_POINTS for package in DOMAIN},
}


def imported_packages(source: str) -> set[tuple[int, str]]:
    """(line, top-level package) of every absolute import in `source`, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def upward_imports(package: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name != "__main__.py"
        for line, imported in sorted(imported_packages(path.read_text(encoding="utf-8")))
        if imported in FORBIDDEN[package]
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_layer_imports_one_above_it(package):
    assert upward_imports(package) == []


def test_the_check_sees_late_and_nested_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from signals.delivery import ParsedDelivery\n"
        "def f():\n    import flows.nightly\n    from rules import schema\n"
        "from . import store\n"
    )
    assert imported_packages(source) == {(1, "typing"), (3, "signals"), (5, "flows"), (6, "rules")}
