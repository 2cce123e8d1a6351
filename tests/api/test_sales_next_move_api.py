"""Sales co-pilot routes on SQLite and PostgreSQL: clients, sessions with their turns,
conclude / reopen, feedback on moves, roles, tenants and pagination.

Sessions and interactions are seeded through the store, as POST /interactions writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from sight.clock import utc_now
from sight.settings import Settings
from store.sales_next_move import InteractionRepository, SessionRepository
from tests.api.conftest import headers_for
from tests.api.personas_support import BOTH_DBS, GLOBEX, db_overrides, get, keys_with_other_tenant

S1 = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"
S2 = "7a2d4e61-1b3c-4d5e-8f90-a1b2c3d4e5f6"
MOVES = ["M-Q-zima-01", "M-A-tco-02", "M-O-cena-01", "M-X-jazda-01"]
EDITOR = headers_for("editor")
ADMIN = headers_for("admin")


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return db_overrides(request)


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    # These routes run no graph: the app is built without importing the registered ones.
    return create_app(api_settings, graphs={})


async def add_client(client: httpx.AsyncClient, alias: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/clients", json={"alias": alias, **extra}, headers=EDITOR)
    assert response.status_code == 201, response.text
    return response.json()


async def seed_session(
    app: FastAPI,
    session_id: str = S1,
    *,
    client_id: str | None = None,
    readiness: Sequence[int] = (40, 65),
    tenant: str = "acme",
    minutes_ago: int = 30,
) -> list[str]:
    """Start a session and store one turn per readiness score; return the interaction ids."""
    sessions = app.state.resources.sessions
    start = utc_now() - timedelta(minutes=minutes_ago)
    await SessionRepository(sessions).create(tenant, session_id, client_id, start)
    turns = InteractionRepository(sessions)
    ids = []
    for i, score in enumerate(readiness, start=1):
        added = await turns.add(
            tenant,
            session_id,
            text=f"Obserwacja {i}: pyta o zasięg zimą.",
            analysis={"indicators": {"purchase_readiness": {"score": score, "band": "średni"}}},
            rules_version="2026.12.1",
            shown_moves=MOVES,
            now=start + timedelta(minutes=i),
        )
        ids.append(added.id)
    return ids


# --- clients --------------------------------------------------------------------------------


async def test_client_create_when_editor_then_201_and_alias_taken_409(client):
    made = await add_client(client, "Pan Tomasz", contact={"phone": "+48 600 123 456"})

    again = await client.post("/clients", json={"alias": "pan tomasz"}, headers=EDITOR)
    as_viewer = await client.post("/clients", json={"alias": "Ktoś"}, headers=headers_for("viewer"))
    for_globex = await client.post("/clients", json={"alias": "Pan Tomasz"}, headers=GLOBEX)

    assert made["alias"] == "Pan Tomasz" and made["archived"] is False
    assert made["contact"] == {"phone": "+48 600 123 456"} and made["notes"] == ""
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert as_viewer.status_code == 403
    assert for_globex.status_code == 201  # aliases are unique per tenant only


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"alias": ""}, "body.alias"),
        ({"alias": "x" * 81}, "body.alias"),
        ({"alias": "Anna", "contact": {"email": "nie-mail"}}, "body.contact.email"),
        ({"alias": "Anna", "contact": {"fax": "1"}}, "body.contact.fax"),
        ({"alias": "Anna", "rating": 1}, "body.rating"),
    ],
)
async def test_client_create_when_field_invalid_then_422_naming_it(client, body, field):
    response = await client.post("/clients", json=body, headers=EDITOR)

    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]


async def test_client_list_when_filtered_and_paged_then_headers_and_archived_left_out(client):
    for alias in ("Anna", "Bartek", "Celina", "Damian"):
        await add_client(client, alias)
    hidden = await add_client(client, "Anita stara")
    await client.post(f"/clients/{hidden['id']}/archive", headers=EDITOR)
    await client.post("/clients", json={"alias": "Anna z Globexu"}, headers=GLOBEX)

    first = await get(client, "/clients", limit=2)
    last = await get(client, "/clients", limit=2, offset=2)
    an = await get(client, "/clients", alias="AN")
    an_all = await get(client, "/clients", alias="an", archived="true")

    assert first.status_code == 200, first.text
    assert [c["alias"] for c in first.json()] == ["Anna", "Bartek"]
    assert first.headers["X-Pagination-Total"] == "4" and first.headers["X-Pagination-Next"] == "2"
    assert [c["alias"] for c in last.json()] == ["Celina", "Damian"]
    assert "X-Pagination-Next" not in last.headers
    assert [c["alias"] for c in an.json()] == ["Anna", "Damian"]
    assert [c["alias"] for c in an_all.json()] == ["Anita stara", "Anna", "Damian"]


async def test_client_patch_and_archive_when_editor_then_changed_and_foreign_404(client):
    anna = await add_client(client, "Anna")
    await add_client(client, "Beata")
    path = f"/clients/{anna['id']}"

    patched = await client.patch(
        path, json={"notes": "Leasing", "contact": {"email": "anna@example.pl"}}, headers=EDITOR
    )
    taken = await client.patch(path, json={"alias": "BEATA"}, headers=EDITOR)
    empty = await client.patch(path, json={}, headers=EDITOR)
    archived = await client.post(f"{path}/archive", headers=EDITOR)
    restored = await client.patch(path, json={"archived": False}, headers=EDITOR)
    foreign = await client.patch(path, json={"notes": "x"}, headers=GLOBEX)
    foreign_get = await client.get(path, headers=GLOBEX)

    assert patched.status_code == 200, patched.text
    assert patched.json()["notes"] == "Leasing" and patched.json()["alias"] == "Anna"
    assert patched.json()["contact"] == {"email": "anna@example.pl"}
    assert taken.status_code == 409 and empty.status_code == 422
    assert archived.json()["archived"] is True and restored.json()["archived"] is False
    assert foreign.status_code == 404 and foreign_get.status_code == 404
    assert (await get(client, path)).json()["notes"] == "Leasing"


async def test_client_delete_when_admin_then_204_sessions_kept_editor_403(client, app):
    anna = await add_client(client, "Anna")
    await seed_session(app, client_id=anna["id"])
    path = f"/clients/{anna['id']}"

    as_editor = await client.delete(path, headers=EDITOR)
    as_globex = await client.delete(path, headers=GLOBEX)
    deleted = await client.delete(path, headers=ADMIN)

    assert as_editor.status_code == 403 and as_globex.status_code == 404
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await get(client, path)).status_code == 404
    session = (await get(client, f"/sessions/{S1}")).json()
    assert session["client_id"] is None and len(session["interactions"]) == 2


# --- sessions -------------------------------------------------------------------------------


async def test_session_list_when_filtered_and_paged_then_latest_activity_first(client, app):
    anna = await add_client(client, "Anna")
    await seed_session(app, S1, client_id=anna["id"], readiness=[40, 72], minutes_ago=10)
    await seed_session(app, S2, readiness=[30], minutes_ago=60)
    await seed_session(app, "s-3", readiness=[], minutes_ago=120)
    await seed_session(app, "s-globex", tenant="globex", minutes_ago=1)
    await client.post("/sessions/s-3/conclude", json={"outcome": "postponed"}, headers=EDITOR)

    first = await get(client, "/sessions", limit=2)
    rest = await get(client, "/sessions", limit=2, offset=2)
    closed = await get(client, "/sessions", status="closed")
    of_anna = await get(client, "/sessions", client_id=anna["id"])
    bad = await get(client, "/sessions", status="open")

    assert first.status_code == 200, first.text
    # Concluding is activity: s-3 moved to the top.
    assert [s["id"] for s in first.json()] == ["s-3", S1]
    assert [s["id"] for s in rest.json()] == [S2]
    assert first.headers["X-Pagination-Total"] == "3" and first.headers["X-Pagination-Next"] == "2"
    latest = first.json()[1]
    assert latest["client_alias"] == "Anna" and latest["client_id"] == anna["id"]
    assert latest["turns"] == 2 and latest["latest_readiness"] == 72
    assert set(latest) == {
        "id",
        "client_id",
        "client_alias",
        "status",
        "started_at",
        "last_activity_at",
        "turns",
        "latest_readiness",
    }
    assert [s["id"] for s in closed.json()] == ["s-3"]
    assert [s["id"] for s in of_anna.json()] == [S1]
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "query.status"


async def test_session_get_when_own_then_turns_in_order_memory_deep_and_feedback(client, app):
    anna = await add_client(client, "Anna")
    first, second = await seed_session(app, client_id=anna["id"])
    repo = SessionRepository(app.state.resources.sessions)
    await repo.set_memory(
        S1, "acme", summary="Rodzina, dwa foteliki.", key_facts=["dwoje dzieci"], memory_turn=2
    )
    await repo.set_deep(S1, "acme", turn=1, deep={"archetype": "straznik_rodziny"})
    await client.post(
        f"/interactions/{second}/feedback",
        json={"suggestion_id": MOVES[2], "rating": -1},
        headers=EDITOR,
    )

    response = await get(client, f"/sessions/{S1}")
    foreign = await client.get(f"/sessions/{S1}", headers=GLOBEX)
    unknown = await get(client, "/sessions/none")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["client_alias"] == "Anna" and body["status"] == "active" and body["turns"] == 2
    assert [(i["id"], i["turn"]) for i in body["interactions"]] == [(first, 1), (second, 2)]
    assert body["interactions"][1]["analysis"]["indicators"]["purchase_readiness"]["score"] == 65
    assert body["interactions"][0]["shown_moves"] == MOVES
    assert body["memory"] == {
        "summary": "Rodzina, dwa foteliki.",
        "key_facts": ["dwoje dzieci"],
        "memory_turn": 2,
    }
    assert body["deep_analysis"] == {"archetype": "straznik_rodziny"} and body["deep_turn"] == 1
    [rating] = body["feedback"]
    assert rating["interaction_id"] == second and rating["suggestion_id"] == MOVES[2]
    assert rating["rating"] == -1 and rating["user"] == "editor-key"
    assert body["outcome"] is None and "tenant" not in body
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert unknown.status_code == 404


async def test_session_conclude_when_twice_then_409_and_reopen_then_active(client, app):
    await seed_session(app)
    conclude = f"/sessions/{S1}/conclude"
    reopen = f"/sessions/{S1}/reopen"

    early_reopen = await client.post(reopen, headers=EDITOR)
    as_viewer = await client.post(
        conclude, json={"outcome": "purchased"}, headers=headers_for("viewer")
    )
    bad = await client.post(conclude, json={"outcome": "won"}, headers=EDITOR)
    as_globex = await client.post(conclude, json={"outcome": "purchased"}, headers=GLOBEX)
    closed = await client.post(
        conclude, json={"outcome": "purchased", "note": "Zamówił AWD."}, headers=EDITOR
    )
    twice = await client.post(conclude, json={"outcome": "postponed"}, headers=EDITOR)
    reopened = await client.post(reopen, headers=EDITOR)

    assert early_reopen.status_code == 409 and early_reopen.json()["details"] == {
        "status": "active"
    }
    assert as_viewer.status_code == 403 and as_globex.status_code == 404
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "body.outcome"
    assert closed.status_code == 200, closed.text
    outcome = closed.json()["outcome"]
    assert closed.json()["status"] == "closed" and outcome["outcome"] == "purchased"
    assert outcome["note"] == "Zamówił AWD." and outcome["concluded_by"] == "editor-key"
    assert len(closed.json()["interactions"]) == 2
    assert twice.status_code == 409 and twice.json()["details"] == {"status": "closed"}
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "active" and reopened.json()["outcome"] is None


async def test_session_delete_when_admin_then_rows_gone_editor_403(client, app):
    [turn] = await seed_session(app, readiness=[50])
    path = f"/sessions/{S1}"

    as_editor = await client.delete(path, headers=EDITOR)
    as_globex = await client.delete(path, headers=GLOBEX)
    deleted = await client.delete(path, headers=ADMIN)
    again = await client.delete(path, headers=ADMIN)

    assert as_editor.status_code == 403 and as_globex.status_code == 404
    assert deleted.status_code == 204 and again.status_code == 404
    assert (await get(client, path)).status_code == 404
    sessions = app.state.resources.sessions
    assert await InteractionRepository(sessions).get(turn, "acme") is None


# --- feedback -------------------------------------------------------------------------------


async def test_feedback_when_rated_again_then_200_replacing_the_first(client, app):
    [turn] = await seed_session(app, readiness=[50])
    path = f"/interactions/{turn}/feedback"

    first = await client.post(
        path, json={"suggestion_id": MOVES[0], "rating": 1, "comment": "Trafne"}, headers=EDITOR
    )
    changed = await client.post(
        path, json={"suggestion_id": MOVES[0], "rating": -1}, headers=EDITOR
    )
    by_admin = await client.post(path, json={"suggestion_id": MOVES[0], "rating": 1}, headers=ADMIN)

    assert first.status_code == 201, first.text
    assert first.json()["rating"] == 1 and first.json()["comment"] == "Trafne"
    assert changed.status_code == 200 and changed.json()["id"] == first.json()["id"]
    assert changed.json()["rating"] == -1 and changed.json()["comment"] is None
    assert by_admin.status_code == 201  # another user's rating is its own
    ratings = (await get(client, f"/sessions/{S1}")).json()["feedback"]
    assert sorted((r["user"], r["rating"]) for r in ratings) == [
        ("admin-key", 1),
        ("editor-key", -1),
    ]


async def test_feedback_when_move_not_shown_rating_bad_viewer_or_foreign_then_refused(client, app):
    [turn] = await seed_session(app, readiness=[50])
    path = f"/interactions/{turn}/feedback"

    not_shown = await client.post(
        path, json={"suggestion_id": "M-nope", "rating": 1}, headers=EDITOR
    )
    zero = await client.post(path, json={"suggestion_id": MOVES[0], "rating": 0}, headers=EDITOR)
    as_viewer = await client.post(
        path, json={"suggestion_id": MOVES[0], "rating": 1}, headers=headers_for("viewer")
    )
    as_globex = await client.post(
        path, json={"suggestion_id": MOVES[0], "rating": 1}, headers=GLOBEX
    )
    unknown = await client.post(
        "/interactions/none/feedback", json={"suggestion_id": MOVES[0], "rating": 1}, headers=EDITOR
    )

    assert not_shown.status_code == 422
    [problem] = not_shown.json()["details"]
    assert problem["field"] == "suggestion_id"
    assert all(move in problem["message"] for move in MOVES)
    assert zero.status_code == 422 and zero.json()["details"][0]["field"] == "body.rating"
    assert as_viewer.status_code == 403
    assert as_globex.status_code == 404 and unknown.status_code == 404
    assert (await get(client, f"/sessions/{S1}")).json()["feedback"] == []
