"""Human-in-the-loop (interrupt, then resume with a Command) and resumable streams
(Last-Event-ID replay, the SDK's own reconnect) through the official langgraph_sdk."""

from __future__ import annotations

import uuid
from contextlib import aclosing
from typing import Any

import pytest
from langgraph_sdk.errors import APIStatusError
from langgraph_sdk.schema import StreamPart

from tests.api.conftest import BOTH_DBS, SdkFactory
from tests.api.live import CuttingProxy, collect, logged, run_status
from tests.api.sample_graphs import gate

MODES = ["values", "updates", "custom"]


def id_key(event_id: str | None) -> tuple[int, ...]:
    """Order of event ids: integers, or the official '<ms>-<seq>' form."""
    assert event_id is not None, "every event of a run must carry an id"
    return tuple(int(part) for part in event_id.split("-"))


def assert_strictly_increasing(parts: list[StreamPart]) -> None:
    keys = [id_key(p.id) for p in parts]
    assert keys == sorted(set(keys)), f"ids not strictly increasing: {[p.id for p in parts]}"


def as_tuples(parts: list[StreamPart]) -> list[tuple[str | None, str, Any]]:
    return [(p.id, p.event, p.data) for p in parts]


# --- interrupt and resume ---------------------------------------------------------------------


@BOTH_DBS
async def test_interrupt_when_graph_asks_then_thread_interrupted_and_resume_finishes(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    parts = await collect(
        client.runs.stream(
            thread_id, "approval", input={"topic": "memo"}, stream_mode=["values", "updates"]
        )
    )

    question = {"question": "publish memo?"}
    assert not [p for p in parts if p.event == "error"]
    interrupt_update = [p.data for p in parts if p.event == "updates"][-1]
    (pending,) = interrupt_update["__interrupt__"]
    assert pending["value"] == question and pending["id"]
    assert [p.data for p in parts if p.event == "values"][-1]["__interrupt__"][0]["id"] == (
        pending["id"]
    )
    run = (await client.runs.list(thread_id))[0]
    assert run["status"] == "success"
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "interrupted"
    assert list(thread["interrupts"].values()) == [[{"id": pending["id"], "value": question}]]
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["ask"]
    assert state["interrupts"] == [{"id": pending["id"], "value": question}]
    assert state["tasks"][0]["name"] == "ask"
    assert state["tasks"][0]["interrupts"] == [{"id": pending["id"], "value": question}]
    assert list(thread["interrupts"]) == [state["tasks"][0]["id"]]

    output = await client.runs.wait(thread_id, "approval", command={"resume": "yes"})

    assert output == {"topic": "memo", "answer": "yes", "log": ["ask", "published:yes"]}
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"
    assert thread["interrupts"] == {}
    assert (await client.threads.get_state(thread_id))["next"] == []


async def test_wait_when_run_interrupts_then_output_carries_interrupt(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]

    output = await client.runs.wait(thread_id, "approval", input={"topic": "memo"})
    run_id = (await client.runs.list(thread_id))[0]["run_id"]
    joined = await client.runs.join(thread_id, run_id)

    assert output["__interrupt__"][0]["value"] == {"question": "publish memo?"}
    assert joined["__interrupt__"][0]["id"] == output["__interrupt__"][0]["id"]


async def test_resume_when_answer_keyed_by_interrupt_id_then_that_interrupt_answered(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "approval", input={"topic": "memo"})
    interrupt_id = (await client.threads.get_state(thread_id))["interrupts"][0]["id"]

    parts = await collect(
        client.runs.stream(
            thread_id,
            "approval",
            command={"resume": {interrupt_id: "later"}},
            stream_mode="updates",
        )
    )

    assert [p.data for p in parts if p.event == "updates"][-1] == {
        "publish": {"log": ["published:later"]}
    }


async def test_resume_when_stateless_then_refused(sdk: SdkFactory) -> None:
    client = sdk()

    with pytest.raises(APIStatusError) as refused:
        await collect(client.runs.stream(None, "approval", command={"resume": "yes"}))

    assert refused.value.status_code in (400, 422)


# --- Last-Event-ID replay ---------------------------------------------------------------------


@BOTH_DBS
async def test_join_stream_when_last_event_id_then_exactly_the_missed_events(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread_id = (await client.threads.create())["thread_id"]
    first: list[StreamPart] = []
    stream = client.runs.stream(
        thread_id, "gated", input={"topic": topic}, stream_mode=MODES, stream_resumable=True
    )
    async with aclosing(stream):
        async for part in stream:
            first.append(part)
            if part.event == "custom" and part.data["step"] == "step_1":
                break  # disconnect; the run goes on and is held at step_3
    run_id = first[0].data["run_id"]
    await logged(client, thread_id, f"{topic}:step_2")  # events were published while away

    rest: list[StreamPart] = []
    resumed = client.runs.join_stream(
        thread_id, run_id, stream_mode=MODES, last_event_id=first[-1].id
    )
    async for part in resumed:
        rest.append(part)
        gate(topic).set()  # replay first, then live events until the run ends
    full = await collect(client.runs.join_stream(thread_id, run_id, last_event_id="-1"))

    assert first[0].event == "metadata"
    assert rest, "nothing after the last event seen"
    assert {p.event for p in rest} <= {"values", "updates", "custom"}
    assert_strictly_increasing(first + rest)
    assert as_tuples(first + rest) == as_tuples(full)
    assert full[-1].event == "values"
    assert full[-1].data["log"] == [f"{topic}:step_{i}" for i in range(6)]


async def test_join_stream_when_mode_filter_then_only_those_modes(sdk: SdkFactory) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    gate(topic).set()
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(
        thread_id, "gated", input={"topic": topic}, stream_mode=MODES, stream_resumable=True
    )
    await client.runs.join(thread_id, run["run_id"])

    custom = await collect(
        client.runs.join_stream(thread_id, run["run_id"], stream_mode="custom", last_event_id="-1")
    )

    assert {p.event for p in custom} <= {"metadata", "custom"}
    assert [p.data["step"] for p in custom if p.event == "custom"] == [
        f"step_{i}" for i in range(6)
    ]
    assert_strictly_increasing(custom)


async def test_join_stream_when_run_finished_and_no_last_event_id_then_empty(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "quick", input={"topic": "t"})
    await client.runs.join(thread_id, run["run_id"])

    assert await collect(client.runs.join_stream(thread_id, run["run_id"])) == []


async def test_join_stream_when_last_event_id_is_last_then_nothing_replayed(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    parts = await collect(
        client.runs.stream(thread_id, "quick", input={"topic": "t"}, stream_resumable=True)
    )
    run_id = parts[0].data["run_id"]

    again = await collect(client.runs.join_stream(thread_id, run_id, last_event_id=parts[-1].id))

    assert again == []


async def test_join_stream_when_cancel_on_disconnect_then_run_interrupted(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    topic = uuid.uuid4().hex
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "gated", input={"topic": topic}, stream_mode=MODES)
    await logged(client, thread_id, f"{topic}:step_2")

    joined = client.runs.join_stream(
        thread_id, run["run_id"], cancel_on_disconnect=True, last_event_id="-1"
    )
    async with aclosing(joined):
        async for _part in joined:
            break

    done = await run_status(client, thread_id, run["run_id"], {"interrupted", "success"})
    gate(topic).set()
    assert done["status"] == "interrupted"


# --- the SDK's own reconnect ------------------------------------------------------------------


@BOTH_DBS
async def test_stream_when_connection_cut_mid_run_then_sdk_reconnects_without_loss(
    sdk: SdkFactory, sdk_url: str
) -> None:
    topic = uuid.uuid4().hex
    async with CuttingProxy(sdk_url) as proxy:
        client = sdk(url=proxy.url)
        thread_id = (await client.threads.create())["thread_id"]
        parts: list[StreamPart] = []
        stream = client.runs.stream(
            thread_id, "gated", input={"topic": topic}, stream_mode=MODES, stream_resumable=True
        )
        async for part in stream:
            parts.append(part)
            if part.event == "custom" and part.data["step"] == "step_1":
                proxy.cut()  # as a proxy restart would, mid-response
                gate(topic).set()  # what happens next is only seen after the reconnect

    direct = sdk()
    full = await collect(
        direct.runs.join_stream(thread_id, parts[0].data["run_id"], last_event_id="-1")
    )
    assert as_tuples(parts) == as_tuples(full)
    assert_strictly_increasing(parts)
    assert parts[-1].data["log"] == [f"{topic}:step_{i}" for i in range(6)]
    reconnects = [r for r in proxy.requests if r.startswith("GET ") and "/stream" in r]
    assert reconnects, f"the SDK did not reconnect: {proxy.requests}"
    assert f"/threads/{thread_id}/runs/" in reconnects[0]
    assert "last-event-id:" in reconnects[0].lower()
