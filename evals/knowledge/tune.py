"""Choose the feature reranker's weights and the RRF constant on the dev half of the queries.

Run: ``python -m evals.knowledge.tune``. Coordinate ascent (as in RankLib) over the weights,
maximising mean nDCG@10 of hybrid + rerank on the dev split; prints dev and test figures for
the start and the result so overfitting shows. The chosen weights are copied by hand into
``tools/knowledge/rerank.py``.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import replace

from evals.knowledge.metrics import ndcg_at
from evals.knowledge.suite import build_knowledge_base, load_queries, rankings, score
from sight.settings import load_settings
from tools.knowledge.rerank import FEATURE_WEIGHTS, FeatureReranker

STEPS = (2.0, 0.5, 1.25, 0.8, 0.0)


def ndcg_with(weights, sets, queries) -> float:
    reranker = FeatureReranker(weights)
    vals = []
    for q in queries:
        if not q["relevant"]:
            continue
        cands = sets[q["id"]]
        scores = reranker._score_all(cands)
        order = [c.id for _, c in sorted(zip(scores, cands, strict=True), key=lambda p: -p[0])]
        vals.append(ndcg_at(order, q["relevant"]))
    return statistics.fmean(vals)


async def main() -> None:
    settings = load_settings()
    queries = load_queries()
    kb = await build_knowledge_base(settings)
    dev = [q for q in queries if q["split"] == "dev"]
    test = [q for q in queries if q["split"] == "test"]
    base = kb.options
    for k in (1.0, 2.0, 5.0, 60.0):
        kb.options = replace(base, rrf_k=k)
        print(
            f"rrf k={k:g}: dev hybrid nDCG {score(dev, await rankings(kb, dev, 'hybrid'))['ndcg10']:.4f}"
            f"  test {score(test, await rankings(kb, test, 'hybrid'))['ndcg10']:.4f}"
        )
    kb.options = base
    sets = {}
    for q in queries:  # capture candidates with their signals
        captured = []
        original = kb._rerank

        async def capture(reranker, query, q_terms, candidates, keep, _orig=original, _c=captured):
            await _orig(reranker, query, q_terms, candidates, keep)
            _c.extend(candidates[:keep])

        kb._rerank = capture
        await kb.search(q["query"], filters=q.get("filters") or None, limit=10)
        kb._rerank = original
        sets[q["id"]] = captured
    weights = dict(FEATURE_WEIGHTS)
    print(
        "start",
        weights,
        f"dev {ndcg_with(weights, sets, dev):.4f}",
        f"test {ndcg_with(weights, sets, test):.4f}",
    )
    best = ndcg_with(weights, sets, dev)
    for _ in range(4):
        improved = False
        for name in weights:
            for step in STEPS:
                trial = dict(weights, **{name: weights[name] * step if weights[name] else step})
                value = ndcg_with(trial, sets, dev)
                if value > best + 1e-4:
                    best, weights, improved = value, trial, True
        if not improved:
            break
    print(
        "tuned",
        {k: round(v, 3) for k, v in weights.items()},
        f"dev {ndcg_with(weights, sets, dev):.4f}",
        f"test {ndcg_with(weights, sets, test):.4f}",
    )
    await kb.client.close()


if __name__ == "__main__":
    asyncio.run(main())
