"""Assistants and threads through the official langgraph_sdk against a real uvicorn."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    UnprocessableEntityError,
)

from tests.api.conftest import BOTH_DBS, SdkFactory
from tests.api.live import collect, logged, run_status

ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
KPI_ID = str(uuid.uuid5(ASSISTANT_NAMESPACE, "kpi_estimation"))
KPI_INPUT = {"age_min": 18, "age_max": 24, "gender": "kobieta", "industry": "b2b_saas"}


# --- assistants -------------------------------------------------------------------------------


async def test_assistants_search_when_listed_then_one_system_assistant_per_graph(
    sdk: SdkFactory,
) -> None:
    client = sdk("viewer")

    found = await client.assistants.search(limit=100)

    by_graph = {a["graph_id"]: a for a in found}
    assert {"kpi_estimation", "slow", "quick", "approval", "failing", "chat"} <= set(by_graph)
    for graph_id, assistant in by_graph.items():
        assert assistant["assistant_id"] == str(uuid.uuid5(ASSISTANT_NAMESPACE, graph_id))
        assert assistant["name"] == graph_id
        assert assistant["metadata"] == {"created_by": "system"}
        assert assistant["version"] == 1
    assert await client.assistants.count() == len(found)


async def test_assistants_search_when_filtered_then_only_matches(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    by_graph = await client.assistants.search(graph_id="kpi_estimation")
    by_name = await client.assistants.search(name="KPI_EST")
    paged = await client.assistants.search(limit=2, offset=1, response_format="object")

    assert [a["assistant_id"] for a in by_graph] == [KPI_ID]
    assert [a["graph_id"] for a in by_name] == ["kpi_estimation"]
    assert len(paged["assistants"]) == 2
    assert paged["next"] == "3"


async def test_assistant_get_when_by_name_or_uuid_then_same_assistant(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    by_name = await client.assistants.get("kpi_estimation")
    by_uuid = await client.assistants.get(KPI_ID)

    assert by_name == by_uuid
    assert by_uuid["assistant_id"] == KPI_ID
    assert by_uuid["graph_id"] == "kpi_estimation"


async def test_assistant_get_when_unknown_then_not_found(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    with pytest.raises(NotFoundError):
        await client.assistants.get("no_such_graph")
    with pytest.raises(NotFoundError):
        await client.assistants.get(str(uuid.uuid4()))


async def test_assistant_schemas_when_kpi_then_input_and_output_schemas(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    schemas = await client.assistants.get_schemas(KPI_ID)

    assert schemas["graph_id"] == "kpi_estimation"
    assert set(schemas) >= {"config_schema", "context_schema"}
    assert {"age_min", "age_max", "gender", "industry"} <= set(
        (schemas["input_schema"] or {}).get("properties", {})
    )
    assert set((schemas["output_schema"] or {}).get("properties", {})) == {"snapshot"}


async def test_assistant_schemas_when_kpi_then_state_schema_lists_channels(
    sdk: SdkFactory,
) -> None:
    client = sdk("viewer")

    schemas = await client.assistants.get_schemas("kpi_estimation")

    assert {"request", "snapshot", "kpis"} <= set(
        (schemas["state_schema"] or {}).get("properties", {})
    )


async def test_assistant_graph_when_by_name_or_uuid_then_nodes_and_edges(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    drawn = await client.assistants.get_graph("kpi_estimation")
    by_uuid = await client.assistants.get_graph(KPI_ID)

    assert drawn == by_uuid
    nodes = {node["id"] for node in drawn["nodes"]}
    assert {"__start__", "validate_input", "save_snapshot", "__end__"} <= nodes
    edges = {(edge["source"], edge["target"]) for edge in drawn["edges"]}
    assert ("__start__", "validate_input") in edges
    assert ("score_confidence", "save_snapshot") in edges
    assert all("id" not in node.get("data", {}) for node in drawn["nodes"])


async def test_assistant_graph_when_bad_xray_then_422(sdk: SdkFactory) -> None:
    client = sdk("viewer")

    with pytest.raises(UnprocessableEntityError):
        await client.assistants.get_graph("kpi_estimation", xray=-1)


# --- threads ----------------------------------------------------------------------------------


async def test_thread_create_when_metadata_then_idle_thread_with_metadata(sdk: SdkFactory) -> None:
    client = sdk()

    thread = await client.threads.create(metadata={"project": "alpha", "n": 1})
    fetched = await client.threads.get(thread["thread_id"])

    assert uuid.UUID(thread["thread_id"])
    assert thread["status"] == "idle"
    assert thread["metadata"] == {"project": "alpha", "n": 1}
    assert thread["values"] is None
    assert thread["interrupts"] == {}
    assert fetched == thread


async def test_thread_create_when_id_exists_and_if_exists_raise_then_conflict(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = str(uuid.uuid4())
    await client.threads.create(thread_id=thread_id, metadata={"v": 1})

    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=thread_id, metadata={"v": 2}, if_exists="raise")

    assert (await client.threads.get(thread_id))["metadata"] == {"v": 1}


async def test_thread_create_when_id_exists_and_do_nothing_then_existing_thread(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = str(uuid.uuid4())
    first = await client.threads.create(thread_id=thread_id, metadata={"v": 1})

    again = await client.threads.create(
        thread_id=thread_id, metadata={"v": 2}, if_exists="do_nothing"
    )

    assert again == first


async def test_thread_update_when_metadata_given_then_merged(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create(metadata={"a": 1, "b": 1})

    updated = await client.threads.update(thread["thread_id"], metadata={"b": 2, "c": 3})

    assert updated["metadata"] == {"a": 1, "b": 2, "c": 3}


async def test_threads_search_when_metadata_filter_then_matches_including_graph_id(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    tag = uuid.uuid4().hex
    kpi = await client.threads.create(metadata={"tag": tag})
    other = await client.threads.create(metadata={"tag": tag})
    await client.runs.wait(kpi["thread_id"], "kpi_estimation", input=KPI_INPUT)

    tagged = await client.threads.search(metadata={"tag": tag})
    by_graph = await client.threads.search(metadata={"tag": tag, "graph_id": "kpi_estimation"})
    by_assistant = await client.threads.search(metadata={"tag": tag, "assistant_id": KPI_ID})
    idle = await client.threads.search(metadata={"tag": tag}, status="idle")

    assert {t["thread_id"] for t in tagged} == {kpi["thread_id"], other["thread_id"]}
    assert [t["thread_id"] for t in by_graph] == [kpi["thread_id"]]
    assert [t["thread_id"] for t in by_assistant] == [kpi["thread_id"]]
    assert by_graph[0]["metadata"] == {
        "tag": tag,
        "graph_id": "kpi_estimation",
        "assistant_id": KPI_ID,
    }
    assert len(idle) == 2
    assert await client.threads.count(metadata={"tag": tag}) == 2


async def test_threads_search_when_sorted_and_paged_then_newest_updated_first(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    tag = uuid.uuid4().hex
    created = [await client.threads.create(metadata={"tag": tag}) for _ in range(3)]
    await client.threads.update(created[0]["thread_id"], metadata={"touched": True})

    page = await client.threads.search(metadata={"tag": tag}, limit=2)
    rest = await client.threads.search(metadata={"tag": tag}, limit=2, offset=2)

    assert [t["thread_id"] for t in page] == [created[0]["thread_id"], created[2]["thread_id"]]
    assert [t["thread_id"] for t in rest] == [created[1]["thread_id"]]


# --- state, history, update_state -------------------------------------------------------------


@BOTH_DBS
async def test_thread_state_when_run_done_then_values_and_history_newest_first(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "quick", input={"topic": "t"})

    state = await client.threads.get_state(thread["thread_id"])
    history = await client.threads.get_history(thread["thread_id"], limit=10)

    assert state["values"] == {"topic": "t", "log": ["step_0", "step_1", "step_2"]}
    assert state["next"] == []
    assert state["tasks"] == []
    assert state["interrupts"] == []
    assert state["metadata"]["graph_id"] == "quick"
    assert state["checkpoint"]["thread_id"] == thread["thread_id"]
    assert state["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    steps = [snapshot["metadata"]["step"] for snapshot in history]
    assert steps == sorted(steps, reverse=True) and steps[0] == 3 and steps[-1] == -1
    assert history[0]["checkpoint"] == state["checkpoint"]
    assert [h["next"] for h in history[1:4]] == [["step_2"], ["step_1"], ["step_0"]]
    # Each snapshot's parent is the next (older) one in the list.
    for newer, older in zip(history, history[1:], strict=False):
        assert newer["parent_checkpoint"]["checkpoint_id"] == older["checkpoint_id"]


async def test_thread_history_when_limit_and_before_then_that_page(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "quick", input={"topic": "t"})
    full = await client.threads.get_history(thread["thread_id"], limit=10)

    first_two = await client.threads.get_history(thread["thread_id"], limit=2)
    older = await client.threads.get_history(
        thread["thread_id"], limit=2, before=full[1]["checkpoint"]
    )
    at = await client.threads.get_state(thread["thread_id"], checkpoint=full[2]["checkpoint"])

    assert [h["checkpoint_id"] for h in first_two] == [h["checkpoint_id"] for h in full[:2]]
    assert [h["checkpoint_id"] for h in older] == [h["checkpoint_id"] for h in full[2:4]]
    assert at["values"] == full[2]["values"]


@BOTH_DBS
async def test_update_state_when_idle_then_get_state_shows_values(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "quick", input={"topic": "t"})
    before = await client.threads.get_history(thread["thread_id"], limit=100)

    result = await client.threads.update_state(
        thread["thread_id"], {"topic": "edited", "log": ["manual"]}, as_node="step_2"
    )
    state = await client.threads.get_state(thread["thread_id"])
    after = await client.threads.get_history(thread["thread_id"], limit=100)

    assert result["checkpoint"]["checkpoint_id"] == state["checkpoint_id"]
    assert state["values"] == {"topic": "edited", "log": ["step_0", "step_1", "step_2", "manual"]}
    assert state["metadata"]["source"] == "update"
    assert len(after) == len(before) + 1
    assert (await client.threads.get(thread["thread_id"]))["values"] == state["values"]


@BOTH_DBS
async def test_update_state_when_run_in_flight_then_conflict(sdk: SdkFactory) -> None:
    from tests.api.sample_graphs import gate

    client = sdk()
    topic = uuid.uuid4().hex
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "gated", input={"topic": topic})
    await logged(client, thread["thread_id"], f"{topic}:step_2")  # held at step_3

    with pytest.raises(ConflictError):
        await client.threads.update_state(thread["thread_id"], {"log": ["sneaky"]})

    gate(topic).set()
    await client.runs.join(thread["thread_id"], run["run_id"])
    assert "sneaky" not in (await client.threads.get_state(thread["thread_id"]))["values"]["log"]


async def test_update_state_when_thread_has_no_graph_then_bad_request(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    with pytest.raises(BadRequestError):
        await client.threads.update_state(thread["thread_id"], {"log": ["x"]})


async def test_thread_state_when_never_run_then_empty_state(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    state = await client.threads.get_state(thread["thread_id"])
    history = await client.threads.get_history(thread["thread_id"])

    assert state["values"] == {}
    assert state["next"] == [] and state["checkpoint"] is None
    assert history == []


# --- runs.list / runs.get, thread delete ------------------------------------------------------


async def test_runs_list_and_get_when_two_runs_then_newest_first_with_status(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()
    first = await client.runs.create(
        thread["thread_id"], "quick", input={"topic": "a"}, metadata={"n": 1}
    )
    await client.runs.join(thread["thread_id"], first["run_id"])
    second = await client.runs.create(thread["thread_id"], "quick", input={"topic": "b"})
    await client.runs.join(thread["thread_id"], second["run_id"])

    runs = await client.runs.list(thread["thread_id"])
    got = await client.runs.get(thread["thread_id"], first["run_id"])
    successes = await client.runs.list(thread["thread_id"], status="success", limit=1)

    assert [r["run_id"] for r in runs] == [second["run_id"], first["run_id"]]
    # Nothing else of the thread was inflight: the run was stored claimed and started at once.
    assert first["status"] == "running"
    assert got["status"] == "success"
    assert got["thread_id"] == thread["thread_id"]
    assert got["assistant_id"] == str(uuid.uuid5(ASSISTANT_NAMESPACE, "quick"))
    assert got["metadata"]["n"] == 1
    assert got["kwargs"]["input"] == {"topic": "a"}
    assert got["multitask_strategy"] == "enqueue"
    assert [r["run_id"] for r in successes] == [second["run_id"]]


async def test_run_get_when_other_thread_then_not_found(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()
    elsewhere = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "quick", input={"topic": "a"})

    with pytest.raises(NotFoundError):
        await client.runs.get(elsewhere["thread_id"], run["run_id"])


@BOTH_DBS
async def test_thread_delete_when_admin_then_runs_state_and_checkpoints_gone(
    sdk: SdkFactory,
) -> None:
    editor, admin = sdk("editor"), sdk("admin")
    thread = await editor.threads.create()
    thread_id = thread["thread_id"]
    run = await editor.runs.create(thread_id, "quick", input={"topic": "t"})
    await editor.runs.join(thread_id, run["run_id"])

    await admin.threads.delete(thread_id)

    for call in (
        editor.threads.get(thread_id),
        editor.threads.get_state(thread_id),
        editor.runs.list(thread_id),
        editor.runs.get(thread_id, run["run_id"]),
    ):
        with pytest.raises(NotFoundError):
            await call
    with pytest.raises(NotFoundError):
        await collect(editor.runs.join_stream(thread_id, run["run_id"], last_event_id="-1"))
    assert thread_id not in {t["thread_id"] for t in await editor.threads.search(limit=1000)}
    # A new thread with the same id starts empty: the old checkpoints went with the thread.
    await editor.threads.create(thread_id=thread_id, metadata={"graph_id": "quick"})
    assert (await editor.threads.get_state(thread_id))["values"] == {}
    assert await editor.runs.list(thread_id) == []


async def test_thread_delete_when_run_in_flight_then_run_stopped(sdk: SdkFactory) -> None:
    client, admin = sdk(), sdk("admin")
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "gated", input={"topic": uuid.uuid4().hex})
    await run_status(client, thread["thread_id"], run["run_id"], {"running"})

    await admin.threads.delete(thread["thread_id"])

    with pytest.raises(NotFoundError):
        await client.runs.get(thread["thread_id"], run["run_id"])
