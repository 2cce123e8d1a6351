"""AI Dojo routes on SQLite and PostgreSQL: the team's meta-rules (counts, status, figures),
the mentor's decision on a pending rule, ratings of a rule shown as a move, knowledge candidates
from salespeople's ratings, and patterns; each tenant sees only its own.

Rules are added through the rule book the routes use (the graph's way of adding them is tested
through the SDK in test_sdk_ai_dojo.py); sessions, turns and ratings through the repositories.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.ai_dojo.deps import rule_book
from api.app import create_app
from sight.clock import utc_now
from sight.settings import Settings
from store.sales_next_move import FeedbackRepository, InteractionRepository, SessionRepository
from tests.api.conftest import headers_for
from tests.api.dojo_support import FAMILY_RULE
from tests.api.personas_support import BOTH_DBS, GLOBEX, db_overrides, keys_with_other_tenant
from tools.knowledge.editor import Actor
from tools.knowledge.entries import KnowledgeEntry

EDITOR, VIEWER = headers_for("editor"), headers_for("viewer")
SESSION = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"
MOVES = ["M-Q-zima-01", "M-A-tco-02", "M-O-cena-01", "M-X-jazda-01"]
RULE_ID = "dojo.rule.rodziny_isofix.a1b2c3"
ANNA = Actor(name="anna", tenant="acme", role="editor")
# What the activation check says of a rule that lowers the co-pilot's held-out score.
WORSE = {"passed": False, "before": 0.545, "after": 0.5, "delta": -0.045, "cases": 26}


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return db_overrides(request)


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    # The Dojo's routes run no graph: the app is built without importing the registered ones.
    return create_app(api_settings, graphs={})


def rule_entry(entry_id: str = RULE_ID, text: str = FAMILY_RULE) -> KnowledgeEntry:
    """A meta-rule as the Dojo drafts one from an imperative teach."""
    return KnowledgeEntry(
        id=entry_id,
        kind="rule",
        title=text.split(",")[0],
        text=text,
        tags=["isofix"],
        module="dzieci_bezpieczenstwo",
        source="AI Dojo: anna",
    )


async def add_rule(app: FastAPI, entry: KnowledgeEntry, worse: bool = False) -> dict[str, Any]:
    """Add a rule as the Dojo does once the mentor approves it: counted +2, then checked by the
    real activation check, or by one that finds it makes the co-pilot worse."""
    book = await rule_book(app.state.resources)()
    if worse:

        async def lowers(entry: dict[str, Any], active: list[dict[str, Any]]) -> dict[str, Any]:
            return dict(WORSE)

        book.gate = lowers
    source = {"via": "dojo", "thread_id": "t-1", "message_ids": ["m-1"]}
    return await book.add(entry, ANNA, source=source, evidence=None, now=utc_now())


async def rules(client: httpx.AsyncClient, headers: dict[str, str] = VIEWER, **params: Any) -> Any:
    """GET /dojo/rules (200 expected)."""
    response = await client.get("/dojo/rules", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def decide(
    client: httpx.AsyncClient, entry_id: str, decision: str, headers: dict[str, str] = EDITOR
) -> httpx.Response:
    """POST the mentor's decision on a rule."""
    return await client.post(
        f"/dojo/rules/{entry_id}/decision", json={"decision": decision}, headers=headers
    )


async def seed_turn(app: FastAPI, shown: list[str], tenant: str = "acme") -> str:
    """Start a session with one turn showing ``shown``; return the interaction id."""
    sessions = app.state.resources.sessions
    start = utc_now() - timedelta(minutes=30)
    await SessionRepository(sessions).create(tenant, SESSION, None, start)
    turn = await InteractionRepository(sessions).add(
        tenant,
        SESSION,
        text="Klient pyta o fotelik i bagażnik.",
        analysis={"indicators": {"purchase_readiness": {"score": 50, "band": "średni"}}},
        rules_version="2026.12.1",
        shown_moves=shown,
        now=start + timedelta(minutes=1),
    )
    return turn.id


# --- rules ----------------------------------------------------------------------------------


async def test_rules_when_rule_added_then_listed_with_count_status_and_figures_for_its_tenant(
    client: httpx.AsyncClient, app: FastAPI
):
    assert await rules(client) == []

    life = await add_rule(app, rule_entry())

    (rule,) = await rules(client)
    assert rule["entry_id"] == RULE_ID and rule["count"] == 2
    assert rule["status"] == life["status"] == "active"
    assert rule["figures"]["passed"] is True and rule["figures"]["cases"] > 0
    assert rule["figures"]["after"] >= rule["figures"]["before"]
    assert rule["text"] == FAMILY_RULE and rule["module"] == "dzieci_bezpieczenstwo"
    assert rule["evidence"]["source"]["thread_id"] == "t-1" and "entry" not in rule["evidence"]
    assert await rules(client, status="active") == [rule]
    assert await rules(client, status="pending_review") == []
    # Active: in the knowledge base, the team's own entry.
    stored = await client.get(f"/knowledge/{RULE_ID}", headers=VIEWER)
    assert stored.status_code == 200 and stored.json()["owner"] == "acme"
    assert await rules(client, GLOBEX) == []
    assert (await client.get(f"/knowledge/{RULE_ID}", headers=GLOBEX)).status_code == 404


async def test_decision_when_pending_rule_rejected_then_dropped_and_again_409(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry(), worse=True)
    (pending,) = await rules(client, status="pending_review")
    assert pending["count"] == 2 and pending["figures"] == WORSE
    assert (await client.get(f"/knowledge/{RULE_ID}", headers=VIEWER)).status_code == 404

    as_viewer = await decide(client, RULE_ID, "reject", VIEWER)
    as_globex = await decide(client, RULE_ID, "reject", GLOBEX)
    rejected = await decide(client, RULE_ID, "reject")
    again = await decide(client, RULE_ID, "reject")
    unknown = await decide(client, "dojo.rule.nie_ma_takiej.000000", "reject")
    bad = await decide(client, RULE_ID, "maybe")

    assert as_viewer.status_code == 403
    assert as_globex.status_code == 404  # another tenant's rule does not exist for it
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "dropped"
    assert rejected.json()["figures"] == WORSE | {"decided": "reject", "decided_by": "editor-key"}
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert unknown.status_code == 404
    assert bad.status_code == 422 and "body.decision" in [d["field"] for d in bad.json()["details"]]
    assert [r["entry_id"] for r in await rules(client, status="dropped")] == [RULE_ID]
    assert await rules(client, status="pending_review") == []
    assert (await client.get(f"/knowledge/{RULE_ID}", headers=VIEWER)).status_code == 404


async def test_decision_when_pending_rule_activated_then_stored_for_the_copilot(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry(), worse=True)

    activated = await decide(client, RULE_ID, "activate")

    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    stored = await client.get(f"/knowledge/{RULE_ID}", headers=VIEWER)
    assert stored.status_code == 200 and stored.json()["text"] == FAMILY_RULE
    assert (await decide(client, RULE_ID, "reject")).status_code == 409


async def test_feedback_when_rule_shown_as_move_rated_then_counted_once_per_user(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry())
    turn = await seed_turn(app, [RULE_ID, *MOVES[:3]])
    path = f"/interactions/{turn}/feedback"

    up = await client.post(path, json={"suggestion_id": RULE_ID, "rating": 1}, headers=EDITOR)
    after_up = await rules(client)
    changed_mind = await client.post(
        path, json={"suggestion_id": RULE_ID, "rating": -1}, headers=EDITOR
    )
    after_change = await rules(client)
    down = await client.post(
        path, json={"suggestion_id": RULE_ID, "rating": -1}, headers=headers_for("admin")
    )
    library = await client.post(path, json={"suggestion_id": MOVES[0], "rating": 1}, headers=EDITOR)

    assert up.status_code == 201, up.text
    assert after_up[0]["count"] == 3  # add +2, agree +1
    assert changed_mind.status_code == 200
    assert after_change[0]["count"] == 3  # a replaced rating is not counted again
    assert down.status_code == 201
    assert library.status_code == 201
    (rule,) = await rules(client)  # a library move is no rule: nothing else is counted
    assert rule["entry_id"] == RULE_ID and rule["count"] == 2  # another user: remove -1


# --- candidates and patterns ------------------------------------------------------------------


async def test_candidates_when_three_users_rate_a_move_up_and_nobody_down_then_one_candidate(
    client: httpx.AsyncClient, app: FastAPI
):
    assert (await client.get("/dojo/candidates", headers=VIEWER)).json() == []
    turn = await seed_turn(app, MOVES)
    feedback = FeedbackRepository(app.state.resources.sessions)
    ratings = [
        *((user, MOVES[1], 1) for user in ("ala", "bartek", "celina")),  # the candidate
        *((user, MOVES[0], 1) for user in ("ala", "bartek", "celina")),
        ("darek", MOVES[0], -1),  # rated down once: never offered
        *((user, MOVES[2], 1) for user in ("ala", "bartek")),  # two users: not enough
    ]
    for user, move, rating in ratings:
        await feedback.put("acme", turn, user, move, rating, None, utc_now())

    response = await client.get("/dojo/candidates", headers=VIEWER)

    assert response.status_code == 200, response.text
    (candidate,) = response.json()
    assert candidate["suggestion_id"] == MOVES[1]
    assert candidate["ups"] == 3 and candidate["users"] == 3
    assert candidate["text"] and candidate["entry"]["text"] == candidate["text"]
    assert candidate["entry"]["id"].startswith("dojo.")
    assert "wzbogacenie" in candidate["entry"]["tags"]
    assert (await client.get("/dojo/candidates", headers=GLOBEX)).json() == []
    # Offered, not stored: nothing enters the knowledge base unconfirmed.
    entry = await client.get(f"/knowledge/{candidate['entry']['id']}", headers=VIEWER)
    assert entry.status_code == 404


async def test_patterns_when_no_concluded_sessions_then_empty(
    client: httpx.AsyncClient, app: FastAPI
):
    assert (await client.get("/dojo/patterns", headers=VIEWER)).json() == []
    await seed_turn(app, MOVES)  # an active session: nothing concluded to learn from

    response = await client.get("/dojo/patterns", headers=VIEWER)

    assert response.status_code == 200 and response.json() == []
    assert (await client.get("/dojo/patterns", headers=GLOBEX)).json() == []


async def test_dojo_routes_when_no_key_then_401(client: httpx.AsyncClient):
    for path in ("/dojo/rules", "/dojo/candidates", "/dojo/patterns"):
        assert (await client.get(path)).status_code == 401


async def test_knowledge_put_when_entry_is_a_live_rule_then_409_and_unchanged(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry())
    body = {"kind": "rule", "title": "Inaczej", "text": "Zupełnie inna rada dla rodzin."}

    response = await client.put(f"/knowledge/{RULE_ID}", json=body, headers=EDITOR)

    assert response.status_code == 409 and "Dojo" in response.json()["message"]
    stored = await client.get(f"/knowledge/{RULE_ID}", headers=VIEWER)
    assert stored.json()["text"] == FAMILY_RULE


async def test_knowledge_delete_when_entry_is_a_live_rule_then_rule_dropped(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry())

    response = await client.delete(f"/knowledge/{RULE_ID}", headers=headers_for("admin"))

    assert response.status_code == 204
    (rule,) = await rules(client)
    assert rule["status"] == "dropped" and rule["figures"]["deleted_by"]


async def test_knowledge_restore_when_entry_is_a_dojo_rule_then_409(
    client: httpx.AsyncClient, app: FastAPI
):
    await add_rule(app, rule_entry())

    response = await client.post(
        f"/knowledge/{RULE_ID}/restore", json={"version": 1}, headers=headers_for("admin")
    )

    assert response.status_code == 409 and response.json()["details"]["rule_status"] == "active"
