"""Sales sessions: list, read with every turn, conclude with an outcome, reopen, delete (admin).

Sessions start with their first interaction (POST /interactions); these routes read and close
them. Another tenant's session is not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import AdminDep, EditorDep, PrincipalDep
from api.deps import ManagerDep
from api.errors import ErrorBody
from api.limits import MAX_OFFSET, paginate
from api.sales_next_move.deps import (
    FeedbackDep,
    InteractionsDep,
    SalesSessionsDep,
    SessionId,
    owned_session,
    session_not_found,
)
from api.sales_next_move.schemas import (
    ConcludeRequest,
    SessionOut,
    SessionSummaryOut,
    session_out,
    summary_out,
)
from sight.clock import utc_now
from store.sales_next_move import FeedbackRepository, InteractionRepository, SessionRecord
from store.sales_next_move.sessions import SessionStatus

router = APIRouter(tags=["sales"])


async def _whole(
    record: SessionRecord,
    tenant: str,
    interactions: InteractionRepository,
    feedback: FeedbackRepository,
) -> SessionOut:
    return session_out(
        record,
        await interactions.for_session(record.id, tenant),
        await feedback.for_session(record.id, tenant),
    )


@router.get("/sessions", summary="List sales sessions")
async def list_sessions(
    who: PrincipalDep,
    sessions: SalesSessionsDep,
    response: Response,
    status: Annotated[
        SessionStatus | None,
        Query(description="Only active or closed sessions.", examples=["active"]),
    ] = None,
    client_id: Annotated[
        str | None,
        Query(
            max_length=36,
            description="Only this client's sessions.",
            examples=["9b2e7c14-3f6a-4d8b-a1c5-7e0f2d9b4a63"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.", examples=[20])] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Sessions to skip.", examples=[0])
    ] = 0,
) -> list[SessionSummaryOut]:
    """List the tenant's sessions, latest activity first (X-Pagination-Total /
    X-Pagination-Next)."""
    found, total = await sessions.list(
        who.tenant, status=status, client_id=client_id, limit=limit, offset=offset
    )
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [summary_out(session) for session in found]


@router.get("/sessions/{session_id}", summary="Get a sales session with every turn")
async def get_session(
    session_id: SessionId,
    who: PrincipalDep,
    sessions: SalesSessionsDep,
    interactions: InteractionsDep,
    feedback: FeedbackDep,
) -> SessionOut:
    """Return the session: its client, every turn with its analysis in order, the memory,
    the deep analysis, the outcome and every rating given."""
    found = await owned_session(sessions, session_id, who.tenant)
    return await _whole(found, who.tenant, interactions, feedback)


@router.post(
    "/sessions/{session_id}/conclude",
    summary="Conclude a sales session (editor)",
    responses={409: {"model": ErrorBody, "description": "The session is closed already."}},
)
async def conclude_session(
    session_id: SessionId,
    body: ConcludeRequest,
    who: EditorDep,
    sessions: SalesSessionsDep,
    interactions: InteractionsDep,
    feedback: FeedbackDep,
) -> SessionOut:
    """Close the session with its outcome; no turn can be added until it is reopened."""
    closed = await sessions.conclude(
        session_id, who.tenant, outcome=body.outcome, note=body.note, user=who.name, now=utc_now()
    )
    if closed is None:
        raise session_not_found(session_id)
    return await _whole(closed, who.tenant, interactions, feedback)


@router.post(
    "/sessions/{session_id}/reopen",
    summary="Reopen a concluded sales session (editor)",
    responses={409: {"model": ErrorBody, "description": "The session is active."}},
)
async def reopen_session(
    session_id: SessionId,
    who: EditorDep,
    sessions: SalesSessionsDep,
    interactions: InteractionsDep,
    feedback: FeedbackDep,
) -> SessionOut:
    """Make the session active again; its outcome is cleared."""
    reopened = await sessions.reopen(session_id, who.tenant, now=utc_now())
    if reopened is None:
        raise session_not_found(session_id)
    return await _whole(reopened, who.tenant, interactions, feedback)


@router.delete(
    "/sessions/{session_id}",
    summary="Delete a sales session (admin)",
    status_code=204,
    response_class=Response,
)
async def delete_session(
    session_id: SessionId, who: AdminDep, sessions: SalesSessionsDep, manager: ManagerDep
) -> Response:
    """Delete the session with its turns and feedback, and its thread (runs, checkpoints),
    for good."""
    await owned_session(sessions, session_id, who.tenant)  # 404 before anything is deleted
    # The thread first: it stops the session's runs, so none re-creates the session after.
    await manager.delete_thread(session_id, who.tenant)  # False: it had no thread (no run yet)
    if not await sessions.delete(session_id, who.tenant):
        raise session_not_found(session_id)
    return Response(status_code=204)
