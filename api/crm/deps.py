"""CRM route dependencies as Annotated aliases (tests swap them with dependency_overrides), and
the lookups that turn another tenant's id into a 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from api.deps import ResourcesDep
from sight.errors import NotFoundError
from store.crm import CrmContactRepository, CrmPersonaRepository


def contact_repository(resources: ResourcesDep) -> CrmContactRepository:
    return CrmContactRepository(resources.sessions)


def persona_repository(resources: ResourcesDep) -> CrmPersonaRepository:
    return CrmPersonaRepository(resources.sessions)


ContactsDep = Annotated[CrmContactRepository, Depends(contact_repository)]
CrmPersonasDep = Annotated[CrmPersonaRepository, Depends(persona_repository)]

ContactId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The contact's id (the CRM's own).",
        examples=["hs-1042"],
    ),
]
PersonaId = Annotated[
    str,
    Path(
        max_length=36,
        description="Persona version id.",
        examples=["3f1c2b7e-9d4a-4c1e-8b2f-6a5d4e3c2b1a"],
    ),
]


def contact_not_found(contact_id: str) -> NotFoundError:
    return NotFoundError(f"Contact with ID {contact_id} not found")


def persona_not_found(persona_id: str) -> NotFoundError:
    return NotFoundError(f"Persona with ID {persona_id} not found")


async def owned_contact(
    contacts: CrmContactRepository, contact_id: str, tenant: str
) -> dict[str, Any]:
    """The tenant's contact, or NotFoundError (another tenant's too)."""
    found = await contacts.get(tenant, contact_id)
    if found is None:
        raise contact_not_found(contact_id)
    return found


async def owned_persona(
    personas: CrmPersonaRepository, persona_id: str, tenant: str
) -> dict[str, Any]:
    """The tenant's persona version, or NotFoundError (another tenant's too)."""
    found = await personas.get(tenant, persona_id)
    if found is None:
        raise persona_not_found(persona_id)
    return found
