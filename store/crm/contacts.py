"""CRM contact repository: a tenant's contacts and their history, imported in bulk, in the
import's JSON form (dicts with aware UTC datetimes; the caller passes ``Contact.model_dump()``).

An import is one transaction: every contact of the file is stored, or none. A record already
stored under its key is updated when it changed; records missing from the file stay (CRM
exports are often incremental). Imports of one tenant queue on a lock (PostgreSQL: an advisory
lock on the tenant; SQLite: the database's write lock), so two imports of one file cannot both
find a contact new. Another tenant's contact id behaves exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError
from store import xact_lock
from store.crm import history
from store.crm.history import KINDS
from store.models import CrmContact, as_utc

SOURCES = ("json", "csv", "hubspot", "api", "synthetic")
FIELDS = ("name", "role", "company", "company_size", "industry", "email", "phone")
# First half of the two-key advisory lock ("CrmI" in ASCII).
_LOCK_CLASS = 0x43726D49


@dataclass(frozen=True)
class ImportOutcome:
    """The contact ids of one import, in input order: new ones, ones a field or a history
    record of which was added or changed, and ones the import left as they were."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


def search_key(name: str | None, company: str | None) -> str:
    """What a search matches: name and company, case-folded."""
    return f"{name or ''}\n{company or ''}".casefold()


def _fields_of(contact: dict[str, Any]) -> dict[str, Any]:
    return {field: contact.get(field) for field in FIELDS}


def _stored_fields(row: Any) -> dict[str, Any]:
    return {field: row[field] for field in FIELDS}


def _contact_of(row: CrmContact) -> dict[str, Any]:
    return {
        "id": row.contact_id,
        **{field: getattr(row, field) for field in FIELDS},
        "source": row.source,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }


def _owned(tenant: str, contact_id: str) -> list[ColumnElement[bool]]:
    return [CrmContact.tenant == tenant, CrmContact.contact_id == contact_id]


def _check_source(source: str) -> None:
    if source not in SOURCES:
        problem = {"field": "source", "message": f"must be one of {', '.join(SOURCES)}"}
        raise InputValidationError([problem])


def _check_ids(contacts: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    problems = []
    for index, contact_id in enumerate(contact["id"] for contact in contacts):
        if contact_id in seen:
            message = f"contact id '{contact_id}' is given twice; give each contact once"
            problems.append({"field": f"contacts.{index}.id", "message": message})
        seen.add(contact_id)
    if problems:
        raise InputValidationError(problems)


Keyed = dict[str, list[dict[str, dict[str, Any]]]]  # kind name -> per contact: key -> values


def _keyed_all(contacts: list[dict[str, Any]]) -> Keyed:
    """Every contact's history rows by key, per kind (CPU work: run off the event loop)."""
    return {kind.name: [history.keyed(kind, contact) for contact in contacts] for kind in KINDS}


async def _write(
    db: AsyncSession,
    tenant: str,
    contacts: list[dict[str, Any]],
    now: datetime,
    source: str,
    keyed: Keyed,
) -> ImportOutcome:
    """Upsert the contacts and their history records in the open transaction (bulk reads per
    table, bulk writes), and say which contacts it created, changed and left alone."""
    ids = [contact["id"] for contact in contacts]
    stored = {
        row["contact_id"]: _stored_fields(row)
        for row in await history.rows_of(db, CrmContact.__table__, tenant, ids)
    }
    touched: set[str] = set()
    writes = []
    for kind in KINDS:
        found = await history.read_stored(db, kind, tenant, ids)
        inserts, updates = [], []
        for contact, rows in zip(contacts, keyed[kind.name], strict=True):
            for key, values in rows.items():
                was = found.get((contact["id"], key))
                if was is None:
                    row = {"tenant": tenant, "contact_id": contact["id"], "key": key}
                    inserts.append({"id": str(uuid.uuid4()), **row, **values})
                elif was[1] != values:
                    updates.append({"id": was[0], **values})
                else:
                    continue
                touched.add(contact["id"])
        writes.append((kind.model, inserts, updates))
    created, updated, unchanged, new_rows, changed_rows = [], [], [], [], []
    for contact in contacts:
        contact_id, fields = contact["id"], _fields_of(contact)
        if contact_id in stored:
            # An import never erases: a field the file leaves out or empty keeps its value
            # (clearing one is an edit: PATCH it to null).
            was = stored[contact_id]
            fields = {k: was[k] if v is None else v for k, v in fields.items()}
        row = {
            "tenant": tenant,
            "contact_id": contact_id,
            **fields,
            "search_key": search_key(fields["name"], fields["company"]),
            "source": source,
            "updated_at": now,
        }
        if contact_id not in stored:
            created.append(contact_id)
            new_rows.append({**row, "created_at": now})
        elif contact_id in touched or stored[contact_id] != fields:
            updated.append(contact_id)
            changed_rows.append(row)
        else:
            unchanged.append(contact_id)
    # Contacts first: their history rows point at them.
    await history.bulk(db, CrmContact, new_rows, changed_rows)
    for model, inserts, updates in writes:
        await history.bulk(db, model, inserts, updates)
    return ImportOutcome(created, updated, unchanged)


class CrmContactRepository:
    """Owns every query on crm_contacts and the CRM history tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def import_contacts(
        self, tenant: str, contacts: list[dict[str, Any]], *, now: datetime, source: str
    ) -> ImportOutcome:
        """Store a whole import in one transaction: every contact and record, or nothing.

        Contact fields the file gives are overwritten (one it leaves out or empty keeps its
        stored value); history records are added or updated by key, and ones absent from the
        file stay. InputValidationError naming ``source`` or a contact
        id given twice; a database error (a constraint) rolls the whole import back."""
        _check_source(source)
        _check_ids(contacts)
        keyed = await asyncio.to_thread(_keyed_all, contacts)
        async with self._sessions() as db, db.begin():
            await xact_lock.hold(db, _LOCK_CLASS, tenant, CrmContact)
            return await _write(db, tenant, contacts, as_utc(now), source, keyed)

    async def create(
        self, tenant: str, contact: dict[str, Any], *, now: datetime, source: str = "api"
    ) -> dict[str, Any]:
        """Store a new contact (with its history, when given) and return it as `get` does;
        ConflictError when the tenant has a contact with this id."""
        _check_source(source)
        async with self._sessions() as db, db.begin():
            await xact_lock.hold(db, _LOCK_CLASS, tenant, CrmContact)
            if await db.scalar(select(CrmContact.contact_id).where(*_owned(tenant, contact["id"]))):
                raise ConflictError(
                    f"a contact with the id '{contact['id']}' exists already",
                    details={"id": contact["id"]},
                )
            await _write(db, tenant, [contact], as_utc(now), source, _keyed_all([contact]))
        found = await self.get(tenant, contact["id"])
        assert found is not None  # written above
        return found

    async def get(self, tenant: str, contact_id: str) -> dict[str, Any] | None:
        """The tenant's contact in the JSON form, history lists by time, plus ``source``,
        ``created_at`` and ``updated_at``; None when not found."""
        async with self._sessions() as db:
            row = await db.scalar(select(CrmContact).where(*_owned(tenant, contact_id)))
            if row is None:
                return None
            records = await history.load(db, tenant, [contact_id])
        return {**_contact_of(row), **records.get(contact_id, history.empty())}

    async def load_many(self, tenant: str, *, limit: int = 2000) -> list[dict[str, Any]]:
        """Up to `limit` of the tenant's contacts as `get` returns them, the most recently
        updated first (a query per table, not per contact)."""
        picked = (
            select(CrmContact)
            .where(CrmContact.tenant == tenant)
            .order_by(CrmContact.updated_at.desc(), CrmContact.contact_id)
            .limit(limit)
        )
        async with self._sessions() as db:
            rows = list(await db.scalars(picked))
            ids = select(picked.with_only_columns(CrmContact.contact_id).subquery())
            records = await history.load(db, tenant, ids)
        return [
            {**_contact_of(row), **records.get(row.contact_id, history.empty())} for row in rows
        ]

    async def search(
        self,
        tenant: str,
        *,
        q: str | None = None,
        industry: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the tenant's contacts whose name or company contains `q` (any case)
        and whose industry is `industry`, by name then id, and the total matching. Each has
        the contact fields, ``interactions`` (activities + e-mails + comments) and
        ``updated_at``."""
        where = [CrmContact.tenant == tenant]
        if q:
            where.append(CrmContact.search_key.contains(q.casefold(), autoescape=True))
        if industry is not None:
            where.append(CrmContact.industry == industry)
        async with self._sessions() as db:
            total = await db.scalar(select(func.count()).select_from(CrmContact).where(*where))
            rows = await db.execute(
                select(CrmContact, history.interactions())
                .where(*where)
                .order_by(CrmContact.name, CrmContact.contact_id)
                .limit(limit)
                .offset(offset)
            )
            page = [
                {
                    "id": row.contact_id,
                    **{field: getattr(row, field) for field in FIELDS},
                    "interactions": int(interactions),
                    "updated_at": as_utc(row.updated_at),
                }
                for row, interactions in rows
            ]
        return page, int(total or 0)

    async def update(
        self, tenant: str, contact_id: str, changes: dict[str, Any], *, now: datetime
    ) -> dict[str, Any] | None:
        """Set contact fields (name, role, company, company_size, industry, email, phone) and
        return the contact as `get` does; None when not found. InputValidationError naming a
        field that is not one of those, or a blank name."""
        problems = [
            {"field": name, "message": f"not updatable; updatable: {', '.join(FIELDS)}"}
            for name in changes
            if name not in FIELDS
        ]
        name = changes.get("name", "-")
        if not isinstance(name, str) or not name.strip():
            problems.append({"field": "name", "message": "must be a non-empty text"})
        if problems:
            raise InputValidationError(problems)
        async with self._sessions() as db, db.begin():
            # The tenant's lock, as imports and deletes take it: on SQLite FOR UPDATE is no
            # lock, and a delete between the read and the write failed the UPDATE (a 500).
            await xact_lock.hold(db, _LOCK_CLASS, tenant, CrmContact)
            row = await db.scalar(
                select(CrmContact).where(*_owned(tenant, contact_id)).with_for_update()
            )
            if row is None:
                return None
            for field, value in changes.items():
                setattr(row, field, value)
            row.search_key = search_key(row.name, row.company)
            row.updated_at = as_utc(now)
        return await self.get(tenant, contact_id)

    async def delete(self, tenant: str, contact_id: str) -> bool:
        """Delete the contact with its history, personas and their ratings; False: not found.
        Waits for a running import of the tenant (it may be writing this contact's rows)."""
        async with self._sessions() as db, db.begin():
            await xact_lock.hold(db, _LOCK_CLASS, tenant, CrmContact)
            deleted = await db.execute(
                delete(CrmContact).where(*_owned(tenant, contact_id)).returning(CrmContact.tenant)
            )
            return deleted.first() is not None
