"""Run stream registry: batched write-behind, finish() after the flush in flight, deleted runs."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from runtime.streams import StreamRegistry
from store.run_events import RunEventRepository, UnknownRunError

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
Row = tuple[str, int, str, str]


class FakeEvents:
    """A RunEventRepository stand-in: records each append_many call; can be held or failing."""

    def __init__(self) -> None:
        self.calls: list[list[Row]] = []
        self.stored: list[Row] = []
        self.missing: set[str] = set()  # runs whose rows raise UnknownRunError
        self.broken: set[str] = set()  # runs whose rows raise another error
        self.gate: asyncio.Event | None = None  # when set, calls wait for it
        self.entered = asyncio.Event()
        self.in_flight = 0

    async def append_many(self, rows: list[Row], now: datetime) -> None:
        self.calls.append(list(rows))
        self.in_flight += 1
        self.entered.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            runs = {row[0] for row in rows}
            if runs & self.missing:
                raise UnknownRunError("gone")
            if runs & self.broken:
                raise RuntimeError("database is locked")
            self.stored.extend(rows)
        finally:
            self.in_flight -= 1

    async def last_seq(self, run_id: str) -> int:
        return -1

    def runs_stored(self) -> set[str]:
        return {row[0] for row in self.stored}


@pytest.fixture
def fake() -> FakeEvents:
    return FakeEvents()


@pytest.fixture
def registry(fake: FakeEvents) -> StreamRegistry:
    return StreamRegistry(fake, clock=lambda: T0)  # type: ignore[arg-type]


def publish_to(registry: StreamRegistry, run_ids: list[str], events: int = 1) -> None:
    for run_id in run_ids:
        stream = registry.open_new(run_id)
        for i in range(events):
            stream.publish("values", {"i": i})


async def test_flush_when_many_streams_pending_then_one_append_many_call(registry, fake):
    run_ids = [f"run-{i}" for i in range(200)]
    publish_to(registry, run_ids, events=2)
    await registry.flush_all()
    assert len(fake.calls) == 1
    assert sorted(fake.calls[0]) == sorted(
        (run_id, seq, "values", f'{{"i":{seq}}}') for run_id in run_ids for seq in range(2)
    )
    assert all(registry.get(run_id).persisted == 2 for run_id in run_ids)


async def test_flush_when_only_some_streams_published_then_only_their_events_written(
    registry, fake
):
    publish_to(registry, [f"run-{i}" for i in range(100)])
    await registry.flush_all()
    await registry.flush_all()  # nothing new: no call at all
    assert len(fake.calls) == 1
    registry.get("run-7").publish("values", "late")
    registry.get("run-42").publish("values", "later")
    await registry.flush_all()
    assert fake.calls[1:] == [
        [("run-7", 1, "values", '"late"'), ("run-42", 1, "values", '"later"')]
    ]


async def test_flush_when_write_fails_then_persisted_unchanged_and_retried(registry, fake):
    publish_to(registry, ["a", "b", "c"])
    fake.broken = {"a", "b", "c"}
    await registry.flush_all()
    assert [registry.get(r).persisted for r in "abc"] == [0, 0, 0]
    # The batch, then one run alone: an error not about a run stops the pass (database down).
    assert len(fake.calls) == 2
    fake.broken.clear()
    await registry.flush_all()
    assert [registry.get(r).persisted for r in "abc"] == [1, 1, 1]
    assert len(fake.calls) == 3 and len(fake.calls[2]) == 3


async def test_flush_when_events_published_during_write_then_only_written_ones_persisted(
    registry, fake
):
    publish_to(registry, ["a"], events=2)
    fake.gate = asyncio.Event()
    flushing = asyncio.create_task(registry.flush_all())
    await asyncio.wait_for(fake.entered.wait(), 5)
    registry.get("a").publish("values", "during")
    fake.gate.set()
    await flushing
    assert registry.get("a").persisted == 2
    await registry.flush_all()
    assert fake.calls[-1] == [("a", 2, "values", '"during"')]
    assert registry.get("a").persisted == 3


async def test_flush_when_cancelled_mid_write_then_events_stay_pending(registry, fake):
    publish_to(registry, ["a", "b"])
    fake.gate = asyncio.Event()
    flushing = asyncio.create_task(registry.flush_all())
    await asyncio.wait_for(fake.entered.wait(), 5)
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    fake.gate = None
    await registry.stop()  # the final flush of a stopping server
    assert sorted(fake.stored) == [("a", 0, "values", '{"i":0}'), ("b", 0, "values", '{"i":0}')]


async def test_finish_when_flush_in_flight_then_returns_after_it_with_all_persisted(registry, fake):
    publish_to(registry, ["a", "b"])
    stream = registry.get("a")
    fake.gate = asyncio.Event()
    flushing = asyncio.create_task(registry.flush_all())
    await asyncio.wait_for(fake.entered.wait(), 5)
    stream.publish("end", None)
    finishing = asyncio.create_task(registry.finish(stream))
    await asyncio.sleep(0.05)
    assert not finishing.done()  # waits for the flush that is writing this stream's rows
    fake.gate.set()
    await asyncio.wait_for(finishing, 5)
    # Now the worker may delete the run: nothing of it is being written or left to write.
    assert fake.in_flight == 0
    assert stream.persisted == len(stream.events) == 2
    assert [row for row in fake.stored if row[0] == "a"] == [
        ("a", 0, "values", '{"i":0}'),
        ("a", 1, "end", "null"),
    ]
    await flushing
    fake.missing.add("a")
    await registry.flush_all()
    assert len(fake.calls) == 2  # the pass and finish's tail; no later write of run a


async def test_flush_when_a_run_was_deleted_then_its_rows_dropped_and_others_stored(
    registry, fake, caplog
):
    publish_to(registry, ["a", "gone", "b"])
    registry.get("gone").publish("values", "secret-payload")
    fake.missing.add("gone")
    with caplog.at_level(logging.WARNING, logger="runtime.streams"):
        await registry.flush_all()
    assert fake.runs_stored() == {"a", "b"}
    assert registry.get("gone").persisted == 2  # dropped, never retried
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "gone" in warnings[0].getMessage()
    assert "secret" not in caplog.text and not warnings[0].exc_info
    calls = len(fake.calls)
    publish_to(registry, ["a", "b"])
    await registry.flush_all()
    assert len(fake.calls) == calls + 1  # back to one batch per pass


async def test_flush_when_one_run_keeps_failing_then_the_others_still_stored(registry, fake):
    publish_to(registry, ["bad", "a", "b"])
    fake.broken.add("bad")
    for _ in range(3):
        await registry.flush_all()
    assert fake.runs_stored() == {"a", "b"}
    assert registry.get("bad").persisted == 0
    fake.broken.clear()
    await registry.flush_all()
    assert fake.runs_stored() == {"a", "b", "bad"}


async def test_flush_when_stream_dropped_then_its_events_not_written(registry, fake):
    publish_to(registry, ["a", "rolled-back"])
    registry.drop("rolled-back")
    await registry.flush_all()
    assert fake.runs_stored() == {"a"}


# --- on the real databases ------------------------------------------------------------------
async def test_registry_when_run_deleted_before_flush_then_others_persisted(
    events: RunEventRepository, make_run, caplog
):
    registry = StreamRegistry(events, clock=lambda: T0)
    kept, deleted = await make_run(), await make_run()
    for run_id in (kept, deleted):
        stream = await registry.open(run_id)
        stream.publish("metadata", {"run_id": run_id})
        stream.publish("values", {"secret": "payload"})
    assert await make_run.runs.delete(deleted, "acme")
    with caplog.at_level(logging.WARNING, logger="runtime.streams"):
        await registry.flush_all()
    assert [seq for seq, _, _ in await events.after(kept, -1)] == [0, 1]
    assert await events.last_seq(deleted) == -1
    assert registry.get(deleted).persisted == 2
    assert deleted in caplog.text and "payload" not in caplog.text
    # finish() persists the tail before returning: the run can be deleted right after.
    stream = registry.get(kept)
    stream.publish("end", None)
    await registry.finish(stream)
    assert await events.last_seq(kept) == 2


async def test_finish_with_store_when_ok_then_tail_handed_over_and_stream_closed_after(
    registry, fake
):
    publish_to(registry, ["a"], events=2)
    await registry.flush_all()  # the first two stored by the flusher
    stream = registry.get("a")
    stream.publish("values", {"i": 2})
    seen: list[tuple[list[Row], bool]] = []

    async def store(rows: list[Row]) -> str:
        seen.append((rows, stream.done))
        return "stored"

    assert await registry.finish(stream, store) == "stored"
    assert seen == [([("a", 2, "values", '{"i":2}')], False)]  # only the tail, before closing
    assert stream.done and stream.persisted == 3
    await registry.flush_all()
    assert len(fake.calls) == 1  # nothing left for the flusher


async def test_finish_with_store_when_it_fails_then_events_pending_and_stream_closed(
    registry, fake
):
    publish_to(registry, ["a"], events=2)
    stream = registry.get("a")

    async def store(rows: list[Row]) -> None:
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        await registry.finish(stream, store)
    assert stream.done and stream.persisted == 0  # its followers are not left waiting
    await registry.flush_all()  # the write-behind still stores them
    assert fake.stored == [("a", 0, "values", '{"i":0}'), ("a", 1, "values", '{"i":1}')]
