"""Client repository: the showroom clients of a tenant, known by an alias unique per tenant.

Aliases compare case-folded ("jan k." and "Jan K." are one client), so a salesperson typing
an alias again finds the client instead of making a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError
from store.models import SalesClient, SalesSession, as_utc

ALIAS_MAX = 80
UPDATABLE_FIELDS = ("alias", "contact", "notes", "archived")
_UNIQUE_VIOLATION = ("SQLITE_CONSTRAINT_UNIQUE", "23505")  # SQLite, PostgreSQL


@dataclass(frozen=True)
class ClientRecord:
    """One stored client (no tenant: it is the caller's)."""

    id: str
    alias: str
    contact: dict[str, Any]
    notes: str
    archived: bool
    created_at: datetime
    updated_at: datetime


def record_of(row: SalesClient) -> ClientRecord:
    return ClientRecord(
        id=row.id,
        alias=row.alias,
        contact=dict(row.contact or {}),
        notes=row.notes,
        archived=bool(row.archived),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def clean_alias(alias: Any) -> str:
    """The alias as stored: inner whitespace collapsed; 1-80 characters or a 422 naming it."""
    cleaned = " ".join(alias.split()) if isinstance(alias, str) else ""
    if not 1 <= len(cleaned) <= ALIAS_MAX:
        raise InputValidationError(
            [{"field": "alias", "message": f"must be 1-{ALIAS_MAX} characters (not only spaces)"}]
        )
    return cleaned


def alias_key(alias: str) -> str:
    """What aliases are compared by: the cleaned alias, case-folded."""
    return " ".join(alias.split()).casefold()


def _taken(alias: str) -> ConflictError:
    return ConflictError(
        f"a client with the alias '{alias}' exists already", details={"alias": alias}
    )


def _is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlite_errorname", None) or getattr(exc.orig, "sqlstate", None)
    return code in _UNIQUE_VIOLATION


def _owned(client_id: str, tenant: str) -> list[ColumnElement[bool]]:
    return [SalesClient.id == client_id, SalesClient.tenant == tenant]


class ClientRepository:
    """Owns every query on sales_clients."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        tenant: str,
        alias: str,
        *,
        now: datetime,
        contact: dict[str, Any] | None = None,
        notes: str = "",
    ) -> ClientRecord:
        """Store a new client; ConflictError when the tenant has one with this alias."""
        cleaned = clean_alias(alias)
        record = await self._insert(tenant, cleaned, contact or {}, notes, now)
        if record is None:
            raise _taken(cleaned)
        return record

    async def get_or_create_by_alias(self, tenant: str, alias: str, now: datetime) -> ClientRecord:
        """The tenant's client with this alias (archived ones too), made when there is none.

        Two callers racing on a new alias get the same client.
        """
        cleaned = clean_alias(alias)
        found = select(SalesClient).where(
            SalesClient.tenant == tenant, SalesClient.alias_key == alias_key(cleaned)
        )
        for _ in range(3):  # a client deleted between the insert and the read: insert again
            created = await self._insert(tenant, cleaned, {}, "", now)
            if created is not None:
                return created
            async with self._sessions() as session:
                row = await session.scalar(found)
            if row is not None:
                return record_of(row)
        raise ConflictError(f"the client '{cleaned}' keeps being deleted; try again")

    async def _insert(
        self, tenant: str, alias: str, contact: dict[str, Any], notes: str, now: datetime
    ) -> ClientRecord | None:
        now = as_utc(now)
        values = {
            "id": str(uuid.uuid4()),
            "tenant": tenant,
            "alias": alias,
            "alias_key": alias_key(alias),
            "contact": contact,
            "notes": notes,
            "archived": False,
            "created_at": now,
            "updated_at": now,
        }
        async with self._sessions() as session, session.begin():
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            inserted = await session.scalars(
                dialect.insert(SalesClient)
                .values(values)
                .on_conflict_do_nothing(index_elements=["tenant", "alias_key"])
                .returning(SalesClient)
            )
            row = inserted.first()
            return None if row is None else record_of(row)

    async def get(self, client_id: str, tenant: str) -> ClientRecord | None:
        """The tenant's client, or None (another tenant's is None too)."""
        async with self._sessions() as session:
            row = await session.scalar(select(SalesClient).where(*_owned(client_id, tenant)))
        return None if row is None else record_of(row)

    async def update(
        self, client_id: str, tenant: str, *, now: datetime, **changes: Any
    ) -> ClientRecord | None:
        """Set alias, contact, notes and/or archived; None when not found.

        ConflictError when the new alias is another client's; TypeError for other names.
        """
        unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
        if unknown:
            raise TypeError(f"client fields not updatable: {', '.join(unknown)}")
        if "alias" in changes:
            changes["alias"] = clean_alias(changes["alias"])
            changes["alias_key"] = alias_key(changes["alias"])
        try:
            async with self._sessions() as session, session.begin():
                updated = await session.scalars(
                    update(SalesClient)
                    .where(*_owned(client_id, tenant))
                    .values(**changes, updated_at=as_utc(now))
                    .returning(SalesClient)
                    .execution_options(populate_existing=True)
                )
                row = updated.first()
                return None if row is None else record_of(row)
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise _taken(changes["alias"]) from None
            raise

    async def set_archived(
        self, client_id: str, tenant: str, archived: bool, *, now: datetime
    ) -> ClientRecord | None:
        """Archive (hide from searches) or restore a client; None when not found."""
        return await self.update(client_id, tenant, now=now, archived=archived)

    async def search(
        self,
        tenant: str,
        *,
        alias: str | None = None,
        include_archived: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[ClientRecord], int]:
        """One page of the tenant's clients whose alias contains `alias` (any case), by
        alias, and the total matching. Archived clients only with `include_archived`."""
        where = [SalesClient.tenant == tenant]
        if alias:
            where.append(SalesClient.alias_key.contains(alias_key(alias), autoescape=True))
        if not include_archived:
            where.append(SalesClient.archived.is_(False))
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(SalesClient).where(*where)
            )
            rows = await session.scalars(
                select(SalesClient)
                .where(*where)
                .order_by(SalesClient.alias_key, SalesClient.id)
                .limit(limit)
                .offset(offset)
            )
            return [record_of(row) for row in rows], int(total or 0)

    async def delete(self, client_id: str, tenant: str) -> bool:
        """Delete the client for good; its sessions stay, without a client. False: not found."""
        async with self._sessions() as session, session.begin():
            # The foreign key sets NULL; this covers a connection with foreign keys off.
            await session.execute(
                update(SalesSession)
                .where(SalesSession.client_id == client_id, SalesSession.tenant == tenant)
                .values(client_id=None)
            )
            deleted = await session.execute(
                delete(SalesClient).where(*_owned(client_id, tenant)).returning(SalesClient.id)
            )
            return deleted.first() is not None
