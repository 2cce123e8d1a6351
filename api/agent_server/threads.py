"""Threads: create, read, search, delete; state, state at a checkpoint, history, state update."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from api.agent_server.schemas import (
    HistoryRequest,
    StateAtCheckpoint,
    StateUpdate,
    ThreadCount,
    ThreadCreate,
    ThreadId,
    ThreadPatch,
    ThreadSearch,
)
from api.auth import AdminDep, EditorDep, PrincipalDep
from api.deps import ManagerDep
from api.limits import check_at_most
from runtime.run_manager import RunManager
from runtime.thread_state import EMPTY_STATE, checkpoint_of, public_thread_ids, thread_state
from sight.clock import utc_now
from sight.errors import (
    BadRequestError,
    InputValidationError,
    NotFoundError,
    UnsupportedOptionError,
)
from store.checkpoint.copy import copy_thread_checkpoints
from store.threads import ThreadRecord

router = APIRouter(tags=["threads"])


def check_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InputValidationError(
            [{"field": f"{what}_id", "message": f"Invalid {what} ID: must be a UUID"}]
        ) from None


async def owned_thread(manager: RunManager, thread_id: str, tenant: str) -> ThreadRecord:
    """The thread the tenant knows as `thread_id`, or NotFoundError (another tenant's thread is
    not found either). Everything below the API takes its storage key, `.thread_id`."""
    thread = await manager.threads.find(check_uuid(thread_id, "thread"), tenant)
    if thread is None:
        raise NotFoundError(f"Thread with ID {thread_id} not found")
    return thread


def _graph(manager: RunManager, thread: ThreadRecord) -> Any | None:
    graph_id = thread.metadata.get("graph_id")
    return manager.graph(graph_id) if graph_id in manager.graphs else None


def _config(thread_id: str, checkpoint: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"configurable": {**(checkpoint or {}), "thread_id": thread_id}}


def _state(thread: ThreadRecord, snapshot: Any) -> dict[str, Any]:
    """The protocol's ThreadState of a snapshot, naming the thread by its public id."""
    return public_thread_ids(thread_state(snapshot), thread.thread_id, thread.public_id)


@router.post("/threads", summary="Create a thread")
async def create_thread(body: ThreadCreate, manager: ManagerDep, who: EditorDep) -> dict[str, Any]:
    """Create a thread (409 if the id exists, unless if_exists is do_nothing)."""
    for option in ("supersteps", "ttl"):
        if getattr(body, option) is not None:
            raise UnsupportedOptionError(option, "not implemented")
    thread_id = check_uuid(body.thread_id, "thread") if body.thread_id else str(uuid.uuid4())
    metadata = dict(body.metadata)
    if body.graph_id:
        metadata["graph_id"] = body.graph_id
    thread = await manager.threads.create(
        thread_id, who.tenant, metadata, now=utc_now(), if_exists=body.if_exists
    )
    return thread.to_api()


@router.post("/threads/search", summary="Search threads")
async def search_threads(
    body: ThreadSearch, manager: ManagerDep, who: PrincipalDep, response: Response
) -> list[dict[str, Any]]:
    """Search the tenant's threads by metadata, values, ids and status."""
    if body.extract:
        raise UnsupportedOptionError("extract", "not implemented")
    if body.ids is not None:
        check_at_most("ids", len(body.ids), manager.settings.max_search_ids, "SIGHT_MAX_SEARCH_IDS")
    found, total = await manager.threads.search(
        who.tenant,
        metadata=body.metadata,
        values=body.values,
        ids=None if body.ids is None else [str(i) for i in body.ids],
        status=body.status,
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by,
        sort_order=body.sort_order,
    )
    response.headers["X-Pagination-Total"] = str(total)
    if body.offset + len(found) < total:
        response.headers["X-Pagination-Next"] = str(body.offset + body.limit)
    items = [t.to_api() for t in found]
    return [{k: t[k] for k in body.select if k in t} for t in items] if body.select else items


@router.post("/threads/count", summary="Count threads")
async def count_threads(body: ThreadCount, manager: ManagerDep, who: PrincipalDep) -> int:
    """Count the tenant's threads matching the filters."""
    return await manager.threads.count(
        who.tenant, metadata=body.metadata, values=body.values, status=body.status
    )


@router.get("/threads/{thread_id}", summary="Get a thread")
async def get_thread(thread_id: ThreadId, manager: ManagerDep, who: PrincipalDep) -> dict[str, Any]:
    """Return one thread."""
    return (await owned_thread(manager, thread_id, who.tenant)).to_api()


@router.patch("/threads/{thread_id}", summary="Update thread metadata")
async def patch_thread(
    thread_id: ThreadId, body: ThreadPatch, manager: ManagerDep, who: EditorDep, request: Request
) -> Any:
    """Merge metadata into the thread's metadata."""
    if body.ttl is not None:
        raise UnsupportedOptionError("ttl", "not implemented")
    owned = await owned_thread(manager, thread_id, who.tenant)
    thread = await manager.threads.patch_metadata(
        owned.thread_id, who.tenant, body.metadata, now=utc_now()
    )
    if thread is None:  # never the tenant's, or deleted meanwhile
        raise NotFoundError(f"Thread with ID {thread_id} not found")
    if "return=minimal" in request.headers.get("prefer", ""):
        return Response(status_code=204)
    return thread.to_api()


@router.delete("/threads/{thread_id}", status_code=204, summary="Delete a thread (admin)")
async def delete_thread(thread_id: ThreadId, manager: ManagerDep, who: AdminDep) -> Response:
    """Delete a thread, its runs, their events and its checkpoints (its runs stop first)."""
    thread = await owned_thread(manager, thread_id, who.tenant)
    if not await manager.delete_thread(thread.thread_id, who.tenant):
        raise NotFoundError(f"Thread with ID {thread_id} not found")
    return Response(status_code=204)


@router.get("/threads/{thread_id}/state", summary="Current state")
async def get_state(
    thread_id: ThreadId, manager: ManagerDep, who: PrincipalDep, subgraphs: bool = False
) -> dict[str, Any]:
    """Return the thread's latest state (values, next, tasks, interrupts, checkpoint)."""
    thread = await owned_thread(manager, thread_id, who.tenant)
    graph = _graph(manager, thread)
    if graph is None:
        return dict(EMPTY_STATE)
    return _state(thread, await graph.aget_state(_config(thread.thread_id), subgraphs=subgraphs))


@router.post("/threads/{thread_id}/state/checkpoint", summary="State at a checkpoint")
async def get_state_at(
    thread_id: ThreadId, body: StateAtCheckpoint, manager: ManagerDep, who: PrincipalDep
) -> dict[str, Any]:
    """Return the thread's state at a given checkpoint."""
    thread = await owned_thread(manager, thread_id, who.tenant)
    graph = _graph(manager, thread)
    if graph is None:
        return dict(EMPTY_STATE)
    config = _config(thread.thread_id, body.checkpoint)
    return _state(thread, await graph.aget_state(config, subgraphs=body.subgraphs))


@router.get("/threads/{thread_id}/state/{checkpoint_id}", summary="State at a checkpoint id")
async def get_state_at_id(
    thread_id: ThreadId,
    checkpoint_id: Annotated[
        str, Path(description="A checkpoint id (a UUID).", json_schema_extra={"format": "uuid"})
    ],
    manager: ManagerDep,
    who: PrincipalDep,
) -> dict[str, Any]:
    """Return the thread's state at a checkpoint id (deprecated form)."""
    checkpoint_id = check_uuid(checkpoint_id, "checkpoint")
    body = StateAtCheckpoint(checkpoint={"checkpoint_id": checkpoint_id})
    return await get_state_at(thread_id, body, manager, who)


@router.post("/threads/{thread_id}/state", summary="Update state")
async def update_state(
    thread_id: ThreadId, body: StateUpdate, manager: ManagerDep, who: EditorDep
) -> dict[str, Any]:
    """Write values into the thread's state as if a node returned them (409 while running)."""
    thread = await owned_thread(manager, thread_id, who.tenant)
    graph = _graph(manager, thread)
    if graph is None:
        raise BadRequestError(f"Thread {thread_id} has no assigned graph ID: run it first")
    checkpoint = dict(body.checkpoint or {})
    if body.checkpoint_id:
        checkpoint["checkpoint_id"] = body.checkpoint_id
    # The savers read the namespace as a key; the root graph's is "".
    checkpoint.setdefault("checkpoint_ns", "")
    if checkpoint.get("checkpoint_id") and not await manager.resources.checkpointer.aget_tuple(
        _config(thread.thread_id, checkpoint)
    ):
        raise NotFoundError(
            f"Checkpoint {checkpoint['checkpoint_id']} not found in thread {thread_id}"
        )
    # 409 while a run is inflight, decided under the thread's lock with the write.
    config = await manager.update_state(
        thread.thread_id,
        who.tenant,
        graph,
        # The checkpoint's metadata names the thread as its tenant knows it.
        {**_config(thread.thread_id, checkpoint), "metadata": {"thread_id": thread.public_id}},
        body.values,
        as_node=body.as_node,
        public_id=thread.public_id,
    )
    public = public_thread_ids(checkpoint_of(config), thread.thread_id, thread.public_id)
    return {
        "checkpoint": public,
        "configurable": public,
        "checkpoint_id": public["checkpoint_id"] if public else None,
    }


async def _history(
    thread_id: str, body: HistoryRequest, manager: RunManager, tenant: str
) -> list[dict[str, Any]]:
    limit = manager.settings.max_history_limit
    check_at_most("limit", body.limit, limit, "SIGHT_MAX_HISTORY_LIMIT")
    thread = await owned_thread(manager, thread_id, tenant)
    graph = _graph(manager, thread)
    if graph is None:
        return []
    before = body.before
    if isinstance(before, str):
        before = {"configurable": {"checkpoint_id": before}}
    elif isinstance(before, dict):
        before = {"configurable": before}
    states = graph.aget_state_history(
        _config(thread.thread_id, body.checkpoint),
        limit=body.limit,
        filter=body.metadata,
        before=before,
    )
    return [_state(thread, snapshot) async for snapshot in states]


@router.post("/threads/{thread_id}/history", summary="State history")
async def post_history(
    thread_id: ThreadId, body: HistoryRequest, manager: ManagerDep, who: PrincipalDep
) -> list[dict[str, Any]]:
    """Return past states, newest first."""
    return await _history(thread_id, body, manager, who.tenant)


@router.get("/threads/{thread_id}/history", summary="State history (GET)")
async def get_history(
    thread_id: ThreadId,
    manager: ManagerDep,
    who: PrincipalDep,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Checkpoints to return, newest first.")
    ] = 10,
    before: Annotated[str | None, Query(description="Only checkpoints before this id.")] = None,
) -> list[dict[str, Any]]:
    """Return past states, newest first."""
    return await _history(
        thread_id, HistoryRequest(limit=limit, before=before), manager, who.tenant
    )


@router.post("/threads/{thread_id}/copy", summary="Copy a thread")
async def copy_thread(thread_id: ThreadId, manager: ManagerDep, who: EditorDep) -> dict[str, Any]:
    """Copy the thread to a new one of the tenant: metadata, state and every checkpoint (its
    runs are not copied). Returns the new thread; runs on it leave the original untouched."""
    source = await owned_thread(manager, thread_id, who.tenant)
    target_id = str(uuid.uuid4())
    # Checkpoints first: until the row exists nobody can see them, so a failure leaves nothing.
    await copy_thread_checkpoints(manager.resources.checkpointer, source.thread_id, target_id)
    try:
        copied = await manager.threads.copy(source.thread_id, target_id, who.tenant, now=utc_now())
    except BaseException:
        await manager.resources.checkpointer.adelete_thread(target_id)
        raise
    if copied is None:  # deleted meanwhile
        await manager.resources.checkpointer.adelete_thread(target_id)
        raise NotFoundError(f"Thread with ID {thread_id} not found")
    return copied.to_api()
