"""A second run on a busy thread (each multitask strategy) and cancelling runs, through the
official langgraph_sdk. The first run is a 'gated' one held at step_3 until the test opens
its gate, so it is surely running when the second request arrives."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.api.conftest import BOTH_DBS, SdkFactory
from tests.api.live import collect, logged, run_status, until
from tests.api.sample_graphs import gate


def steps(topic: str, upto: int = 6) -> list[str]:
    return [f"{topic}:step_{i}" for i in range(upto)]


def opened(topic: str) -> str:
    gate(topic).set()
    return topic


async def held_run(client: LangGraphClient, thread_id: str) -> tuple[dict, str]:
    """Start a 'gated' run and wait until it is held at step_3 (steps 0-2 checkpointed)."""
    topic = uuid.uuid4().hex
    run = await client.runs.create(thread_id, "gated", input={"topic": topic})
    await logged(client, thread_id, f"{topic}:step_2")
    return run, topic


async def run_ids_of_checkpoints(client: LangGraphClient, thread_id: str) -> list[str]:
    """The run id of each checkpoint of the thread, oldest first."""
    history = await client.threads.get_history(thread_id, limit=1000)
    return [h["metadata"].get("run_id") for h in reversed(history)]


# --- multitask strategies ---------------------------------------------------------------------


@BOTH_DBS
async def test_reject_when_thread_busy_then_conflict_and_nothing_stored(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    first, topic = await held_run(client, thread_id)

    with pytest.raises(ConflictError):
        await client.runs.create(
            thread_id, "gated", input={"topic": "b"}, multitask_strategy="reject"
        )
    with pytest.raises(ConflictError):
        await collect(
            client.runs.stream(
                thread_id, "gated", input={"topic": "b"}, multitask_strategy="reject"
            )
        )
    # runs.wait raises httpx's untyped HTTPStatusError (the SDK's request_reconnect path).
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.wait(
            thread_id, "gated", input={"topic": "b"}, multitask_strategy="reject"
        )
    assert refused.value.response.status_code == 409

    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [first["run_id"]]
    assert (await client.threads.get(thread_id))["status"] == "busy"
    gate(topic).set()
    assert (await client.runs.join(thread_id, first["run_id"]))["log"] == steps(topic)
    assert [r["status"] for r in await client.runs.list(thread_id)] == ["success"]


@BOTH_DBS
async def test_enqueue_when_thread_busy_then_queued_runs_follow_in_arrival_order(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    first, topic = await held_run(client, thread_id)
    second_topic, third_topic = opened(uuid.uuid4().hex), opened(uuid.uuid4().hex)

    second = await client.runs.create(
        thread_id, "gated", input={"topic": second_topic}, multitask_strategy="enqueue"
    )
    third = await client.runs.create(thread_id, "gated", input={"topic": third_topic})
    assert (await client.runs.get(thread_id, second["run_id"]))["status"] == "pending"
    assert (await client.runs.get(thread_id, third["run_id"]))["status"] == "pending"
    gate(topic).set()
    await client.runs.join(thread_id, second["run_id"])
    output = await client.runs.join(thread_id, third["run_id"])

    assert output["log"] == steps(topic) + steps(second_topic) + steps(third_topic)
    runs = await client.runs.list(thread_id)
    assert [(r["run_id"], r["status"]) for r in runs] == [
        (third["run_id"], "success"),
        (second["run_id"], "success"),
        (first["run_id"], "success"),
    ]
    # Every checkpoint of a run precedes every checkpoint of the runs queued after it.
    order = [first["run_id"], second["run_id"], third["run_id"]]
    owners = [r for r in await run_ids_of_checkpoints(client, thread_id) if r]
    assert owners == sorted(owners, key=order.index)
    assert set(owners) == set(order)
    assert (await client.threads.get(thread_id))["status"] == "idle"


@BOTH_DBS
async def test_interrupt_when_thread_busy_then_first_interrupted_and_second_succeeds(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    first, topic = await held_run(client, thread_id)
    second_topic = opened(uuid.uuid4().hex)

    second = await client.runs.create(
        thread_id, "gated", input={"topic": second_topic}, multitask_strategy="interrupt"
    )
    output = await client.runs.join(thread_id, second["run_id"])

    assert (await client.runs.get(thread_id, first["run_id"]))["status"] == "interrupted"
    assert (await client.runs.get(thread_id, second["run_id"]))["status"] == "success"
    # The first run's checkpoints are kept: its three steps stay in the log.
    assert output["log"] == steps(topic, 3) + steps(second_topic)
    assert first["run_id"] in await run_ids_of_checkpoints(client, thread_id)
    gate(topic).set()


@BOTH_DBS
async def test_rollback_when_thread_busy_then_first_deleted_with_its_checkpoints(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    first, topic = await held_run(client, thread_id)
    second_topic = opened(uuid.uuid4().hex)

    second = await client.runs.create(
        thread_id, "gated", input={"topic": second_topic}, multitask_strategy="rollback"
    )
    output = await client.runs.join(thread_id, second["run_id"])

    with pytest.raises(NotFoundError):
        await client.runs.get(thread_id, first["run_id"])
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [second["run_id"]]
    assert (await client.runs.get(thread_id, second["run_id"]))["status"] == "success"
    assert output["log"] == steps(second_topic)
    assert first["run_id"] not in await run_ids_of_checkpoints(client, thread_id)
    gate(topic).set()


async def test_interrupt_when_stream_of_first_run_open_then_it_closes_without_error(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    topic = uuid.uuid4().hex
    stream = client.runs.stream(thread_id, "gated", input={"topic": topic}, stream_mode="custom")
    seen = []
    async for part in stream:
        seen.append(part)
        if part.event == "custom" and part.data["step"] == "step_2":
            await client.runs.create(
                thread_id,
                "gated",
                input={"topic": opened(uuid.uuid4().hex)},
                multitask_strategy="interrupt",
            )

    assert [p.event for p in seen] == ["metadata", "custom", "custom", "custom"]
    run_id = seen[0].data["run_id"]
    assert (await client.runs.get(thread_id, run_id))["status"] == "interrupted"
    gate(topic).set()


# --- cancel -----------------------------------------------------------------------------------


@BOTH_DBS
async def test_cancel_interrupt_when_running_then_interrupted_and_checkpoints_kept(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    run, topic = await held_run(client, thread_id)

    await client.runs.cancel(thread_id, run["run_id"], action="interrupt")

    done = await run_status(client, thread_id, run["run_id"], {"interrupted", "success"})
    gate(topic).set()
    assert done["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["values"]["log"] == steps(topic, 3)
    assert state["next"] == ["step_3"]
    assert run["run_id"] in await run_ids_of_checkpoints(client, thread_id)
    thread = await client.threads.get(thread_id)
    assert thread["status"] != "busy"


async def test_cancel_when_wait_then_returns_after_run_stopped(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    run, topic = await held_run(client, thread_id)

    output = await client.runs.cancel(thread_id, run["run_id"], wait=True)

    gate(topic).set()
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "interrupted"
    assert output["log"] == steps(topic, 3)


@BOTH_DBS
async def test_cancel_rollback_when_running_then_run_gone_and_state_as_before(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    before_topic = opened(uuid.uuid4().hex)
    await client.runs.wait(thread_id, "gated", input={"topic": before_topic})
    before = await client.threads.get_state(thread_id)
    run, topic = await held_run(client, thread_id)

    await client.runs.cancel(thread_id, run["run_id"], action="rollback")

    async def run_gone() -> bool:
        try:
            await client.runs.get(thread_id, run["run_id"])
        except NotFoundError:
            return True
        return False

    await until(run_gone, "the rolled back run to be deleted")
    gate(topic).set()
    after = await client.threads.get_state(thread_id)
    assert after["values"] == before["values"]
    assert after["checkpoint_id"] == before["checkpoint_id"]
    assert run["run_id"] not in await run_ids_of_checkpoints(client, thread_id)
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "idle"
    assert thread["values"] == before["values"]


async def test_cancel_when_pending_then_interrupted_without_running(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    first, topic = await held_run(client, thread_id)
    queued_topic = opened(uuid.uuid4().hex)
    queued = await client.runs.create(thread_id, "gated", input={"topic": queued_topic})

    await client.runs.cancel(thread_id, queued["run_id"])
    gate(topic).set()
    await client.runs.join(thread_id, first["run_id"])

    assert (await client.runs.get(thread_id, queued["run_id"]))["status"] == "interrupted"
    state = await client.threads.get_state(thread_id)
    assert state["values"]["log"] == steps(topic)


async def test_cancel_when_run_finished_then_not_found(sdk: SdkFactory) -> None:
    client = sdk()
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "quick", input={"topic": "t"})
    await client.runs.join(thread_id, run["run_id"])

    with pytest.raises(NotFoundError):
        await client.runs.cancel(thread_id, run["run_id"])
    assert (await client.runs.get(thread_id, run["run_id"]))["status"] == "success"
