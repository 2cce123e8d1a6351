"""Interaction repository: the turns of a sales session, numbered 1, 2, ... without gaps.

Adding a turn first writes the session row, which holds it locked until the transaction ends
(PostgreSQL's row lock; SQLite's database write lock): concurrent adds to one session queue
there, so each reads the turn before it and none takes the same number. The unique
(session_id, turn) constraint stays as the last guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, NotFoundError
from store.models import SalesInteraction, SalesSession, as_utc


@dataclass(frozen=True)
class InteractionRecord:
    """One stored turn: the observation, its analysis, and every move shown for it."""

    id: str
    session_id: str
    turn: int
    text: str
    analysis: dict[str, Any]
    rules_version: str
    shown_moves: list[str]
    created_at: datetime


def record_of(row: SalesInteraction) -> InteractionRecord:
    return InteractionRecord(
        id=row.id,
        session_id=row.session_id,
        turn=row.turn,
        text=row.text,
        analysis=row.analysis,
        rules_version=row.rules_version,
        shown_moves=list(row.shown_moves),
        created_at=as_utc(row.created_at),
    )


def readiness_of(analysis: dict[str, Any]) -> int | None:
    """The turn's purchase-readiness score (analysis.indicators.purchase_readiness.score)."""
    indicators = analysis.get("indicators")
    readiness = indicators.get("purchase_readiness") if isinstance(indicators, dict) else None
    score = readiness.get("score") if isinstance(readiness, dict) else None
    return score if isinstance(score, int) and not isinstance(score, bool) else None


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _owned(interaction_id: str, tenant: str) -> list[ColumnElement[bool]]:
    return [SalesInteraction.id == interaction_id, SalesInteraction.tenant == tenant]


class InteractionRepository:
    """Owns every query on sales_interactions, and the session counters a new turn moves."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        tenant: str,
        session_id: str,
        text: str,
        analysis: dict[str, Any],
        rules_version: str,
        shown_moves: list[str],
        now: datetime,
    ) -> InteractionRecord:
        """Store the session's next turn and move the session's last activity, turn count and
        latest readiness. NotFoundError when the tenant has no such session, ConflictError
        when it is closed."""
        now = as_utc(now)
        owned = [SalesSession.id == session_id, SalesSession.tenant == tenant]
        async with self._sessions() as db, db.begin():
            locked = await db.execute(
                update(SalesSession)
                .where(*owned, SalesSession.status == "active")
                .values(last_activity_at=now)
                .returning(SalesSession.id)
            )
            if locked.first() is None:
                status = await db.scalar(select(SalesSession.status).where(*owned))
                if status is None:
                    raise NotFoundError(f"Session with ID {session_id} not found")
                raise ConflictError(
                    f"session {session_id} is {status}: reopen it to add a turn",
                    details={"status": status},
                )
            last = await db.scalar(
                select(func.max(SalesInteraction.turn)).where(
                    SalesInteraction.session_id == session_id
                )
            )
            row = SalesInteraction(
                id=str(uuid.uuid4()),
                tenant=tenant,
                session_id=session_id,
                turn=(last or 0) + 1,
                text=text,
                analysis=analysis,
                rules_version=rules_version,
                shown_moves=_unique(shown_moves),
                created_at=now,
            )
            db.add(row)
            await db.flush()
            counters: dict[str, Any] = {"turns": row.turn}
            readiness = readiness_of(analysis)
            if readiness is not None:
                counters["latest_readiness"] = readiness
            await db.execute(update(SalesSession).where(*owned).values(**counters))
            return record_of(row)

    async def get(self, interaction_id: str, tenant: str) -> InteractionRecord | None:
        """The tenant's interaction, or None (another tenant's too)."""
        async with self._sessions() as db:
            row = await db.scalar(select(SalesInteraction).where(*_owned(interaction_id, tenant)))
        return None if row is None else record_of(row)

    async def for_session(self, session_id: str, tenant: str) -> list[InteractionRecord]:
        """Every turn of the tenant's session, in turn order (none for another tenant's)."""
        async with self._sessions() as db:
            rows = await db.scalars(
                select(SalesInteraction)
                .where(SalesInteraction.session_id == session_id, SalesInteraction.tenant == tenant)
                .order_by(SalesInteraction.turn)
            )
            return [record_of(row) for row in rows]

    async def add_shown(
        self, interaction_id: str, tenant: str, move_ids: list[str]
    ) -> InteractionRecord | None:
        """Append moves shown later ("other suggestions") to the interaction's shown moves,
        keeping their order and each id once; None when not found."""
        found = await self.show_more(interaction_id, tenant, lambda _record: move_ids)
        return found[0] if found else None

    async def show_more(
        self,
        interaction_id: str,
        tenant: str,
        pick: Callable[[InteractionRecord], list[str]],
    ) -> tuple[InteractionRecord, list[str]] | None:
        """Pick more moves to show from the interaction as stored (``pick`` gets the record,
        its shown moves included, and returns the ids it shows) and append them, under the
        row's lock: two requests at once never pick the same moves. Returns the updated record
        and the picked ids; None when not found."""
        async with self._sessions() as db, db.begin():
            # A write that changes nothing takes the row lock first, so two concurrent
            # appends cannot both read the old list and lose one another's moves.
            locked = await db.execute(
                update(SalesInteraction)
                .where(*_owned(interaction_id, tenant))
                .values(shown_moves=SalesInteraction.shown_moves)
                .returning(SalesInteraction.id)
            )
            if locked.first() is None:
                return None
            row = await db.scalar(
                select(SalesInteraction)
                .where(*_owned(interaction_id, tenant))
                .execution_options(populate_existing=True)
            )
            assert row is not None  # locked above
            picked = pick(record_of(row))
            row.shown_moves = _unique([*row.shown_moves, *picked])
            await db.flush()
            return record_of(row), picked
