"""Knowledge history on SQLite and PostgreSQL: positions and versions, refusals, appends under
concurrency and inside a caller's transaction, rows the database will not rewrite, and
migration 0007."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from sight.settings import Settings
from store.db import sync_url
from store.knowledge_events import KnowledgeEventRepository, content_hash
from store.migrate import alembic_config, upgrade
from store.models import Base

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ENTRY = "rule-analityk-tco"
TABLES = {"knowledge_events", "dojo_rules"}


@pytest.fixture
def history(sessions: async_sessionmaker[AsyncSession]) -> KnowledgeEventRepository:
    return KnowledgeEventRepository(sessions)


def content(text_: str) -> dict[str, Any]:
    return {"id": ENTRY, "kind": "rule", "title": "TCO najpierw", "text": text_, "tags": ["tco"]}


async def change(
    history: KnowledgeEventRepository,
    action: str,
    entry: dict[str, Any] | None,
    *,
    minutes: int = 0,
    entry_id: str = ENTRY,
    source: dict[str, Any] | None = None,
    session: AsyncSession | None = None,
):
    return await history.append(
        entry_id=entry_id,
        action=action,
        owner="acme",
        tenant="acme",
        actor="mentor-ewa",
        entry=entry,
        source=source or {"via": "dojo", "thread_id": "t-1", "message_ids": ["m-1"]},
        now=T0 + timedelta(minutes=minutes),
        session=session,
    )


async def test_append_when_entry_changes_then_positions_follow_and_versions_track_content(
    history,
):
    first = content("U Pragmatycznego Analityka zacznij od TCO, nie od osiągów.")
    second = content("U Pragmatycznego Analityka zacznij od TCO i kosztów ładowania.")

    events = [
        await change(history, "add", first, minutes=1),
        await change(history, "update", second, minutes=2),
        await change(history, "confirm", second, minutes=3),
        await change(history, "delete", None, minutes=4),
        await change(
            history, "restore", first, minutes=5, source={"via": "api", "restored_from": 1}
        ),
    ]

    assert [e.position for e in events] == [1, 2, 3, 4, 5]
    assert [e.version for e in events] == [1, 2, 2, 2, 3]
    assert await history.history(ENTRY) == events
    assert await history.latest(ENTRY) == events[-1]
    assert events[3].entry is None and events[3].content_hash is None
    assert events[0].content_hash == events[4].content_hash == content_hash(first)
    assert events[1].content_hash != events[0].content_hash
    assert events[4].source == {"via": "api", "restored_from": 1}
    assert events[0].entry["text"].endswith("osiągów.") and events[2].at == T0 + timedelta(
        minutes=3
    )
    assert (events[0].owner, events[0].tenant, events[0].actor) == ("acme", "acme", "mentor-ewa")


async def test_version_when_confirmed_then_latest_event_with_that_content_and_none_if_unknown(
    history,
):
    await change(history, "add", content("v1"), minutes=1)
    updated = await change(history, "update", content("v2"), minutes=2)
    confirmed = await change(history, "confirm", content("v2"), minutes=3)
    await change(history, "delete", None, minutes=4)

    assert (await history.version(ENTRY, 1)).entry == content("v1")
    assert await history.version(ENTRY, 2) == confirmed and updated.version == 2
    assert await history.version(ENTRY, 3) is None
    assert await history.version("nieznany", 1) is None


async def test_history_when_entry_unknown_then_empty_and_no_owner(history):
    await change(history, "add", content("x"), entry_id="inny-wpis")

    assert await history.history(ENTRY) == []
    assert await history.latest(ENTRY) is None
    assert await history.owner_of(ENTRY) is None
    assert await history.owner_of("inny-wpis") == "acme"


async def test_owner_of_when_latest_event_moves_entry_then_latest_owner(history):
    await change(history, "add", content("x"))
    await history.append(
        entry_id=ENTRY,
        action="update",
        owner="shared",
        tenant="admin",
        actor="root",
        entry=content("y"),
        source={"via": "cli"},
        now=T0,
    )

    assert await history.owner_of(ENTRY) == "shared"


async def test_append_when_action_impossible_for_history_then_refused_and_nothing_stored(
    history,
):
    with pytest.raises(NotFoundError):
        await change(history, "update", content("x"))
    with pytest.raises(NotFoundError):
        await change(history, "restore", content("x"))
    await change(history, "add", content("x"))
    with pytest.raises(ConflictError):
        await change(history, "add", content("x"))
    await change(history, "delete", None)
    for action, entry in (("update", content("y")), ("confirm", content("x")), ("delete", None)):
        with pytest.raises(ConflictError):
            await change(history, action, entry)
    again = await change(history, "add", content("z"))

    assert [e.action for e in await history.history(ENTRY)] == ["add", "delete", "add"]
    assert (again.position, again.version) == (3, 2)  # a version number names one content


async def test_append_when_action_or_entry_invalid_then_input_error_naming_field(history):
    cases = [("rename", content("x"), "action"), ("delete", content("x"), "entry")]
    cases += [("add", None, "entry"), ("update", None, "entry")]
    for action, entry, field in cases:
        with pytest.raises(InputValidationError) as refused:
            await change(history, action, entry)
        assert refused.value.problems[0]["field"] == field

    assert await history.history(ENTRY) == []


async def test_append_when_concurrent_on_one_entry_then_distinct_consecutive_positions(history):
    await change(history, "add", content("v1"))

    added = await asyncio.gather(
        *(change(history, "update", content(f"wersja {i}"), minutes=i) for i in range(6))
    )

    assert sorted(e.position for e in added) == [2, 3, 4, 5, 6, 7]
    assert sorted(e.version for e in added) == [2, 3, 4, 5, 6, 7]
    assert [e.position for e in await history.history(ENTRY)] == [1, 2, 3, 4, 5, 6, 7]


async def test_append_when_concurrent_first_events_then_one_add_wins(history):
    results = await asyncio.gather(
        *(change(history, "add", content(f"{i}")) for i in range(4)), return_exceptions=True
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ConflictError) for r in results if isinstance(r, Exception))
    assert len(await history.history(ENTRY)) == 1


async def test_append_when_caller_session_given_then_committed_only_with_caller(history, sessions):
    async with sessions() as db:
        await change(history, "add", content("x"), session=db)
        await change(history, "update", content("y"), session=db)
        unseen = await history.history(ENTRY)
        await db.rollback()
    async with sessions() as db:
        kept = await change(history, "add", content("x"), session=db)
        await db.commit()

    assert unseen == []
    assert await history.history(ENTRY) == [kept]


async def test_raw_sql_when_rewriting_history_then_database_refuses(history, sessions, db_settings):
    stored = await change(history, "add", content("x"))
    statements = [
        "UPDATE knowledge_events SET actor = 'intruz'",
        "UPDATE knowledge_events SET entry = NULL WHERE position = 1",
        "DELETE FROM knowledge_events",
    ]
    if db_settings.is_postgres:
        statements.append("TRUNCATE knowledge_events")

    for statement in statements:
        with pytest.raises(IntegrityError, match="append-only"):
            async with sessions() as db, db.begin():
                await db.execute(text(statement))

    assert await history.history(ENTRY) == [stored]


def test_content_hash_when_keys_reordered_then_same_and_when_text_differs_then_not():
    one = {"title": "Zima", "text": "Zasięg spada o 20–30%."}
    same = {"text": "Zasięg spada o 20–30%.", "title": "Zima"}

    assert content_hash(one) == content_hash(same)
    assert len(content_hash(one)) == 16
    assert content_hash(one) != content_hash({**one, "text": "Zasięg spada o połowę."})


def test_migration_0007_when_applied_then_matches_models_and_downgrades(db_settings: Settings):
    upgrade(db_settings)
    engine = create_engine(sync_url(db_settings))
    postgres = engine.dialect.name == "postgresql"
    function = text(
        "SELECT count(*) FROM pg_proc WHERE proname = 'knowledge_events_append_only' "
        "AND pronamespace = current_schema()::regnamespace"
    )
    try:
        with engine.connect() as conn:
            created = set(engine.dialect.get_table_names(conn)) & TABLES
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = [d for d in compare_metadata(context, Base.metadata) if _touches(d)]
        command.downgrade(alembic_config(db_settings), "0006")
        with engine.connect() as conn:
            left = set(engine.dialect.get_table_names(conn)) & TABLES
            functions_left = conn.scalar(function) if postgres else 0
        upgrade(db_settings)  # again: the trigger function must not exist twice
        with engine.connect() as conn:
            tables_again = set(engine.dialect.get_table_names(conn)) & TABLES
    finally:
        engine.dispose()
    assert created == TABLES == tables_again
    assert drift == []
    assert left == set() and functions_left == 0


def _touches(diff: Any) -> bool:
    """Whether an autogenerate diff entry concerns one of this migration's tables."""
    return any(table in repr(diff) for table in TABLES)
