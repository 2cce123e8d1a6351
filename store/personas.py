"""Persona repository: persist a generation run's personas, read, edit, soft-delete, restore.

Writes that change a persona (create, update, delete, restore) add their audit entry in the
same transaction, so the audit trail never misses a change. Embeddings are loaded only when
asked for (``with_embedding``): lists and details never need them, compare does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from sight.errors import InputValidationError, NotDeletedError, UndoWindowExpiredError
from store.models import Persona, PersonaGenerationReport, as_utc
from store.persona_audit import ClientInfo, audit_row
from store.persona_records import (
    EDITABLE_FIELDS,
    PersonaRecord,
    ReportRecord,
    record_of,
    row_values,
)

INSERT_CHUNK = 200  # rows per INSERT: stays far below SQLite's bound-parameter limit


def _dialect(session: AsyncSession) -> Any:
    return postgresql if session.bind.dialect.name == "postgresql" else sqlite


def _owned(persona_id: str, tenant: str) -> list[ColumnElement[bool]]:
    return [Persona.id == persona_id, Persona.tenant == tenant]


async def _lock(
    session: AsyncSession, persona_id: str, tenant: str, *, active: bool | None
) -> Persona | None:
    """Lock the persona row until the transaction ends and return it (None: not found).

    PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite: a no-op write first takes the database
    lock, so concurrent edits queue on the busy timeout instead of failing on lock upgrade.
    """
    where = _owned(persona_id, tenant)
    if active is not None:
        where.append(Persona.is_active.is_(active))
    if session.bind.dialect.name == "sqlite":
        written = await session.execute(
            update(Persona).where(*where).values(tenant=Persona.tenant).returning(Persona.id)
        )
        if written.first() is None:
            return None
    return await session.scalar(
        select(Persona).where(*where).options(defer(Persona.embedding)).with_for_update()
    )


class PersonaRepository:
    """Owns every query on personas and persona_generation_reports."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add_many(
        self,
        personas: list[dict[str, Any]],
        *,
        report: dict[str, Any] | None,
        run_id: str | None,
        tenant: str,
        now: datetime,
    ) -> list[str]:
        """Store a run's personas and report in one transaction; return the ids newly added.

        Insert-or-ignore by id (ids are deterministic per run and slot), so persisting a run
        again adds nothing; each new persona gets a "create" audit entry.
        """
        now = as_utc(now)
        rows = [row_values(p, tenant=tenant, run_id=run_id, now=now) for p in personas]
        added: list[str] = []
        async with self._sessions() as session, session.begin():
            dialect, table = _dialect(session), Persona.__table__
            for start in range(0, len(rows), INSERT_CHUNK):
                inserted = await session.execute(
                    dialect.insert(table)
                    .values(rows[start : start + INSERT_CHUNK])
                    .on_conflict_do_nothing(index_elements=["id"])
                    .returning(table.c.id)
                )
                added.extend(inserted.scalars().all())
            details = {"run_id": run_id} if run_id else {}
            session.add_all(
                audit_row(pid, tenant, "create", now=now, details=details) for pid in added
            )
            if report is not None and run_id is not None:
                reports = PersonaGenerationReport.__table__
                await session.execute(
                    dialect.insert(reports)
                    .values(run_id=run_id, tenant=tenant, report=report, created_at=now)
                    .on_conflict_do_update(
                        index_elements=["run_id"],
                        set_={"report": report, "created_at": now},
                        where=reports.c.tenant == tenant,
                    )
                )
        return added

    async def get(
        self,
        persona_id: str,
        tenant: str,
        *,
        include_deleted: bool = False,
        with_embedding: bool = False,
    ) -> PersonaRecord | None:
        """Return the tenant's persona, or None (another tenant's, or deleted, is None too)."""
        found = await self.get_many(
            [persona_id], tenant, include_deleted=include_deleted, with_embedding=with_embedding
        )
        return found[0] if found else None

    async def get_many(
        self,
        persona_ids: list[str],
        tenant: str,
        *,
        include_deleted: bool = False,
        with_embedding: bool = False,
    ) -> list[PersonaRecord]:
        """Return the tenant's personas among `persona_ids`, in the order asked."""
        query = select(Persona).where(Persona.id.in_(persona_ids), Persona.tenant == tenant)
        if not include_deleted:
            query = query.where(Persona.is_active.is_(True))
        if not with_embedding:
            query = query.options(defer(Persona.embedding))
        async with self._sessions() as session:
            rows = {r.id: r for r in await session.scalars(query)}
        return [record_of(rows[i], with_embedding=with_embedding) for i in persona_ids if i in rows]

    async def list(
        self,
        tenant: str,
        *,
        segment_id: str | None = None,
        run_id: str | None = None,
        gender: str | None = None,
        age_min: int | None = None,
        age_max: int | None = None,
        min_score: int | None = None,
        include_deleted: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[PersonaRecord], int]:
        """Return one page of the tenant's matching personas, newest first, and the total."""
        where: list[ColumnElement[bool]] = [Persona.tenant == tenant]
        for column, value in (
            (Persona.segment_id, segment_id),
            (Persona.run_id, run_id),
            (Persona.gender, gender),
        ):
            if value is not None:
                where.append(column == value)
        if age_min is not None:
            where.append(Persona.age >= age_min)
        if age_max is not None:
            where.append(Persona.age <= age_max)
        if min_score is not None:
            where.append(Persona.score >= min_score)
        if not include_deleted:
            where.append(Persona.is_active.is_(True))
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(Persona).where(*where))
            rows = await session.scalars(
                select(Persona)
                .where(*where)
                .options(defer(Persona.embedding))
                .order_by(Persona.created_at.desc(), Persona.id.desc())
                .limit(limit)
                .offset(offset)
            )
            records = [record_of(r, with_embedding=False) for r in rows]
        return records, int(total or 0)

    async def update(
        self,
        persona_id: str,
        tenant: str,
        changes: dict[str, Any],
        *,
        now: datetime,
        by: str | None = None,
        client: ClientInfo | None = None,
        derived: Callable[[PersonaRecord, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> tuple[PersonaRecord, list[str]] | None:
        """Edit narrative fields of an active persona; return it and the fields that changed.

        None when the tenant has no such active persona. Logs "update" naming the fields.
        ``derived(current, changes)`` returns columns computed from the edited narrative
        (score, score_reasons, quality, embedding), set in the same transaction.
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise InputValidationError(
                [
                    {"field": name, "message": f"not editable; edit {', '.join(EDITABLE_FIELDS)}"}
                    for name in unknown
                ]
            )
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            row = await _lock(session, persona_id, tenant, active=True)
            if row is None:
                return None
            changed = [
                name
                for name in EDITABLE_FIELDS
                if name in changes and getattr(row, name) != changes[name]
            ]
            if changed:
                if derived is not None:
                    current = record_of(row, with_embedding=False)
                    for name, value in derived(current, {n: changes[n] for n in changed}).items():
                        setattr(row, name, value)
                for name in changed:
                    setattr(row, name, changes[name])
                row.updated_at = now
                session.add(
                    audit_row(
                        persona_id,
                        tenant,
                        "update",
                        now=now,
                        user_id=by,
                        details={"fields": changed},
                        client=client,
                    )
                )
                await session.flush()
            return record_of(row, with_embedding=False), changed

    async def soft_delete(
        self,
        persona_id: str,
        tenant: str,
        *,
        by: str | None,
        reason: str,
        detail: str | None,
        now: datetime,
        client: ClientInfo | None = None,
    ) -> PersonaRecord | None:
        """Mark an active persona deleted (is_active False) and log "delete"; None if none."""
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            deleted = await session.execute(
                update(Persona)
                .where(*_owned(persona_id, tenant), Persona.is_active.is_(True))
                .values(
                    is_active=False,
                    deleted_at=now,
                    deleted_by=by,
                    delete_reason=reason,
                    delete_detail=detail,
                    updated_at=now,
                )
                .returning(Persona)
                .execution_options(populate_existing=True)
            )
            row = deleted.scalar_one_or_none()
            if row is None:
                return None
            session.add(
                audit_row(
                    persona_id,
                    tenant,
                    "delete",
                    now=now,
                    user_id=by,
                    details={"reason": reason, "detail": detail},
                    client=client,
                )
            )
            return record_of(row, with_embedding=False)

    async def restore(
        self,
        persona_id: str,
        tenant: str,
        *,
        now: datetime,
        window_s: float,
        by: str | None = None,
        client: ClientInfo | None = None,
    ) -> PersonaRecord | None:
        """Undo a soft delete within `window_s` seconds of it and log "restore".

        None when the tenant has no such persona; NotDeletedError when it is active;
        UndoWindowExpiredError when the window has passed.
        """
        now = as_utc(now)
        async with self._sessions() as session, session.begin():
            row = await _lock(session, persona_id, tenant, active=None)
            if row is None:
                return None
            if row.is_active or row.deleted_at is None:
                raise NotDeletedError(f"Persona {persona_id} is not deleted: nothing to restore")
            deleted_at = as_utc(row.deleted_at)
            if now - deleted_at > timedelta(seconds=window_s):
                raise UndoWindowExpiredError(
                    f"Persona {persona_id} was deleted at {deleted_at.isoformat()}; a delete can "
                    f"be undone for {window_s:g} s only, and that window has passed",
                    details={"deleted_at": deleted_at.isoformat(), "undo_window_s": window_s},
                )
            row.is_active = True
            row.deleted_at = row.deleted_by = row.delete_reason = row.delete_detail = None
            row.updated_at = now
            session.add(
                audit_row(persona_id, tenant, "restore", now=now, user_id=by, client=client)
            )
            await session.flush()
            return record_of(row, with_embedding=False)

    async def set_kpi_snapshot(
        self, persona_id: str, snapshot: dict[str, Any], computed_at: datetime
    ) -> bool:
        """Store the persona's KPI snapshot unless a newer one is stored; True when written.

        Compare-and-set in one UPDATE: a slow recompute finishing last never overwrites a
        snapshot computed after its own.
        """
        computed_at = as_utc(computed_at)
        async with self._sessions() as session, session.begin():
            written = await session.execute(
                update(Persona)
                .where(Persona.id == persona_id)
                .where(Persona.kpi_snapshot_at.is_(None) | (Persona.kpi_snapshot_at < computed_at))
                .values(kpi_snapshot=snapshot, kpi_snapshot_at=computed_at)
                .returning(Persona.id)
            )
            return written.first() is not None

    async def get_report(self, run_id: str, tenant: str) -> ReportRecord | None:
        """Return the tenant's validation report of a generation run, or None."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(PersonaGenerationReport).where(
                    PersonaGenerationReport.run_id == run_id,
                    PersonaGenerationReport.tenant == tenant,
                )
            )
        if row is None:
            return None
        return ReportRecord(row.run_id, row.tenant, dict(row.report), as_utc(row.created_at))
