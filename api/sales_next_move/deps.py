"""Sales co-pilot route dependencies as Annotated aliases (tests swap them with
dependency_overrides), and the lookups that turn another tenant's id into a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from api.deps import ResourcesDep
from sight.errors import NotFoundError
from store.sales_next_move import (
    ClientRecord,
    ClientRepository,
    FeedbackRepository,
    InteractionRepository,
    SessionRecord,
    SessionRepository,
)


def client_repository(resources: ResourcesDep) -> ClientRepository:
    return ClientRepository(resources.sessions)


def session_repository(resources: ResourcesDep) -> SessionRepository:
    return SessionRepository(resources.sessions)


def interaction_repository(resources: ResourcesDep) -> InteractionRepository:
    return InteractionRepository(resources.sessions)


def feedback_repository(resources: ResourcesDep) -> FeedbackRepository:
    return FeedbackRepository(resources.sessions)


ClientsDep = Annotated[ClientRepository, Depends(client_repository)]
SalesSessionsDep = Annotated[SessionRepository, Depends(session_repository)]
InteractionsDep = Annotated[InteractionRepository, Depends(interaction_repository)]
FeedbackDep = Annotated[FeedbackRepository, Depends(feedback_repository)]

ClientId = Annotated[
    str,
    Path(
        max_length=36, description="Client id.", examples=["9b2e7c14-3f6a-4d8b-a1c5-7e0f2d9b4a63"]
    ),
]
SessionId = Annotated[
    str,
    Path(
        max_length=36,
        description="Session id (the id of its LangGraph thread).",
        examples=["5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"],
    ),
]
InteractionId = Annotated[
    str,
    Path(
        max_length=36,
        description="Interaction id.",
        examples=["2c7d9e1f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"],
    ),
]


def client_not_found(client_id: str) -> NotFoundError:
    return NotFoundError(f"Client with ID {client_id} not found")


def session_not_found(session_id: str) -> NotFoundError:
    return NotFoundError(f"Session with ID {session_id} not found")


async def owned_client(clients: ClientRepository, client_id: str, tenant: str) -> ClientRecord:
    """The tenant's client, or NotFoundError (another tenant's too)."""
    found = await clients.get(client_id, tenant)
    if found is None:
        raise client_not_found(client_id)
    return found


async def owned_session(sessions: SessionRepository, session_id: str, tenant: str) -> SessionRecord:
    """The tenant's session, or NotFoundError (another tenant's too)."""
    found = await sessions.get(session_id, tenant)
    if found is None:
        raise session_not_found(session_id)
    return found
