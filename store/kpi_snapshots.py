"""KPI snapshot repository: fresh-snapshot lookup, a cross-process lease, and saving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import KpiSnapshot, KpiSnapshotLease, as_utc


@dataclass(frozen=True)
class SnapshotRecord:
    id: str
    key: str
    request: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime


def _record(row: KpiSnapshot) -> SnapshotRecord:
    return SnapshotRecord(row.id, row.key, row.request, row.result, as_utc(row.created_at))


class KpiSnapshotRepository:
    """Owns every query on kpi_snapshots and kpi_snapshot_leases."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def latest(self, key: str) -> SnapshotRecord | None:
        """Return the newest snapshot for a key, however old."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(KpiSnapshot)
                .where(KpiSnapshot.key == key)
                .order_by(KpiSnapshot.created_at.desc())
                .limit(1)
            )
        return _record(row) if row else None

    async def fresh(self, key: str, *, now: datetime, max_age_s: float) -> SnapshotRecord | None:
        """Return the newest snapshot younger than max_age_s, or None."""
        async with self._sessions() as session:
            return await self._fresh_in(session, key, now, max_age_s)

    async def count(self, key: str) -> int:
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(KpiSnapshot).where(KpiSnapshot.key == key)
            )
        return int(total or 0)

    async def claim(
        self, key: str, *, owner: str, now: datetime, lease_s: float, max_age_s: float
    ) -> SnapshotRecord | bool:
        """Return a fresh snapshot, or True when this owner now holds the key, or False.

        One transaction: look for a fresh snapshot, else take the lease, then look again
        (a holder may have saved between the first look and the lease; reading after the
        lease write sees its commit), giving the lease back if a snapshot appeared.
        """
        async with self._sessions() as session, session.begin():
            fresh = await self._fresh_in(session, key, now, max_age_s)
            if fresh is not None:
                return fresh
            if not await self._take_lease(session, key, owner, now, lease_s):
                return False
            fresh = await self._fresh_in(session, key, now, max_age_s)
            if fresh is not None:
                await session.rollback()
                return fresh
            return True

    async def try_acquire(self, key: str, *, owner: str, now: datetime, lease_s: float) -> bool:
        """Claim the key for computing. True when this owner holds it now."""
        async with self._sessions() as session, session.begin():
            return await self._take_lease(session, key, owner, now, lease_s)

    @staticmethod
    async def _fresh_in(
        session: AsyncSession, key: str, now: datetime, max_age_s: float
    ) -> SnapshotRecord | None:
        row = await session.scalar(
            select(KpiSnapshot)
            .where(KpiSnapshot.key == key)
            .where(KpiSnapshot.created_at > now - timedelta(seconds=max_age_s))
            .order_by(KpiSnapshot.created_at.desc())
            .limit(1)
        )
        return _record(row) if row else None

    @staticmethod
    async def _take_lease(
        session: AsyncSession, key: str, owner: str, now: datetime, lease_s: float
    ) -> bool:
        # An expired lease (its holder crashed or stalled) is taken over. Two owners racing
        # for a free key both try the INSERT; the primary key lets exactly one win.
        expires = now + timedelta(seconds=lease_s)
        taken_over = await session.execute(
            update(KpiSnapshotLease)
            .where(KpiSnapshotLease.key == key)
            .where((KpiSnapshotLease.expires_at < now) | (KpiSnapshotLease.owner == owner))
            .values(owner=owner, expires_at=expires)
            .returning(KpiSnapshotLease.key)
        )
        # RETURNING, not rowcount: psycopg's async cursor reports rowcount -1 here.
        if taken_over.first() is not None:
            return True
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        inserted = await session.execute(
            dialect.insert(KpiSnapshotLease)
            .values(key=key, owner=owner, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(KpiSnapshotLease.key)
        )
        return inserted.first() is not None

    async def release(self, key: str, *, owner: str) -> None:
        """Give the key back without saving (the computation failed)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(KpiSnapshotLease)
                .where(KpiSnapshotLease.key == key)
                .where(KpiSnapshotLease.owner == owner)
            )

    async def save(
        self,
        key: str,
        *,
        request: dict[str, Any],
        result: dict[str, Any],
        now: datetime,
        owner: str | None = None,
    ) -> SnapshotRecord:
        """Store a snapshot and, in the same transaction, release the owner's lease."""
        row = KpiSnapshot(
            id=str(uuid.uuid4()), key=key, request=request, result=result, created_at=now
        )
        async with self._sessions() as session, session.begin():
            session.add(row)
            if owner is not None:
                await session.execute(
                    delete(KpiSnapshotLease)
                    .where(KpiSnapshotLease.key == key)
                    .where(KpiSnapshotLease.owner == owner)
                )
        return _record(row)
