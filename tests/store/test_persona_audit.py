"""Persona audit log on SQLite and PostgreSQL: own sessions, reads without client info, scrub."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.persona_generation.factory import RUN_ID, make_persona
from sight.errors import InputValidationError
from store.models import Persona, PersonaAuditEntry
from store.persona_audit import AuditEntry, ClientInfo, PersonaAuditRepository
from store.personas import PersonaRepository

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BROWSER = ClientInfo(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64)")


@pytest.fixture
def audit(sessions: async_sessionmaker[AsyncSession]) -> PersonaAuditRepository:
    return PersonaAuditRepository(sessions)


@pytest.fixture
async def ids(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """Two personas of tenant acme, each with its "create" entry at T0."""
    return await PersonaRepository(sessions).add_many(
        [make_persona(0), make_persona(1)], report=None, run_id=RUN_ID, tenant="acme", now=T0
    )


def test_client_reads_when_any_then_entry_type_has_no_client_info():
    names = {f.name for f in dataclasses.fields(AuditEntry)}
    assert not names & {"ip_address", "user_agent"}


async def test_add_when_called_then_own_session_each_call(sessions, ids):
    opened = []

    def counting():
        opened.append(1)
        return sessions()

    audit = PersonaAuditRepository(counting)  # type: ignore[arg-type]
    await audit.add(ids[0], "acme", "view", now=T0, user_id="viewer-key", client=BROWSER)
    await audit.add(ids, "acme", "compare", now=T0, user_id="viewer-key")

    assert len(opened) == 2


async def test_for_persona_then_newest_first_filtered_and_counted(audit, ids):
    for minute, action in enumerate(["view", "export", "view", "update"], start=1):
        await audit.add(
            ids[0],
            "acme",
            action,
            now=T0 + timedelta(minutes=minute),
            user_id="editor-key",
            client=BROWSER,
        )

    entries = await audit.for_persona(ids[0], "acme")
    assert [e.action for e in entries] == ["update", "view", "export", "view", "create"]
    views = await audit.for_persona(ids[0], "acme", actions=["view"], limit=1, offset=1)
    assert [e.created_at for e in views] == [T0 + timedelta(minutes=1)]
    assert await audit.count_for_persona(ids[0], "acme", actions=["view"]) == 2
    assert await audit.count_for_persona(ids[0], "acme") == 5
    assert await audit.for_persona(ids[0], "globex") == []


async def test_for_user_then_last_n_of_that_user_in_tenant(audit, ids):
    for minute in range(5):
        await audit.add(
            ids[minute % 2],
            "acme",
            "view",
            now=T0 + timedelta(minutes=minute),
            user_id="viewer-key",
        )
    await audit.add(ids[0], "acme", "export", now=T0, user_id="admin-key")

    last = await audit.for_user("viewer-key", "acme", limit=3)

    assert [e.created_at.minute for e in last] == [4, 3, 2]
    assert {e.user_id for e in last} == {"viewer-key"}
    assert await audit.for_user("viewer-key", "globex") == []


async def test_add_when_unknown_action_then_refused(audit, ids):
    with pytest.raises(InputValidationError):
        await audit.add(ids[0], "acme", "print", now=T0)  # type: ignore[arg-type]


async def test_scrub_when_older_than_retention_then_client_info_nulled(audit, ids):
    now = T0 + timedelta(days=200)
    old = await audit.add(ids[0], "acme", "view", now=now - timedelta(days=91), client=BROWSER)
    recent = await audit.add(ids[0], "acme", "view", now=now - timedelta(days=89), client=BROWSER)

    assert await audit.scrub_client_info(now - timedelta(days=90)) == 1
    assert await audit.scrub_client_info(now - timedelta(days=90)) == 0

    assert await audit.client_info(old[0].id) == ClientInfo(None, None)
    assert await audit.client_info(recent[0].id) == BROWSER
    assert len(await audit.for_persona(ids[0], "acme")) == 3  # the entries themselves stay


async def test_delete_when_no_filter_then_refused_else_only_matching(audit, ids):
    await audit.add(ids[0], "acme", "view", now=T0 + timedelta(minutes=1), user_id="viewer-key")
    await audit.add(ids[1], "acme", "view", now=T0 + timedelta(minutes=1), user_id="viewer-key")

    with pytest.raises(InputValidationError):
        await audit.delete("acme")
    assert await audit.delete("globex", persona_id=ids[0]) == 0
    assert await audit.delete("acme", persona_id=ids[0], user_id="viewer-key") == 1
    assert await audit.count_for_persona(ids[0], "acme") == 1  # its create entry
    assert await audit.delete("acme", before=T0 + timedelta(seconds=1)) == 2


async def test_persona_row_deleted_then_its_entries_cascade(sessions, audit, ids):
    await audit.add(ids[0], "acme", "view", now=T0, user_id="viewer-key")

    async with sessions() as session, session.begin():
        await session.execute(delete(Persona).where(Persona.id == ids[0]))

    async with sessions() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(PersonaAuditEntry)
            .where(PersonaAuditEntry.persona_id == ids[0])
        )
    assert left == 0
