"""Knowledge routes: search, add (near-duplicates refused), get, replace, delete; roles; 422s.

Plain JSON routes, so httpx's ASGITransport (the ``client`` fixture) serves them; each test's
app has its own data dir, so the embedded Qdrant and the knowledge base are private to it.
Entries are few and short: the default embedder takes ~0.3 s per entry on CPU.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.knowledge.routes import KnowledgeEntryCreate, KnowledgeEntryReplace, StoredEntry
from tests.api.conftest import headers_for
from tools.knowledge.results import SearchResult

POMPA = {
    "id": "note.zima.pompa_ciepla",
    "kind": "note",
    "title": "Pompa ciepła zimą",
    "text": "Pompa ciepła ogranicza zimowy spadek zasięgu samochodu elektrycznego "
    "o kilkanaście procent.",
    "tags": ["zima", "zasieg"],
}
RATY = {
    "id": "objection.cena.raty",
    "kind": "objection",
    "title": "Za wysoka rata",
    "text": "Klient boi się rat leasingowych i wysokiej miesięcznej opłaty.",
    "tags": ["cena"],
    "archetype": "lowca_okazji",
}
# POMPA said again in other words: the embedder puts it at ~0.998 cosine from POMPA.
POMPA_AGAIN = POMPA | {
    "id": "note.zima.pompa_ciepla_2",
    "text": POMPA["text"].replace("kilkanaście", "mniej więcej kilkanaście"),
}


async def add(
    client: httpx.AsyncClient, entry: dict[str, Any], role: str = "editor", **extra: Any
) -> httpx.Response:
    return await client.post("/knowledge", json=entry | extra, headers=headers_for(role))


async def search(client: httpx.AsyncClient, query: str, **options: Any) -> dict[str, Any]:
    response = await client.post(
        "/knowledge/search", json={"query": query, **options}, headers=headers_for("viewer")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def stored_count(app: FastAPI) -> int:
    kb = await app.state.resources.knowledge_base()
    return await kb.count()


async def test_add_when_new_entry_then_201_and_get_returns_it(client: httpx.AsyncClient):
    response = await add(client, POMPA)

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/knowledge/{POMPA['id']}"
    stored = response.json()
    assert stored | POMPA == stored  # every field as sent
    assert stored["language"] == "pl" and stored["content_hash"]
    assert stored["created_at"] == stored["updated_at"]
    got = await client.get(f"/knowledge/{POMPA['id']}", headers=headers_for("viewer"))
    assert got.status_code == 200, got.text
    assert got.json() == stored


async def test_search_when_entries_added_then_hits_explain_ranks_and_scores(
    client: httpx.AsyncClient,
):
    for entry in (POMPA, RATY):
        assert (await add(client, entry)).status_code == 201

    result = await search(client, "pompa ciepła a zasięg zimą", limit=5)

    assert result["search_type"] == "hybrid_rerank"
    assert result["num_results"] == len(result["hits"]) == 2
    top = result["hits"][0]
    assert top["id"] == POMPA["id"] and top["entry"]["title"] == POMPA["title"]
    assert top["ranks"] == {"dense": 1, "sparse": 1, "fused": 1, "rerank": 1}
    assert top["score"] == pytest.approx(top["scores"]["rerank"], abs=1e-5)
    assert top["scores"]["dense"] > 0 and top["scores"]["sparse"] > 0
    assert "pompa" in result["query_terms"]
    assert result["timings_ms"]["total"] > 0


@pytest.mark.parametrize(
    ("options", "found"),
    [
        ({"filters": {"kind": "objection"}}, [RATY["id"]]),
        ({"filters": {"tags": ["zima", "nie_ma_takiego"]}}, [POMPA["id"]]),
        ({"filters": {"archetype": "techniczny_sceptyk"}}, []),
        ({"search_type": "sparse"}, [POMPA["id"]]),  # only entries sharing a query term
    ],
    ids=["kind", "any-of-tags", "archetype-none", "sparse"],
)
async def test_search_when_filtered_or_sparse_then_only_matching_entries(
    client: httpx.AsyncClient, options: dict[str, Any], found: list[str]
):
    for entry in (POMPA, RATY):
        assert (await add(client, entry)).status_code == 201

    result = await search(client, "pompa ciepła zimą", **options)

    assert [hit["id"] for hit in result["hits"]] == found
    assert result["num_results"] == len(found)


async def test_add_when_near_duplicate_then_409_naming_it_unless_forced(
    client: httpx.AsyncClient, app: FastAPI
):
    assert (await add(client, POMPA)).status_code == 201

    refused = await add(client, POMPA_AGAIN)

    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "duplicate_entry"
    assert "force=true" in body["detail"]
    duplicate = body["details"]["duplicate_of"]
    assert duplicate["id"] == POMPA["id"] and duplicate["title"] == POMPA["title"]
    assert duplicate["threshold"] <= duplicate["similarity"] <= 1
    assert await stored_count(app) == 1

    forced = await add(client, POMPA_AGAIN, force=True)

    assert forced.status_code == 201, forced.text
    assert "force" not in forced.json()
    assert await stored_count(app) == 2


async def test_add_when_id_exists_then_409_conflict(client: httpx.AsyncClient, app: FastAPI):
    assert (await add(client, POMPA)).status_code == 201

    response = await add(client, RATY | {"id": POMPA["id"]}, force=True)

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "conflict"
    assert "update it" in response.json()["detail"]
    got = await client.get(f"/knowledge/{POMPA['id']}", headers=headers_for("viewer"))
    assert got.json()["text"] == POMPA["text"]
    assert await stored_count(app) == 1


async def test_replace_when_text_changes_then_found_by_its_new_words(client: httpx.AsyncClient):
    created = (await add(client, POMPA)).json()
    new_text = "Bateria LFP znosi mróz gorzej niż NMC, dlatego warto ją podgrzać przed jazdą."
    body = {k: v for k, v in POMPA.items() if k != "id"} | {"text": new_text}

    response = await client.put(
        f"/knowledge/{POMPA['id']}", json=body, headers=headers_for("editor")
    )

    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["text"] == new_text and replaced["id"] == POMPA["id"]
    assert replaced["created_at"] == created["created_at"]
    assert replaced["updated_at"] >= created["updated_at"]
    assert replaced["content_hash"] != created["content_hash"]
    by_new = await search(client, "bateria LFP mróz", search_type="sparse")
    assert [hit["id"] for hit in by_new["hits"]] == [POMPA["id"]]
    by_old = await search(client, "kilkanaście procent", search_type="sparse")
    assert by_old["hits"] == []


async def test_replace_when_body_id_given_then_must_equal_path_id(client: httpx.AsyncClient):
    assert (await add(client, POMPA)).status_code == 201
    path = f"/knowledge/{POMPA['id']}"

    other = await client.put(path, json=POMPA | {"id": "note.inne"}, headers=headers_for("editor"))
    same = await client.put(path, json=POMPA | {"title": "Nowy"}, headers=headers_for("editor"))

    assert other.status_code == 422, other.text
    assert other.json()["details"][0]["field"] == "id"
    assert "differs from the path" in other.json()["detail"]
    assert same.status_code == 200, same.text
    assert same.json()["title"] == "Nowy"


async def test_replace_when_entry_missing_then_404_and_nothing_stored(
    client: httpx.AsyncClient, app: FastAPI
):
    response = await client.put(
        "/knowledge/note.nie_ma", json=POMPA | {"id": "note.nie_ma"}, headers=headers_for("editor")
    )

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"
    assert await stored_count(app) == 0


async def test_get_when_unknown_id_then_404(client: httpx.AsyncClient):
    response = await client.get("/knowledge/note.nie_ma", headers=headers_for("viewer"))

    assert response.status_code == 404, response.text
    assert "note.nie_ma" in response.json()["detail"]


async def test_delete_when_not_admin_then_403_and_admin_deletes_then_404(
    client: httpx.AsyncClient, app: FastAPI
):
    assert (await add(client, POMPA)).status_code == 201
    path = f"/knowledge/{POMPA['id']}"

    for role in ("viewer", "editor"):
        refused = await client.delete(path, headers=headers_for(role))
        assert refused.status_code == 403, refused.text
        assert refused.json()["details"] == {"required_role": "admin", "role": role}
    assert await stored_count(app) == 1

    deleted = await client.delete(path, headers=headers_for("admin"))

    assert deleted.status_code == 204 and deleted.content == b""
    assert await stored_count(app) == 0
    assert (await client.get(path, headers=headers_for("viewer"))).status_code == 404
    assert (await client.delete(path, headers=headers_for("admin"))).status_code == 404
    assert (await search(client, "pompa ciepła zimą"))["hits"] == []


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"text": ""}, "body.text", "at least 1 character"),
        ({"text": "   "}, "body.text", "at least 1 character"),
        ({"text": "x" * 4001}, "body.text", "at most 4000 characters"),
        ({"kind": "anegdota"}, "body.kind", "'objection'"),
        ({"colour": "red"}, "body.colour", "Extra inputs are not permitted"),
        ({"id": "Nie Slug!"}, "body.id", "should match pattern"),
        ({"archetype": "nieznany"}, "body.archetype", "unknown archetype"),
    ],
    ids=[
        "empty-text",
        "blank-text",
        "oversized-text",
        "unknown-kind",
        "unknown-field",
        "bad-id",
        "unknown-archetype",
    ],
)
async def test_add_when_input_invalid_then_422_naming_the_fix_and_nothing_stored(
    client: httpx.AsyncClient, app: FastAPI, change: dict[str, Any], field: str, says: str
):
    response = await add(client, POMPA | change)

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_request"
    assert field in body["detail"] and says in body["detail"]
    assert await stored_count(app) == 0


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            {"query": "zima", "filters": {"colour": "red"}},
            "body.filters",
            "unknown filter field(s) colour; filter on kind, tags, language, archetype, module",
        ),
        ({"query": "zima", "filters": {"kind": "anegdota"}}, "body.filters.kind", "'objection'"),
        ({"query": "zima", "filters": {"tags": []}}, "body.filters.tags", "at least 1 item"),
        ({"query": "zima", "limit": 0}, "body.limit", "greater than or equal to 1"),
        ({"query": "zima", "limit": 101}, "body.limit", "less than or equal to 100"),
        ({"query": " "}, "body.query", "at least 1 character"),
        ({"query": "zima", "search_type": "magic"}, "body.search_type", "'hybrid_rerank'"),
    ],
    ids=[
        "unknown-filter",
        "unknown-kind",
        "empty-tags",
        "limit-0",
        "limit-101",
        "blank-query",
        "unknown-search-type",
    ],
)
async def test_search_when_input_invalid_then_422_naming_the_fix(
    client: httpx.AsyncClient, body: dict[str, Any], field: str, says: str
):
    response = await client.post("/knowledge/search", json=body, headers=headers_for("viewer"))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert field in response.json()["detail"] and says in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/knowledge/search", {"query": "zima"}),
        ("POST", "/knowledge", POMPA),
        ("GET", f"/knowledge/{POMPA['id']}", None),
        ("PUT", f"/knowledge/{POMPA['id']}", POMPA),
        ("DELETE", f"/knowledge/{POMPA['id']}", None),
    ],
)
async def test_knowledge_route_when_no_key_then_401(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
):
    response = await client.request(method, path, json=body)

    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), [("POST", "/knowledge"), ("PUT", "/knowledge/x")])
async def test_write_when_viewer_then_403_and_nothing_stored(
    client: httpx.AsyncClient, app: FastAPI, method: str, path: str
):
    response = await client.request(method, path, json=POMPA, headers=headers_for("viewer"))

    assert response.status_code == 403, response.text
    assert response.json()["details"] == {"required_role": "editor", "role": "viewer"}
    assert await stored_count(app) == 0


@pytest.mark.parametrize("api_keys", [[]])
async def test_knowledge_when_no_keys_configured_then_anonymous_admin_may_delete(
    client: httpx.AsyncClient,
):
    assert (await client.post("/knowledge", json=RATY)).status_code == 201

    assert (await client.delete(f"/knowledge/{RATY['id']}")).status_code == 204


async def test_openapi_when_served_then_knowledge_bodies_documented(client: httpx.AsyncClient):
    spec = (await client.get("/openapi.json")).json()

    operations = [
        (method, path)
        for path, item in spec["paths"].items()
        if path.startswith("/knowledge")
        for method, op in item.items()
        if op["tags"] == ["knowledge"]
    ]
    assert len(operations) == 8  # search, modules, CRUD (4), history, restore
    schemas = spec["components"]["schemas"]
    for name in ("KnowledgeSearch", "SearchFilters"):
        for field, prop in schemas[name]["properties"].items():
            assert prop.get("description") and prop.get("examples"), f"{name}.{field}"
    assert "content_hash" in schemas["StoredEntry"]["properties"]
    # The documented whole-body examples are bodies the routes accept.
    for model in (KnowledgeEntryCreate, KnowledgeEntryReplace, StoredEntry):
        (example,) = schemas[model.__name__]["examples"]
        model.model_validate(example)
    search_example = spec["paths"]["/knowledge/search"]["post"]["responses"]["200"]
    SearchResult.model_validate(search_example["content"]["application/json"]["example"])


async def test_modules_when_text_triggers_then_module_chunks_come_back(client: httpx.AsyncClient):
    leasing = {
        "id": "module.leasing_finansowanie.rata",
        "kind": "module",
        "module": "leasing_finansowanie",
        "title": "Rata leasingu",
        "text": "Leasing operacyjny: rata zależy od wkładu własnego i wykupu.",
        "tags": ["leasing"],
    }
    assert (await add(client, leasing)).status_code == 201
    assert (await add(client, RATY)).status_code == 201

    response = await client.post(
        "/knowledge/modules",
        headers=headers_for("viewer"),
        json={"text": "Klient pyta o leasingu i wkład własny, ma też dzieci", "per_module": 2},
    )

    assert response.status_code == 200, response.text
    modules = {m["slug"]: m for m in response.json()["modules"]}
    assert set(modules) == {"leasing_finansowanie", "dzieci_bezpieczenstwo"}
    assert {"leasing", "wkład własny"} <= set(modules["leasing_finansowanie"]["triggers"])
    assert [h["id"] for h in modules["leasing_finansowanie"]["hits"]] == [leasing["id"]]
    assert modules["dzieci_bezpieczenstwo"]["hits"] == []  # no such chunks stored here


async def test_modules_when_no_trigger_or_empty_text_then_nothing_or_422(
    client: httpx.AsyncClient,
):
    quiet = await client.post(
        "/knowledge/modules",
        headers=headers_for("viewer"),
        json={"text": "Dzień dobry, rozglądam się tylko."},
    )
    empty = await client.post(
        "/knowledge/modules", headers=headers_for("viewer"), json={"text": ""}
    )

    assert quiet.status_code == 200 and quiet.json() == {"modules": []}
    assert empty.status_code == 422 and "text" in empty.text
