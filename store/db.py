"""Engines and sessions: the only place that opens database connections."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sight.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the async engine for the configured database (SQLite file or PostgreSQL)."""
    url = settings.database_url_resolved
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _tune_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size, pool_pre_ping=True
    )


def _tune_sqlite(engine: Engine) -> None:
    # WAL lets readers proceed during a write; with synchronous=NORMAL a commit does not wait
    # for fsync (an app crash loses nothing; a power cut may lose the last commits).
    # Foreign keys are off by default in SQLite.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory repositories use (no expiry on commit)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(settings: Settings) -> str:
    """The same database through a synchronous driver (for Alembic)."""
    url = settings.database_url_resolved
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1)
