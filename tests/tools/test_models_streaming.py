"""Calls through the policy stream tokens to LangGraph's ``messages`` stream mode."""

from __future__ import annotations

from typing import TypedDict

from langchain_core.messages import AIMessageChunk
from langgraph.graph import END, START, StateGraph

from tests.tools.model_fakes import policy_settings, scripted_router
from tools.models import RunModels


class State(TypedDict, total=False):
    question: str
    answer: str


def _graph(models: RunModels, *, via_runnable: bool):
    async def answer_question(state: State) -> State:
        if via_runnable:
            message = await models.runnable("fast").ainvoke(state["question"])
        else:
            message = await models.ainvoke("fast", state["question"])
        return {"answer": message.text}

    builder = StateGraph(State)
    builder.add_node(answer_question)
    builder.add_edge(START, "answer_question")
    builder.add_edge("answer_question", END)
    return builder.compile()


async def _streamed(models: RunModels, *, via_runnable: bool) -> list[str]:
    graph = _graph(models, via_runnable=via_runnable)
    pieces = []
    async for chunk, metadata in graph.astream({"question": "hi"}, stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk) and chunk.content:
            assert metadata["langgraph_node"] == "answer_question"
            pieces.append(chunk.content)
    return pieces


async def test_ainvoke_inside_a_node_streams_word_by_word(tmp_path) -> None:
    router, _ = scripted_router(policy_settings(tmp_path), a=["tokens arrive one by one"])
    models = router.for_run("r")

    pieces = await _streamed(models, via_runnable=False)

    assert pieces == ["tokens ", "arrive ", "one ", "by ", "one"]
    assert models.usage.calls == 1


async def test_runnable_inside_a_node_streams_too(tmp_path) -> None:
    router, _ = scripted_router(policy_settings(tmp_path), a=["streamed via runnable"])

    pieces = await _streamed(router.for_run("r"), via_runnable=True)

    assert "".join(pieces) == "streamed via runnable"
    assert len(pieces) == 3
