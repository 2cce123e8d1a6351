"""The AI Dojo through the official langgraph_sdk against a real uvicorn serving the app (as
``sight serve`` does): a teach interrupts, the mentor's decision stores (or does not store) the
entry, the same teach again is a duplicate, history and restore, tenants kept apart.

The server's knowledge base starts empty and the real embedder routes and checks duplicates;
the fake model is unscripted, so the Dojo drafts by rules (as it does offline). Each test teaches
in a tenant of its own (tests.api.dojo_support.TENANTS); globex is the outsider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from api.app import create_app
from tests.api.conftest import BOTH_DBS, fresh_schema_url
from tests.api.dojo_support import (
    APPROVE,
    CHARGING,
    CHARGING_QUERY,
    FAMILY_RULE,
    call,
    dojo_settings,
    edit,
    history,
    key,
    refusal,
    reject,
    request_of,
    resume,
    search_ids,
    teach,
)
from tests.api.live import live_server

pytestmark = BOTH_DBS
OUTSIDER = "globex"
Connect = Callable[..., LangGraphClient]


@pytest.fixture(scope="module")
def dojo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sdk_db: str
) -> Iterator[str]:
    """One server per module and database, with the registered graphs and the Dojo's keys."""
    overrides: dict[str, Any] = {}
    if sdk_db == "postgres":
        overrides["database_url"] = fresh_schema_url(request.getfixturevalue("postgres_url"))
    settings = dojo_settings(tmp_path_factory.mktemp("dojo") / "data", **overrides)
    with live_server(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
async def dojo(dojo_url: str) -> AsyncIterator[Connect]:
    """Connect the official SDK as a tenant's key: ``dojo("acme")``, ``dojo("acme", "admin")``."""
    clients: list[LangGraphClient] = []

    def connect(tenant: str, role: str = "editor") -> LangGraphClient:
        client = get_client(
            url=dojo_url, api_key=key(tenant, role), timeout=httpx.Timeout(60.0, connect=5.0)
        )
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.aclose()


async def test_teach_when_approved_then_stored_for_the_tenant_and_found_only_by_its_keys(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("acme")

    thread_id, value = await teach(client, CHARGING)

    thread = await client.threads.get(thread_id)
    assert thread["status"] == "interrupted"
    assert (await client.threads.get_state(thread_id))["next"] == ["confirm_proposal"]
    asked = request_of(value)
    assert asked["name"] == "add_knowledge"
    assert set(asked["args"]) == {"id", "kind", "title", "text", "tags", "archetype", "module"}
    assert asked["args"]["text"] == CHARGING and asked["args"]["id"].startswith("dojo.")
    assert value["review_configs"] == [
        {"action_name": "add_knowledge", "allowed_decisions": ["approve", "edit", "reject"]}
    ]
    entry_id = asked["args"]["id"]
    assert asked["args"]["title"] in asked["description"]
    ((pending,),) = thread["interrupts"].values()
    assert pending["value"] == value
    # Nothing reaches the knowledge base before the mentor decides.
    assert await search_ids(dojo_url, "acme", CHARGING_QUERY) == []
    assert (await call(dojo_url, "GET", f"/knowledge/{entry_id}", "acme")).status_code == 404

    output = await resume(client, thread_id, APPROVE)

    outcome = {"decision": "approve", "action": "add_knowledge", "id": entry_id, "version": 1}
    assert output["outcome"] == outcome | {"stored": True}
    assert entry_id in output["messages"][-1]["content"]
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert await search_ids(dojo_url, "acme", CHARGING_QUERY) == [entry_id]
    stored = (await call(dojo_url, "GET", f"/knowledge/{entry_id}", "acme", "viewer")).json()
    assert stored["owner"] == "acme" and stored["text"] == CHARGING
    # Another tenant: not in its searches, and the entry and its history do not exist for it.
    assert await search_ids(dojo_url, OUTSIDER, CHARGING_QUERY) == []
    for path in (f"/knowledge/{entry_id}", f"/knowledge/{entry_id}/history"):
        assert (await call(dojo_url, "GET", path, OUTSIDER, "admin")).status_code == 404


async def test_teach_when_repeated_on_a_new_thread_then_confirm_knowledge_naming_the_first(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("initech")
    first_thread, first = await teach(client, CHARGING)
    entry_id = request_of(first)["args"]["id"]
    await resume(client, first_thread, APPROVE)

    thread_id, value = await teach(client, CHARGING)

    asked = request_of(value)
    assert thread_id != first_thread
    assert asked["name"] == "confirm_knowledge"
    assert asked["args"]["id"] == entry_id and entry_id in asked["description"]
    assert asked["args"]["text"] == CHARGING
    assert value["review_configs"] == [
        {"action_name": "confirm_knowledge", "allowed_decisions": ["approve", "edit", "reject"]}
    ]
    assert (await resume(client, thread_id, reject()))["outcome"]["stored"] is False
    found = await history(dojo_url, "initech", entry_id)
    assert [e["action"] for e in found["events"]] == ["add"] and found["versions"] == [1]
    # Approved: the entry is confirmed as it stands, no new version and no second entry.
    third_thread, _ = await teach(client, CHARGING)
    output = await resume(client, third_thread, APPROVE)
    assert output["outcome"] == {
        "decision": "approve",
        "action": "confirm_knowledge",
        "id": entry_id,
        "version": 1,
        "stored": False,
    }
    found = await history(dojo_url, "initech", entry_id)
    assert [e["action"] for e in found["events"]] == ["add", "confirm"]
    assert found["versions"] == [1] and found["events"][1]["source"]["thread_id"] == third_thread
    assert await search_ids(dojo_url, "initech", CHARGING_QUERY) == [entry_id]


async def test_teach_when_edited_then_the_edited_text_is_stored(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("umbrella")
    thread_id, value = await teach(client, CHARGING)
    args = request_of(value)["args"]
    text = CHARGING + " Zapytaj też, czy wspólnota planuje ładowarki w hali garażowej."

    output = await resume(client, thread_id, edit("add_knowledge", args | {"text": text}))

    assert output["outcome"]["decision"] == "edit" and output["outcome"]["stored"] is True
    stored = (await call(dojo_url, "GET", f"/knowledge/{args['id']}", "umbrella")).json()
    assert stored["text"] == text and stored["title"] == args["title"]
    assert (await history(dojo_url, "umbrella", args["id"]))["events"][0]["entry"]["text"] == text
    assert await search_ids(dojo_url, "umbrella", CHARGING_QUERY) == [args["id"]]


async def test_teach_when_rejected_then_nothing_stored(dojo: Connect, dojo_url: str) -> None:
    client = dojo("hooli")
    thread_id, value = await teach(client, CHARGING)
    entry_id = request_of(value)["args"]["id"]

    output = await resume(client, thread_id, reject("Za ogólne."))

    outcome = {"decision": "reject", "action": "add_knowledge", "id": entry_id, "version": None}
    assert output["outcome"] == outcome | {"stored": False}
    assert "Za ogólne." in output["messages"][-1]["content"]
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert await search_ids(dojo_url, "hooli", CHARGING_QUERY) == []
    for path in (f"/knowledge/{entry_id}", f"/knowledge/{entry_id}/history"):
        assert (await call(dojo_url, "GET", path, "hooli")).status_code == 404


async def test_resume_when_decision_unknown_then_422_naming_command_resume_and_still_interrupted(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("wonka")
    thread_id, value = await teach(client, CHARGING)
    runs_before = await client.runs.list(thread_id)

    refused = await refusal(resume(client, thread_id, {"decisions": [{"type": "maybe"}]}))

    assert refused.status_code == 422
    fields = [problem["field"] for problem in refused.json()["details"]]
    assert fields and all(f.startswith("command.resume") for f in fields), fields
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    assert await client.runs.list(thread_id) == runs_before  # the refused run was not stored
    assert await search_ids(dojo_url, "wonka", CHARGING_QUERY) == []
    output = await resume(client, thread_id, APPROVE)
    assert (
        output["outcome"]["stored"] and output["outcome"]["id"] == request_of(value)["args"]["id"]
    )


async def test_restore_when_entry_replaced_then_history_has_both_and_admin_restores_the_first(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("stark")
    thread_id, value = await teach(client, CHARGING)
    entry_id = request_of(value)["args"]["id"]
    await resume(client, thread_id, APPROVE)
    state = await client.threads.get_state(thread_id)
    mentor_message = next(m for m in state["values"]["messages"] if m["type"] == "human")
    run_ids = {run["run_id"] for run in await client.runs.list(thread_id)}
    stored = (await call(dojo_url, "GET", f"/knowledge/{entry_id}", "stark")).json()
    changed = "Klient z bloku nie ma gniazdka: zacznij od ładowarek publicznych przy osiedlu."
    replace = {k: stored[k] for k in ("kind", "title", "tags", "module")} | {"text": changed}
    assert (await call(dojo_url, "PUT", f"/knowledge/{entry_id}", "stark", body=replace)).is_success

    before = await history(dojo_url, "stark", entry_id)
    as_editor = await call(
        dojo_url, "POST", f"/knowledge/{entry_id}/restore", "stark", body={"version": 1}
    )
    restored = await call(
        dojo_url, "POST", f"/knowledge/{entry_id}/restore", "stark", "admin", {"version": 1}
    )

    assert before["versions"] == [1, 2]
    assert [e["action"] for e in before["events"]] == ["add", "update"]
    source = before["events"][0]["source"]
    assert source["via"] == "dojo" and source["thread_id"] == thread_id
    assert source["message_ids"] == [mentor_message["id"]] and source["run_id"] in run_ids
    assert before["events"][0]["actor"] == "stark-editor"
    assert as_editor.status_code == 403
    assert restored.status_code == 200 and restored.json()["text"] == CHARGING
    got = await call(dojo_url, "GET", f"/knowledge/{entry_id}", "stark", "viewer")
    assert got.json()["text"] == CHARGING
    after = await history(dojo_url, "stark", entry_id)
    assert after["events"][-1]["action"] == "restore" and after["versions"] == [1, 2, 3]


async def test_other_tenant_when_touching_a_dojo_thread_then_404_and_cannot_resume(
    dojo: Connect, dojo_url: str
) -> None:
    owner, intruder = dojo("tyrell"), dojo(OUTSIDER, "admin")
    thread_id, value = await teach(owner, CHARGING)
    state = await owner.threads.get_state(thread_id)

    for attempt in (
        intruder.threads.get(thread_id),
        intruder.threads.get_state(thread_id),
        intruder.threads.get_history(thread_id),
        intruder.runs.list(thread_id),
        resume(intruder, thread_id, APPROVE),
    ):
        assert (await refusal(attempt)).status_code == 404

    assert (await owner.threads.get(thread_id))["status"] == "interrupted"
    assert await owner.threads.get_state(thread_id) == state
    assert await search_ids(dojo_url, "tyrell", CHARGING_QUERY) == []
    output = await resume(owner, thread_id, APPROVE)
    assert output["outcome"]["stored"] is True
    assert await search_ids(dojo_url, OUTSIDER, CHARGING_QUERY) == []


async def test_rule_teach_when_approved_then_dojo_rules_lists_it_counted_and_checked(
    dojo: Connect, dojo_url: str
) -> None:
    client = dojo("soylent")
    assert (await call(dojo_url, "GET", "/dojo/rules", "soylent")).json() == []
    thread_id, value = await teach(client, FAMILY_RULE)
    asked = request_of(value)
    assert asked["args"]["kind"] == "rule"
    assert (await call(dojo_url, "GET", "/dojo/rules", "soylent")).json() == []  # unconfirmed

    output = await resume(client, thread_id, APPROVE)

    life = output["outcome"]["rule"]
    (rule,) = (await call(dojo_url, "GET", "/dojo/rules", "soylent", "viewer")).json()
    assert rule["entry_id"] == asked["args"]["id"] and rule["count"] == 2
    assert rule["status"] == life["status"] and rule["status"] in ("active", "pending_review")
    assert rule["figures"]["passed"] is (rule["status"] == "active")
    assert {"before", "after", "cases"} <= set(rule["figures"])
    assert rule["text"] == FAMILY_RULE and rule["evidence"]["source"]["thread_id"] == thread_id
    # Only an active rule is in the knowledge base, where the co-pilot retrieves it.
    found = await search_ids(dojo_url, "soylent", "bagażnik i mocowania Isofix dla rodzin")
    assert (rule["entry_id"] in found) is (rule["status"] == "active")
    assert (await call(dojo_url, "GET", "/dojo/rules", OUTSIDER)).json() == []

    # Taught again: the mentor confirms the rule the team has, which counts as agreement.
    again_thread, again = await teach(client, FAMILY_RULE)
    assert request_of(again)["name"] == "confirm_knowledge"
    assert request_of(again)["args"]["id"] == rule["entry_id"]
    assert (await resume(client, again_thread, APPROVE))["outcome"]["decision"] == "approve"
    (counted,) = (await call(dojo_url, "GET", "/dojo/rules", "soylent")).json()
    assert counted["count"] == 3  # add +2, agree +1
