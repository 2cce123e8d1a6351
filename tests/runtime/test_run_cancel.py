"""Cancels racing with a run's life: while it stores its outcome, after a stale read, and
rollbacks that delete exactly the run's own checkpoints."""

from __future__ import annotations

import asyncio
import uuid

from runtime.run_manager import RunManager
from tests.api.sample_graphs import gate
from tests.runtime.support import (
    checkpoints_of,
    logged,
    new_thread,
    status_of,
    store_run,
    submit,
    until,
    wait_status,
)


def opened(topic: str) -> str:
    gate(topic).set()
    return topic


def steps(topic: str, upto: int = 6) -> list[str]:
    return [f"{topic}:step_{i}" for i in range(upto)]


# --- a cancel that lands while the run stores its outcome ------------------------------------


async def test_cancel_when_it_lands_while_outcome_stored_then_run_completes_and_thread_goes_on(
    manager: RunManager, monkeypatch
):
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, "quick", "t", claim=True)
    original, cancels = manager.queue.complete, []

    async def complete(*args, **kwargs):
        if not cancels:
            cancels.append(asyncio.create_task(manager.cancel(run, "interrupt")))
            await asyncio.sleep(0)  # the cancel takes its first step while the outcome is stored
        return await original(*args, **kwargs)

    monkeypatch.setattr(manager.queue, "complete", complete)
    manager.start_claimed(run)

    await until(lambda: cancels, "the outcome to be stored")
    assert await cancels[0] is False  # its graph had finished: nothing left to cancel
    assert await status_of(manager, run) == "success"
    later = await submit(manager, thread_id, "quick", "u")  # the thread's driver lives on
    await wait_status(manager, later, "success")
    assert (await manager.threads.get(thread_id, "acme")).status == "idle"


# --- a cancel decided on a stale read ----------------------------------------------------------


async def pending_behind_held_run(manager: RunManager) -> tuple[str, str, str, object]:
    """(thread, first run's gate topic, second run's gate topic, the second run as stored
    pending behind the first, held at its gate)."""
    thread_id = await new_thread(manager)
    first_topic, second_topic = uuid.uuid4().hex, uuid.uuid4().hex
    first = await store_run(manager, thread_id, "gated", first_topic, claim=True)
    manager.start_claimed(first)
    second = await store_run(manager, thread_id, "gated", second_topic, claim=False)
    manager.kick(thread_id)
    assert second.status == "pending"
    return thread_id, first_topic, second_topic, second


async def test_cancel_interrupt_when_pending_run_was_claimed_since_then_its_task_stops_it(
    manager: RunManager,
):
    thread_id, first_topic, second_topic, stale = await pending_behind_held_run(manager)
    gate(first_topic).set()
    await logged(manager, thread_id, f"{second_topic}:step_2")  # claimed, held at its gate

    assert await manager.cancel(stale, "interrupt") is True

    assert await status_of(manager, stale) == "interrupted"
    assert manager.streams.get(stale.run_id).done
    gate(second_topic).set()
    state = await manager.graph("gated").aget_state({"configurable": {"thread_id": thread_id}})
    assert state.values["log"] == steps(first_topic) + steps(second_topic, 3)


async def test_cancel_rollback_when_pending_run_was_claimed_since_then_run_and_checkpoints_gone(
    db_manager: RunManager,
):
    manager = db_manager
    thread_id, first_topic, second_topic, stale = await pending_behind_held_run(manager)
    gate(first_topic).set()
    await logged(manager, thread_id, f"{second_topic}:step_2")

    assert await manager.cancel(stale, "rollback") is True

    assert await manager.runs.get(stale.run_id, "acme") is None
    assert await checkpoints_of(manager, thread_id, stale.run_id) == []
    gate(second_topic).set()
    state = await manager.graph("gated").aget_state({"configurable": {"thread_id": thread_id}})
    assert state.values["log"] == steps(first_topic)
    thread = await manager.threads.get(thread_id, "acme")
    assert thread.status == "idle" and thread.values["log"] == steps(first_topic)


# --- rollback deletes exactly the run's own checkpoints --------------------------------------


async def test_rollback_when_run_started_from_older_checkpoint_then_later_history_kept(
    db_manager: RunManager,
):
    manager = db_manager
    thread_id = await new_thread(manager)
    first = await submit(manager, thread_id, "gated", opened(uuid.uuid4().hex))
    await wait_status(manager, first, "success")
    fork_from = (await checkpoints_of(manager, thread_id, first.run_id))[0]
    second = await submit(manager, thread_id, "gated", opened(uuid.uuid4().hex))
    await wait_status(manager, second, "success")
    history = {
        c.config["configurable"]["checkpoint_id"]: c.metadata["run_id"]
        for c in await checkpoints_of(manager, thread_id)
    }
    thread_before = await manager.threads.get(thread_id, "acme")
    topic = uuid.uuid4().hex
    third = await submit(
        manager, thread_id, "gated", topic, checkpoint=fork_from.config["configurable"]
    )
    await logged(manager, thread_id, f"{topic}:step_2")  # held; its forked checkpoints written
    third = await manager.runs.get(third.run_id, "acme")  # as stored: running

    assert await manager.cancel(third, "rollback") is True

    after = {
        c.config["configurable"]["checkpoint_id"]: c.metadata["run_id"]
        for c in await checkpoints_of(manager, thread_id)
    }
    assert after == history  # the second run's checkpoints, newer than the fork, all kept
    assert await manager.runs.get(third.run_id, "acme") is None
    thread = await manager.threads.get(thread_id, "acme")
    assert thread.status == "idle" and thread.values == thread_before.values
    gate(topic).set()
