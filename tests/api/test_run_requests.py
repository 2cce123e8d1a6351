"""Run and state requests that cannot work are refused with a 422 naming the field (nothing
stored), and the routes a run response points to exist."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from sight.settings import Settings
from tests.api.conftest import headers_for
from tests.api.sample_graphs import test_graphs as sample_graph_specs

EDITOR = headers_for("editor")


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings, graphs=sample_graph_specs(0.0))


async def new_thread(client: httpx.AsyncClient) -> str:
    return (await client.post("/threads", json={}, headers=EDITOR)).json()["thread_id"]


async def runs_of(client: httpx.AsyncClient, thread_id: str) -> list[dict[str, Any]]:
    return (await client.get(f"/threads/{thread_id}/runs", headers=EDITOR)).json()


async def thread_count(client: httpx.AsyncClient) -> int:
    return (await client.post("/threads/count", json={}, headers=EDITOR)).json()


async def ran_thread(client: httpx.AsyncClient) -> str:
    thread_id = await new_thread(client)
    await client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "quick", "input": {"topic": "t"}},
        headers=EDITOR,
    )
    return thread_id


def fields(response: httpx.Response) -> list[str]:
    return [problem["field"] for problem in response.json()["details"]]


# --- no input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/runs/wait", "/runs/stream"])
@pytest.mark.parametrize("body", [{"input": None}, {}])
async def test_stateless_run_when_no_input_then_422_naming_input_and_nothing_stored(
    client: httpx.AsyncClient, route: str, body: dict[str, Any]
):
    response = await client.post(route, json={"assistant_id": "quick", **body}, headers=EDITOR)

    assert response.status_code == 422
    assert fields(response) == ["input"]
    assert await thread_count(client) == 0


@pytest.mark.parametrize("route", ["runs", "runs/wait", "runs/stream"])
async def test_thread_run_when_no_input_on_a_new_thread_then_422_and_no_run_stored(
    client: httpx.AsyncClient, route: str
):
    thread_id = await new_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/{route}",
        json={"assistant_id": "quick", "input": None},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert fields(response) == ["input"]
    assert await runs_of(client, thread_id) == []


async def test_thread_run_when_no_input_and_thread_created_on_the_fly_then_422_nothing_created(
    client: httpx.AsyncClient,
):
    thread_id = str(uuid.uuid4())

    response = await client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "quick", "if_not_exists": "create"},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert (await client.get(f"/threads/{thread_id}", headers=EDITOR)).status_code == 404


async def test_thread_run_when_no_input_on_an_interrupted_thread_then_it_continues(
    client: httpx.AsyncClient,
):
    thread_id = await new_thread(client)
    body = {"assistant_id": "quick", "input": {"topic": "t"}, "interrupt_before": ["step_1"]}
    first = await client.post(f"/threads/{thread_id}/runs/wait", json=body, headers=EDITOR)
    assert first.json()["log"] == ["step_0"]

    response = await client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "quick"}, headers=EDITOR
    )

    assert response.status_code == 200
    assert response.json()["log"] == ["step_0", "step_1", "step_2"]


OTHER = {"x-api-key": "globex-editor-key-0123456789"}
TWO_TENANTS = [
    {"key": EDITOR["x-api-key"], "role": "editor", "tenant": "acme"},
    {"key": OTHER["x-api-key"], "role": "editor", "tenant": "globex"},
]


@pytest.mark.parametrize("api_keys", [TWO_TENANTS])
async def test_thread_run_when_no_input_on_another_tenants_thread_then_as_if_none_existed(
    client: httpx.AsyncClient,
):
    thread_id = await ran_thread(client)
    body = {"assistant_id": "quick"}

    theirs = await client.post(f"/threads/{thread_id}/runs/wait", json=body, headers=OTHER)
    none = await client.post(f"/threads/{uuid.uuid4()}/runs/wait", json=body, headers=OTHER)

    assert theirs.status_code == none.status_code == 422
    assert theirs.json() == none.json()
    assert await runs_of(client, thread_id) != []  # acme's own run only


# --- commands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [{}, {"resume": None, "update": None, "goto": None}, {"update": {}}, {"goto": []}],
)
async def test_run_when_command_carries_nothing_then_422_naming_command(
    client: httpx.AsyncClient, command: dict[str, Any]
):
    thread_id = await new_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "quick", "command": command},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert fields(response) == ["body.command"]
    assert await runs_of(client, thread_id) == []


@pytest.mark.parametrize(
    ("command", "field"),
    [({"goto": True}, "body.command.goto"), ({"update": [["log", []]]}, "body.command.update")],
)
async def test_run_when_command_goto_or_update_malformed_then_422_naming_it(
    client: httpx.AsyncClient, command: dict[str, Any], field: str
):
    thread_id = await new_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "quick", "command": command},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert all(f.startswith(field) for f in fields(response))


# --- state updates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [3.5, "text", [1, 2]])
async def test_update_state_when_values_not_an_object_then_422_naming_values(
    client: httpx.AsyncClient, values: Any
):
    thread_id = await ran_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/state", json={"values": values}, headers=EDITOR
    )

    assert response.status_code == 422
    assert fields(response) == ["body.values"]


async def test_update_state_when_as_node_unknown_then_422_naming_as_node(
    client: httpx.AsyncClient,
):
    thread_id = await ran_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/state",
        json={"values": {"log": ["x"]}, "as_node": "no_such_node"},
        headers=EDITOR,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_update"
    assert fields(response) == ["as_node"]


# --- where a run points to ------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "follow"), [("/runs/wait", "join"), ("/runs/stream", "stream")])
async def test_stateless_run_when_answered_then_location_is_a_route_that_serves_it(
    client: httpx.AsyncClient, route: str, follow: str
):
    response = await client.post(
        route,
        json={"assistant_id": "quick", "input": {"topic": "t"}, "on_completion": "keep"},
        headers=EDITOR,
    )

    location = response.headers["location"]
    run_id = response.headers["content-location"].rsplit("/", 1)[-1]
    assert location.startswith("/threads/") and location.endswith(f"/runs/{run_id}/{follow}")
    followed = await client.get(location, headers={**EDITOR, "Last-Event-ID": "-1"})
    assert followed.status_code == 200
    run = await client.get(location.removesuffix(f"/{follow}"), headers=EDITOR)
    assert run.json()["status"] == "success"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"command": {"goto": "no_such_node"}}, "command.goto"),
        ({"command": {"goto": ["step_1", "nowhere"]}}, "command.goto"),
        ({"input": {"topic": "t"}, "interrupt_before": ["nowhere"]}, "interrupt_before"),
        ({"input": {"topic": "t"}, "interrupt_after": ["step_0", "x"]}, "interrupt_after"),
    ],
)
async def test_run_when_naming_a_node_the_graph_lacks_then_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
):
    thread_id = await new_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "quick", **body}, headers=EDITOR
    )

    assert response.status_code == 422
    assert fields(response) == [field]
    assert "step_0" in response.json()["detail"]  # the nodes it has
    assert await runs_of(client, thread_id) == []


async def test_run_when_interrupt_before_every_node_then_accepted(client: httpx.AsyncClient):
    thread_id = await new_thread(client)

    response = await client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "quick", "input": {"topic": "t"}, "interrupt_before": "*"},
        headers=EDITOR,
    )

    assert response.status_code == 200


async def test_update_state_when_checkpoint_id_unknown_then_404_and_nothing_written(
    client: httpx.AsyncClient,
):
    thread_id = await ran_thread(client)
    before = (await client.get(f"/threads/{thread_id}/state", headers=EDITOR)).json()

    response = await client.post(
        f"/threads/{thread_id}/state",
        json={"values": {"log": ["x"]}, "checkpoint_id": "1f1f21a6-5887-6f2f-815e-8b8189aeec8a"},
        headers=EDITOR,
    )

    assert response.status_code == 404 and "1f1f21a6" in response.json()["detail"]
    after = (await client.get(f"/threads/{thread_id}/state", headers=EDITOR)).json()
    assert after["checkpoint"] == before["checkpoint"]
