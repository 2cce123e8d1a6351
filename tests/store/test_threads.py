"""Thread repository on SQLite and PostgreSQL: create, tenancy, search, merge, cascade, state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sight.errors import ConflictError, InputValidationError, NotFoundError
from store.run_events import RunEventRepository
from store.runs import NewRun, RunRepository
from store.threads import ThreadRepository

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def tid() -> str:
    return str(uuid.uuid4())


async def test_create_then_get_returns_idle_thread_with_utc_times(threads):
    thread_id = tid()
    created = await threads.create(thread_id, "acme", {"a": 1}, now=T0)
    got = await threads.get(thread_id, "acme")
    assert got == created
    assert got.status == "idle" and got.values is None and got.interrupts == {}
    assert got.created_at == T0 and got.created_at.tzinfo is not None
    assert got.to_api() == {
        "thread_id": thread_id,
        "created_at": "2026-11-21T12:00:00+00:00",
        "updated_at": "2026-11-21T12:00:00+00:00",
        "state_updated_at": "2026-11-21T12:00:00+00:00",
        "metadata": {"a": 1},
        "status": "idle",
        "config": {},
        "values": None,
        "interrupts": {},
        "error": None,
    }


async def test_create_when_exists_then_raise_or_return_existing(threads):
    thread_id = tid()
    first = await threads.create(thread_id, "acme", {"v": 1}, now=T0)
    with pytest.raises(ConflictError, match=f"Thread with ID {thread_id} already exists"):
        await threads.create(thread_id, "acme", {"v": 2}, now=T0)
    again = await threads.create(thread_id, "acme", {"v": 2}, now=T0, if_exists="do_nothing")
    assert again == first


@pytest.mark.parametrize("if_exists", ["raise", "do_nothing"])
async def test_create_when_other_tenant_owns_id_then_own_thread_under_a_key_of_its_own(
    threads, if_exists
):
    thread_id = tid()
    theirs = await threads.create(thread_id, "acme", {"k": "acme"}, now=T0)
    mine = await threads.create(thread_id, "other", {"k": "other"}, now=T0, if_exists=if_exists)

    assert mine.public_id == thread_id and mine.to_api()["thread_id"] == thread_id
    assert mine.thread_id != thread_id and theirs.thread_id == thread_id
    assert await threads.find(thread_id, "other") == mine
    assert await threads.find(thread_id, "acme") == theirs
    assert await threads.public_id(mine.thread_id) == thread_id
    assert await threads.search("other", ids=[thread_id]) == ([mine], 1)
    assert await threads.count("acme") == 1 and await threads.count("other") == 1
    again = await threads.create(thread_id, "other", now=T0, if_exists="do_nothing")
    assert again == mine
    with pytest.raises(ConflictError):
        await threads.create(thread_id, "other", now=T0)
    assert await threads.delete(mine.thread_id, "other") is True
    assert await threads.find(thread_id, "acme") == theirs


async def test_other_tenant_cannot_get_patch_delete_or_find_thread(threads):
    thread_id = tid()
    await threads.create(thread_id, "acme", {"k": "v"}, now=T0)
    assert await threads.get(thread_id, "other") is None
    assert await threads.patch_metadata(thread_id, "other", {"x": 1}, now=T0) is None
    assert await threads.delete(thread_id, "other") is False
    assert await threads.search("other") == ([], 0)
    assert await threads.count("other", {"k": "v"}) == 0
    assert (await threads.get(thread_id, "acme")).metadata == {"k": "v"}


async def test_patch_metadata_when_keys_given_then_shallow_merged_and_updated_at_bumped(threads):
    thread_id = tid()
    await threads.create(thread_id, "acme", {"a": 1, "nested": {"x": 1, "y": 2}}, now=T0)
    later = T0 + timedelta(minutes=1)
    patched = await threads.patch_metadata(
        thread_id, "acme", {"b": 2, "nested": {"x": 9}}, now=later
    )
    assert patched.metadata == {"a": 1, "b": 2, "nested": {"x": 9}}
    assert patched.updated_at == later and patched.created_at == T0
    assert await threads.get(thread_id, "acme") == patched


async def _seed(threads: ThreadRepository) -> list[str]:
    ids = []
    docs = [
        {"graph_id": "kpi", "user": "ann", "tags": ["a", "b"]},
        {"graph_id": "kpi", "user": "bob", "cfg": {"x": 1, "y": 2}},
        {"graph_id": "chat", "user": "ann", "flag": True},
        {"graph_id": "kpi", "user": "ann", "flag": 1},
    ]
    for i, doc in enumerate(docs):
        thread_id = f"00000000-0000-0000-0000-00000000000{i}"
        await threads.create(thread_id, "acme", doc, now=T0 + timedelta(minutes=i))
        ids.append(thread_id)
    await threads.create(tid(), "other", {"graph_id": "kpi"}, now=T0)
    return ids


async def test_search_by_metadata_then_containment_total_and_default_newest_first(threads):
    ids = await _seed(threads)
    found, total = await threads.search("acme", metadata={"graph_id": "kpi"})
    assert [t.thread_id for t in found] == [ids[3], ids[1], ids[0]] and total == 3
    found, total = await threads.search("acme", metadata={"graph_id": "kpi", "user": "ann"})
    assert [t.thread_id for t in found] == [ids[3], ids[0]] and total == 2
    assert await threads.count("acme", {"graph_id": "kpi"}) == 3
    assert await threads.count("acme") == 4


async def test_search_when_nested_or_typed_values_then_compared_whole_and_strictly(threads):
    ids = await _seed(threads)
    assert (await threads.search("acme", metadata={"cfg": {"x": 1}}))[1] == 0
    found, _ = await threads.search("acme", metadata={"cfg": {"y": 2, "x": 1}})
    assert [t.thread_id for t in found] == [ids[1]]
    assert (await threads.search("acme", metadata={"tags": ["a"]}))[1] == 0
    assert (await threads.search("acme", metadata={"tags": ["b", "a"]}))[1] == 0
    assert (await threads.search("acme", metadata={"tags": ["a", "b"]}))[1] == 1
    found, _ = await threads.search("acme", metadata={"flag": True})
    assert [t.thread_id for t in found] == [ids[2]]
    found, _ = await threads.search("acme", metadata={"flag": 1})
    assert [t.thread_id for t in found] == [ids[3]]
    assert (await threads.search("acme", metadata={"missing": None}))[1] == 0
    assert (await threads.search("acme", metadata={}))[1] == 4


async def test_search_with_limit_offset_then_pages_without_overlap_and_exact_total(threads):
    ids = await _seed(threads)
    pages = []
    for offset in (0, 2, 4):
        found, total = await threads.search(
            "acme", metadata={"user": "ann"}, limit=2, offset=offset, sort_by="created_at"
        )
        assert total == 3
        pages.append([t.thread_id for t in found])
    assert pages == [[ids[3], ids[2]], [ids[0]], []]
    found, total = await threads.search("acme", limit=3, offset=1, sort_order="asc")
    assert [t.thread_id for t in found] == ids[1:4] and total == 4


async def test_search_by_ids_status_values_and_sort_by_thread_id(threads):
    ids = await _seed(threads)
    await threads.set_state(
        ids[2],
        status="interrupted",
        values={"n": 1, "m": {"a": 1}},
        interrupts={},
        error=None,
        now=T0,
    )
    found, total = await threads.search("acme", ids=[ids[0], ids[2]], sort_by="thread_id")
    assert [t.thread_id for t in found] == [ids[2], ids[0]] and total == 2
    found, total = await threads.search("acme", status="interrupted")
    assert [t.thread_id for t in found] == [ids[2]] and total == 1
    found, total = await threads.search("acme", values={"m": {"a": 1}})
    assert [t.thread_id for t in found] == [ids[2]] and total == 1
    assert (await threads.search("acme", values={}))[1] == 1  # threads without values never match
    assert await threads.count("acme", values={"n": 1}, status="interrupted") == 1
    assert await threads.count("acme", values={"n": 2}) == 0


async def test_search_when_sort_by_unknown_then_validation_error(threads):
    with pytest.raises(InputValidationError):
        await threads.search("acme", sort_by="metadata; drop table threads")


async def test_set_state_then_status_values_interrupts_error_and_times_updated(threads):
    thread_id = tid()
    await threads.create(thread_id, "acme", now=T0)
    later = T0 + timedelta(seconds=5)
    interrupts = {"task-1": [{"id": "i1", "value": {"question": "ok?"}}]}
    assert await threads.set_state(
        thread_id,
        status="interrupted",
        values={"a": 1},
        interrupts=interrupts,
        error=None,
        now=later,
    )
    got = await threads.get(thread_id, "acme")
    assert (got.status, got.values, got.interrupts, got.error) == (
        "interrupted",
        {"a": 1},
        interrupts,
        None,
    )
    assert got.updated_at == later and got.state_updated_at == later
    error = {"error": "ValueError", "message": "boom"}
    await threads.set_state(
        thread_id, status="error", values=None, interrupts={}, error=error, now=later
    )
    got = await threads.get(thread_id, "acme")
    assert got.error == error and got.values is None
    even_later = later + timedelta(seconds=1)
    assert await threads.set_status(thread_id, "idle", even_later)
    got = await threads.get(thread_id, "acme")
    assert got.status == "idle" and got.updated_at == even_later and got.state_updated_at == later
    assert not await threads.set_status(tid(), "idle", even_later)


async def test_delete_then_thread_runs_and_events_gone(sessions, threads):
    runs, events = RunRepository(sessions), RunEventRepository(sessions)
    thread_id, run_id = tid(), tid()
    await threads.create(thread_id, "acme", now=T0)
    await runs.enqueue(
        NewRun(run_id, thread_id, "acme", tid(), "kpi"),
        strategy="enqueue",
        thread_metadata_update={},
        now=T0,
    )
    await events.append(run_id, [(0, "metadata", "{}"), (1, "values", '{"a":1}')], now=T0)
    assert await threads.delete(thread_id, "acme") is True
    assert await threads.get(thread_id, "acme") is None
    assert await runs.get(run_id, "acme") is None
    assert await events.last_seq(run_id) == -1
    assert await threads.delete(thread_id, "acme") is False


async def test_update_when_idle_then_state_written_and_stored(threads):
    thread_id = tid()
    await threads.create(thread_id, "acme", now=T0)

    async def update():
        return "interrupted", {"v": 1}, {"t": [{"value": "?"}]}

    await threads.update_when_idle(thread_id, "acme", update, now=T0 + timedelta(seconds=1))

    thread = await threads.get(thread_id, "acme")
    assert (thread.status, thread.values, thread.interrupts) == (
        "interrupted",
        {"v": 1},
        {"t": [{"value": "?"}]},
    )
    assert thread.state_updated_at == T0 + timedelta(seconds=1)


async def test_update_when_idle_when_run_inflight_or_thread_not_owned_then_refused_unwritten(
    sessions, threads
):
    thread_id = tid()
    await threads.create(thread_id, "acme", now=T0)
    await RunRepository(sessions).enqueue(
        NewRun(tid(), thread_id, "acme", tid(), "kpi"),
        strategy="enqueue",
        thread_metadata_update={},
        now=T0,
    )
    written = []

    async def update():
        written.append(True)
        return "idle", {}, {}

    with pytest.raises(ConflictError):
        await threads.update_when_idle(thread_id, "acme", update, now=T0)
    with pytest.raises(NotFoundError):
        await threads.update_when_idle(thread_id, "globex", update, now=T0)
    assert written == []
