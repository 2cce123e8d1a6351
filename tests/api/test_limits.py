"""Size limits and numeric bounds: a body too large is a 413, a number out of range a 422 naming
the field (never a 500 from the database), and a long run's stored events replay in pages."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.agent_server.run_responses import REPLAY_PAGE
from api.app import create_app
from sight.clock import utc_now
from sight.settings import Settings
from store.run_events import RunEventRepository
from tests.api.conftest import headers_for
from tests.api.sample_graphs import test_graphs as sample_graph_specs

EDITOR = headers_for("editor")
PAST_INT64 = 2**63 + 7


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings, graphs=sample_graph_specs(0.0))


async def new_thread(client: httpx.AsyncClient) -> str:
    response = await client.post("/threads", json={}, headers=EDITOR)
    assert response.status_code == 200
    return response.json()["thread_id"]


async def thread_count(client: httpx.AsyncClient) -> int:
    return (await client.post("/threads/count", json={}, headers=EDITOR)).json()


def fields(response: httpx.Response) -> list[str]:
    return [problem["field"] for problem in response.json()["details"]]


# --- request bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"max_request_body_bytes": 4096}])
async def test_request_body_when_over_the_limit_then_413_naming_it_and_nothing_stored(
    client: httpx.AsyncClient,
):
    body = json.dumps({"metadata": {"note": "x" * 5000}}).encode()

    response = await client.post(
        "/threads", content=body, headers={**EDITOR, "content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert response.json()["details"] == {"limit_bytes": 4096}
    assert "SIGHT_MAX_REQUEST_BODY_BYTES" in response.json()["detail"]
    assert await thread_count(client) == 0


@pytest.mark.parametrize("settings_overrides", [{"max_request_body_bytes": 4096}])
async def test_request_body_when_streamed_without_length_over_the_limit_then_413(
    client: httpx.AsyncClient,
):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"metadata": {"note": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    response = await client.post(
        "/threads", content=chunks(), headers={**EDITOR, "content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert await thread_count(client) == 0


@pytest.mark.parametrize("settings_overrides", [{"max_request_body_bytes": 4096}])
async def test_request_body_when_under_the_limit_then_served(client: httpx.AsyncClient):
    response = await client.post(
        "/threads", json={"metadata": {"note": "x" * 3000}}, headers=EDITOR
    )

    assert response.status_code == 200


# --- thread search ids ------------------------------------------------------------------------


async def test_threads_search_when_more_than_1000_ids_then_422_naming_ids(
    client: httpx.AsyncClient,
):
    ids = [str(uuid.uuid4()) for _ in range(1001)]

    response = await client.post("/threads/search", json={"ids": ids}, headers=EDITOR)

    assert response.status_code == 422
    assert fields(response) == ["body.ids"]


@pytest.mark.parametrize("settings_overrides", [{"max_search_ids": 2}])
async def test_threads_search_when_ids_over_the_setting_then_422_naming_it(
    client: httpx.AsyncClient,
):
    ids = [str(uuid.uuid4()) for _ in range(3)]

    response = await client.post("/threads/search", json={"ids": ids}, headers=EDITOR)

    assert response.status_code == 422
    assert fields(response) == ["ids"]
    assert "SIGHT_MAX_SEARCH_IDS" in response.json()["detail"]


async def test_threads_search_when_ids_given_in_any_case_then_matched(client: httpx.AsyncClient):
    thread_id = await new_thread(client)

    response = await client.post(
        "/threads/search", json={"ids": [thread_id.upper()]}, headers=EDITOR
    )

    assert [t["thread_id"] for t in response.json()] == [thread_id]


async def test_threads_search_when_an_id_is_not_a_uuid_then_422(client: httpx.AsyncClient):
    response = await client.post("/threads/search", json={"ids": ["nope"]}, headers=EDITOR)

    assert response.status_code == 422
    assert fields(response) == ["body.ids.0"]


# --- history ----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [0, -1, 1001, 5000])
async def test_history_get_when_limit_out_of_range_then_422_naming_limit(
    client: httpx.AsyncClient, limit: int
):
    thread_id = await new_thread(client)

    response = await client.get(f"/threads/{thread_id}/history?limit={limit}", headers=EDITOR)

    assert response.status_code == 422
    assert fields(response) == ["query.limit"]


@pytest.mark.parametrize("settings_overrides", [{"max_history_limit": 5}])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_history_when_limit_over_the_setting_then_422_naming_it(
    client: httpx.AsyncClient, method: str
):
    thread_id = await new_thread(client)
    url = f"/threads/{thread_id}/history"

    if method == "GET":
        response = await client.get(f"{url}?limit=6", headers=EDITOR)
    else:
        response = await client.post(url, json={"limit": 6}, headers=EDITOR)

    assert response.status_code == 422
    assert "SIGHT_MAX_HISTORY_LIMIT" in response.json()["detail"]


# --- offsets and other numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", f"/personas?offset={PAST_INT64}", None, "query.offset"),
        ("GET", "/threads/{thread}/runs?offset=" + str(PAST_INT64), None, "query.offset"),
        ("POST", "/threads/search", {"offset": PAST_INT64}, "body.offset"),
        ("POST", "/assistants/search", {"offset": PAST_INT64}, "body.offset"),
        ("GET", f"/personas/{uuid.uuid4()}/audit?offset={PAST_INT64}", None, "query.offset"),
        ("GET", "/threads/{thread}/runs?limit=0", None, "query.limit"),
        ("GET", "/threads/{thread}/runs?status=sleeping", None, "query.status"),
    ],
)
async def test_numbers_when_out_of_range_then_422_naming_the_field_not_500(
    client: httpx.AsyncClient, method: str, path: str, body: Any, field: str
):
    thread_id = await new_thread(client)

    response = await client.request(
        method, path.format(thread=thread_id), json=body, headers=headers_for("admin")
    )

    assert response.status_code == 422
    assert fields(response) == [field]


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"recursion_limit": 10**30}, "recursion_limit"),
        ({"recursion_limit": 0}, "recursion_limit"),
        ({"recursion_limit": "25"}, "recursion_limit"),
        ({"max_concurrency": -1}, "max_concurrency"),
    ],
)
async def test_run_when_config_number_out_of_range_then_422_and_nothing_stored(
    client: httpx.AsyncClient, config: dict[str, Any], problem: str
):
    response = await client.post(
        "/runs/wait",
        json={"assistant_id": "quick", "input": {"topic": "t"}, "config": config},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert fields(response) == ["body.config"]
    assert problem in response.json()["detail"]
    assert await thread_count(client) == 0


# --- replaying a long run -----------------------------------------------------------------------


async def test_join_stream_when_many_stored_events_then_replayed_in_pages_in_order(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    thread_id = await new_thread(client)
    run = (
        await client.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "quick", "input": {"topic": "t"}},
            headers=EDITOR,
        )
    ).json()
    await client.get(f"/threads/{thread_id}/runs/{run['run_id']}/join", headers=EDITOR)
    manager = app.state.runs
    await manager.streams.flush_all()
    events = RunEventRepository(manager.resources.sessions)
    first_extra = await events.last_seq(run["run_id"]) + 1
    extra = 2 * REPLAY_PAGE + 17
    await events.append(
        run["run_id"],
        [(first_extra + i, "custom", json.dumps({"i": i})) for i in range(extra)],
        utc_now(),
    )
    manager.streams.drop(run["run_id"])  # as after a restart: only the database holds them
    pages: list[int] = []
    read = RunEventRepository.after

    async def counted(self: RunEventRepository, *args: Any, **kwargs: Any) -> Any:
        rows = await read(self, *args, **kwargs)
        pages.append(len(rows))
        return rows

    monkeypatch.setattr(RunEventRepository, "after", counted)

    response = await client.get(
        f"/threads/{thread_id}/runs/{run['run_id']}/stream",
        headers={**EDITOR, "Last-Event-ID": "-1"},
    )

    ids = [int(line[4:]) for line in response.text.splitlines() if line.startswith("id: ")]
    assert ids == list(range(first_extra + extra))
    assert max(pages) == REPLAY_PAGE
    assert sum(pages) == first_extra + extra


@pytest.mark.parametrize("last_event_id", ["abc", "1.5", "99999999999999999999999", "-7"])
async def test_join_stream_when_last_event_id_invalid_then_422_naming_it(
    client: httpx.AsyncClient, last_event_id: str
):
    thread_id = await new_thread(client)
    run = (
        await client.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "quick", "input": {"topic": "t"}},
            headers=EDITOR,
        )
    ).json()

    response = await client.get(
        f"/threads/{thread_id}/runs/{run['run_id']}/stream",
        headers={**EDITOR, "Last-Event-ID": last_event_id},
    )

    assert response.status_code == 422
    assert fields(response) == ["Last-Event-ID"]
