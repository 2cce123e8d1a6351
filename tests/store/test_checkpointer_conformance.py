"""Checkpointer guarantees, for LangGraph's stock Postgres saver, Sight's fast one and SQLite.

The stock ``AsyncPostgresSaver`` is the reference: every test passes on it, so a failure on
the fast saver is a behaviour it changed. The fast saver runs with a linger timer of an
hour, so what is tested is the mechanism meant to provide each guarantee, not the timer.
"""

from __future__ import annotations

import asyncio
import itertools
import operator
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypedDict

import psycopg
import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver, Checkpoint, empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from sight.settings import Settings, load_settings
from store.checkpoint import FastPostgresSaver
from store.checkpoint.factory import libpq_url, open_checkpointer, open_pg_pool

ERROR, INTERRUPT, RESUME = "__error__", "__interrupt__", "__resume__"


@dataclass
class Backend:
    kind: str  # "stock" | "fast" | "sqlite"
    settings: Settings

    @asynccontextmanager
    async def open(self) -> AsyncIterator[BaseCheckpointSaver]:
        """A saver instance of its own (own pool or connection) on this backend's storage."""
        if self.kind == "sqlite":
            async with open_checkpointer(self.settings) as saver:
                yield saver
            return
        async with open_pg_pool(libpq_url(self.settings.database_url_resolved), 4) as pool:
            if self.kind == "stock":
                saver: AsyncPostgresSaver = AsyncPostgresSaver(pool)
            else:
                saver = FastPostgresSaver(pool, write_linger_s=3600)
            await saver.setup()
            try:
                yield saver
            finally:
                if isinstance(saver, FastPostgresSaver):
                    await saver.aclose()


def pg_schema_settings(postgres_url: str, data_dir: Path) -> Settings:
    schema = f"cp_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    return load_settings(data_dir=data_dir, provider="fake", database_url=url, _env_file=None)


@pytest.fixture(
    params=[
        pytest.param("stock", marks=pytest.mark.postgres),
        pytest.param("fast", marks=pytest.mark.postgres),
        "sqlite",
    ]
)
def backend(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", settings)
    postgres_url: str = request.getfixturevalue("postgres_url")
    return Backend(request.param, pg_schema_settings(postgres_url, tmp_path / "data"))


@pytest.fixture
async def saver(backend: Backend) -> AsyncIterator[BaseCheckpointSaver]:
    async with backend.open() as opened:
        yield opened


def conf(thread_id: str, checkpoint_ns: str = "", checkpoint_id: str | None = None) -> dict:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def put(
    saver: BaseCheckpointSaver,
    config: dict,
    values: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> tuple[Checkpoint, dict]:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = dict(values)
    checkpoint["channel_versions"] = {k: saver.get_next_version(None, None) for k in values}
    saved = await saver.aput(
        config,
        checkpoint,
        metadata or {"source": "loop", "step": 0},
        checkpoint["channel_versions"],
    )
    return checkpoint, saved


async def test_put_then_get_tuple_and_list_return_the_same_checkpoint(saver):
    values = {
        "name": "Ala",
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "empty": None,
        "items": [1, {"nested": ["x", b"\x00bytes"]}],
        "payload": {"k": "v" * 5000},
    }
    metadata = {"source": "input", "step": -1, "score": 1.5, "tags": ["a", "b"]}
    first, first_cfg = await put(saver, conf("t1"), values, metadata)
    second, _ = await put(saver, first_cfg, {"count": 4}, {"source": "loop", "step": 0})

    got = await saver.aget_tuple(first_cfg)
    assert got is not None
    assert got.checkpoint["id"] == first["id"]
    assert got.checkpoint["channel_values"] == values
    assert got.checkpoint["channel_versions"] == first["channel_versions"]
    assert {k: got.metadata[k] for k in metadata} == metadata
    assert got.parent_config is None

    latest = await saver.aget_tuple(conf("t1"))
    assert latest is not None and latest.checkpoint["id"] == second["id"]
    assert latest.checkpoint["channel_values"] == {"count": 4}
    assert latest.parent_config["configurable"]["checkpoint_id"] == first["id"]
    listed = [t async for t in saver.alist(conf("t1"))]
    assert [t.checkpoint["id"] for t in listed] == [second["id"], first["id"]]
    assert listed[1].checkpoint["channel_values"] == values


async def test_put_writes_when_read_back_then_pending_writes_of_that_checkpoint(saver):
    _, cfg = await put(saver, conf("t1"), {"a": 1})
    await saver.aput_writes(cfg, [("a", 2), ("b", {"x": [1, 2]})], "task-1")
    await saver.aput_writes(cfg, [("a", 3)], "task-2")

    got = await saver.aget_tuple(cfg)
    assert sorted(got.pending_writes, key=repr) == sorted(
        [("task-1", "a", 2), ("task-1", "b", {"x": [1, 2]}), ("task-2", "a", 3)], key=repr
    )
    _, next_cfg = await put(saver, cfg, {"a": 3})
    assert (await saver.aget_tuple(next_cfg)).pending_writes == []
    assert len((await saver.aget_tuple(cfg)).pending_writes) == 3


async def test_put_writes_twice_for_same_task_then_no_duplicate_and_first_kept(saver):
    _, cfg = await put(saver, conf("t1"), {"a": 1})
    await saver.aput_writes(cfg, [("a", "first"), ("b", 1)], "task-1")
    await saver.aput_writes(cfg, [("a", "second"), ("b", 2)], "task-1")
    got = await saver.aget_tuple(cfg)
    assert sorted(got.pending_writes) == [("task-1", "a", "first"), ("task-1", "b", 1)]


async def test_special_writes_when_written_again_then_replaced(saver):
    _, cfg = await put(saver, conf("t1"), {"a": 1})
    await saver.aput_writes(cfg, [(ERROR, "boom 1")], "task-1")
    await saver.aput_writes(cfg, [(ERROR, "boom 2")], "task-1")
    await saver.aput_writes(cfg, [(INTERRUPT, "ask 1")], "task-2")
    await saver.aput_writes(cfg, [(INTERRUPT, "ask 2")], "task-2")
    await saver.aput_writes(cfg, [(RESUME, "yes")], "task-3")
    await saver.aput_writes(cfg, [(RESUME, "no")], "task-3")
    got = await saver.aget_tuple(cfg)
    assert sorted(got.pending_writes) == [
        ("task-1", ERROR, "boom 2"),
        ("task-2", INTERRUPT, "ask 2"),
        ("task-3", RESUME, "no"),
    ]


async def test_threads_and_namespaces_never_see_each_other(saver):
    configs = {}
    for thread in ("t1", "t2"):
        for ns in ("", "child:1"):
            _, cfg = await put(saver, conf(thread, ns), {"owner": f"{thread}/{ns}"})
            await saver.aput_writes(cfg, [("w", f"{thread}/{ns}")], f"task-{thread}-{ns}")
            configs[thread, ns] = cfg

    for thread, ns in configs:
        got = await saver.aget_tuple(conf(thread, ns))
        assert got.checkpoint["channel_values"] == {"owner": f"{thread}/{ns}"}
        assert got.pending_writes == [(f"task-{thread}-{ns}", "w", f"{thread}/{ns}")]
        listed = [t async for t in saver.alist(conf(thread, ns))]
        assert [t.checkpoint["channel_values"]["owner"] for t in listed] == [f"{thread}/{ns}"]
    assert await saver.aget_tuple(conf("t3")) is None


async def test_list_when_filter_before_and_limit_then_only_matching_newest_first(saver):
    ids = []
    cfg = conf("t1")
    for step, source in enumerate(["input", "loop", "loop", "update"]):
        checkpoint, cfg = await put(saver, cfg, {"n": step}, {"source": source, "step": step})
        ids.append(checkpoint["id"])
    await put(saver, conf("t2"), {"n": 0}, {"source": "loop", "step": 1})

    async def listed(**kwargs: Any) -> list[str]:
        return [t.checkpoint["id"] async for t in saver.alist(conf("t1"), **kwargs)]

    assert await listed() == ids[::-1]
    assert await listed(filter={"source": "loop"}) == [ids[2], ids[1]]
    assert await listed(filter={"source": "loop", "step": 1}) == [ids[1]]
    assert await listed(before=conf("t1", checkpoint_id=ids[2])) == [ids[1], ids[0]]
    assert await listed(limit=2) == [ids[3], ids[2]]
    assert await listed(filter={"source": "loop"}, limit=1) == [ids[2]]
    everywhere = [t async for t in saver.alist(None, filter={"step": 1})]
    assert {t.config["configurable"]["thread_id"] for t in everywhere} == {"t1", "t2"}


async def test_delete_thread_removes_its_checkpoints_and_writes_only(saver):
    for thread in ("t1", "t2"):
        _, cfg = await put(saver, conf(thread), {"a": thread})
        await saver.aput_writes(cfg, [("a", thread)], "task")
    await saver.adelete_thread("t1")
    assert await saver.aget_tuple(conf("t1")) is None
    assert [t async for t in saver.alist(conf("t1"))] == []
    kept = await saver.aget_tuple(conf("t2"))
    assert kept.checkpoint["channel_values"] == {"a": "t2"}
    assert kept.pending_writes == [("task", "a", "t2")]


# --- real graphs -----------------------------------------------------------------------


class Draft(TypedDict):
    topic: str
    log: Annotated[list[str], operator.add]


def build_review_graph(runs: dict[str, int]) -> StateGraph:
    """collect -> approve (asks a human) -> draft -> publish, counting executions."""

    def step(name: str):
        async def node(state: Draft) -> dict[str, list[str]]:
            runs[name] = runs.get(name, 0) + 1
            if name == "approve":
                await asyncio.sleep(0.05)  # the previous checkpoint is saved by now
                answer = interrupt({"question": f"publish {state['topic']}?"})
                return {"log": [f"approve:{answer}"]}
            return {"log": [name]}

        node.__name__ = name
        return node

    builder = StateGraph(Draft)
    previous = START
    for name in ("collect", "approve", "draft", "publish"):
        builder.add_node(name, step(name))
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


async def test_graph_interrupts_and_resumes_from_another_instance_with_history_intact(
    backend: Backend,
):
    runs: dict[str, int] = {}
    config = {"configurable": {"thread_id": "review-1"}}
    async with backend.open() as saver:
        graph = build_review_graph(runs).compile(checkpointer=saver)
        first = await graph.ainvoke({"topic": "Q3", "log": []}, config)
        assert first["__interrupt__"][0].value == {"question": "publish Q3?"}
        assert first["log"] == ["collect"]

        # Another instance, while the first is still open: nothing comes from its memory.
        async with backend.open() as other:
            graph = build_review_graph(runs).compile(checkpointer=other)
            paused = await graph.aget_state(config)
            assert paused.next == ("approve",)
            assert paused.interrupts[0].value == {"question": "publish Q3?"}
            done = await graph.ainvoke(Command(resume="yes"), config)
            history = [s async for s in graph.aget_state_history(config)]

    assert done["log"] == ["collect", "approve:yes", "draft", "publish"]
    assert runs == {"collect": 1, "approve": 2, "draft": 1, "publish": 1}
    assert [s.metadata["step"] for s in history] == [4, 3, 2, 1, 0, -1]
    assert [s.values.get("log") for s in history[:3]] == [
        ["collect", "approve:yes", "draft", "publish"],
        ["collect", "approve:yes", "draft"],
        ["collect", "approve:yes"],
    ]
    for newer, older in itertools.pairwise(history):
        parent_id = newer.parent_config["configurable"]["checkpoint_id"]
        assert parent_id == older.config["configurable"]["checkpoint_id"]


class FanOut(TypedDict):
    results: Annotated[list[str], operator.add]


def build_fan_out_graph(runs: dict[str, int], fail_first: bool) -> StateGraph:
    """START -> (fetch, flaky) in parallel -> merge; flaky fails once, after fetch is done."""
    fetch_done = asyncio.Event()

    async def fetch(state: FanOut) -> dict[str, list[str]]:
        runs["fetch"] = runs.get("fetch", 0) + 1
        fetch_done.set()
        return {"results": ["fetch"]}

    async def flaky(state: FanOut) -> dict[str, list[str]]:
        runs["flaky"] = runs.get("flaky", 0) + 1
        if fail_first and runs["flaky"] == 1:
            await fetch_done.wait()
            await asyncio.sleep(0.05)  # let the loop hand fetch's writes to the saver
            raise RuntimeError("flaky failed")
        return {"results": ["flaky"]}

    async def merge(state: FanOut) -> dict[str, list[str]]:
        runs["merge"] = runs.get("merge", 0) + 1
        return {"results": ["merge"]}

    builder = StateGraph(FanOut)
    for node in (fetch, flaky, merge):
        builder.add_node(node)
    builder.add_edge(START, "fetch")
    builder.add_edge(START, "flaky")
    builder.add_edge(["fetch", "flaky"], "merge")
    builder.add_edge("merge", END)
    return builder


async def test_graph_task_fails_in_fan_out_then_resume_reruns_only_the_failed_task(
    backend: Backend,
):
    runs: dict[str, int] = {}
    config = {"configurable": {"thread_id": "fan-1"}}
    async with backend.open() as saver:
        graph = build_fan_out_graph(runs, fail_first=True).compile(checkpointer=saver)
        with pytest.raises(RuntimeError, match="flaky failed"):
            await graph.ainvoke({"results": []}, config)
        assert runs == {"fetch": 1, "flaky": 1}

        # Another instance must find fetch's result stored next to flaky's error.
        async with backend.open() as other:
            stored = await other.aget_tuple(config)
            by_task = {}
            for task_id, channel, _ in stored.pending_writes:
                by_task.setdefault(task_id, set()).add(channel)
            assert any("results" in channels for channels in by_task.values())
            assert any(ERROR in channels for channels in by_task.values())

            graph = build_fan_out_graph(runs, fail_first=True).compile(checkpointer=other)
            done = await graph.ainvoke(None, config)

    assert sorted(done["results"]) == ["fetch", "flaky", "merge"]
    assert runs == {"fetch": 1, "flaky": 2, "merge": 1}
