"""CRM contacts: import a file (JSON, CSV, HubSpot export), list, read with metrics, add, edit,
delete (admin), and their look-alikes.

A contact belongs to the tenant of the key that imported it: another tenant's is not found.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from api.auth import AdminDep, EditorDep, PrincipalDep
from api.crm.deps import ContactId, ContactsDep, CrmPersonasDep, contact_not_found, owned_contact
from api.crm.schemas import ContactDetail, ContactFields, ContactSummary, ImportOut, SimilarOut
from api.deps import SettingsDep
from api.errors import ErrorBody
from api.limits import MAX_OFFSET, paginate
from sight.clock import utc_now
from sight.errors import InputValidationError
from tools.crm_persona.importing import detect_format, parse_import
from tools.crm_persona.profile import detail, summary
from tools.crm_persona.records import Contact, from_stored
from tools.crm_persona.similar import LOOKALIKE_POOL, similar_contacts

router = APIRouter(tags=["crm"])

Format = Literal["json", "csv", "hubspot"]
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": 'The file: the JSON form ({"contacts": [...]}), Sight\'s CSV (one row '
        "per record) or a HubSpot contacts/activities export (CSV). See docs/crm_persona.md.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
TAKEN = {"model": ErrorBody, "description": "The tenant has a contact with this id."}


def _format_of(request: Request, given: Format | None, data: bytes) -> str:
    if given is not None:
        return given
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # A CSV may be Sight's or HubSpot's: its header tells.
    return "json" if media == "application/json" else detect_format(data)


def _parsed(data: bytes, kind: str, max_bytes: int) -> tuple[list[Contact], list[dict[str, Any]]]:
    parsed = parse_import(data, format=kind, max_bytes=max_bytes)  # type: ignore[arg-type]
    return parsed, [c.model_dump() for c in parsed]


def _pool(target: dict[str, Any], stored: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    return similar_contacts(from_stored(target), [from_stored(c) for c in stored], k=k)


@router.post(
    "/crm/import",
    summary="Import contacts and their history (editor)",
    openapi_extra=IMPORT_BODY,
    responses={413: {"model": ErrorBody, "description": "File over SIGHT_CRM_IMPORT_MAX_BYTES."}},
)
async def import_contacts(
    request: Request,
    who: EditorDep,
    contacts: ContactsDep,
    settings: SettingsDep,
    format: Annotated[
        Format | None,
        Query(description="The file's format; by default read from it.", examples=["json"]),
    ] = None,
) -> ImportOut:
    """Validate every record, then store all or nothing: a file with a bad record is refused
    whole (422 listing each problem's row, field and fix). Re-importing the same records
    duplicates nothing; records already stored and absent from the file stay."""
    data = await request.body()
    if not data.strip():
        raise InputValidationError([{"field": "body", "message": "send the file as the body"}])
    kind = _format_of(request, format, data)
    # Parsing and validating up to 10,000 contacts is CPU work: off the event loop.
    parsed, dumped = await asyncio.to_thread(_parsed, data, kind, settings.crm_import_max_bytes)
    outcome = await contacts.import_contacts(who.tenant, dumped, now=utc_now(), source=kind)
    return ImportOut(
        format=kind,
        contacts=len(parsed),
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
    )


@router.get("/crm/contacts", summary="List contacts")
async def list_contacts(
    who: PrincipalDep,
    contacts: ContactsDep,
    response: Response,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Name or company containing this (any case).",
            examples=["polmet"],
        ),
    ] = None,
    industry: Annotated[
        str | None,
        Query(max_length=100, description="Only this industry.", examples=["technology"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.", examples=[50])] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Contacts to skip.", examples=[0])
    ] = 0,
) -> list[ContactSummary]:
    """The tenant's contacts by name (X-Pagination-Total / X-Pagination-Next)."""
    found, total = await contacts.search(
        who.tenant, q=q, industry=industry, limit=limit, offset=offset
    )
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [ContactSummary(**summary(row)) for row in found]


@router.post(
    "/crm/contacts", summary="Add a contact (editor)", status_code=201, responses={409: TAKEN}
)
async def create_contact(body: Contact, who: EditorDep, contacts: ContactsDep) -> ContactDetail:
    """Add one contact in the import's JSON form (history included); 409 if the id is taken."""
    created = await contacts.create(who.tenant, body.model_dump(), now=utc_now(), source="api")
    return ContactDetail(**detail(created))


@router.get("/crm/contacts/{contact_id}", summary="A contact with its metrics")
async def get_contact(
    contact_id: ContactId, who: PrincipalDep, contacts: ContactsDep, personas: CrmPersonasDep
) -> ContactDetail:
    """The contact, its history, behavioural metrics, data quality {score, parts} and
    benchmarks, and its newest persona's id."""
    found = await owned_contact(contacts, contact_id, who.tenant)
    latest = await personas.latest(who.tenant, contact_id)
    return ContactDetail(**detail(found), latest_persona_id=latest["id"] if latest else None)


@router.patch("/crm/contacts/{contact_id}", summary="Edit a contact's fields (editor)")
async def patch_contact(
    contact_id: ContactId, body: ContactFields, who: EditorDep, contacts: ContactsDep
) -> ContactDetail:
    """Change the fields given (history changes come through the import)."""
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InputValidationError([{"field": "name", "message": "cannot be empty"}])
    if not changes:
        raise InputValidationError(
            [{"field": "body", "message": "name at least one field to change"}]
        )
    updated = await contacts.update(who.tenant, contact_id, changes, now=utc_now())
    if updated is None:
        raise contact_not_found(contact_id)
    return ContactDetail(**detail(updated))


@router.delete(
    "/crm/contacts/{contact_id}",
    summary="Delete a contact (admin)",
    status_code=204,
)
async def delete_contact(contact_id: ContactId, who: AdminDep, contacts: ContactsDep) -> Response:
    """Delete the contact, its history and its personas."""
    if not await contacts.delete(who.tenant, contact_id):
        raise contact_not_found(contact_id)
    return Response(status_code=204)


@router.get("/crm/contacts/{contact_id}/similar", summary="Look-alike contacts")
async def similar(
    contact_id: ContactId,
    who: PrincipalDep,
    contacts: ContactsDep,
    k: Annotated[int, Query(ge=1, le=20, description="How many.", examples=[5])] = 5,
) -> list[SimilarOut]:
    """The tenant's contacts most alike in behaviour, industry and size, each with the
    features that made it similar (notes are compared when the server embeds them)."""
    target = await owned_contact(contacts, contact_id, who.tenant)
    stored = await contacts.load_many(who.tenant, limit=LOOKALIKE_POOL)
    # Validating and measuring up to LOOKALIKE_POOL contacts is CPU work: off the event loop.
    found = await asyncio.to_thread(_pool, target, stored, k)
    return [SimilarOut(**n) for n in found]
