"""Persona actions: export, compare, edit (editor), soft delete and undo (admin).

Each action is logged in the persona's audit trail: edits, deletes and restores in the same
transaction as the change, exports and comparisons before the answer is sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.auth import AdminDep, EditorDep, PrincipalDep
from api.deps import SettingsDep
from api.personas.compare import differences, similarities
from api.personas.deps import (
    AuditDep,
    ClientDep,
    IncludeDeleted,
    PersonaId,
    PersonasDep,
    deleted_visible,
    owned_persona,
)
from api.personas.detail_schemas import CompareRequest, Comparison
from api.personas.export import ExportFormat, masked, to_csv
from api.personas.rescore import rescorer
from api.personas.schemas import (
    DeleteRequest,
    DeleteResult,
    Persona,
    PersonaPatch,
    persona_out,
)
from sight.clock import utc_now
from sight.errors import ForbiddenError, InputValidationError, NotFoundError

router = APIRouter(tags=["personas"])

CSV_EXAMPLE = (
    "id,first_name,last_name,age,...\r\n6f1c2a9e-3b7d-5e0a-9c41-2d8f7b6a5e13,Anna,K.,29,...\r\n"
)


@router.get(
    "/personas/{persona_id}/export",
    summary="Export a persona (JSON or CSV)",
    responses={
        200: {
            "content": {
                "application/json": {"example": {"masked": True, "persona": {"last_name": "K."}}},
                "text/csv": {"example": CSV_EXAMPLE},
            }
        }
    },
)
async def export_persona(
    persona_id: PersonaId,
    who: PrincipalDep,
    personas: PersonasDep,
    audit: AuditDep,
    client: ClientDep,
    format: Annotated[ExportFormat, Query(description="json or csv.", examples=["csv"])] = "json",
    unmask: Annotated[
        bool, Query(description="Admins only: export personal data unmasked.", examples=[False])
    ] = False,
    include_deleted: IncludeDeleted = False,
) -> Response:
    """Export the persona as a file; the last name and any e-mail or phone number in the story
    are masked unless an admin asks for ``unmask=true`` (403 for anyone else)."""
    if unmask and not who.has_role("admin"):
        raise ForbiddenError(
            "unmask needs the admin role: exports of other roles are always masked",
            details={"required_role": "admin", "role": who.role},
        )
    visible = deleted_visible(who, include_deleted)
    persona = await owned_persona(personas, persona_id, who.tenant, include_deleted=visible)
    data = persona_out(persona).model_dump(mode="json")
    data = data if unmask else masked(data)
    await audit.add(
        persona.id,
        who.tenant,
        "export",
        now=utc_now(),
        user_id=who.name,
        details={"format": format, "unmasked": unmask},
        client=client,
    )
    attachment = {"Content-Disposition": f'attachment; filename="persona-{persona.id}.{format}"'}
    if format == "csv":
        return Response(to_csv(data), media_type="text/csv; charset=utf-8", headers=attachment)
    return JSONResponse({"masked": not unmask, "persona": data}, headers=attachment)


@router.post("/personas/compare", summary="Compare two or three personas")
async def compare_personas(
    body: CompareRequest,
    who: PrincipalDep,
    personas: PersonasDep,
    audit: AuditDep,
    client: ClientDep,
) -> Comparison:
    """Show the personas side by side with each pair's cosine similarity (of their stored
    embeddings; null with a reason when one is missing) and the fields whose values differ."""
    if len(set(body.ids)) != len(body.ids):
        raise InputValidationError([{"field": "ids", "message": "ids must all be different"}])
    found = await personas.get_many(body.ids, who.tenant, with_embedding=True)
    missing = [pid for pid in body.ids if pid not in {p.id for p in found}]
    if missing:
        raise NotFoundError(
            f"Persona(s) not found: {', '.join(missing)}", details={"missing": missing}
        )
    await audit.add(
        body.ids,
        who.tenant,
        "compare",
        now=utc_now(),
        user_id=who.name,
        details={"compared": body.ids},
        client=client,
    )
    return Comparison(
        personas=[persona_out(p) for p in found],
        similarity=similarities(found),
        differences=differences(found),
    )


@router.patch("/personas/{persona_id}", summary="Edit a persona's narrative (editor)")
async def patch_persona(
    persona_id: PersonaId,
    body: PersonaPatch,
    who: EditorDep,
    personas: PersonasDep,
    client: ClientDep,
    settings: SettingsDep,
) -> Persona:
    """Change names, occupation, background story, values or interests; the audit entry names
    the fields that changed. Demography and psychography are the generator's and stay; the
    score, its reasons and the embedding are recomputed from the new text."""
    current = await personas.get(persona_id, who.tenant)
    if current is None:
        raise NotFoundError(f"Persona with ID {persona_id} not found")
    changes = body.changes()
    updated = await personas.update(
        persona_id,
        who.tenant,
        changes,
        now=utc_now(),
        by=who.name,
        client=client,
        derived=await rescorer(current, changes, settings),
    )
    if updated is None:
        raise NotFoundError(f"Persona with ID {persona_id} not found")
    return persona_out(updated[0])


@router.delete(
    "/personas/{persona_id}",
    summary="Soft-delete a persona (admin)",
    responses={422: {"description": "Unknown reason, or reason `other` without `detail`."}},
)
async def delete_persona(
    persona_id: PersonaId,
    body: DeleteRequest,
    who: AdminDep,
    personas: PersonasDep,
    settings: SettingsDep,
    client: ClientDep,
) -> DeleteResult:
    """Hide the persona from everyone but admins (is_active false), with the reason logged.

    The body says why: duplicate, outdated, test_data, or other with a ``detail``. The delete
    can be undone with POST /personas/{id}/restore until ``undo_until``.
    """
    if body.reason == "other" and not body.detail:
        raise InputValidationError(
            [{"field": "detail", "message": "is required when reason is 'other': say why"}]
        )
    deleted = await personas.soft_delete(
        persona_id,
        who.tenant,
        by=who.name,
        reason=body.reason,
        detail=body.detail or None,
        now=utc_now(),
        client=client,
    )
    if deleted is None:
        raise NotFoundError(f"Persona with ID {persona_id} not found")
    assert deleted.deleted_at is not None
    undo_until = deleted.deleted_at + timedelta(seconds=settings.persona_undo_window_s)
    return DeleteResult.model_validate(
        {name: getattr(deleted, name) for name in DeleteResult.model_fields if name != "undo_until"}
        | {"undo_until": undo_until}
    )


@router.post(
    "/personas/{persona_id}/restore",
    summary="Undo a persona's soft delete (admin)",
    responses={
        409: {
            "description": "The persona is not deleted (`not_deleted`), or its undo "
            "window has passed (`undo_window_expired`)."
        }
    },
)
async def restore_persona(
    persona_id: PersonaId,
    who: AdminDep,
    personas: PersonasDep,
    settings: SettingsDep,
    client: ClientDep,
) -> Persona:
    """Bring a soft-deleted persona back, within SIGHT_PERSONA_UNDO_WINDOW_S of the delete."""
    restored = await personas.restore(
        persona_id,
        who.tenant,
        now=utc_now(),
        window_s=settings.persona_undo_window_s,
        by=who.name,
        client=client,
    )
    if restored is None:
        raise NotFoundError(f"Persona with ID {persona_id} not found")
    return persona_out(restored)
