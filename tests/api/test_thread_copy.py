"""Thread copies (the SDK's threads.copy) through the official langgraph_sdk on a live server
(client-chosen thread ids across tenants: test_tenant_thread_ids.py)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import NotFoundError
from langgraph_sdk.schema import Command

from tests.api.conftest import BOTH_DBS, OTHER_TENANT_KEY, SdkFactory


@BOTH_DBS
async def test_thread_copy_when_interrupted_then_copy_resumes_and_original_stays(
    sdk: SdkFactory,
) -> None:
    client = sdk()
    original = await client.threads.create(metadata={"project": "alpha"})
    thread_id = original["thread_id"]
    await client.runs.wait(thread_id, "approval", input={"topic": "zima"})

    copy = await client.threads.copy(thread_id)

    assert copy["thread_id"] != thread_id
    assert copy["metadata"]["project"] == "alpha"
    assert copy["status"] == "interrupted"
    copied_state = await client.threads.get_state(copy["thread_id"])
    original_state = await client.threads.get_state(thread_id)
    assert copied_state["values"] == original_state["values"]
    assert copied_state["next"] == ["ask"] and copied_state["interrupts"]
    history = await client.threads.get_history(copy["thread_id"])
    assert len(history) == len(await client.threads.get_history(thread_id))
    resumed = await client.runs.wait(copy["thread_id"], "approval", command=Command(resume="tak"))
    assert resumed["log"] == ["ask", "published:tak"]
    assert (await client.threads.get_state(thread_id))["next"] == ["ask"]
    assert await client.runs.list(copy["thread_id"]) != []
    assert len(await client.runs.list(thread_id)) == 1  # runs are not copied


async def test_thread_copy_when_never_run_then_empty_copy(sdk: SdkFactory) -> None:
    client = sdk()
    thread = await client.threads.create(metadata={"n": 1})

    copy = await client.threads.copy(thread["thread_id"])

    assert copy["status"] == "idle" and copy["values"] is None
    assert copy["metadata"] == {"n": 1}
    assert await client.threads.get_history(copy["thread_id"]) == []


async def test_thread_copy_when_another_tenants_thread_then_not_found(sdk: SdkFactory) -> None:
    owner, intruder = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    thread = await owner.threads.create()

    with pytest.raises(NotFoundError):
        await intruder.threads.copy(thread["thread_id"])


async def test_thread_copy_when_viewer_then_forbidden(sdk: SdkFactory) -> None:
    thread = await sdk("editor").threads.create()

    with pytest.raises(httpx.HTTPStatusError) as refused:
        await sdk("viewer").threads.copy(thread["thread_id"])

    assert refused.value.response.status_code == 403


async def test_thread_copy_when_id_not_a_uuid_then_422(sdk: SdkFactory) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await sdk().threads.copy(str(uuid.uuid4())[:8])

    assert refused.value.response.status_code == 422
