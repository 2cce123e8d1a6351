"""One rating per user of a thing, rating it again replaces it: the upsert both the co-pilot's
feedback on moves and CRM persona ratings use."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def upsert_vote(
    db: AsyncSession,
    model: type[Row],
    vote: dict[str, Any],
    *,
    tenant: str,
    rating: int,
    comment: str | None,
    now: datetime,
) -> tuple[Row, bool]:
    """Insert the vote (its columns in ``vote`` are the table's unique key) or replace its
    rating and comment; returns the row and whether it was new. Race-safe: two first votes
    meet on the unique key and the second becomes a replacement."""
    dialect = postgresql if db.bind.dialect.name == "postgresql" else sqlite
    inserted = await db.scalars(
        dialect.insert(model)
        .values(
            **vote,
            id=str(uuid.uuid4()),
            tenant=tenant,
            rating=rating,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=list(vote))
        .returning(model)
    )
    row = inserted.first()
    if row is not None:
        return row, True
    replaced = await db.scalars(
        update(model)
        .where(*(getattr(model, name) == value for name, value in vote.items()))
        .values(rating=rating, comment=comment, updated_at=now)
        .returning(model)
        .execution_options(populate_existing=True)
    )
    return replaced.one(), False
