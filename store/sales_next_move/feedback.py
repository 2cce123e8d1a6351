"""Feedback repository: users' ratings (+1 / -1) of the moves suggested in a turn.

A user rates a suggestion once: rating it again replaces the earlier rating and comment.
Only moves that were shown for the interaction can be rated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import InputValidationError, NotFoundError
from store.models import SalesFeedback, SalesInteraction, as_utc
from store.votes import upsert_vote

RATINGS = (1, -1)


@dataclass(frozen=True)
class FeedbackRecord:
    """One user's rating of one suggested move."""

    id: str
    interaction_id: str
    suggestion_id: str
    user_id: str
    rating: int
    comment: str | None
    created_at: datetime
    updated_at: datetime


def record_of(row: SalesFeedback) -> FeedbackRecord:
    return FeedbackRecord(
        id=row.id,
        interaction_id=row.interaction_id,
        suggestion_id=row.suggestion_id,
        user_id=row.user_id,
        rating=row.rating,
        comment=row.comment,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


class FeedbackRepository:
    """Owns every query on sales_feedback."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def put(
        self,
        tenant: str,
        interaction_id: str,
        user: str,
        suggestion_id: str,
        rating: int,
        comment: str | None,
        now: datetime,
    ) -> tuple[FeedbackRecord, bool]:
        """Store the user's rating of a shown suggestion; True when it is their first rating
        of it, False when it replaced the earlier one.

        NotFoundError when the tenant has no such interaction; InputValidationError naming
        ``suggestion_id`` (and listing the shown ones) or ``rating``.
        """
        if rating not in RATINGS or isinstance(rating, bool):
            raise InputValidationError([{"field": "rating", "message": "must be 1 or -1"}])
        now = as_utc(now)
        async with self._sessions() as db, db.begin():
            shown = await db.scalar(
                select(SalesInteraction.shown_moves).where(
                    SalesInteraction.id == interaction_id, SalesInteraction.tenant == tenant
                )
            )
            if shown is None:
                raise NotFoundError(f"Interaction with ID {interaction_id} not found")
            if suggestion_id not in shown:
                raise InputValidationError(
                    [
                        {
                            "field": "suggestion_id",
                            "message": f"'{suggestion_id}' was not shown for this interaction; "
                            f"shown: {', '.join(shown) or 'none'}",
                        }
                    ]
                )
            vote = {
                "interaction_id": interaction_id,
                "suggestion_id": suggestion_id,
                "user_id": user,
            }
            row, created = await upsert_vote(
                db, SalesFeedback, vote, tenant=tenant, rating=rating, comment=comment, now=now
            )
            return record_of(row), created

    async def ratings_by(self, tenant: str, user: str, suggestion_id: str) -> int:
        """How many interactions the user rated this suggestion in (a meta-rule's move is
        shown in many)."""
        async with self._sessions() as db:
            found = await db.scalar(
                select(func.count())
                .select_from(SalesFeedback)
                .where(
                    SalesFeedback.tenant == tenant,
                    SalesFeedback.user_id == user,
                    SalesFeedback.suggestion_id == suggestion_id,
                )
            )
        return int(found or 0)

    async def for_interaction(self, interaction_id: str, tenant: str) -> list[FeedbackRecord]:
        """Every rating of the tenant's interaction, by suggestion then user."""
        return await self._read(SalesFeedback.interaction_id == interaction_id, tenant)

    async def for_session(self, session_id: str, tenant: str) -> list[FeedbackRecord]:
        """Every rating in the tenant's session, by turn, suggestion, then user."""
        return await self._read(SalesInteraction.session_id == session_id, tenant)

    async def _read(self, where: ColumnElement[bool], tenant: str) -> list[FeedbackRecord]:
        async with self._sessions() as db:
            rows = await db.scalars(
                select(SalesFeedback)
                .join(SalesInteraction, SalesInteraction.id == SalesFeedback.interaction_id)
                .where(where, SalesFeedback.tenant == tenant)
                .order_by(SalesInteraction.turn, SalesFeedback.suggestion_id, SalesFeedback.user_id)
            )
            return [record_of(row) for row in rows]
