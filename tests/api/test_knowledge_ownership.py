"""Knowledge ownership and history through the HTTP API, with keys of three tenants: acme and
globex (tenants with entries of their own) and hq (SIGHT_KNOWLEDGE_ADMIN_TENANT, whose admins
write the shared entries). On SQLite and PostgreSQL; the knowledge base is swapped for one on the
hash embedder, so entries are stored in milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from qdrant_client import AsyncQdrantClient

from api.knowledge.deps import knowledge_base
from tests.api.conftest import fresh_schema_url
from tests.tools.test_knowledge_fakes import HashEmbedder
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.rerank import FeatureReranker

KEYS = {
    "acme-editor": ("acme", "editor"),
    "acme-admin": ("acme", "admin"),
    "globex-editor": ("globex", "editor"),
    "globex-admin": ("globex", "admin"),
    "hq-admin": ("hq", "admin"),
}
LEASING = {
    "id": "module.leasing_finansowanie.rata",
    "kind": "module",
    "module": "leasing_finansowanie",
    "title": "Rata leasingu",
    "text": "Leasing operacyjny: rata zależy od wkładu własnego i wykupu.",
    "tags": ["leasing"],
}
LEASING_V2 = LEASING | {"text": "Leasing operacyjny: rata spada, gdy wkład własny rośnie."}
WALLBOX = {
    "id": "note.wallbox",
    "kind": "note",
    "title": "Ładowarka domowa",
    "text": "Ładowarka domowa ładuje auto przez noc z gniazdka w garażu.",
}
PATH = f"/knowledge/{LEASING['id']}"


def key_of(name: str) -> str:
    return f"{name}-key-0123456789"


def as_(name: str) -> dict[str, str]:
    """The x-api-key header of the key called ``name``."""
    return {"x-api-key": key_of(name)}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return [
        {"key": key_of(name), "tenant": tenant, "role": role, "name": name}
        for name, (tenant, role) in KEYS.items()
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    overrides: dict[str, Any] = {"knowledge_admin_tenant": "hq"}
    if request.param == "postgres":
        overrides["database_url"] = fresh_schema_url(request.getfixturevalue("postgres_url"))
    return overrides


@pytest.fixture
async def http(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The client, on an app whose knowledge base embeds with the hash embedder."""
    qdrant = AsyncQdrantClient(location=":memory:")
    kb = await KnowledgeBase(qdrant, "ownership", HashEmbedder(), reranker=FeatureReranker()).open()
    app.dependency_overrides[knowledge_base] = lambda: kb
    yield client
    app.dependency_overrides.pop(knowledge_base)
    await qdrant.close()


async def add(http: httpx.AsyncClient, entry: dict[str, Any], who: str, **extra: Any):
    return await http.post("/knowledge", json=entry | extra, headers=as_(who))


async def added(http: httpx.AsyncClient, entry: dict[str, Any], who: str, **extra: Any):
    response = await add(http, entry, who, **extra)
    assert response.status_code == 201, response.text
    return response.json()


async def history(http: httpx.AsyncClient, who: str, path: str = PATH) -> dict[str, Any]:
    response = await http.get(f"{path}/history", headers=as_(who))
    assert response.status_code == 200, response.text
    return response.json()


async def found(http: httpx.AsyncClient, query: str, who: str) -> list[str]:
    response = await http.post("/knowledge/search", json={"query": query}, headers=as_(who))
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


async def module_hits(http: httpx.AsyncClient, who: str) -> list[str]:
    response = await http.post(
        "/knowledge/modules",
        json={"text": "Klient pyta o leasing i wkład własny"},
        headers=as_(who),
    )
    assert response.status_code == 200, response.text
    modules = {m["slug"]: m for m in response.json()["modules"]}
    return [hit["id"] for hit in modules["leasing_finansowanie"]["hits"]]


async def test_tenant_entry_when_another_tenant_reads_or_writes_then_404_and_untouched(
    http: httpx.AsyncClient,
) -> None:
    stored = await added(http, LEASING, "acme-editor")
    assert stored["owner"] == "acme"

    responses = {
        "get": await http.get(PATH, headers=as_("globex-admin")),
        "put": await http.put(PATH, json=LEASING_V2, headers=as_("globex-admin")),
        "delete": await http.delete(PATH, headers=as_("globex-admin")),
        "history": await http.get(f"{PATH}/history", headers=as_("globex-admin")),
        "restore": await http.post(
            f"{PATH}/restore", json={"version": 1}, headers=as_("globex-admin")
        ),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert all(r.json()["code"] == "not_found" for r in responses.values())
    assert LEASING["id"] not in await found(http, "rata leasingu wkład własny", "globex-editor")
    assert await module_hits(http, "globex-editor") == []
    # acme's entry is as it was, and it still sees it everywhere.
    assert (await http.get(PATH, headers=as_("acme-editor"))).json() == stored
    assert [e["action"] for e in (await history(http, "acme-editor"))["events"]] == ["add"]
    assert LEASING["id"] in await found(http, "rata leasingu wkład własny", "acme-editor")
    assert await module_hits(http, "acme-editor") == [LEASING["id"]]


@pytest.mark.parametrize("who", ["acme-editor", "acme-admin"])
async def test_add_shared_when_not_admin_of_admin_tenant_then_403_naming_the_setting(
    http: httpx.AsyncClient, who: str
) -> None:
    response = await add(http, WALLBOX, who, shared=True)

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert "SIGHT_KNOWLEDGE_ADMIN_TENANT" in response.json()["detail"]
    assert "'hq'" in response.json()["detail"]
    path = f"/knowledge/{WALLBOX['id']}"
    assert (await http.get(path, headers=as_("hq-admin"))).status_code == 404
    assert (await http.get(f"{path}/history", headers=as_("hq-admin"))).status_code == 404


async def test_add_shared_when_admin_of_admin_tenant_then_201_and_every_tenant_sees_it(
    http: httpx.AsyncClient,
) -> None:
    stored = await added(http, WALLBOX, "hq-admin", shared=True)

    assert stored["owner"] == "shared"
    path = f"/knowledge/{WALLBOX['id']}"
    for who in ("globex-editor", "acme-editor"):
        got = await http.get(path, headers=as_(who))
        assert got.status_code == 200 and got.json() == stored
        assert WALLBOX["id"] in await found(http, "ładowarka domowa w garażu", who)
        events = (await history(http, who, path))["events"]
        assert [(e["action"], e["actor"], e["owner"]) for e in events] == [
            ("add", "hq-admin", "shared")
        ]


async def test_replace_shared_when_another_tenants_editor_then_403_and_unchanged(
    http: httpx.AsyncClient,
) -> None:
    path = f"/knowledge/{WALLBOX['id']}"
    stored = await added(http, WALLBOX, "hq-admin", shared=True)

    response = await http.put(
        path, json=WALLBOX | {"text": "Nadpisane przez globex."}, headers=as_("globex-editor")
    )

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert (await http.get(path, headers=as_("globex-editor"))).json() == stored
    assert [e["action"] for e in (await history(http, "hq-admin", path))["events"]] == ["add"]


async def test_history_when_entry_replaced_then_events_name_the_keys_and_versions(
    http: httpx.AsyncClient,
) -> None:
    await added(http, LEASING, "acme-editor")
    replaced = await http.put(PATH, json=LEASING_V2, headers=as_("acme-editor"))
    assert replaced.status_code == 200, replaced.text

    got = await history(http, "acme-editor")

    assert (got["entry_id"], got["deleted"], got["versions"]) == (LEASING["id"], False, [1, 2])
    assert [
        (e["position"], e["action"], e["version"], e["actor"], e["tenant"], e["owner"])
        for e in got["events"]
    ] == [
        (1, "add", 1, "acme-editor", "acme", "acme"),
        (2, "update", 2, "acme-editor", "acme", "acme"),
    ]
    assert [e["entry"]["text"] for e in got["events"]] == [LEASING["text"], LEASING_V2["text"]]
    assert all(e["source"] == {"via": "api"} for e in got["events"])


async def test_restore_when_editor_then_403_and_when_admin_then_old_content_is_back(
    http: httpx.AsyncClient,
) -> None:
    await added(http, LEASING, "acme-editor")
    await http.put(PATH, json=LEASING_V2, headers=as_("acme-editor"))

    refused = await http.post(f"{PATH}/restore", json={"version": 1}, headers=as_("acme-editor"))
    assert refused.status_code == 403, refused.text
    assert (await http.get(PATH, headers=as_("acme-editor"))).json()["text"] == LEASING_V2["text"]

    restored = await http.post(f"{PATH}/restore", json={"version": 1}, headers=as_("acme-admin"))

    assert restored.status_code == 200, restored.text
    assert restored.json()["text"] == LEASING["text"] and restored.json()["owner"] == "acme"
    got = await http.get(PATH, headers=as_("acme-editor"))
    assert got.json()["text"] == LEASING["text"]
    after = await history(http, "acme-editor")
    assert after["versions"] == [1, 2, 3]
    last = after["events"][-1]
    assert (last["action"], last["version"], last["actor"]) == ("restore", 3, "acme-admin")
    assert last["source"]["restored_from"] == 1 and last["entry"]["text"] == LEASING["text"]


async def test_restore_when_version_unknown_then_404_listing_versions(
    http: httpx.AsyncClient,
) -> None:
    await added(http, LEASING, "acme-editor")
    await http.put(PATH, json=LEASING_V2, headers=as_("acme-editor"))

    response = await http.post(f"{PATH}/restore", json={"version": 9}, headers=as_("acme-admin"))

    assert response.status_code == 404, response.text
    body = response.json()
    assert body["code"] == "not_found" and "versions: [1, 2]" in body["detail"]
    assert body["details"] == {"versions": [1, 2]}
    assert len((await history(http, "acme-editor"))["events"]) == 2


@pytest.mark.parametrize("body", [{"version": 0}, {}], ids=["zero", "missing"])
async def test_restore_when_version_not_positive_or_missing_then_422_naming_body_version(
    http: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    await added(http, LEASING, "acme-editor")

    response = await http.post(f"{PATH}/restore", json=body, headers=as_("acme-admin"))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert "body.version" in response.json()["detail"]
    assert len((await history(http, "acme-editor"))["events"]) == 1


async def test_delete_when_admin_then_history_readable_and_restore_brings_entry_back(
    http: httpx.AsyncClient,
) -> None:
    await added(http, LEASING, "acme-editor")

    deleted = await http.delete(PATH, headers=as_("acme-admin"))

    assert deleted.status_code == 204, deleted.text
    assert (await http.get(PATH, headers=as_("acme-editor"))).status_code == 404
    gone = await history(http, "acme-editor")
    assert (gone["deleted"], gone["versions"]) == (True, [1])
    assert [(e["action"], e["entry"] is None) for e in gone["events"]] == [
        ("add", False),
        ("delete", True),
    ]
    theirs = await http.get(f"{PATH}/history", headers=as_("globex-admin"))
    assert theirs.status_code == 404  # a deleted entry's history stays its tenant's

    restored = await http.post(f"{PATH}/restore", json={"version": 1}, headers=as_("acme-admin"))

    assert restored.status_code == 200, restored.text
    got = await http.get(PATH, headers=as_("acme-editor"))
    assert got.status_code == 200 and got.json()["text"] == LEASING["text"]
    assert got.json()["owner"] == "acme"
    back = await history(http, "acme-editor")
    assert (back["deleted"], back["versions"]) == (False, [1, 2])
    assert [e["action"] for e in back["events"]] == ["add", "delete", "restore"]
    assert LEASING["id"] in await found(http, "rata leasingu wkład własny", "acme-editor")
    assert LEASING["id"] not in await found(http, "rata leasingu wkład własny", "globex-editor")
