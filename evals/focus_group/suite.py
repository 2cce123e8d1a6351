"""Focus-group suite: what the analysis finds in planted answers, the budget, the resume.

Gated (deterministic, a scripted respondent, seconds each):
- planted: 18 personas answer from three planted families of open answers, planted likert
  tendencies, choices and numbers: theme recovery (adjusted Rand index), quotes attributed to
  the persona who said them, stated distributions equal to a recount of the stored answers;
- homogeneity: the alarm fires on a collapsed script and stays quiet on the varied one;
- SSR: the anchors' check on graded Polish statements (grade means must rise with the grade);
- budget: 20 seeded runs with random answer lengths, usage and refused calls, budgets just
  over the estimate: the spend never exceeds the budget; the estimate's error is reported;
- resume: a worker process is killed (SIGKILL) after k model calls; the resumed run asks
  exactly the cells with nothing stored.
Reported only: theme recovery on harder planted sets (overlapping vocabulary). With
``embedded=N`` (, the configured model; CI runs a small N): N personas x 3
questions: structured-output validity, answers in Polish, near-duplicates, seconds per answer.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from evals.focus_group.fakes import NoisyUsage, respondent_model
from evals.focus_group.kill_worker import settings_for
from evals.focus_group.metrics import adjusted_rand_index, distribution_exact, theme_recovery
from evals.focus_group.setup import QUESTIONS, TENANT, persona_records, respondent_for
from evals.focus_group.theme_sets import THEME_SETS
from graphs.context import RunInfo
from graphs.focus_group import build_graph, make_context
from runtime.resources import Resources, open_resources
from sight.errors import BudgetTooSmallError
from sight.settings import Settings
from store.personas import PersonaRepository
from tools.focus_group.analysis.ssr import build_ssr_anchors
from tools.focus_group.analysis.themes import find_themes, theme_of
from tools.models import ModelRouter, get_embedder

THRESHOLDS = {
    "theme_ari": (">=", 0.8),
    "quote_attribution": (">=", 1.0),
    "distributions_exact": (">=", 1.0),
    "alarm_fires_when_collapsed": (">=", 1.0),
    "alarm_quiet_when_varied": (">=", 1.0),
    "ssr_grade_means_monotone": (">=", 1.0),
    "budget_runs_over_budget": ("<=", 0.0),
    "estimate_median_error": ("<=", 0.25),
    "resume_calls_exact": (">=", 1.0),
}
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PLANTED_PERSONAS = 18  # 3 families x 6 paraphrases: every open answer text once


async def _world(tmp: str, personas: int) -> tuple[Any, Resources, list[dict[str, Any]]]:
    context = open_resources(settings_for(tmp))
    resources = await context.__aenter__()
    records = persona_records(personas)
    await PersonaRepository(resources.sessions).add_many(
        records, report=None, run_id="fg-seed", tenant=TENANT, now=NOW
    )
    return context, resources, records


async def _run(resources: Resources, model: Any, payload: dict[str, Any]) -> dict[str, Any]:
    resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})
    ctx = make_context(resources, RunInfo(str(uuid.uuid4()), "eval", TENANT))
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    return await graph.ainvoke(payload, config, context=ctx)


async def _planted(resources: Resources, records: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [r["id"] for r in records]
    varied = respondent_for(records, QUESTIONS)
    output = await _run(
        resources, respondent_model(varied), {"personas": ids, "questions": QUESTIONS}
    )
    fg_id, blocks = output["focus_group_id"], {q["id"]: q for q in output["report"]["questions"]}
    store = make_context(resources).store
    rows = {
        q["id"]: (await store.answers(fg_id, TENANT, question_id=q["id"]))[0] for q in QUESTIONS
    }
    planted = {records[i]["id"]: family for (i, qid), family in varied.assigned.items()}
    themes = theme_recovery(blocks["bariery"], rows["bariery"], planted)
    exact = [distribution_exact(blocks[q], rows[q]) for q in ("zakup", "naped", "cena")]
    collapsed = respondent_for(records, QUESTIONS, collapsed=True)
    flat = await _run(
        resources, respondent_model(collapsed), {"personas": ids, "questions": QUESTIONS[:1]}
    )
    flat_open = flat["report"]["questions"][0]["homogeneity"]
    return {
        "themes": themes,
        "distributions_exact": exact,
        "varied_alarm": blocks["bariery"]["homogeneity"],
        "collapsed_alarm": flat_open,
    }


async def _budget_runs(resources: Resources, records: list[dict[str, Any]]) -> dict[str, Any]:
    ids = [r["id"] for r in records[:6]]
    payload = {"personas": ids, "questions": QUESTIONS}
    ratios, errors, skipped, refused = [], [], 0, 0
    for seed in range(20):
        noisy = NoisyUsage(respondent_for(records, QUESTIONS), seed, long_bias=0.2 + 0.03 * seed)
        priced = await _run(resources, respondent_model(noisy), {**payload, "estimate_only": True})
        estimate = priced["estimate"]["tokens"]
        budget = int(estimate * noisy.rng.uniform(1.0, 1.2))
        try:
            output = await _run(
                resources, respondent_model(noisy), {**payload, "budget": {"max_tokens": budget}}
            )
        except BudgetTooSmallError:
            refused += 1
            continue
        ratios.append(output["spend"]["tokens"] / budget)
        cells = output["report"]["cells"]
        skipped += cells["skipped_budget"]
        if not cells["skipped_budget"]:
            errors.append(abs(estimate - output["spend"]["tokens"]) / output["spend"]["tokens"])
    return {
        "runs": 20,
        "refused": refused,
        "max_spend_share": round(max(ratios), 4),
        "over_budget": sum(r > 1.0 for r in ratios),
        "skipped_cells": skipped,
        "estimate_errors": [round(e, 3) for e in errors],
    }


async def _resume(tmp: str) -> dict[str, Any]:
    personas, k = 6, 9
    context, _, records = await _world(tmp, personas)
    await context.__aexit__(None, None, None)
    run_id, thread_id = str(uuid.uuid4()), str(uuid.uuid4())
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.focus_group.kill_worker",
            tmp,
            run_id,
            thread_id,
            str(personas),
            str(k),
        ],
        capture_output=True,
        timeout=300,
    )
    async with open_resources(settings_for(tmp)) as resources:
        ctx = make_context(resources, RunInfo(run_id, thread_id, TENANT))
        fg_id = (await ctx.store.list(TENANT, limit=1, offset=0))[0][0].id
        stored = sum(r["status"] == "answered" for r in (await ctx.store.cells(fg_id)).values())
        model = respondent_model(respondent_for(records, QUESTIONS))
        resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})
        ctx = make_context(resources, RunInfo(run_id, thread_id, TENANT))
        graph = build_graph().compile(checkpointer=resources.checkpointer)
        output = await graph.ainvoke(None, {"configurable": {"thread_id": thread_id}}, context=ctx)
    asked = sum("Pytanie:" in call[-1].text for call in model.calls)
    cells = personas * len(QUESTIONS)
    return {
        "killed": worker.returncode == -9,
        "calls_before_kill": k,
        "stored_before_resume": stored,
        # Answers received but not yet committed when the process died (the commit's window).
        "answered_not_stored": k - stored,
        "asked_on_resume": asked,
        "expected": cells - stored,
        "answered_in_the_end": output["report"]["cells"]["answered"],
    }


def _harder_themes(settings: Settings) -> dict[str, float]:
    """ARI of the themes found in harder planted sets (the analysis alone, e5 query vectors)."""
    embedder = get_embedder(settings)
    found = {}
    for name, families in THEME_SETS.items():
        texts = [t for family in families.values() for t in family]
        truth = [f for f, family in families.items() for _ in family]
        answers = [{"id": f"a{i}", "persona_id": f"p{i}", "text": t} for i, t in enumerate(texts)]
        vectors = dict(zip([a["id"] for a in answers], embedder.embed_queries(texts), strict=True))
        theme = theme_of(find_themes(answers, vectors))
        found[name] = round(adjusted_rand_index(truth, [theme[a["id"]] for a in answers]), 4)
    return found


async def _embedded(resources: Resources, settings: Settings, count: int) -> dict[str, Any]:
    records = persona_records(count, run_id=f"fg-embedded-{uuid.uuid4()}")
    await PersonaRepository(resources.sessions).add_many(
        records, report=None, run_id=records[0]["run_id"], tenant=TENANT, now=NOW
    )
    ctx = make_context(resources, RunInfo(str(uuid.uuid4()), "eval", TENANT))
    graph = build_graph().compile(checkpointer=InMemorySaver())
    payload = {"personas": [r["id"] for r in records], "questions": QUESTIONS[:3]}
    started = time.perf_counter()
    output = await graph.ainvoke(payload, {"configurable": {"thread_id": "embedded"}}, context=ctx)
    seconds = time.perf_counter() - started
    quality = output["report"]["quality"]
    return {
        "model": settings.model_chain("fast")[0],
        "cells": quality["cells"],
        "seconds_per_answer": round(seconds / max(1, quality["cells"]), 1),
        **quality,
    }


async def evaluate(
    settings: Settings, resources: Resources, embedded: str = "0"
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    cases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        context, fake_resources, records = await _world(tmp, PLANTED_PERSONAS)
        try:
            planted = await _planted(fake_resources, records)
            budget = await _budget_runs(fake_resources, records)
        finally:
            await context.__aexit__(None, None, None)
    with tempfile.TemporaryDirectory() as tmp:
        resume = await _resume(tmp)
    anchors = build_ssr_anchors(get_embedder(settings).embed_documents, 5)
    harder = _harder_themes(settings)
    check = anchors.check
    themes = planted["themes"]
    cases += [
        {"id": "planted_themes", "passed": themes["ari"] >= 0.8, **themes},
        {
            "id": "planted_distributions",
            "passed": all(planted["distributions_exact"]),
            "exact": planted["distributions_exact"],
        },
        {
            "id": "alarm_varied",
            "passed": not planted["varied_alarm"]["collapsed"],
            **planted["varied_alarm"],
        },
        {
            "id": "alarm_collapsed",
            "passed": planted["collapsed_alarm"]["collapsed"],
            **planted["collapsed_alarm"],
        },
        {"id": "ssr_check", "passed": bool(check.get("monotone")), **check},
        {"id": "budget", "passed": budget["over_budget"] == 0, **budget},
        {"id": "resume", "passed": resume["asked_on_resume"] == resume["expected"], **resume},
    ]
    metrics: dict[str, float] = {
        "theme_ari": themes["ari"],
        "quote_attribution": themes["quote_attribution"],
        **{f"theme_ari_{name}": ari for name, ari in harder.items()},
        "distributions_exact": float(all(planted["distributions_exact"])),
        "alarm_fires_when_collapsed": float(planted["collapsed_alarm"]["collapsed"]),
        "alarm_quiet_when_varied": float(not planted["varied_alarm"]["collapsed"]),
        "ssr_grade_means_monotone": float(bool(check.get("monotone"))),
        "ssr_spearman": float(check.get("spearman") or 0.0),
        "budget_runs_over_budget": float(budget["over_budget"]),
        "budget_max_spend_share": budget["max_spend_share"],
        "estimate_median_error": statistics.median(budget["estimate_errors"] or [1.0]),
        "resume_calls_exact": float(resume["asked_on_resume"] == resume["expected"]),
        "resume_answered_not_stored": float(resume["answered_not_stored"]),
    }
    if int(embedded):
        found = await _embedded(resources, settings, int(embedded))
        cases.append({"id": "embedded_model", "passed": True, **found})
        for key in (
            "structured_valid_share",
            "polish_share",
            "near_duplicate_share",
            "seconds_per_answer",
        ):
            metrics[f"embedded_{key}"] = float(found[key] if found[key] is not None else -1)
    return metrics, cases
