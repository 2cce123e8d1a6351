"""Run repository on SQLite and PostgreSQL: multitask strategies, queue order, atomic claim."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sight.errors import ConflictError, NotFoundError
from store.runs import NewRun

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=1)
ASSISTANT = "6ba7b821-9dad-11d1-80b4-00c04fd430c8"


@pytest.fixture
async def thread_id(threads) -> str:
    thread_id = str(uuid.uuid4())
    await threads.create(thread_id, "acme", {"user": "ann"}, now=T0)
    return thread_id


def new_run(thread_id: str, tenant: str = "acme", **kw) -> NewRun:
    return NewRun(
        str(uuid.uuid4()),
        thread_id,
        tenant,
        ASSISTANT,
        "kpi",
        metadata=kw.pop("metadata", {"source": "test"}),
        kwargs=kw.pop("kwargs", {"input": {"q": 1}, "stream_mode": ["values"]}),
        **kw,
    )


async def enqueue(runs, thread_id, strategy="enqueue", at=T0, **kw):
    return await runs.enqueue(
        new_run(thread_id, **kw),
        strategy=strategy,
        thread_metadata_update={"graph_id": "kpi", "assistant_id": ASSISTANT},
        now=at,
    )


async def test_enqueue_then_pending_run_stored_and_thread_busy_with_graph_metadata(
    runs, threads, thread_id
):
    later = T0 + timedelta(seconds=1)
    run, inflight = await enqueue(runs, thread_id, at=later)
    assert inflight == []
    assert run.status == "pending" and run.attempt == 0 and run.created_at == later
    assert await runs.get(run.run_id, "acme") == run
    assert await runs.get(run.run_id, "acme", public_thread_id=thread_id) == run
    assert await runs.get(run.run_id, "acme", public_thread_id=str(uuid.uuid4())) is None
    thread = await threads.get(thread_id, "acme")
    assert thread.status == "busy" and thread.updated_at == later
    assert thread.metadata == {"user": "ann", "graph_id": "kpi", "assistant_id": ASSISTANT}
    api = run.to_api()
    assert api["status"] == "pending" and api["kwargs"]["input"] == {"q": 1}
    assert api["created_at"] == "2026-11-21T12:00:01+00:00"
    assert set(api) == {
        "run_id",
        "thread_id",
        "assistant_id",
        "created_at",
        "updated_at",
        "status",
        "metadata",
        "kwargs",
        "multitask_strategy",
    }


async def test_enqueue_with_claim_when_thread_idle_then_stored_running_attempt_one(runs, thread_id):
    run, inflight = await runs.enqueue(
        new_run(thread_id), strategy="enqueue", thread_metadata_update={}, now=T0, claim=True
    )
    assert inflight == []
    assert (run.status, run.attempt, run.started_at) == ("running", 1, T0)
    assert await runs.get(run.run_id, "acme") == run


async def test_enqueue_with_claim_when_run_inflight_then_stored_pending(runs, thread_id):
    first, _ = await enqueue(runs, thread_id)
    second, inflight = await runs.enqueue(
        new_run(thread_id), strategy="enqueue", thread_metadata_update={}, now=T0, claim=True
    )
    assert [r.run_id for r in inflight] == [first.run_id]
    assert (second.status, second.attempt, second.started_at) == ("pending", 0, None)


async def test_enqueue_with_claim_when_run_scheduled_later_then_stored_pending(runs, thread_id):
    later = new_run(thread_id, created_at=T0 + timedelta(seconds=30))
    run, _ = await runs.enqueue(
        later, strategy="enqueue", thread_metadata_update={}, now=T0, claim=True
    )
    assert run.status == "pending" and run.attempt == 0


async def test_enqueue_when_thread_missing_or_other_tenant_then_not_found(runs, thread_id):
    with pytest.raises(NotFoundError, match="Thread or assistant not found."):
        await enqueue(runs, str(uuid.uuid4()))
    with pytest.raises(NotFoundError):
        await runs.enqueue(
            new_run(thread_id, tenant="other"),
            strategy="enqueue",
            thread_metadata_update={},
            now=T0,
        )
    assert await runs.inflight(thread_id) == []


async def test_enqueue_reject_when_inflight_then_conflict_and_nothing_inserted(runs, thread_id):
    first, _ = await enqueue(runs, thread_id, strategy="reject")
    with pytest.raises(ConflictError, match="Thread is already running a task"):
        await enqueue(runs, thread_id, strategy="reject")
    assert [r.run_id for r in await runs.list(thread_id, "acme")] == [first.run_id]
    await runs.finish(first.run_id, "success", T0)
    second, inflight = await enqueue(runs, thread_id, strategy="reject")
    assert inflight == [] and second.status == "pending"


@pytest.mark.parametrize("strategy", ["enqueue", "interrupt", "rollback"])
async def test_enqueue_when_inflight_then_inserted_and_inflight_returned_oldest_first(
    queue, runs, thread_id, strategy
):
    a, _ = await enqueue(runs, thread_id, at=T0)
    b, _ = await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    assert (await queue.claim_next(thread_id, LATER))[0].run_id == a.run_id
    c, inflight = await enqueue(runs, thread_id, strategy=strategy, at=T0 + timedelta(seconds=2))
    assert [r.run_id for r in inflight] == [a.run_id, b.run_id]
    assert [r.status for r in inflight] == ["running", "pending"]
    assert [r.run_id for r in await runs.inflight(thread_id)] == [a.run_id, b.run_id, c.run_id]


async def test_enqueue_reject_when_ten_race_on_one_thread_then_exactly_one_inserted(
    runs, thread_id
):
    results = await asyncio.gather(
        *(enqueue(runs, thread_id, strategy="reject") for _ in range(10)), return_exceptions=True
    )
    inserted = [r for r in results if isinstance(r, tuple)]
    assert len(inserted) == 1
    assert all(isinstance(r, ConflictError) for r in results if not isinstance(r, tuple))
    assert len(await runs.list(thread_id, "acme", limit=100)) == 1


async def test_finish_and_set_status_with_expect_then_only_from_those_statuses(
    queue, runs, thread_id
):
    run, _ = await enqueue(runs, thread_id)
    assert (await queue.claim_next(thread_id, LATER))[0].run_id == run.run_id
    assert await runs.finish(run.run_id, "interrupted", T0, expect=("pending",)) is None
    assert not await runs.set_status(run.run_id, "interrupted", T0, expect=["pending"])
    assert await runs.set_status(run.run_id, "interrupted", T0, expect=["running"])
    assert (await runs.get(run.run_id, "acme")).status == "interrupted"
    assert await runs.finish(str(uuid.uuid4()), "success", T0) is None


async def test_unfinished_then_pending_and_running_of_every_tenant_oldest_first(
    queue, runs, threads, thread_id
):
    other_thread = str(uuid.uuid4())
    await threads.create(other_thread, "other", now=T0)
    a, _ = await enqueue(runs, thread_id, at=T0)
    b, _ = await enqueue(runs, thread_id, at=T0 + timedelta(seconds=1))
    c, _ = await runs.enqueue(
        new_run(other_thread, tenant="other"),
        strategy="enqueue",
        thread_metadata_update={},
        now=T0 + timedelta(seconds=2),
    )
    d, _ = await enqueue(runs, thread_id, at=T0 + timedelta(seconds=3))
    assert (await queue.claim_next(thread_id, LATER))[0].run_id == a.run_id
    await runs.finish(d.run_id, "success", T0)
    assert [r.run_id for r in await runs.unfinished()] == [a.run_id, b.run_id, c.run_id]


async def test_list_then_newest_first_paged_filtered_and_tenant_scoped(runs, thread_id):
    made = [(await enqueue(runs, thread_id, at=T0 + timedelta(seconds=i)))[0] for i in range(3)]
    await runs.finish(made[1].run_id, "success", T0)
    listed = await runs.list(thread_id, "acme")
    assert [r.run_id for r in listed] == [m.run_id for m in reversed(made)]
    assert [r.run_id for r in await runs.list(thread_id, "acme", limit=1, offset=1)] == [
        made[1].run_id
    ]
    assert [r.run_id for r in await runs.list(thread_id, "acme", status="success")] == [
        made[1].run_id
    ]
    assert await runs.list(thread_id, "other") == []


async def test_get_and_delete_when_other_tenant_then_none_and_false(runs, thread_id):
    run, _ = await enqueue(runs, thread_id)
    assert await runs.get(run.run_id, "other") is None
    assert await runs.delete(run.run_id, "other") is False
    assert await runs.delete(run.run_id, "acme") is True
    assert await runs.get(run.run_id, "acme") is None
    assert await runs.delete(run.run_id, "acme") is False


async def test_status_then_as_stored_for_any_tenant_and_none_once_deleted(runs, thread_id):
    run, _ = await enqueue(runs, thread_id)
    assert await runs.status(run.run_id) == "pending"
    await runs.finish(run.run_id, "success", LATER)
    assert await runs.status(run.run_id) == "success"
    await runs.delete(run.run_id, "acme")
    assert await runs.status(run.run_id) is None
