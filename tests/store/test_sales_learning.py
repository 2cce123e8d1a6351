"""What the Dojo reads on SQLite and PostgreSQL: a tenant's concluded sessions with their
turns in order, and ratings joined with what the turn's analysis said of the rated move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.sales_next_move import FeedbackRepository, InteractionRepository, SessionRepository
from store.sales_next_move.learning import concluded_sessions, feedback_rows
from tools.ai_dojo.candidates import candidates
from tools.ai_dojo.session_facts import session_facts

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TCO = {
    "id": "M-A-tco-02",
    "kind": "argument",
    "text": "Przygotuj wstępną wycenę OC i AC.",
    "provenance": {"knowledge": ["module.tco.ubezpieczenie"]},
}
QUESTION = {"id": "M-Q-ogolne-01", "kind": "question", "text": "Zapytaj o obecne auto."}
RULE = {"id": "rule.analityk.tco", "kind": "action", "text": "Zacznij od TCO."}


def analysis(turn: int, *moves: dict[str, Any], signals: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "turn": turn,
        "archetype": {"primary": "pragmatyczny_analityk"},
        "signals": [{"id": s, "evidence": s, "source": "rules"} for s in signals],
        "modules": [{"module": "tco"}],
        "objections": [],
        "meta_rules": [{"id": RULE["id"], "module": "tco", "text": RULE["text"]}],
        "next_moves": list(moves),
    }


@pytest.fixture
def repos(sessions: async_sessionmaker[AsyncSession]):
    return (
        SessionRepository(sessions),
        InteractionRepository(sessions),
        FeedbackRepository(sessions),
    )


async def talk(repos, tenant: str, sid: str, turns: list[dict[str, Any]], minutes: int = 0):
    """A session with its turns; returns the interaction records."""
    talks, interactions, _ = repos
    await talks.create(tenant, sid, None, T0 + timedelta(minutes=minutes))
    made = []
    for n, turn in enumerate(turns, start=1):
        shown = [m["id"] for m in turn["next_moves"]]
        when = T0 + timedelta(minutes=minutes + n)
        made.append(await interactions.add(tenant, sid, "notatka", turn, "v1", shown, when))
    return made


async def conclude(repos, tenant: str, sid: str, outcome: str, minutes: int) -> None:
    talks, _, _ = repos
    when = T0 + timedelta(minutes=minutes)
    await talks.conclude(sid, tenant, outcome, None, "ola", when)


async def test_concluded_sessions_when_mixed_then_only_the_tenants_closed_ones_latest_first(
    sessions, repos
):
    first = await talk(
        repos, "acme", "s-bought", [analysis(1, QUESTION, signals=("liczy_tco",)), analysis(2, TCO)]
    )
    await repos[1].add_shown(first[0].id, "acme", ["M-A-tco-01"])  # "Generuj inne sugestie"
    await talk(repos, "acme", "s-lost", [analysis(1, QUESTION)], minutes=10)
    await talk(repos, "acme", "s-active", [analysis(1, QUESTION)], minutes=20)
    await talk(repos, "globex", "s-other", [analysis(1, QUESTION)], minutes=30)
    await conclude(repos, "acme", "s-bought", "purchased", 40)
    await conclude(repos, "acme", "s-lost", "lost_to_competitor", 50)
    await conclude(repos, "globex", "s-other", "purchased", 60)

    found = await concluded_sessions(sessions, "acme")
    latest = await concluded_sessions(sessions, "acme", limit=1)

    assert [s["id"] for s, _ in found] == ["s-lost", "s-bought"]
    assert [s["id"] for s, _ in latest] == ["s-lost"]
    session, turns = found[1]
    assert session["outcome_data"]["outcome"] == "purchased"
    assert session["status"] == "closed" and session["turns"] == 2
    assert session["last_activity_at"] == T0 + timedelta(minutes=40)
    assert [t["turn"] for t in turns] == [1, 2]
    assert turns[0]["shown_moves"] == ["M-Q-ogolne-01", "M-A-tco-01"]
    assert turns[0]["interaction_id"] == first[0].id
    assert turns[1]["next_moves"] == [TCO]

    facts = session_facts(session, turns, move_kinds={"M-A-tco-01": "argument"})
    assert facts.purchased and facts.session_id == "s-bought"
    assert facts.first_turn["strategy:M-A-tco-01"] == 1  # shown later, on turn 1
    assert facts.first_turn["signal:liczy_tco>strategy:M-A-tco-02"] == 2
    assert "archetype:pragmatyczny_analityk" in facts.features


async def test_feedback_rows_when_rated_then_joined_with_the_moves_analysis_per_tenant(
    sessions, repos
):
    _, interactions, feedback = repos
    [turn] = await talk(repos, "acme", "s1", [analysis(1, TCO, {**RULE})])
    await interactions.add_shown(turn.id, "acme", ["M-A-tco-01"])
    [foreign] = await talk(repos, "globex", "s2", [analysis(1, TCO)])
    for minute, (user, move, value) in enumerate(
        [
            ("ola", "M-A-tco-02", 1),
            ("ewa", "M-A-tco-02", 1),
            ("jan", "M-A-tco-02", 1),
            ("ola", RULE["id"], -1),
            ("ola", "M-A-tco-01", 1),
        ]
    ):
        when = T0 + timedelta(minutes=minute)
        await feedback.put("acme", turn.id, user, move, value, None, when)
    await feedback.put("globex", foreign.id, "obcy", "M-A-tco-02", -1, None, T0)

    rows = await feedback_rows(sessions, "acme")

    assert [(r["user_id"], r["suggestion_id"], r["rating"]) for r in rows] == [
        ("ola", "M-A-tco-02", 1),
        ("ewa", "M-A-tco-02", 1),
        ("jan", "M-A-tco-02", 1),
        ("ola", RULE["id"], -1),
        ("ola", "M-A-tco-01", 1),
    ]
    tco = rows[0]
    assert (tco["text"], tco["kind"], tco["module"]) == (TCO["text"], "argument", None)
    assert tco["knowledge"] == ["module.tco.ubezpieczenie"]
    assert (tco["session_id"], tco["turn"], tco["interaction_id"]) == ("s1", 1, turn.id)
    assert tco["archetype"] == "pragmatyczny_analityk" and tco["created_at"] == T0
    assert rows[3]["module"] == "tco"  # a team rule shown as a move: the rule's module
    assert rows[4]["text"] is None  # shown later: not in the stored analysis
    [offered] = candidates(rows, moves={})  # globex's rating down does not count here
    assert offered.suggestion_id == "M-A-tco-02" and offered.users == ("ewa", "jan", "ola")
