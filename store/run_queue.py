"""The two hot transactions of a run's life, one round of locking each.

``claim_next`` takes a thread's oldest due pending run (refusing while one is running) and says
whether more are waiting; ``complete`` stores a run's final status together with its thread's
new state (``busy`` while other runs are still queued). Both hold the thread's row lock, so
concurrent workers see one consistent queue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import Run, Thread, as_utc
from store.runs import INFLIGHT, RunRecord, RunRepository, RunStatus
from store.threads import ThreadStatus, lock_thread


class RunQueue:
    """Claim and complete runs (the worker's side of the runs table)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim_next(self, thread_id: str, now: datetime) -> tuple[RunRecord | None, bool]:
        """Move the thread's oldest due pending run to running; return it and "more waiting".

        (None, False) when the thread is gone, has a running run, or has nothing due.
        """
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if await lock_thread(session, thread_id, None) is None:
                return None, False
            inflight = await RunRepository._inflight_in(session, thread_id)
            if any(run.status == "running" for run in inflight):
                return None, False
            due = [r for r in inflight if r.status == "pending" and r.created_at <= now]
            if not due:
                return None, False
            run = due[0]
            await session.execute(
                update(Run)
                .where(Run.run_id == run.run_id, Run.status == "pending")
                .values(status="running", started_at=now, updated_at=now, attempt=Run.attempt + 1)
            )
            claimed = replace(
                run, status="running", attempt=run.attempt + 1, started_at=now, updated_at=now
            )
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
    ) -> bool:
        """Store the run's final status and its thread's state in one transaction; return
        whether other runs of the thread are pending or running."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name != "sqlite":  # SQLite: the first UPDATE locks it all
                await lock_thread(session, run.thread_id, None)
            await session.execute(
                update(Run)
                .where(Run.run_id == run.run_id)
                .values(status=status, error=error, ended_at=now, updated_at=now)
            )
            waiting = await session.scalar(
                select(func.count())
                .select_from(Run)
                .where(Run.thread_id == run.thread_id, Run.status.in_(INFLIGHT))
            )
            await session.execute(
                update(Thread)
                .where(Thread.thread_id == run.thread_id)
                .values(
                    status="busy" if waiting else thread_status,
                    values=values,
                    interrupts=interrupts,
                    error=error,
                    updated_at=now,
                    state_updated_at=now,
                )
            )
        return bool(waiting)
