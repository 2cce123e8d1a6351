"""Focus-group storage on SQLite and PostgreSQL: focus groups, answers written with group
commit, reads in setup order, cascading deletes, persona lookups, and migration 0005."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.persona_generation.factory import RUN_ID, make_persona
from sight.errors import InputValidationError
from sight.settings import Settings
from store.db import sync_url
from store.focus_group_answers import AnswerWriter
from store.focus_groups import FocusGroupRepository
from store.migrate import alembic_config, upgrade
from store.models import Base
from store.persona_lookup import PersonaLookup
from store.personas import PersonaRepository

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
PERSONAS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"p{i}")) for i in range(3)]
QUESTIONS = [
    {"id": "q_price", "text": "Ile zapłacisz?", "type": "numeric", "min": 0, "max": 100},
    {"id": "a_like", "text": "Jak bardzo lubisz?", "type": "likert", "scale": 5},
]


@pytest.fixture
def groups(sessions: async_sessionmaker[AsyncSession]) -> FocusGroupRepository:
    return FocusGroupRepository(sessions)


@pytest.fixture
async def writer(sessions: async_sessionmaker[AsyncSession]):
    answers = AnswerWriter(sessions)
    yield answers
    await answers.close()


def focus_group(fg_id: str = "fg-1", tenant: str = "acme", **overrides: Any) -> dict[str, Any]:
    record = {
        "id": fg_id,
        "tenant": tenant,
        "status": "running",
        "mode": "survey",
        "request": {"personas": PERSONAS, "questions": QUESTIONS},
        "persona_ids": PERSONAS,
        "questions": QUESTIONS,
        "budget": {"max_usd": 2.0},
        "estimate": {"tokens": 9000, "usd": 0.4},
    }
    return record | overrides


def answer(
    fg_id: str, persona_id: str, question_id: str, rnd: int = 0, **overrides: Any
) -> dict[str, Any]:
    cell_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{fg_id}/{persona_id}/{question_id}/{rnd}")
    record = {
        "id": str(cell_id),
        "focus_group_id": fg_id,
        "persona_id": persona_id,
        "question_id": question_id,
        "round": rnd,
        "status": "answered",
        "answer": {"point": 4, "reason": "Bo tak."},
        "text": "Bo tak.",
        "checks": [],
        "model": "fake/model",
        "tokens_in": 100,
        "tokens_out": 20,
        "cost_usd": 0.001,
        "created_at": T0,
    }
    return record | overrides


# --- focus groups ---------------------------------------------------------------------------


async def test_create_when_id_exists_then_no_op_and_first_record_kept(groups):
    assert await groups.create(focus_group(), now=T0) is True
    assert await groups.create(focus_group(mode="discussion"), now=T0 + timedelta(1)) is False

    stored = await groups.get("fg-1", "acme")
    assert stored is not None and stored.mode == "survey" and stored.created_at == T0
    assert stored.spend == {} and stored.report is None
    assert stored.questions == QUESTIONS and stored.persona_ids == PERSONAS


async def test_create_when_field_missing_or_status_unknown_then_input_error(groups):
    with pytest.raises(InputValidationError) as missing:
        await groups.create(focus_group(questions=None), now=T0)
    with pytest.raises(InputValidationError):
        await groups.create(focus_group(status="done"), now=T0)

    assert missing.value.problems[0]["field"] == "focus_group.questions"
    assert (await groups.list("acme"))[1] == 0


async def test_get_when_other_tenant_then_none_and_report_loaded_only_when_asked(groups):
    await groups.create(focus_group(report={"focus_group_id": "fg-1"}), now=T0)

    assert await groups.get("fg-1", "globex") is None
    assert (await groups.get("fg-1", "acme")).report == {"focus_group_id": "fg-1"}
    assert (await groups.get("fg-1", "acme", with_report=False)).report is None


async def test_list_when_paged_and_filtered_then_newest_first_with_total(groups):
    for i in range(5):
        status = "completed" if i % 2 else "estimated"
        record = focus_group(f"fg-{i}", status=status, report={"n": i})
        await groups.create(record, now=T0 + timedelta(minutes=i))
    await groups.create(focus_group("fg-other", tenant="globex"), now=T0)

    page, total = await groups.list("acme", limit=2, offset=1)
    completed, done_total = await groups.list("acme", status="completed")

    assert total == 5 and [g.id for g in page] == ["fg-3", "fg-2"]
    assert all(g.report is None for g in page)
    assert done_total == 2 and [g.id for g in completed] == ["fg-3", "fg-1"]


async def test_update_when_fields_given_then_set_with_updated_at_and_tenant_checked(groups):
    await groups.create(focus_group(), now=T0)
    later = T0 + timedelta(minutes=3)

    updated = await groups.update(
        "fg-1",
        "acme",
        now=later,
        status="completed",
        spend={"tokens": 800, "usd": 0.02},
        report={"focus_group_id": "fg-1"},
        finished_at=later,
    )

    assert updated is not None and updated.status == "completed"
    assert updated.updated_at == later and updated.finished_at == later
    stored = await groups.get("fg-1", "acme")
    assert stored.spend == {"tokens": 800, "usd": 0.02} and stored.created_at == T0
    assert await groups.update("fg-1", "globex", now=later, status="failed") is None
    with pytest.raises(TypeError, match="questions"):
        await groups.update("fg-1", "acme", now=later, questions=[])
    with pytest.raises(InputValidationError):
        await groups.update("fg-1", "acme", now=later, status="done")


async def test_delete_when_own_focus_group_then_answers_go_too(groups, writer):
    await groups.create(focus_group(), now=T0)
    await groups.create(focus_group("fg-2"), now=T0)
    await writer.write(answer("fg-1", PERSONAS[0], "q_price"))
    await writer.write(answer("fg-2", PERSONAS[0], "q_price"))

    assert await groups.delete("fg-1", "globex") is False
    assert await groups.delete("fg-1", "acme") is True

    assert await groups.get("fg-1", "acme") is None
    assert await groups.cells("fg-1") == {}
    assert len(await groups.cells("fg-2")) == 1
    assert await groups.delete("fg-1", "acme") is False


# --- answers --------------------------------------------------------------------------------


async def test_answers_when_read_then_setup_order_filters_pages_and_contract_shape(groups, writer):
    await groups.create(focus_group(), now=T0)
    # Written in reverse: the order read back is the setup's, not the ids' or the writes'.
    cells = [(p, q["id"]) for q in reversed(QUESTIONS) for p in reversed(PERSONAS)]
    failed = (PERSONAS[1], "a_like")
    await asyncio.gather(
        *(
            writer.write(answer("fg-1", p, q, **({"status": "failed"} if (p, q) == failed else {})))
            for p, q in cells
        )
    )

    rows, total = await groups.answers("fg-1", "acme")
    page, _ = await groups.answers("fg-1", "acme", limit=2, offset=3)
    answered, answered_total = await groups.answers("fg-1", "acme", status="answered")
    one, one_total = await groups.answers(
        "fg-1", "acme", persona_id=PERSONAS[2], question_id="a_like"
    )

    assert total == 6
    assert [(r["question_id"], r["persona_id"]) for r in rows] == [
        (q["id"], p) for q in QUESTIONS for p in PERSONAS
    ]
    assert [r["id"] for r in page] == [r["id"] for r in rows[3:5]]
    assert answered_total == 5 and all(r["status"] == "answered" for r in answered)
    assert one_total == 1 and one[0]["answer"] == {"point": 4, "reason": "Bo tak."}
    assert set(one[0]) == {
        "id", "focus_group_id", "persona_id", "question_id", "round", "status", "answer",
        "text", "sentiment", "checks", "error", "model", "tokens_in", "tokens_out",
        "cost_usd", "attempts", "created_at", "updated_at",
    }  # fmt: skip
    assert datetime.fromisoformat(one[0]["created_at"]) == T0
    assert await groups.answers("fg-1", "globex") == ([], 0)


async def test_answers_when_discussion_rounds_then_round_order_within_question(groups, writer):
    await groups.create(focus_group(mode="discussion"), now=T0)
    for rnd in (1, 0):
        for persona in PERSONAS[:2]:
            await writer.write(answer("fg-1", persona, "a_like", rnd))

    rows, _ = await groups.answers("fg-1", "acme")

    assert [(r["round"], r["persona_id"]) for r in rows] == [
        (0, PERSONAS[0]), (0, PERSONAS[1]), (1, PERSONAS[0]), (1, PERSONAS[1])
    ]  # fmt: skip


async def test_cells_when_resuming_then_every_row_keyed_by_cell(groups, writer):
    await groups.create(focus_group(), now=T0)
    await writer.write(answer("fg-1", PERSONAS[0], "q_price"))
    await writer.write(answer("fg-1", PERSONAS[1], "q_price", status="skipped_budget"))

    cells = await groups.cells("fg-1")

    assert set(cells) == {(PERSONAS[0], "q_price", 0), (PERSONAS[1], "q_price", 0)}
    assert cells[(PERSONAS[1], "q_price", 0)]["status"] == "skipped_budget"


async def test_set_sentiments_when_given_by_answer_id_then_only_those_rows_change(groups, writer):
    await groups.create(focus_group(), now=T0)
    await groups.create(focus_group("fg-2"), now=T0)
    first = answer("fg-1", PERSONAS[0], "a_like")
    other = answer("fg-2", PERSONAS[0], "a_like")
    await writer.write(first)
    await writer.write(answer("fg-1", PERSONAS[1], "a_like"))
    await writer.write(other)
    positive = {"label": "positive", "score": 0.5, "method": "lexicon"}

    await groups.set_sentiments("fg-1", {first["id"]: positive, other["id"]: positive})

    cells = await groups.cells("fg-1")
    assert cells[(PERSONAS[0], "a_like", 0)]["sentiment"] == positive
    assert cells[(PERSONAS[1], "a_like", 0)]["sentiment"] is None
    assert (await groups.cells("fg-2"))[(PERSONAS[0], "a_like", 0)]["sentiment"] is None


# --- group commit ---------------------------------------------------------------------------


async def test_write_when_100_at_once_then_one_transaction_and_every_row_stored(groups, writer):
    await groups.create(focus_group(), now=T0)
    rows = [answer("fg-1", f"persona-{i}", "q_price") for i in range(100)]

    written = await asyncio.gather(*(writer.write(row) for row in rows))

    assert written == [True] * 100
    assert writer.commits == 1 and writer.rows == 100
    assert len(await groups.cells("fg-1")) == 100


async def test_write_when_100_arrive_over_time_then_far_fewer_commits(groups, writer):
    await groups.create(focus_group(), now=T0)

    async def arrive(i: int) -> bool:
        await asyncio.sleep((i % 10) * 0.002)
        return await writer.write(answer("fg-1", f"persona-{i}", "q_price"))

    assert all(await asyncio.gather(*(arrive(i) for i in range(100))))
    assert writer.commits <= 25 and writer.rows == 100
    assert len(await groups.cells("fg-1")) == 100


async def test_write_when_cell_answered_then_never_overwritten(groups, writer):
    await groups.create(focus_group(), now=T0)
    cell = ("fg-1", PERSONAS[0], "q_price")
    await writer.write(answer(*cell, answer={"value": 10}))

    replaced = await writer.write(answer(*cell, status="failed", answer=None))

    stored = (await groups.cells("fg-1"))[(PERSONAS[0], "q_price", 0)]
    assert replaced is False
    assert stored["status"] == "answered" and stored["answer"] == {"value": 10}


async def test_write_when_cell_failed_then_replaced_and_created_at_kept(groups, writer):
    await groups.create(focus_group(), now=T0)
    cell = ("fg-1", PERSONAS[0], "q_price")
    error = {"code": "model_error", "message": "timeout"}
    await writer.write(answer(*cell, status="failed", answer=None, error=error))

    later = T0 + timedelta(minutes=5)
    replaced = await writer.write(answer(*cell, answer={"value": 7}, created_at=later))

    stored = (await groups.cells("fg-1"))[(PERSONAS[0], "q_price", 0)]
    assert replaced is True
    assert stored["status"] == "answered" and stored["answer"] == {"value": 7}
    assert stored["error"] is None and datetime.fromisoformat(stored["created_at"]) == T0


async def test_write_when_one_batch_holds_a_cell_twice_then_answered_wins(groups, writer):
    await groups.create(focus_group(), now=T0)
    cell = ("fg-1", PERSONAS[0], "q_price")

    await asyncio.gather(
        writer.write(answer(*cell, answer={"value": 3})),
        writer.write(answer(*cell, status="failed", answer=None)),
    )

    assert writer.commits == 1
    assert (await groups.cells("fg-1"))[(PERSONAS[0], "q_price", 0)]["answer"] == {"value": 3}


async def test_write_when_transaction_fails_then_every_writer_in_it_raises(groups, writer):
    await groups.create(focus_group(), now=T0)

    results = await asyncio.gather(
        writer.write(answer("fg-1", PERSONAS[0], "q_price")),
        writer.write(answer("no-such-focus-group", PERSONAS[0], "q_price")),
        return_exceptions=True,
    )

    assert all(isinstance(r, IntegrityError) for r in results), results
    assert await groups.cells("fg-1") == {}
    # The next transaction is a fresh one.
    assert await writer.write(answer("fg-1", PERSONAS[1], "q_price")) is True


async def test_write_when_record_incomplete_then_refused_before_any_transaction(writer):
    with pytest.raises(InputValidationError) as caught:
        await writer.write(answer("fg-1", PERSONAS[0], "q_price", status="maybe", round=None))

    fields = {p["field"].rsplit(".", 1)[1] for p in caught.value.problems}
    assert fields == {"round", "status"} and writer.commits == 0


async def test_close_when_writes_queued_then_committed_and_later_writes_refused(groups, writer):
    await groups.create(focus_group(), now=T0)
    pending = [asyncio.ensure_future(writer.write(answer("fg-1", p, "q_price"))) for p in PERSONAS]
    await asyncio.sleep(0)

    await writer.close()

    assert all(task.done() and task.result() for task in pending)
    assert len(await groups.cells("fg-1")) == 3
    with pytest.raises(RuntimeError, match="closed"):
        await writer.write(answer("fg-1", PERSONAS[0], "a_like"))


# --- persona lookups ------------------------------------------------------------------------


async def test_persona_lookup_when_deleted_or_other_tenant_then_not_owned(sessions):
    personas = PersonaRepository(sessions)
    ids = await personas.add_many(
        [make_persona(i) for i in range(3)], report=None, run_id=RUN_ID, tenant="acme", now=T0
    )
    await personas.soft_delete(ids[2], "acme", by="admin", reason="test_data", detail=None, now=T0)
    lookup = PersonaLookup(sessions)

    foreign = await lookup.persona_profiles("globex", ids)
    profiles = await lookup.persona_profiles("acme", [*ids, "unknown"])
    with_deleted = await lookup.persona_profiles("acme", ids, include_deleted=True)

    assert foreign == {}
    assert set(profiles) == set(ids[:2]) and set(with_deleted) == set(ids)
    profile = profiles[ids[0]]
    assert profile["persona_id"] == ids[0] and profile["segment_name"] == "Młodzi profesjonaliści"
    assert profile["age"] == 29 and profile["big_five"]["openness"] == 0.72
    assert "embedding" not in profile and "hofstede" not in profile


# --- migration ------------------------------------------------------------------------------


def test_migration_0005_when_applied_then_matches_models_and_downgrades(db_settings: Settings):
    upgrade(db_settings)
    engine = create_engine(sync_url(db_settings))
    tables = {"focus_groups", "focus_group_answers"}
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = [
                d for d in compare_metadata(context, Base.metadata) if tables & _tables_named(d)
            ]
        command.downgrade(alembic_config(db_settings), "0004")
        with engine.connect() as conn:
            left = set(engine.dialect.get_table_names(conn)) & tables
        upgrade(db_settings)
    finally:
        engine.dispose()
    assert drift == []
    assert left == set()


def _tables_named(diff: Any) -> set[str]:
    """Names of the tables an autogenerate diff entry touches."""
    found: set[str] = set()
    for part in diff if isinstance(diff, list) else [diff]:
        for item in part if isinstance(part, tuple) else ():
            table = getattr(item, "table", item)
            name = getattr(table, "name", None) or (item if isinstance(item, str) else None)
            if name:
                found.add(name)
    return found


async def test_claim_rerun_when_two_runs_race_then_one_wins_and_a_resumed_one_reclaims(groups):
    await groups.create(focus_group("fg-r", status="partial"), now=T0)

    first, second = await asyncio.gather(
        groups.claim_rerun("fg-r", "acme", run_id="run-a", now=T0),
        groups.claim_rerun("fg-r", "acme", run_id="run-b", now=T0),
    )
    winner = "run-a" if first else "run-b"

    assert sorted([first, second]) == [False, True]
    assert await groups.claim_rerun("fg-r", "acme", run_id=winner, now=T0)
    assert not await groups.claim_rerun("fg-r", "globex", run_id="run-c", now=T0)
    assert (await groups.get("fg-r", "acme")).run_id == winner
