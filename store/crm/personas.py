"""CRM persona repository: the versions of a contact's persona and users' ratings of them.

Regenerating a persona adds a version (1, 2, ...) and keeps the earlier ones. Adds for one
contact queue on a lock (PostgreSQL: an advisory lock on the contact; SQLite: the database's
write lock), so each reads the version before it; the unique (tenant, contact_id, version)
constraint stays as the last guard. A user rates a persona 1-5 once: rating it again replaces
the earlier rating. Another tenant's persona behaves exactly like a missing one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import InputValidationError, NotFoundError
from store import xact_lock
from store.models import CrmContact, CrmPersona, CrmPersonaRating, as_utc
from store.votes import upsert_vote

RATINGS = range(1, 6)
# First half of the two-key advisory lock ("CrmP" in ASCII).
_LOCK_CLASS = 0x43726D50


def _stats(mean: Any, n: Any) -> dict[str, Any]:
    """A persona's rating: the mean of its users' ratings (None before the first) and n."""
    count = int(n or 0)
    return {"mean": float(mean) if count else None, "n": count}


def _record(row: CrmPersona, rating: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "version": row.version,
        "persona": row.persona,
        "generation": row.generation,
        "created_at": as_utc(row.created_at),
        "rating": rating,
    }


def _rated(*where: ColumnElement[bool]) -> Select[Any]:
    """The personas matching `where`, each with its rating mean and count."""
    ratings = (
        select(
            CrmPersonaRating.persona_id,
            func.avg(CrmPersonaRating.rating).label("mean"),
            func.count().label("n"),
        )
        .group_by(CrmPersonaRating.persona_id)
        .subquery()
    )
    return (
        select(CrmPersona, ratings.c.mean, ratings.c.n)
        .outerjoin(ratings, ratings.c.persona_id == CrmPersona.id)
        .where(*where)
    )


def _check_rating(rating: Any) -> None:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        problem = {"field": "rating", "message": "must be a whole number from 1 to 5"}
        raise InputValidationError([problem])


class CrmPersonaRepository:
    """Owns every query on crm_personas and crm_persona_ratings."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        tenant: str,
        contact_id: str,
        persona: dict[str, Any],
        generation: dict[str, Any],
        *,
        now: datetime,
    ) -> dict[str, Any]:
        """Store the contact's next persona version and return its record (no ratings yet).

        ``persona`` and ``generation`` must be JSON-serialisable (times as ISO strings).
        NotFoundError when the tenant has no such contact."""
        async with self._sessions() as db, db.begin():
            await xact_lock.hold(db, _LOCK_CLASS, f"{tenant}\n{contact_id}", CrmPersona)
            known = await db.scalar(
                select(CrmContact.contact_id).where(
                    CrmContact.tenant == tenant, CrmContact.contact_id == contact_id
                )
            )
            if known is None:
                raise NotFoundError(f"CRM contact {contact_id} not found")
            last = await db.scalar(
                select(func.max(CrmPersona.version)).where(
                    CrmPersona.tenant == tenant, CrmPersona.contact_id == contact_id
                )
            )
            row = CrmPersona(
                id=str(uuid.uuid4()),
                tenant=tenant,
                contact_id=contact_id,
                version=(last or 0) + 1,
                persona=persona,
                generation=generation,
                created_at=as_utc(now),
            )
            db.add(row)
            await db.flush()
            return _record(row, _stats(None, 0))

    async def get(self, tenant: str, persona_id: str) -> dict[str, Any] | None:
        """The tenant's persona version with its rating, or None."""
        found = await self._read(_rated(CrmPersona.id == persona_id, CrmPersona.tenant == tenant))
        return found[0] if found else None

    async def history(self, tenant: str, contact_id: str) -> list[dict[str, Any]]:
        """Every persona version of the tenant's contact, newest first, with its rating."""
        return await self._read(
            _rated(CrmPersona.tenant == tenant, CrmPersona.contact_id == contact_id).order_by(
                CrmPersona.version.desc()
            )
        )

    async def latest(self, tenant: str, contact_id: str) -> dict[str, Any] | None:
        """The contact's newest persona version, or None when it has none."""
        found = await self._read(
            _rated(CrmPersona.tenant == tenant, CrmPersona.contact_id == contact_id)
            .order_by(CrmPersona.version.desc())
            .limit(1)
        )
        return found[0] if found else None

    async def export_rows(
        self, tenant: str, *, contact_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every persona version of the tenant (of one contact, when given), by contact then
        version, each with its rating mean and n."""
        where = [CrmPersona.tenant == tenant]
        if contact_id is not None:
            where.append(CrmPersona.contact_id == contact_id)
        return await self._read(_rated(*where).order_by(CrmPersona.contact_id, CrmPersona.version))

    async def _read(self, query: Select[Any]) -> list[dict[str, Any]]:
        async with self._sessions() as db:
            rows = await db.execute(query)
            return [_record(row, _stats(mean, n)) for row, mean, n in rows]

    async def rate(
        self,
        tenant: str,
        persona_id: str,
        *,
        user_id: str,
        rating: int,
        comment: str | None,
        now: datetime,
    ) -> dict[str, Any] | None:
        """Store the user's 1-5 rating of the persona's accuracy, replacing their earlier one.

        Returns {id, persona_id, user_id, rating, comment, created_at, updated_at,
        persona_rating: {mean, n}}; None when the tenant has no such persona.
        InputValidationError naming ``rating`` outside 1-5."""
        _check_rating(rating)
        now = as_utc(now)
        async with self._sessions() as db, db.begin():
            owned = await db.scalar(
                select(CrmPersona.id).where(
                    CrmPersona.id == persona_id, CrmPersona.tenant == tenant
                )
            )
            if owned is None:
                return None
            vote = {"persona_id": persona_id, "user_id": user_id}
            row, _ = await upsert_vote(
                db,
                CrmPersonaRating,
                vote,
                tenant=tenant,
                rating=rating,
                comment=comment,
                now=now,
            )
            mean, n = (
                await db.execute(
                    select(func.avg(CrmPersonaRating.rating), func.count()).where(
                        CrmPersonaRating.persona_id == persona_id
                    )
                )
            ).one()
            return {
                "id": row.id,
                "persona_id": row.persona_id,
                "user_id": row.user_id,
                "rating": row.rating,
                "comment": row.comment,
                "created_at": as_utc(row.created_at),
                "updated_at": as_utc(row.updated_at),
                "persona_rating": _stats(mean, n),
            }
