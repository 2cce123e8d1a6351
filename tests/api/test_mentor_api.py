"""The mentor through the Agent Server API: a model failure reaches the client as the stream's
error event with a Polish catalogue message, a retry leaves one question and one answer, the
results another tenant names are refused before anything is stored, and a tenant's question
never reads another tenant's results."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from evals.focus_group.setup import persona_records
from sight.clock import utc_now
from store.personas import PersonaRepository
from tests.api.conftest import headers_for
from tests.api.live import sse_events
from tests.api.personas_support import GLOBEX, keys_with_other_tenant
from tools.mentor.errors import CATALOGUE
from tools.models import ModelRouter, ScriptedChatModel

EDITOR = headers_for("editor")
GOOD = "Persona ma niski NPS, bo rzadko poleca markę znajomym."


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"model_max_retries": 0}


async def seed(app: FastAPI, tenant: str = "acme", index: int = 0, **fields: Any) -> dict[str, Any]:
    """One persona of ``tenant`` (``index`` picks another profile, ``fields`` override);
    returns its record."""
    record = {**persona_records(index + 1, run_id=f"mentor-{tenant}")[index], **fields}
    await PersonaRepository(app.state.resources.sessions).add_many(
        [record], report=None, run_id=f"mentor-{tenant}", tenant=tenant, now=utc_now()
    )
    return record


def script(app: FastAPI, *items: Any) -> ScriptedChatModel:
    model = ScriptedChatModel(script=list(items))
    resources = app.state.resources
    resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})
    return model


def question(text: str, **context: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"type": "human", "content": text}]}
    if context:
        body["context"] = context
    return body


async def new_thread(client: httpx.AsyncClient, headers: dict[str, str] = EDITOR) -> str:
    created = await client.post("/threads", json={}, headers=headers)
    assert created.status_code == 200, created.text
    return created.json()["thread_id"]


async def test_a_model_failure_streams_a_polish_error_and_a_retry_answers_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    record = await seed(app)
    script(app, TimeoutError("read timed out after 600 s (api key sk-secret)"), GOOD)
    thread = await new_thread(client)
    body = {
        "assistant_id": "mentor",
        "input": question("Dlaczego ta persona ma niski NPS?", persona_ids=[record["id"]]),
        "stream_mode": ["messages-tuple", "values"],
    }
    response = await client.post(f"/threads/{thread}/runs/stream", json=body, headers=EDITOR)
    assert response.status_code == 200
    errors = [data for event, data in sse_events(response.text) if event == "error"]
    assert len(errors) == 1
    (error,) = errors
    assert error["code"] == "timeout" and error["retryable"] is True
    assert error["message"] == CATALOGUE["timeout"].message
    assert "sk-secret" not in response.text and "timed out" not in response.text

    retry = await client.post(
        f"/threads/{thread}/runs/wait", json={"assistant_id": "mentor"}, headers=EDITOR
    )
    assert retry.status_code == 200, retry.text
    state = (await client.get(f"/threads/{thread}/state", headers=EDITOR)).json()
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai"]
    assert messages[-1]["content"] == GOOD


async def test_results_of_another_tenant_are_refused_before_anything_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    record = await seed(app, tenant="acme")
    thread = await new_thread(client, GLOBEX)
    body = {
        "assistant_id": "mentor",
        "input": question("Co z tą personą?", persona_ids=[record["id"]]),
    }
    response = await client.post(f"/threads/{thread}/runs", json=body, headers=GLOBEX)
    assert response.status_code == 422
    detail = response.json()
    assert "input.context.persona_ids.0" in json.dumps(detail)
    runs = await client.get(f"/threads/{thread}/runs", headers=GLOBEX)
    assert runs.json() == []


async def test_a_tenant_naming_another_tenants_id_in_a_question_gets_none_of_its_facts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    theirs = await seed(
        app,
        tenant="acme",
        first_name="Zofia",
        background_story="Zofia prowadzi kwiaciarnię w Gdańsku od dwunastu lat.",
    )
    ours = await seed(app, tenant="globex", index=1)
    model = script(app, "Nie mam wyników o tej personie.")
    thread = await new_thread(client, GLOBEX)
    body = {"assistant_id": "mentor", "input": question(f"Opowiedz o personie {theirs['id']}")}
    response = await client.post(f"/threads/{thread}/runs/wait", json=body, headers=GLOBEX)
    assert response.status_code == 200, response.text
    output = response.json()
    # The id is unknown to globex: its own newest persona is read instead, and the answer
    # says the id was not found.
    assert output["refs"] == [{"kind": "persona", "id": ours["id"]}]
    assert theirs["id"] in output["messages"][-1]["content"]
    prompt = json.dumps([m.text for m in model.calls[0]], ensure_ascii=False)
    assert ours["first_name"] in prompt
    assert "Zofia" not in prompt and "kwiaciarn" not in prompt


@pytest.mark.parametrize("settings_overrides", [{"mentor_model": "off"}])
async def test_offline_the_answer_streams_in_pieces_and_regenerates_from_its_parent(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    record = await seed(app)
    thread = await new_thread(client)
    body = {
        "assistant_id": "mentor",
        "input": question("Kim jest ta persona?", persona_ids=[record["id"]]),
        "stream_mode": ["messages-tuple", "values"],
    }
    response = await client.post(f"/threads/{thread}/runs/stream", json=body, headers=EDITOR)
    events = sse_events(response.text)
    pieces = [data[0] for event, data in events if event == "messages"]
    final = [data for event, data in events if event == "values"][-1]["messages"][-1]
    assert len(pieces) > 5
    assert {piece["id"] for piece in pieces} == {final["id"]}  # useStream merges by id
    assert "".join(piece["content"] for piece in pieces) == final["content"]
    assert record["last_name"] in final["content"]

    history = (await client.post(f"/threads/{thread}/history", json={}, headers=EDITOR)).json()
    parent = next(s for s in history if s["next"] == ["answer_question"])
    again = await client.post(
        f"/threads/{thread}/runs/wait",
        json={"assistant_id": "mentor", "checkpoint": parent["checkpoint"]},
        headers=EDITOR,
    )
    assert again.status_code == 200, again.text
    state = (await client.get(f"/threads/{thread}/state", headers=EDITOR)).json()
    assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai"]


@pytest.mark.parametrize("settings_overrides", [{"mentor_model": "off"}])
async def test_the_threads_metadata_names_its_results(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await seed(app, index=0)
    named = await seed(app, index=1)  # not the newest: only the metadata picks it
    await seed(app, index=2)
    created = await client.post(
        "/threads", json={"metadata": {"persona_ids": [named["id"]]}}, headers=EDITOR
    )
    thread = created.json()["thread_id"]
    body = {"assistant_id": "mentor", "input": question("Co o niej wiemy?")}
    response = await client.post(f"/threads/{thread}/runs/wait", json=body, headers=EDITOR)
    assert response.status_code == 200, response.text
    assert response.json()["refs"] == [{"kind": "persona", "id": named["id"]}]
