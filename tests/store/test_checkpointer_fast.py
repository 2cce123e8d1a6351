"""The checkpointer factory, and how FastPostgresSaver commits (rows read with plain SQL)."""

from __future__ import annotations

import asyncio
import logging
import operator
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, TypedDict

import psycopg
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from sight.settings import Settings
from store.checkpoint import CheckpointFlushError, FastPostgresSaver, fast_postgres_saver
from store.checkpoint.factory import PG_CONNECTION_KWARGS, libpq_url, open_checkpointer
from tests.store.test_checkpointer_conformance import conf, pg_schema_settings, put


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return pg_schema_settings(postgres_url, tmp_path / "data")


def count_rows(settings: Settings, table: str, thread_id: str) -> int:
    with psycopg.connect(libpq_url(settings.database_url_resolved)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE thread_id = %s", (thread_id,))
        return row.fetchone()[0]


async def wait_for_rows(settings: Settings, table: str, thread_id: str, rows: int) -> int:
    """Poll (up to 5 s) until the table holds that many rows of the thread; return the count."""
    for _ in range(100):
        if (found := count_rows(settings, table, thread_id)) == rows:
            break
        await asyncio.sleep(0.05)
    return found


async def wait_for_lock_wait(settings: Settings) -> None:
    """Poll until a statement of this database waits for a row lock."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    with psycopg.connect(libpq_url(settings.database_url_resolved), autocommit=True) as conn:
        for _ in range(100):
            if conn.execute(sql).fetchone()[0]:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("no statement ever waited for the lock")


@asynccontextmanager
async def write_lock(settings: Settings, checkpoint_id: str) -> AsyncIterator:
    """Hold an uncommitted checkpoint_writes row of (t1, checkpoint_id, task-1, 0): a save of
    that write waits for it. Roll back to let the save through."""
    url = libpq_url(settings.database_url_resolved)
    async with await psycopg.AsyncConnection.connect(url) as blocker:
        await blocker.execute(
            "INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id,"
            " task_path, idx, channel, type, blob) VALUES ('t1', '', %s, 'task-1', '', 0, 'x',"
            " 'null', '')",
            (checkpoint_id,),
        )
        yield blocker
        await blocker.rollback()


async def hold_connection(saver: FastPostgresSaver, seconds: float) -> None:
    async with saver.pool.connection() as conn:
        await conn.execute("SELECT pg_sleep(%s)", (seconds,))


class HookPool(AsyncConnectionPool):
    """Runs ``after_putconn`` once, in the loop iteration where a connection comes back."""

    after_putconn = None

    async def putconn(self, conn: psycopg.AsyncConnection) -> None:
        await super().putconn(conn)
        if (hook := self.after_putconn) is not None:
            self.after_putconn = None
            asyncio.get_running_loop().call_soon(hook)


@asynccontextmanager
async def fast_saver(
    settings: Settings,
    pool_size: int = 4,
    pool_timeout: float = 30.0,
    pool_class: type[AsyncConnectionPool] = AsyncConnectionPool,
    **options,
) -> AsyncIterator:
    async with pool_class(
        libpq_url(settings.database_url_resolved),
        min_size=pool_size,
        max_size=pool_size,
        timeout=pool_timeout,
        kwargs=PG_CONNECTION_KWARGS,
        open=False,
    ) as pool:
        saver = FastPostgresSaver(pool, **{"write_linger_s": 3600, **options})
        await saver.setup()
        try:
            yield saver
        finally:
            await saver.aclose()


# --- factory -------------------------------------------------------------------------


def test_libpq_url_when_sqlalchemy_url_then_driver_dropped_and_options_kept():
    url = "postgresql+psycopg://u:p@db:5433/sight?options=-csearch_path%3Dtenant"
    assert libpq_url(url) == "postgresql://u:p@db:5433/sight?options=-csearch_path%3Dtenant"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        libpq_url("sqlite+aiosqlite:///x.db")


async def test_open_checkpointer_when_no_database_url_then_sqlite_file_in_data_dir(
    settings: Settings,
):
    assert not settings.data_dir.exists()
    async with open_checkpointer(settings) as saver:
        assert isinstance(saver, AsyncSqliteSaver)
        _, cfg = await put(saver, conf("t1"), {"a": [1]})
    assert (settings.data_dir / "checkpoints.sqlite").is_file()
    async with open_checkpointer(settings) as saver:
        assert (await saver.aget_tuple(cfg)).checkpoint["channel_values"] == {"a": [1]}


@pytest.mark.postgres
async def test_open_checkpointer_when_postgres_url_has_search_path_then_tables_in_that_schema(
    pg_settings: Settings,
):
    async with open_checkpointer(pg_settings) as saver:
        assert isinstance(saver, FastPostgresSaver)
        assert saver.pool.max_size == pg_settings.db_pool_size
        await put(saver, conf("t1"), {"a": 1})
    schema = pg_settings.database_url.rsplit("%3D", 1)[1]
    with psycopg.connect(libpq_url(pg_settings.database_url_resolved)) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        }
    assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes"} <= tables
    assert count_rows(pg_settings, "checkpoints", "t1") == 1


@pytest.mark.postgres
async def test_open_checkpointer_when_closed_then_staged_writes_are_committed(
    pg_settings: Settings,
):
    async with open_checkpointer(pg_settings) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 0
    assert count_rows(pg_settings, "checkpoint_writes", "t1") == 1


# --- how the fast saver commits ------------------------------------------------------


@pytest.mark.postgres
async def test_fast_saver_when_writes_staged_then_committed_with_the_next_checkpoint(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        _, first = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(first, [("a", 2), ("b", 3)], "task-1")
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 0
        await put(saver, first, {"a": 2})
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 2
        assert count_rows(pg_settings, "checkpoints", "t1") == 2
        assert saver.write_commits == 2


@pytest.mark.postgres
async def test_fast_saver_when_no_checkpoint_follows_then_linger_timer_commits_writes(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings, write_linger_s=0.3) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 0
        for _ in range(100):  # no read, no checkpoint: only the timer can commit them
            if saver.write_commits == 2:
                break
            await asyncio.sleep(0.05)
        assert saver.write_commits == 2
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 1


@pytest.mark.postgres
async def test_fast_saver_when_thread_deleted_then_its_staged_writes_are_dropped(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        await saver.adelete_thread("t1")
    assert count_rows(pg_settings, "checkpoint_writes", "t1") == 0
    assert count_rows(pg_settings, "checkpoints", "t1") == 0


@pytest.mark.postgres
async def test_fast_saver_when_one_save_of_a_batch_fails_then_only_its_caller_fails(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        # PostgreSQL's jsonb refuses \u0000 (an inline string value): the stock saver
        # fails on this checkpoint too.
        bad, good = await asyncio.gather(
            put(saver, conf("bad"), {"a": "nul\x00"}),
            put(saver, conf("good"), {"a": 1}),
            return_exceptions=True,
        )
        assert isinstance(bad, psycopg.Error)
        assert not isinstance(good, BaseException)
        assert await saver.aget_tuple(conf("bad")) is None
        assert (await saver.aget_tuple(conf("good"))).checkpoint["channel_values"] == {"a": 1}


class Log(TypedDict):
    log: Annotated[list[str], operator.add]


def build_four_step_graph() -> StateGraph:
    builder = StateGraph(Log)
    previous = START
    for name in ("plan", "draft", "review", "publish"):

        async def node(state: Log, name: str = name) -> dict[str, list[str]]:
            return {"log": [name]}

        builder.add_node(name, node)
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


@pytest.mark.postgres
async def test_fast_saver_when_a_graph_runs_alone_then_one_commit_per_superstep(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        graph = build_four_step_graph().compile(checkpointer=saver)
        await graph.ainvoke({"log": []}, {"configurable": {"thread_id": "t1"}})
        # 6 supersteps: the input, __start__ and the four nodes
        assert count_rows(pg_settings, "checkpoints", "t1") == 6
        assert saver.write_commits == 6
        # every task's writes are in, without any read having forced them out
        assert count_rows(pg_settings, "checkpoint_writes", "t1") == 9


@pytest.mark.postgres
async def test_fast_saver_when_runs_share_a_small_pool_then_saves_are_group_committed(
    pg_settings: Settings,
):
    runs = 20
    async with fast_saver(pg_settings, pool_size=2) as saver:
        graph = build_four_step_graph().compile(checkpointer=saver)
        results = await asyncio.gather(
            *(
                graph.ainvoke({"log": []}, {"configurable": {"thread_id": f"t{i}"}})
                for i in range(runs)
            )
        )
        commits = saver.write_commits
    assert all(r["log"] == ["plan", "draft", "review", "publish"] for r in results)
    for i in range(runs):
        assert count_rows(pg_settings, "checkpoints", f"t{i}") == 6
        assert count_rows(pg_settings, "checkpoint_writes", f"t{i}") == 9
    assert commits < runs * 6  # fewer commits than supersteps: saves shared transactions


# --- failures, races and ordering ----------------------------------------------------


async def test_fast_saver_when_pool_is_not_autocommit_then_refused_at_once():
    pool = AsyncConnectionPool("postgresql://unused", kwargs={"prepare_threshold": 0}, open=False)
    with pytest.raises(ValueError, match="autocommit"):
        FastPostgresSaver(pool)


@pytest.mark.postgres
async def test_fast_saver_when_text_holds_nul_then_aput_writes_and_aput_fail_like_stock(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        with pytest.raises(psycopg.DataError, match="NUL"):
            await saver.aput_writes(conf("t\x00", checkpoint_id="c1"), [("a", 1)], "task")
        with pytest.raises(psycopg.DataError, match="NUL"):
            await saver.aput_writes(conf("t1", checkpoint_id="c1"), [("a\x00", 1)], "task")
        with pytest.raises(psycopg.DataError, match="NUL"):
            await put(saver, conf("t\x00"), {"a": 1})
        await saver.aclose()  # nothing was staged: nothing fails
        assert saver.write_commits == 0


@pytest.mark.postgres
async def test_fast_saver_when_linger_save_gets_no_connection_then_timer_tries_again(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings, pool_size=1, pool_timeout=0.2, write_linger_s=0.1) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        hog = asyncio.create_task(hold_connection(saver, 0.6))
        await asyncio.sleep(0.05)
        await saver.aput_writes(cfg, [("a", 2)], "task-1")  # its timer's save times out
        await hog
        assert await wait_for_rows(pg_settings, "checkpoint_writes", "t1", 1) == 1


@pytest.mark.postgres
async def test_fast_saver_when_pool_times_out_then_only_saves_that_waited_as_long_fail(
    pg_settings: Settings,
):
    async def put_after(saver: FastPostgresSaver, thread_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await put(saver, conf(thread_id), {"a": 1})

    async with fast_saver(pg_settings, pool_size=1, pool_timeout=0.6) as saver:
        hog = asyncio.create_task(hold_connection(saver, 1.0))
        await asyncio.sleep(0.05)
        early, late = await asyncio.gather(
            put_after(saver, "early", 0), put_after(saver, "late", 0.3), return_exceptions=True
        )
        await hog
    assert isinstance(early, PoolTimeout)
    assert late is None  # queued after the failed checkout began: it gets a checkout of its own
    assert count_rows(pg_settings, "checkpoints", "late") == 1


@pytest.mark.postgres
async def test_fast_saver_when_aclose_meets_a_refused_write_then_commits_the_rest_and_raises_once(
    pg_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(fast_postgres_saver, "check_text", lambda values: None)  # reach PG
    async with fast_saver(pg_settings, pool_size=2) as saver:
        for i in range(6):
            await saver.aput_writes(conf(f"ok{i}", checkpoint_id="c1"), [("a", i)], "task")
        await saver.aput_writes(conf("bad\x00", checkpoint_id="c1"), [("a", 0)], "task")
        with caplog.at_level(logging.ERROR), pytest.raises(CheckpointFlushError) as raised:
            await saver.aclose()
    assert raised.value.dropped == 1
    assert raised.value.errors and all(
        isinstance(e, psycopg.DataError) for e in raised.value.errors
    )
    assert [count_rows(pg_settings, "checkpoint_writes", f"ok{i}") for i in range(6)] == [1] * 6
    dropped = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(dropped) == 1 and "'bad\\x00'" in dropped[0] and "['c1']" in dropped[0]


@pytest.mark.postgres
async def test_fast_saver_when_postgres_refuses_orphan_writes_then_dropped_after_three_tries(
    pg_settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setattr(fast_postgres_saver, "check_text", lambda values: None)  # reach PG
    async with fast_saver(pg_settings, write_linger_s=0.05) as saver:
        with caplog.at_level(logging.WARNING):
            await saver.aput_writes(conf("bad\x00", checkpoint_id="c1"), [("a", 0)], "task")
            await asyncio.sleep(1.0)  # 20 linger periods
    levels = [r.levelno for r in caplog.records if "bad" in r.getMessage()]
    assert levels == [logging.WARNING, logging.WARNING, logging.ERROR, logging.WARNING]


@pytest.mark.postgres
async def test_fast_saver_when_a_save_is_queued_as_the_last_flusher_exits_then_it_still_runs(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings, pool_size=1, pool_class=HookPool) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "orphan")
        # the linger timer of t1 fires in the very iteration t2's flusher leaves
        saver.pool.after_putconn = lambda: saver._on_linger(("t1", ""))
        await put(saver, conf("t2"), {"a": 1})
        assert await wait_for_rows(pg_settings, "checkpoint_writes", "t1", 1) == 1


@pytest.mark.postgres
async def test_fast_saver_when_a_read_sends_writes_alone_then_next_checkpoint_commits_after(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        first, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        async with write_lock(pg_settings, first["id"]):
            read = asyncio.create_task(saver.aget_tuple(cfg))  # sends the writes out alone
            await wait_for_lock_wait(pg_settings)
            second = asyncio.create_task(put(saver, cfg, {"a": 2}))
            await asyncio.sleep(0.3)
            # not on another connection while the writes it was made from are not in
            assert count_rows(pg_settings, "checkpoints", "t1") == 1
        await asyncio.gather(read, second)
    assert count_rows(pg_settings, "checkpoints", "t1") == 2
    assert count_rows(pg_settings, "checkpoint_writes", "t1") == 1


@pytest.mark.postgres
async def test_fast_saver_when_reads_race_for_staged_writes_then_one_statement_commits_them(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        _, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        await asyncio.gather(*(saver.aget_tuple(conf("t1")) for _ in range(5)))
        assert saver.write_commits == 2


@pytest.mark.postgres
async def test_fast_saver_when_a_flusher_is_cancelled_mid_statement_then_nothing_hangs_or_is_lost(
    pg_settings: Settings,
):
    async with fast_saver(pg_settings) as saver:
        first, cfg = await put(saver, conf("t1"), {"a": 1})
        await saver.aput_writes(cfg, [("a", 2)], "task-1")
        async with write_lock(pg_settings, first["id"]):
            second = asyncio.create_task(put(saver, cfg, {"a": 2}))
            await wait_for_lock_wait(pg_settings)
            for flusher in list(saver._queue._flushers):
                flusher.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(second, 2)
        await saver.aclose()  # the writes went back to the stage
    assert count_rows(pg_settings, "checkpoint_writes", "t1") == 1
