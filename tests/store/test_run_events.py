"""Run event repository on SQLite and PostgreSQL: append (one run or many), replay, purge."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from store.run_events import UnknownRunError

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def test_append_then_after_returns_events_in_seq_order(events, make_run):
    run_id = await make_run()
    batch = [(2, "values", '{"a":2}'), (0, "metadata", '{"run_id":"r"}'), (1, "values", '{"a":1}')]
    await events.append(run_id, batch, now=T0)
    assert await events.after(run_id, -1) == sorted(batch)
    assert await events.after(run_id, 0) == [(1, "values", '{"a":1}'), (2, "values", '{"a":2}')]
    assert await events.after(run_id, 0, limit=1) == [(1, "values", '{"a":1}')]
    assert await events.after(run_id, 2) == []
    assert await events.last_seq(run_id) == 2


async def test_last_seq_when_no_events_then_minus_one(events, make_run):
    assert await events.last_seq(await make_run()) == -1
    await events.append(await make_run(), [], now=T0)


async def test_append_when_seq_already_stored_then_kept_and_rest_inserted(events, make_run):
    run_id = await make_run()
    await events.append(run_id, [(0, "metadata", "{}"), (1, "values", '{"v":1}')], now=T0)
    await events.append(run_id, [(1, "values", '{"v":"changed"}'), (2, "end", "null")], now=T0)
    assert await events.after(run_id, -1) == [
        (0, "metadata", "{}"),
        (1, "values", '{"v":1}'),
        (2, "end", "null"),
    ]


async def test_append_when_batch_exceeds_one_insert_then_all_stored(events, make_run):
    run_id = await make_run()
    await events.append(run_id, [(i, "custom", str(i)) for i in range(2500)], now=T0)
    assert await events.last_seq(run_id) == 2499
    assert len(await events.after(run_id, -1)) == 2500


async def test_events_of_other_runs_are_not_mixed(events, make_run):
    a, b = await make_run(), await make_run()
    await events.append(a, [(0, "values", '"a"')], now=T0)
    await events.append(b, [(0, "values", '"b"'), (1, "values", '"b1"')], now=T0)
    assert await events.after(a, -1) == [(0, "values", '"a"')]
    assert await events.last_seq(b) == 1


async def test_append_many_when_rows_of_many_runs_then_each_run_gets_its_own(events, make_run):
    run_ids = [await make_run() for _ in range(30)]
    rows = [
        (run_id, seq, "values", f'"{i}-{seq}"')
        for i, run_id in enumerate(run_ids)
        for seq in range(3)
    ]
    await events.append_many(rows[::-1], now=T0)
    for i, run_id in enumerate(run_ids):
        assert await events.after(run_id, -1) == [(s, "values", f'"{i}-{s}"') for s in range(3)]


async def test_append_many_when_rows_exceed_one_insert_then_all_runs_stored(events, make_run):
    a, b, c = await make_run(), await make_run(), await make_run()
    rows = [(run_id, seq, "custom", str(seq)) for seq in range(900) for run_id in (a, b, c)]
    await events.append_many(rows, now=T0)
    for run_id in (a, b, c):
        assert await events.last_seq(run_id) == 899
        assert len(await events.after(run_id, -1)) == 900


async def test_append_many_when_rows_already_stored_then_kept_and_rest_inserted(events, make_run):
    a, b = await make_run(), await make_run()
    first = [(a, 0, "metadata", "{}"), (b, 0, "metadata", '{"b":0}')]
    await events.append_many(first, now=T0)
    await events.append_many(first, now=T0)  # a retried batch is a no-op
    await events.append_many(
        [(a, 0, "metadata", '"changed"'), (b, 0, "values", '"changed"'), (b, 1, "end", "null")],
        now=T0,
    )
    assert await events.after(a, -1) == [(0, "metadata", "{}")]
    assert await events.after(b, -1) == [(0, "metadata", '{"b":0}'), (1, "end", "null")]


async def test_append_many_when_a_run_does_not_exist_then_nothing_stored(events, make_run):
    known = await make_run()
    rows = [(known, 0, "values", "1"), (str(uuid.uuid4()), 0, "values", "2")]
    with pytest.raises(UnknownRunError) as raised:
        await events.append_many(rows, now=T0)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert await events.last_seq(known) == -1
    await events.append_many([], now=T0)


async def test_purge_then_only_events_of_runs_ended_before_cutoff_deleted(events, make_run):
    old, recent, unfinished = await make_run(), await make_run(), await make_run()
    for run_id in (old, recent, unfinished):
        await events.append(run_id, [(0, "metadata", "{}"), (1, "values", "{}")], now=T0)
    await make_run.runs.finish(old, "success", T0)
    await make_run.runs.finish(recent, "success", T0 + timedelta(hours=2))
    assert await events.purge(T0 + timedelta(hours=1)) == 2
    assert await events.last_seq(old) == -1
    assert await events.last_seq(recent) == 1
    assert await events.last_seq(unfinished) == 1
    assert await events.purge(T0 + timedelta(hours=1)) == 0
