"""CRM personas: generate one for a contact (basic or rag), read a version, a contact's
history of versions, rate one's accuracy 1-5, export them as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.auth import EditorDep, PrincipalDep
from api.crm.deps import (
    ContactId,
    ContactsDep,
    CrmPersonasDep,
    PersonaId,
    owned_contact,
    owned_persona,
    persona_not_found,
)
from api.crm.schemas import PersonaOut, PersonaRequest, RatingIn
from api.deps import GraphsDep, ResourcesDep
from runtime.runner import run_graph
from sight.clock import utc_now
from tools.crm_persona.export import personas_csv
from tools.crm_persona.public import persona_out

router = APIRouter(tags=["crm"])


@router.post(
    "/crm/contacts/{contact_id}/persona", summary="Generate a persona (editor)", status_code=201
)
async def generate_persona(
    contact_id: ContactId,
    who: EditorDep,
    contacts: ContactsDep,
    graphs: GraphsDep,
    resources: ResourcesDep,
    body: PersonaRequest | None = None,
) -> PersonaOut:
    """Run the `crm_persona` graph and return the stored version with `mode` (the one used)
    and `fallback_reason`. Earlier versions stay (see the history)."""
    await owned_contact(contacts, contact_id, who.tenant)
    mode = (body or PersonaRequest()).mode
    output = await run_graph(
        graphs["crm_persona"],
        {"contact_id": contact_id, "mode": mode},
        resources,
        tenant=who.tenant,
        actor=who.name,
        checkpoint=False,
    )
    return PersonaOut(**output["persona"])


@router.get("/crm/contacts/{contact_id}/personas", summary="A contact's persona versions")
async def persona_history(
    contact_id: ContactId, who: PrincipalDep, contacts: ContactsDep, personas: CrmPersonasDep
) -> list[PersonaOut]:
    """Every version, newest first, each with how it was generated and its rating."""
    await owned_contact(contacts, contact_id, who.tenant)
    return [PersonaOut(**persona_out(r)) for r in await personas.history(who.tenant, contact_id)]


CSV_EXAMPLE = (
    "persona_id,contact_id,version,created_at,requested_mode,mode,fallback_reason,...\n"
    "3f1c2b7e-9d4a-4c1e-8b2f-6a5d4e3c2b1a,hs-1042,2,2026-12-07T10:15:00+00:00,rag,rag,,...\n"
)


@router.get(
    "/crm/personas/export",
    summary="Export personas (JSON or CSV)",
    response_model=list[PersonaOut],
    responses={200: {"content": {"text/csv": {"example": CSV_EXAMPLE}}}},
)
async def export_personas(
    who: PrincipalDep,
    personas: CrmPersonasDep,
    format: Annotated[
        Literal["json", "csv"], Query(description="json or csv.", examples=["csv"])
    ] = "json",
    contact_id: Annotated[
        str | None, Query(max_length=100, description="Only this contact's.", examples=["hs-1042"])
    ] = None,
) -> Any:
    """Every version of the tenant's personas (or one contact's), with ratings."""
    rows = [persona_out(r) for r in await personas.export_rows(who.tenant, contact_id=contact_id)]
    if format == "csv":
        return Response(
            personas_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="crm_personas.csv"'},
        )
    return [PersonaOut(**row) for row in rows]


@router.get("/crm/personas/{persona_id}", summary="A persona version")
async def get_persona(
    persona_id: PersonaId, who: PrincipalDep, personas: CrmPersonasDep
) -> PersonaOut:
    """One stored version with its evidence, generation record and rating."""
    return PersonaOut(**persona_out(await owned_persona(personas, persona_id, who.tenant)))


@router.put("/crm/personas/{persona_id}/rating", summary="Rate a persona's accuracy")
async def rate_persona(
    persona_id: PersonaId, body: RatingIn, who: PrincipalDep, personas: CrmPersonasDep
) -> PersonaOut:
    """Rate 1-5 how well the persona matches the real contact; rating again replaces yours."""
    rated = await personas.rate(
        who.tenant,
        persona_id,
        user_id=who.name,
        rating=body.rating,
        comment=body.comment,
        now=utc_now(),
    )
    if rated is None:
        raise persona_not_found(persona_id)
    return PersonaOut(**persona_out(await owned_persona(personas, persona_id, who.tenant)))
