"""Focus-group repository: the focus groups of a tenant and their answers (reads, deletes).

Answers are written by ``store.focus_group_answers.AnswerWriter``; this module reads them.
Another tenant's focus group is never found: every read and write takes the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from sight.errors import InputValidationError
from store.focus_group_answers import Cell, answer_of
from store.models import FocusGroup, FocusGroupAnswer, as_utc

FocusGroupStatus = Literal["running", "completed", "partial", "failed", "estimated", "refused"]
FOCUS_GROUP_STATUSES: tuple[str, ...] = get_args(FocusGroupStatus)
REQUIRED_FIELDS = ("id", "tenant", "status", "mode", "request", "persona_ids", "questions")
OPTIONAL_FIELDS: dict[str, Any] = {
    "run_id": None,
    "thread_id": None,
    "budget": {},
    "estimate": {},
    "spend": {},
    "report": None,
    "error": None,
    "finished_at": None,
}
UPDATABLE_FIELDS = (
    "status",
    "estimate",
    "spend",
    "report",
    "error",
    "finished_at",
    "run_id",
    "thread_id",
)


@dataclass(frozen=True)
class FocusGroupRecord:
    """One stored focus group, every column (``report`` None when not loaded)."""

    id: str
    tenant: str
    run_id: str | None
    thread_id: str | None
    status: str
    mode: str
    request: dict[str, Any]
    persona_ids: list[str]
    questions: list[dict[str, Any]]
    budget: dict[str, Any]
    estimate: dict[str, Any]
    spend: dict[str, Any]
    report: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


COLUMNS = tuple(f.name for f in fields(FocusGroupRecord))


def record_of(row: FocusGroup, *, with_report: bool = True) -> FocusGroupRecord:
    """The record of a focus-group row (``report`` None unless `with_report`)."""
    data = {name: getattr(row, name) for name in COLUMNS if name != "report"}
    data["report"] = row.report if with_report else None
    for name in ("created_at", "updated_at", "finished_at"):
        data[name] = as_utc(data[name]) if data[name] is not None else None
    return FocusGroupRecord(**data)


def _check_status(status: Any) -> None:
    if status not in FOCUS_GROUP_STATUSES:
        raise InputValidationError(
            [{"field": "status", "message": f"must be one of {', '.join(FOCUS_GROUP_STATUSES)}"}]
        )


def _owned(fg_id: str, tenant: str) -> list[ColumnElement[bool]]:
    return [FocusGroup.id == fg_id, FocusGroup.tenant == tenant]


class FocusGroupRepository:
    """Owns every query on focus_groups, and the reads and deletes of their answers."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, record: dict[str, Any], *, now: datetime) -> bool:
        """Store a new focus group; False when its id exists (a resumed run re-creating it).

        `record` holds the columns: id, tenant, status, mode, request, persona_ids and
        questions are required; the others default (budget, estimate, spend to {}).
        """
        missing = [name for name in REQUIRED_FIELDS if record.get(name) is None]
        if missing:
            raise InputValidationError(
                [{"field": f"focus_group.{name}", "message": "is required"} for name in missing]
            )
        _check_status(record["status"])
        now = as_utc(now)
        values = {name: record[name] for name in REQUIRED_FIELDS}
        values |= {name: record.get(name, default) for name, default in OPTIONAL_FIELDS.items()}
        values |= {"created_at": now, "updated_at": now}
        async with self._sessions() as session, session.begin():
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            inserted = await session.execute(
                dialect.insert(FocusGroup.__table__)
                .values(values)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(FocusGroup.__table__.c.id)
            )
            return inserted.first() is not None

    async def get(
        self, fg_id: str, tenant: str, *, with_report: bool = True
    ) -> FocusGroupRecord | None:
        """Return the tenant's focus group, or None (another tenant's is None too)."""
        query = select(FocusGroup).where(*_owned(fg_id, tenant))
        if not with_report:
            query = query.options(defer(FocusGroup.report))
        async with self._sessions() as session:
            row = await session.scalar(query)
        return None if row is None else record_of(row, with_report=with_report)

    async def list(
        self,
        tenant: str,
        *,
        limit: int = 20,
        offset: int = 0,
        status: str | None = None,
    ) -> tuple[list[FocusGroupRecord], int]:
        """Return one page of the tenant's focus groups, newest first, and the total.

        Reports are not loaded (``report`` is None in every record).
        """
        where = [FocusGroup.tenant == tenant]
        if status is not None:
            where.append(FocusGroup.status == status)
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(FocusGroup).where(*where))
            rows = await session.scalars(
                select(FocusGroup)
                .where(*where)
                .options(defer(FocusGroup.report))
                .order_by(FocusGroup.created_at.desc(), FocusGroup.id.desc())
                .limit(limit)
                .offset(offset)
            )
            records = [record_of(row, with_report=False) for row in rows]
        return records, int(total or 0)

    async def update(
        self, fg_id: str, tenant: str, *, now: datetime, **changes: Any
    ) -> FocusGroupRecord | None:
        """Set the given columns and updated_at; return the record, None when not found.

        Only status, estimate, spend, report, error, finished_at, run_id and thread_id change
        (TypeError for any other name: the setup of a focus group is fixed once created).
        """
        unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
        if unknown:
            raise TypeError(f"focus group fields not updatable: {', '.join(unknown)}")
        if "status" in changes:
            _check_status(changes["status"])
        if changes.get("finished_at") is not None:
            changes["finished_at"] = as_utc(changes["finished_at"])
        async with self._sessions() as session, session.begin():
            updated = await session.execute(
                update(FocusGroup)
                .where(*_owned(fg_id, tenant))
                .values(**changes, updated_at=as_utc(now))
                .returning(FocusGroup)
                .execution_options(populate_existing=True)
            )
            row = updated.scalar_one_or_none()
            return None if row is None else record_of(row)

    async def delete(self, fg_id: str, tenant: str) -> bool:
        """Delete the tenant's focus group and its answers; False when there is none."""
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                delete(FocusGroup).where(*_owned(fg_id, tenant)).returning(FocusGroup.id)
            )
            if deleted.first() is None:
                return False
            # The foreign key cascades; this covers a connection with foreign keys off
            # (SQLite's default, e.g. a script's own engine).
            await session.execute(
                delete(FocusGroupAnswer).where(FocusGroupAnswer.focus_group_id == fg_id)
            )
            return True

    async def answers(
        self,
        fg_id: str,
        tenant: str,
        *,
        persona_id: str | None = None,
        question_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Return one page of the focus group's answer records and the total matching.

        Ordered as the setup asks: by the question's position, then round, then the persona's
        position in ``persona_ids``. Another tenant's focus group has no answers.
        """
        async with self._sessions() as session:
            setup = (
                await session.execute(
                    select(FocusGroup.questions, FocusGroup.persona_ids).where(
                        *_owned(fg_id, tenant)
                    )
                )
            ).first()
            if setup is None:
                return [], 0
            where = [FocusGroupAnswer.focus_group_id == fg_id]
            for column, value in (
                (FocusGroupAnswer.persona_id, persona_id),
                (FocusGroupAnswer.question_id, question_id),
                (FocusGroupAnswer.status, status),
            ):
                if value is not None:
                    where.append(column == value)
            total = await session.scalar(
                select(func.count()).select_from(FocusGroupAnswer).where(*where)
            )
            query = (
                select(FocusGroupAnswer)
                .where(*where)
                .order_by(
                    _position(FocusGroupAnswer.question_id, [q["id"] for q in setup.questions]),
                    FocusGroupAnswer.round,
                    _position(FocusGroupAnswer.persona_id, list(setup.persona_ids)),
                    FocusGroupAnswer.question_id,
                    FocusGroupAnswer.persona_id,
                )
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            rows = await session.scalars(query)
            return [answer_of(row) for row in rows], int(total or 0)

    async def cells(self, fg_id: str) -> dict[Cell, dict[str, Any]]:
        """Every answer record of the focus group by (persona_id, question_id, round).

        For resuming a run and for reruns (no tenant: the run knows its focus group): a
        resumed run skips every stored cell, a rerun asks the failed and skipped ones again.
        """
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FocusGroupAnswer).where(FocusGroupAnswer.focus_group_id == fg_id)
            )
            return {(r.persona_id, r.question_id, r.round): answer_of(r) for r in rows}

    async def claim_rerun(self, fg_id: str, tenant: str, *, run_id: str, now: datetime) -> bool:
        """Mark a finished focus group ``running`` for this rerun, atomically: False when it
        is not finished (another rerun claimed it first). The same run claiming again (it
        resumed) succeeds."""
        finished = FocusGroup.status.in_(("completed", "partial", "failed"))
        ours = (FocusGroup.status == "running") & (FocusGroup.run_id == run_id)
        async with self._sessions() as session, session.begin():
            claimed = await session.execute(
                update(FocusGroup)
                .where(*_owned(fg_id, tenant), finished | ours)
                .values(status="running", run_id=run_id, error=None, updated_at=as_utc(now))
                .returning(FocusGroup.id)
            )
            return claimed.first() is not None

    async def set_sentiments(self, fg_id: str, sentiments: dict[str, dict[str, Any]]) -> None:
        """Store the analysis' sentiment of answers by answer id (one transaction)."""
        if not sentiments:
            return
        table = FocusGroupAnswer.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.focus_group_id == fg_id)
            .values(sentiment=bindparam("b_sentiment", type_=table.c.sentiment.type))
        )
        rows = [{"b_id": key, "b_sentiment": value} for key, value in sentiments.items()]
        async with self._sessions() as session, session.begin():
            await session.execute(statement, rows)  # one executemany


def _position(column: Any, order: list[str]) -> Any:
    """An ORDER BY term: the value's index in `order` (unknown values last)."""
    if not order:
        return column
    return case({value: index for index, value in enumerate(order)}, value=column, else_=len(order))
