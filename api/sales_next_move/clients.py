"""Clients of the showroom: add, search by alias, read, edit, archive, delete (admin).

A client belongs to the tenant of the key that added it: another tenant's is not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import AdminDep, EditorDep, PrincipalDep
from api.errors import ErrorBody
from api.limits import MAX_OFFSET, paginate
from api.sales_next_move.deps import ClientId, ClientsDep, client_not_found, owned_client
from api.sales_next_move.schemas import ClientCreate, ClientOut, ClientPatch, client_out
from sight.clock import utc_now

router = APIRouter(tags=["sales"])

ALIAS_TAKEN = {"model": ErrorBody, "description": "Another client of the tenant has this alias."}


@router.post(
    "/clients", summary="Add a client (editor)", status_code=201, responses={409: ALIAS_TAKEN}
)
async def create_client(body: ClientCreate, who: EditorDep, clients: ClientsDep) -> ClientOut:
    """Add a client under an alias unique in the tenant (compared ignoring case)."""
    created = await clients.create(
        who.tenant, body.alias, now=utc_now(), contact=body.contact.stored(), notes=body.notes
    )
    return client_out(created)


@router.get("/clients", summary="Search clients")
async def list_clients(
    who: PrincipalDep,
    clients: ClientsDep,
    response: Response,
    alias: Annotated[
        str | None,
        Query(
            max_length=80,
            description="Only aliases containing this (any case).",
            examples=["tomasz"],
        ),
    ] = None,
    archived: Annotated[
        bool, Query(description="Include archived clients (left out by default).", examples=[False])
    ] = False,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.", examples=[20])] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Clients to skip.", examples=[0])
    ] = 0,
) -> list[ClientOut]:
    """List the tenant's clients by alias (X-Pagination-Total / X-Pagination-Next)."""
    found, total = await clients.search(
        who.tenant, alias=alias, include_archived=archived, limit=limit, offset=offset
    )
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [client_out(client) for client in found]


@router.get("/clients/{client_id}", summary="Get a client")
async def get_client(client_id: ClientId, who: PrincipalDep, clients: ClientsDep) -> ClientOut:
    """Return the client."""
    return client_out(await owned_client(clients, client_id, who.tenant))


@router.patch(
    "/clients/{client_id}", summary="Edit a client (editor)", responses={409: ALIAS_TAKEN}
)
async def patch_client(
    client_id: ClientId, body: ClientPatch, who: EditorDep, clients: ClientsDep
) -> ClientOut:
    """Change the alias, contact, notes or archived flag; fields left out stay."""
    updated = await clients.update(client_id, who.tenant, now=utc_now(), **body.changes())
    if updated is None:
        raise client_not_found(client_id)
    return client_out(updated)


@router.post("/clients/{client_id}/archive", summary="Archive a client (editor)")
async def archive_client(client_id: ClientId, who: EditorDep, clients: ClientsDep) -> ClientOut:
    """Hide the client from searches (its sessions stay); PATCH archived=false restores it."""
    updated = await clients.set_archived(client_id, who.tenant, True, now=utc_now())
    if updated is None:
        raise client_not_found(client_id)
    return client_out(updated)


@router.delete(
    "/clients/{client_id}",
    summary="Delete a client (admin)",
    status_code=204,
    response_class=Response,
)
async def delete_client(client_id: ClientId, who: AdminDep, clients: ClientsDep) -> Response:
    """Delete the client for good; its sessions stay, without a client."""
    if not await clients.delete(client_id, who.tenant):
        raise client_not_found(client_id)
    return Response(status_code=204)
