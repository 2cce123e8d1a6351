"""Focus-group answers: the record shape, and durable writes with group commit.

Many persona tasks answer at once; each waits until its answer is committed before it counts
it as paid for, so a crash never loses an answer the budget was charged for. One commit per
answer would make the database the bottleneck (an fsync each on PostgreSQL, one writer at a
time on SQLite), so rows written while a commit is in flight queue and go together in the
next transaction.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal, get_args

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.clock import utc_now
from sight.errors import InputValidationError
from store.models import FocusGroupAnswer, as_utc

AnswerStatus = Literal["answered", "failed", "skipped_budget"]
ANSWER_STATUSES: tuple[str, ...] = get_args(AnswerStatus)
CELL_FIELDS = ("id", "focus_group_id", "persona_id", "question_id", "round", "status")
DEFAULTS: dict[str, Any] = {
    "answer": None,
    "text": "",
    "sentiment": None,
    "checks": [],
    "error": None,
    "model": None,
    "tokens_in": 0,
    "tokens_out": 0,
    "cost_usd": 0.0,
    "attempts": 1,
}
# Columns a later write of the same cell replaces; id, cell and created_at stay.
REPLACED = ("status", *DEFAULTS, "updated_at")
INSERT_CHUNK = 200  # rows per INSERT: 17 columns each stays far below SQLite's parameter limit

Cell = tuple[str, str, int]


def answer_of(row: FocusGroupAnswer) -> dict[str, Any]:
    """The answer record of a row (docs/focus_group.md), ``created_at`` as an ISO string."""
    record = {name: getattr(row, name) for name in (*CELL_FIELDS, *DEFAULTS)}
    record["checks"] = list(record["checks"] or [])
    record["created_at"] = as_utc(row.created_at).isoformat()
    record["updated_at"] = as_utc(row.updated_at).isoformat()
    return record


def answer_values(record: dict[str, Any]) -> dict[str, Any]:
    """Column values of an answer record (raise InputValidationError if it is incomplete).

    ``created_at`` may be a datetime or an ISO string; missing, it is now.
    """
    where = f"answers[{record.get('id', '?')}]"
    problems = [
        {"field": f"{where}.{name}", "message": "is required"}
        for name in CELL_FIELDS
        if record.get(name) is None
    ]
    if record.get("status") is not None and record["status"] not in ANSWER_STATUSES:
        problems.append(
            {"field": f"{where}.status", "message": f"must be one of {', '.join(ANSWER_STATUSES)}"}
        )
    if problems:
        raise InputValidationError(problems)
    created = record.get("created_at") or utc_now()
    if not isinstance(created, datetime):
        created = datetime.fromisoformat(str(created))
    values = {name: record[name] for name in CELL_FIELDS}
    values |= {name: record.get(name, default) for name, default in DEFAULTS.items()}
    values["text"] = values["text"] or ""
    values["checks"] = list(values["checks"] or [])
    return values | {"created_at": as_utc(created), "updated_at": as_utc(created)}


def _last_per_cell(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per id (PostgreSQL refuses to upsert one row twice in a statement): the last
    written, unless an earlier one is answered, which nothing overwrites."""
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        earlier = kept.get(row["id"])
        if earlier is None or earlier["status"] != "answered":
            kept[row["id"]] = row
    return list(kept.values())


@lru_cache(maxsize=2)
def _upsert(dialect_name: str) -> Any:
    """INSERT ... ON CONFLICT (id) DO UPDATE unless answered, RETURNING id, for a dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = FocusGroupAnswer.__table__
    insert = dialect.insert(table)
    return insert.on_conflict_do_update(
        index_elements=["id"],
        set_={name: insert.excluded[name] for name in REPLACED},
        where=table.c.status != "answered",
    ).returning(table.c.id)


class AnswerWriter:
    """Write answer rows durably; concurrent writes share a transaction (group commit).

    ``commits`` and ``rows`` count transactions and rows committed (for the benchmark).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False
        self.commits = 0
        self.rows = 0

    async def write(self, record: dict[str, Any]) -> bool:
        """Store one answer record; return once committed (False: the cell was answered).

        An answered cell is never overwritten; a failed or skipped one is replaced. If the
        transaction carrying the row fails, its error is raised here (and in every write that
        shared the transaction). An incomplete record raises before it joins a transaction.
        """
        if self._closed:
            raise RuntimeError("the answer writer is closed")
        values = answer_values(record)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((values, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def drain(self) -> None:
        """Wait until every row written so far is committed (or has failed)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    async def close(self) -> None:
        """Refuse further writes and wait for the queued ones."""
        self._closed = True
        await self.drain()

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                written = await self._commit([values for values, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as error:  # noqa: BLE001 - handed to every waiting writer
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for values, future in batch:
                if not future.done():
                    future.set_result(values["id"] in written)

    async def _commit(self, rows: list[dict[str, Any]]) -> set[str]:
        """Upsert `rows` in one transaction; return the ids stored (not blocked by answered)."""
        rows = _last_per_cell(rows)
        written: set[str] = set()
        async with self._sessions() as session, session.begin():
            upsert = _upsert(session.bind.dialect.name)
            for start in range(0, len(rows), INSERT_CHUNK):
                # Rows as executemany parameters: the statement compiles once per process
                # (a multi-row VALUES clause would compile anew for every batch size).
                result = await session.execute(upsert, rows[start : start + INSERT_CHUNK])
                written.update(result.scalars().all())
        self.commits += 1
        self.rows += len(rows)
        return written
