"""One run-executing process per database: the lock a run manager holds while it lives.

A run manager claims runs in memory and, at start, takes over every run left ``running``: two
processes on one database would run the same runs twice at once. Until runs are shared across
processes by design, the second one refuses to start. PostgreSQL: a session advisory lock on a
dedicated connection, keyed by the schema (tests and deployments that share a database through
separate schemas stay apart); it goes with the connection, so a killed process frees it. SQLite:
an exclusive ``flock`` on a file next to the database, freed by the kernel the same way.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import psycopg

from sight.errors import ConflictError
from sight.settings import Settings
from store.checkpoint.factory import libpq_url

# First half of the two-key advisory lock ("Sight" in ASCII, truncated to fit an int4).
LOCK_CLASS = 0x53696768
LOCK_FILE_SUFFIX = ".runs.lock"


class DatabaseInUseError(ConflictError):
    """Another Sight server already executes runs on this database."""

    code = "database_in_use"

    def __init__(self, where: str) -> None:
        super().__init__(
            f"another Sight server already runs on this database ({where}). Runs are queued "
            "and executed inside the server process, so only one process may serve a database "
            "for now: stop the other server (or its extra workers/replicas), or point this one "
            "at another database (SIGHT_DATABASE_URL) or data directory (SIGHT_DATA_DIR).",
            details={"database": where},
        )


class RunLock:
    """The held lock; ``release()`` frees it (idempotent)."""

    def __init__(self, conn: psycopg.AsyncConnection | None = None, fd: int | None = None) -> None:
        self._conn = conn
        self._fd = fd

    async def release(self) -> None:
        """Free the lock: close the connection (PostgreSQL) or unlock the file (SQLite)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()  # a session lock ends with its session
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the flock


def _where(settings: Settings) -> str:
    """The database named without credentials."""
    return settings.database_url_resolved.split("@")[-1]


async def acquire_run_lock(settings: Settings) -> RunLock:
    """Take the database's run lock; raise DatabaseInUseError if another process holds it."""
    if settings.is_postgres:
        conn = await psycopg.AsyncConnection.connect(
            libpq_url(settings.database_url_resolved), autocommit=True
        )
        try:
            row = await (
                await conn.execute(
                    "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))", (LOCK_CLASS,)
                )
            ).fetchone()
        except BaseException:
            await conn.close()
            raise
        if not (row and row[0]):
            await conn.close()
            raise DatabaseInUseError(_where(settings))
        return RunLock(conn=conn)
    path = sqlite_lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseInUseError(_where(settings)) from None
    except BaseException:
        os.close(fd)
        raise
    return RunLock(fd=fd)


async def check_run_lock(settings: Settings) -> None:
    """Raise DatabaseInUseError if another process holds the database's run lock (the CLI
    asks before serving, to say so in one line; the run manager takes the lock for real)."""
    await (await acquire_run_lock(settings)).release()


def sqlite_lock_path(settings: Settings) -> Path:
    """The lock file next to the SQLite database file."""
    database = Path(settings.database_url_resolved.removeprefix("sqlite+aiosqlite:///"))
    return database.with_name(database.name + LOCK_FILE_SUFFIX)
