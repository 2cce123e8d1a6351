"""Test-only graphs served next to the real ones: interrupt, slow steps, gates, failure, chat."""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from runtime.registry import GraphSpec, graph_specs


class StepState(TypedDict, total=False):
    topic: str
    log: Annotated[list[str], operator.add]
    answer: Any


@dataclass
class StepContext:
    delay_s: float = 0.0
    executed: dict[str, int] | None = None


EXECUTED: dict[str, int] = {}


def _step(name: str, delay_s: float):  # noqa: ANN202
    async def step(state: StepState, runtime: Runtime[StepContext]) -> dict[str, Any]:
        runtime.stream_writer({"step": name})
        await asyncio.sleep(delay_s)
        key = f"{state.get('topic', '')}:{name}"
        EXECUTED[key] = EXECUTED.get(key, 0) + 1
        return {"log": [name]}

    step.__name__ = name
    return step


def build_slow(steps: int = 10, delay_s: float = 0.2) -> StateGraph:
    builder = StateGraph(StepState, context_schema=StepContext)
    previous = START
    for i in range(steps):
        name = f"step_{i}"
        builder.add_node(name, _step(name, delay_s))
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


# A 'gated' run waits at its held step until the test opens the gate of its input topic: the
# server runs in this process, so a test knows a run is mid-way without timing it.
GATES: dict[str, threading.Event] = {}
GATE_TIMEOUT_S = 30.0


def gate(topic: str) -> threading.Event:
    """The gate of 'gated' runs whose input topic is `topic` (closed until set)."""
    return GATES.setdefault(topic, threading.Event())


def _gated_step(name: str, held: bool):  # noqa: ANN202
    async def step(state: StepState, runtime: Runtime[None]) -> dict[str, Any]:
        topic = state.get("topic", "")
        if held:
            deadline = time.monotonic() + GATE_TIMEOUT_S
            while not gate(topic).is_set():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the gate of topic {topic!r} was never opened")
                await asyncio.sleep(0.005)
        runtime.stream_writer({"step": name, "topic": topic})
        return {"log": [f"{topic}:{name}"]}

    step.__name__ = name
    return step


def build_gated(steps: int = 6, held_at: int = 3) -> StateGraph:
    """Steps logging '<topic>:step_i'; step `held_at` waits for the topic's gate."""
    builder = StateGraph(StepState)
    previous = START
    for i in range(steps):
        name = f"step_{i}"
        builder.add_node(name, _gated_step(name, held=i == held_at))
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


def build_interrupt() -> StateGraph:
    def ask(state: StepState) -> dict[str, Any]:
        answer = interrupt({"question": f"publish {state.get('topic')}?"})
        return {"answer": answer, "log": ["ask"]}

    def publish(state: StepState) -> dict[str, Any]:
        return {"log": [f"published:{state['answer']}"]}

    builder = StateGraph(StepState)
    builder.add_node(ask)
    builder.add_node(publish)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "publish")
    builder.add_edge("publish", END)
    return builder


def build_failing() -> StateGraph:
    def explode(state: StepState) -> dict[str, Any]:
        raise ValueError(f"boom on {state.get('topic')}")

    builder = StateGraph(StepState)
    builder.add_node(explode)
    builder.add_edge(START, "explode")
    return builder


class ChatState(TypedDict, total=False):
    question: str
    reply: str


@dataclass
class ChatContext:
    models: Any = None


def build_chat() -> StateGraph:
    async def chat(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        message: AIMessage = await runtime.context.models.ainvoke(
            "fast", [HumanMessage(content=state["question"])]
        )
        return {"reply": message.text}

    builder = StateGraph(ChatState, context_schema=ChatContext)
    builder.add_node(chat)
    builder.add_edge(START, "chat")
    return builder


def test_graphs(slow_delay_s: float = 0.2) -> dict[str, GraphSpec]:
    """The registered graphs plus the test-only ones."""
    return {
        **graph_specs(),
        "slow": GraphSpec(
            "slow", lambda: build_slow(10, slow_delay_s), lambda r, _run=None: StepContext(), None
        ),
        "quick": GraphSpec(
            "quick", lambda: build_slow(3, 0.0), lambda r, _run=None: StepContext(), None
        ),
        "gated": GraphSpec("gated", build_gated, lambda r, _run=None: None, None),
        "approval": GraphSpec("approval", build_interrupt, lambda r, _run=None: None, None),
        "failing": GraphSpec("failing", build_failing, lambda r, _run=None: None, None),
        "chat": GraphSpec(
            "chat",
            build_chat,
            lambda r, _run=None: ChatContext(models=r.models.for_run("test")),
            None,
        ),
    }
