"""Review the drafts: reject near-duplicates, regenerate failures, bounded by attempts."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from nodes.persona_generation.plan import context_text
from nodes.persona_generation.state import PersonaContext, PersonaState, WriteTask

DUPLICATE = "near_duplicate"


def find_duplicates(drafts: list[dict[str, Any]], threshold: float) -> dict[int, tuple[int, float]]:
    """Map slot index -> (earlier slot it nearly repeats, cosine), in slot order.

    A draft is compared with the earlier drafts that are not duplicates themselves, so of
    two near-identical personas the first is kept.
    """
    found: dict[int, tuple[int, float]] = {}
    kept: list[int] = []
    vectors: list[np.ndarray] = []
    for d in sorted(drafts, key=lambda d: d["index"]):
        if not d["valid"] or d["embedding"] is None:
            continue
        v = np.asarray(d["embedding"], dtype=np.float32)
        v = v / (np.linalg.norm(v) or 1.0)
        if vectors:
            sims = np.stack(vectors) @ v
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                found[d["index"]] = (kept[best], float(sims[best]))
                continue
        kept.append(d["index"])
        vectors.append(v)
    return found


def _feedback(draft: dict[str, Any], duplicate: tuple[int, float] | None) -> list[str]:
    problems = [i["message"] for i in draft["issues"] if i["penalty"] > 0]
    if duplicate is not None:
        problems.append(
            "the persona nearly repeats another one of this run (cosine "
            f"{duplicate[1]:.3f}): give it a different life story, occupation and interests"
        )
    return problems


def review_personas(
    state: PersonaState, runtime: Runtime[PersonaContext]
) -> Command[Literal["write_persona", "validate_set"]]:
    """Regenerate drafts that failed (invalid, below the score floor, near-duplicate)."""
    ctx = runtime.context or PersonaContext()
    drafts = state["drafts"]
    duplicates = find_duplicates(list(drafts.values()), ctx.duplicate_threshold)
    slots = {s["index"]: s for s in state["slots"]}
    contexts = {sid: context_text(meta) for sid, meta in state["contexts"].items()}
    retry: list[Send] = []
    marked: dict[str, dict[str, Any]] = {}
    for key, draft in drafts.items():
        dup = duplicates.get(draft["index"])
        marked[key] = {**draft, "duplicate_of": None}
        if dup is not None:
            last = {**draft["attempt_log"][-1]}
            last["codes"] = sorted({*last["codes"], DUPLICATE})
            marked[key].update(
                duplicate_of={"index": dup[0], "cosine": round(dup[1], 4)},
                attempt_log=[*draft["attempt_log"][:-1], last],
            )
        failed = not draft["valid"] or draft["score"] < ctx.min_score or dup is not None
        if failed and draft["attempts"] < ctx.max_attempts:
            slot = slots[draft["index"]]
            retry.append(
                Send(
                    "write_persona",
                    WriteTask(
                        slot=slot,
                        context=contexts[slot["segment_id"]],
                        attempt=draft["attempts"] + 1,
                        feedback=_feedback(draft, dup),
                        previous=marked[key],
                        total=len(slots),
                    ),
                )
            )
    ctx.progress.regenerated += len(retry)
    runtime.stream_writer(
        {
            "event": "reviewed",
            "round": state.get("round", 0) + 1,
            "regenerating": len(retry),
            "near_duplicates": len(duplicates),
            "regenerated_so_far": ctx.progress.regenerated,
            "total": len(drafts),
        }
    )
    update = {"drafts": marked, "round": state.get("round", 0) + 1}
    if retry:
        return Command(goto=retry, update=update)
    return Command(goto="validate_set", update=update)
