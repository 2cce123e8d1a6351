"""Run event repository: the stored stream of a run, replayed to late or reconnecting clients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import Run, RunEvent, as_utc

# Rows per executemany call: bounds the parameters a call holds in memory.
_ROWS_PER_INSERT = 1000
_FOREIGN_KEY_VIOLATION = ("SQLITE_CONSTRAINT_FOREIGNKEY", "23503")  # SQLite, PostgreSQL


class UnknownRunError(LookupError):
    """An appended event belongs to a run that is not (or no longer) stored."""


async def insert_events(
    session: AsyncSession, events: list[tuple[str, int, str, str]], now: datetime
) -> None:
    """Insert (run_id, seq, event, data) rows in the session's transaction; a (run_id, seq)
    already stored is kept as is. One statement run for many rows (compiled once and cached,
    whatever the number of rows), in chunks of 1000."""
    now = as_utc(now)
    rows = [
        {"run_id": run_id, "seq": seq, "event": event, "data": data, "created_at": now}
        for run_id, seq, event, data in events
    ]
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(RunEvent).on_conflict_do_nothing(index_elements=["run_id", "seq"])
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        await session.execute(statement, rows[start : start + _ROWS_PER_INSERT])


class RunEventRepository:
    """Owns every query on run_events. An event is (seq, event name, compact JSON data text)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def append(self, run_id: str, events: list[tuple[int, str, str]], now: datetime) -> None:
        """Store a batch of one run's events; see `append_many`."""
        await self.append_many([(run_id, seq, event, data) for seq, event, data in events], now)

    async def append_many(self, events: list[tuple[str, int, str, str]], now: datetime) -> None:
        """Store (run_id, seq, event, data) rows of any runs in one transaction.

        A (run_id, seq) already stored is kept as is. Batches above 1000 rows are split into
        several INSERTs within the transaction. Raises `UnknownRunError` (and stores nothing)
        when a run of the batch does not exist, e.g. it was deleted meanwhile.
        """
        if not events:
            return
        try:
            async with self._sessions() as session, session.begin():
                await insert_events(session, events, now)
        except IntegrityError as exc:
            code = getattr(exc.orig, "sqlite_errorname", None) or getattr(
                exc.orig, "sqlstate", None
            )
            if code in _FOREIGN_KEY_VIOLATION:
                # Not chained: the original message carries the statement's parameters (data).
                raise UnknownRunError("an event's run does not exist") from None
            raise

    async def after(
        self, run_id: str, seq: int, limit: int | None = None, before: int | None = None
    ) -> list[tuple[int, str, str]]:
        """Return the run's events with a sequence number above `seq` (and below `before`), in
        order, at most `limit` of them."""
        query = (
            select(RunEvent.seq, RunEvent.event, RunEvent.data)
            .where(RunEvent.run_id == run_id, RunEvent.seq > seq)
            .order_by(RunEvent.seq)
        )
        if before is not None:
            query = query.where(RunEvent.seq < before)
        if limit is not None:
            query = query.limit(limit)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [(int(s), e, d) for s, e, d in rows]

    async def last_seq(self, run_id: str) -> int:
        """Return the run's highest stored sequence number, or -1 when it has none."""
        async with self._sessions() as session:
            last = await session.scalar(
                select(func.max(RunEvent.seq)).where(RunEvent.run_id == run_id)
            )
        return -1 if last is None else int(last)

    async def purge(self, ended_before: datetime) -> int:
        """Delete the events of runs that ended before the cutoff; return how many were deleted."""
        ended = select(Run.run_id).where(Run.ended_at < as_utc(ended_before))
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                delete(RunEvent).where(RunEvent.run_id.in_(ended)).returning(RunEvent.seq)
            )
            return len(deleted.all())
