"""Registered graphs, read from langgraph.json: one name per workflow everywhere."""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import StateGraph

from graphs.context import RunInfo
from sight.errors import NotFoundError

LANGGRAPH_JSON = Path(__file__).resolve().parent.parent / "langgraph.json"


@dataclass(frozen=True)
class GraphSpec:
    """How to build, feed and check a workflow."""

    name: str
    build: Callable[[], StateGraph]
    make_context: Callable[[Any, RunInfo], Any]
    validate_input: Callable[[Any], Any] | None
    # Checks that need the database (the tenant's ids, a budget against the estimate):
    # ``await check_input(payload, resources, tenant)`` raises a typed error; nothing is stored.
    check_input: Callable[[Any, Any, str], Awaitable[None]] | None = None
    # When its checkpoints are written unless a run asks otherwise (LangGraph durability);
    # None: LangGraph's default, "async" (after every step, in the background).
    durability: Literal["sync", "async", "exit"] | None = None
    # Loads what the first run would otherwise wait for (models, indexes): ``await
    # warm_up(resources)``, started in the background by a long-lived server.
    warm_up: Callable[[Any], Awaitable[None]] | None = None
    # Whether ``validate_input`` returns the input to run with (a graph whose input must set
    # keys the client may leave out, e.g. clearing another path's trigger).
    normalises_input: bool = False
    # Checks a ``command.resume`` value before the run is stored (a human-in-the-loop decision
    # in the graph's format): ``validate_resume(resume)`` raises InputValidationError.
    validate_resume: Callable[[Any], None] | None = None

    @property
    def run_durability(self) -> str:
        return self.durability or "async"


def _module_name(target: str) -> str:
    path = target.split(":", 1)[0].removeprefix("./").removesuffix(".py")
    return path.replace("/", ".")


@cache
def graph_specs() -> dict[str, GraphSpec]:
    """Import every graph module named in langgraph.json (once)."""
    targets: dict[str, str] = json.loads(LANGGRAPH_JSON.read_text())["graphs"]
    specs = {}
    for name, target in targets.items():
        module = importlib.import_module(_module_name(target))
        specs[name] = GraphSpec(
            name=name,
            build=module.build_graph,
            make_context=module.make_context,
            validate_input=getattr(module, "validate_input_payload", None),
            check_input=getattr(module, "check_input_payload", None),
            durability=getattr(module, "DURABILITY", None),
            warm_up=getattr(module, "warm_up", None),
            normalises_input=getattr(module, "NORMALISES_INPUT", False),
            validate_resume=getattr(module, "validate_resume_payload", None),
        )
    return specs


def get_graph_spec(name: str) -> GraphSpec:
    """Return a registered graph or raise NotFoundError listing the known names."""
    specs = graph_specs()
    if name not in specs:
        raise NotFoundError(f"unknown graph {name!r}; registered: {', '.join(sorted(specs))}")
    return specs[name]
