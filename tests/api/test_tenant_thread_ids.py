"""Thread ids are per tenant: a tenant creating an id another tenant already has gets a thread
of its own under that id (as if the other did not exist), and each sees only its own thread,
runs, state and history, through the official langgraph_sdk on a live server."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.api.conftest import BOTH_DBS, OTHER_TENANT_KEY, SdkFactory
from tests.api.live import collect

MODES = ["values", "updates", "debug", "checkpoints", "tasks", "custom"]


def thread_ids_in(doc: Any) -> set[str]:
    """Every value of a ``thread_id`` key anywhere in `doc`."""
    if isinstance(doc, dict):
        found = {v for k, v in doc.items() if k == "thread_id" and isinstance(v, str)}
        return found.union(*(thread_ids_in(v) for v in doc.values()))
    if isinstance(doc, list | tuple):
        return set().union(*(thread_ids_in(v) for v in doc))
    return set()


@BOTH_DBS
@pytest.mark.parametrize("if_exists", ["raise", "do_nothing"])
async def test_thread_create_when_another_tenants_id_then_own_thread_and_theirs_untouched(
    sdk: SdkFactory, if_exists: str
) -> None:
    owner, other = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    taken = (await owner.threads.create(metadata={"secret": "s"}))["thread_id"]

    created = await other.threads.create(thread_id=taken, metadata={"mine": 1}, if_exists=if_exists)

    assert created["thread_id"] == taken
    assert created["metadata"] == {"mine": 1} and created["status"] == "idle"
    assert (await other.threads.get(taken))["metadata"] == {"mine": 1}
    assert (await owner.threads.get(taken))["metadata"] == {"secret": "s"}
    again = await other.threads.create(thread_id=taken, if_exists="do_nothing")
    assert again["metadata"] == {"mine": 1}
    with pytest.raises(ConflictError):  # its own id now: taken as any of its own would be
        await other.threads.create(thread_id=taken)
    # And the other way round: the first tenant creating the second's id gets its own.
    theirs = (await other.threads.create(metadata={"globex": True}))["thread_id"]
    assert (await owner.threads.create(thread_id=theirs))["metadata"] == {}
    assert (await other.threads.get(theirs))["metadata"] == {"globex": True}


@BOTH_DBS
async def test_two_tenants_when_running_on_the_same_thread_id_then_each_sees_only_its_own(
    sdk: SdkFactory, sdk_url: str
) -> None:
    owner, other = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    shared = (await owner.threads.create(metadata={"owner": "acme"}))["thread_id"]
    await owner.runs.wait(shared, "quick", input={"topic": "acme"})
    owner_state = await owner.threads.get_state(shared)
    owner_history = await owner.threads.get_history(shared)
    owner_runs = await owner.runs.list(shared)
    owner_thread = await owner.threads.get(shared)
    await other.threads.create(thread_id=shared, metadata={"owner": "globex"})

    parts = await collect(
        other.runs.stream(shared, "quick", input={"topic": "b"}, stream_mode=MODES)
    )
    run_id = next(p.data["run_id"] for p in parts if p.event == "metadata")
    replayed = await collect(other.runs.join_stream(shared, run_id, last_event_id="-1"))
    state = await other.threads.get_state(shared)
    history = await other.threads.get_history(shared)
    runs = await other.runs.list(shared)
    updated = await other.threads.update_state(shared, {"log": ["edited"]})

    assert thread_ids_in([p.data for p in parts + replayed]) == {shared}
    assert state["values"]["topic"] == "b" and thread_ids_in(state) == {shared}
    assert {h["values"].get("topic") for h in history} - {None} == {"b"}
    assert thread_ids_in(history) == {shared}
    assert [r["run_id"] for r in runs] == [run_id] and runs[0]["thread_id"] == shared
    assert (await other.runs.get(shared, run_id))["thread_id"] == shared
    assert updated["checkpoint"]["thread_id"] == shared
    assert thread_ids_in(await other.threads.get_history(shared)) == {shared}
    found = await other.threads.search(ids=[shared])
    assert len(found) == 1
    assert found[0]["thread_id"] == shared and found[0]["metadata"]["owner"] == "globex"
    assert await other.threads.count(metadata={"owner": "globex"}) >= 1
    # The owner's thread is untouched and shows nothing of the other's.
    assert await owner.threads.get(shared) == owner_thread
    assert await owner.threads.get_state(shared) == owner_state
    assert await owner.threads.get_history(shared) == owner_history
    assert await owner.runs.list(shared) == owner_runs
    with pytest.raises(NotFoundError):
        await owner.runs.get(shared, run_id)
    with pytest.raises(NotFoundError):
        await other.runs.get(shared, owner_runs[0]["run_id"])

    copy = await other.threads.copy(shared)
    assert (await other.threads.get_state(copy["thread_id"]))["values"]["log"][-1] == "edited"
    async with httpx.AsyncClient(base_url=sdk_url) as http:
        created = await http.post(
            f"/threads/{shared}/runs",
            json={"assistant_id": "quick", "input": {"topic": "c"}},
            headers={"x-api-key": OTHER_TENANT_KEY},
        )
    assert created.status_code == 200 and created.json()["thread_id"] == shared
    assert created.headers["Content-Location"].startswith(f"/threads/{shared}/runs/")
    await other.runs.join(shared, created.json()["run_id"])

    await other.threads.delete(shared)
    with pytest.raises(NotFoundError):
        await other.threads.get(shared)
    assert await owner.threads.get(shared) == owner_thread
    assert await owner.threads.get_state(shared) == owner_state


@BOTH_DBS
async def test_run_create_when_if_not_exists_create_on_another_tenants_id_then_own_thread(
    sdk: SdkFactory,
) -> None:
    owner, other = sdk("editor"), sdk(api_key=OTHER_TENANT_KEY)
    shared = (await owner.threads.create(metadata={"owner": "acme"}))["thread_id"]
    fresh = str(uuid.uuid4())

    result = await other.runs.wait(shared, "quick", input={"topic": "b"}, if_not_exists="create")
    await other.runs.wait(fresh, "quick", input={"topic": "f"}, if_not_exists="create")

    assert result["topic"] == "b"
    assert (await other.threads.get_state(shared))["values"]["topic"] == "b"
    assert (await other.threads.get(fresh))["thread_id"] == fresh
    assert await owner.runs.list(shared) == []
    assert (await owner.threads.get_state(shared))["values"] == {}
    assert (await owner.threads.get(shared))["metadata"] == {"owner": "acme"}
