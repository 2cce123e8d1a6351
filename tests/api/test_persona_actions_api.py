"""Persona actions on SQLite and PostgreSQL: audit trail reads, export masking, compare, edit,
soft delete with reasons and undo, roles; and the client-info retention loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from evals.persona_generation.factory import make_persona
from runtime.audit_retention import run_retention
from sight.clock import utc_now
from store.persona_audit import ClientInfo
from tests.api.conftest import headers_for
from tests.api.personas_support import (
    BOTH_DBS,
    db_overrides,
    drained,
    get,
    keys_with_other_tenant,
    repos,
    seed,
)


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test here runs on SQLite and on PostgreSQL (a fresh schema each)."""
    return db_overrides(request)


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


async def delete(client, pid: str, body: dict[str, Any], role: str = "admin"):
    return await client.request("DELETE", f"/personas/{pid}", json=body, headers=headers_for(role))


# --- audit trail ---------------------------------------------------------------------------


async def test_audit_then_entries_without_client_info_filtered_and_paginated(client, app):
    [pid, _] = await seed(app)
    for _ in range(3):
        await get(client, f"/personas/{pid}/details")
    await drained(app)

    response = await get(client, f"/personas/{pid}/audit", limit=2)
    views = await get(client, f"/personas/{pid}/audit", action="view")

    assert response.status_code == 200
    assert response.headers["x-pagination-total"] == "4"
    entries = response.json()
    assert len(entries) == 2 and entries[0]["action"] == "view"
    assert all(not {"ip_address", "user_agent"} & set(e) for e in entries)
    assert "127.0.0.1" not in response.text and "python-httpx" not in response.text
    assert [e["action"] for e in views.json()] == ["view"] * 3


async def test_user_audit_when_own_or_admin_then_listed_else_403(client, app):
    [pid, _] = await seed(app)
    await get(client, f"/personas/{pid}/details", role="viewer")
    await drained(app)

    own = await get(client, "/personas/audit", user_id="viewer-key", limit=5)
    assert own.status_code == 200 and [e["action"] for e in own.json()] == ["view"]
    assert (await get(client, "/personas/audit", user_id="admin-key")).status_code == 403
    by_admin = await get(client, "/personas/audit", role="admin", user_id="viewer-key")
    assert by_admin.status_code == 200 and len(by_admin.json()) == 1


# --- export --------------------------------------------------------------------------------


async def test_export_json_when_not_unmasked_then_personal_data_masked(client, app):
    [pid, _] = await seed(app)

    response = await get(client, f"/personas/{pid}/export", format="json")

    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert body["masked"] is True and body["persona"]["last_name"] == "K."
    story = body["persona"]["background_story"]
    assert "anna.kowalczyk@example.com" not in story and "601 234 567" not in story
    assert "[e-mail ukryty]" in story and "[telefon ukryty]" in story
    assert "Kowalczyk" not in response.text
    entry = (await repos(app)[1].for_persona(pid, "acme"))[0]
    assert (entry.action, entry.details) == ("export", {"format": "json", "unmasked": False})


async def test_export_csv_then_header_and_masked_row(client, app):
    [pid, _] = await seed(app)

    response = await get(client, f"/personas/{pid}/export", format="csv")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, row = response.text.strip().split("\r\n")
    assert header.startswith("id,") and "last_name" in header
    assert ",K.," in row and "rozwój; niezależność" in row


async def test_export_unmask_when_admin_then_real_data_else_403(client, app):
    [pid, _] = await seed(app)

    refused = await get(client, f"/personas/{pid}/export", role="editor", unmask="true")
    allowed = await get(client, f"/personas/{pid}/export", role="admin", unmask="true")

    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert allowed.status_code == 200 and allowed.json()["persona"]["last_name"] == "Kowalczyk"


# --- compare -------------------------------------------------------------------------------


async def test_compare_then_similarity_differences_and_audit(client, app):
    ids = await seed(
        app, make_persona(0), make_persona(1, gender="mężczyzna"), make_persona(2, embedding=None)
    )

    response = await client.post(
        "/personas/compare", json={"ids": ids}, headers=headers_for("viewer")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["id"] for p in body["personas"]] == ids
    pairs = {(s["a"], s["b"]): s for s in body["similarity"]}
    assert 0.5 < pairs[(ids[0], ids[1])]["cosine"] < 1.0
    assert pairs[(ids[0], ids[2])]["cosine"] is None
    assert ids[2] in pairs[(ids[0], ids[2])]["reason"]
    changed = {d["field"]: d["values"] for d in body["differences"]}
    assert changed["age"] == [29, 30, 31]
    assert changed["gender"] == ["kobieta", "mężczyzna", "kobieta"]
    assert "education" not in changed and "big_five.openness" not in changed
    for pid in ids:
        assert (await repos(app)[1].for_persona(pid, "acme"))[0].action == "compare"


@pytest.mark.parametrize("count", [1, 4])
async def test_compare_when_not_two_or_three_then_422(client, app, count):
    ids = await seed(app, *(make_persona(i) for i in range(4)))

    response = await client.post(
        "/personas/compare", json={"ids": ids[:count]}, headers=headers_for("viewer")
    )

    assert response.status_code == 422 and response.json()["details"][0]["field"] == "body.ids"


async def test_compare_when_same_id_twice_then_422(client, app):
    [pid, _] = await seed(app)

    response = await client.post(
        "/personas/compare", json={"ids": [pid, pid]}, headers=headers_for("viewer")
    )

    assert response.status_code == 422


# --- edit ----------------------------------------------------------------------------------


async def test_patch_when_editor_then_updated_and_changed_fields_logged(client, app):
    [pid, _] = await seed(app)

    response = await client.patch(
        f"/personas/{pid}", json={"occupation": "kierowniczka"}, headers=headers_for("editor")
    )

    assert response.status_code == 200 and response.json()["occupation"] == "kierowniczka"
    entry = (await repos(app)[1].for_persona(pid, "acme"))[0]
    assert (entry.action, entry.user_id, entry.details) == (
        "update",
        "editor-key",
        {"fields": ["occupation"]},
    )


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("viewer", {"occupation": "x"}, 403),
        ("editor", {"age": 40}, 422),
        ("editor", {}, 422),
        ("editor", {"last_name": None}, 422),
    ],
)
async def test_patch_when_refused_then_status_and_nothing_changed(client, app, role, body, status):
    [pid, _] = await seed(app)

    response = await client.patch(f"/personas/{pid}", json=body, headers=headers_for(role))

    assert response.status_code == status, response.text
    stored = await repos(app)[0].get(pid, "acme")
    assert stored.occupation == "analityczka danych" and stored.age == 29


# --- delete and undo -----------------------------------------------------------------------


async def test_delete_when_admin_then_hidden_from_viewers_and_undo_until_given(client, app):
    [pid, _] = await seed(app)

    response = await delete(client, pid, {"reason": "duplicate"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_active"] is False and body["delete_reason"] == "duplicate"
    assert body["deleted_by"] == "admin-key" and body["undo_until"] > body["deleted_at"]
    assert (await get(client, f"/personas/{pid}")).status_code == 404
    assert (await get(client, f"/personas/{pid}", role="editor")).status_code == 404
    assert (await get(client, f"/personas/{pid}", include_deleted="true")).status_code == 403
    seen = await get(client, f"/personas/{pid}", role="admin", include_deleted="true")
    assert seen.status_code == 200 and seen.json()["is_active"] is False
    assert len((await get(client, "/personas")).json()) == 1
    entry = (await repos(app)[1].for_persona(pid, "acme"))[0]
    assert (entry.action, entry.details) == ("delete", {"reason": "duplicate", "detail": None})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "nudna"}, "body.reason"),
        ({"reason": "other"}, "detail"),
        ({"reason": "other", "detail": "   "}, "detail"),
        ({}, "body.reason"),
    ],
)
async def test_delete_when_reason_bad_then_422_naming_field_and_nothing_stored(
    client, app, body, field
):
    [pid, _] = await seed(app)

    response = await delete(client, pid, body)

    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == field
    assert (await repos(app)[0].get(pid, "acme")).is_active
    assert [e.action for e in await repos(app)[1].for_persona(pid, "acme")] == ["create"]


async def test_delete_when_editor_then_403(client, app):
    [pid, _] = await seed(app)

    response = await delete(client, pid, {"reason": "duplicate"}, role="editor")

    assert response.status_code == 403
    assert (await repos(app)[0].get(pid, "acme")).is_active


async def test_restore_when_within_window_then_back_else_409(client, app):
    [pid, old] = await seed(app)
    assert (await delete(client, pid, {"reason": "other", "detail": "pomyłka"})).status_code == 200
    await repos(app)[0].soft_delete(
        old,
        "acme",
        by="admin-key",
        reason="outdated",
        detail=None,
        now=utc_now() - timedelta(days=2),
    )
    admin = headers_for("admin")

    restored = await client.post(f"/personas/{pid}/restore", headers=admin)
    again = await client.post(f"/personas/{pid}/restore", headers=admin)
    late = await client.post(f"/personas/{old}/restore", headers=admin)

    assert restored.status_code == 200 and restored.json()["is_active"] is True
    assert (await get(client, f"/personas/{pid}")).status_code == 200
    assert again.status_code == 409 and again.json()["code"] == "not_deleted"
    assert late.status_code == 409 and late.json()["code"] == "undo_window_expired"
    assert "window" in late.json()["detail"]
    forbidden = await client.post(f"/personas/{pid}/restore", headers=headers_for("editor"))
    assert forbidden.status_code == 403


# --- retention -----------------------------------------------------------------------------


async def test_retention_loop_then_client_info_older_than_90_days_scrubbed(client, app):
    [pid, _] = await seed(app)
    _, audit = repos(app)
    browser = ClientInfo("198.51.100.4", "Mozilla/5.0")
    now = utc_now()
    old = await audit.add(pid, "acme", "view", now=now - timedelta(days=91), client=browser)
    new = await audit.add(pid, "acme", "view", now=now - timedelta(days=30), client=browser)

    loop = asyncio.create_task(run_retention(audit, retention_days=90, every_s=3600))
    for _ in range(200):
        if await audit.client_info(old[0].id) == ClientInfo(None, None):
            break
        await asyncio.sleep(0.01)
    loop.cancel()

    assert await audit.client_info(old[0].id) == ClientInfo(None, None)
    assert await audit.client_info(new[0].id) == browser


async def test_export_when_story_names_the_surname_in_any_case_then_masked_there_too(client, app):
    story = "Anna Kowalska mieszka w nowym domu. U pani Kowalskiej nikt nie był. " * 2
    [pid] = await seed(app, make_persona(0, last_name="Kowalska", background_story=story))

    body = (await get(client, f"/personas/{pid}/export", format="json")).json()["persona"]

    assert "Kowalsk" not in body["background_story"] and "nowym domu" in body["background_story"]
    assert "score_reasons" not in body and "quality" not in body


async def test_export_csv_when_text_starts_like_a_formula_then_cell_defused(client, app):
    [pid] = await seed(app, make_persona(0, occupation='=HYPERLINK("http://x")'))

    response = await get(client, f"/personas/{pid}/export", format="csv")

    assert "'=HYPERLINK" in response.text


async def test_patch_when_story_edited_then_score_reasons_and_embedding_follow_the_text(
    client, app
):
    [pid, _] = await seed(app)
    before = await repos(app)[0].get(pid, "acme", with_embedding=True)
    english = "She is a data analyst who lives in a big city and likes running and languages a lot."

    response = await client.patch(
        f"/personas/{pid}", json={"background_story": english}, headers=headers_for("editor")
    )

    assert response.status_code == 200
    after = await repos(app)[0].get(pid, "acme", with_embedding=True)
    assert "story_not_polish" in {r["code"] for r in after.score_reasons}
    assert after.score < before.score and after.quality["edited"] is True
    assert after.embedding is not None and after.embedding != before.embedding
