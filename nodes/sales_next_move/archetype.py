"""score_archetype: rules + embeddings, smoothed with hysteresis; a custom event on a change."""

from __future__ import annotations

from typing import Any

import numpy as np
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from nodes.sales_next_move.state import SalesContext, SalesState
from tools.sales_next_move.archetypes import (
    ArchetypeState,
    blend,
    decide,
    rule_scores,
    rules_share,
    top,
)
from tools.sales_next_move.vocabulary import load_vocabulary

EMBEDDED_TURNS = 4  # the conversation the embedding reads: the last notes


async def score_archetype(state: SalesState, runtime: Runtime[SalesContext]) -> dict[str, Any]:
    """Score the ten archetypes and keep the primary steady unless a challenger clearly leads."""
    ctx = runtime.context
    turn = state["turn"]
    seen = state.get("signals_seen") or []
    weights = {s.id: s.archetypes for s in load_vocabulary().signals}
    rules = rule_scores(seen, weights, turn)
    embeddings, vectors = None, []
    if ctx.profiles is not None and ctx.embed_query is not None:
        # Each note is embedded once, when it arrives; the conversation is the mean of the
        # last notes' vectors (embedding the notes joined cost ~1 s a turn on 2 busy cores).
        vector = [round(x, 5) for x in await ctx.embed_query(state["text"])]
        earlier = [  # a changed embedder's vectors do not mix with the new ones
            v
            for v in state.get("note_vectors") or []
            if v["turn"] < turn and len(v["vector"]) == len(vector)
        ]
        vectors = [*earlier, {"turn": turn, "vector": vector}][-EMBEDDED_TURNS:]
        profiles = await ctx.profiles()
        embeddings = profiles.scores(np.mean([v["vector"] for v in vectors], axis=0))
    n_signals = len({s["id"] for s in seen if weights.get(s["id"])})
    blended = blend(rules, embeddings, n_signals)
    before = state.get("archetype_state") or {}
    if int(before.get("turn") or 0) >= turn:  # a turn redone after a failure: not twice
        before = state.get("archetype_before") or {}
    decision = decide(blended, ArchetypeState.from_dict(before))
    evidence = [
        {"id": s["id"], "evidence": s["evidence"], "turn": s["turn"]}
        for s in seen
        if weights.get(s["id"], {}).get(decision.primary)
    ]
    archetype = {
        "primary": decision.primary,
        "scores": decision.scores,
        "changed": decision.changed,
        "previous": decision.previous,
        "top2": top(decision.scores),
        "sources": {
            "rules": {k: round(v, 4) for k, v in rules.items()},
            "embeddings": {k: round(v, 4) for k, v in embeddings.items()} if embeddings else None,
            "rules_weight": round(rules_share(n_signals), 3) if embeddings else 1.0,
        },
        "evidence": evidence,
    }
    if decision.changed and decision.previous is not None:
        get_stream_writer()(
            {
                "type": "archetype_changed",
                "turn": turn,
                "from": decision.previous,
                "to": decision.primary,
                "why": decision.why,
                "evidence": evidence,
            }
        )
    return {
        "archetype": archetype,
        "archetype_state": {**decision.state.as_dict(), "turn": turn},
        "archetype_before": before,
        "note_vectors": vectors,
    }
