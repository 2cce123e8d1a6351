"""Helpers for run manager tests: threads, runs stored or submitted, bounded waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from runtime.run_manager import RunManager
from sight.clock import utc_now
from store.runs import NewRun, RunRecord

WAIT_S = 10.0


async def new_thread(manager: RunManager) -> str:
    thread_id = str(uuid.uuid4())
    await manager.threads.create(thread_id, "acme", {}, now=utc_now())
    return thread_id


def new_run(thread_id: str, graph: str, topic: str, **kwargs: Any) -> NewRun:
    return NewRun(
        str(uuid.uuid4()),
        thread_id,
        "acme",
        str(uuid.uuid4()),
        graph,
        metadata={},
        kwargs={"input": {"topic": topic}, "stream_mode": ["values"], **kwargs},
        multitask_strategy="enqueue",
    )


async def store_run(
    manager: RunManager,
    thread_id: str,
    graph: str,
    topic: str,
    *,
    claim: bool,
    **kwargs: Any,
) -> RunRecord:
    """Store a run as the route's enqueue would, without scheduling it."""
    run, _ = await manager.runs.enqueue(
        new_run(thread_id, graph, topic, **kwargs),
        strategy="enqueue",
        thread_metadata_update={"graph_id": graph},
        now=utc_now(),
        claim=claim,
    )
    manager.streams.open_new(run.run_id)
    return run


async def submit(
    manager: RunManager, thread_id: str, graph: str, topic: str, **kwargs: Any
) -> RunRecord:
    """Store a run pending and let the thread's driver claim it."""
    run = await store_run(manager, thread_id, graph, topic, claim=False, **kwargs)
    manager.kick(thread_id)
    return run


async def status_of(manager: RunManager, run: RunRecord) -> str | None:
    stored = await manager.runs.get(run.run_id, "acme")
    return stored.status if stored is not None else None


async def until(check: Callable[[], Awaitable[Any] | Any], what: str) -> Any:
    """Poll `check` (sync or async) until it is truthy; fail naming `what` after WAIT_S."""
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                found = check()
                if asyncio.iscoroutine(found):
                    found = await found
                if found:
                    return found
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def wait_status(manager: RunManager, run: RunRecord, wanted: str) -> None:
    async def reached() -> bool:
        return await status_of(manager, run) == wanted

    await until(reached, f"run {run.run_id} to be {wanted}")


async def checkpoints_of(manager: RunManager, thread_id: str, run_id: str | None = None) -> list:
    """The thread's checkpoints (of one run, if given), newest first."""
    saver = manager.resources.checkpointer
    where = {"run_id": run_id} if run_id else None
    config = {"configurable": {"thread_id": thread_id}}
    return [c async for c in saver.alist(config, filter=where)]


async def logged(manager: RunManager, thread_id: str, entry: str) -> None:
    """Wait until the thread's state log holds `entry` (a step has been checkpointed)."""

    async def found() -> bool:
        state = await manager.graph("gated").aget_state({"configurable": {"thread_id": thread_id}})
        return entry in (state.values or {}).get("log", [])

    await until(found, f"{entry!r} in the log of thread {thread_id}")
