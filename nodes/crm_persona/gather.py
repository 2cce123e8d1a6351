"""Gather what a CRM persona rests on: the contact, its metrics against the industry, and for
`rag` its history, look-alikes and knowledge; decide the mode, falling back to `basic` with the
reason when the history is too thin, its quality too low, or retrieval fails."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langgraph.runtime import Runtime

from nodes.crm_persona.state import CrmPersonaContext, CrmPersonaState
from sight.errors import NotFoundError
from tools.crm_persona import evidence as ev
from tools.crm_persona.benchmarks import compared
from tools.crm_persona.masking import mask
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.crm_persona.records import from_stored as contact_of
from tools.crm_persona.similar import similar_contacts
from tools.mentor.polish_format import num

log = logging.getLogger(__name__)
KNOWLEDGE_HITS = 3
NOTE_ITEMS = 10


def field_evidence(contact: Contact) -> list[ev.Evidence]:
    """The contact's own fields as citable facts (contact details are masked: never cited)."""
    found = []
    for key, label, value in (
        ("role", "stanowisko", contact.role),
        ("company", "firma", contact.company),
        ("industry", "branża", contact.industry),
        ("company_size", "liczba pracowników", num(contact.company_size, 0) if contact.company_size else None),
    ):  # fmt: skip
        if value:
            found.append(ev.Evidence(f"field-{key}", "field", mask(f"{label}: {value}")))
    return found


def recent_history(contact: Contact, items: int) -> list[ev.Evidence]:
    """The newest ``items`` interactions, and the newest notes beyond them (up to
    ``NOTE_ITEMS``): a contact's notes say what its metrics cannot (price, approvals...)."""
    everything = ev.interactions(contact)
    chosen = everything[:items]
    notes = [e for e in everything[items:] if e.kind == "comment"][
        : max(0, NOTE_ITEMS - sum(e.kind == "comment" for e in chosen))
    ]
    return chosen + notes


def fallback_reason(metrics: dict[str, Any], ctx: CrmPersonaContext) -> str | None:
    """Why a `rag` persona cannot use the history, or None when it can."""
    if metrics["interactions"] < ctx.min_interactions:
        return "thin_history"
    if metrics["data_quality"]["score"] < ctx.min_quality:
        return "low_quality"
    return None


async def _knowledge(ctx: CrmPersonaContext, contact: Contact) -> list[ev.Evidence]:
    if ctx.knowledge is None:
        return []
    kb = await ctx.knowledge()
    query = " ".join(
        part for part in (contact.industry, contact.role, "obiekcje potrzeby klienta B2B") if part
    )
    found = await kb.search(query, limit=KNOWLEDGE_HITS, tenant=ctx.tenant)
    return [
        ev.Evidence(
            ev.record_id("k-", hit.id),
            "knowledge",
            mask(
                f"baza wiedzy: {hit.entry.get('title', '')}: {str(hit.entry.get('text', ''))[:240]}"
            ),
        )
        for hit in found.hits
    ]


async def _retrieved(
    ctx: CrmPersonaContext, contact: Contact
) -> tuple[list[dict[str, Any]], list[ev.Evidence]]:
    stored = await ctx.contacts.load_many(ctx.tenant, limit=ctx.lookalike_pool)

    def neighbours_of() -> list[dict[str, Any]]:
        pool = [contact_of(c) for c in stored]
        return similar_contacts(contact, pool, embed=ctx.embed)

    # Validating and measuring the pool and embedding notes is CPU work: off the event loop.
    neighbours = await asyncio.to_thread(neighbours_of)
    return neighbours, await _knowledge(ctx, contact)


async def gather_history(
    state: CrmPersonaState, runtime: Runtime[CrmPersonaContext]
) -> dict[str, Any]:
    """Load the contact, compute its metrics and benchmarks, and choose the mode."""
    ctx = runtime.context
    stored = await ctx.contacts.get(ctx.tenant, state["contact_id"])
    if stored is None:
        raise NotFoundError(f"Contact with ID {state['contact_id']} not found")
    contact = contact_of(stored)
    metrics = behaviour(contact)
    comparison = compared(metrics, contact.industry, contact.company_size)
    requested = state.get("mode", "rag")
    reason = fallback_reason(metrics, ctx) if requested == "rag" else None
    lookalikes: list[dict[str, Any]] = []
    extra: list[ev.Evidence] = []
    if requested == "rag" and reason is None:
        try:
            lookalikes, extra = await _retrieved(ctx, contact)
        except Exception as exc:  # noqa: BLE001 - any retrieval failure is the documented fallback
            log.warning("crm persona %s: retrieval failed, basic instead: %r", contact.id, exc)
            reason = "retrieval_failed"
    mode = "rag" if requested == "rag" and reason is None else "basic"
    found = field_evidence(contact)
    if mode == "rag":
        found += ev.metrics(metrics) + ev.benchmarks(comparison)
        found += recent_history(contact, ctx.history_items)
        for n in lookalikes:
            n["evidence_id"] = ev.record_id("s-", n["contact_id"])
            found.append(ev.Evidence(n["evidence_id"], "similar", n["text"]))
        found += extra
    return {
        "contact": stored,
        "metrics": metrics,
        "comparison": comparison,
        "mode_used": mode,
        "fallback_reason": reason,
        "evidence": [e.as_dict() for e in found],
        "lookalikes": lookalikes,
    }
