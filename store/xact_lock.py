"""A named lock held until the transaction ends, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from sqlalchemy import delete, false, text
from sqlalchemy.ext.asyncio import AsyncSession


async def hold(db: AsyncSession, lock_class: int, key: str, table: type) -> None:
    """Queue behind every other transaction holding (``lock_class``, ``key``) until this one
    ends. PostgreSQL: an advisory lock (it covers rows not inserted yet), keyed by schema too so
    databases shared through schemas keep their locks apart. SQLite: any write takes the
    database's write lock for the rest of the transaction; a delete from ``table`` that matches
    no row changes nothing and fires no trigger."""
    if db.bind.dialect.name == "postgresql":
        await db.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema() || '/' || :key))"),
            {"cls": lock_class, "key": key},
        )
    else:
        await db.execute(delete(table).where(false()).execution_options(synchronize_session=False))
