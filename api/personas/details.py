"""The details view: persona, KPIs and audit tail fetched in parallel; a failed part degrades.

``asyncio.gather(..., return_exceptions=True)`` lets the KPI estimate or the audit read fail
alone: the response then carries what succeeded, ``partial: true`` and, per failed part, the
error's code and message (never a traceback).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from api.personas.detail_schemas import Kpi, PartError, PersonaDetails, audit_out
from api.personas.schemas import persona_out
from sight.errors import SightError
from store.persona_audit import AuditEntry
from store.persona_records import PersonaRecord

log = logging.getLogger(__name__)

AUDIT_TAIL = 20  # the drawer's timeline shows the last 20 actions


def part_error(part: str, exc: BaseException) -> PartError:
    """What a client is told about a failed part; unexpected errors are logged here."""
    if isinstance(exc, SightError):
        return PartError(code=exc.code, message=exc.message)
    log.error("persona details: %s failed", part, exc_info=exc)
    return PartError(code="internal_error", message=f"the {part} could not be loaded")


async def gather_details(
    persona: PersonaRecord,
    *,
    kpi: Awaitable[dict[str, Any]],
    audit_log: Awaitable[list[AuditEntry]],
) -> PersonaDetails:
    """Await the KPI and audit parts together and merge them with the persona."""
    kpi_result, audit_result = await asyncio.gather(kpi, audit_log, return_exceptions=True)
    errors: dict[str, PartError] = {}
    for part, result in (("kpi", kpi_result), ("audit_log", audit_result)):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):  # cancellation and exits are not degradable
                raise result
            errors[part] = part_error(part, result)
    return PersonaDetails(
        persona=persona_out(persona),
        kpi=None if "kpi" in errors else Kpi.model_validate(kpi_result),
        audit_log=[] if "audit_log" in errors else [audit_out(e) for e in audit_result],
        rag_metadata=persona.rag_metadata,
        partial=bool(errors),
        errors=errors,
    )
