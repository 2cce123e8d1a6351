"""Routes racing with run execution: a cancel or a thread delete that lands between a run's
claim and its start, joins of runs deleted since they were read, a thread deleted while its
metadata is patched, and a state update against runs arriving meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from api.app import create_app
from runtime.run_manager import RunManager
from sight.settings import Settings
from store.checkpoint.factory import libpq_url
from tests.api.conftest import fresh_schema_url, headers_for, sdk_test_settings
from tests.api.sample_graphs import gate
from tests.api.sample_graphs import test_graphs as sample_graph_specs
from tests.runtime.support import checkpoints_of, status_of, until, wait_status

EDITOR, ADMIN = headers_for("editor"), headers_for("admin")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return sdk_test_settings(tmp_path / "data")
    url = fresh_schema_url(request.getfixturevalue("postgres_url"))
    return sdk_test_settings(tmp_path / "data", database_url=url)


@pytest.fixture
async def app(race_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(race_settings, graphs=sample_graph_specs())
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sight.test") as client:
        yield client


def manager_of(app: FastAPI) -> RunManager:
    return app.state.runs


async def new_thread(http: httpx.AsyncClient) -> str:
    created = await http.post("/threads", json={}, headers=EDITOR)
    return created.json()["thread_id"]


async def start_run(http: httpx.AsyncClient, thread_id: str, graph: str, topic: str) -> dict:
    created = await http.post(
        f"/threads/{thread_id}/runs",
        json={"assistant_id": graph, "input": {"topic": topic}},
        headers=EDITOR,
    )
    assert created.status_code == 200, created.text
    return created.json()


async def second_run_claimed(
    app: FastAPI, http: httpx.AsyncClient, act: Any, decided: Any
) -> tuple[str, dict, asyncio.Task]:
    """Queue a run behind a held one, then `act(thread_id, run_id)` (a request, as a task)
    right after the queued run's claim commits and before its task exists; the claim
    returns once `decided(thread_id, run_id, request)` holds. Returns (thread, run, request)."""
    manager = manager_of(app)
    thread_id = await new_thread(http)
    first_topic = uuid.uuid4().hex
    await start_run(http, thread_id, "gated", first_topic)
    second = await start_run(http, thread_id, "gated", uuid.uuid4().hex)
    gate(second["kwargs"]["input"]["topic"]).set()  # it would run to its end
    original, requests = manager.queue.claim_next, []

    async def claim_next(*args: Any, **kwargs: Any) -> Any:
        run, more = await original(*args, **kwargs)
        if run is not None and run.run_id == second["run_id"] and not requests:
            requests.append(asyncio.create_task(act(thread_id, run.run_id)))
            await until(lambda: decided(thread_id, run.run_id, requests[0]), "the request")
        return run, more

    manager.queue.claim_next = claim_next  # type: ignore[method-assign]
    gate(first_topic).set()
    await until(lambda: requests, "the queued run's claim")
    return thread_id, second, requests[0]


async def test_cancel_when_run_claimed_but_not_started_then_accepted_and_run_never_runs(
    app: FastAPI, http: httpx.AsyncClient
):
    manager = manager_of(app)

    async def cancel(thread_id: str, run_id: str) -> httpx.Response:
        return await http.post(f"/threads/{thread_id}/runs/{run_id}/cancel", headers=EDITOR)

    def decided(_thread_id: str, run_id: str, request: asyncio.Task) -> bool:
        return request.done() or run_id in manager._cancel  # noqa: SLF001 - the decision

    thread_id, run, request = await second_run_claimed(app, http, cancel, decided)

    assert (await request).status_code == 202  # not 404: the run had not finished
    record = await manager.runs.get(run["run_id"], "acme")
    await wait_status(manager, record, "interrupted")
    assert await checkpoints_of(manager, thread_id, run["run_id"]) == []  # it never ran


async def test_delete_thread_when_run_claimed_but_not_started_then_nothing_written_after(
    app: FastAPI, http: httpx.AsyncClient
):
    manager = manager_of(app)

    async def delete(thread_id: str, _run_id: str) -> httpx.Response:
        return await http.delete(f"/threads/{thread_id}", headers=ADMIN)

    async def decided(thread_id: str, _run_id: str, request: asyncio.Task) -> bool:
        return request.done() or await manager.threads.get(thread_id, "acme") is None

    thread_id, _, request = await second_run_claimed(app, http, delete, decided)

    assert (await request).status_code == 204
    await until(lambda: thread_id not in manager._drivers, "the thread's driver to end")  # noqa: SLF001
    assert await checkpoints_of(manager, thread_id) == []  # no run wrote after the delete


async def test_interrupt_strategy_when_new_run_arrives_as_current_one_ends_then_both_complete(
    app: FastAPI, http: httpx.AsyncClient
):
    manager = manager_of(app)
    thread_id = await new_thread(http)
    original, arrivals = manager.queue.complete, []

    async def complete(*args: Any, **kwargs: Any) -> Any:
        if not arrivals:  # the first run stores its outcome as the second one arrives
            arrivals.append(
                asyncio.create_task(
                    http.post(
                        f"/threads/{thread_id}/runs",
                        json={
                            "assistant_id": "quick",
                            "input": {"topic": "u"},
                            "multitask_strategy": "interrupt",
                        },
                        headers=EDITOR,
                    )
                )
            )
            await asyncio.sleep(0)  # the request takes its first steps meanwhile
        return await original(*args, **kwargs)

    manager.queue.complete = complete  # type: ignore[method-assign]
    first = await start_run(http, thread_id, "quick", "t")

    await until(lambda: arrivals, "the first run's outcome to be stored")
    second = (await arrivals[0]).json()
    await wait_status(manager, await manager.runs.get(second["run_id"], "acme"), "success")
    assert await status_of(manager, await manager.runs.get(first["run_id"], "acme")) == "success"
    assert (await manager.threads.get(thread_id, "acme")).status == "idle"


# --- joins of runs gone since they were read ---------------------------------------------------


async def gone_but_read_as_running(app: FastAPI, http: httpx.AsyncClient) -> tuple[str, str]:
    """A run deleted by an admin, that the next lookup still returns as 'running'."""
    manager = manager_of(app)
    thread_id = await new_thread(http)
    run = await start_run(http, thread_id, "quick", "t")
    stored = await manager.runs.get(run["run_id"], "acme")
    await wait_status(manager, stored, "success")
    stale = replace(stored, status="running")
    deleted = await http.delete(f"/threads/{thread_id}/runs/{run['run_id']}", headers=ADMIN)
    assert deleted.status_code == 204
    original = manager.runs.get

    async def get(run_id: str, *args: Any, **kwargs: Any) -> Any:
        return stale if run_id == stale.run_id else await original(run_id, *args, **kwargs)

    manager.runs.get = get  # type: ignore[method-assign]
    return thread_id, run["run_id"]


@pytest.mark.parametrize("path", ["stream", "join"])
async def test_join_when_run_deleted_since_it_was_read_then_response_ends_and_nothing_kept(
    app: FastAPI, http: httpx.AsyncClient, path: str
):
    thread_id, run_id = await gone_but_read_as_running(app, http)

    async with asyncio.timeout(10):  # before: heartbeats forever
        response = await http.get(f"/threads/{thread_id}/runs/{run_id}/{path}", headers=EDITOR)

    assert response.status_code == 200
    assert manager_of(app).streams.get(run_id) is None


# --- thread routes against concurrent changes --------------------------------------------------


async def test_patch_thread_when_deleted_meanwhile_then_not_found(
    app: FastAPI, http: httpx.AsyncClient
):
    manager = manager_of(app)
    thread_id = await new_thread(http)
    original = manager.threads.patch_metadata

    async def patch_metadata(*args: Any, **kwargs: Any) -> Any:
        await manager.threads.delete(thread_id, "acme")  # an admin's delete lands first
        return await original(*args, **kwargs)

    manager.threads.patch_metadata = patch_metadata  # type: ignore[method-assign]

    patched = await http.patch(f"/threads/{thread_id}", json={"metadata": {"a": 1}}, headers=EDITOR)

    assert patched.status_code == 404
    assert patched.json()["code"] == "not_found"


def thread_row_locked(settings: Settings, thread_id: str) -> bool:
    """Whether another transaction holds the thread's row lock (a run could not be enqueued
    now): PostgreSQL FOR UPDATE NOWAIT; SQLite, which locks the whole database for a writer,
    an immediate write transaction that does not wait."""
    if settings.is_postgres:
        with psycopg.connect(libpq_url(settings.database_url_resolved)) as conn:
            try:
                conn.execute(
                    "SELECT 1 FROM threads WHERE thread_id = %s FOR UPDATE NOWAIT", (thread_id,)
                )
            except psycopg.errors.LockNotAvailable:
                return True
            return False
    conn = sqlite3.connect(settings.data_dir / "sight.db", timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


async def test_update_state_when_it_writes_then_no_run_can_be_enqueued_meanwhile(
    app: FastAPI, http: httpx.AsyncClient, race_settings: Settings
):
    manager = manager_of(app)
    thread_id = await new_thread(http)
    run = await start_run(http, thread_id, "quick", "t")
    await wait_status(manager, await manager.runs.get(run["run_id"], "acme"), "success")
    graph = manager.graph("quick")
    original, seen = graph.aupdate_state, []

    async def aupdate_state(*args: Any, **kwargs: Any) -> Any:
        seen.append(await asyncio.to_thread(thread_row_locked, race_settings, thread_id))
        return await original(*args, **kwargs)

    graph.aupdate_state = aupdate_state

    updated = await http.post(
        f"/threads/{thread_id}/state", json={"values": {"topic": "u"}}, headers=EDITOR
    )

    assert updated.status_code == 200, updated.text
    assert seen == [True]  # checked and written under the thread's lock
    assert (await manager.threads.get(thread_id, "acme")).values["topic"] == "u"
    assert await status_of(manager, await manager.runs.get(run["run_id"], "acme")) == "success"
