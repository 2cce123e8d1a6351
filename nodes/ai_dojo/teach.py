"""Teach: draft a knowledge entry from the mentor's message and check it is not known already."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from nodes.ai_dojo.route import last_human, text_of
from nodes.ai_dojo.state import DojoContext, DojoState
from prompts.ai_dojo import REPLY_NOTHING_TO_LEARN
from sight.errors import InputValidationError, SightError
from tools.ai_dojo.drafter import Draft, draft_by_model, draft_by_rules
from tools.ai_dojo.duplicates import Candidate, judge, load_thresholds, score_candidates
from tools.ai_dojo.proposals import entry_args
from tools.ai_dojo.schemas import entry_id, module_titles
from tools.knowledge.entries import ARCHETYPES

log = logging.getLogger(__name__)
CANDIDATES = 8  # entries the duplicate check compares the draft with


async def draft(ctx: DojoContext, text: str) -> tuple[Draft, list[dict[str, Any]]]:
    """The model's draft when a Polish-writing model is configured, else the rules'; a model
    that fails (or invents a number) leaves the rules' draft, said in ``degraded``."""
    if ctx.writer_model and ctx.models is not None:
        try:
            return await draft_by_model(ctx.models, text), []
        except SightError as exc:
            log.warning("dojo draft: the model failed (%s); drafting by rules", exc.code)
            return draft_by_rules(text), [{"part": "draft", "reason": exc.code, "used": "rules"}]
    return draft_by_rules(text), []


async def known_entry(ctx: DojoContext, text: str) -> dict[str, Any] | None:
    """The entry the tenant sees that already says ``text`` (lemma overlap, then embeddings),
    with the figures of the match; None when it is new or there is no knowledge base."""
    if ctx.knowledge is None:
        return None
    kb = await ctx.knowledge()
    found = await kb.search(text, limit=CANDIDATES, search_type="hybrid", tenant=ctx.tenant)
    stored = [hit.entry for hit in found.hits]
    pending = await _pending_rules(ctx)  # not in the knowledge base: embedded here
    vector = (await asyncio.to_thread(ctx.embedder.embed_documents, [text]))[0]
    cosines = await kb.passage_cosines(vector, [e["id"] for e in stored])
    candidates = [
        Candidate(e["id"], e.get("title", ""), e.get("text", ""), round(cosines[e["id"]], 4))
        for e in stored
        if e["id"] in cosines
    ] + await asyncio.to_thread(score_candidates, ctx.embedder, text, pending)
    entries = stored + pending
    match = judge(text, candidates, load_thresholds()[1])
    if match is None:
        return None
    existing = next(e for e in entries if e["id"] == match.id)
    return existing | {
        "match": {"stage": match.stage, "cosine": match.cosine, "jaccard": match.jaccard}
    }


async def _pending_rules(ctx: DojoContext) -> list[dict[str, Any]]:
    """The team's rules waiting for review: not in the knowledge base yet, but known."""
    if ctx.learning is None:
        return []
    pending = await ctx.learning.rules.list(ctx.tenant, "pending_review")
    return [
        r.evidence["entry"] | {"owner": ctx.tenant, "status": "pending_review"}
        for r in pending
        if (r.evidence or {}).get("entry")
    ]


KIND_NAMES = {
    "rule": "reguła",
    "note": "notatka",
    "objection": "obiekcja",
    "question": "pytanie",
    "module": "wiedza tematyczna",
    "archetype": "opis archetypu",
    "segment": "segment",
}


def describe_entry(args: dict[str, Any]) -> str:
    """A short Polish line naming what an entry is about."""
    parts = [f"rodzaj: {KIND_NAMES.get(args['kind'], args['kind'])}"]
    if args.get("archetype"):
        parts.append(f"archetyp: {ARCHETYPES.get(args['archetype'], args['archetype'])}")
    if args.get("module"):
        parts.append(f"moduł: {module_titles().get(args['module'], args['module'])}")
    return ", ".join(parts)


async def draft_entry(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Draft the entry the mentor taught; if an entry the tenant sees already says it, propose
    confirming (or editing) that one instead of storing a second."""
    ctx = runtime.context
    message = last_human(state)
    text = text_of(message)
    try:
        drafted, degraded = await draft(ctx, text)
    except InputValidationError:  # only a lead-in ("Zapamiętaj:") and nothing after it
        return {"proposal": None, "messages": [AIMessage(REPLY_NOTHING_TO_LEARN)]}
    entry = drafted.entry.model_dump() | {"id": entry_id(drafted.entry, ctx.tenant, ctx.clock())}
    existing = await known_entry(ctx, text)
    common = {
        "message_id": message.id if message else None,
        "draft_method": drafted.method,
        "notes": list(drafted.notes),
    }
    if existing is not None:
        match = existing["match"]
        description = (
            f"Podobny wpis już istnieje: „{existing['title']}” ({existing['id']}). "
            f"Zgodność: {_match_words(match)}. Zatwierdź, aby potwierdzić ten wpis bez zmian; "
            "edytuj, aby zapisać jego nową wersję; odrzuć, aby niczego nie zmieniać. Jeśli to "
            f"jednak nowa wiedza, edytuj i zmień id na {entry['id']}: zapiszę ją jako nowy wpis."
        )
        proposal = {
            "action": "confirm_knowledge",
            "args": entry_args(existing),
            "description": description,
            "duplicate_of": {
                "id": existing["id"],
                "owner": existing.get("owner"),
                "status": existing.get("status", "stored"),
                **match,
            },
            "draft": entry_args(entry),
        }
    else:
        args = entry_args(entry)
        description = (
            f"Zapiszę nowy wpis w bazie wiedzy twojego zespołu: „{args['title']}” "
            f"({describe_entry(args)}). Zatwierdź, edytuj albo odrzuć. "
            + (
                "Projekt przygotowały reguły (bez modelu językowego): sprawdź tytuł i rodzaj."
                if drafted.method == "rules"
                else "Projekt przygotował model językowy."
            )
        )
        proposal = {"action": "add_knowledge", "args": args, "description": description}
    return {
        "proposal": common | proposal,
        "messages": [AIMessage(description)],
        "degraded": degraded,
    }


def _match_words(match: dict[str, Any]) -> str:
    if match["stage"] == "lemma":
        return f"te same słowa w {round(match['jaccard'] * 100)}%"
    return f"podobieństwo znaczenia {match['cosine']:.2f}"
