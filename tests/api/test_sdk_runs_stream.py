"""Runs through the official langgraph_sdk: stream modes, wait, join, stateless runs, failures,
client disconnects, and tokens streamed from the local model."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk.schema import StreamPart

from tests.api.conftest import BOTH_DBS, SdkFactory, sdk_server, sdk_test_settings
from tests.api.live import collect, logged, run_status, until
from tests.api.sample_graphs import gate

KPI_INPUT = {"age_min": 18, "age_max": 24, "gender": "kobieta", "industry": "b2b_saas"}
KPI_NODES = {
    "validate_input",
    "reuse_fresh_snapshot",
    "estimate_segment_size",
    "estimate_kpis",
    "compare_to_industry",
    "score_confidence",
    "save_snapshot",
}


def events_of(parts: list[StreamPart], name: str) -> list[Any]:
    return [part.data for part in parts if part.event == name]


async def thread_gone(client: Any, topic: str) -> bool:
    """True once no thread holds this topic (a stateless run's thread has been deleted)."""
    return await client.threads.search(values={"topic": topic}) == []


# --- streaming a KPI run ----------------------------------------------------------------------


@BOTH_DBS
async def test_stream_kpi_when_values_updates_custom_then_metadata_first_and_payload_shapes(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()
    created: list[dict[str, Any]] = []

    parts = await collect(
        client.runs.stream(
            thread["thread_id"],
            "kpi_estimation",
            input=KPI_INPUT,
            stream_mode=["values", "updates", "custom"],
            on_run_created=created.append,
        )
    )

    runs = await client.runs.list(thread["thread_id"])
    assert parts[0].event == "metadata"
    assert parts[0].data == {"run_id": runs[0]["run_id"], "attempt": 1}
    assert created[0]["run_id"] == runs[0]["run_id"]
    assert created[0]["thread_id"] == thread["thread_id"]
    assert {p.event for p in parts} == {"metadata", "values", "updates", "custom"}
    values = events_of(parts, "values")
    assert values[0] == KPI_INPUT
    assert set(values[-1]["snapshot"]) >= {"conversion_rate", "ltv", "cac", "snapshot_id"}
    updates = events_of(parts, "updates")
    assert [next(iter(u)) for u in updates] == [
        "validate_input",
        "reuse_fresh_snapshot",
        "estimate_segment_size",
        "estimate_kpis",
        "compare_to_industry",
        "score_confidence",
        "save_snapshot",
    ]
    assert all(len(update) == 1 for update in updates)
    custom = events_of(parts, "custom")
    assert [c["step"] for c in custom] == [
        "validate_input",
        "estimate_segment_size",
        "save_snapshot",
    ]
    assert runs[0]["status"] == "success"
    thread_after = await client.threads.get(thread["thread_id"])
    assert thread_after["status"] == "idle"
    assert thread_after["values"] == values[-1]


async def test_stream_when_single_mode_string_then_only_that_mode(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"], "quick", input={"topic": "t"}, stream_mode="updates"
        )
    )

    assert [p.event for p in parts] == ["metadata", "updates", "updates", "updates"]
    assert [p.data for p in parts[1:]] == [
        {"step_0": {"log": ["step_0"]}},
        {"step_1": {"log": ["step_1"]}},
        {"step_2": {"log": ["step_2"]}},
    ]


async def test_stream_when_default_mode_then_values_only(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(client.runs.stream(thread["thread_id"], "quick", input={"topic": "t"}))

    assert {p.event for p in parts} == {"metadata", "values"}
    assert parts[-1].data == {"topic": "t", "log": ["step_0", "step_1", "step_2"]}


async def test_stream_when_tasks_mode_then_start_and_result_events(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"], "kpi_estimation", input=KPI_INPUT, stream_mode="tasks"
        )
    )

    tasks = events_of(parts, "tasks")
    starts = [t for t in tasks if "input" in t]
    results = [t for t in tasks if "result" in t]
    assert {p.event for p in parts} == {"metadata", "tasks"}
    assert {t["name"] for t in starts} == KPI_NODES
    assert all(set(t) >= {"id", "name", "input", "triggers"} for t in starts)
    assert {t["name"] for t in results} == KPI_NODES
    assert all(t["error"] is None and t["interrupts"] == [] for t in results)
    assert {t["id"] for t in starts} == {t["id"] for t in results}


async def test_stream_when_debug_mode_then_checkpoint_task_and_result_events(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(thread["thread_id"], "quick", input={"topic": "t"}, stream_mode="debug")
    )

    debug = events_of(parts, "debug")
    assert {p.event for p in parts} == {"metadata", "debug"}
    assert {d["type"] for d in debug} == {"checkpoint", "task", "task_result"}
    assert all(set(d) >= {"step", "timestamp", "type", "payload"} for d in debug)
    last_checkpoint = [d for d in debug if d["type"] == "checkpoint"][-1]["payload"]
    assert last_checkpoint["values"] == {"topic": "t", "log": ["step_0", "step_1", "step_2"]}
    assert last_checkpoint["next"] == []


async def test_stream_when_debug_checkpoint_then_public_checkpoint_objects(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(thread["thread_id"], "quick", input={"topic": "t"}, stream_mode="debug")
    )

    checkpoints = [d["payload"] for d in events_of(parts, "debug") if d["type"] == "checkpoint"]
    state = await client.threads.get_state(thread["thread_id"])
    assert checkpoints[-1].get("checkpoint") == state["checkpoint"]
    assert checkpoints[-1].get("parent_checkpoint") == state["parent_checkpoint"]


async def test_stream_when_checkpoints_mode_then_one_per_superstep(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"], "quick", input={"topic": "t"}, stream_mode="checkpoints"
        )
    )

    checkpoints = events_of(parts, "checkpoints")
    assert [c["metadata"]["step"] for c in checkpoints] == [-1, 0, 1, 2, 3]
    assert checkpoints[-1]["next"] == []
    assert checkpoints[-1]["config"]["configurable"]["thread_id"] == thread["thread_id"]


async def test_stream_v2_when_values_then_typed_parts(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"],
            "quick",
            input={"topic": "t"},
            stream_mode=["values", "updates"],
            version="v2",
        )
    )

    kinds = [part["type"] for part in parts]
    assert kinds[0] == "metadata"
    assert set(kinds) == {"metadata", "values", "updates"}
    assert all(part["ns"] == [] for part in parts)


# --- wait, join, background runs --------------------------------------------------------------


@BOTH_DBS
async def test_wait_when_kpi_then_final_values(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    output = await client.runs.wait(thread["thread_id"], "kpi_estimation", input=KPI_INPUT)

    assert output["snapshot"]["ltv"] > 0 and output["snapshot"]["stored"] is True
    assert output == (await client.threads.get_state(thread["thread_id"]))["values"]
    assert [r["status"] for r in await client.runs.list(thread["thread_id"])] == ["success"]


@BOTH_DBS
async def test_background_run_when_joined_then_final_values_and_success(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    run = await client.runs.create(thread["thread_id"], "kpi_estimation", input=KPI_INPUT)
    output = await client.runs.join(thread["thread_id"], run["run_id"])

    assert run["status"] == "running"  # started at once: nothing else of the thread inflight
    assert run["thread_id"] == thread["thread_id"]
    assert set(output["snapshot"]) >= {"ltv", "segment_size", "benchmarks"}
    done = await client.runs.get(thread["thread_id"], run["run_id"])
    assert done["status"] == "success"
    # Joining a finished run answers from the thread.
    assert await client.runs.join(thread["thread_id"], run["run_id"]) == output


async def test_join_when_run_is_held_then_waits_through_heartbeats(sdk: SdkFactory) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "gated", input={"topic": topic})
    await logged(client, thread["thread_id"], f"{topic}:step_2")

    join = asyncio.create_task(client.runs.join(thread["thread_id"], run["run_id"]))
    await asyncio.sleep(0.6)  # more than two 0.25 s heartbeats: the body starts with newlines
    assert not join.done()
    gate(topic).set()
    output = await asyncio.wait_for(join, 15)

    assert output["log"] == [f"{topic}:step_{i}" for i in range(6)]


async def test_stream_when_run_created_in_background_then_join_stream_from_start(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "quick", input={"topic": "t"}, stream_mode=["updates"]
    )
    await run_status(client, thread["thread_id"], run["run_id"], {"success"})

    replay = await collect(
        client.runs.join_stream(thread["thread_id"], run["run_id"], last_event_id="-1")
    )
    live_only = await collect(client.runs.join_stream(thread["thread_id"], run["run_id"]))

    assert [p.event for p in replay] == ["metadata", "updates", "updates", "updates"]
    assert replay[0].data["run_id"] == run["run_id"]
    assert live_only == []


# --- stateless runs ---------------------------------------------------------------------------


async def test_stateless_stream_when_done_then_temporary_thread_deleted(sdk: SdkFactory) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    created: list[dict[str, Any]] = []

    parts = await collect(
        client.runs.stream(
            None,
            "quick",
            input={"topic": topic},
            stream_mode="values",
            on_run_created=created.append,
        )
    )

    assert parts[0].event == "metadata"
    assert parts[0].data["run_id"] == created[0]["run_id"]
    assert created[0]["thread_id"] is None
    assert parts[-1].data["log"] == ["step_0", "step_1", "step_2"]
    await until(lambda: thread_gone(client, topic), "the temporary thread to be deleted")


async def test_stateless_wait_when_on_completion_keep_then_thread_kept(sdk: SdkFactory) -> None:
    client = sdk()
    topic = uuid.uuid4().hex

    output = await client.runs.wait(None, "quick", input={"topic": topic}, on_completion="keep")
    threads = await client.threads.search(values={"topic": topic})

    assert output == {"topic": topic, "log": ["step_0", "step_1", "step_2"]}
    assert len(threads) == 1
    assert threads[0]["values"] == output
    assert threads[0]["metadata"]["graph_id"] == "quick"
    runs = await client.runs.list(threads[0]["thread_id"])
    assert [r["status"] for r in runs] == ["success"]


async def test_stateless_wait_when_default_then_thread_deleted(sdk: SdkFactory) -> None:
    client = sdk()
    topic = uuid.uuid4().hex

    output = await client.runs.wait(None, "quick", input={"topic": topic})

    assert output["log"] == ["step_0", "step_1", "step_2"]
    await until(lambda: thread_gone(client, topic), "the temporary thread to be deleted")


# --- failing graph ----------------------------------------------------------------------------


@BOTH_DBS
async def test_stream_when_graph_raises_then_error_event_and_error_statuses(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"], "failing", input={"topic": "x"}, stream_mode="updates"
        )
    )

    run = (await client.runs.list(thread["thread_id"]))[0]
    # Not the exception's text (it may hold SQL, hosts or data): a code and a safe message.
    safe = {
        "error": "InternalError",
        "code": "internal_error",
        "message": f"The run failed on the server; see the server log (run {run['run_id']}).",
    }
    assert parts[0].event == "metadata"
    assert parts[-1].event == "error"
    assert parts[-1].data == safe
    assert len(events_of(parts, "error")) == 1
    assert run["status"] == "error"
    thread_after = await client.threads.get(thread["thread_id"])
    assert thread_after["status"] == "error" and thread_after["error"] == safe
    assert await client.runs.join(thread["thread_id"], run["run_id"]) == {"__error__": safe}


async def test_wait_when_graph_raises_then_sdk_raises_or_returns_error(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create()

    with pytest.raises(Exception, match="InternalError: The run failed on the server"):
        await client.runs.wait(thread["thread_id"], "failing", input={"topic": "y"})
    output = await client.runs.wait(
        thread["thread_id"], "failing", input={"topic": "z"}, raise_error=False
    )

    assert output["__error__"]["code"] == "internal_error"
    assert "boom" not in str(output)
    assert {r["status"] for r in await client.runs.list(thread["thread_id"])} == {"error"}


# --- client disconnects -----------------------------------------------------------------------


@BOTH_DBS
async def test_stream_when_client_disconnects_and_on_disconnect_cancel_then_run_interrupted(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread = await client.threads.create()
    stream = client.runs.stream(
        thread["thread_id"],
        "gated",
        input={"topic": topic},
        stream_mode="custom",
        on_disconnect="cancel",
    )

    async with aclosing(stream):
        async for part in stream:
            if part.event == "custom" and part.data["step"] == "step_2":
                break  # held at step_3 now; leaving the block closes the connection
    run_id = (await client.runs.list(thread["thread_id"]))[0]["run_id"]

    run = await run_status(client, thread["thread_id"], run_id, {"interrupted", "success"})
    gate(topic).set()
    assert run["status"] == "interrupted"
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["log"] == [f"{topic}:step_{i}" for i in range(3)]


async def test_stream_when_client_disconnects_by_default_then_run_completes(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread = await client.threads.create()
    stream = client.runs.stream(
        thread["thread_id"], "gated", input={"topic": topic}, stream_mode="custom"
    )

    async with aclosing(stream):
        async for part in stream:
            if part.event == "custom" and part.data["step"] == "step_2":
                break
    run_id = (await client.runs.list(thread["thread_id"]))[0]["run_id"]
    gate(topic).set()

    run = await run_status(client, thread["thread_id"], run_id, {"interrupted", "success"})
    assert run["status"] == "success"
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["log"] == [f"{topic}:step_{i}" for i in range(6)]


async def test_wait_when_client_disconnects_and_on_disconnect_cancel_then_run_interrupted(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread = await client.threads.create()
    waiting = asyncio.create_task(
        client.runs.wait(
            thread["thread_id"], "gated", input={"topic": topic}, on_disconnect="cancel"
        )
    )
    await logged(client, thread["thread_id"], f"{topic}:step_2")

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    run_id = (await client.runs.list(thread["thread_id"]))[0]["run_id"]

    run = await run_status(client, thread["thread_id"], run_id, {"interrupted", "success"})
    gate(topic).set()
    assert run["status"] == "interrupted"


# --- tokens from the local model --------------------------------------------------------------


@pytest.fixture
def local_model_url(tmp_path: Path) -> Iterator[str]:
    """A server whose models are the bundled SmolLM2 run by llama.cpp (short context)."""
    settings = sdk_test_settings(
        tmp_path / "data", provider="local", local_model="smollm2-135m", local_n_ctx=256
    )
    with sdk_server(settings) as base_url:
        yield base_url


@pytest.mark.slow
async def test_stream_when_messages_tuple_on_local_model_then_token_chunks(
    sdk: SdkFactory, local_model_url: str
) -> None:
    client = sdk(url=local_model_url)
    thread = await client.threads.create()

    parts = await collect(
        client.runs.stream(
            thread["thread_id"],
            "chat",
            input={"question": "Say hello in three words."},
            stream_mode=["messages-tuple", "messages", "values"],
        )
    )

    tuples = events_of(parts, "messages")
    assert len(tuples) >= 3
    for chunk, metadata in tuples:
        assert chunk["type"] == "AIMessageChunk"
        assert isinstance(chunk["content"], str)
        assert metadata["langgraph_node"] == "chat"
        assert metadata["thread_id"] == thread["thread_id"]
    assert len({chunk["id"] for chunk, _ in tuples}) == 1
    text = "".join(chunk["content"] for chunk, _ in tuples)
    reply = events_of(parts, "values")[-1]["reply"]
    assert text.strip() and text.strip() == reply.strip()
    # Legacy 'messages' mode: metadata once, then the running concatenation.
    assert len(events_of(parts, "messages/metadata")) == 1
    partials = events_of(parts, "messages/partial")
    assert len(partials) == len(tuples)
    assert partials[-1][0]["content"] == text


@BOTH_DBS
async def test_kpi_run_when_no_durability_asked_then_one_checkpoint_at_exit(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    default = (await client.threads.create())["thread_id"]
    asked = (await client.threads.create())["thread_id"]

    await client.runs.wait(default, "kpi_estimation", input=KPI_INPUT)
    await client.runs.wait(asked, "kpi_estimation", input=KPI_INPUT, durability="async")

    # The graph's default (exit): only the final state is checkpointed...
    history = await client.threads.get_history(default)
    assert len(history) == 1 and history[0]["next"] == []
    assert history[0]["values"]["snapshot"]["segment_size"] > 0
    # ...while a run that asks for per-step checkpoints gets them.
    assert len(await client.threads.get_history(asked)) > 3
