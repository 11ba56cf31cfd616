"""Imports run one way: index → engine → HTTP / CLI; eval and bench use the engine; tests
use no benchmark code. A newcomer can trust the map in docs/architecture.md."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO


def _imports(folder: str) -> dict[str, set[str]]:
    """Every module imported by each file under `folder` (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("index", ("citeqa.service", "citeqa.eval")),
        ("service/engine", ("citeqa.service.http", "citeqa.service.cli", "citeqa.eval")),
        ("eval", ("citeqa.service.http", "citeqa.service.cli", "bench")),
        ("bench", ("citeqa.service.http", "citeqa.service.cli")),
        ("tests", ("bench",)),
    ],
)
def test_no_import_runs_against_the_flow(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = {
        path: sorted(n for n in names if n.startswith(forbidden))
        for path, names in _imports(folder).items()
        if any(n.startswith(forbidden) for n in names)
    }
    assert wrong == {}


def test_code_imports_the_package_by_its_one_name() -> None:
    old = ("service", "index", "eval")
    wrong = {
        path: sorted(n for n in names if n.split(".")[0] in old)
        for folder in ("index", "service", "eval", "bench", "tests")
        for path, names in _imports(folder).items()
        if any(n.split(".")[0] in old for n in names)
    }
    assert wrong == {}
