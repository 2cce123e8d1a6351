"""The two hot transactions of a run's life, one round of locking each.

``claim_next`` takes a thread's oldest due pending run (refusing while one is running) and says
whether more are waiting; ``complete`` stores a run's final status together with its thread's
new state (``busy`` while other runs are still queued). Both hold the thread's row lock, so
concurrent workers see one consistent queue. Core statements on the tables, as few as the
locking allows: each statement is a round trip (SQLite: a hop to the driver's thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import as_utc
from store.run_events import insert_events
from store.runs import INFLIGHT, RUNS, THREADS, RunRecord, RunRepository, RunStatus
from store.threads import ThreadStatus, lock_thread_row


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
        waiting = exists().where(RUNS.c.thread_id == run.thread_id, RUNS.c.status.in_(INFLIGHT))
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name != "sqlite":
                await lock_thread_row(session, run.thread_id, None)
            ended = await session.execute(
                update(RUNS)
                .where(RUNS.c.run_id == run.run_id)
                .values(status=status, error=error, ended_at=now, updated_at=now)
            )
            stored = await session.scalar(
                update(THREADS)
                .where(THREADS.c.thread_id == run.thread_id)
                .values(
                    status=case((waiting, "busy"), else_=thread_status),
                    values=values,
                    interrupts=interrupts,
                    error=error,
                    updated_at=now,
                    state_updated_at=now,
                )
                .returning(THREADS.c.status)
            )
            if events and ended.rowcount:  # a run deleted meanwhile keeps no events
                await insert_events(session, list(events), now)
        return stored == "busy"
