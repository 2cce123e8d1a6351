"""Session repository: a tenant's sales sessions, their outcome and what the graph remembers.

A session's id is the LangGraph thread id of the conversation. The graph writes the rolling
memory (summary, key facts) and the deep analysis, which may finish out of order: an older
turn's result never overwrites a newer one's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from store.models import SalesClient, SalesFeedback, SalesInteraction, SalesSession, as_utc

SessionStatus = Literal["active", "closed"]
Outcome = Literal["purchased", "not_purchased", "postponed", "lost_to_competitor"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


@dataclass(frozen=True)
class SessionSummary:
    """A session as listed: its client, state and latest purchase readiness."""

    id: str
    client_id: str | None
    client_alias: str | None
    status: str
    started_at: datetime
    last_activity_at: datetime
    turns: int
    latest_readiness: int | None


@dataclass(frozen=True)
class SessionRecord(SessionSummary):
    """A whole stored session (no tenant: it is the caller's).

    ``outcome_data``: {outcome, note, concluded_at, concluded_by} once concluded.
    ``memory_turn`` / ``deep_turn``: the turn the summary / deep analysis covers, 0 for none.
    """

    outcome_data: dict[str, Any] | None
    summary: str
    key_facts: list[str]
    memory_turn: int
    deep_analysis: dict[str, Any] | None
    deep_turn: int


SUMMARY_COLUMNS = (
    SalesSession.id,
    SalesSession.client_id,
    SalesClient.alias.label("client_alias"),
    SalesSession.status,
    SalesSession.started_at,
    SalesSession.last_activity_at,
    SalesSession.turns,
    SalesSession.latest_readiness,
)
DETAIL_COLUMNS = (
    SalesSession.outcome_data,
    SalesSession.summary,
    SalesSession.key_facts,
    SalesSession.memory_turn,
    SalesSession.deep_analysis,
    SalesSession.deep_turn,
)


def _with_client(*columns: Any) -> Select[Any]:
    return select(*columns).outerjoin(SalesClient, SalesClient.id == SalesSession.client_id)


def _summary_of(row: Any) -> SessionSummary:
    data = dict(row._mapping)
    data["started_at"] = as_utc(data["started_at"])
    data["last_activity_at"] = as_utc(data["last_activity_at"])
    return SessionSummary(**{field.name: data[field.name] for field in fields(SessionSummary)})


def _record_of(row: Any) -> SessionRecord:
    summary = _summary_of(row)
    data = row._mapping
    details = {column.key: data[column.key] for column in DETAIL_COLUMNS}
    details["key_facts"] = list(details["key_facts"] or [])
    return SessionRecord(**vars(summary), **details)


def _owned(session_id: str, tenant: str) -> list[ColumnElement[bool]]:
    return [SalesSession.id == session_id, SalesSession.tenant == tenant]


async def _read(db: AsyncSession, session_id: str, tenant: str) -> SessionRecord | None:
    row = (
        await db.execute(
            _with_client(*SUMMARY_COLUMNS, *DETAIL_COLUMNS).where(*_owned(session_id, tenant))
        )
    ).first()
    return None if row is None else _record_of(row)


class SessionRepository:
    """Owns every query on sales_sessions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self, tenant: str, session_id: str, client_id: str | None, now: datetime
    ) -> SessionRecord:
        """Start an active session; ConflictError when the id exists, NotFoundError when the
        client is not the tenant's."""
        if not await self._insert(tenant, session_id, client_id, now):
            raise ConflictError(f"session {session_id} exists already")
        created = await self.get(session_id, tenant)
        assert created is not None  # sessions are deleted only by an admin, by id
        return created

    async def ensure(
        self, tenant: str, session_id: str, now: datetime, *, client_id: str | None = None
    ) -> SessionRecord:
        """The tenant's session, started (with `client_id`) when it does not exist yet.

        ConflictError when the id is another tenant's session.
        """
        await self._insert(tenant, session_id, client_id, now)
        found = await self.get(session_id, tenant)
        if found is None:
            raise ConflictError(f"session id {session_id} cannot be used: pick another")
        return found

    async def _insert(
        self, tenant: str, session_id: str, client_id: str | None, now: datetime
    ) -> bool:
        now = as_utc(now)
        values = {
            "id": session_id,
            "tenant": tenant,
            "client_id": client_id,
            "status": "active",
            "started_at": now,
            "last_activity_at": now,
            "outcome_data": None,
            "summary": "",
            "key_facts": [],
            "memory_turn": 0,
            "deep_analysis": None,
            "deep_turn": 0,
            "latest_readiness": None,
            "turns": 0,
        }
        async with self._sessions() as db, db.begin():
            if client_id is not None:
                owner = await db.scalar(
                    select(SalesClient.id).where(
                        SalesClient.id == client_id, SalesClient.tenant == tenant
                    )
                )
                if owner is None:
                    raise NotFoundError(f"Client with ID {client_id} not found")
            dialect = postgresql if db.bind.dialect.name == "postgresql" else sqlite
            inserted = await db.execute(
                dialect.insert(SalesSession)
                .values(values)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(SalesSession.id)
            )
            return inserted.first() is not None

    async def get(self, session_id: str, tenant: str) -> SessionRecord | None:
        """The tenant's session with its client's alias, or None (another tenant's too)."""
        async with self._sessions() as db:
            return await _read(db, session_id, tenant)

    async def list(
        self,
        tenant: str,
        *,
        status: str | None = None,
        client_id: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[SessionSummary], int]:
        """One page of the tenant's sessions, latest activity first, and the total matching."""
        where = [SalesSession.tenant == tenant]
        if status is not None:
            where.append(SalesSession.status == status)
        if client_id is not None:
            where.append(SalesSession.client_id == client_id)
        async with self._sessions() as db:
            total = await db.scalar(select(func.count()).select_from(SalesSession).where(*where))
            rows = await db.execute(
                _with_client(*SUMMARY_COLUMNS)
                .where(*where)
                .order_by(SalesSession.last_activity_at.desc(), SalesSession.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_summary_of(row) for row in rows], int(total or 0)

    async def conclude(
        self,
        session_id: str,
        tenant: str,
        outcome: str,
        note: str | None,
        user: str,
        now: datetime,
    ) -> SessionRecord | None:
        """Close the session with its outcome; None when not found, ConflictError when it is
        closed already (reopen it first to change the outcome)."""
        if outcome not in OUTCOMES:
            raise InputValidationError(
                [{"field": "outcome", "message": f"must be one of {', '.join(OUTCOMES)}"}]
            )
        now = as_utc(now)
        outcome_data = {
            "outcome": outcome,
            "note": note,
            "concluded_at": now.isoformat(),
            "concluded_by": user,
        }
        values = {"status": "closed", "outcome_data": outcome_data, "last_activity_at": now}
        return await self._transition(session_id, tenant, "active", values)

    async def reopen(self, session_id: str, tenant: str, now: datetime) -> SessionRecord | None:
        """Make a closed session active again, its outcome cleared; None when not found,
        ConflictError when it is active."""
        values = {"status": "active", "outcome_data": None, "last_activity_at": as_utc(now)}
        return await self._transition(session_id, tenant, "closed", values)

    async def _transition(
        self, session_id: str, tenant: str, from_status: str, values: dict[str, Any]
    ) -> SessionRecord | None:
        async with self._sessions() as db, db.begin():
            changed = await db.execute(
                update(SalesSession)
                .where(*_owned(session_id, tenant), SalesSession.status == from_status)
                .values(**values)
                .returning(SalesSession.id)
            )
            found = await _read(db, session_id, tenant)
            if found is not None and changed.first() is None:
                raise ConflictError(
                    f"session {session_id} is {found.status}",
                    details={"status": found.status},
                )
            return found

    async def set_memory(
        self, session_id: str, tenant: str, summary: str, key_facts: list[str], memory_turn: int
    ) -> bool:
        """Store the rolling summary covering turns up to `memory_turn`; False (nothing
        written) when a summary of a later turn is stored, or the session is not found."""
        return await self._write_if_newer(
            session_id,
            tenant,
            SalesSession.memory_turn <= memory_turn,
            {"summary": summary, "key_facts": list(key_facts), "memory_turn": memory_turn},
        )

    async def set_deep(self, session_id: str, tenant: str, turn: int, deep: dict[str, Any]) -> bool:
        """Store the deep analysis of `turn`; False (nothing written) when one of a later turn
        is stored, or the session is not found."""
        return await self._write_if_newer(
            session_id,
            tenant,
            SalesSession.deep_turn <= turn,
            {"deep_analysis": deep, "deep_turn": turn},
        )

    async def _write_if_newer(
        self, session_id: str, tenant: str, newer: ColumnElement[bool], values: dict[str, Any]
    ) -> bool:
        async with self._sessions() as db, db.begin():
            written = await db.execute(
                update(SalesSession)
                .where(*_owned(session_id, tenant), newer)
                .values(**values)
                .returning(SalesSession.id)
            )
            return written.first() is not None

    async def delete(self, session_id: str, tenant: str) -> bool:
        """Delete the session with its interactions and feedback; False when not found."""
        async with self._sessions() as db, db.begin():
            deleted = await db.execute(
                delete(SalesSession).where(*_owned(session_id, tenant)).returning(SalesSession.id)
            )
            if deleted.first() is None:
                return False
            # The foreign keys cascade; this covers a connection with foreign keys off.
            turns = select(SalesInteraction.id).where(SalesInteraction.session_id == session_id)
            await db.execute(delete(SalesFeedback).where(SalesFeedback.interaction_id.in_(turns)))
            await db.execute(
                delete(SalesInteraction).where(SalesInteraction.session_id == session_id)
            )
            return True
