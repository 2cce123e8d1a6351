"""Persona suite: sampling fidelity at n=200 per segment, and generation with the configured
model (the embedded one by default).

Stage 1 runs the graph up to the writers (``interrupt_before``) for every seed: every profile
must satisfy its segment (100%), and every tested dimension must pass chi-square at a
Bonferroni-corrected alpha of 0.05 with a total variation distance <= 0.05.
Stage 2 runs the whole graph for ``generate_n`` personas per segment and measures
who wrote each story (the model or the template writer), constraint satisfaction of what was
stored, degenerate text (none may be stored), structured-output validity, scores and
near-duplicates. With a real provider (not local, not fake) a ``deep`` judge adds
narrative-consistency verdicts. Options: ``n``, ``seeds`` (comma separated), ``generate_n``.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field

from graphs.persona_generation import build_graph, make_context
from prompts import persona_generation as prompts
from runtime.registry import RunInfo
from runtime.resources import Resources
from sight.settings import Settings
from tools import population
from tools.knowledge.pack import load_pack
from tools.persona.fidelity import fidelity_report
from tools.persona.issues import FAIL
from tools.persona.psychographics import HOFSTEDE_POLAND, TRAIT_CORRELATIONS, TRAITS
from tools.persona.sampling import target_marginals, violations

SEGMENTS = Path(__file__).with_name("segments.json")
THRESHOLDS = {
    "constraint_satisfaction": (">=", 1.0),
    "fidelity_chi2_pass_rate": (">=", 1.0),
    "fidelity_max_tvd": ("<=", 0.05),
    "big_five_correlation_max_gap": ("<=", 0.3),
    "hofstede_max_mean_gap": ("<=", 10.0),
    "stored_constraint_satisfaction": (">=", 1.0),
    # The template writer is the floor: every persona is stored, none with degenerate text.
    "stored_rate": (">=", 1.0),
    "stored_degenerate_rate": ("<=", 0.0),
}
NOT_REAL_PROVIDERS = ("local", "fake")


class Judgement(BaseModel):
    consistent: bool = Field(description="Whether the narrative fits the persona's data.")
    problems: list[str] = Field(default_factory=list, description="Inconsistencies found.")


def _segments(n: int) -> list[dict[str, Any]]:
    rows = json.loads(SEGMENTS.read_text(encoding="utf-8"))["segments"]
    return [{**row, "count": n} for row in rows]


async def _sample(resources: Resources, segments: list[dict], seed: int) -> dict[str, Any]:
    """Run the graph up to the writers; return its state (request and slots)."""
    graph = build_graph().compile(checkpointer=InMemorySaver(), interrupt_before=["write_personas"])
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    ctx = make_context(resources, RunInfo(f"eval-sample-{seed}", "eval"))
    await graph.ainvoke({"segments": segments, "seed": seed}, config, context=ctx)
    return (await graph.aget_state(config)).values


def _sampling_checks(state: dict[str, Any]) -> tuple[dict, list[str], dict]:
    groups, broken = {}, []
    for seg in state["request"]["segments"]:
        segment = population.Segment(**seg["segment"])
        people = [s["demographics"] for s in state["slots"] if s["segment_id"] == seg["segment_id"]]
        broken += [
            f"{seg['segment_id']}: {p}" for person in people for p in violations(person, segment)
        ]
        groups[seg["segment_id"]] = (people, target_marginals(segment))
    traits = np.array([[s["big_five"][t] for t in TRAITS] for s in state["slots"]])
    psycho = {
        "big_five_correlation_max_gap": float(
            np.abs(np.corrcoef(traits.T) - TRAIT_CORRELATIONS).max()
        ),
        "hofstede_max_mean_gap": max(
            abs(np.mean([s["hofstede"][d] for s in state["slots"]]) - centre)
            for d, centre in HOFSTEDE_POLAND.items()
        ),
    }
    return fidelity_report(groups), broken, psycho


async def judge_narratives(resources: Resources, personas: list[dict]) -> list[Judgement]:
    """Ask the ``deep`` role whether each persona's narrative fits its data."""
    models = resources.models.for_run("eval-judge")
    verdicts = []
    for p in personas:
        # The template names the fields it shows; the persona's others are ignored.
        prompt = prompts.JUDGE.format(
            **{
                **p,
                "values": ", ".join(p["values"]),
                "interests": ", ".join(p["interests"]),
                "top_values": ", ".join(p["quality"]["top_values"]),
            }
        )
        verdicts.append(await models.ainvoke("deep", prompt, schema=Judgement))
    return verdicts


async def evaluate(
    settings: Settings,
    resources: Resources,
    n: str = "200",
    seeds: str = "7,11,23",
    generate_n: str = "200",
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    # The segment context comes from the configured knowledge base: make sure it holds the
    # pack (unchanged entries are skipped, so this is quick where it was loaded before).
    await (await resources.knowledge_base()).load(load_pack().entries)
    cases: list[dict[str, Any]] = []
    sampled, broken_count, tested, fits = 0, 0, 0, 0
    tvds: list[float] = []
    raw_tvds: list[float] = []
    gaps: list[float] = []
    hof: list[float] = []
    for seed in [int(s) for s in seeds.split(",")]:
        state = await _sample(resources, _segments(int(n)), seed)
        report, broken, psycho = _sampling_checks(state)
        sampled += len(state["slots"])
        for segment_id, dims in report["segments"].items():
            for r in dims.values():
                tvds.append(r["tvd"])
                raw_tvds.append(r["tvd_raw"])
                if r["tested"]:
                    tested += 1
                    fits += bool(r["fits"])
            failures = [f for f in report["failures"] if f.startswith(segment_id + ".")]
            failures += [b for b in broken if b.startswith(segment_id + ":")]
            cases.append(
                {
                    "id": f"sample/{segment_id}/seed{seed}",
                    "passed": not failures,
                    "failures": failures,
                    "dimensions": {
                        d: {
                            k: r.get(k)
                            for k in ("tvd", "tvd_raw", "p_value", "chi2", "dof", "reason")
                        }
                        for d, r in dims.items()
                    },
                }
            )
        gaps.append(psycho["big_five_correlation_max_gap"])
        hof.append(psycho["hofstede_max_mean_gap"])
        broken_count += len(broken)

    started = time.perf_counter()
    graph = build_graph().compile(checkpointer=InMemorySaver())
    # A run id of its own: persona ids derive from it, so runs never collide in the store.
    ctx = make_context(resources, RunInfo(f"eval-generate-{uuid.uuid4()}", "eval"))
    out = await graph.ainvoke(
        {"segments": _segments(int(generate_n)), "seed": 1},
        {"configurable": {"thread_id": str(uuid.uuid4())}},
        context=ctx,
    )
    seconds = time.perf_counter() - started
    report, personas = out["report"], out["personas"]
    stored_ok = report["constraint_satisfaction"]["rate"]
    degenerate = [
        (p, codes)
        for p in personas
        if (codes := [r["code"] for r in p["score_reasons"] if r["penalty"] >= FAIL])
    ]
    cases.append(
        {
            "id": "generate",
            "passed": stored_ok == 1.0 and not degenerate,
            "failures": [f"{p['id']}: {codes}" for p, codes in degenerate],
            "report": {
                k: report[k]
                for k in (
                    "requested",
                    "stored",
                    "accepted",
                    "below_threshold",
                    "rejected_duplicates",
                    "invalid",
                    "scores",
                    "issue_counts",
                    "structured_output",
                    "writer",
                    "usage",
                )
            },
            # What a reader checks by eye: who wrote each story, and the story.
            "personas": [
                {
                    "name": f"{p['first_name']} {p['last_name']}",
                    "occupation": p["occupation"],
                    "writer": p["quality"]["writer"],
                    "score": p["score"],
                    "background_story": p["background_story"],
                }
                for p in personas
            ],
        }
    )
    metrics: dict[str, float] = {
        "constraint_satisfaction": 1 - broken_count / max(sampled, 1),
        "fidelity_chi2_pass_rate": fits / max(tested, 1),
        "fidelity_max_tvd": max(tvds),
        "fidelity_mean_tvd": float(np.mean(tvds)),
        "fidelity_max_tvd_unpooled": max(raw_tvds),
        "fidelity_tests": float(tested),
        "big_five_correlation_max_gap": max(gaps),
        "hofstede_max_mean_gap": float(max(hof)),
        "stored_constraint_satisfaction": stored_ok if stored_ok is not None else 0.0,
        "stored_personas": float(report["stored"]),
        "stored_rate": report["stored"] / max(report["requested"], 1),
        "stored_degenerate_rate": len(degenerate) / max(len(personas), 1),
        "template_share": report["writer"]["template"] / max(report["stored"], 1),
        "mean_score": report["scores"].get("mean", 0.0),
        "accepted_rate": report["accepted"] / max(report["requested"], 1),
        "near_duplicate_rate": report["near_duplicate_rate"] or 0.0,
        "regenerations_per_persona": report["regenerations"] / max(report["requested"], 1),
        "seconds_per_persona": seconds / max(report["requested"], 1),
    }
    # Measured only where the model wrote: absent (not zero) for a template-only run.
    if report["structured_output"]["validity"] is not None:
        metrics["structured_output_validity"] = report["structured_output"]["validity"]
    if report["writer"]["model_pass_rate"] is not None:
        metrics["model_pass_rate"] = report["writer"]["model_pass_rate"]
    if settings.provider not in NOT_REAL_PROVIDERS and personas:
        verdicts = await judge_narratives(resources, personas)
        metrics["narrative_consistency"] = sum(v.consistent for v in verdicts) / len(verdicts)
    return metrics, cases
