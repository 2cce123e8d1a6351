"""The two hot transactions of a run's life, one round of locking each.

``claim_next`` takes a thread's oldest due pending run (refusing while one is running) and says
whether more are waiting; ``complete`` stores a run's final status together with its thread's
new state (``busy`` while other runs are still queued), ``discard`` deletes a rolled-back run the
same way; ``cancel`` decides what becomes of a run (or of every run of a thread being deleted)
on its stored status. All hold the thread's row lock, so concurrent workers and cancels see one
consistent queue. Core statements on the tables, as few as the
locking allows: each statement is a round trip (SQLite: a hop to the driver's thread).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import as_utc
from store.run_events import insert_events
from store.runs import INFLIGHT, RUNS, THREADS, RunRecord, RunRepository, RunStatus, _record
from store.threads import ThreadStatus, lock_thread_row

# What a cancel does to a stored run: mark it interrupted, delete it, or leave it (None: the
# task executing it stops it and stores the outcome itself, or it has already ended).
CancelStep = Literal["interrupted", "delete"] | None


class RunQueue:
    """Claim and complete runs (the worker's side of the runs table)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim_next(
        self,
        thread_id: str,
        now: datetime,
        on_claim: Callable[[RunRecord], None] | None = None,
    ) -> tuple[RunRecord | None, bool]:
        """Move the thread's oldest due pending run to running; return it and "more waiting".

        (None, False) when the thread is gone, has a running run, or has nothing due.
        `on_claim` sees the claimed run before the claim commits (the thread still locked), so
        whoever takes the lock next finds it registered (a cancel deciding on it).
        """
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if not await lock_thread_row(session, thread_id, None):
                return None, False
            inflight = await RunRepository._inflight_in(session, thread_id)
            if any(run.status == "running" for run in inflight):
                return None, False
            due = [r for r in inflight if r.status == "pending" and r.created_at <= now]
            if not due:
                return None, False
            run = due[0]
            await session.execute(
                update(RUNS)
                .where(RUNS.c.run_id == run.run_id, RUNS.c.status == "pending")
                .values(
                    status="running", started_at=now, updated_at=now, attempt=RUNS.c.attempt + 1
                )
            )
            claimed = replace(
                run, status="running", attempt=run.attempt + 1, started_at=now, updated_at=now
            )
            if on_claim is not None:
                on_claim(claimed)
            return claimed, len(due) > 1

    async def complete(
        self,
        run: RunRecord,
        *,
        status: RunStatus,
        error: Any,
        thread_status: ThreadStatus,
        values: Any,
        interrupts: dict[str, Any],
        now: datetime,
        events: Sequence[tuple[str, int, str, str]] = (),
    ) -> bool:
        """Store the run's final status, its thread's state and the run's last stream `events`
        (run_id, seq, event, data) in one transaction; return whether other runs of the thread
        are pending or running (the thread is then busy).

        PostgreSQL: the thread's row lock comes first, so the inflight check (a new snapshot
        per statement) sees every run an enqueue committed. SQLite: the first UPDATE takes the
        database's write lock, which serialises the same way.
        """
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name != "sqlite":
                await lock_thread_row(session, run.thread_id, None)
            ended = await session.execute(
                update(RUNS)
                .where(RUNS.c.run_id == run.run_id)
                .values(status=status, error=error, ended_at=now, updated_at=now)
            )
            waiting = await _store_thread(
                session, run.thread_id, thread_status, values, interrupts, error, now
            )
            if events and ended.rowcount:  # a run deleted meanwhile keeps no events
                await insert_events(session, list(events), now)
        return waiting

    async def discard(
        self,
        run: RunRecord,
        *,
        thread_status: ThreadStatus,
        values: Any,
        interrupts: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Delete a rolled-back run (its events go with it) and store its thread's state, as
        ``complete`` does; return whether other runs of the thread are pending or running."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name != "sqlite":
                await lock_thread_row(session, run.thread_id, None)
            await session.execute(delete(RUNS).where(RUNS.c.run_id == run.run_id))
            return await _store_thread(
                session, run.thread_id, thread_status, values, interrupts, None, now
            )

    async def cancel(
        self,
        thread_id: str,
        tenant: str,
        decide: Callable[[RunRecord], CancelStep],
        *,
        now: datetime,
        run_id: str | None = None,
        delete_thread: bool = False,
    ) -> list[RunRecord] | None:
        """Cancel on the stored status: under the thread's row lock, read the run `run_id` (or
        every pending and running run of the thread), ask `decide` (synchronous, so what it
        records in memory is in place before the lock is released) what to do with each, and do
        it. The thread turns idle once nothing of it is inflight, or is deleted with its runs
        (`delete_thread`). Returns the runs as read ([] if the run is gone); None when the
        tenant has no such thread.
        """
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if not await lock_thread_row(session, thread_id, tenant):
                return None
            if run_id is None:
                found = await RunRepository._inflight_in(session, thread_id)
            else:
                row = (
                    await session.execute(
                        select(RUNS).where(
                            RUNS.c.run_id == run_id,
                            RUNS.c.thread_id == thread_id,
                            RUNS.c.tenant == tenant,
                        )
                    )
                ).first()
                found = [_record(row)] if row is not None else []
            changed = False
            for run in found:
                step = decide(run)
                if step is None or delete_thread:  # the thread's delete takes the run along
                    continue
                where = RUNS.c.run_id == run.run_id
                if step == "delete":
                    await session.execute(delete(RUNS).where(where))
                else:
                    await session.execute(
                        update(RUNS)
                        .where(where)
                        .values(status="interrupted", ended_at=now, updated_at=now)
                    )
                changed = True
            if delete_thread:
                await session.execute(delete(THREADS).where(THREADS.c.thread_id == thread_id))
            elif changed:
                inflight = exists().where(
                    RUNS.c.thread_id == thread_id, RUNS.c.status.in_(INFLIGHT)
                )
                await session.execute(
                    update(THREADS)
                    .where(THREADS.c.thread_id == thread_id, ~inflight)
                    .values(status="idle", updated_at=now)
                )
        return found


async def _store_thread(
    session: AsyncSession,
    thread_id: str,
    status: ThreadStatus,
    values: Any,
    interrupts: dict[str, Any],
    error: Any,
    now: datetime,
) -> bool:
    """Store the thread's state after a run; ``busy`` instead of `status` while other runs of
    it are inflight (returns True then)."""
    waiting = exists().where(RUNS.c.thread_id == thread_id, RUNS.c.status.in_(INFLIGHT))
    stored = await session.scalar(
        update(THREADS)
        .where(THREADS.c.thread_id == thread_id)
        .values(
            status=case((waiting, "busy"), else_=status),
            values=values,
            interrupts=interrupts,
            error=error,
            updated_at=now,
            state_updated_at=now,
        )
        .returning(THREADS.c.status)
    )
    return stored == "busy"
