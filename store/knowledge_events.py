"""Knowledge event repository: the append-only history of every knowledge entry.

Each change to an entry (add, update, delete, restore, confirm) is one row, numbered per entry
1, 2, ... by ``position``. Appends to one entry queue on a lock before they read the entry's
last event (PostgreSQL: a transaction advisory lock on the entry id, which holds even for an
entry with no row yet to lock; SQLite: the database's write lock, taken by a write that matches
nothing), so two at once never take the same position; the unique (entry_id, position)
constraint stays as the last guard. Rows are never rewritten: the database's triggers refuse
UPDATE and DELETE (migration 0007).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from store import xact_lock
from store.models import KnowledgeEvent, as_utc

ACTIONS = ("add", "update", "delete", "restore", "confirm")
# Actions that store new content: the entry's version moves up by one.
NEW_CONTENT = ("add", "update", "restore")
SHARED = "shared"
# First half of the two-key advisory lock ("Know" in ASCII).
_LOCK_CLASS = 0x4B6E6F77
_UNIQUE_VIOLATION = ("SQLITE_CONSTRAINT_UNIQUE", "23505")  # SQLite, PostgreSQL


@dataclass(frozen=True)
class EventRecord:
    """One stored change to a knowledge entry (every column of knowledge_events)."""

    id: str
    entry_id: str
    position: int
    action: str
    version: int
    owner: str
    tenant: str
    actor: str
    at: datetime
    source: dict[str, Any]
    entry: dict[str, Any] | None
    content_hash: str | None


def record_of(row: KnowledgeEvent) -> EventRecord:
    return EventRecord(
        id=row.id,
        entry_id=row.entry_id,
        position=row.position,
        action=row.action,
        version=row.version,
        owner=row.owner,
        tenant=row.tenant,
        actor=row.actor,
        at=as_utc(row.at),
        source=dict(row.source),
        entry=None if row.entry is None else dict(row.entry),
        content_hash=row.content_hash,
    )


def content_hash(entry: dict[str, Any]) -> str:
    """Return 16 hex digits of the SHA-256 of the entry as canonical JSON (keys sorted), so
    equal content hashes equally whatever order its keys came in."""
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _check(action: str, entry: dict[str, Any] | None) -> None:
    if action not in ACTIONS:
        problem = {"field": "action", "message": f"must be one of {', '.join(ACTIONS)}"}
        raise InputValidationError([problem])
    if (entry is None) != (action == "delete"):
        message = "must be null for a delete" if entry is not None else "is required"
        raise InputValidationError([{"field": "entry", "message": message}])


def _next_version(entry_id: str, action: str, last: KnowledgeEvent | None) -> int:
    """The entry's content version after `action`, or the error that refuses the action."""
    if last is None:
        if action != "add":
            raise NotFoundError(f"knowledge entry {entry_id} has no history to {action}")
        return 1
    deleted = last.action == "delete"
    if action == "add" and not deleted:
        raise ConflictError(
            f"knowledge entry {entry_id} exists already: update it instead",
            details={"entry_id": entry_id},
        )
    if action in ("update", "delete", "confirm") and deleted:
        raise ConflictError(
            f"knowledge entry {entry_id} is deleted: restore it first",
            details={"entry_id": entry_id},
        )
    return last.version + 1 if action in NEW_CONTENT else last.version


async def _lock_entry(db: AsyncSession, entry_id: str) -> None:
    """Hold the entry's append lock until the transaction ends."""
    await xact_lock.hold(db, _LOCK_CLASS, entry_id, KnowledgeEvent)


async def _last(db: AsyncSession, entry_id: str) -> KnowledgeEvent | None:
    return await db.scalar(
        select(KnowledgeEvent)
        .where(KnowledgeEvent.entry_id == entry_id)
        .order_by(KnowledgeEvent.position.desc())
        .limit(1)
    )


async def _insert(db: AsyncSession, row: KnowledgeEvent) -> EventRecord:
    """Number and version the new event after the entry's last one, and insert it."""
    await _lock_entry(db, row.entry_id)
    last = await _last(db, row.entry_id)
    row.position = 1 if last is None else last.position + 1
    row.version = _next_version(row.entry_id, row.action, last)
    db.add(row)
    try:
        await db.flush()
    except IntegrityError as exc:
        code = getattr(exc.orig, "sqlite_errorname", None) or getattr(exc.orig, "sqlstate", None)
        if code in _UNIQUE_VIOLATION:
            raise ConflictError(
                f"knowledge entry {row.entry_id} changed meanwhile: try again",
                details={"entry_id": row.entry_id},
            ) from None
        raise
    return record_of(row)


class KnowledgeEventRepository:
    """Owns every query on knowledge_events."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def append(
        self,
        *,
        entry_id: str,
        action: str,
        owner: str,
        tenant: str,
        actor: str,
        entry: dict[str, Any] | None,
        source: dict[str, Any],
        now: datetime,
        session: AsyncSession | None = None,
    ) -> EventRecord:
        """Append the entry's next event, numbering it and versioning its content.

        add, update and restore raise the version by one (add starts at 1; an add after a
        delete continues the count, so a version number always names one content); delete and
        confirm keep it. ``entry`` is the whole entry after the event, None exactly for a
        delete. Refused: an add over a live entry or an update, confirm or delete of a deleted
        one (ConflictError), anything but an add without history (NotFoundError).

        With ``session``, the event joins the caller's transaction and is not committed (the
        caller commits it with its own write); otherwise it is committed here.
        """
        _check(action, entry)
        row = KnowledgeEvent(
            id=str(uuid.uuid4()),
            entry_id=entry_id,
            action=action,
            owner=owner,
            tenant=tenant,
            actor=actor,
            at=as_utc(now),
            source=source,
            entry=entry,
            content_hash=None if entry is None else content_hash(entry),
        )
        if session is not None:
            return await _insert(session, row)
        async with self._sessions() as db, db.begin():
            return await _insert(db, row)

    async def history(self, entry_id: str) -> list[EventRecord]:
        """Every event of the entry, oldest first (in position order)."""
        async with self._sessions() as db:
            rows = await db.scalars(
                select(KnowledgeEvent)
                .where(KnowledgeEvent.entry_id == entry_id)
                .order_by(KnowledgeEvent.position)
            )
            return [record_of(row) for row in rows]

    async def latest(self, entry_id: str) -> EventRecord | None:
        """The entry's last event, or None when it has no history."""
        async with self._sessions() as db:
            row = await _last(db, entry_id)
        return None if row is None else record_of(row)

    async def version(self, entry_id: str, version: int) -> EventRecord | None:
        """The last event holding content `version` of the entry (a confirm repeats the content
        of the version it confirms), or None when the entry never had that version."""
        async with self._sessions() as db:
            row = await db.scalar(
                select(KnowledgeEvent)
                .where(
                    KnowledgeEvent.entry_id == entry_id,
                    KnowledgeEvent.version == version,
                    KnowledgeEvent.entry.is_not(None),
                )
                .order_by(KnowledgeEvent.position.desc())
                .limit(1)
            )
        return None if row is None else record_of(row)

    async def owner_of(self, entry_id: str) -> str | None:
        """Whose entry it is now ('shared' or a tenant): the owner of its last event."""
        latest = await self.latest(entry_id)
        return None if latest is None else latest.owner
