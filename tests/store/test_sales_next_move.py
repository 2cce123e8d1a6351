"""Sales co-pilot storage on SQLite and PostgreSQL: clients, sessions, turns numbered under
concurrency, feedback that replaces a user's earlier rating, tenants, and migration 0006."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from sight.settings import Settings
from store.db import sync_url
from store.migrate import alembic_config, upgrade
from store.models import Base
from store.sales_next_move import (
    ClientRepository,
    FeedbackRepository,
    InteractionRepository,
    SessionRepository,
)

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
S1 = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"
S2 = "7a2d4e61-1b3c-4d5e-8f90-a1b2c3d4e5f6"
MOVES = ["M-Q-zima-01", "M-A-tco-02", "M-O-cena-01", "M-X-jazda-01"]
TABLES = {"sales_clients", "sales_sessions", "sales_interactions", "sales_feedback"}


@pytest.fixture
def clients(sessions: async_sessionmaker[AsyncSession]) -> ClientRepository:
    return ClientRepository(sessions)


@pytest.fixture
def talks(sessions: async_sessionmaker[AsyncSession]) -> SessionRepository:
    return SessionRepository(sessions)


@pytest.fixture
def turns(sessions: async_sessionmaker[AsyncSession]) -> InteractionRepository:
    return InteractionRepository(sessions)


@pytest.fixture
def feedback(sessions: async_sessionmaker[AsyncSession]) -> FeedbackRepository:
    return FeedbackRepository(sessions)


def analysis(readiness: int | None) -> dict[str, Any]:
    indicators = {} if readiness is None else {"purchase_readiness": {"score": readiness}}
    return {"signals": [], "indicators": indicators, "next_moves": []}


async def add_turn(
    turns: InteractionRepository,
    session_id: str = S1,
    *,
    readiness: int | None = 40,
    minutes: int = 1,
    tenant: str = "acme",
):
    return await turns.add(
        tenant,
        session_id,
        text="Pyta o zasięg zimą.",
        analysis=analysis(readiness),
        rules_version="2026.12.1",
        shown_moves=MOVES,
        now=T0 + timedelta(minutes=minutes),
    )


# --- clients --------------------------------------------------------------------------------


async def test_client_create_when_alias_differs_only_in_case_or_spaces_then_conflict(clients):
    made = await clients.create("acme", "  Jan   Kowalski ", now=T0, contact={"phone": "600"})

    with pytest.raises(ConflictError):
        await clients.create("acme", "jan kowalski", now=T0)
    other_tenant = await clients.create("globex", "Jan Kowalski", now=T0)

    assert made.alias == "Jan Kowalski" and made.contact == {"phone": "600"}
    assert made.archived is False and made.created_at == T0 and made.notes == ""
    assert other_tenant.id != made.id
    assert await clients.get(made.id, "globex") is None


async def test_client_create_when_alias_blank_or_too_long_then_input_error_naming_alias(clients):
    for alias in ("   ", "x" * 81):
        with pytest.raises(InputValidationError) as refused:
            await clients.create("acme", alias, now=T0)
        assert refused.value.problems[0]["field"] == "alias"


async def test_client_search_when_substring_any_case_then_matches_polish_letters(clients):
    for alias in ("Łukasz z Wrocławia", "Pani Ewa", "Łucja 50%", "Marek"):
        await clients.create("acme", alias, now=T0)
    archived = await clients.create("acme", "Łukasz stary", now=T0)
    await clients.set_archived(archived.id, "acme", True, now=T0)
    await clients.create("globex", "Łukasz obcy", now=T0)

    found, total = await clients.search("acme", alias="łU")
    with_archived, _ = await clients.search("acme", alias="ŁUKASZ", include_archived=True)
    percent, _ = await clients.search("acme", alias="0%")
    wildcard, _ = await clients.search("acme", alias="_")
    page, all_total = await clients.search("acme", limit=2, offset=1)
    everyone, _ = await clients.search("acme")

    assert [c.alias for c in found] == ["Łucja 50%", "Łukasz z Wrocławia"] and total == 2
    assert [c.alias for c in with_archived] == ["Łukasz stary", "Łukasz z Wrocławia"]
    assert [c.alias for c in percent] == ["Łucja 50%"]
    assert wildcard == []  # "_" is a character here, not LIKE's "any one character"
    # By alias in the database's collation (where "Ł" sorts differs): pages follow that order.
    assert all_total == 4 and page == everyone[1:3]
    assert "Łukasz stary" not in [c.alias for c in everyone]


async def test_client_update_when_alias_taken_then_conflict_and_fields_set_otherwise(clients):
    first = await clients.create("acme", "Anna", now=T0)
    second = await clients.create("acme", "Beata", now=T0)
    later = T0 + timedelta(hours=1)

    with pytest.raises(ConflictError):
        await clients.update(second.id, "acme", now=later, alias="ANNA")
    changed = await clients.update(
        second.id, "acme", now=later, alias="Beata N.", notes="Leasing", contact={"email": "b@x.pl"}
    )

    assert changed.alias == "Beata N." and changed.notes == "Leasing"
    assert changed.contact == {"email": "b@x.pl"} and changed.updated_at == later
    assert changed.created_at == T0
    assert await clients.update(first.id, "globex", now=later, notes="x") is None
    with pytest.raises(TypeError, match="tenant"):
        await clients.update(first.id, "acme", now=later, tenant="globex")


async def test_client_get_or_create_when_alias_known_or_raced_then_one_client(clients):
    known = await clients.create("acme", "Pan Tomasz", now=T0)

    again = await clients.get_or_create_by_alias("acme", "pan  tomasz", T0)
    raced = await asyncio.gather(
        *(clients.get_or_create_by_alias("acme", "Nowy klient", T0) for _ in range(4))
    )

    assert again.id == known.id and again.alias == "Pan Tomasz"
    assert len({client.id for client in raced}) == 1
    assert (await clients.search("acme"))[1] == 2


async def test_client_delete_when_sessions_use_it_then_they_stay_without_client(clients, talks):
    client = await clients.create("acme", "Anna", now=T0)
    await talks.create("acme", S1, client.id, T0)

    assert await clients.delete(client.id, "globex") is False
    assert await clients.delete(client.id, "acme") is True

    assert await clients.get(client.id, "acme") is None
    session = await talks.get(S1, "acme")
    assert session is not None and session.client_id is None and session.client_alias is None


# --- sessions -------------------------------------------------------------------------------


async def test_session_create_when_client_foreign_or_id_taken_then_refused(clients, talks):
    foreign = await clients.create("globex", "Obcy", now=T0)
    own = await clients.create("acme", "Anna", now=T0)

    with pytest.raises(NotFoundError):
        await talks.create("acme", S1, foreign.id, T0)
    created = await talks.create("acme", S1, own.id, T0)
    with pytest.raises(ConflictError):
        await talks.create("acme", S1, None, T0)

    assert created.status == "active" and created.client_alias == "Anna"
    assert created.turns == 0 and created.memory_turn == 0 and created.deep_turn == 0
    assert created.key_facts == [] and created.outcome_data is None
    assert created.started_at == T0 == created.last_activity_at


async def test_session_ensure_when_missing_then_made_once_and_foreign_id_conflicts(talks):
    made = await talks.ensure("acme", S1, T0)
    again = await talks.ensure("acme", S1, T0 + timedelta(hours=1))

    with pytest.raises(ConflictError):
        await talks.ensure("globex", S1, T0)

    assert made == again and again.started_at == T0
    assert await talks.get(S1, "globex") is None


async def test_session_list_when_filtered_and_paged_then_latest_activity_first(
    clients, talks, turns
):
    anna = await clients.create("acme", "Anna", now=T0)
    await talks.create("acme", S1, anna.id, T0)
    await talks.create("acme", S2, None, T0 + timedelta(minutes=5))
    await talks.create("acme", "s-3", None, T0 + timedelta(minutes=2))
    await talks.create("globex", "s-other", None, T0 + timedelta(hours=2))
    await add_turn(turns, S1, readiness=72, minutes=30)  # S1 now has the latest activity
    await talks.conclude(
        "s-3", "acme", outcome="postponed", note=None, user="u", now=T0 + timedelta(minutes=3)
    )

    page, total = await talks.list("acme", limit=2)
    rest, _ = await talks.list("acme", limit=2, offset=2)
    closed, closed_total = await talks.list("acme", status="closed")
    of_anna, _ = await talks.list("acme", client_id=anna.id)

    assert total == 3 and [s.id for s in page] == [S1, S2] and [s.id for s in rest] == ["s-3"]
    assert page[0].client_alias == "Anna" and page[0].latest_readiness == 72
    assert page[0].turns == 1 and page[1].client_alias is None
    assert closed_total == 1 and [s.id for s in closed] == ["s-3"]
    assert [s.id for s in of_anna] == [S1]


async def test_session_conclude_when_twice_then_conflict_until_reopened(talks):
    await talks.create("acme", S1, None, T0)
    at = T0 + timedelta(minutes=20)

    closed = await talks.conclude(
        S1, "acme", outcome="purchased", note="Zamówił wersję AWD.", user="editor-key", now=at
    )
    with pytest.raises(ConflictError) as twice:
        await talks.conclude(S1, "acme", outcome="postponed", note=None, user="x", now=at)
    reopened = await talks.reopen(S1, "acme", now=at + timedelta(minutes=1))
    with pytest.raises(ConflictError):
        await talks.reopen(S1, "acme", now=at)

    assert closed.status == "closed" and closed.last_activity_at == at
    assert closed.outcome_data == {
        "outcome": "purchased",
        "note": "Zamówił wersję AWD.",
        "concluded_at": at.isoformat(),
        "concluded_by": "editor-key",
    }
    assert twice.value.details == {"status": "closed"}
    assert (await talks.get(S1, "acme")).status == "active"
    assert reopened.status == "active" and reopened.outcome_data is None
    foreign = await talks.conclude(S1, "globex", outcome="postponed", note=None, user="x", now=at)
    assert foreign is None
    assert await talks.reopen("nope", "acme", now=at) is None
    with pytest.raises(InputValidationError) as bad:
        await talks.conclude(S1, "acme", outcome="won", note=None, user="x", now=at)
    assert bad.value.problems[0]["field"] == "outcome"


async def test_session_set_deep_and_memory_when_older_turn_arrives_late_then_kept_newer(talks):
    await talks.create("acme", S1, None, T0)

    wrote_3 = await talks.set_deep(S1, "acme", turn=3, deep={"turn": 3})
    wrote_2 = await talks.set_deep(S1, "acme", turn=2, deep={"turn": 2})
    rewrote_3 = await talks.set_deep(S1, "acme", turn=3, deep={"turn": 3, "again": True})
    memory_4 = await talks.set_memory(
        S1, "acme", summary="Rodzina, dwa foteliki.", key_facts=["dwoje dzieci"], memory_turn=4
    )
    memory_1 = await talks.set_memory(S1, "acme", summary="stare", key_facts=[], memory_turn=1)
    foreign = await talks.set_deep(S1, "globex", turn=9, deep={})

    stored = await talks.get(S1, "acme")
    assert [wrote_3, wrote_2, rewrote_3, foreign] == [True, False, True, False]
    assert [memory_4, memory_1] == [True, False]
    assert stored.deep_analysis == {"turn": 3, "again": True} and stored.deep_turn == 3
    assert stored.summary == "Rodzina, dwa foteliki." and stored.key_facts == ["dwoje dzieci"]
    assert stored.memory_turn == 4


async def test_session_delete_when_own_then_turns_and_feedback_go_too(talks, turns, feedback):
    await talks.create("acme", S1, None, T0)
    await talks.create("acme", S2, None, T0)
    doomed = await add_turn(turns, S1)
    kept = await add_turn(turns, S2)
    await feedback.put(
        "acme", doomed.id, user="u", suggestion_id=MOVES[0], rating=1, comment=None, now=T0
    )
    await feedback.put(
        "acme", kept.id, user="u", suggestion_id=MOVES[0], rating=1, comment=None, now=T0
    )

    assert await talks.delete(S1, "globex") is False
    assert await talks.delete(S1, "acme") is True

    assert await talks.get(S1, "acme") is None and await turns.get(doomed.id, "acme") is None
    assert await feedback.for_interaction(doomed.id, "acme") == []
    assert len(await feedback.for_session(S2, "acme")) == 1
    assert await talks.delete(S1, "acme") is False


# --- interactions ---------------------------------------------------------------------------


async def test_interaction_add_when_turns_follow_then_numbered_and_session_moved(talks, turns):
    await talks.create("acme", S1, None, T0)

    first = await add_turn(turns, readiness=40, minutes=1)
    second = await add_turn(turns, readiness=None, minutes=2)  # no readiness: keep the last
    third = await add_turn(turns, readiness=65, minutes=3)

    session = await talks.get(S1, "acme")
    assert [first.turn, second.turn, third.turn] == [1, 2, 3]
    assert first.shown_moves == MOVES and first.rules_version == "2026.12.1"
    assert session.turns == 3 and session.latest_readiness == 65
    assert session.last_activity_at == T0 + timedelta(minutes=3)
    assert [t.turn for t in await turns.for_session(S1, "acme")] == [1, 2, 3]
    assert await turns.for_session(S1, "globex") == []
    assert (await turns.get(second.id, "acme")).analysis == analysis(None)
    assert await turns.get(second.id, "globex") is None


async def test_interaction_add_when_concurrent_then_distinct_consecutive_turns(talks, turns):
    await talks.create("acme", S1, None, T0)

    added = await asyncio.gather(*(add_turn(turns, readiness=50 + i) for i in range(5)))

    assert sorted(t.turn for t in added) == [1, 2, 3, 4, 5]
    session = await talks.get(S1, "acme")
    last = next(t for t in added if t.turn == 5)
    assert session.turns == 5
    assert session.latest_readiness == last.analysis["indicators"]["purchase_readiness"]["score"]


async def test_interaction_add_when_session_closed_or_foreign_then_refused(talks, turns):
    await talks.create("acme", S1, None, T0)
    await talks.conclude(S1, "acme", outcome="not_purchased", note=None, user="u", now=T0)

    with pytest.raises(ConflictError) as closed:
        await add_turn(turns)
    with pytest.raises(NotFoundError):
        await add_turn(turns, tenant="globex")
    with pytest.raises(NotFoundError):
        await add_turn(turns, "missing")

    assert closed.value.details == {"status": "closed"}
    assert (await talks.get(S1, "acme")).turns == 0


async def test_interaction_add_shown_when_more_moves_shown_then_appended_once_in_order(
    talks, turns
):
    await talks.create("acme", S1, None, T0)
    shown = await add_turn(turns)

    await asyncio.gather(
        turns.add_shown(shown.id, "acme", ["M-extra-1", MOVES[0]]),
        turns.add_shown(shown.id, "acme", ["M-extra-2"]),
    )

    stored = (await turns.get(shown.id, "acme")).shown_moves
    assert stored[:4] == MOVES and sorted(stored[4:]) == ["M-extra-1", "M-extra-2"]
    assert await turns.add_shown(shown.id, "globex", ["M-x"]) is None


# --- feedback -------------------------------------------------------------------------------


async def test_feedback_put_when_rated_again_then_replaced_not_added(talks, turns, feedback):
    await talks.create("acme", S1, None, T0)
    shown = await add_turn(turns)
    later = T0 + timedelta(minutes=5)

    first, created = await feedback.put(
        "acme", shown.id, user="ola", suggestion_id=MOVES[1], rating=1, comment="Trafne", now=T0
    )
    second, created_again = await feedback.put(
        "acme", shown.id, user="ola", suggestion_id=MOVES[1], rating=-1, comment=None, now=later
    )
    _, other_user = await feedback.put(
        "acme", shown.id, user="piotr", suggestion_id=MOVES[1], rating=1, comment=None, now=T0
    )

    assert created is True and created_again is False and other_user is True
    assert second.id == first.id and second.rating == -1 and second.comment is None
    assert second.created_at == T0 and second.updated_at == later
    stored = await feedback.for_session(S1, "acme")
    assert [(f.user_id, f.rating) for f in stored] == [("ola", -1), ("piotr", 1)]
    assert await feedback.for_session(S1, "globex") == []


async def test_feedback_put_when_suggestion_not_shown_or_rating_bad_then_input_error(
    talks, turns, feedback
):
    await talks.create("acme", S1, None, T0)
    shown = await add_turn(turns)

    with pytest.raises(InputValidationError) as unknown:
        await feedback.put(
            "acme", shown.id, user="u", suggestion_id="M-nope", rating=1, comment=None, now=T0
        )
    with pytest.raises(InputValidationError) as zero:
        await feedback.put(
            "acme", shown.id, user="u", suggestion_id=MOVES[0], rating=0, comment=None, now=T0
        )
    with pytest.raises(NotFoundError):
        await feedback.put(
            "globex", shown.id, user="u", suggestion_id=MOVES[0], rating=1, comment=None, now=T0
        )

    [problem] = unknown.value.problems
    assert problem["field"] == "suggestion_id" and all(m in problem["message"] for m in MOVES)
    assert zero.value.problems[0]["field"] == "rating"
    assert await feedback.for_interaction(shown.id, "acme") == []


# --- migration ------------------------------------------------------------------------------


def test_migration_0006_when_applied_then_matches_models_and_downgrades(db_settings: Settings):
    upgrade(db_settings)
    engine = create_engine(sync_url(db_settings))
    try:
        with engine.connect() as conn:
            created = set(engine.dialect.get_table_names(conn)) & TABLES
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = [d for d in compare_metadata(context, Base.metadata) if _touches(d)]
        command.downgrade(alembic_config(db_settings), "0005")
        with engine.connect() as conn:
            left = set(engine.dialect.get_table_names(conn)) & TABLES
        upgrade(db_settings)
    finally:
        engine.dispose()
    assert created == TABLES
    assert drift == []
    assert left == set()


def _touches(diff: Any) -> bool:
    """Whether an autogenerate diff entry concerns one of the sales tables."""
    return any(table in repr(diff) for table in TABLES)
