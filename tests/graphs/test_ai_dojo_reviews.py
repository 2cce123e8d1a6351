"""The ai_dojo graph's reviews on SQLite and PostgreSQL: Sight asks about a pattern planted in
a tenant's concluded sessions (citing them) and offers a suggestion three salespeople rated
up; without either it says so in Polish, and it never stores before the mentor confirms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store.sales_next_move import FeedbackRepository, InteractionRepository, SessionRepository
from tests.graphs.dojo_support import (
    APPROVE,
    Dojo,
    fake_settings,
    new_tenant,
    open_knowledge,
    reject,
    stored,
    tenant_events,
    warm_embedder,
)
from tools.ai_dojo.schemas import tenant_tag

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SESSIONS = "Czy widzisz wzorce w sesjach zakończonych zakupem?"
FEEDBACK = "Pokaż, które sugestie handlowcy oceniali najlepiej."
QUESTION = {"id": "M-Q-ogolne-01", "kind": "question", "text": "Zapytaj o obecne auto."}
TCO = {"id": "M-A-tco-01", "kind": "argument", "text": "Pokaż harmonogram przeglądów."}
PRICE = {"id": "M-O-cena-01", "kind": "objection_response", "text": "Pokaż ratę."}
LIKED = {
    "id": "M-A-tco-02",
    "kind": "argument",
    "text": "Przygotuj wstępną wycenę OC i AC.",
    "module": "tco",
}
# The planted pattern: the TCO move shown to Pragmatic Analysts, every such session a purchase.
PLANTED = 10
OTHERS = 20
OTHERS_BOUGHT = 2


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    embedder = warm_embedder(fake_settings(tmp_path_factory.mktemp("dojo")))
    return embedder, open_knowledge(embedder)


@pytest.fixture
def dojo(world, sessions) -> Dojo:
    embedder, kb = world
    return Dojo(kb, sessions, embedder)


def analysis(archetype: str, *moves: dict[str, Any]) -> dict[str, Any]:
    return {
        "turn": 1,
        "archetype": {"primary": archetype},
        "signals": [],
        "objections": [],
        "modules": [],
        "meta_rules": [],
        "next_moves": list(moves),
    }


async def turn(dojo: Dojo, tenant: str, turn_analysis: dict[str, Any], minute: int) -> Any:
    """A new session of ``tenant`` with one turn; returns (session id, the turn's record)."""
    session_id, when = str(uuid.uuid4()), T0 + timedelta(minutes=minute)
    await SessionRepository(dojo.sessions).create(tenant, session_id, None, when)
    shown = [m["id"] for m in turn_analysis["next_moves"]]
    record = await InteractionRepository(dojo.sessions).add(
        tenant, session_id, "notatka", turn_analysis, "v1", shown, when
    )
    return session_id, record


async def plant(dojo: Dojo, tenant: str) -> list[str]:
    """Concluded sessions with the planted pattern among others; returns its sessions."""
    talks, planted = SessionRepository(dojo.sessions), []
    for n in range(PLANTED + OTHERS):
        pattern = n < PLANTED
        archetype = (
            "pragmatyczny_analityk" if pattern else ("lowca_okazji", "straznik_rodziny")[n % 2]
        )
        moves = (TCO, QUESTION) if pattern else (QUESTION, PRICE)
        session_id, _ = await turn(dojo, tenant, analysis(archetype, *moves), n)
        bought = pattern or n - PLANTED < OTHERS_BOUGHT
        outcome = "purchased" if bought else "lost_to_competitor"
        await talks.conclude(session_id, tenant, outcome, None, "ola", T0 + timedelta(hours=1))
        planted += [session_id] if pattern else []
    return planted


# --- sessions --------------------------------------------------------------------------------


async def test_review_sessions_when_pattern_planted_then_add_rule_citing_its_sessions(dojo):
    tenant = new_tenant("acme")
    planted = await plant(dojo, tenant)

    thread = await dojo.start(SESSIONS, tenant)

    assert thread.out["intent"]["intent"] == "review_sessions"
    request = await thread.request()
    assert request["name"] == "add_rule" and request["args"]["kind"] == "rule"
    evidence = thread.out["proposal"]["evidence"]
    assert sorted(evidence["sessions"]) == sorted(planted)
    assert (evidence["support"], evidence["successes"]) == (PLANTED, PLANTED)
    assert evidence["baseline"] == pytest.approx((PLANTED + OTHERS_BOUGHT) / (PLANTED + OTHERS))
    assert evidence["wilson_low"] > evidence["baseline"]
    assert {"strategy:M-A-tco-01", "archetype:pragmatyczny_analityk"} & set(evidence["features"])
    question = thread.reply()
    assert question.startswith(f"Przeanalizowałem {PLANTED} sesji zakończonych zakupem (np. #")
    assert sum(f"#{sid[:8]}, tura 1" in question for sid in planted) >= 1
    assert "Czy to jest wzorzec" in question and request["description"].startswith(question)
    assert await dojo.learning.rules.list(tenant) == []  # asking stores nothing


async def test_review_sessions_when_rule_approved_then_rule_keeps_the_patterns_evidence(dojo):
    tenant = new_tenant("acme")
    await plant(dojo, tenant)
    thread = await dojo.start(SESSIONS, tenant)
    args, evidence = (await thread.request())["args"], thread.out["proposal"]["evidence"]

    out = await thread.resume(APPROVE)

    rule = await dojo.learning.rules.get(tenant, args["id"])
    assert rule.count == 2 and rule.status == out["outcome"]["rule"]["status"]
    assert rule.evidence["sessions"] == evidence["sessions"]
    assert rule.evidence["entry"]["text"] == args["text"] and rule.figures["cases"] > 0


async def test_review_sessions_when_pattern_rejected_then_not_asked_again(dojo):
    tenant = new_tenant("acme")
    await plant(dojo, tenant)
    first = await dojo.start(SESSIONS, tenant)
    asked = (await first.request())["args"]["id"]

    await first.resume(reject("to przypadek"))
    again = await dojo.start(SESSIONS, tenant)

    if await again.interrupts():  # another pattern, perhaps; never the rejected one
        assert (await again.request())["args"]["id"] != asked
    rule = await dojo.learning.rules.get(tenant, asked)
    assert rule.status == "dropped" and rule.count == 0  # remembered, never stored
    assert await stored(dojo.kb, asked, tenant) is None


async def test_review_sessions_when_rule_already_added_then_not_proposed_again(dojo):
    tenant = new_tenant("acme")
    await plant(dojo, tenant)
    first = await dojo.start(SESSIONS, tenant)
    asked = (await first.request())["args"]["id"]
    await first.resume(APPROVE)

    again = await dojo.start(SESSIONS, tenant)

    if await again.interrupts():
        assert (await again.request())["args"]["id"] != asked


async def test_review_sessions_when_no_concluded_session_then_polish_reply_and_no_interrupt(dojo):
    tenant = new_tenant("acme")
    await turn(dojo, tenant, analysis("lowca_okazji", QUESTION), 0)  # still open: not counted

    thread = await dojo.start(SESSIONS, tenant)

    assert await thread.interrupts() == [] and (await thread.state()).next == ()
    assert thread.reply().startswith(
        "Przeanalizowałem 0 zakończonych sesji (0 zakończonych zakupem)"
    )
    assert "nie widzę wzorca" in thread.reply()


# --- feedback --------------------------------------------------------------------------------


async def rate(dojo: Dojo, tenant: str, ratings: list[tuple[str, dict[str, Any], int]]) -> None:
    """One turn showing LIKED and PRICE, rated by (user, move, rating)."""
    _, record = await turn(dojo, tenant, analysis("pragmatyczny_analityk", LIKED, PRICE), 0)
    feedback = FeedbackRepository(dojo.sessions)
    for minute, (user, move, rating) in enumerate(ratings):
        when = T0 + timedelta(minutes=minute)
        await feedback.put(tenant, record.id, user, move["id"], rating, None, when)


async def test_review_feedback_when_three_users_rated_a_move_up_then_add_knowledge_proposal(
    dojo,
):
    tenant = new_tenant("acme")
    ups = [(user, LIKED, 1) for user in ("ola", "ewa", "jan")]
    await rate(dojo, tenant, [*ups, ("ola", PRICE, 1), ("jan", PRICE, -1)])

    thread = await dojo.start(FEEDBACK, tenant)

    assert thread.out["intent"]["intent"] == "review_feedback"
    request = await thread.request()
    assert request["name"] == "add_knowledge"
    assert request["args"]["id"] == f"dojo.note.wzbogacenie.{tenant_tag(tenant)}.m_a_tco_02"
    assert (request["args"]["text"], request["args"]["module"]) == (LIKED["text"], "tco")
    evidence = thread.out["proposal"]["evidence"]
    assert evidence == {"suggestion": LIKED["id"], "ups": 3, "users": ["ewa", "jan", "ola"]}
    assert "oceniło w górę 3 handlowców" in request["description"]
    assert await tenant_events(dojo.sessions, tenant) == []


async def test_review_feedback_when_no_candidate_then_summary_reply_and_no_interrupt(dojo):
    tenant = new_tenant("acme")
    await rate(dojo, tenant, [("ola", LIKED, 1), ("ewa", LIKED, 1), ("jan", PRICE, -1)])

    thread = await dojo.start(FEEDBACK, tenant)

    assert await thread.interrupts() == []
    assert thread.reply().startswith("Handlowcy ocenili dotąd 3 podpowiedzi (2 w górę, 1 w dół).")
