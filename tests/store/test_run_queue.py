"""Run queue on SQLite and PostgreSQL: claim the oldest due run, complete with thread state."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from store.run_events import RunEventRepository
from tests.store.test_runs import T0, enqueue, new_run


@pytest.fixture
async def thread_id(threads) -> str:
    thread_id = str(uuid.uuid4())
    await threads.create(thread_id, "acme", {}, now=T0)
    return thread_id


async def test_claim_next_when_two_pending_then_oldest_and_more_flag(queue, runs, thread_id):
    first, _ = await enqueue(runs, thread_id, at=T0)
    second, _ = await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    claimed, more = await queue.claim_next(thread_id, T0 + timedelta(seconds=2))
    assert claimed.run_id == first.run_id and claimed.status == "running"
    assert claimed.attempt == 1 and more is True
    stored = await runs.get(first.run_id, "acme")
    assert stored.status == "running" and stored.attempt == 1
    # One run at a time per thread: the second waits while the first runs.
    assert await queue.claim_next(thread_id, T0 + timedelta(seconds=3)) == (None, False)
    assert (await runs.get(second.run_id, "acme")).status == "pending"


async def test_claim_next_when_many_workers_race_then_one_wins(queue, runs, thread_id):
    await enqueue(runs, thread_id)
    results = await asyncio.gather(
        *(queue.claim_next(thread_id, T0 + timedelta(seconds=1)) for _ in range(8))
    )
    assert sum(run is not None for run, _ in results) == 1


async def test_complete_when_others_queued_then_thread_busy_else_given_status(
    queue, runs, threads, thread_id
):
    await enqueue(runs, thread_id, at=T0)
    await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    first, _ = await queue.claim_next(thread_id, T0 + timedelta(seconds=2))
    assert await queue.complete(
        first,
        status="success",
        error=None,
        thread_status="idle",
        values={"v": 1},
        interrupts={},
        now=T0 + timedelta(seconds=3),
    )  # others are waiting
    assert (await runs.get(first.run_id, "acme")).status == "success"
    thread = await threads.get(thread_id, "acme")
    assert thread.status == "busy" and thread.values == {"v": 1}

    second, more = await queue.claim_next(thread_id, T0 + timedelta(seconds=4))
    assert second is not None and more is False
    assert not await queue.complete(
        second,
        status="error",
        error={"error": "ValueError", "message": "x"},
        thread_status="error",
        values={"v": 2},
        interrupts={},
        now=T0 + timedelta(seconds=5),
    )
    thread = await threads.get(thread_id, "acme")
    assert thread.status == "error" and thread.error == {"error": "ValueError", "message": "x"}
    assert (await runs.get(second.run_id, "acme")).ended_at is not None


async def test_claim_next_when_scheduled_later_then_not_due_before_its_time(queue, runs, thread_id):
    due = T0 + timedelta(seconds=30)
    run, _ = await enqueue(runs, thread_id, created_at=due)
    assert await queue.claim_next(thread_id, T0) == (None, False)
    assert (await queue.claim_next(thread_id, due))[0].run_id == run.run_id


async def test_complete_when_events_given_then_stored_with_the_outcome(
    queue, runs, sessions, thread_id
):
    run, _ = await runs.enqueue(
        new_run(thread_id), strategy="enqueue", thread_metadata_update={}, now=T0, claim=True
    )
    events = RunEventRepository(sessions)
    await events.append(run.run_id, [(0, "metadata", '{"run_id":"x"}')], T0)
    tail = [(run.run_id, 1, "values", '{"v":1}'), (run.run_id, 2, "values", '{"v":2}')]
    await queue.complete(
        run,
        status="success",
        error=None,
        thread_status="idle",
        values={"v": 2},
        interrupts={},
        now=T0 + timedelta(seconds=1),
        events=tail,
    )
    assert [seq for seq, _, _ in await events.after(run.run_id, -1)] == [0, 1, 2]
    assert (await runs.get(run.run_id, "acme")).status == "success"


async def test_complete_when_run_deleted_meanwhile_then_no_events_and_no_error(
    queue, runs, sessions, thread_id
):
    run, _ = await runs.enqueue(
        new_run(thread_id), strategy="enqueue", thread_metadata_update={}, now=T0, claim=True
    )
    await runs.delete(run.run_id, "acme")
    waiting = await queue.complete(
        run,
        status="success",
        error=None,
        thread_status="idle",
        values={},
        interrupts={},
        now=T0,
        events=[(run.run_id, 0, "metadata", "{}")],
    )
    assert waiting is False
    assert await RunEventRepository(sessions).after(run.run_id, -1) == []


# --- cancel: decided on the stored status, under the thread's lock --------------------------


async def test_claim_next_when_run_claimed_then_on_claim_told_the_claimed_run(
    queue, runs, thread_id
):
    run, _ = await enqueue(runs, thread_id)
    seen = []

    claimed, _ = await queue.claim_next(thread_id, T0 + timedelta(seconds=1), on_claim=seen.append)

    assert seen == [claimed] and claimed.run_id == run.run_id
    assert (await runs.get(run.run_id, "acme")).status == "running"


async def test_cancel_when_pending_then_interrupted_and_thread_idle(
    queue, runs, threads, thread_id
):
    run, _ = await enqueue(runs, thread_id)
    seen = []

    def decide(stored):
        seen.append(stored)
        return "interrupted"

    found = await queue.cancel(thread_id, "acme", decide, now=T0, run_id=run.run_id)

    assert [r.status for r in found] == ["pending"] and seen == found
    stored = await runs.get(run.run_id, "acme")
    assert stored.status == "interrupted" and stored.ended_at is not None
    assert (await threads.get(thread_id, "acme")).status == "idle"


async def test_cancel_when_rollback_step_then_run_deleted(queue, runs, thread_id):
    run, _ = await enqueue(runs, thread_id)

    await queue.cancel(thread_id, "acme", lambda _: "delete", now=T0, run_id=run.run_id)

    assert await runs.get(run.run_id, "acme") is None


async def test_cancel_when_decide_leaves_it_then_run_and_busy_thread_untouched(
    queue, runs, threads, thread_id
):
    run, _ = await enqueue(runs, thread_id)
    claimed, _ = await queue.claim_next(thread_id, T0 + timedelta(seconds=1))

    found = await queue.cancel(thread_id, "acme", lambda _: None, now=T0, run_id=run.run_id)

    assert [r.status for r in found] == ["running"]  # read after the claim, as stored
    assert (await runs.get(run.run_id, "acme")).status == "running"
    assert (await threads.get(thread_id, "acme")).status == "busy"


async def test_cancel_when_other_tenant_or_run_gone_then_none_or_nothing(queue, runs, thread_id):
    run, _ = await enqueue(runs, thread_id)

    def never(_):
        raise AssertionError("nothing to decide")

    assert await queue.cancel(thread_id, "globex", never, now=T0, run_id=run.run_id) is None
    assert await queue.cancel(thread_id, "acme", never, now=T0, run_id=str(uuid.uuid4())) == []
    assert (await runs.get(run.run_id, "acme")).status == "pending"


async def test_cancel_when_deleting_thread_then_every_inflight_run_decided_and_all_gone(
    queue, runs, threads, thread_id
):
    first, _ = await enqueue(runs, thread_id, at=T0)
    second, _ = await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    await queue.claim_next(thread_id, T0 + timedelta(seconds=2))
    seen = []

    def decide(stored):
        seen.append((stored.run_id, stored.status))
        return "interrupted"

    found = await queue.cancel(thread_id, "acme", decide, now=T0, delete_thread=True)

    assert seen == [(first.run_id, "running"), (second.run_id, "pending")]
    assert [r.run_id for r in found] == [first.run_id, second.run_id]
    assert await threads.get(thread_id, "acme") is None
    assert await runs.get(first.run_id, "acme") is None
    assert await runs.get(second.run_id, "acme") is None


async def test_discard_when_others_queued_then_run_deleted_and_thread_busy(
    queue, runs, threads, thread_id
):
    await enqueue(runs, thread_id, at=T0)
    await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    first, _ = await queue.claim_next(thread_id, T0 + timedelta(seconds=2))

    waiting = await queue.discard(
        first, thread_status="idle", values={"v": 0}, interrupts={}, now=T0
    )

    assert waiting is True
    assert await runs.get(first.run_id, "acme") is None
    thread = await threads.get(thread_id, "acme")
    assert thread.status == "busy" and thread.values == {"v": 0}
