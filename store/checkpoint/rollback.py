"""Roll a thread's checkpoints back: delete every checkpoint (and its writes) after a given one.

A thread runs one run at a time, and checkpoint ids grow with time, so "after the checkpoint the
run started from" is exactly what a cancelled run wrote. LangGraph's savers have no such call
(``adelete_for_runs`` is not implemented by the stock savers), hence this module.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

PG_SQL = (
    "DELETE FROM checkpoint_writes WHERE thread_id = %(t)s AND checkpoint_id > %(c)s",
    "DELETE FROM checkpoints WHERE thread_id = %(t)s AND checkpoint_id > %(c)s",
)
SQLITE_SQL = (
    "DELETE FROM writes WHERE thread_id = ? AND checkpoint_id > ?",
    "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id > ?",
)


async def delete_checkpoints_after(
    saver: BaseCheckpointSaver, thread_id: str, checkpoint_id: str | None
) -> None:
    """Delete the thread's checkpoints newer than `checkpoint_id` (all of them if None)."""
    if checkpoint_id is None:
        await saver.adelete_thread(thread_id)
        return
    # Reading the thread first makes a write-behind saver commit what it holds for it.
    await saver.aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if isinstance(saver, AsyncPostgresSaver):
        async with saver.conn.connection() as conn, conn.transaction():
            for sql in PG_SQL:
                await conn.execute(sql, {"t": thread_id, "c": checkpoint_id})
    elif isinstance(saver, AsyncSqliteSaver):
        async with saver.lock:
            for sql in SQLITE_SQL:
                await saver.conn.execute(sql, (thread_id, checkpoint_id))
            await saver.conn.commit()
    elif isinstance(saver, InMemorySaver):
        for ns in saver.storage.get(thread_id, {}).values():
            for cid in [c for c in ns if c > checkpoint_id]:
                del ns[cid]
        for key in [k for k in saver.writes if k[0] == thread_id and k[2] > checkpoint_id]:
            del saver.writes[key]
    else:
        raise NotImplementedError(f"rollback is not supported for {type(saver).__name__}")
