"""Observations of a live showroom conversation: POST /interactions answers with the analysis
(or streams it), GET /interactions/{id} reads one, POST /interactions/{id}/moves gives four more.

A thin layer over the ``sales_next_move`` assistant: a session is a thread, an observation is a
run on it through the run manager (so the same run is visible to the Agent Server routes).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.agent_server.run_create import create_run
from api.agent_server.run_responses import result_of, sse_response
from api.agent_server.run_schemas import RunCreate
from api.agent_server.schemas import SSE_RESPONSES
from api.auth import EditorDep, PrincipalDep
from api.deps import GraphsDep, ManagerDep
from api.errors import STATUS_BY_ERROR, ErrorBody
from api.sales_next_move.deps import ClientsDep, InteractionId, InteractionsDep, SalesSessionsDep
from api.sales_next_move.interaction_schemas import (
    InteractionCreate,
    InteractionOut,
    MoreMovesOut,
)
from sight.clock import utc_now
from sight.errors import (
    ConflictError,
    InputValidationError,
    NotFoundError,
)
from tools.sales_next_move.request import check_observation

router = APIRouter(tags=["sales"])
GRAPH = "sales_next_move"
OBSERVATION, SLOW_PATH = "observation", "slow_path"  # run metadata `kind`
WAIT_S = 60.0  # the fast path ends in seconds; a run queued behind others gets this long


@router.post(
    "/interactions",
    status_code=201,
    summary="Add an observation and get the analysis",
    responses={
        **SSE_RESPONSES,
        404: {"model": ErrorBody, "description": "No such session for this tenant."},
        409: {"model": ErrorBody, "description": "The session is closed: reopen it first."},
    },
)
async def add_interaction(
    body: InteractionCreate,
    who: EditorDep,
    manager: ManagerDep,
    graphs: GraphsDep,
    sessions: SalesSessionsDep,
    clients: ClientsDep,
    stream: Annotated[
        bool, Query(description="Stream the analysis as SSE (updates and custom events).")
    ] = False,
) -> Any:
    """Analyse one observation. With no ``session_id`` a session (and a client, when
    ``client_alias`` is given) is created first. Returns 201 with the interaction, its session,
    turn and analysis; with ``?stream=true`` the same analysis streams as it is computed."""
    text = check_observation({"text": body.text})
    now = utc_now()
    if body.session_id is not None:
        session_id = await _open_session(sessions, body, who.tenant)
        # Its thread may be gone (a stateless run's, or deleted through /threads): start anew.
        await manager.threads.create(
            session_id, who.tenant, {"graph_id": GRAPH}, now=now, if_exists="do_nothing"
        )
        await _supersede_slow_runs(manager, session_id)
    else:
        session_id = str(uuid.uuid4())
        client_id = None
        if body.client_alias is not None:
            client = await clients.get_or_create_by_alias(who.tenant, body.client_alias, now)
            client_id = client.id
        await manager.threads.create(session_id, who.tenant, {"graph_id": GRAPH}, now=now)
        await sessions.create(who.tenant, session_id, client_id, now)
    modes = ["updates", "custom"] if stream else ["values"]
    run_body = RunCreate(
        assistant_id=GRAPH,
        input={"text": text},
        stream_mode=modes,
        multitask_strategy="enqueue",
        metadata={"session_id": session_id, "kind": OBSERVATION},
    )
    run, public_id = await create_run(run_body, session_id, who, manager, graphs)
    if manager.settings.sales_slow_path:
        slow = RunCreate(
            assistant_id=GRAPH,
            input={"deep": True},
            multitask_strategy="enqueue",
            metadata={"session_id": session_id, "kind": SLOW_PATH},
        )
        await create_run(slow, session_id, who, manager, graphs)
    if stream:
        headers = {
            "Content-Location": f"/threads/{public_id}/runs/{run.run_id}",
            "X-Session-Id": session_id,
        }
        return sse_response(manager, run, after=-1, headers=headers, modes=modes)
    output = await _wait_output(manager, run)
    if isinstance(output, JSONResponse):
        return output
    return JSONResponse(
        InteractionOut.model_validate(output).model_dump(mode="json"), status_code=201
    )


@router.get("/interactions/{interaction_id}", summary="Get an interaction")
async def get_interaction(
    interaction_id: InteractionId, who: PrincipalDep, interactions: InteractionsDep
) -> InteractionOut:
    """Return one observation with its analysis."""
    record = await interactions.get(interaction_id, who.tenant)
    if record is None:
        raise NotFoundError(f"Interaction {interaction_id} not found")
    return InteractionOut(
        interaction_id=record.id,
        session_id=record.session_id,
        turn=record.turn,
        analysis=record.analysis,
    )


@router.post(
    "/interactions/{interaction_id}/moves",
    summary="Generate other suggestions",
    responses={404: {"model": ErrorBody, "description": "No such interaction."}},
)
async def more_moves(
    interaction_id: InteractionId, who: EditorDep, interactions: InteractionsDep
) -> MoreMovesOut:
    """Four more moves for the same observation, none of those already shown; composed from the
    stored analysis by the same rules (no model call). Fewer than four when the library has no
    more that apply; ``shown`` lists every move shown so far (feedback may rate any of them)."""
    from tools.sales_next_move.moves import compose_moves
    from tools.sales_next_move.moves_context import context_of_analysis

    composed: list[dict[str, Any]] = []

    def pick(record: Any) -> list[str]:
        exclude = frozenset(record.shown_moves or [])
        composed.extend(compose_moves(context_of_analysis(record.analysis), exclude=exclude))
        return [m["id"] for m in composed]

    found = await interactions.show_more(interaction_id, who.tenant, pick)
    if found is None:
        raise NotFoundError(f"Interaction {interaction_id} not found")
    record, _ = found
    return MoreMovesOut(
        next_moves=[{**m, "phrased": False} for m in composed], shown=list(record.shown_moves)
    )


async def _open_session(sessions: Any, body: InteractionCreate, tenant: str) -> str:
    """The id of the tenant's active session the body names (404 unknown, 409 closed)."""
    if body.client_alias is not None:
        raise InputValidationError(
            [
                {
                    "field": "body.client_alias",
                    "message": "only for a new session (session_id null): a session keeps "
                    "its client",
                }
            ]
        )
    session = await sessions.get(body.session_id, tenant)
    if session is None:
        raise NotFoundError(f"Session {body.session_id} not found")
    if session.status == "closed":
        raise ConflictError(
            f"Session {session.id} is closed: POST /sessions/{session.id}/reopen first",
            details={"status": "closed"},
        )
    return session.id


async def _supersede_slow_runs(manager: Any, session_id: str) -> None:
    """A newer observation supersedes the session's pending or running slow path: it would
    analyse an older turn, and the observation must not wait behind it."""
    for other in await manager.runs.inflight(session_id):
        if (other.metadata or {}).get("kind") == SLOW_PATH:
            await manager.cancel(other, "interrupt")


async def _wait_output(manager: Any, run: Any) -> dict[str, Any] | JSONResponse:
    """The run's output, or its error as the response the same Sight error gets elsewhere."""
    stream = manager.streams.get(run.run_id) or await manager.streams.open(run.run_id)
    if stream is None or not await stream.wait_done(WAIT_S):
        # Still queued or running (behind an advisor answer on a slow model): it will be
        # stored; say where to follow it rather than an error a client would retry.
        location = f"/threads/{run.thread_id}/runs/{run.run_id}"
        body = {
            "run_id": run.run_id,
            "session_id": run.thread_id,
            "status": "pending",
            "detail": f"The analysis is still running: GET {location}/join for its output",
        }
        return JSONResponse(body, status_code=202, headers={"Location": f"{location}/join"})
    result = result_of(stream)
    if "__error__" not in result:
        return result
    error = result["__error__"]
    status = next((s for k, s in STATUS_BY_ERROR.items() if k.code == error.get("code")), 500)
    body = {"detail": error.get("message"), **error}
    body.pop("error", None)
    return JSONResponse(body, status_code=status)
