"""CRM routes on SQLite and PostgreSQL: import (JSON, CSV) all or nothing and idempotent,
contacts with metrics and data quality, personas (mode, fallback, versions, rating, export),
roles and tenants."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.conftest import headers_for
from tests.api.personas_support import BOTH_DBS, GLOBEX, db_overrides, keys_with_other_tenant
from tests.tools.test_crm_persona_writing import engaged_contact
from tools.crm_persona.importing import to_csv_form
from tools.crm_persona.synthetic import generate

EDITOR = headers_for("editor")
VIEWER = headers_for("viewer")
ADMIN = headers_for("admin")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return db_overrides(request) | {"crm_persona_model": "off", "crm_import_max_bytes": 200_000}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


def rich() -> dict[str, Any]:
    return engaged_contact(email="anna@polmet.pl").model_dump(mode="json")


def thin(contact_id: str = "t1", **fields: Any) -> dict[str, Any]:
    return {
        "id": contact_id,
        "name": "Ewa Zielińska",
        "role": "CFO",
        "industry": "finance",
        **fields,
    }


async def post_import(client: httpx.AsyncClient, contacts: list[dict[str, Any]], headers=EDITOR):
    return await client.post("/crm/import", json={"contacts": contacts}, headers=headers)


async def test_import_when_new_then_created_and_again_then_unchanged(client):
    first = await post_import(client, [rich(), thin()])
    assert first.status_code == 200, first.text
    assert first.json() == {
        "format": "json", "contacts": 2, "created": ["c1", "t1"], "updated": [], "unchanged": []
    }  # fmt: skip
    again = await post_import(client, [rich(), thin()])
    assert (again.json()["created"], again.json()["unchanged"]) == ([], ["c1", "t1"])
    listed = await client.get("/crm/contacts", headers=VIEWER)
    assert [c["id"] for c in listed.json()] == ["c1", "t1"]  # by name
    assert listed.headers["X-Pagination-Total"] == "2"
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert len(detail["history"]["emails"]) == 6  # the second import duplicated nothing


async def test_import_when_a_record_changes_then_updated(client):
    await post_import(client, [rich()])
    changed = rich()
    changed["emails"][0]["clicks"] = [{"at": "2026-10-05T12:00:00Z", "url": "https://x.pl/oferta"}]
    changed["comments"].append({"at": "2026-11-01T10:00:00Z", "text": "Prosi o demo."})
    response = await post_import(client, [changed, thin()])
    assert (response.json()["updated"], response.json()["created"]) == (["c1"], ["t1"])
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert detail["history"]["emails"][0]["clicks"][0]["url"] == "https://x.pl/oferta"
    assert len(detail["history"]["comments"]) == 3


async def test_import_when_a_record_is_bad_then_nothing_stored_and_every_problem_listed(client):
    bad = rich()
    bad["emails"][1]["sent_at"] = "wczoraj"
    bad["activities"][0]["type"] = "fax"
    response = await post_import(client, [thin(), bad])
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["details"]}
    assert {"contacts.1.emails.1.sent_at", "contacts.1.activities.0.type"} <= fields
    listed = await client.get("/crm/contacts", headers=VIEWER)
    assert listed.json() == []  # the good contact was not stored either


async def test_import_csv_when_sights_form_then_same_contacts_as_json(client):
    contact = engaged_contact()
    response = await client.post(
        "/crm/import",
        content=to_csv_form([contact]).encode(),
        headers=EDITOR | {"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["format"], response.json()["created"]) == ("csv", ["c1"])
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert len(detail["history"]["activities"]) == len(contact.activities)


async def test_import_when_over_the_size_limit_then_413_naming_the_setting(client):
    big = [thin(f"t{i}", role="x" * 150) for i in range(1200)]
    response = await post_import(client, big)
    assert response.status_code == 413
    assert "SIGHT_CRM_IMPORT_MAX_BYTES" in response.json()["detail"]


async def test_import_when_viewer_then_403(client):
    assert (await post_import(client, [thin()], headers=VIEWER)).status_code == 403


async def test_contact_detail_has_metrics_data_quality_and_benchmarks(client):
    await post_import(client, [rich()])
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert detail["data_quality"]["score"] == 85
    assert set(detail["data_quality"]["parts"]) == {
        "interaction_volume", "email_engagement", "deal_history", "pattern_recognition"
    }  # fmt: skip
    reply = detail["metrics"]["email"]["reply_rate"]
    assert (reply["n"], reply["status"]) == (6, "ok") and len(reply["interval"]) == 2
    assert detail["benchmarks"]["email_engagement"]["verdict"] in {"above", "consistent"}
    assert detail["email"] == "anna@polmet.pl"  # the API shows it; prompts never get it


async def test_contact_crud_and_delete_admin_only(client):
    created = await client.post("/crm/contacts", json=thin("n1"), headers=EDITOR)
    assert created.status_code == 201, created.text
    taken = await client.post("/crm/contacts", json=thin("n1"), headers=EDITOR)
    assert taken.status_code == 409
    patched = await client.patch("/crm/contacts/n1", json={"role": "CEO"}, headers=EDITOR)
    assert patched.json()["role"] == "CEO"
    empty = await client.patch("/crm/contacts/n1", json={}, headers=EDITOR)
    assert empty.status_code == 422
    assert (await client.delete("/crm/contacts/n1", headers=EDITOR)).status_code == 403
    assert (await client.delete("/crm/contacts/n1", headers=ADMIN)).status_code == 204
    assert (await client.get("/crm/contacts/n1", headers=VIEWER)).status_code == 404


async def test_another_tenant_sees_nothing(client):
    await post_import(client, [rich()])
    assert (await client.get("/crm/contacts/c1", headers=GLOBEX)).status_code == 404
    assert (await client.get("/crm/contacts", headers=GLOBEX)).json() == []
    made = await client.post("/crm/contacts/c1/persona", json={"mode": "rag"}, headers=GLOBEX)
    assert made.status_code == 404
    mine = await client.post("/crm/contacts/c1/persona", json={}, headers=EDITOR)
    other = await client.get(f"/crm/personas/{mine.json()['id']}", headers=GLOBEX)
    assert other.status_code == 404


async def test_persona_rag_then_basic_fallback_versions_rating_and_export(client):
    await post_import(client, [rich(), thin()])
    made = await client.post("/crm/contacts/c1/persona", json={"mode": "rag"}, headers=EDITOR)
    assert made.status_code == 201, made.text
    persona = made.json()
    assert (persona["mode"], persona["fallback_reason"], persona["version"]) == ("rag", None, 1)
    fell = (
        await client.post("/crm/contacts/t1/persona", json={"mode": "rag"}, headers=EDITOR)
    ).json()
    assert (fell["mode"], fell["fallback_reason"]) == ("basic", "thin_history")
    again = (await client.post("/crm/contacts/c1/persona", headers=EDITOR)).json()
    assert again["version"] == 2
    history = (await client.get("/crm/contacts/c1/personas", headers=VIEWER)).json()
    assert [h["version"] for h in history] == [2, 1]
    detail = (await client.get("/crm/contacts/c1", headers=VIEWER)).json()
    assert detail["latest_persona_id"] == again["id"]

    bad = await client.put(
        f"/crm/personas/{persona['id']}/rating", json={"rating": 6}, headers=VIEWER
    )
    assert bad.status_code == 422 and "rating" in bad.text
    for role, stars in (("viewer", 4), ("editor", 2), ("viewer", 5)):
        rated = await client.put(
            f"/crm/personas/{persona['id']}/rating",
            json={"rating": stars},
            headers=headers_for(role),
        )
        assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == {"mean": 3.5, "n": 2}  # the viewer's second rating replaced

    exported = await client.get("/crm/personas/export", params={"format": "csv"}, headers=VIEWER)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv")
    assert sorted((r["contact_id"], r["version"]) for r in rows) == [
        ("c1", "1"),
        ("c1", "2"),
        ("t1", "1"),
    ]
    as_json = await client.get("/crm/personas/export", params={"contact_id": "t1"}, headers=VIEWER)
    assert [p["fallback_reason"] for p in as_json.json()] == ["thin_history"]


async def test_persona_when_mode_unknown_then_422_naming_mode(client):
    await post_import(client, [thin()])
    response = await client.post("/crm/contacts/t1/persona", json={"mode": "deep"}, headers=EDITOR)
    assert response.status_code == 422 and "mode" in response.text


async def test_similar_when_several_contacts_then_features_named(client):
    made = generate(12, seed=3, now=T0)
    await post_import(client, [m.contact.model_dump(mode="json") for m in made])
    target = made[0].contact.id
    found = (
        await client.get(f"/crm/contacts/{target}/similar", params={"k": 3}, headers=VIEWER)
    ).json()
    assert len(found) == 3
    assert all(n["contact_id"] != target and n["features"] for n in found)
    assert found[0]["similarity"] >= found[-1]["similarity"]


async def test_assistant_when_run_through_agent_server_then_persona_stored_and_tenant_checked(
    client,
):
    await post_import(client, [rich()])
    body = {"assistant_id": "crm_persona", "input": {"contact_id": "c1", "mode": "rag"}}
    done = await client.post("/runs/wait", json=body, headers=EDITOR)
    assert done.status_code == 200, done.text
    assert (done.json()["persona"]["mode"], done.json()["persona"]["version"]) == ("rag", 1)
    history = (await client.get("/crm/contacts/c1/personas", headers=VIEWER)).json()
    assert [h["id"] for h in history] == [done.json()["persona"]["id"]]
    refused = await client.post("/runs/wait", json=body, headers=GLOBEX)
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "input.contact_id"
