"""Personas: list, read, the details view, audit trails, and runs' validation reports.

Personas belong to the tenant of the key that generated them: another tenant's persona is not
found. A soft-deleted persona is hidden (404) from viewers and editors; admins see it with
``include_deleted=true``. Edits, deletes, exports and comparisons are in persona_actions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.auth import PrincipalDep
from api.deps import ResourcesDep, SettingsDep
from api.limits import MAX_OFFSET, paginate
from api.personas.deps import (
    AuditDep,
    AuditTasksDep,
    ClientDep,
    IncludeDeleted,
    PersonaId,
    PersonaKpiDep,
    PersonasDep,
    deleted_visible,
    owned_persona,
)
from api.personas.detail_schemas import AuditEntryOut, PersonaDetails, audit_out
from api.personas.details import AUDIT_TAIL, gather_details
from api.personas.kpi import check_industry
from api.personas.schemas import Persona, PersonaSummary, RunReport, persona_out, summary_out
from sight.clock import utc_now
from sight.errors import ForbiddenError, NotFoundError
from store.persona_audit import AuditAction

router = APIRouter(tags=["personas"])


@router.get("/personas", summary="List personas")
async def list_personas(
    who: PrincipalDep,
    personas: PersonasDep,
    response: Response,
    segment_id: Annotated[
        str | None, Query(description="Only this segment.", examples=["mlodzi_profesjonalisci"])
    ] = None,
    run_id: Annotated[
        str | None,
        Query(
            description="Only this generation run.",
            examples=["1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"],
        ),
    ] = None,
    gender: Annotated[
        str | None, Query(description="Only this gender.", examples=["kobieta"])
    ] = None,
    age_min: Annotated[
        int | None, Query(ge=0, le=120, description="Youngest age.", examples=[25])
    ] = None,
    age_max: Annotated[
        int | None, Query(ge=0, le=120, description="Oldest age.", examples=[34])
    ] = None,
    min_score: Annotated[
        int | None, Query(ge=0, le=100, description="Lowest quality score.", examples=[70])
    ] = None,
    include_deleted: IncludeDeleted = False,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.", examples=[20])] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Personas to skip.", examples=[0])
    ] = 0,
) -> list[PersonaSummary]:
    """List the tenant's personas, newest first (X-Pagination-Total / X-Pagination-Next)."""
    found, total = await personas.list(
        who.tenant,
        segment_id=segment_id,
        run_id=run_id,
        gender=gender,
        age_min=age_min,
        age_max=age_max,
        min_score=min_score,
        include_deleted=deleted_visible(who, include_deleted),
        limit=limit,
        offset=offset,
    )
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [summary_out(p) for p in found]


@router.get("/personas/audit", summary="A user's last actions on personas")
async def user_audit(
    who: PrincipalDep,
    audit: AuditDep,
    user_id: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="The API key name whose actions to list.",
            examples=["editor-key"],
        ),
    ],
    limit: Annotated[
        int, Query(ge=1, le=200, description="How many, newest first.", examples=[50])
    ] = 50,
) -> list[AuditEntryOut]:
    """Return a user's last actions in the tenant: admins see anyone's, others their own."""
    if user_id != who.name and not who.has_role("admin"):
        raise ForbiddenError(
            f"only admins list other users' actions; the key '{who.name}' may list its own",
            details={"required_role": "admin", "role": who.role},
        )
    return [audit_out(e) for e in await audit.for_user(user_id, who.tenant, limit=limit)]


@router.get("/personas/runs/{run_id}/report", summary="A generation run's validation report")
async def run_report(
    who: PrincipalDep,
    personas: PersonasDep,
    run_id: Annotated[
        str,
        Path(
            max_length=64,
            description="The generation run's id.",
            examples=["1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"],
        ),
    ],
) -> RunReport:
    """Return the validation report a persona generation run stored (404 if none)."""
    report = await personas.get_report(run_id, who.tenant)
    if report is None:
        raise NotFoundError(f"No persona generation report for run {run_id}")
    return RunReport(run_id=report.run_id, report=report.report, created_at=report.created_at)


@router.get("/personas/{persona_id}", summary="Get a persona")
async def get_persona(
    persona_id: PersonaId,
    who: PrincipalDep,
    personas: PersonasDep,
    include_deleted: IncludeDeleted = False,
) -> Persona:
    """Return one persona (no embedding, no KPIs: see /details)."""
    visible = deleted_visible(who, include_deleted)
    return persona_out(
        await owned_persona(personas, persona_id, who.tenant, include_deleted=visible)
    )


@router.get("/personas/{persona_id}/details", summary="Persona details (drawer view)")
async def persona_details(
    persona_id: PersonaId,
    who: PrincipalDep,
    personas: PersonasDep,
    audit: AuditDep,
    kpi: PersonaKpiDep,
    tasks: AuditTasksDep,
    resources: ResourcesDep,
    settings: SettingsDep,
    client: ClientDep,
    industry: Annotated[
        str | None,
        Query(
            description="Industry whose benchmarks the KPIs use (default SIGHT_PERSONA_KPI_INDUSTRY).",
            examples=["b2b_saas"],
        ),
    ] = None,
    include_deleted: IncludeDeleted = False,
) -> PersonaDetails:
    """Return the persona with its look-alike segment's KPIs, last 20 actions and RAG context.

    KPIs come from the persona's stored snapshot while it is younger than
    SIGHT_KPI_SNAPSHOT_TTL_S, else are recomputed once however many requests arrive together.
    If the KPIs or the audit log fail, the rest is still served with ``partial: true`` and the
    failure under ``errors``. The view is logged in the audit trail after the response.
    """
    visible = deleted_visible(who, include_deleted)
    industry_key = check_industry(industry or settings.persona_kpi_industry)
    persona = await owned_persona(personas, persona_id, who.tenant, include_deleted=visible)
    details = await gather_details(
        persona,
        kpi=kpi.snapshot(persona, personas=personas, resources=resources, industry=industry_key),
        audit_log=audit.for_persona(persona.id, who.tenant, limit=AUDIT_TAIL),
    )
    tasks.spawn(
        audit.add(
            persona.id,
            who.tenant,
            "view",
            now=utc_now(),
            user_id=who.name,
            details={"partial": details.partial},
            client=client,
        ),
        what=f"view of persona {persona.id}",
    )
    return details


@router.get("/personas/{persona_id}/audit", summary="A persona's audit trail")
async def persona_audit(
    persona_id: PersonaId,
    who: PrincipalDep,
    personas: PersonasDep,
    audit: AuditDep,
    response: Response,
    action: Annotated[
        list[AuditAction] | None,
        Query(
            description="Only these actions (repeat the parameter for several).",
            examples=[["export", "delete"]],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.", examples=[20])] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Entries to skip.", examples=[0])
    ] = 0,
    include_deleted: IncludeDeleted = False,
) -> list[AuditEntryOut]:
    """Return the persona's actions, newest first (no IP address or user agent is served)."""
    visible = deleted_visible(who, include_deleted)
    persona = await owned_persona(personas, persona_id, who.tenant, include_deleted=visible)
    entries = await audit.for_persona(
        persona.id, who.tenant, limit=limit, offset=offset, actions=action
    )
    total = await audit.count_for_persona(persona.id, who.tenant, actions=action)
    paginate(response, total=total, offset=offset, limit=limit, count=len(entries))
    return [audit_out(e) for e in entries]
