"""Validate the generated set against its targets, then store personas and the report."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from nodes.persona_generation.state import PersonaContext, PersonaState
from tools import population
from tools.persona import psychographics
from tools.persona.fidelity import fidelity_report
from tools.persona.sampling import target_marginals, violations

PERSONA_NAMESPACE = uuid.UUID("0c6f3f5e-8a8b-4f0e-9d7c-5f2b7f9d6a11")
DEMOGRAPHIC_FIELDS = ("age", "gender", "education", "income_bracket", "location")


def persona_id(run_id: str, index: int) -> str:
    """A slot's persona id: the same on every attempt to store it (storing is idempotent)."""
    return str(uuid.uuid5(PERSONA_NAMESPACE, f"{run_id}:{index}"))


def _kept(state: PersonaState) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(slot, final draft) of every slot whose draft is stored: valid and not a duplicate."""
    drafts, duplicates = state["drafts"], state.get("duplicates") or {}
    pairs = [(slot, drafts[str(slot["index"])]) for slot in state["slots"]]
    return [(s, d) for s, d in pairs if d["valid"] and str(s["index"]) not in duplicates]


def _scores(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    arr = np.asarray(values)
    histogram = Counter(min(v // 10 * 10, 90) for v in values)
    return {
        "n": len(values),
        "mean": round(float(arr.mean()), 1),
        "min": int(arr.min()),
        "p10": float(np.percentile(arr, 10)),
        "p50": float(np.percentile(arr, 50)),
        "p90": float(np.percentile(arr, 90)),
        "histogram": {f"{b}-{b + 9 if b < 90 else 100}": histogram[b] for b in range(0, 100, 10)},
    }


def _psychographics(slots: list[dict[str, Any]]) -> dict[str, Any]:
    traits = np.array([[s["big_five"][t] for t in psychographics.TRAITS] for s in slots])
    summary: dict[str, Any] = {
        "big_five_mean": dict(
            zip(psychographics.TRAITS, traits.mean(0).round(3).tolist(), strict=True)
        ),
        "hofstede_mean": {
            d: round(float(np.mean([s["hofstede"][d] for s in slots])), 1)
            for d in psychographics.HOFSTEDE_POLAND
        },
        "hofstede_country_scores": psychographics.HOFSTEDE_POLAND,
        "hofstede_source": psychographics.HOFSTEDE_SOURCE,
    }
    if len(slots) >= 10:
        observed = np.corrcoef(traits.T)
        gap = np.abs(observed - psychographics.TRAIT_CORRELATIONS)
        summary["big_five_correlation_max_gap"] = round(float(gap.max()), 3)
    return summary


def _writers(kept: list[dict[str, Any]], max_attempts: int) -> dict[str, Any]:
    """Who wrote the stored narratives, and how often the model's text passed the checks."""
    by_writer = Counter(d.get("writer", "model") for d in kept)
    reasons = Counter(r["code"] for d in kept for r in d.get("writer_reasons") or [])
    tried = [d for d in kept if any(a.get("writer", "model") == "model" for a in d["attempt_log"])]
    passed = [d for d in tried if d.get("writer", "model") == "model"]
    return {
        "model": by_writer["model"],
        "template": by_writer["template"],
        "template_reasons": dict(reasons.most_common()),
        # Of the personas the model wrote for: the share whose model text was kept.
        "model_pass_rate": round(len(passed) / len(tried), 4) if tried else None,
        "model_attempts": max_attempts,
    }


def _notes(drafts: list[dict[str, Any]]) -> list[str]:
    """Say what the run could not check (never silently)."""
    failed = [d for d in drafts if d.get("embedding_error")]
    if not failed:
        return []
    return [
        f"{len(failed)} persona(s) could not be embedded ({failed[0]['embedding_error']}): "
        "not checked for near-duplicates"
    ]


def validate_set(state: PersonaState, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Report constraint satisfaction, fidelity (chi-square, TVD), validity, scores, duplicates."""
    ctx = runtime.context or PersonaContext()
    request = state["request"]
    kept = _kept(state)
    drafts = list(state["drafts"].values())
    # Model attempts only: a template entry is no structured output and no regeneration.
    attempts = [a for d in drafts for a in d["attempt_log"] if a.get("writer", "model") == "model"]
    groups, constraint_failures = {}, []
    for seg in request["segments"]:
        segment = population.Segment(**seg["segment"])
        people = [s["demographics"] for s, _ in kept if s["segment_id"] == seg["segment_id"]]
        for s, _ in kept:
            if s["segment_id"] == seg["segment_id"]:
                problems = violations(s["demographics"], segment)
                if problems:
                    constraint_failures.append({"index": s["index"], "problems": problems})
        groups[seg["segment_id"]] = (people, target_marginals(segment))
    scores = [d["score"] for _, d in kept]
    codes = Counter(c for a in attempts for c in a["codes"])
    # A draft flagged again in a later round (no attempts left) counts once.
    duplicate_log = list({(d["slot"], d["attempt"]): d for d in state.get("duplicate_log") or []})
    if duplicate_log:
        codes["near_duplicate"] = len(duplicate_log)
    report = {
        "run_id": ctx.run_id,
        "seed": request["seed"],
        "requested": len(state["slots"]),
        "stored": len(kept),
        "accepted": sum(1 for s in scores if s >= ctx.min_score),
        "below_threshold": sum(1 for s in scores if s < ctx.min_score),
        "rejected_duplicates": len(state.get("duplicates") or {}),
        "invalid": sum(1 for d in drafts if not d["valid"]),
        "min_score": ctx.min_score,
        "max_attempts": ctx.max_attempts,
        "constraint_satisfaction": {
            "rate": round(1 - len(constraint_failures) / len(kept), 4) if kept else None,
            "failures": constraint_failures,
        },
        "fidelity": fidelity_report(groups),
        "structured_output": {
            "attempts": len(attempts),
            "valid": sum(1 for a in attempts if a["valid"]),
            "validity": round(sum(a["valid"] for a in attempts) / len(attempts), 4)
            if attempts
            else None,
        },
        "regenerations": sum(len(d["attempt_log"]) - 1 for d in drafts),
        "near_duplicate_rate": round(len(duplicate_log) / len(attempts), 4) if attempts else None,
        "scores": _scores(scores),
        "writer": _writers([d for _, d in kept], ctx.max_attempts),
        "issue_counts": dict(codes.most_common()),
        "psychographics": _psychographics([s for s, _ in kept]) if kept else {},
        "usage": ctx.models.usage.as_dict() if ctx.models is not None else None,
        "notes": _notes(drafts),
        # How each segment's free-text income and location were read.
        "segment_readings": {
            seg["segment_id"]: {
                k: seg[k] for k in ("income_mapping", "location_mapping") if k in seg
            }
            for seg in request["segments"]
            if "income_mapping" in seg or "location_mapping" in seg
        },
    }
    runtime.stream_writer(
        {
            "event": "validated_set",
            "stored": len(kept),
            "fidelity_passed": report["fidelity"]["passed"],
        }
    )
    return {"report": report}


def persona_record(
    slot: dict[str, Any], draft: dict[str, Any], state: PersonaState, ctx: PersonaContext
) -> dict[str, Any]:
    """The stored persona (see the store's Persona model)."""
    seg = next(s for s in state["request"]["segments"] if s["segment_id"] == slot["segment_id"])
    narrative, demo = draft["narrative"], slot["demographics"]
    issues = draft["issues"]
    return {
        "id": persona_id(ctx.run_id, slot["index"]),
        "tenant": ctx.tenant,
        "run_id": ctx.run_id,
        "segment_id": seg["segment_id"],
        "segment_name": seg["segment_name"],
        "segment": seg["segment"],
        **{k: demo[k] for k in DEMOGRAPHIC_FIELDS},
        **narrative,  # the model's PersonaNarrative, field for field
        "big_five": slot["big_five"],
        "hofstede": slot["hofstede"],
        "schwartz": slot["schwartz"],
        "score": draft["score"],
        "score_reasons": [i for i in issues if i["penalty"] > 0],
        "quality": {
            "status": "accepted" if draft["score"] >= ctx.min_score else "below_threshold",
            "attempts": draft["attempts"],
            "attempt_log": draft["attempt_log"],
            "top_values": slot["top_values"],
            # Who wrote the text: "model", or "template" with why the model's was not kept.
            "writer": draft.get("writer", "model"),
            "writer_reasons": draft.get("writer_reasons") or [],
            "birth_year": demo["birth_year"],
        },
        "rag_metadata": state["contexts"][slot["segment_id"]],
        "embedding": draft["embedding"],
    }


async def save_personas(state: PersonaState, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Store the personas and the run's report (idempotent); return them without vectors."""
    ctx = runtime.context or PersonaContext()
    records = [persona_record(s, d, state, ctx) for s, d in _kept(state)]
    stored = ctx.personas is not None
    report = {**state["report"], "persisted": stored}
    added = []
    if stored:
        added = await ctx.personas.add_many(
            records, report=report, run_id=ctx.run_id, tenant=ctx.tenant, now=ctx.clock()
        )
    # On a resumed run some may be stored already: "added" counts this attempt's inserts.
    runtime.stream_writer(
        {"event": "saved", "stored": len(records) if stored else 0, "added": len(added)}
    )
    public = [{k: v for k, v in r.items() if k != "embedding"} for r in records]
    return {"personas": public, "report": report}
