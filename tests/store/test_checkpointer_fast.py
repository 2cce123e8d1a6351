"""The checkpointer factory, and how FastPostgresSaver commits (rows read with plain SQL)."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, TypedDict

import psycopg
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph

from sight.settings import Settings
from store.checkpoint import FastPostgresSaver
from store.checkpointer import libpq_url, open_checkpointer, open_pg_pool
from tests.store.test_checkpointer_conformance import conf, pg_schema_settings, put


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return pg_schema_settings(postgres_url, tmp_path / "data")


def count_rows(settings: Settings, table: str, thread_id: str) -> int:
    with psycopg.connect(libpq_url(settings.database_url_resolved)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE thread_id = %s", (thread_id,))
        return row.fetchone()[0]


@asynccontextmanager
async def fast_saver(settings: Settings, pool_size: int = 4, **options) -> AsyncIterator:
    async with open_pg_pool(libpq_url(settings.database_url_resolved), pool_size) as pool:
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
