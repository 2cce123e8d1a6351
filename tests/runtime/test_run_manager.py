"""The run manager on its own (no HTTP): runs stored claimed, hand-offs, outcome storage."""

from __future__ import annotations

import uuid

from runtime.run_manager import RunManager
from sight.clock import utc_now
from store.run_events import RunEventRepository
from store.runs import RunRecord
from tests.api.sample_graphs import gate
from tests.runtime.support import new_thread, status_of, store_run, wait_status


async def test_claimed_run_when_started_then_outcome_and_all_events_stored_together(manager):
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, "quick", "t", claim=True)
    assert run.status == "running" and run.attempt == 1

    manager.start_claimed(run)
    stream = manager.streams.get(run.run_id)
    assert await stream.wait_done(10)

    assert await status_of(manager, run) == "success"
    stored = await RunEventRepository(manager.resources.sessions).after(run.run_id, -1)
    # Every event was stored by the time the stream closed (with the outcome, not later).
    assert [seq for seq, _, _ in stored] == [seq for seq, _, _ in stream.events]
    assert stored[0][1] == "metadata" and stored[-1][1] == "values"
    assert (await manager.threads.get(thread_id, "acme")).status == "idle"


async def handed_over(manager: RunManager, thread_id: str) -> RunRecord:
    """A run stored claimed while the thread's driver is busy (as a race would leave it)."""
    run = await store_run(manager, thread_id, "quick", "t", claim=False)
    await manager.runs.set_status(run.run_id, "running", utc_now())
    run = RunRecord(**{**vars(run), "status": "running", "attempt": 1})
    manager.start_claimed(run)
    assert manager._handoff[thread_id] is run  # noqa: SLF001 - the case under test
    return run


async def busy_with_handoff(manager: RunManager) -> tuple[str, str, RunRecord, RunRecord]:
    """(thread, gate topic, its gated first run, a run handed over to the busy driver)."""
    thread_id = await new_thread(manager)
    topic = uuid.uuid4().hex
    first = await store_run(manager, thread_id, "gated", topic, claim=True)
    manager.start_claimed(first)
    return thread_id, topic, first, await handed_over(manager, thread_id)


async def test_claimed_run_when_driver_busy_then_handed_over_and_run_after_the_first(manager):
    thread_id, topic, first, second = await busy_with_handoff(manager)

    gate(topic).set()

    assert await manager.streams.get(second.run_id).wait_done(10)
    assert await status_of(manager, first) == "success"
    assert await status_of(manager, second) == "success"
    assert thread_id not in manager._handoff  # noqa: SLF001


async def test_cancel_when_claimed_run_waits_in_handoff_then_interrupted_and_never_run(manager):
    thread_id, topic, first, handed = await busy_with_handoff(manager)

    assert await manager.cancel(handed, "interrupt") is True

    assert await status_of(manager, handed) == "interrupted"
    assert thread_id not in manager._handoff  # noqa: SLF001
    gate(topic).set()
    await wait_status(manager, first, "success")
    assert manager.streams.get(handed.run_id).events == []  # it never started


async def test_outcome_when_it_cannot_be_stored_then_error_event_and_stream_closed(
    manager, monkeypatch
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(manager.queue, "complete", broken)
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, "quick", "t", claim=True)

    manager.start_claimed(run)
    stream = manager.streams.get(run.run_id)

    assert await stream.wait_done(10)  # clients are not left waiting
    last_event, last_data = stream.events[-1][1:]
    assert last_event == "error" and b"run_outcome_not_stored" in last_data
    assert await status_of(manager, run) == "running"  # resumed at the next start
