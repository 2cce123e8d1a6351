"""Knowledge retrieval suite: nDCG@10, recall@5 and MRR per retriever, side by side.

The knowledge pack is loaded into a private in-memory Qdrant (the user's knowledge base is not
touched), then every labelled query in ``queries.json`` runs through dense only, sparse only,
hybrid (RRF) and hybrid + rerank. Answerable queries give the ranking metrics; queries with
nothing relevant give the rerank score their best hit reached (report only). The RRF constant
is also swept (report only) so its setting can be checked against the data.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any

from qdrant_client import AsyncQdrantClient

from evals.knowledge.metrics import ndcg_at, recall_at, reciprocal_rank
from runtime.resources import Resources
from sight.settings import Settings
from tools.knowledge import KnowledgeBase, search_options
from tools.knowledge.pack import load_pack
from tools.knowledge.rerank import make_reranker
from tools.models.embedders import get_embedder

QUERIES = Path(__file__).with_name("queries.json")
SEARCH_TYPES = ("dense", "sparse", "hybrid", "hybrid_rerank")
RRF_SWEEP = (2.0, 10.0, 30.0, 60.0, 100.0)
# The goals: hybrid beats the best single retriever by 0.015 nDCG@10, and the rerank
# stage adds 0.03 on top. Gated on the test half only: the RRF constant and the reranker's
# weights were chosen on the dev half. The floor sits a little under the measured figure.
THRESHOLDS = {
    "test_hybrid_ndcg10": (">=", 0.74),
    "test_hybrid_gain_over_best_single": (">=", 0.015),
    "test_rerank_gain_over_hybrid": (">=", 0.03),
}


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    """The labelled queries."""
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


async def build_knowledge_base(settings: Settings) -> KnowledgeBase:
    """The pack in a private in-memory Qdrant, searched in memory."""
    client = AsyncQdrantClient(location=":memory:")
    kb = KnowledgeBase(
        client,
        "eval",
        get_embedder(settings),
        reranker=make_reranker(settings.knowledge_reranker),
        options=search_options(settings),
        in_memory=True,
    )
    await kb.open()
    await kb.load(load_pack().entries)
    return kb


async def rankings(kb: KnowledgeBase, queries, search_type: str) -> dict[str, list[str]]:
    """Query id -> ranked entry ids (top 10)."""
    out = {}
    for q in queries:
        result = await kb.search(
            q["query"], filters=q.get("filters") or None, limit=10, search_type=search_type
        )
        out[q["id"]] = [h.id for h in result.hits]
    return out


def score(queries, ranked: dict[str, list[str]]) -> dict[str, float]:
    """Mean nDCG@10, recall@5 and MRR over the answerable queries."""
    answerable = [q for q in queries if q["relevant"]]
    if not answerable:
        return {"ndcg10": 0.0, "recall5": 0.0, "mrr": 0.0}
    return {
        "ndcg10": statistics.fmean(ndcg_at(ranked[q["id"]], q["relevant"]) for q in answerable),
        "recall5": statistics.fmean(recall_at(ranked[q["id"]], q["relevant"]) for q in answerable),
        "mrr": statistics.fmean(
            reciprocal_rank(ranked[q["id"]], q["relevant"]) for q in answerable
        ),
    }


async def evaluate(settings: Settings, resources: Resources) -> tuple[dict[str, float], list[dict]]:
    queries = load_queries()
    kb = await build_knowledge_base(settings)
    ranked = {st: await rankings(kb, queries, st) for st in SEARCH_TYPES}
    metrics: dict[str, float] = {}
    for split in ("all", "dev", "test"):
        subset = [q for q in queries if split == "all" or q["split"] == split]
        for st in SEARCH_TYPES:
            for name, value in score(subset, ranked[st]).items():
                prefix = st if split == "all" else f"{split}_{st}"
                metrics[f"{prefix}_{name}"] = round(value, 4)
    for prefix in ("", "dev_", "test_"):
        best_single = max(metrics[f"{prefix}dense_ndcg10"], metrics[f"{prefix}sparse_ndcg10"])
        metrics[f"{prefix}hybrid_gain_over_best_single"] = round(
            metrics[f"{prefix}hybrid_ndcg10"] - best_single, 4
        )
        metrics[f"{prefix}rerank_gain_over_hybrid"] = round(
            metrics[f"{prefix}hybrid_rerank_ndcg10"] - metrics[f"{prefix}hybrid_ndcg10"], 4
        )
    for by_type in sorted({q["type"] for q in queries if q["relevant"]}):
        subset = [q for q in queries if q["type"] == by_type]
        metrics[f"type_{by_type}_hybrid_rerank_ndcg10"] = round(
            score(subset, ranked["hybrid_rerank"])["ndcg10"], 4
        )
    base_options = kb.options
    for k in RRF_SWEEP:
        kb.options = replace(base_options, rrf_k=k)
        metrics[f"rrf_k{k:g}_hybrid_ndcg10"] = round(
            score(queries, await rankings(kb, queries, "hybrid"))["ndcg10"], 4
        )
    kb.options = base_options
    cases = await _cases(kb, queries, ranked)
    unanswerable = [c for c in cases if c["type"] == "no_answer"]
    answerable = [c for c in cases if c["type"] != "no_answer"]
    if unanswerable and answerable:
        metrics["no_answer_top_score_mean"] = round(
            statistics.fmean(c["top_score"] for c in unanswerable), 4
        )
        metrics["answerable_top_score_mean"] = round(
            statistics.fmean(c["top_score"] for c in answerable), 4
        )
        metrics.update(abstention(cases))
    await kb.client.close()
    return metrics, cases


def abstention(cases: list[dict[str, Any]]) -> dict[str, float]:
    """The ``min_score`` that best separates the two kinds of query on dev, judged on test.

    Balanced accuracy: the mean of the share of unanswerable queries left with no hit and the
    share of answerable ones whose best hit is kept.
    """

    def rates(subset, t):
        none = [c for c in subset if c["type"] == "no_answer"]
        some = [c for c in subset if c["type"] != "no_answer"]
        abstain = sum(c["top_score"] < t for c in none) / max(len(none), 1)
        keep = sum(c["top_score"] >= t for c in some) / max(len(some), 1)
        return abstain, keep

    dev = [c for c in cases if c["split"] == "dev"]
    test = [c for c in cases if c["split"] == "test"]
    best = max(sorted({c["top_score"] for c in dev}), key=lambda t: sum(rates(dev, t)))
    abstain, keep = rates(test, best)
    return {
        "min_score_dev_choice": round(best, 4),
        "test_no_answer_abstain_rate": round(abstain, 4),
        "test_answerable_kept_rate": round(keep, 4),
    }


async def _cases(kb: KnowledgeBase, queries, ranked) -> list[dict[str, Any]]:
    cases = []
    for q in queries:
        top = ranked["hybrid_rerank"][q["id"]]
        result = await kb.search(q["query"], filters=q.get("filters") or None, limit=1)
        record = {
            "id": q["id"],
            "type": q["type"],
            "split": q["split"],
            "query": q["query"],
            "top": top[:3],
            "top_score": result.hits[0].score if result.hits else 0.0,
        }
        if q["relevant"]:
            record["ndcg10"] = {
                st: round(ndcg_at(ranked[st][q["id"]], q["relevant"]), 4) for st in SEARCH_TYPES
            }
            record["passed"] = reciprocal_rank(top, q["relevant"], k=5) > 0
            if not record["passed"]:
                record["failures"] = [f"no relevant chunk in the top 5 for {q['query']!r}"]
        else:
            record["passed"] = True  # report only: the score its best hit reached
        cases.append(record)
    return cases
