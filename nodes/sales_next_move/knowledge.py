"""retrieve_knowledge: the modules the note triggers or its signals imply, their best chunks,
the objections it raises and the Dojo's meta-rules that apply."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from sight.errors import SightError
from tools.knowledge.pack import load_pack
from tools.knowledge.triggers import bundled_detector as module_detector
from tools.sales_next_move.vocabulary import load_vocabulary

# docs/knowledge.md: the rerank score above which the dev half's unanswerable queries had no
# hit; an objection found by search (not implied by a signal) must reach it.
OBJECTION_MIN_SCORE = 2.14
EXCERPT = 400  # characters of a chunk's text kept in the analysis
META_RULES = 3


async def retrieve_knowledge(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Modules (triggers or signals), their chunks, objections and meta-rules for this turn."""
    ctx = runtime.context
    text, turn = state["text"], state["turn"]
    vocabulary = {s.id: s for s in load_vocabulary().signals}
    current = [s for s in state.get("signals") or [] if s["turn"] == turn]
    modules: dict[str, dict[str, Any]] = {}
    for match in module_detector().detect(text):
        modules[match.slug] = {
            "module": match.slug,
            "title": match.title,
            "triggers": list(match.triggers),
            "signals": [],
            "chunks": [],
        }
    titles = _module_titles()
    for signal in current:
        for slug in vocabulary[signal["id"]].modules if signal["id"] in vocabulary else ():
            entry = modules.setdefault(
                slug,
                {
                    "module": slug,
                    "title": titles.get(slug, slug),
                    "triggers": [],
                    "signals": [],
                    "chunks": [],
                },
            )
            entry["signals"].append(signal["id"])
    objections = {
        oid: {"id": oid, "matched_by": "signal", "signals": [s["id"]]}
        for s in current
        for oid in (vocabulary[s["id"]].objections if s["id"] in vocabulary else ())
    }
    degraded = list(state.get("degraded") or [])
    meta_rules: list[dict[str, Any]] = []
    if ctx.knowledge is not None:
        try:
            kb = await ctx.knowledge()
            meta_rules = await _search_all(
                kb, text, modules, objections, ctx.per_module, state, ctx.tenant
            )
            if not any(m["chunks"] for m in modules.values()) and await kb.count() == 0:
                degraded.append(
                    {
                        "part": "knowledge",
                        "reason": "empty",
                        "message": "Baza wiedzy jest pusta (sight knowledge load): ruchy z "
                        "biblioteki ruchów, bez fragmentów wiedzy.",
                    }
                )
        except SightError as exc:
            degraded.append(
                {
                    "part": "knowledge",
                    "reason": exc.code,
                    "message": "Baza wiedzy niedostępna: ruchy z biblioteki ruchów.",
                }
            )
    else:
        degraded.append(
            {
                "part": "knowledge",
                "reason": "not_configured",
                "message": "Bez bazy wiedzy: ruchy z biblioteki ruchów.",
            }
        )
    return {
        "knowledge": {
            "modules": list(modules.values()),
            "objections": list(objections.values()),
            "meta_rules": meta_rules,
        },
        "degraded": degraded,
    }


async def _search_all(
    kb: Any,
    text: str,
    modules: dict[str, dict[str, Any]],
    objections: dict[str, dict[str, Any]],
    per_module: int,
    state: SalesState,
    tenant: str,
) -> list[dict[str, Any]]:
    """Run the turn's searches together; fill modules and objections in place, return rules."""
    slugs = list(modules)
    await kb.query_vector(text)  # embedded once: the searches below all reuse it
    searches = [
        kb.search(text, filters={"module": slug}, limit=per_module, tenant=tenant) for slug in slugs
    ]
    searches.append(kb.search(text, filters={"kind": "objection"}, limit=2, tenant=tenant))
    searches.append(kb.search(text, filters={"kind": "rule"}, limit=META_RULES * 2, tenant=tenant))
    primary = (state.get("archetype") or {}).get("primary")
    if primary:  # the team's rules for this client type, however the note is worded
        rule_filter = {"kind": "rule", "archetype": primary}
        searches.append(kb.search(text, filters=rule_filter, limit=META_RULES, tenant=tenant))
    results = await asyncio.gather(*searches)
    for slug, result in zip(slugs, results, strict=False):
        modules[slug]["chunks"] = [_chunk(hit) for hit in result.hits]
    for hit in results[len(slugs)].hits:
        if hit.score >= OBJECTION_MIN_SCORE and hit.id not in objections:
            objections[hit.id] = {
                "id": hit.id,
                "matched_by": "search",
                "score": round(hit.score, 3),
            }
    titles = _pack_titles()
    for oid, item in objections.items():
        item["title"] = titles.get(oid)
    rules, seen = [], set()
    rule_hits = [h for result in results[len(slugs) + 1 :][::-1] for h in result.hits]
    for hit in rule_hits:
        if hit.id in seen:
            continue
        seen.add(hit.id)
        entry = hit.entry
        if entry.get("archetype") not in (None, primary):
            continue
        if entry.get("module") not in (None, *modules):
            continue
        rules.append(
            {
                "id": hit.id,
                "text": entry.get("text", "")[:EXCERPT],
                "archetype": entry.get("archetype"),
                "module": entry.get("module"),
                "tags": entry.get("tags", []),
                "score": round(hit.score, 3),
            }
        )
    return rules[:META_RULES]


def _chunk(hit: Any) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.entry.get("title"),
        "score": round(hit.score, 3),
        "text": hit.entry.get("text", "")[:EXCERPT],
    }


@cache
def _module_titles() -> dict[str, str]:
    return {m.slug: m.title for m in load_pack().modules}


@cache
def _pack_titles() -> dict[str, str]:
    return {e.id: e.title for e in load_pack().entries}
