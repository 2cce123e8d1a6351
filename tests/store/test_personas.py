"""Persona repository on SQLite and PostgreSQL: persist, read, edit, delete, restore, KPI CAS."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.persona_generation.factory import RUN_ID, make_persona
from sight.errors import InputValidationError, NotDeletedError, UndoWindowExpiredError
from store.persona_audit import PersonaAuditRepository
from store.personas import PersonaRepository

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def personas(sessions: async_sessionmaker[AsyncSession]) -> PersonaRepository:
    return PersonaRepository(sessions)


@pytest.fixture
def audit(sessions: async_sessionmaker[AsyncSession]) -> PersonaAuditRepository:
    return PersonaAuditRepository(sessions)


async def seed(personas: PersonaRepository, count: int = 3, **options) -> list[str]:
    records = [make_persona(i) for i in range(count)]
    return await personas.add_many(
        records, report=options.get("report"), run_id=RUN_ID, tenant="acme", now=T0
    )


async def test_add_many_when_run_persisted_twice_then_stored_once_with_one_create_each(
    personas, audit
):
    first = await seed(personas, report={"accepted": 3})
    again = await seed(personas, report={"accepted": 3})

    assert len(first) == 3 and again == []
    rows, total = await personas.list("acme")
    assert total == 3
    for pid in first:
        entries = await audit.for_persona(pid, "acme")
        assert [e.action for e in entries] == ["create"]
        assert entries[0].details == {"run_id": RUN_ID}
    report = await personas.get_report(RUN_ID, "acme")
    assert report is not None and report.report == {"accepted": 3}
    assert await personas.get_report(RUN_ID, "globex") is None


async def test_add_many_when_a_record_misses_fields_then_nothing_stored(personas):
    broken = make_persona(1)
    del broken["big_five"]

    with pytest.raises(InputValidationError) as caught:
        await personas.add_many(
            [make_persona(0), broken], report=None, run_id=RUN_ID, tenant="acme", now=T0
        )

    assert caught.value.problems[0]["field"].endswith(".big_five")
    assert (await personas.list("acme"))[1] == 0


async def test_get_when_other_tenant_then_none_and_embedding_only_when_asked(personas):
    [pid, *_] = await seed(personas)

    plain = await personas.get(pid, "acme")
    full = await personas.get(pid, "acme", with_embedding=True)

    assert plain is not None and plain.embedding is None
    assert full is not None and full.embedding == make_persona(0)["embedding"]
    assert plain.created_at == T0 and plain.tenant == "acme" and plain.is_active
    assert await personas.get(pid, "globex") is None


async def test_list_when_filtered_then_matching_page_and_total(personas):
    await seed(personas, 5)  # ages 29..33

    page, total = await personas.list("acme", age_min=30, age_max=32, limit=2)
    assert total == 3 and len(page) == 2
    assert all(30 <= p.age <= 32 for p in page)
    assert (await personas.list("acme", gender="mężczyzna"))[1] == 0
    assert (await personas.list("acme", min_score=88))[1] == 0
    assert (await personas.list("acme", segment_id="mlodzi_profesjonalisci"))[1] == 5
    assert (await personas.list("acme", run_id="other-run"))[1] == 0
    assert (await personas.list("globex"))[1] == 0


async def test_get_many_then_order_asked_and_other_tenant_left_out(personas):
    ids = await seed(personas)

    found = await personas.get_many([ids[2], ids[0]], "acme", with_embedding=True)

    assert [p.id for p in found] == [ids[2], ids[0]]
    assert all(p.embedding for p in found)
    assert await personas.get_many(ids, "globex") == []


async def test_update_when_fields_change_then_changed_names_logged(personas, audit):
    [pid, *_] = await seed(personas)

    updated = await personas.update(
        pid,
        "acme",
        {"occupation": "kierowniczka projektu", "first_name": "Anna"},
        now=T0 + timedelta(hours=1),
        by="editor-key",
    )

    assert updated is not None
    record, changed = updated
    assert changed == ["occupation"]
    assert record.occupation == "kierowniczka projektu"
    assert record.updated_at == T0 + timedelta(hours=1)
    latest = (await audit.for_persona(pid, "acme"))[0]
    assert (latest.action, latest.user_id, latest.details) == (
        "update",
        "editor-key",
        {"fields": ["occupation"]},
    )
    with pytest.raises(InputValidationError):
        await personas.update(pid, "acme", {"age": 50}, now=T0)
    assert await personas.update(pid, "globex", {"occupation": "x"}, now=T0) is None


async def test_soft_delete_then_hidden_unless_include_deleted_and_logged(personas, audit):
    [pid, *_] = await seed(personas)

    at = T0 + timedelta(minutes=1)
    deleted = await personas.soft_delete(
        pid, "acme", by="admin-key", reason="other", detail="dubel", now=at
    )

    assert deleted is not None and not deleted.is_active and deleted.deleted_at == at
    assert await personas.get(pid, "acme") is None
    assert (await personas.get(pid, "acme", include_deleted=True)).delete_reason == "other"
    assert (await personas.list("acme"))[1] == 2
    assert (await personas.list("acme", include_deleted=True))[1] == 3
    entry = (await audit.for_persona(pid, "acme"))[0]
    assert entry.action == "delete" and entry.details == {"reason": "other", "detail": "dubel"}
    assert await personas.soft_delete(pid, "acme", by="a", reason="x", detail=None, now=T0) is None
    assert await personas.update(pid, "acme", {"occupation": "x"}, now=T0) is None


async def test_restore_when_within_window_then_active_else_typed_conflicts(personas, audit):
    ids = await seed(personas)
    for pid in ids[:2]:
        await personas.soft_delete(pid, "acme", by="admin", reason="duplicate", detail=None, now=T0)

    restored = await personas.restore(ids[0], "acme", now=T0 + timedelta(hours=23), window_s=86400)
    assert restored is not None and restored.is_active and restored.deleted_at is None
    assert (await audit.for_persona(ids[0], "acme"))[0].action == "restore"
    with pytest.raises(UndoWindowExpiredError) as late:
        await personas.restore(ids[1], "acme", now=T0 + timedelta(hours=25), window_s=86400)
    assert late.value.code == "undo_window_expired"
    with pytest.raises(NotDeletedError):
        await personas.restore(ids[2], "acme", now=T0, window_s=86400)
    assert await personas.restore(ids[1], "globex", now=T0, window_s=86400) is None


async def test_set_kpi_snapshot_when_older_than_stored_then_refused(personas):
    [pid, *_] = await seed(personas)

    assert await personas.set_kpi_snapshot(pid, {"v": 2}, T0 + timedelta(minutes=2))
    assert not await personas.set_kpi_snapshot(pid, {"v": 1}, T0 + timedelta(minutes=1))
    assert not await personas.set_kpi_snapshot(pid, {"v": 2}, T0 + timedelta(minutes=2))

    stored = await personas.get(pid, "acme")
    assert stored.kpi_snapshot == {"v": 2}
    assert stored.kpi_snapshot_at == T0 + timedelta(minutes=2)


async def test_set_kpi_snapshot_when_many_race_then_newest_kept(personas):
    [pid, *_] = await seed(personas)
    times = [T0 + timedelta(seconds=s) for s in (5, 1, 9, 3, 7, 2, 8)]

    await asyncio.gather(*(personas.set_kpi_snapshot(pid, {"at": t.isoformat()}, t) for t in times))

    stored = await personas.get(pid, "acme")
    assert stored.kpi_snapshot_at == max(times)
    assert stored.kpi_snapshot == {"at": max(times).isoformat()}
