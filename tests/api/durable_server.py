"""A Sight server in its own process, for the crash test: python -m tests.api.durable_server.

Reads SIGHT_* settings from the environment, serves the registered graphs plus 'durable'
(8 steps of 0.3 s, each appending its name to $SIGHT_TEST_EXEC_LOG when it runs).
"""

from __future__ import annotations

import asyncio
import operator
import os
import sys
from typing import Annotated, Any, TypedDict

import uvicorn
from langgraph.graph import END, START, StateGraph

from api.app import create_app
from runtime.registry import GraphSpec, graph_specs
from sight.settings import load_settings

STEPS = 8


class State(TypedDict, total=False):
    topic: str
    log: Annotated[list[str], operator.add]


def _step(name: str):  # noqa: ANN202
    async def step(state: State) -> dict[str, Any]:
        await asyncio.sleep(0.3)
        with open(os.environ["SIGHT_TEST_EXEC_LOG"], "a", encoding="utf-8") as log:
            log.write(name + "\n")
        return {"log": [name]}

    step.__name__ = name
    return step


def build_durable() -> StateGraph:
    builder = StateGraph(State)
    previous = START
    for i in range(STEPS):
        builder.add_node(f"step_{i}", _step(f"step_{i}"))
        builder.add_edge(previous, f"step_{i}")
        previous = f"step_{i}"
    builder.add_edge(previous, END)
    return builder


if __name__ == "__main__":
    graphs = {
        **graph_specs(),
        "durable": GraphSpec("durable", build_durable, lambda r, _run=None: None, None),
    }
    app = create_app(load_settings(), graphs=graphs)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
