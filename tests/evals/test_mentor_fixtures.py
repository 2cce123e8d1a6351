"""The mentor eval's data: stored through the repositories, read back tenant-scoped, and the
questions about it valid and answerable from it.

The facts a question expects must be in the rows it names (read back from the database), so
a typo in questions.json or stale frozen data fails here instead of silently lowering a score.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from evals.mentor.fixtures import KINDS, Fixtures, store_fixtures
from store.focus_groups import FocusGroupRepository
from store.kpi_snapshots import KpiSnapshotRepository
from store.personas import PersonaRepository
from store.sales_next_move.interactions import InteractionRepository
from store.sales_next_move.sessions import SessionRepository
from tools.mentor.language import polish_score
from tools.mentor.numbers import grounded, numbers_in

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "mentor" / "questions.json"
UUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
# Words a good answer translates from a stored code (session "active", sentiment "negative"):
# in no row, so not looked for there.
TRANSLATED = {"otwart|aktywn|w toku|niezamknięt|nie zamknięt", "negatywn|na minus"}


@pytest.fixture
async def stored(sessions: async_sessionmaker[AsyncSession]) -> Fixtures:
    return await store_fixtures(sessions, now=NOW)


def _questions() -> list[dict[str, Any]]:
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]


async def _read(sessions: async_sessionmaker[AsyncSession], tenant: str, kind: str, rid: str):
    """The tenant's row(s) of one result as the store returns them (None: not found)."""
    if kind == "persona":
        found = await PersonaRepository(sessions).get(rid, tenant)
        return None if found is None else asdict(found)
    if kind == "focus_group":
        repo = FocusGroupRepository(sessions)
        found = await repo.get(rid, tenant)
        answers, _ = await repo.answers(rid, tenant)
        return None if found is None else {**asdict(found), "answers": answers}
    if kind == "kpi":
        personas, _ = await PersonaRepository(sessions).list(tenant, limit=100)
        carried = [p.kpi_snapshot for p in personas if (p.kpi_snapshot or {}).get("key") == rid]
        return carried[0] if carried else None
    found = await SessionRepository(sessions).get(rid, tenant)
    turns = await InteractionRepository(sessions).for_session(rid, tenant)
    return None if found is None else {**asdict(found), "turns": [asdict(t) for t in turns]}


async def _corpus(sessions, stored: Fixtures, tenant: str, refs: list[tuple[str, str]]) -> str:
    rows = [await _read(sessions, tenant, kind, rid) for kind, rid in refs]
    assert all(row is not None for row in rows)
    return json.dumps(rows, ensure_ascii=False, default=str)


def _refs(stored: Fixtures, question: dict[str, Any]) -> list[tuple[str, str]]:
    if question["ids"]:
        return [(stored.kind_of(rid)[1], rid) for rid in question["ids"]]
    return [(kind, rid) for kind in question["kinds"] for rid in stored.ids["acme"][kind].values()]


async def test_store_when_fresh_db_then_acme_lists_its_four_personas_two_with_kpis(
    sessions, stored
):
    personas = PersonaRepository(sessions)

    listed, total = await personas.list("acme")
    everyone, with_deleted = await personas.list("acme", include_deleted=True, limit=100)

    assert total == 4
    assert {p.id for p in listed} == set(stored.ids["acme"]["persona"].values())
    assert with_deleted == 4 + len(stored.deleted_personas["acme"]) == 12
    carried = {p.kpi_snapshot["key"]: p for p in listed if p.kpi_snapshot}
    assert set(carried) == set(stored.ids["acme"]["kpi"].values())
    segments = {p.segment_id for p in carried.values()}
    assert len(segments) == 1  # the two KPI personas share a segment
    nps = sorted(p.kpi_snapshot["benchmarks"]["nps_score"]["direction"] for p in carried.values())
    assert nps == ["above", "below"]
    for persona in carried.values():
        cached = await KpiSnapshotRepository(sessions).latest(persona.kpi_snapshot["key"])
        assert cached is not None and cached.result == persona.kpi_snapshot
        assert persona.kpi_snapshot_at == datetime.fromisoformat(cached.result["computed_at"])


async def test_store_when_rival_asks_for_acme_ids_then_nothing_is_found(sessions, stored):
    for kind in KINDS:
        for tenant, other in (("acme", "rival"), ("rival", "acme")):
            for rid in stored.ids[tenant][kind].values():
                assert await _read(sessions, other, kind, rid) is None, (kind, rid)
                assert await _read(sessions, tenant, kind, rid) is not None, (kind, rid)
    for pid in stored.deleted_personas["acme"]:
        assert await PersonaRepository(sessions).get(pid, "acme") is None
    groups, total = await FocusGroupRepository(sessions).list("rival")
    assert total == 1 and groups[0].id not in stored.ids["acme"]["focus_group"].values()


async def test_store_when_read_back_then_focus_group_reports_match_their_stored_answers(
    sessions, stored
):
    repo = FocusGroupRepository(sessions)
    for tenant in ("acme", "rival"):
        for fg_id in stored.ids[tenant]["focus_group"].values():
            group = await repo.get(fg_id, tenant)
            answers, total = await repo.answers(fg_id, tenant)
            report = group.report
            assert (
                total == report["cells"]["total"] == len(group.persona_ids) * len(group.questions)
            )
            failed = [a for a in answers if a["status"] == "failed"]
            assert len(failed) == report["cells"]["failed"]
            assert (group.status == "partial") == bool(failed)
            for block in report["questions"]:
                mine = [
                    a["answer"]
                    for a in answers
                    if a["question_id"] == block["id"] and a["status"] == "answered"
                ]
                assert block["n"] == len(mine)
                if block["type"] == "likert":
                    counts = Counter(str(a["point"]) for a in mine)
                    assert {k: v for k, v in block["distribution"]["counts"].items() if v} == (
                        dict(counts)
                    )
                elif block["type"] == "single_choice":
                    counts = Counter(a["option"] for a in mine)
                    assert block["distribution"]["counts"] == dict(counts)
                elif block["type"] == "numeric":
                    assert block["distribution"]["mean"] == pytest.approx(
                        mean(a["value"] for a in mine)
                    )
                else:
                    themed = [i for t in block["themes"] for i in t["answer_ids"]]
                    texts = {a["id"]: a["text"] for a in answers}
                    assert all(
                        t["quote"]["text"] == texts[t["quote"]["answer_id"]]
                        for t in block["themes"]
                    )
                    assert len(themed) == len(set(themed)) <= block["n"]


async def test_store_when_read_back_then_sessions_hold_outcomes_turns_and_readiness(
    sessions, stored
):
    repo, turns = SessionRepository(sessions), InteractionRepository(sessions)

    listed, total = await repo.list("acme")

    assert total == 6
    records = [await repo.get(s.id, "acme") for s in listed]
    outcomes = Counter((r.outcome_data or {}).get("outcome") for r in records)
    assert outcomes == Counter(
        {"purchased": 3, "lost_to_competitor": 1, "not_purchased": 1, None: 1}
    )
    assert listed[0].status == "active"  # the open session is the latest activity
    for summary in listed:
        stored_turns = await turns.for_session(summary.id, "acme")
        assert [t.turn for t in stored_turns] == list(range(1, summary.turns + 1))
        assert 2 <= summary.turns <= 4
        last = stored_turns[-1].analysis
        assert summary.latest_readiness == last["indicators"]["purchase_readiness"]["score"]
        assert stored_turns[-1].shown_moves == [m["id"] for m in last["next_moves"]]
        assert last["archetype"]["primary"]
    _, rival_total = await repo.list("rival")
    assert rival_total == 2


def test_questions_when_loaded_then_twenty_for_acme_and_three_isolation_in_polish():
    questions = _questions()
    own = [q for q in questions if q.get("tenant", "acme") == "acme"]
    isolation = [q for q in questions if q.get("tenant") == "rival"]

    assert len(own) == 20 and len(isolation) == 3
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert set(q["kinds"]) <= set(KINDS) and q["kinds"], q["id"]
        assert polish_score(q["question"]).is_polish, q["id"]
    for q in own:
        assert q["expects"] and "must_not_contain" not in q, q["id"]
    for q in isolation:
        assert q["ids"] and q["must_not_contain"] and not q["expects"], q["id"]
    named = [q for q in own if UUID.search(q["question"])]
    assert 2 <= len(named) <= 4
    assert any(not q["ids"] for q in own)  # "my latest ..." names no result


async def test_questions_when_ids_resolved_then_each_is_an_acme_result_of_its_kind(stored):
    for q in _questions():
        for rid in q["ids"]:
            found = stored.kind_of(rid)
            assert found is not None, (q["id"], rid)
            tenant, kind = found
            assert tenant == "acme" and kind in q["kinds"], (q["id"], rid)
        for rid in UUID.findall(q["question"]):
            assert rid in q["ids"], (q["id"], rid)


def _present(text: str, corpus: str) -> bool:
    """Numbers by value (a row's 0.118 is "11,8%"), words as case-blind substrings."""
    if numbers_in(text):
        return grounded(text, corpus).ok
    return text.casefold() in corpus.casefold()


def _satisfied(item: str, corpus: str) -> bool:
    """An expected item holds when any of its "|"-separated alternatives is present."""
    return any(_present(alternative, corpus) for alternative in item.split("|"))


async def test_questions_when_expects_checked_then_each_is_in_the_rows_the_question_names(
    sessions, stored
):
    missing = []
    for q in _questions():
        if q.get("tenant") == "rival":
            continue
        corpus = await _corpus(sessions, stored, "acme", _refs(stored, q))
        missing += [
            (q["id"], item)
            for item in q["expects"]
            if item not in TRANSLATED and not _satisfied(item, corpus)
        ]
    assert missing == []


async def test_questions_when_isolation_checked_then_forbidden_facts_are_acme_only(
    sessions, stored
):
    rival = await _corpus(
        sessions,
        stored,
        "rival",
        [(kind, rid) for kind in KINDS for rid in stored.ids["rival"][kind].values()],
    )
    for q in (q for q in _questions() if q.get("tenant") == "rival"):
        acme = await _corpus(sessions, stored, "acme", _refs(stored, q))
        for text in q["must_not_contain"]:
            assert _present(text, acme), (q["id"], text)
            assert not _present(text, rival), (q["id"], text)
            assert not _present(text, q["question"]), (q["id"], text)
