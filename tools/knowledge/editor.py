"""Changing the knowledge base on someone's behalf: who may, and an event for every change.

Every add, update, delete, confirmation and restore is appended to ``knowledge_events``
(who, when, what, and the messages or sessions it came from) in the same database
transaction that is committed only when the knowledge base took the write, so the history
never names a change that did not happen. An update keeps the previous content as an earlier
version, which ``restore`` writes back as a new one.

Ownership: shared entries (the pack) are written by admins of ``admin_tenant``; every other
entry belongs to the tenant that wrote it and only that tenant sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.clock import utc_now
from sight.errors import ConflictError, ForbiddenError, NotFoundError
from store.knowledge import SHARED
from store.knowledge_events import EventRecord, KnowledgeEventRepository, content_hash
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.owners import owner_of
from tools.knowledge.versions import BASELINE, baseline_of, content_of
from tools.knowledge.writes import LoadProgress

Role = Literal["viewer", "editor", "admin"]
_RANK = {"viewer": 0, "editor": 1, "admin": 2}


@dataclass(frozen=True)
class Actor:
    """Who changes the knowledge base: an API key's principal, or a run on its behalf."""

    name: str
    tenant: str
    role: Role = "editor"


class KnowledgeEditor:
    """The knowledge base's writes, checked against ownership and recorded as events."""

    def __init__(
        self,
        kb: KnowledgeBase,
        sessions: async_sessionmaker[AsyncSession],
        *,
        admin_tenant: str = "default",
    ) -> None:
        self.kb = kb
        self.sessions = sessions
        self.events = KnowledgeEventRepository(sessions)
        self.admin_tenant = admin_tenant

    # --- who may ------------------------------------------------------------------------------

    def writes_shared(self, actor: Actor) -> bool:
        """Whether ``actor`` may write shared entries (admins of the admin tenant)."""
        return actor.role == "admin" and actor.tenant == self.admin_tenant

    def _check_owner(self, actor: Actor, owner: str, doing: str, role: Role = "editor") -> None:
        if _RANK[actor.role] < _RANK[role]:
            raise ForbiddenError(
                f"{doing} needs the {role} role; the key '{actor.name}' is {actor.role}",
                details={"required_role": role, "role": actor.role},
            )
        if owner == SHARED and not self.writes_shared(actor):
            raise ForbiddenError(
                f"{doing}: shared entries are written by admins of the tenant "
                f"{self.admin_tenant!r} (SIGHT_KNOWLEDGE_ADMIN_TENANT); add an entry of your "
                "own tenant instead",
                details={"owner": SHARED},
            )
        if owner not in (SHARED, actor.tenant):  # unreachable through visible lookups
            raise NotFoundError("knowledge entry not found")

    async def _visible(self, entry_id: str, tenant: str) -> dict[str, Any]:
        return await self.kb.get(entry_id, tenant=tenant)

    # --- changes ------------------------------------------------------------------------------

    async def add(
        self,
        entry: KnowledgeEntry,
        actor: Actor,
        *,
        shared: bool = False,
        force: bool = False,
        source: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> tuple[dict[str, Any], EventRecord]:
        """Store a new entry of the actor's tenant (or shared) and record it."""
        owner = SHARED if shared else actor.tenant
        self._check_owner(actor, owner, "adding a shared entry" if shared else "adding")
        content = entry.model_dump() | {"owner": owner}
        latest = await self.events.latest(entry.id)
        if latest is not None and latest.owner != owner:  # a deleted entry's id stays its owner's
            raise ConflictError(f"knowledge entry id {entry.id!r} is taken: choose another id")
        async with self.sessions() as session, session.begin():
            event = await self._append(session, entry.id, "add", owner, actor, content, source, now)
            stored = await self.kb.add(entry, force=force, owner=owner)
        return stored, event

    async def update(
        self,
        entry: KnowledgeEntry,
        actor: Actor,
        *,
        source: Mapping[str, Any] | None = None,
        now: datetime | None = None,
        action: str = "update",
    ) -> tuple[dict[str, Any], EventRecord]:
        """Replace an entry the actor may write; the previous content stays a version."""
        previous = await self._visible(entry.id, actor.tenant)
        owner = owner_of(previous)
        self._check_owner(actor, owner, "changing this entry")
        await self._baseline(previous, now)
        content = entry.model_dump() | {"owner": owner}
        async with self.sessions() as session, session.begin():
            event = await self._append(
                session, entry.id, action, owner, actor, content, source, now
            )
            stored = await self.kb.update(entry)
        return stored, event

    async def confirm(
        self,
        entry_id: str,
        actor: Actor,
        *,
        source: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> tuple[dict[str, Any], EventRecord]:
        """Record that ``actor`` confirmed an entry as it stands (its content is unchanged)."""
        current = await self._visible(entry_id, actor.tenant)
        await self._baseline(current, now)
        async with self.sessions() as session, session.begin():
            content = content_of(current) | {"owner": owner_of(current)}
            event = await self._append(
                session, entry_id, "confirm", owner_of(current), actor, content, source, now
            )
        return current, event

    async def delete(
        self,
        entry_id: str,
        actor: Actor,
        *,
        source: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> EventRecord:
        """Delete an entry (admin); its history stays and can restore it."""
        current = await self._visible(entry_id, actor.tenant)
        owner = owner_of(current)
        self._check_owner(actor, owner, "deleting an entry", role="admin")
        await self._baseline(current, now)
        async with self.sessions() as session, session.begin():
            event = await self._append(session, entry_id, "delete", owner, actor, None, source, now)
            await self.kb.delete(entry_id)
        return event

    async def restore(
        self,
        entry_id: str,
        version: int,
        actor: Actor,
        *,
        source: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> tuple[dict[str, Any], EventRecord]:
        """Write version ``version`` of an entry back as its newest version (admin); a deleted
        entry comes back too."""
        history = await self.history(entry_id, actor.tenant)
        owner = history[-1].owner
        self._check_owner(actor, owner, "restoring an entry", role="admin")
        if history[-1].id == BASELINE:  # stored before its history began: keep it as version 1
            await self._baseline(await self._visible(entry_id, actor.tenant), now)
        old = await self.events.version(entry_id, version)
        if old is not None and old.owner != owner:  # an earlier owner's content is not theirs
            old = None
        if old is None or old.entry is None:
            known = sorted({e.version for e in history if e.entry is not None})
            raise NotFoundError(
                f"knowledge entry {entry_id!r} has no version {version}; versions: {known}",
                details={"versions": known},
            )
        entry = KnowledgeEntry.model_validate(content_of(old.entry))
        source = {**(source or {}), "restored_from": version}
        content = entry.model_dump() | {"owner": owner}
        deleted = history[-1].action == "delete"
        async with self.sessions() as session, session.begin():
            event = await self._append(
                session, entry_id, "restore", owner, actor, content, source, now
            )
            if deleted:
                stored = await self.kb.add(entry, force=True, owner=owner)
            else:
                stored = await self.kb.update(entry)
        return stored, event

    async def load_pack(
        self,
        entries: Sequence[KnowledgeEntry],
        actor: Actor,
        *,
        pack: str,
        progress: LoadProgress | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Load a pack as shared entries (bulk, only changed ones re-embedded), with an event for
        each entry it adds or changes; an id a tenant owns is skipped, not taken over. The events
        follow the bulk write (a failed load records nothing; a crash between the two leaves
        entries whose first change stores them as a baseline)."""
        changed: list[tuple[KnowledgeEntry, str]] = []
        todo, skipped = [], []
        for entry in {e.id: e for e in entries}.values():
            try:
                current = await self.kb.get(entry.id)
            except NotFoundError:
                current = None
            latest = await self.events.latest(entry.id)
            if (current is not None and owner_of(current) != SHARED) or (
                latest is not None and latest.owner != SHARED
            ):
                skipped.append(entry.id)  # a tenant's id, live or deleted: never taken over
                continue
            todo.append(entry)
            if (
                current is not None
                and latest is None
                and (current.get("content_hash") != entry.content_hash())
            ):
                await self._baseline(current, now)  # its loaded content stays a version
                latest = await self.events.latest(entry.id)
            # the event follows the log, not the collection (a reset collection, a new one)
            if latest is None or latest.action == "delete":
                changed.append((entry, "add"))
            elif latest.content_hash != content_hash(entry.model_dump() | {"owner": SHARED}):
                changed.append((entry, "update"))
        stats: dict[str, Any] = await self.kb.load(todo, progress=progress)
        for entry, action in changed:
            await self._append(
                None,
                entry.id,
                action,
                SHARED,
                actor,
                entry.model_dump() | {"owner": SHARED},
                {"via": "cli", "pack": pack},
                now,
            )
        stats["skipped_tenant_ids"] = len(skipped)
        return stats

    async def history(self, entry_id: str, tenant: str) -> list[EventRecord]:
        """Every event of an entry ``tenant`` may see, oldest first (a deleted one's too)."""
        events = await self.events.history(entry_id)
        if events:
            if events[-1].owner not in (SHARED, tenant):
                raise NotFoundError(f"knowledge entry {entry_id!r} not found")
            # A shared entry's history shows its writers' changes and the caller's tenant's
            # confirmations, not what other tenants' mentors did with it.
            owner = events[-1].owner
            return [
                e
                for e in events
                if e.owner == owner and e.tenant in (tenant, self.admin_tenant, e.owner)
            ]
        current = await self._visible(entry_id, tenant)  # 404 when there is no such entry
        return [baseline_of(current)]

    # --- helpers ------------------------------------------------------------------------------

    async def _baseline(self, payload: Mapping[str, Any], now: datetime | None) -> EventRecord:
        """The entry's first event; an entry stored before events (the pack's load, an older
        Sight) gets one holding its current content, so an update keeps it as version 1."""
        latest = await self.events.latest(payload["id"])
        if latest is not None:
            return latest
        first = baseline_of(payload)
        return await self.events.append(
            entry_id=first.entry_id,
            action=first.action,
            owner=first.owner,
            tenant=first.tenant,
            actor=first.actor,
            entry=first.entry,
            source=first.source,
            now=now or utc_now(),
        )

    async def _append(self, session, entry_id, action, owner, actor, content, source, now):
        return await self.events.append(
            entry_id=entry_id,
            action=action,
            owner=owner,
            tenant=actor.tenant,
            actor=actor.name,
            entry=content,
            source=dict(source or {"via": "api"}),
            now=now or utc_now(),
            session=session,
        )
