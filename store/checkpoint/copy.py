"""Copy a thread's checkpoints to another thread id, through any saver's public API.

LangGraph's savers leave ``acopy_thread`` unimplemented; this replays what a run would have
saved: every checkpoint of every namespace, oldest first, each with its parent and then its
pending writes (an interrupt, an error, finished tasks), so the copy resumes as the original.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple


def _target(config: dict, thread_id: str) -> dict:
    conf = config["configurable"]
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": conf.get("checkpoint_ns", ""),
            "checkpoint_id": conf.get("checkpoint_id"),
        }
    }


async def copy_thread_checkpoints(saver: BaseCheckpointSaver, source: str, target: str) -> int:
    """Copy every checkpoint and pending write of thread `source` to thread `target`.

    Returns how many checkpoints were copied. `target` should have none: a copy over existing
    checkpoints keeps those with the same ids (the savers' conflict rules).
    """
    found: list[CheckpointTuple] = [
        item async for item in saver.alist({"configurable": {"thread_id": source}})
    ]
    # alist gives newest first; parents go in before their children.
    for item in sorted(found, key=lambda t: t.checkpoint["id"]):
        conf = item.config["configurable"]
        parent = item.parent_config or {
            "configurable": {"checkpoint_ns": conf.get("checkpoint_ns", "")}
        }
        saved = await saver.aput(
            _target(parent, target),
            item.checkpoint,
            item.metadata,
            dict(item.checkpoint["channel_versions"]),
        )
        by_task: dict[str, list[tuple[str, object]]] = {}
        for task_id, channel, value in item.pending_writes or ():
            by_task.setdefault(task_id, []).append((channel, value))
        for task_id, writes in by_task.items():
            await saver.aput_writes(saved, writes, task_id)
    if found:
        # Savers that stage writes (FastPostgresSaver) commit them before a read answers.
        await saver.aget_tuple({"configurable": {"thread_id": target, "checkpoint_ns": ""}})
    return len(found)
