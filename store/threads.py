"""Thread repository for the Agent-Server API: create, read, merge, search and thread state.

Search filters are built in :mod:`store.thread_search`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from sqlalchemy import ColumnElement, Update, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, NotFoundError
from store.models import Run, Thread, as_utc
from store.thread_search import ThreadFilter, count_rows, search_rows

ThreadStatus = Literal["idle", "busy", "interrupted", "error"]
# What a state update leaves: the thread's status, values and interrupts.
ThreadState = tuple[ThreadStatus, Any, dict[str, Any]]


@dataclass(frozen=True)
class ThreadRecord:
    """One stored thread, every column (`thread_id` is the storage key, `public_id` the id the
    tenant sees)."""

    thread_id: str
    public_id: str
    tenant: str
    metadata: dict[str, Any]
    status: str
    values: Any
    interrupts: dict[str, Any]
    error: Any
    created_at: datetime
    updated_at: datetime
    state_updated_at: datetime

    def to_api(self) -> dict[str, Any]:
        """Return the protocol's Thread object (the tenant and the storage key stay internal)."""
        return {
            "thread_id": self.public_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "state_updated_at": self.state_updated_at.isoformat(),
            "metadata": self.metadata,
            "status": self.status,
            "config": {},
            "values": self.values,
            "interrupts": self.interrupts,
            "error": self.error,
        }


def _record(row: Thread) -> ThreadRecord:
    return ThreadRecord(
        thread_id=row.thread_id,
        public_id=row.public_id,
        tenant=row.tenant,
        metadata=row.metadata_,
        status=row.status,
        values=row.values,
        interrupts=row.interrupts,
        error=row.error,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        state_updated_at=as_utc(row.state_updated_at),
    )


def _owned(thread_id: str, tenant: str | None) -> list[ColumnElement[bool]]:
    where = [Thread.thread_id == thread_id]
    if tenant is not None:
        where.append(Thread.tenant == tenant)
    return where


async def lock_thread_row(session: AsyncSession, thread_id: str, tenant: str | None) -> bool:
    """Lock the thread row until the transaction ends, without loading it (False: not the
    tenant's, or gone).

    PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite locks the whole database and only a write
    takes the lock, so a no-op write comes first: concurrent transactions then queue on the
    busy timeout instead of failing when a reader tries to become a writer.
    """
    table = Thread.__table__  # Core: the run queue calls this on every run
    where = [table.c.thread_id == thread_id]
    if tenant is not None:
        where.append(table.c.tenant == tenant)
    if session.bind.dialect.name == "sqlite":
        statement: Any = (
            update(table).where(*where).values(tenant=table.c.tenant).returning(table.c.thread_id)
        )
    else:
        statement = select(table.c.thread_id).where(*where).with_for_update()
    return (await session.execute(statement)).first() is not None


async def lock_thread(session: AsyncSession, thread_id: str, tenant: str | None) -> Thread | None:
    """Lock the thread row as ``lock_thread_row`` and return it (None: not the tenant's)."""
    if session.bind.dialect.name == "sqlite" and not await lock_thread_row(
        session, thread_id, tenant
    ):
        return None  # PostgreSQL: the SELECT ... FOR UPDATE below takes the lock
    return await session.scalar(select(Thread).where(*_owned(thread_id, tenant)).with_for_update())


class ThreadRepository:
    """Owns every query on threads (runs and run events go with a thread through FK cascades)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        thread_id: str,
        tenant: str,
        metadata: dict[str, Any] | None = None,
        *,
        now: datetime,
        if_exists: Literal["raise", "do_nothing"] = "raise",
    ) -> ThreadRecord:
        """Create an idle thread the tenant knows as `thread_id`; with if_exists='do_nothing'
        return the tenant's existing one.

        Raises ConflictError when the tenant already has that id. Another tenant's thread with
        that id is not seen: the new thread gets a storage key of its own.
        """
        now = as_utc(now)
        keys = (thread_id, str(uuid4()))  # the id itself unless another tenant has it
        async with self._sessions() as session, session.begin():
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            existing = None
            for key in keys:
                record = ThreadRecord(
                    key,
                    thread_id,
                    tenant,
                    dict(metadata or {}),
                    "idle",
                    None,
                    {},
                    None,
                    now,
                    now,
                    now,
                )
                # The table (not the mapped class) takes column names, `metadata` among them.
                # Any conflict: the key is taken, or the tenant has the id already.
                inserted = await session.execute(
                    dialect.insert(Thread.__table__)
                    .values(vars(record))
                    .on_conflict_do_nothing()
                    .returning(Thread.__table__.c.thread_id)
                )
                if inserted.first() is not None:
                    return record
                existing = await session.scalar(
                    select(Thread).where(Thread.tenant == tenant, Thread.public_id == thread_id)
                )
                if existing is not None:
                    break
        if existing is None or if_exists == "raise":
            raise ConflictError(f"Thread with ID {thread_id} already exists")
        return _record(existing)

    async def copy(
        self, source_id: str, target_id: str, tenant: str, *, now: datetime
    ) -> ThreadRecord | None:
        """Store a copy of the tenant's thread under `target_id`: its metadata and state, new
        timestamps, and idle if the original is busy (its runs are not copied). None if the
        tenant has no thread `source_id`."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            row = await session.scalar(select(Thread).where(*_owned(source_id, tenant)))
            if row is None:
                return None
            source = _record(row)
            status = "idle" if source.status == "busy" else source.status
            record = ThreadRecord(
                target_id,
                target_id,
                tenant,
                source.metadata,
                status,
                source.values,
                source.interrupts,
                source.error,
                now,
                now,
                now,
            )
            await session.execute(Thread.__table__.insert().values(vars(record)))
        return record

    async def get(self, thread_id: str, tenant: str) -> ThreadRecord | None:
        """Return the tenant's thread by storage key, or None (another tenant's is None too)."""
        async with self._sessions() as session:
            row = await session.scalar(select(Thread).where(*_owned(thread_id, tenant)))
        return _record(row) if row else None

    async def public_id(self, thread_id: str) -> str | None:
        """Return the public id of the thread stored under `thread_id` (any tenant), or None."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Thread.public_id).where(Thread.thread_id == thread_id)
            )

    async def find(self, public_id: str, tenant: str) -> ThreadRecord | None:
        """Return the thread the tenant knows as `public_id`, or None."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(Thread).where(Thread.tenant == tenant, Thread.public_id == public_id)
            )
        return _record(row) if row else None

    async def patch_metadata(
        self, thread_id: str, tenant: str, metadata: dict[str, Any], *, now: datetime
    ) -> ThreadRecord | None:
        """Shallow-merge `metadata` into the thread's and bump updated_at; None if not found."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            row = await lock_thread(session, thread_id, tenant)
            if row is None:
                return None
            merged = {**row.metadata_, **metadata}
            updated = await session.execute(
                update(Thread)
                .where(Thread.thread_id == thread_id)
                .values(metadata_=merged, updated_at=now)
                .returning(Thread)
                .execution_options(populate_existing=True)
            )
            return _record(updated.scalar_one())

    async def delete(self, thread_id: str, tenant: str) -> bool:
        """Delete the tenant's thread with its runs and run events. False if not found."""
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                delete(Thread).where(*_owned(thread_id, tenant)).returning(Thread.thread_id)
            )
            return deleted.first() is not None

    async def search(
        self,
        tenant: str,
        *,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        ids: list[str] | None = None,
        status: str | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str = "updated_at",
        sort_order: Literal["asc", "desc"] = "desc",
    ) -> tuple[list[ThreadRecord], int]:
        """Return one page of the tenant's matching threads and the total number matching."""
        async with self._sessions() as session:
            rows, total = await search_rows(
                session,
                ThreadFilter(tenant, metadata, values, ids, status),
                limit=limit,
                offset=offset,
                sort_by=sort_by,
                sort_order=sort_order,
            )
        return [_record(r) for r in rows], total

    async def count(
        self,
        tenant: str,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> int:
        """Count the tenant's threads matching the same filters as search."""
        async with self._sessions() as session:
            return await count_rows(session, ThreadFilter(tenant, metadata, values, None, status))

    async def set_state(
        self,
        thread_id: str,
        *,
        status: ThreadStatus,
        values: Any,
        interrupts: dict[str, Any],
        error: Any,
        now: datetime,
    ) -> bool:
        """Record the thread's state after a run (any tenant: the worker calls this)."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            updated = await session.execute(
                _set_state(thread_id, status, values, interrupts, error, now).returning(
                    Thread.thread_id
                )
            )
            return updated.first() is not None

    async def update_when_idle(
        self,
        thread_id: str,
        tenant: str,
        update_state: Callable[[], Awaitable[ThreadState]],
        *,
        now: datetime,
        public_id: str | None = None,
    ) -> None:
        """Run `update_state` (it writes the thread's checkpoint and returns the thread's new
        state) while no run of the thread is pending or running, and store what it returns.

        The thread's row stays locked throughout, so no run is enqueued (nor claimed) between
        the check and the write. Raises NotFoundError if the tenant has no such thread,
        ConflictError while a run is inflight (both naming the thread by `public_id`, if given).
        """
        now = as_utc(now)
        shown = public_id or thread_id
        async with self._sessions() as session, session.begin():
            if not await lock_thread_row(session, thread_id, tenant):
                raise NotFoundError(f"Thread with ID {shown} not found")
            inflight = await session.scalar(
                select(Run.run_id)
                .where(Run.thread_id == thread_id, Run.status.in_(("pending", "running")))
                .limit(1)
            )
            if inflight is not None:
                raise ConflictError(f"Thread {shown} has in-flight runs: wait or cancel them")
            status, values, interrupts = await update_state()
            await session.execute(_set_state(thread_id, status, values, interrupts, None, now))

    async def set_status(self, thread_id: str, status: ThreadStatus, now: datetime) -> bool:
        """Set the thread's status and bump updated_at. False if the thread is gone."""
        async with self._sessions() as session, session.begin():
            updated = await session.execute(
                update(Thread)
                .where(Thread.thread_id == thread_id)
                .values(status=status, updated_at=as_utc(now))
                .returning(Thread.thread_id)
            )
            return updated.first() is not None


def _set_state(
    thread_id: str, status: str, values: Any, interrupts: Any, error: Any, now: datetime
) -> Update:
    """The UPDATE that stores a thread's state after a run or a state update."""
    return (
        update(Thread)
        .where(Thread.thread_id == thread_id)
        .values(
            status=status,
            values=values,
            interrupts=interrupts,
            error=error,
            updated_at=now,
            state_updated_at=now,
        )
    )
