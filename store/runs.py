"""Run repository for the Agent-Server API: the per-thread queue, claiming and finishing runs.

Invariants kept here, in the database, so they hold across tasks and processes: a run is only
inserted while its thread row is locked (so 'reject' sees every inflight run), and a run is only
claimed while its thread row is locked and no other run of the thread is running (at most one
running run per thread, FIFO through next_pending).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, cast, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, NotFoundError
from store.models import Run, Thread, as_utc

RunStatus = Literal["pending", "running", "error", "success", "timeout", "interrupted"]
MultitaskStrategy = Literal["reject", "enqueue", "interrupt", "rollback"]
INFLIGHT = ("pending", "running")
STRATEGIES = ("reject", "enqueue", "interrupt", "rollback")
REJECTED = (
    "Thread is already running a task. Wait for it to finish or choose a different multitask "
    "strategy."
)


@dataclass(frozen=True)
class NewRun:
    """What a caller knows about a run before it is stored (status starts 'pending').

    `created_at` defaults to the enqueue time; set it later to delay the start (after_seconds).
    """

    run_id: str
    thread_id: str
    tenant: str
    assistant_id: str
    graph_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    multitask_strategy: str = "enqueue"
    created_at: datetime | None = None


@dataclass(frozen=True)
class RunRecord:
    """One stored run, every column."""

    run_id: str
    thread_id: str
    tenant: str
    assistant_id: str
    graph_id: str
    status: str
    metadata: dict[str, Any]
    kwargs: dict[str, Any]
    multitask_strategy: str
    attempt: int
    error: Any
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    def to_api(self, thread_id: str | None = None) -> dict[str, Any]:
        """Return the protocol's Run object, naming its thread by the id the tenant knows it by
        (`thread_id`, when that differs from the storage key)."""
        return {
            "run_id": self.run_id,
            "thread_id": thread_id or self.thread_id,
            "assistant_id": self.assistant_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "status": self.status,
            "metadata": self.metadata,
            "kwargs": self.kwargs,
            "multitask_strategy": self.multitask_strategy,
        }


RUNS = Run.__table__  # Core statements on the hot paths skip the ORM's per-row bookkeeping
THREADS = Thread.__table__


def _record(row: Any) -> RunRecord:
    """A RunRecord from an ORM Run or a Core row of ``runs`` (its column is ``metadata``)."""
    return RunRecord(
        run_id=row.run_id,
        thread_id=row.thread_id,
        tenant=row.tenant,
        assistant_id=row.assistant_id,
        graph_id=row.graph_id,
        status=row.status,
        metadata=row.metadata_ if isinstance(row, Run) else row.metadata,
        kwargs=row.kwargs,
        multitask_strategy=row.multitask_strategy,
        attempt=row.attempt,
        error=row.error,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        started_at=as_utc(row.started_at) if row.started_at else None,
        ended_at=as_utc(row.ended_at) if row.ended_at else None,
    )


def _merged(column: Any, update: dict[str, Any], session: AsyncSession) -> Any:
    """SQL for the JSON object `column` with `update`'s keys set: PostgreSQL's jsonb ``||``,
    SQLite's ``json_patch``. The two agree for scalar values (json_patch would merge nested
    objects and delete keys set to null), so only scalars are allowed."""
    if not all(isinstance(value, str | int | float | bool) for value in update.values()):
        raise ValueError("metadata updates merged in SQL take scalar values only")
    patch = json.dumps(update)
    if session.bind.dialect.name == "postgresql":
        return column.op("||")(cast(literal(patch), JSONB))
    return func.json_patch(column, literal(patch))


class RunRepository:
    """Owns every query on runs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def enqueue(
        self,
        run: NewRun,
        *,
        strategy: MultitaskStrategy,
        thread_metadata_update: dict[str, Any],
        now: datetime,
        claim: bool = False,
    ) -> tuple[RunRecord, list[RunRecord]]:
        """Insert a pending run and mark its thread busy; return it with the runs inflight before.

        One transaction under the thread's row lock. The caller cancels the returned inflight
        runs for 'interrupt'/'rollback'; 'enqueue' leaves them to finish first. With `claim`, a
        run that is due on a thread with nothing inflight is inserted already claimed
        (``running``, attempt 1), as ``RunQueue.claim_next`` would have moved it: the caller
        executes it at once, one transaction fewer.
        Raises NotFoundError if the tenant has no such thread, ConflictError for 'reject' while
        a run is pending or running.
        """
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown multitask strategy {strategy!r}")
        now = as_utc(now)
        created = as_utc(run.created_at) if run.created_at else now
        record = RunRecord(
            run_id=run.run_id,
            thread_id=run.thread_id,
            tenant=run.tenant,
            assistant_id=run.assistant_id,
            graph_id=run.graph_id,
            status="pending",
            metadata=dict(run.metadata),
            kwargs=dict(run.kwargs),
            multitask_strategy=run.multitask_strategy,
            attempt=0,
            error=None,
            created_at=created,
            updated_at=now,
            started_at=None,
            ended_at=None,
        )
        async with self._sessions() as session, session.begin():
            # The UPDATE takes the thread's row lock (PostgreSQL) or the database's write lock
            # (SQLite) until the transaction ends, and finds whether the tenant has the thread.
            found = (
                await session.execute(
                    update(THREADS)
                    .where(THREADS.c.thread_id == run.thread_id, THREADS.c.tenant == run.tenant)
                    .values(
                        status="busy",
                        updated_at=now,
                        metadata=_merged(THREADS.c.metadata, thread_metadata_update, session),
                    )
                    .returning(THREADS.c.thread_id)
                )
            ).first()
            if found is None:
                raise NotFoundError("Thread or assistant not found.")
            inflight = await self._inflight_in(session, run.thread_id)
            if strategy == "reject" and inflight:
                raise ConflictError(REJECTED)  # the rollback undoes the thread's changes
            if claim and not inflight and created <= now:
                record = replace(record, status="running", attempt=1, started_at=now)
            await session.execute(RUNS.insert().values(vars(record)))
        return record, inflight

    async def get(
        self, run_id: str, tenant: str, public_thread_id: str | None = None
    ) -> RunRecord | None:
        """Return the tenant's run (on the thread it knows as `public_thread_id`, if given)."""
        where = [Run.run_id == run_id, Run.tenant == tenant]
        if public_thread_id is not None:
            where.append(
                Run.thread_id.in_(
                    select(Thread.thread_id).where(
                        Thread.tenant == tenant, Thread.public_id == public_thread_id
                    )
                )
            )
        async with self._sessions() as session:
            row = await session.scalar(select(Run).where(*where))
        return _record(row) if row else None

    async def status(self, run_id: str) -> str | None:
        """Return the run's stored status (any tenant), or None when the run is gone."""
        async with self._sessions() as session:
            return await session.scalar(select(RUNS.c.status).where(RUNS.c.run_id == run_id))

    async def list(
        self,
        thread_id: str,
        tenant: str,
        limit: int = 10,
        offset: int = 0,
        status: str | None = None,
    ) -> list[RunRecord]:
        """Return the tenant's runs of a thread, newest first."""
        where = [Run.thread_id == thread_id, Run.tenant == tenant]
        if status is not None:
            where.append(Run.status == status)
        query = (
            select(Run)
            .where(*where)
            .order_by(Run.created_at.desc(), Run.run_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(r) for r in rows]

    async def inflight(self, thread_id: str) -> list[RunRecord]:
        """Return the thread's pending and running runs, oldest first."""
        async with self._sessions() as session:
            return await self._inflight_in(session, thread_id)

    @staticmethod
    async def _inflight_in(session: AsyncSession, thread_id: str) -> list[RunRecord]:
        rows = await session.execute(
            select(RUNS)
            .where(RUNS.c.thread_id == thread_id, RUNS.c.status.in_(INFLIGHT))
            .order_by(RUNS.c.created_at, RUNS.c.run_id)
        )
        return [_record(r) for r in rows]

    async def finish(
        self,
        run_id: str,
        status: RunStatus,
        now: datetime,
        error: Any = None,
        *,
        expect: Collection[str] | None = None,
    ) -> RunRecord | None:
        """Give the run its final status, error and ended_at; None if missing.

        With `expect`, only a run currently in one of those statuses changes (None otherwise),
        e.g. expect=('pending',) to cancel a run the worker has not claimed yet.
        """
        now = as_utc(now)
        where = self._where(run_id, expect)
        async with self._sessions() as session, session.begin():
            updated = await session.execute(
                update(Run)
                .where(*where)
                .values(status=status, error=error, ended_at=now, updated_at=now)
                .returning(Run)
                .execution_options(populate_existing=True)
            )
            row = updated.scalar_one_or_none()
            return _record(row) if row else None

    async def set_status(
        self,
        run_id: str,
        status: RunStatus,
        now: datetime,
        *,
        expect: Collection[str] | None = None,
    ) -> bool:
        """Set the run's status (optionally only from `expect` statuses). True if changed."""
        async with self._sessions() as session, session.begin():
            updated = await session.execute(
                update(Run)
                .where(*self._where(run_id, expect))
                .values(status=status, updated_at=as_utc(now))
                .returning(Run.run_id)
            )
            return updated.first() is not None

    @staticmethod
    def _where(run_id: str, expect: Collection[str] | None) -> list[ColumnElement[bool]]:
        where = [Run.run_id == run_id]
        if expect is not None:
            where.append(Run.status.in_(list(expect)))
        return where

    async def unfinished(self) -> list[RunRecord]:
        """Return every tenant's pending and running runs, oldest first (restart recovery)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Run).where(Run.status.in_(INFLIGHT)).order_by(Run.created_at, Run.run_id)
            )
            return [_record(r) for r in rows]

    async def delete(self, run_id: str, tenant: str) -> bool:
        """Delete the tenant's run and its events. False if not found."""
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                delete(Run).where(Run.run_id == run_id, Run.tenant == tenant).returning(Run.run_id)
            )
            return deleted.first() is not None
