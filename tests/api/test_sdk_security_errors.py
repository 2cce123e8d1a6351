"""Tenants, roles and bad requests through the official langgraph_sdk: the errors it raises,
and that a refused request stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from langgraph_sdk.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

from tests.api.conftest import OTHER_TENANT_KEY, SdkFactory
from tests.api.live import collect, logged
from tests.api.sample_graphs import gate

KPI_INPUT = {"age_min": 18, "age_max": 24, "gender": "kobieta", "industry": "b2b_saas"}


async def status_of(call: Awaitable[Any]) -> int:
    """The HTTP status an SDK call failed with (typed SDK error or httpx's own)."""
    with pytest.raises(httpx.HTTPStatusError) as failed:
        await call
    return failed.value.response.status_code


# --- tenants ----------------------------------------------------------------------------------


async def test_other_tenant_when_touching_thread_or_run_then_not_found_everywhere(
    sdk: SdkFactory,
) -> None:
    owner, intruder = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    topic = uuid.uuid4().hex
    thread_id = (await owner.threads.create(metadata={"secret": topic}))["thread_id"]
    done = await owner.runs.create(thread_id, "quick", input={"topic": "t"})
    await owner.runs.join(thread_id, done["run_id"])
    held = await owner.runs.create(thread_id, "gated", input={"topic": topic})
    await logged(owner, thread_id, f"{topic}:step_2")

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "threads.get": lambda: intruder.threads.get(thread_id),
        "threads.update": lambda: intruder.threads.update(thread_id, metadata={"x": 1}),
        "threads.get_state": lambda: intruder.threads.get_state(thread_id),
        "threads.get_history": lambda: intruder.threads.get_history(thread_id),
        "threads.update_state": lambda: intruder.threads.update_state(thread_id, {"log": []}),
        "threads.delete": lambda: intruder.threads.delete(thread_id),
        "runs.list": lambda: intruder.runs.list(thread_id),
        "runs.get": lambda: intruder.runs.get(thread_id, done["run_id"]),
        "runs.create": lambda: intruder.runs.create(thread_id, "quick", input={"topic": "x"}),
        "runs.stream": lambda: collect(
            intruder.runs.stream(thread_id, "quick", input={"topic": "x"})
        ),
        "runs.wait": lambda: intruder.runs.wait(thread_id, "quick", input={"topic": "x"}),
        "runs.join": lambda: intruder.runs.join(thread_id, done["run_id"]),
        "runs.join_stream": lambda: collect(
            intruder.runs.join_stream(thread_id, done["run_id"], last_event_id="-1")
        ),
        "runs.cancel": lambda: intruder.runs.cancel(thread_id, held["run_id"]),
        "runs.delete": lambda: intruder.runs.delete(thread_id, done["run_id"]),
    }
    statuses = {name: await status_of(call()) for name, call in calls.items()}

    assert statuses == dict.fromkeys(calls, 404)
    assert await intruder.threads.search(metadata={"secret": topic}) == []
    assert thread_id not in {t["thread_id"] for t in await intruder.threads.search(limit=1000)}
    assert await intruder.threads.count(metadata={"secret": topic}) == 0
    # The owner's thread and runs are untouched.
    assert (await owner.runs.get(thread_id, held["run_id"]))["status"] == "running"
    gate(topic).set()
    await owner.runs.join(thread_id, held["run_id"])
    assert len(await owner.runs.list(thread_id)) == 2
    assert (await owner.threads.get(thread_id))["metadata"]["secret"] == topic


async def test_other_tenant_when_creating_same_thread_id_then_separate_thread(
    sdk: SdkFactory,
) -> None:
    owner, intruder = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    thread_id = (await owner.threads.create(metadata={"owner": "acme"}))["thread_id"]

    await intruder.threads.create(thread_id=thread_id, metadata={"owner": "globex"})
    run = await intruder.runs.create(thread_id, "quick", input={"topic": "x"})
    await intruder.runs.join(thread_id, run["run_id"])

    assert (await owner.threads.get(thread_id))["metadata"] == {"owner": "acme"}
    assert await owner.runs.list(thread_id) == []
    assert [r["run_id"] for r in await intruder.runs.list(thread_id)] == [run["run_id"]]


# --- roles ------------------------------------------------------------------------------------


async def test_viewer_when_creating_runs_then_permission_denied(sdk: SdkFactory) -> None:
    editor, viewer = sdk("editor"), sdk("viewer")
    thread_id = (await editor.threads.create())["thread_id"]

    with pytest.raises(PermissionDeniedError):
        await viewer.runs.create(thread_id, "quick", input={"topic": "x"})
    with pytest.raises(PermissionDeniedError):
        await collect(viewer.runs.stream(thread_id, "quick", input={"topic": "x"}))
    with pytest.raises(PermissionDeniedError):
        await collect(viewer.runs.stream(None, "quick", input={"topic": "x"}))
    assert await status_of(viewer.runs.wait(thread_id, "quick", input={"topic": "x"})) == 403
    with pytest.raises(PermissionDeniedError):
        await viewer.threads.create()

    assert await viewer.runs.list(thread_id) == []
    assert (await viewer.threads.get(thread_id))["thread_id"] == thread_id


async def test_viewer_when_cancelling_or_updating_state_then_permission_denied(
    sdk: SdkFactory,
) -> None:
    editor, viewer = sdk("editor"), sdk("viewer")
    topic = uuid.uuid4().hex
    thread_id = (await editor.threads.create())["thread_id"]
    run = await editor.runs.create(thread_id, "gated", input={"topic": topic})

    with pytest.raises(PermissionDeniedError):
        await viewer.runs.cancel(thread_id, run["run_id"])
    gate(topic).set()
    await editor.runs.join(thread_id, run["run_id"])
    with pytest.raises(PermissionDeniedError):
        await viewer.threads.update_state(thread_id, {"log": ["x"]})

    assert (await viewer.runs.get(thread_id, run["run_id"]))["status"] == "success"


async def test_editor_when_deleting_then_permission_denied_and_admin_can(
    sdk: SdkFactory,
) -> None:
    editor, admin = sdk("editor"), sdk("admin")
    thread_id = (await editor.threads.create())["thread_id"]
    run = await editor.runs.create(thread_id, "quick", input={"topic": "x"})
    await editor.runs.join(thread_id, run["run_id"])

    with pytest.raises(PermissionDeniedError):
        await editor.runs.delete(thread_id, run["run_id"])
    with pytest.raises(PermissionDeniedError):
        await editor.threads.delete(thread_id)
    assert (await editor.threads.get(thread_id))["thread_id"] == thread_id

    await admin.runs.delete(thread_id, run["run_id"])
    assert await editor.runs.list(thread_id) == []
    await admin.threads.delete(thread_id)
    with pytest.raises(NotFoundError):
        await editor.threads.get(thread_id)


@pytest.mark.parametrize("api_key", [None, "wrong-key-0123456789abc"])
async def test_request_when_key_missing_or_wrong_then_authentication_error(
    sdk: SdkFactory, sdk_url: str, api_key: str | None
) -> None:
    from langgraph_sdk import get_client

    async with get_client(url=sdk_url, api_key=api_key) as client:
        with pytest.raises(AuthenticationError):
            await client.threads.search()
        with pytest.raises(AuthenticationError):
            await collect(client.runs.stream(None, "quick", input={"topic": "x"}))


# --- bad inputs -------------------------------------------------------------------------------


async def test_run_when_assistant_unknown_then_not_found_and_nothing_stored(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, "no_such_graph", input={})
    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, str(uuid.uuid4()), input={})
    with pytest.raises(NotFoundError):
        await collect(client.runs.stream(thread_id, "no_such_graph", input={}))

    assert await client.runs.list(thread_id) == []
    assert (await client.threads.get(thread_id))["metadata"] == {}


async def test_run_when_thread_missing_then_not_found_unless_if_not_exists_create(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = str(uuid.uuid4())

    with pytest.raises(NotFoundError):
        await client.runs.create(thread_id, "quick", input={"topic": "x"})
    output = await client.runs.wait(
        thread_id, "quick", input={"topic": "x"}, if_not_exists="create"
    )

    assert output["log"] == ["step_0", "step_1", "step_2"]
    assert (await client.threads.get(thread_id))["metadata"]["graph_id"] == "quick"


async def test_request_when_ids_not_uuids_then_422(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    with pytest.raises(UnprocessableEntityError):
        await client.threads.get("not-a-uuid")
    with pytest.raises(UnprocessableEntityError):
        await client.threads.get_state("not-a-uuid")
    with pytest.raises(UnprocessableEntityError):
        await client.runs.get(thread_id, "not-a-uuid")
    with pytest.raises(UnprocessableEntityError):
        await client.runs.create("not-a-uuid", "quick", input={"topic": "x"})
    with pytest.raises(UnprocessableEntityError):
        await client.threads.create(thread_id="not-a-uuid")


async def test_stream_when_stream_mode_unknown_then_422_naming_it(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    with pytest.raises(UnprocessableEntityError) as refused:
        await collect(
            client.runs.stream(
                thread_id, "quick", input={"topic": "x"}, stream_mode=["values", "telepathy"]
            )
        )

    assert "telepathy" in refused.value.message
    assert await client.runs.list(thread_id) == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("webhook", "https://example.invalid/hook"),
        ("after_seconds", 5),
        ("feedback_keys", ["score"]),
    ],
)
async def test_run_when_unsupported_option_then_422_naming_it(
    sdk: SdkFactory, option: str, value: Any
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    with pytest.raises(UnprocessableEntityError) as refused:
        await collect(
            client.runs.stream(thread_id, "quick", input={"topic": "x"}, **{option: value})
        )

    assert option in refused.value.message
    assert await client.runs.list(thread_id) == []


async def test_run_when_unknown_body_field_then_422_naming_it(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    with pytest.raises(UnprocessableEntityError) as refused:
        await client.http.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "quick", "input": {"topic": "x"}, "temperature_knob": 3},
        )

    assert "temperature_knob" in refused.value.message
    assert await client.runs.list(thread_id) == []


async def test_run_when_kpi_input_invalid_then_422_listing_fields_and_nothing_stored(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    bad = {**KPI_INPUT, "age_min": 40, "age_max": 30, "industry": "no_such_industry"}
    kpi_threads = await client.threads.count(metadata={"graph_id": "kpi_estimation"})

    with pytest.raises(UnprocessableEntityError) as refused:
        await client.runs.create(thread_id, "kpi_estimation", input=bad)
    with pytest.raises(UnprocessableEntityError):
        await collect(client.runs.stream(thread_id, "kpi_estimation", input=bad))
    with pytest.raises(UnprocessableEntityError):
        await collect(client.runs.stream(None, "kpi_estimation", input=bad))

    fields = {problem["field"] for problem in refused.value.body["details"]}
    assert {"age_min", "industry"} <= fields or {"age_max", "industry"} <= fields
    assert "industry" in refused.value.message
    assert await client.runs.list(thread_id) == []
    thread = await client.threads.get(thread_id)
    assert thread["metadata"] == {} and thread["status"] == "idle" and thread["values"] is None
    assert (await client.threads.get_state(thread_id))["values"] == {}
    assert await client.threads.count(metadata={"graph_id": "kpi_estimation"}) == kpi_threads


async def test_run_when_stateless_input_invalid_then_no_temporary_thread(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    bad = {**KPI_INPUT, "age_min": 99}
    kpi_threads = await client.threads.count(metadata={"graph_id": "kpi_estimation"})

    assert await status_of(client.runs.wait(None, "kpi_estimation", input=bad)) == 422

    assert await client.threads.count(metadata={"graph_id": "kpi_estimation"}) == kpi_threads


async def test_run_lookup_when_thread_or_run_unknown_then_404_names_the_missing_one(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    other_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "quick", input={"topic": "t"})
    await client.runs.join(thread_id, run["run_id"])

    async def detail(call: Awaitable[Any]) -> str:
        with pytest.raises(httpx.HTTPStatusError) as failed:
            await call
        assert failed.value.response.status_code == 404
        return failed.value.response.json()["detail"]

    missing_thread = str(uuid.uuid4())
    assert "Thread" in await detail(client.runs.get(missing_thread, run["run_id"]))
    # The run exists, but on another thread of the tenant: the run is what is missing.
    assert await detail(client.runs.get(other_id, run["run_id"])) == (
        f"Run {run['run_id']} not found"
    )
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "success"
