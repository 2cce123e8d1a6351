"""What a failed run tells its client, and followers of runs that are gone."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from langgraph.graph import START, StateGraph

from runtime.registry import GraphSpec
from runtime.resources import open_resources
from runtime.run_manager import RunManager
from sight.errors import BudgetExceededError
from sight.settings import Settings
from tests.api import sample_graphs
from tests.api.sample_graphs import StepState
from tests.runtime.support import new_thread, store_run, wait_status

SECRET = "connection to postgresql://sight:hunter2@db.internal:5432 refused"


def build_raising(exc: Exception):  # noqa: ANN201
    def explode(state: StepState) -> dict[str, Any]:
        raise exc

    def build() -> StateGraph:
        builder = StateGraph(StepState)
        builder.add_node(explode)
        builder.add_edge(START, "explode")
        return builder

    return build


@pytest.fixture
async def raising_manager(manager_settings: Settings) -> AsyncIterator[RunManager]:
    graphs = {
        **sample_graphs.test_graphs(),
        "leaky": GraphSpec(
            "leaky", build_raising(RuntimeError(SECRET)), lambda r, _=None: None, None
        ),
        "budget": GraphSpec(
            "budget",
            build_raising(BudgetExceededError("run", 10, 12)),
            lambda r, _=None: None,
            None,
        ),
    }
    async with open_resources(manager_settings) as resources:
        manager = RunManager(resources, graphs)
        await manager.start()
        try:
            yield manager
        finally:
            await manager.stop()


async def failed_run(manager: RunManager, graph: str) -> tuple[Any, list[tuple[int, str, bytes]]]:
    """Run `graph` to its end; return the stored run and its stream's events."""
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, graph, "t", claim=True)
    manager.start_claimed(run)
    await wait_status(manager, run, "error")
    return await manager.runs.get(run.run_id, "acme"), manager.streams.get(run.run_id).events


async def test_run_when_graph_raises_unexpected_error_then_client_gets_safe_error_and_log_trace(
    raising_manager: RunManager, caplog
):
    caplog.set_level(logging.ERROR, logger="runtime.run_manager")

    run, events = await failed_run(raising_manager, "leaky")

    safe = {
        "error": "InternalError",
        "code": "internal_error",
        "message": f"The run failed on the server; see the server log (run {run.run_id}).",
    }
    assert run.error == safe
    assert (await raising_manager.threads.get(run.thread_id, "acme")).error == safe
    assert events[-1][1] == "error"
    assert not any(b"hunter2" in data for _, _, data in events)
    logged = [r for r in caplog.records if r.exc_info and run.run_id in r.getMessage()]
    assert logged and SECRET in str(logged[0].exc_info[1])  # the log has the traceback


async def test_run_when_graph_raises_sight_error_then_its_code_message_and_details_kept(
    raising_manager: RunManager,
):
    run, _ = await failed_run(raising_manager, "budget")

    assert run.error == {
        "error": "BudgetExceededError",
        "code": "token_budget_exceeded",
        "message": "token budget 'run' exceeded: 12 of 10 tokens used",
        "details": {"budget": "run", "limit": 10, "used": 12},
    }


# --- followers of runs that are gone ----------------------------------------------------------


async def test_follow_when_run_deleted_since_it_was_read_then_no_stream_and_none_kept(
    manager: RunManager,
):
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, "quick", "t", claim=False)  # pending, as read
    await manager.runs.delete(run.run_id, "acme")  # rolled back or deleted meanwhile
    manager.streams.drop(run.run_id)

    assert await manager.streams.open(run.run_id) is None

    assert manager.streams.get(run.run_id) is None


async def test_follow_when_pending_run_after_restart_then_stream_opened_and_kept(
    manager: RunManager,
):
    thread_id = await new_thread(manager)
    run = await store_run(manager, thread_id, "quick", "t", claim=False)
    manager.streams.drop(run.run_id)  # as after a restart: nothing held yet

    stream = await manager.streams.open(run.run_id)

    assert stream is not None and manager.streams.get(run.run_id) is stream
