"""Create a run: validate the request, find or create its thread, store and schedule it.

Nothing is stored when the request is refused. Every route that starts a run goes through
``create_run``.
"""

from __future__ import annotations

import uuid

from api.agent_server.assistants import assistant_id_of, resolve_graph_id
from api.agent_server.run_schemas import RunCreate
from api.agent_server.threads import check_uuid, owned_thread
from api.auth import Principal
from api.deps import GraphsDep
from runtime.run_manager import RunManager
from sight.clock import utc_now
from sight.errors import InputValidationError, NotFoundError
from store.runs import NewRun, RunRecord


async def check_resumable(manager: RunManager, thread_id: str | None, tenant: str) -> None:
    """Refuse a run with nothing to start from (LangGraph would fail it: EmptyInputError): no
    input, command or checkpoint, on a new thread or one with no checkpoint nor run before it."""
    if thread_id is not None:
        thread = await manager.threads.find(check_uuid(thread_id, "thread"), tenant)
        if thread is not None and (
            await manager.runs.inflight(thread.thread_id)
            or await manager.resources.checkpointer.aget_tuple(
                {"configurable": {"thread_id": thread.thread_id, "checkpoint_ns": ""}}
            )
        ):
            return
    where = "the thread has no state to continue" if thread_id else "a stateless run starts anew"
    raise InputValidationError(
        [
            {
                "field": "input",
                "message": f"required: {where} (send input, or a command to resume an "
                "interrupted thread)",
            }
        ]
    )


async def create_run(
    body: RunCreate, thread_id: str | None, who: Principal, manager: RunManager, graphs: GraphsDep
) -> tuple[RunRecord, str]:
    """Validate, store and schedule a run; nothing is stored when the request is refused.
    Returns the run and its thread's public id (the run names the thread's storage key)."""
    body.refuse_unsupported(stateless=thread_id is None)
    graph_id = resolve_graph_id(graphs, body.assistant_id)
    spec = graphs[graph_id]
    if spec.validate_input is not None and body.input is not None and body.command is None:
        checked = spec.validate_input(body.input)
        if spec.normalises_input:
            body.input = checked
        if spec.check_input is not None:
            await spec.check_input(body.input, manager.resources, who.tenant)
    resume = body.command.resume if body.command else None
    if spec.validate_resume is not None and resume is not None:
        spec.validate_resume(resume)
    body.refuse_unknown_nodes(manager.graph(graph_id).nodes)
    if body.continues_thread:
        await check_resumable(manager, thread_id, who.tenant)
    now = utc_now()
    stateless = thread_id is None
    if thread_id is None:
        thread = await manager.threads.create(
            str(uuid.uuid4()), who.tenant, {"graph_id": graph_id}, now=now
        )
    elif body.if_not_exists == "create":
        thread = await manager.threads.create(
            check_uuid(thread_id, "thread"), who.tenant, {}, now=now, if_exists="do_nothing"
        )
    else:
        thread = None  # looked up only when its storage key is not its public id, below
    assistant_id = assistant_id_of(graph_id)
    kwargs = body.run_kwargs(stateless=stateless)
    kwargs["actor"] = who.name  # whom the run's changes are recorded for

    async def submit(key: str) -> RunRecord:
        new = NewRun(
            run_id=str(uuid.uuid4()),
            thread_id=key,
            tenant=who.tenant,
            assistant_id=assistant_id,
            graph_id=graph_id,
            metadata={**(body.metadata or {}), "assistant_id": assistant_id},
            kwargs=kwargs,
            multitask_strategy=body.multitask_strategy,
        )
        return await manager.submit(
            new,
            strategy=body.multitask_strategy,
            thread_metadata_update={"graph_id": graph_id, "assistant_id": assistant_id},
            now=now,
        )

    if thread is not None:
        if thread.public_id != thread.thread_id:
            kwargs["thread_public_id"] = thread.public_id
        return await submit(thread.thread_id), thread.public_id
    # A thread's storage key is its public id unless another tenant had the id first (storage
    # keys never leave the server, so no client names one): try the id as the key, and look
    # the thread up only when the tenant has no thread under that key. enqueue() refuses a
    # thread that is not the tenant's (404) in its transaction, storing nothing.
    public_id = check_uuid(thread_id, "thread")
    try:
        return await submit(public_id), public_id
    except NotFoundError:
        thread = await owned_thread(manager, public_id, who.tenant)  # 404 if truly missing
        if thread.thread_id == public_id:
            raise
    kwargs["thread_public_id"] = thread.public_id
    return await submit(thread.thread_id), thread.public_id
