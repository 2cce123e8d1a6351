"""The layers point down: entry points -> runtime -> graphs -> nodes -> tools -> store -> sight.

Every import of every module counts (those inside functions and under TYPE_CHECKING too): an
import that runs up a layer, a node package that imports another workflow's nodes, or an eval
that imports the tests fails here with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Higher imports lower; equal ranks may import each other only within one package.
RANK = {
    "sight": 0,
    "prompts": 0,
    "store": 1,
    "tools": 2,
    "nodes": 3,
    "graphs": 4,
    "runtime": 5,
    "api": 6,
    "evals": 7,
    "cli": 8,
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def violations(package: str, root: Path = ROOT) -> list[str]:
    """Imports in `package` that run up a layer or sideways into another workflow."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        where = path.relative_to(root)
        for line, module in _imports(path):
            target = module.split(".")[0]
            if target == "tests":
                found.append(f"{where}:{line} imports {module} (tests sit above everything)")
            elif target in RANK and target != package and RANK[target] >= RANK[package]:
                found.append(f"{where}:{line} imports {module} (layer {target} is not below)")
            elif package == "nodes" and target == "nodes":
                own, other = where.parts[1], module.split(".")[1]
                if other != own:
                    found.append(f"{where}:{line} imports {module} (another workflow's nodes)")
    return found


@pytest.mark.parametrize("package", sorted(RANK))
def test_layers_when_imports_are_read_then_none_runs_up_a_layer(package: str) -> None:
    assert violations(package) == []


def test_layers_when_imports_run_up_or_sideways_then_each_is_reported(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "up.py").write_text(
        "import sight.errors\n\ndef f():\n    from tools.population import Segment\n"
    )
    (tmp_path / "nodes" / "focus_group").mkdir(parents=True)
    (tmp_path / "nodes" / "focus_group" / "ask.py").write_text(
        "from nodes.focus_group.state import S\nfrom nodes.kpi_estimation.state import K\n"
    )
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "suite.py").write_text("from tests.persona_factory import make\n")
    assert violations("store", tmp_path) == [
        "store/up.py:4 imports tools.population (layer tools is not below)"
    ]
    assert violations("nodes", tmp_path) == [
        "nodes/focus_group/ask.py:2 imports nodes.kpi_estimation.state (another workflow's nodes)"
    ]
    assert violations("evals", tmp_path) == [
        "evals/suite.py:1 imports tests.persona_factory (tests sit above everything)"
    ]


def test_layers_every_top_level_package_has_a_rank() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} <= set(RANK), packages - set(RANK)
