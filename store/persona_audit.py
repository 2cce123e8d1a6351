"""Persona audit log: who did what to which persona, and when.

Every call opens its own session: a background task that logs a "view" after the response
must never borrow the request's session, which may be closed by then (docs/requirements.md
§2.6, known defect #2). Client info (IP address, user agent) is written but never read back by
the methods clients are served from; it is scrubbed after the retention period.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import InputValidationError
from store.models import PersonaAuditEntry, as_utc

AuditAction = Literal["view", "export", "compare", "delete", "restore", "update", "create"]
AUDIT_ACTIONS: tuple[str, ...] = get_args(AuditAction)


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry as clients see it: no IP address, no user agent."""

    id: str
    persona_id: str
    user_id: str | None
    action: str
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from; kept for the retention period only."""

    ip_address: str | None = None
    user_agent: str | None = None


def _entry(row: PersonaAuditEntry) -> AuditEntry:
    return AuditEntry(
        row.id, row.persona_id, row.user_id, row.action, dict(row.details), as_utc(row.created_at)
    )


def audit_row(
    persona_id: str,
    tenant: str,
    action: str,
    *,
    now: datetime,
    user_id: str | None = None,
    details: dict[str, Any] | None = None,
    client: ClientInfo | None = None,
) -> PersonaAuditEntry:
    """Build an audit row (the persona repository adds it in its own transactions)."""
    if action not in AUDIT_ACTIONS:
        raise InputValidationError(
            [{"field": "action", "message": f"must be one of {', '.join(AUDIT_ACTIONS)}"}]
        )
    client = client or ClientInfo()
    return PersonaAuditEntry(
        id=str(uuid.uuid4()),
        persona_id=persona_id,
        tenant=tenant,
        user_id=user_id,
        action=action,
        details=dict(details or {}),
        ip_address=client.ip_address[:45] if client.ip_address else None,
        user_agent=client.user_agent,
        created_at=as_utc(now),
    )


def _newest_first() -> tuple[Any, Any]:
    # id breaks ties so pages never overlap when two entries share a timestamp.
    return PersonaAuditEntry.created_at.desc(), PersonaAuditEntry.id.desc()


class PersonaAuditRepository:
    """Owns every query on persona_audit_log."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        persona_ids: str | Sequence[str],
        tenant: str,
        action: AuditAction,
        *,
        now: datetime,
        user_id: str | None = None,
        details: dict[str, Any] | None = None,
        client: ClientInfo | None = None,
    ) -> list[AuditEntry]:
        """Log one action on one or more personas, in a session of its own (one transaction)."""
        ids = [persona_ids] if isinstance(persona_ids, str) else list(persona_ids)
        rows = [
            audit_row(pid, tenant, action, now=now, user_id=user_id, details=details, client=client)
            for pid in ids
        ]
        async with self._sessions() as session, session.begin():
            session.add_all(rows)
        return [_entry(row) for row in rows]

    @staticmethod
    def _persona_filter(
        persona_id: str, tenant: str, actions: Iterable[str] | None
    ) -> list[ColumnElement[bool]]:
        where = [PersonaAuditEntry.persona_id == persona_id, PersonaAuditEntry.tenant == tenant]
        if actions:
            where.append(PersonaAuditEntry.action.in_(list(actions)))
        return where

    async def for_persona(
        self,
        persona_id: str,
        tenant: str,
        *,
        limit: int = 20,
        offset: int = 0,
        actions: Iterable[str] | None = None,
    ) -> list[AuditEntry]:
        """Return a persona's entries, newest first (the tenant's only)."""
        where = self._persona_filter(persona_id, tenant, actions)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PersonaAuditEntry)
                .where(*where)
                .order_by(*_newest_first())
                .limit(limit)
                .offset(offset)
            )
            return [_entry(row) for row in rows]

    async def count_for_persona(
        self, persona_id: str, tenant: str, *, actions: Iterable[str] | None = None
    ) -> int:
        """Count a persona's entries (with the same action filter as for_persona)."""
        where = self._persona_filter(persona_id, tenant, actions)
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(PersonaAuditEntry).where(*where)
            )
        return int(total or 0)

    async def for_user(self, user_id: str, tenant: str, *, limit: int = 50) -> list[AuditEntry]:
        """Return a user's last `limit` entries in the tenant, newest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PersonaAuditEntry)
                .where(PersonaAuditEntry.user_id == user_id, PersonaAuditEntry.tenant == tenant)
                .order_by(*_newest_first())
                .limit(limit)
            )
            return [_entry(row) for row in rows]

    async def delete(
        self,
        tenant: str,
        *,
        persona_id: str | None = None,
        user_id: str | None = None,
        before: datetime | None = None,
    ) -> int:
        """Delete the tenant's entries matching every filter given (admin); return how many.

        At least one filter is required, so a slip never empties the tenant's whole log.
        """
        if persona_id is None and user_id is None and before is None:
            raise InputValidationError(
                [{"field": "filters", "message": "give persona_id, user_id or before"}]
            )
        where = [PersonaAuditEntry.tenant == tenant]
        if persona_id is not None:
            where.append(PersonaAuditEntry.persona_id == persona_id)
        if user_id is not None:
            where.append(PersonaAuditEntry.user_id == user_id)
        if before is not None:
            where.append(PersonaAuditEntry.created_at < as_utc(before))
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                delete(PersonaAuditEntry).where(*where).returning(PersonaAuditEntry.id)
            )
            return len(deleted.all())

    async def scrub_client_info(self, older_than: datetime) -> int:
        """Null the IP address and user agent of entries older than `older_than` (all tenants).

        Returns how many entries were scrubbed.
        """
        async with self._sessions() as session, session.begin():
            # RETURNING, not rowcount: psycopg's async cursor reports rowcount -1.
            scrubbed = await session.execute(
                update(PersonaAuditEntry)
                .where(PersonaAuditEntry.created_at < as_utc(older_than))
                .where(
                    or_(
                        PersonaAuditEntry.ip_address.is_not(None),
                        PersonaAuditEntry.user_agent.is_not(None),
                    )
                )
                .values(ip_address=None, user_agent=None)
                .returning(PersonaAuditEntry.id)
            )
            return len(scrubbed.all())

    async def client_info(self, entry_id: str) -> ClientInfo | None:
        """Return an entry's client info: for the retention job and its checks, never clients."""
        async with self._sessions() as session:
            row = await session.get(PersonaAuditEntry, entry_id)
        return ClientInfo(row.ip_address, row.user_agent) if row else None
