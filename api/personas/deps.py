"""Persona route dependencies as Annotated aliases (tests swap them with dependency_overrides)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from api.auth import Principal
from api.deps import ResourcesDep
from api.personas.kpi import PersonaKpi
from runtime.audit_tasks import AuditTasks
from sight.errors import ForbiddenError, NotFoundError
from store.persona_audit import ClientInfo, PersonaAuditRepository
from store.persona_records import PersonaRecord
from store.personas import PersonaRepository


def persona_repository(resources: ResourcesDep) -> PersonaRepository:
    return PersonaRepository(resources.sessions)


def audit_repository(resources: ResourcesDep) -> PersonaAuditRepository:
    return PersonaAuditRepository(resources.sessions)


def persona_kpi(request: Request) -> PersonaKpi:
    return request.app.state.persona_kpi


def audit_tasks(request: Request) -> AuditTasks:
    return request.app.state.audit_tasks


def client_info(request: Request) -> ClientInfo:
    """Where the request came from (kept in the audit log for the retention period only)."""
    host = request.client.host if request.client else None
    return ClientInfo(ip_address=host, user_agent=request.headers.get("user-agent"))


PersonasDep = Annotated[PersonaRepository, Depends(persona_repository)]
AuditDep = Annotated[PersonaAuditRepository, Depends(audit_repository)]
PersonaKpiDep = Annotated[PersonaKpi, Depends(persona_kpi)]
AuditTasksDep = Annotated[AuditTasks, Depends(audit_tasks)]
ClientDep = Annotated[ClientInfo, Depends(client_info)]
PersonaId = Annotated[
    str,
    Path(
        max_length=36,
        description="Persona id (a UUID).",
        examples=["6f1c2a9e-3b7d-5e0a-9c41-2d8f7b6a5e13"],
    ),
]
IncludeDeleted = Annotated[
    bool,
    Query(description="Admins only: include soft-deleted personas.", examples=[False]),
]


def deleted_visible(who: Principal, include_deleted: bool) -> bool:
    """Whether deleted personas are shown: admins who ask only (403 for anyone else asking)."""
    if include_deleted and not who.has_role("admin"):
        raise ForbiddenError(
            f"include_deleted needs the admin role: deleted personas are hidden from {who.role}s",
            details={"required_role": "admin", "role": who.role},
        )
    return include_deleted


async def owned_persona(
    personas: PersonaRepository,
    persona_id: str,
    tenant: str,
    *,
    include_deleted: bool = False,
    with_embedding: bool = False,
) -> PersonaRecord:
    """The tenant's persona, or NotFoundError (another tenant's or a hidden deleted one too)."""
    persona = await personas.get(
        persona_id, tenant, include_deleted=include_deleted, with_embedding=with_embedding
    )
    if persona is None:
        raise NotFoundError(f"Persona with ID {persona_id} not found")
    return persona
