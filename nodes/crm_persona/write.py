"""Write the persona: the `deep` model as structured output in Polish, checked against the
evidence, with rules filling what the model's checked claims left empty (or everything, when no
model writes). Each section says who wrote it, or that nothing could and why."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.crm_persona.state import CrmPersonaContext, CrmPersonaState
from prompts import crm_persona as prompts
from sight.errors import BudgetExceededError, BudgetWouldExceedError, SightError
from tools.crm_persona.benchmarks import size_band
from tools.crm_persona.check import Checked, check_draft
from tools.crm_persona.draft import SECTIONS, CrmPersonaDraft, section
from tools.crm_persona.masking import mask
from tools.crm_persona.records import Contact
from tools.crm_persona.records import from_stored as contact_of
from tools.crm_persona.rules_writer import rules_name, rules_persona

log = logging.getLogger(__name__)


def contact_lines(contact: Contact) -> str:
    """The contact's fields for the prompt; its e-mail and phone are never sent."""
    rows = [
        ("imię i nazwisko", contact.name),
        ("stanowisko", contact.role or "nie podano"),
        ("firma", contact.company or "nie podano"),
        ("branża", contact.industry or "nie podano"),
        ("liczba pracowników", contact.company_size or "nie podano"),
        ("e-mail i telefon", "ukryte"),
    ]
    return "\n".join(f"- {k}: {mask(str(v))}" for k, v in rows)


def build_prompt(state: CrmPersonaState, contact: Contact) -> list[Any]:
    lines = "\n".join(prompts.EVIDENCE_LINE.format(**e) for e in state["evidence"])
    template = prompts.RAG if state["mode_used"] == "rag" else prompts.BASIC
    user = template.format(contact=contact_lines(contact), evidence=lines or "(brak)")
    return [SystemMessage(prompts.SYSTEM), HumanMessage(user)]


async def _model_draft(
    state: CrmPersonaState, ctx: CrmPersonaContext, contact: Contact
) -> tuple[CrmPersonaDraft | None, str | None]:
    """The model's draft, or None and the error code when every model failed."""
    try:
        draft = await ctx.models.ainvoke(
            "deep",
            build_prompt(state, contact),
            schema=CrmPersonaDraft,
            config={"tags": ["nostream"]},
            max_output_tokens=ctx.max_output_tokens,
        )
    except (BudgetExceededError, BudgetWouldExceedError):
        raise
    except SightError as exc:
        log.warning("crm persona %s: the model failed (%s), rules write", contact.id, exc.code)
        return None, exc.code
    return draft, None


def _identity(contact: Contact, draft: CrmPersonaDraft | None) -> dict[str, Any]:
    if contact.role:
        role = {"value": contact.role, "status": "confirmed", "evidence": ["field-role"]}
    elif draft is not None and draft.role:
        role = {"value": mask(draft.role), "status": "inferred", "evidence": []}
    else:
        role = {"value": None, "status": "unknown", "evidence": []}
    if contact.company_size:
        size = {
            "value": contact.company_size,
            "band": size_band(contact.company_size),
            "status": "confirmed",
        }
    elif draft is not None and draft.company_size:
        size = {"value": mask(draft.company_size), "band": None, "status": "inferred"}
    else:
        size = {"value": None, "band": None, "status": "unknown"}
    company = {
        "name": contact.company,
        "industry": contact.industry,
        "status": "confirmed" if contact.company else "unknown",
        "size": size,
    }
    return {"role": role, "company": company}


def assemble(
    state: CrmPersonaState, contact: Contact, checked: Checked | None, model_error: str | None
) -> dict[str, Any]:
    """The persona's sections: the model's checked claims, else the rules', else why none."""
    known = {e["id"] for e in state["evidence"]}
    rules = (
        rules_persona(contact, state["metrics"], state["comparison"], known)
        if state["mode_used"] == "rag"
        else {}
    )
    sections = {}
    for name in SECTIONS:
        model_claims = checked.sections.get(name, []) if checked and checked.polish else []
        if model_claims:
            sections[name] = section(model_claims, "model")
            continue
        if checked is None:
            reason = model_error or "model_off"
        elif not checked.polish:
            reason = "model_not_polish"
        else:
            reason = "model_claims_dropped"
        sections[name] = section(rules.get(name, []), "rules", reason=reason)
    return sections


async def write_persona(
    state: CrmPersonaState, runtime: Runtime[CrmPersonaContext]
) -> dict[str, Any]:
    """Write the persona's sections and record how they were written."""
    ctx = runtime.context
    contact = contact_of(state["contact"])
    draft, model_error, checked = None, None, None
    if ctx.use_model and ctx.models is not None:
        draft, model_error = await _model_draft(state, ctx, contact)
    if draft is not None:
        known = {e["id"]: e["text"] for e in state["evidence"]}
        checked = check_draft(draft, known, facts=contact_lines(contact))
    sections = assemble(state, contact, checked, model_error)
    # The model's name and guesses stand only beside at least one section of its own.
    use_name = any(part["source"] == "model" for part in sections.values())
    persona = {
        "persona_name": mask(draft.persona_name) if use_name and draft else rules_name(contact),
        "persona_name_source": "model" if use_name else "rules",
        **_identity(contact, draft if use_name else None),
        **sections,
        "language": "pl",
    }
    usage = ctx.models.usage.as_dict() if ctx.models is not None and draft is not None else None
    generation = {
        "writer": "model" if use_name else "rules",
        "model": ctx.model_name if draft is not None else None,
        "model_error": model_error,
        "usage": usage,
        "dropped_claims": checked.dropped if checked else [],
    }
    return {"draft": persona, "generation": generation}
