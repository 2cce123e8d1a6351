"""A CRM contact's history in the tables: the five kinds of record, how each is keyed, and
their rows read back in the import's JSON form.

A record's key tells it from the contact's other records of its kind: an e-mail's or a deal's
own id; for records without an id, a hash of what makes them that record (an activity of one
type at one instant is one activity; a comment is its time and text; a file its name and time).
Rows are compared and written as plain column values: datetimes aware UTC, e-mail opens and
clicks as JSON lists with ISO times.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CrmActivity, CrmComment, CrmContact, CrmDeal, CrmEmail, CrmFile, as_utc

TIMES = frozenset({"at", "sent_at", "replied_at", "created_at", "closed_at", "shared_at"})
FLOATS = frozenset({"duration_min", "amount"})
EVENTS = {"opens": ("at", "machine", "user_agent"), "clicks": ("at", "url")}
CHUNK = 500  # ids per IN (...) on SQLite: well under its parameter limit


def when(value: Any) -> datetime | None:
    """The time as an aware UTC datetime (naive ones are UTC; ISO strings are read)."""
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _iso(value: Any) -> str:
    moment = when(value)
    if moment is None:
        raise ValueError("a history record's time is missing")
    return moment.isoformat()


def _hashed(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Kind:
    """One kind of history record: its list in the JSON form, its table and its fields."""

    name: str
    model: Any
    fields: tuple[str, ...]
    order: str  # the time a contact's records of this kind are listed by
    key: Callable[[dict[str, Any]], str]

    @property
    def table(self) -> Table:
        return self.model.__table__

    def values(self, record: dict[str, Any]) -> dict[str, Any]:
        """The column values of a record in the JSON form (missing fields are None)."""
        values = {}
        for field in self.fields:
            value = record.get(field)
            if field in TIMES:
                value = when(value)
            elif field in FLOATS and value is not None:
                value = float(value)
            elif field in EVENTS and value is not None:
                value = [_event(field, event) for event in value]
            values[field] = value
        return values

    def stored(self, row: Any) -> dict[str, Any]:
        """The column values of a stored row, comparable with `values`."""
        return {field: when(row[field]) if field in TIMES else row[field] for field in self.fields}

    def record(self, row: Any) -> dict[str, Any]:
        """A stored row in the JSON form (e-mail opens and clicks with datetimes)."""
        record = self.stored(row)
        for field in EVENTS.keys() & record.keys():
            if record[field] is not None:
                record[field] = [{**event, "at": when(event["at"])} for event in record[field]]
        return record


def _event(field: str, event: dict[str, Any]) -> dict[str, Any]:
    return {name: _iso(event[name]) if name == "at" else event.get(name) for name in EVENTS[field]}


KINDS = (
    Kind(
        "activities",
        CrmActivity,
        ("type", "at", "direction", "duration_min", "outcome"),
        "at",
        lambda r: _hashed(r["type"], _iso(r["at"])),
    ),
    Kind(
        "emails",
        CrmEmail,
        ("sent_at", "direction", "opens", "clicks", "replied_at"),
        "sent_at",
        lambda r: r["id"],
    ),
    Kind(
        "deals",
        CrmDeal,
        ("stage", "amount", "created_at", "closed_at", "won"),
        "created_at",
        lambda r: r["id"],
    ),
    Kind(
        "comments",
        CrmComment,
        ("at", "text"),
        "at",
        lambda r: _hashed(_iso(r["at"]), r["text"]),
    ),
    Kind(
        "files",
        CrmFile,
        ("name", "type", "shared_at"),
        "shared_at",
        lambda r: _hashed(r["name"], _iso(r["shared_at"])),
    ),
)
# The kinds whose records carry their own id (it is their key).
WITH_ID = frozenset({"emails", "deals"})
# Interactions are activities, e-mails and comments (the definition).
INTERACTIONS = ("activities", "emails", "comments")


def keyed(kind: Kind, contact: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The contact's records of this kind as column values by key (a key given twice: the
    later record wins, as it would on a second import)."""
    return {kind.key(record): kind.values(record) for record in contact.get(kind.name) or []}


def chunks(ids: list[str]) -> Iterable[list[str]]:
    """The ids in slices small enough for one IN (...)."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def rows_of(
    db: AsyncSession, table: Table, tenant: str, contact_ids: list[str]
) -> list[RowMapping]:
    """The tenant's rows of `table` for these contacts, in bulk.

    PostgreSQL: one query joining the ids as an array. An IN (...) of many ids is searched
    linearly for every row when the planner has no statistics yet (a table a first import just
    filled), which made a re-import of 10,000 contacts take half a minute. SQLite: one IN (...)
    per CHUNK ids (its planner walks the index)."""
    query = select(table).where(table.c.tenant == tenant)
    if db.bind.dialect.name == "postgresql":
        ids = (
            func.unnest(bindparam("contact_ids", contact_ids, type_=ARRAY(String)))
            .table_valued("contact_id")
            .render_derived()
        )
        rows = await db.execute(query.join(ids, table.c.contact_id == ids.c.contact_id))
        return list(rows.mappings())
    found: list[RowMapping] = []
    for chunk in chunks(contact_ids):
        rows = await db.execute(query.where(table.c.contact_id.in_(chunk)))
        found.extend(rows.mappings())
    return found


async def read_stored(
    db: AsyncSession, kind: Kind, tenant: str, contact_ids: list[str]
) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """The contacts' stored records of this kind: (contact_id, key) -> (row id, values)."""
    return {
        (row["contact_id"], row["key"]): (row["id"], kind.stored(row))
        for row in await rows_of(db, kind.table, tenant, contact_ids)
    }


async def load(
    db: AsyncSession, tenant: str, contact_ids: list[str] | Select[Any]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The contacts' history in the JSON form, each list by time: contact_id -> kind -> list.

    ``contact_ids`` is a short list or a select of ids: one query per kind either way."""
    history: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind in KINDS:
        table = kind.table
        where: list[ColumnElement[bool]] = [
            table.c.tenant == tenant,
            table.c.contact_id.in_(contact_ids),
        ]
        rows = await db.execute(
            select(table).where(*where).order_by(table.c[kind.order], table.c.key)
        )
        for row in rows.mappings():
            lists = history.setdefault(row["contact_id"], {k.name: [] for k in KINDS})
            record = kind.record(row)
            if kind.name in WITH_ID:
                record = {"id": row["key"], **record}
            lists[kind.name].append(record)
    return history


def empty() -> dict[str, list[dict[str, Any]]]:
    """A contact's history when it has none."""
    return {kind.name: [] for kind in KINDS}


def interactions() -> Any:
    """A contact's interaction count, a column of a select of crm_contacts."""
    counts = [
        select(func.count())
        .where(model.tenant == CrmContact.tenant, model.contact_id == CrmContact.contact_id)
        .correlate(CrmContact)
        .scalar_subquery()
        for model in (kind.model for kind in KINDS if kind.name in INTERACTIONS)
    ]
    return sum(counts[1:], counts[0]).label("interactions")


async def bulk(
    db: AsyncSession, model: Any, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    """Insert and update rows by primary key, many per statement."""
    if inserts:
        await db.execute(insert(model.__table__), inserts)
    if updates:
        await db.execute(update(model), updates)
