"""Roll a run back: delete exactly the checkpoints one run wrote, with their writes and blobs.

Every checkpoint carries its run's id in its metadata (``run_id``), so a run is rolled back by
that id, never by "every checkpoint after the one it started from": a run started from an
older checkpoint (``checkpoint_id`` in its config) forks the thread, and the checkpoints other
runs wrote after that one are not its to delete. LangGraph's savers have no such call
(``adelete_for_runs`` is not implemented by the stock savers), hence this module.

Kept as a known limit: the writes a resumed run (no input checkpoint of its own) put against
the checkpoint it resumed from carry no run id, so they stay.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

# Blobs go by (channel, version) and are shared with the checkpoints that kept a channel's
# version: only those no other run's checkpoint references are the run's own.
PG_SQL = (
    """
    DELETE FROM checkpoint_blobs b
    USING (
        SELECT DISTINCT c.checkpoint_ns, v.key AS channel, v.value AS version
        FROM checkpoints c
        CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') AS v
        WHERE c.thread_id = %(t)s AND c.metadata ->> 'run_id' = %(r)s
    ) AS freed
    WHERE b.thread_id = %(t)s
        AND b.checkpoint_ns = freed.checkpoint_ns
        AND b.channel = freed.channel
        AND b.version = freed.version
        AND NOT EXISTS (
            SELECT 1 FROM checkpoints k
            WHERE k.thread_id = %(t)s
                AND k.checkpoint_ns = freed.checkpoint_ns
                AND k.checkpoint -> 'channel_versions' ->> freed.channel = freed.version
                AND k.metadata ->> 'run_id' IS DISTINCT FROM %(r)s
        )
    """,
    """
    DELETE FROM checkpoint_writes w
    USING checkpoints c
    WHERE w.thread_id = %(t)s AND c.thread_id = %(t)s
        AND w.checkpoint_ns = c.checkpoint_ns AND w.checkpoint_id = c.checkpoint_id
        AND c.metadata ->> 'run_id' = %(r)s
    """,
    "DELETE FROM checkpoints WHERE thread_id = %(t)s AND metadata ->> 'run_id' = %(r)s",
)
SQLITE_SQL = (
    """
    DELETE FROM writes WHERE thread_id = ? AND EXISTS (
        SELECT 1 FROM checkpoints c
        WHERE c.thread_id = writes.thread_id
            AND c.checkpoint_ns = writes.checkpoint_ns
            AND c.checkpoint_id = writes.checkpoint_id
            AND json_extract(CAST(c.metadata AS TEXT), '$.run_id') = ?
    )
    """,
    "DELETE FROM checkpoints "
    "WHERE thread_id = ? AND json_extract(CAST(metadata AS TEXT), '$.run_id') = ?",
)


async def delete_run_checkpoints(saver: BaseCheckpointSaver, thread_id: str, run_id: str) -> int:
    """Delete the checkpoints run `run_id` wrote on the thread (every namespace), with their
    writes and the blobs no other checkpoint uses; return how many checkpoints went."""
    config = {"configurable": {"thread_id": thread_id}}
    # Listing the thread makes a write-behind saver commit what it holds for it (every
    # namespace) and wait for saves under way, so none lands after the delete.
    owned = [c.config async for c in saver.alist(config, filter={"run_id": run_id})]
    if not owned:
        return 0
    if isinstance(saver, AsyncPostgresSaver):
        async with saver.conn.connection() as conn, conn.transaction():
            for sql in PG_SQL:
                await conn.execute(sql, {"t": thread_id, "r": run_id})
    elif isinstance(saver, AsyncSqliteSaver):
        async with saver.lock:
            for sql in SQLITE_SQL:
                await saver.conn.execute(sql, (thread_id, run_id))
            await saver.conn.commit()
    elif isinstance(saver, InMemorySaver):
        for item in owned:
            conf = item["configurable"]
            key = (thread_id, conf["checkpoint_ns"], conf["checkpoint_id"])
            saver.storage[thread_id][key[1]].pop(key[2], None)
            saver.writes.pop(key, None)
    else:
        raise NotImplementedError(f"rollback is not supported for {type(saver).__name__}")
    return len(owned)
