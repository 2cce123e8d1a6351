"""What agent-chat-ui (create-agent-chat-app 0.1.6, @langchain/langgraph-sdk 0.0.57's useStream)
asks of the Agent Server API, replayed request by request against a real uvicorn: CORS for its
origin with the x-api-key header, the chat's stream, its thread list by graph_id metadata, the
thread's history with the interrupt where useStream reads it, and a resume sent as the UI sends
it (input {}, the command, the history head's checkpoint). The browser itself: tests/browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.api.dojo_support import APPROVE, dojo_settings, headers, human
from tests.api.live import live_server, sse_events

UI_ORIGIN = "http://127.0.0.1:5173"
TEACH = "Zapamiętaj: przy kliencie flotowym zawsze pytaj o liczbę aut w firmie."
STREAM_MODE = ["values", "messages-tuple", "custom"]  # the chat's submit, with onCustomEvent


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = dojo_settings(
        tmp_path_factory.mktemp("chat-ui") / "data", cors_allow_origins=[UI_ORIGIN]
    )
    with live_server(create_app(settings)) as base_url:
        yield base_url


def ui_client(base_url: str, tenant: str) -> httpx.Client:
    """Requests as the browser sends them: the UI's origin and a mentor's key. Each test
    teaches in a tenant of its own: the same teaching twice would be a duplicate."""
    return httpx.Client(
        base_url=base_url, headers={"origin": UI_ORIGIN, **headers(tenant)}, timeout=60
    )


def stream(http: httpx.Client, thread_id: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """POST runs/stream as useStream does; the response must carry the UI's CORS header."""
    payload = {"stream_mode": STREAM_MODE, "assistant_id": "ai_dojo", "on_disconnect": "cancel"}
    response = http.post(f"/threads/{thread_id}/runs/stream", json=body | payload)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    return sse_events(response.text)


def history_head(http: httpx.Client, thread_id: str) -> dict[str, Any]:
    """The newest state of POST /threads/{id}/history {limit: 1000}, the UI's thread head."""
    response = http.post(f"/threads/{thread_id}/history", json={"limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()[0]


def teach(http: httpx.Client) -> tuple[str, dict[str, Any]]:
    """A new thread, the teaching streamed; the thread id and its history head."""
    thread_id = http.post("/threads", json={}).json()["thread_id"]
    message = human(TEACH)["messages"][0] | {"id": "4a0c1c62-0d63-4b8e-9a51-1f0e5d3c2b10"}
    events = stream(http, thread_id, {"input": {"messages": [message]}})
    names = [name for name, _ in events]
    assert names[0] == "metadata" and "values" in names and "error" not in names, names
    return thread_id, history_head(http, thread_id)


def resume(http: httpx.Client, thread_id: str, head: dict[str, Any], value: Any) -> None:
    """Resume as the UI does: input {}, the command, and the head's checkpoint."""
    checkpoint = {k: v for k, v in head["checkpoint"].items() if k != "thread_id"}
    body = {"input": {}, "command": {"resume": value}, "checkpoint": checkpoint}
    names = [name for name, _ in stream(http, thread_id, body)]
    assert "error" not in names, names


def test_cors_when_ui_origin_preflights_with_api_key_then_allowed(ui_server: str):
    response = httpx.options(
        f"{ui_server}/threads/search",
        headers={
            "origin": UI_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-api-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    assert "x-api-key" in response.headers["access-control-allow-headers"].lower()


def test_chat_ui_when_teaching_then_listed_by_graph_id_and_interrupt_in_history_head(
    ui_server: str,
):
    with ui_client(ui_server, "initech") as http:
        thread_id, head = teach(http)
        found = http.post(
            "/threads/search",
            json={"metadata": {"graph_id": "ai_dojo"}, "limit": 100, "offset": 0},
        ).json()
        listed = {t["thread_id"]: t for t in found}
        assert thread_id in listed
        assert listed[thread_id]["values"]["messages"][0]["content"] == TEACH

        (interrupt,) = head["tasks"][-1]["interrupts"]  # useStream's thread.interrupt
        assert interrupt["value"]["action_requests"][0]["name"] == "add_knowledge"

        resume(http, thread_id, head, APPROVE)
        after = history_head(http, thread_id)
    assert after["next"] == [] and all(not t["interrupts"] for t in after["tasks"])
    assert "Zapisałem" in after["values"]["messages"][-1]["content"]


def is_agent_inbox_interrupt(value: Any) -> bool:
    """agent-chat-ui 0.1.6's isAgentInboxInterruptSchema (src/lib/agent-inbox-interrupt.ts)."""
    value = value[0] if isinstance(value, list) else value
    return (
        isinstance(value, dict)
        and isinstance(value.get("action_request"), dict)
        and isinstance(value.get("config"), dict)
        and {"allow_respond", "allow_accept", "allow_edit", "allow_ignore"} <= set(value["config"])
    )


def test_chat_ui_when_accept_clicked_then_entry_stored(ui_server: str):
    with ui_client(ui_server, "umbrella") as http:
        thread_id, head = teach(http)
        value = head["tasks"][-1]["interrupts"][0]["value"]
        assert is_agent_inbox_interrupt(value)
        # The UI's edit form reads every arg's length: an empty (null) field would crash it.
        assert all(v is not None for v in value["action_request"]["args"].values())
        entry_id = value["action_request"]["args"]["id"]
        accept = [{"type": "accept", "args": value["action_request"]}]
        resume(http, thread_id, head, accept)
        stored = http.get(f"/knowledge/{entry_id}")
    assert stored.status_code == 200, stored.text
    assert "liczbę aut" in stored.json()["text"]


def test_chat_ui_when_edit_submitted_then_edited_entry_stored(ui_server: str):
    with ui_client(ui_server, "hooli") as http:
        thread_id, head = teach(http)
        request = head["tasks"][-1]["interrupts"][0]["value"]["action_request"]
        # The UI sends an edited field as text, lists as their JSON.
        args = request["args"] | {"title": "Flota: liczba aut", "tags": '["flota", "b2b"]'}
        edited = [{"type": "edit", "args": {"action": request["action"], "args": args}}]
        resume(http, thread_id, head, edited)
        stored = http.get(f"/knowledge/{request['args']['id']}").json()
    assert (stored["title"], stored["tags"]) == ("Flota: liczba aut", ["flota", "b2b"])


def test_chat_ui_when_ignore_clicked_then_nothing_stored(ui_server: str):
    with ui_client(ui_server, "wonka") as http:
        thread_id, head = teach(http)
        entry_id = head["tasks"][-1]["interrupts"][0]["value"]["action_request"]["args"]["id"]
        resume(http, thread_id, head, [{"type": "ignore", "args": None}])
        assert http.get(f"/knowledge/{entry_id}").status_code == 404
        after = history_head(http, thread_id)
    assert after["next"] == []
