"""Rolling a run back on SQLite and on Sight's PostgreSQL saver: exactly its own checkpoints go,
with their writes and blobs; what other runs wrote stays, even after the one it forked from."""

from __future__ import annotations

import operator
import uuid
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import END, START, StateGraph

from store.checkpoint.factory import open_checkpointer
from store.checkpoint.rollback import delete_run_checkpoints


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def build() -> StateGraph:
    builder = StateGraph(State)
    previous = START
    for i in range(3):
        name = f"step_{i}"
        builder.add_node(name, lambda _state, name=name: {"log": [name]})
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


def config(thread_id: str, run_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
    configurable = {"thread_id": thread_id}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable, "metadata": {"run_id": run_id}}


async def rows(saver: BaseCheckpointSaver, thread_id: str) -> dict[str, int]:
    """Rows per checkpoint table for the thread (after the saver has committed what it holds)."""
    [_ async for _ in saver.alist({"configurable": {"thread_id": thread_id}}, limit=1)]
    if isinstance(saver, AsyncPostgresSaver):
        tables = ("checkpoints", "checkpoint_writes", "checkpoint_blobs")
        async with saver.conn.connection() as conn:
            return {
                table: (
                    await (
                        await conn.execute(
                            f"SELECT count(*) AS n FROM {table} WHERE thread_id = %s",  # noqa: S608
                            (thread_id,),
                        )
                    ).fetchone()
                )["n"]
                for table in tables
            }
    counts = {}
    for table in ("checkpoints", "writes"):
        cursor = await saver.conn.execute(
            f"SELECT count(*) FROM {table} WHERE thread_id = ?",  # noqa: S608
            (thread_id,),
        )
        counts[table] = (await cursor.fetchone())[0]
    return counts


async def owners(saver: BaseCheckpointSaver, thread_id: str) -> dict[str, str]:
    """checkpoint_id -> the run that wrote it."""
    return {
        c.config["configurable"]["checkpoint_id"]: c.metadata.get("run_id")
        async for c in saver.alist({"configurable": {"thread_id": thread_id}})
    }


async def test_delete_run_checkpoints_when_run_forked_from_older_checkpoint_then_only_its_own_go(
    db_settings,
):
    async with open_checkpointer(db_settings) as saver:
        graph = build().compile(checkpointer=saver)
        thread_id = str(uuid.uuid4())
        await graph.ainvoke({"log": ["a"]}, config(thread_id, "r1"))
        first_end = (await graph.aget_state({"configurable": {"thread_id": thread_id}})).config
        await graph.ainvoke({"log": ["b"]}, config(thread_id, "r2"))
        before, kept = await rows(saver, thread_id), await owners(saver, thread_id)
        latest = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        # r3 starts from r1's last checkpoint: r2's checkpoints are newer, and not r3's.
        fork_from = first_end["configurable"]["checkpoint_id"]
        await graph.ainvoke({"log": ["c"]}, config(thread_id, "r3", fork_from))
        written = list((await owners(saver, thread_id)).values()).count("r3")
        assert written >= 4  # its input checkpoint and one per step at least
        grown = await rows(saver, thread_id)
        assert all(grown[table] > n for table, n in before.items()), (before, grown)

        deleted = await delete_run_checkpoints(saver, thread_id, "r3")

        assert deleted == written
        assert await owners(saver, thread_id) == kept
        assert await rows(saver, thread_id) == before  # its writes and blobs went too
        state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        assert state.values == latest.values and state.config == latest.config
        assert await delete_run_checkpoints(saver, thread_id, "r3") == 0
