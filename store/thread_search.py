"""Thread search and count: the tenant's threads matching metadata, values, ids and status.

Metadata/values filters mean: every given top-level key is present and equal (a nested object or
list is compared whole). On PostgreSQL this runs in SQL: JSONB ``@>`` plus, for nested values,
``doc -> key = value`` (``@>`` alone would also accept a superset of a nested object). On SQLite,
``json_extract`` cannot tell ``true`` from ``1`` nor compare objects regardless of key order, so
the rows matching every other filter are read for the tenant, in sort order, and the JSON filter
runs in Python before offset/limit; the total stays exact. SQLite is the single-user store, so
reading one tenant's threads is cheap there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from sight.errors import InputValidationError
from store.models import Thread

SORT_COLUMNS = {
    "thread_id": Thread.public_id,
    "status": Thread.status,
    "created_at": Thread.created_at,
    "updated_at": Thread.updated_at,
    "state_updated_at": Thread.state_updated_at,
}


@dataclass(frozen=True)
class ThreadFilter:
    """What a search or count asks for; None means any."""

    tenant: str
    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    ids: list[str] | None = None
    status: str | None = None


def _json_equal(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1 (Python says it is), object key order does not matter.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_json_equal, a, b))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return a == b


def _json_matches(doc: Any, wanted: dict[str, Any]) -> bool:
    return isinstance(doc, dict) and all(
        key in doc and _json_equal(doc[key], value) for key, value in wanted.items()
    )


def _pg_matches(column: Any, wanted: dict[str, Any]) -> ColumnElement[bool]:
    doc = type_coerce(column, JSONB)
    conditions = [doc.contains(wanted)]  # JSONB @>
    for key, value in wanted.items():
        if isinstance(value, dict | list):
            conditions.append(doc[key] == type_coerce(value, JSONB))
    return and_(*conditions)


def _conditions(
    session: AsyncSession, wanted: ThreadFilter
) -> tuple[list[ColumnElement[bool]], Callable[[Thread], bool] | None]:
    """SQL conditions, plus a Python predicate for the JSON filters SQLite cannot run."""
    where: list[ColumnElement[bool]] = [Thread.tenant == wanted.tenant]
    if wanted.ids is not None:
        where.append(Thread.public_id.in_(wanted.ids))
    if wanted.status is not None:
        where.append(Thread.status == wanted.status)
    metadata, values = wanted.metadata, wanted.values
    if metadata is None and values is None:
        return where, None
    if session.bind.dialect.name == "postgresql":
        if metadata is not None:
            where.append(_pg_matches(Thread.metadata_, metadata))
        if values is not None:
            where.append(_pg_matches(Thread.values, values))
        return where, None

    def keep(row: Thread) -> bool:
        return (metadata is None or _json_matches(row.metadata_, metadata)) and (
            values is None or _json_matches(row.values, values)
        )

    return where, keep


async def search_rows(
    session: AsyncSession,
    wanted: ThreadFilter,
    *,
    limit: int,
    offset: int,
    sort_by: str,
    sort_order: Literal["asc", "desc"],
) -> tuple[list[Thread], int]:
    """Return one page of matching thread rows and the total number matching."""
    if sort_by not in SORT_COLUMNS:
        raise InputValidationError(
            [{"field": "sort_by", "message": f"must be one of {', '.join(SORT_COLUMNS)}"}]
        )
    if sort_order not in ("asc", "desc"):
        raise InputValidationError([{"field": "sort_order", "message": "must be asc or desc"}])
    column = SORT_COLUMNS[sort_by]
    # thread_id breaks ties so pages never overlap or skip.
    order = (column.asc(), Thread.thread_id.asc())
    if sort_order == "desc":
        order = (column.desc(), Thread.thread_id.desc())
    where, keep = _conditions(session, wanted)
    query = select(Thread).where(*where).order_by(*order)
    if keep is None:
        total = await session.scalar(select(func.count()).select_from(Thread).where(*where))
        rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return list(rows), int(total or 0)
    matched = [row for row in (await session.scalars(query)).all() if keep(row)]
    return matched[offset : offset + limit], len(matched)


async def count_rows(session: AsyncSession, wanted: ThreadFilter) -> int:
    """Count the thread rows matching `wanted`."""
    where, keep = _conditions(session, wanted)
    if keep is None:
        total = await session.scalar(select(func.count()).select_from(Thread).where(*where))
        return int(total or 0)
    rows = (await session.scalars(select(Thread).where(*where))).all()
    return sum(1 for row in rows if keep(row))
