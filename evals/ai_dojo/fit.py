"""Refit the router's and the duplicate judge's thresholds and rewrite thresholds.json.

Run: ``python -m evals.ai_dojo.fit`` (``--dry-run`` prints without writing). Everything is
chosen on the fitting data only: the router on leave-one-out over
``tools/data/ai_dojo/intent_examples.json``, the duplicate judge on the ``fit`` half of
``duplicate_pairs.json``. The test figures printed last (the held-out messages and the ``test``
half) are what the suite gates; they choose nothing.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from evals.ai_dojo.suite import (
    duplicate_metrics,
    duplicate_records,
    load_intents,
    load_pairs,
    pair_candidates,
    router_metrics,
    router_records,
)
from sight.settings import load_settings
from tools.ai_dojo.duplicates import DuplicateThresholds, pair_features
from tools.ai_dojo.fitting import METHODS, fit_duplicates, fit_router, loo_scores
from tools.ai_dojo.router import (
    INTENTS,
    THRESHOLDS_PATH,
    IntentRouter,
    RouterThresholds,
    lexical_cues,
    load_examples,
)
from tools.models.embedders import get_embedder

VERSION = 1


def fit(embedder: Any) -> dict[str, Any]:
    """The content of thresholds.json for ``embedder``, fitted on the fitting data only."""
    examples = load_examples()
    texts = [e["text"] for e in examples]
    vectors = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
    labels = np.array([INTENTS.index(e["intent"]) for e in examples])
    loo = {m: loo_scores(vectors, labels, *m) for m in METHODS}
    cues = np.stack([lexical_cues(t) for t in texts])
    router, router_figures = fit_router(loo, cues, labels)
    pairs = load_pairs(split="fit")
    features = [
        pair_features(p["new"], c)
        for p, c in zip(pairs, pair_candidates(embedder, pairs), strict=True)
    ]
    jaccards, cosines, guards = zip(*features, strict=True) if features else ((), (), ())
    duplicates, dup_figures = fit_duplicates(
        jaccards, cosines, guards, [p["duplicate"] for p in pairs]
    )
    return {
        "version": VERSION,
        "embedder": embedder.spec,
        "router": router,
        "duplicates": duplicates,
        "fitted_on": {
            "intent_examples": len(examples),
            "intent_examples_per_intent": dict(Counter(e["intent"] for e in examples)),
            "duplicate_pairs_fit": len(pairs),
            "duplicate_pairs_fit_positive": sum(bool(p["duplicate"]) for p in pairs),
        },
        "fit_figures": {"router": router_figures, "duplicates": dup_figures},
    }


def held_out_figures(embedder: Any, fitted: dict[str, Any]) -> dict[str, float]:
    """What the suite will measure with the fitted thresholds (held-out data)."""
    examples = load_examples()
    router = IntentRouter(
        embedder.embed_queries([e["text"] for e in examples]),
        [e["intent"] for e in examples],
        RouterThresholds.from_dict(fitted["router"]),
    )
    figures = router_metrics(router_records(router, embedder, load_intents()))
    pairs = load_pairs(split="test")
    th = DuplicateThresholds(**fitted["duplicates"])
    figures.update(
        duplicate_metrics(duplicate_records(pairs, pair_candidates(embedder, pairs), th), "dup")
    )
    return figures


def main() -> None:
    """Fit, print the figures and (unless ``--dry-run``) rewrite thresholds.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print only; write nothing")
    parser.add_argument("--out", type=Path, default=THRESHOLDS_PATH)
    args = parser.parse_args()
    embedder = get_embedder(load_settings())
    fitted = fit(embedder)
    print(json.dumps({k: fitted[k] for k in ("embedder", "router", "duplicates")}, indent=2))
    print("fitting figures:", json.dumps(fitted["fit_figures"], indent=2))
    print("test figures:", json.dumps(held_out_figures(embedder, fitted), indent=2))
    if not args.dry_run:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(fitted, ensure_ascii=False, indent=2) + "\n", "utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
