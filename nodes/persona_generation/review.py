"""Review the drafts: reject near-duplicates, regenerate failures, bounded by attempts."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.persona_generation.plan import batches, context_text
from nodes.persona_generation.state import PersonaContext, PersonaState, WriteTask
from prompts import persona_generation as prompts


def find_duplicates(drafts: list[dict[str, Any]], threshold: float) -> dict[int, tuple[int, float]]:
    """Map slot index -> (earlier slot it nearly repeats, cosine), in slot order.

    A draft is compared with the earlier drafts that are not duplicates themselves, so of
    two near-identical personas the first is kept.
    """
    found: dict[int, tuple[int, float]] = {}
    candidates = sorted(
        (d for d in drafts if d["valid"] and d["embedding"] is not None), key=lambda d: d["index"]
    )
    if not candidates:
        return found
    matrix = np.asarray([d["embedding"] for d in candidates], dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    sims = matrix @ matrix.T
    kept: list[int] = []  # rows of candidates that are not duplicates, in slot order
    for row, d in enumerate(candidates):
        if kept:
            best = kept[int(np.argmax(sims[row, kept]))]
            if sims[row, best] >= threshold:
                found[d["index"]] = (candidates[best]["index"], float(sims[row, best]))
                continue
        kept.append(row)
    return found


def _feedback(draft: dict[str, Any], duplicate: tuple[int, float] | None) -> list[str]:
    """What to fix, in Polish (the prompt's language), with the check's finding as evidence."""
    problems = [
        f"{prompts.FIX_BY_CODE.get(i['code'], i['message'])} ({i['message']})"
        for i in draft["issues"]
        if i["penalty"] > 0
    ]
    if duplicate is not None:
        problems.append(f"{prompts.DUPLICATE_FIX} (cosine {duplicate[1]:.3f})")
    return problems


def review_personas(
    state: PersonaState, runtime: Runtime[PersonaContext]
) -> Command[Literal["write_personas", "validate_set"]]:
    """Regenerate drafts that failed (invalid, below the score floor, near-duplicate).

    A model draft that still fails after ``max_attempts`` (or whose model call failed) goes
    back once more, to the template writer; a template draft is final.
    """
    ctx = runtime.context or PersonaContext()
    drafts = state["drafts"]
    duplicates = find_duplicates(list(drafts.values()), ctx.duplicate_threshold)
    slots = {s["index"]: s for s in state["slots"]}
    contexts = {sid: context_text(meta) for sid, meta in state["contexts"].items()}
    retry: list[WriteTask] = []
    marked: dict[str, dict[str, Any]] = {}
    for key, draft in drafts.items():
        dup = duplicates.get(draft["index"])
        if dup is not None:
            marked[key] = {"index": dup[0], "cosine": round(dup[1], 4)}
        failed = not draft["valid"] or draft["score"] < ctx.min_score or dup is not None
        if not failed or draft.get("writer", "model") == "template":
            continue
        # The model gets its attempts; then (or at once, after a failed call) the floor.
        floor = draft.get("template_next") or draft["attempts"] >= ctx.max_attempts
        slot = slots[draft["index"]]
        retry.append(
            WriteTask(
                slot=slot,
                context=contexts[slot["segment_id"]],
                attempt=draft["attempts"] + 1,
                feedback=[] if floor else _feedback(draft, dup),
                previous={**draft, "duplicate_of": marked.get(key)},
                total=len(slots),
                template_only=bool(floor),
            )
        )
    runtime.stream_writer(
        {
            "event": "reviewed",
            "round": state.get("round", 0) + 1,
            "regenerating": len(retry),
            "near_duplicates": len(duplicates),
            "total": len(drafts),
        }
    )
    # Drafts stay as they are (re-checkpointing 1,000 drafts with vectors costs more than
    # the review); the verdicts go to small channels of their own.
    found = [
        {"slot": int(k), "attempt": drafts[k]["attempts"], "of": v["index"], "cosine": v["cosine"]}
        for k, v in marked.items()
    ]
    update = {
        "duplicates": marked,
        "duplicate_log": found,
        "round": state.get("round", 0) + 1,
    }
    if retry:
        return Command(goto=batches(retry), update=update)
    return Command(goto="validate_set", update=update)
