"""Shared fixtures: a network guard, settings on a temp dir, and a throwaway PostgreSQL database.

PostgreSQL tests get a database of their own (created here, dropped after the session), so
several test runs on one server never see each other's tables. Set SIGHT_TEST_POSTGRES_URL to
point at another server; under CI a missing server fails the run instead of skipping.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.settings import Settings, load_settings
from store.db import create_engine, session_factory
from store.kpi_snapshots import KpiSnapshotRepository
from store.migrate import upgrade_async
from store.run_events import RunEventRepository
from store.run_queue import RunQueue
from store.runs import NewRun, RunRepository
from store.threads import ThreadRepository

ADMIN_PG_URL = os.environ.get(
    "SIGHT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    """Refuse any connection that leaves the machine: no real network LLM call in tests."""
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise RuntimeError(f"tests may not open network connections (tried {address!r})")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on the embedded defaults, isolated in a temp data dir, with the fake provider."""
    return load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(ADMIN_PG_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session; dropped at the end."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {ADMIN_PG_URL} (CI requires it)")
        pytest.skip(f"PostgreSQL is not reachable at {ADMIN_PG_URL}")
    import psycopg

    name = f"sight_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings parametrised over SQLite and the real PostgreSQL (a fresh schema each test)."""
    if request.param == "sqlite":
        return load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)
    base_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:8]}"
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{base_url}?options=-csearch_path%3D{schema}"
    return load_settings(
        data_dir=tmp_path / "data", provider="fake", database_url=url, _env_file=None
    )


@pytest.fixture
async def sessions(db_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Migrated sessions on SQLite and on PostgreSQL (a fresh schema each test)."""
    await upgrade_async(db_settings)
    engine = create_engine(db_settings)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def repo(sessions: async_sessionmaker[AsyncSession]) -> KpiSnapshotRepository:
    """A KPI snapshot repository on SQLite and on PostgreSQL."""
    return KpiSnapshotRepository(sessions)


@pytest.fixture
def threads(sessions: async_sessionmaker[AsyncSession]) -> ThreadRepository:
    return ThreadRepository(sessions)


@pytest.fixture
def runs(sessions: async_sessionmaker[AsyncSession]) -> RunRepository:
    return RunRepository(sessions)


@pytest.fixture
def events(sessions: async_sessionmaker[AsyncSession]) -> RunEventRepository:
    return RunEventRepository(sessions)


@pytest.fixture
def queue(sessions: async_sessionmaker[AsyncSession]) -> RunQueue:
    return RunQueue(sessions)


@pytest.fixture
async def make_run(sessions: async_sessionmaker[AsyncSession], threads, runs):
    """Make runs (pending, on one fresh thread of tenant 'acme'); `make_run.runs` is the repo."""
    thread_id = str(uuid.uuid4())
    await threads.create(thread_id, "acme", now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC))

    async def make() -> str:
        run, _ = await runs.enqueue(
            NewRun(str(uuid.uuid4()), thread_id, "acme", str(uuid.uuid4()), "kpi"),
            strategy="enqueue",
            thread_metadata_update={},
            now=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        )
        return run.run_id

    make.runs = runs
    return make
