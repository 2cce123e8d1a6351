"""Open the LangGraph checkpointer that matches the configured database.

PostgreSQL gets :class:`~store.checkpoint.FastPostgresSaver` on a connection pool of
``settings.db_pool_size``; otherwise checkpoints go to an SQLite file in ``settings.data_dir``.
Migrations run here, once, when the checkpointer opens. Whoever runs graphs (API lifespan,
CLI, tests) opens it and passes it to ``build_graph().compile(checkpointer=...)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from sight.settings import Settings
from store.checkpoint import FastPostgresSaver

SQLITE_FILE_NAME = "checkpoints.sqlite"
# WAL with synchronous=NORMAL: a commit no longer waits for fsync; an application crash loses
# nothing, a power cut may lose the last commits (SQLite is the zero-setup default, not the
# production store). Measured: KPI estimation P95 through the graph ~36 ms -> see README.
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"

# What LangGraph's savers expect of a connection: autocommit (setup() runs CREATE INDEX
# CONCURRENTLY), dict rows, and statements prepared on first use.
PG_CONNECTION_KWARGS = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}


def libpq_url(database_url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://...``) into a libpq one.

    Query parameters such as ``options=-csearch_path%3Dschema`` pass through untouched:
    libpq decodes them itself.
    """
    scheme, sep, rest = database_url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ValueError(f"not a PostgreSQL URL: {scheme!r}")
    return "postgresql://" + rest


def sqlite_checkpoint_path(settings: Settings) -> Path:
    return settings.data_dir / SQLITE_FILE_NAME


@asynccontextmanager
async def open_pg_pool(
    conninfo: str, size: int, **connection_kwargs: object
) -> AsyncIterator[AsyncConnectionPool]:
    """Open a fixed-size pool configured the way LangGraph's Postgres savers need."""
    async with AsyncConnectionPool(
        conninfo,
        min_size=size,
        max_size=size,
        kwargs=PG_CONNECTION_KWARGS | connection_kwargs,
        open=False,
    ) as pool:
        yield pool


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """Yield a migrated checkpointer for the configured database; flush and close on exit."""
    if settings.is_postgres:
        conninfo = libpq_url(settings.database_url_resolved)
        async with open_pg_pool(conninfo, settings.db_pool_size) as pool:
            saver = FastPostgresSaver(pool)
            await saver.setup()
            try:
                yield saver
            finally:
                await saver.aclose()
    else:
        path = sqlite_checkpoint_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(path)) as conn:
            await conn.executescript(SQLITE_PRAGMAS)
            saver = AsyncSqliteSaver(conn)
            await saver.setup()
            yield saver
