"""Runs: create (background), stream, wait, list, get, join, join-stream, cancel, delete."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response

from api.agent_server.run_create import create_run
from api.agent_server.run_responses import parse_last_event_id, sse_response, wait_response
from api.agent_server.run_schemas import RunCreate
from api.agent_server.schemas import SSE_RESPONSES, RunId, ThreadId
from api.agent_server.threads import check_uuid, owned_thread
from api.auth import AdminDep, EditorDep, PrincipalDep
from api.deps import GraphsDep, ManagerDep
from api.limits import MAX_OFFSET
from runtime.run_manager import RunManager
from sight.errors import NotFoundError
from store.runs import RunRecord, RunStatus

router = APIRouter(tags=["runs"])


def _locations(
    run: RunRecord, thread_id: str, follow: str = "stream", stateless: bool = False
) -> dict[str, str]:
    base = f"/threads/{thread_id}/runs/{run.run_id}"
    # A stateless run is named without its thread (the SDKs then report none, as with the
    # official server) but followed on it: Location is what the SDKs reconnect to, and the
    # thread lives until the run ends (or on, with on_completion=keep).
    named = f"/runs/{run.run_id}" if stateless else base
    return {"Content-Location": named, "Location": f"{base}/{follow}"}


async def owned_run(manager: RunManager, thread_id: str, run_id: str, tenant: str) -> RunRecord:
    """The tenant's run on the thread it knows as `thread_id`, or NotFoundError naming the
    thread or the run."""
    thread_id = check_uuid(thread_id, "thread")
    run = await manager.runs.get(check_uuid(run_id, "run"), tenant, public_thread_id=thread_id)
    if run is None:  # one lookup when found; the thread's only to say which one is missing
        await owned_thread(manager, thread_id, tenant)
        raise NotFoundError(f"Run {run_id} not found")
    return run


@router.post("/threads/{thread_id}/runs", summary="Create a background run")
async def create_background_run(
    thread_id: ThreadId,
    body: RunCreate,
    manager: ManagerDep,
    graphs: GraphsDep,
    who: EditorDep,
    response: Response,
) -> dict[str, Any]:
    """Start a run that continues without a client; follow it with join or join-stream."""
    run, public_id = await create_run(body, thread_id, who, manager, graphs)
    response.headers["Content-Location"] = _locations(run, public_id)["Content-Location"]
    return run.to_api(public_id)


@router.post(
    "/threads/{thread_id}/runs/stream",
    summary="Create a run and stream it (SSE)",
    responses=SSE_RESPONSES,
)
async def stream_thread_run(
    thread_id: ThreadId, body: RunCreate, manager: ManagerDep, graphs: GraphsDep, who: EditorDep
) -> Response:
    """Start a run and stream its events; reconnect with join-stream and Last-Event-ID."""
    run, public_id = await create_run(body, thread_id, who, manager, graphs)
    return sse_response(
        manager,
        run,
        after=-1,
        headers=_locations(run, public_id),
        cancel_on_disconnect=body.on_disconnect == "cancel",
    )


@router.post("/threads/{thread_id}/runs/wait", summary="Create a run and wait for its output")
async def wait_thread_run(
    thread_id: ThreadId, body: RunCreate, manager: ManagerDep, graphs: GraphsDep, who: EditorDep
) -> Response:
    """Start a run and return its final values (or __interrupt__ / __error__)."""
    run, public_id = await create_run(body, thread_id, who, manager, graphs)
    return wait_response(
        manager,
        run,
        headers=_locations(run, public_id, "join"),
        cancel_on_disconnect=body.on_disconnect == "cancel",
    )


@router.post("/runs/stream", summary="Stateless run, streamed (SSE)", responses=SSE_RESPONSES)
async def stream_stateless_run(
    body: RunCreate, manager: ManagerDep, graphs: GraphsDep, who: EditorDep
) -> Response:
    """Run on a temporary thread and stream it; the thread is deleted unless on_completion=keep."""
    run, public_id = await create_run(body, None, who, manager, graphs)
    return sse_response(
        manager,
        run,
        after=-1,
        headers=_locations(run, public_id, stateless=True),
        cancel_on_disconnect=body.on_disconnect == "cancel",
    )


@router.post("/runs/wait", summary="Stateless run, wait for its output")
async def wait_stateless_run(
    body: RunCreate, manager: ManagerDep, graphs: GraphsDep, who: EditorDep
) -> Response:
    """Run on a temporary thread and return its final values."""
    run, public_id = await create_run(body, None, who, manager, graphs)
    return wait_response(
        manager,
        run,
        headers=_locations(run, public_id, "join", stateless=True),
        cancel_on_disconnect=body.on_disconnect == "cancel",
    )


@router.get("/threads/{thread_id}/runs", summary="List runs")
async def list_runs(
    thread_id: ThreadId,
    manager: ManagerDep,
    who: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Runs to skip.")] = 0,
    status: Annotated[RunStatus | None, Query(description="Only runs in this status.")] = None,
) -> list[dict[str, Any]]:
    """List the thread's runs, newest first."""
    thread = await owned_thread(manager, thread_id, who.tenant)
    runs = await manager.runs.list(
        thread.thread_id, who.tenant, limit=limit, offset=offset, status=status
    )
    return [run.to_api(thread.public_id) for run in runs]


@router.get("/threads/{thread_id}/runs/{run_id}", summary="Get a run")
async def get_run(
    thread_id: ThreadId, run_id: RunId, manager: ManagerDep, who: PrincipalDep
) -> dict[str, Any]:
    """Return one run and its status."""
    run = await owned_run(manager, thread_id, run_id, who.tenant)
    return run.to_api(check_uuid(thread_id, "thread"))


@router.get("/threads/{thread_id}/runs/{run_id}/join", summary="Wait for a run's output")
async def join_run(
    thread_id: ThreadId, run_id: RunId, manager: ManagerDep, who: PrincipalDep
) -> Response:
    """Wait for the run to finish and return its final values."""
    run = await owned_run(manager, thread_id, run_id, who.tenant)
    return wait_response(manager, run)


@router.get(
    "/threads/{thread_id}/runs/{run_id}/stream",
    summary="Join a run's stream (SSE)",
    responses=SSE_RESPONSES,
)
async def join_run_stream(
    thread_id: ThreadId,
    run_id: RunId,
    manager: ManagerDep,
    who: PrincipalDep,
    cancel_on_disconnect: bool = False,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="Replay the events after this id (-1: from the start); none: only "
            "the events still to come.",
        ),
    ] = None,
) -> Response:
    """Reattach to a run's events: after Last-Event-ID if given (-1: from the start), else live."""
    run = await owned_run(manager, thread_id, run_id, who.tenant)
    after = None if last_event_id is None else parse_last_event_id(last_event_id)
    return sse_response(
        manager,
        run,
        after=after,
        headers=_locations(run, check_uuid(thread_id, "thread")),
        cancel_on_disconnect=cancel_on_disconnect,
        modes=[m for m in (stream_mode or []) if m],
    )


@router.post("/threads/{thread_id}/runs/{run_id}/cancel", summary="Cancel a run")
async def cancel_run(
    thread_id: ThreadId,
    run_id: RunId,
    manager: ManagerDep,
    who: EditorDep,
    wait: bool = False,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    """Cancel a pending or running run (interrupt keeps its checkpoints, rollback deletes them)."""
    run = await owned_run(manager, thread_id, run_id, who.tenant)
    if run.status not in ("pending", "running") or not await manager.cancel(run, action):
        raise NotFoundError("No matching runs to cancel: the run has already finished")
    if wait:
        return wait_response(manager, run)
    return Response(status_code=202)


@router.delete(
    "/threads/{thread_id}/runs/{run_id}", status_code=204, summary="Delete a run (admin)"
)
async def delete_run(
    thread_id: ThreadId, run_id: RunId, manager: ManagerDep, who: AdminDep
) -> Response:
    """Delete a finished run and its events."""
    run = await owned_run(manager, thread_id, run_id, who.tenant)
    if run.status in ("pending", "running"):
        await manager.cancel(run, "interrupt")
    await manager.runs.delete(run.run_id, who.tenant)
    manager.streams.drop(run.run_id)
    return Response(status_code=204)
