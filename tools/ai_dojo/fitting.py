"""Fit the router's and the duplicate judge's thresholds by grid search (pure functions).

Router: every example is scored against all the others (leave-one-out), so the fitting set
is never scored against itself. The scoring method and the lexical cue weight maximise
leave-one-out top-1 accuracy (a cue weight above 0 only if it beats none). Then the no-model
path: sending scores under ``min_score`` to ``other`` is kept only if it beats following the top
intent. Last, ``min_score``/``min_margin`` decide when the model breaks the tie: they maximise
the expected accuracy when an unconfident message goes to a model assumed right
``TIE_BREAKER_ACCURACY`` of the time, so the model is asked exactly where the router does worse.

Duplicates: the two stages' thresholds jointly maximise F1 on the labelled pairs given (the
``fit`` half); the number guard is kept only if it raises that F1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.ai_dojo.router import INTENTS, knn_scores, normalise

# A capable chat model's assumed accuracy on the six intents when the router is unsure. It sets
# how unsure the router must be before the model is worth a call.
TIE_BREAKER_ACCURACY = 0.85
METHODS: tuple[tuple[str, int], ...] = (("knn", 1), ("knn", 3), ("knn", 5), ("centroid", 0))
CUE_WEIGHTS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05)
OTHER = INTENTS.index("other")


def cut_points(values: Sequence[float] | np.ndarray) -> list[float]:
    """Thresholds worth trying: midpoints between consecutive distinct values, and both ends."""
    distinct = np.unique(np.round(np.asarray(values, dtype=np.float64), 6))
    if distinct.size == 0:
        return [0.0]
    middles = ((distinct[:-1] + distinct[1:]) / 2).tolist()
    return [float(distinct[0]) - 1e-3, *middles, float(distinct[-1]) + 1e-3]


def loo_scores(vectors: Any, labels: np.ndarray, method: str, k: int) -> np.ndarray:
    """Scores (n x intents) of each example against all the others."""
    matrix = normalise(vectors)
    sims = matrix @ matrix.T
    np.fill_diagonal(sims, -np.inf)
    if method == "knn":
        return np.stack([knn_scores(row, labels, k) for row in sims])
    sums = np.stack([matrix[labels == i].sum(axis=0) for i in range(len(INTENTS))])
    out = np.empty((len(matrix), len(INTENTS)))
    for row, (vector, label) in enumerate(zip(matrix, labels, strict=True)):
        centroids = sums.copy()
        centroids[label] -= vector  # leave the example out of its own centroid
        out[row] = normalise(centroids) @ vector
    return out


def ranked(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the top intent's index, its score, and its lead over the runner-up."""
    order = np.argsort(-scores, axis=1, kind="stable")
    rows = np.arange(len(scores))
    top = scores[rows, order[:, 0]]
    return order[:, 0], top, top - scores[rows, order[:, 1]]


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Share of predictions equal to the labels."""
    return float(np.mean(predicted == labels)) if len(labels) else 0.0


def fit_router(
    loo_by_method: dict[tuple[str, int], np.ndarray], cues: np.ndarray, labels: np.ndarray
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The router thresholds (as thresholds.json's ``router``) and the figures behind them."""
    method_acc = {m: accuracy(ranked(s)[0], labels) for m, s in loo_by_method.items()}
    best = max(METHODS, key=lambda m: (method_acc.get(m, -1.0), -METHODS.index(m)))
    base = loo_by_method[best]
    cue_acc = {w: accuracy(ranked(base + w * cues)[0], labels) for w in CUE_WEIGHTS}
    weight = max(CUE_WEIGHTS, key=lambda w: (cue_acc[w], -w))  # ties: the smaller weight
    top, score, margin = ranked(base + weight * cues)
    top_acc = accuracy(top, labels)
    other_at = max(
        cut_points(score),
        key=lambda t: (accuracy(np.where(score < t, OTHER, top), labels), -t),
    )
    other_acc = accuracy(np.where(score < other_at, OTHER, top), labels)
    below = "other" if other_acc > top_acc else "top"
    fallback = np.where(score < other_at, OTHER, top) if below == "other" else top
    score_grid = [other_at] if below == "other" else cut_points(score)
    min_score, min_margin = _fit_confidence(score, margin, top == labels, score_grid)
    confident = (score >= min_score) & (margin >= min_margin)
    thresholds = {
        "method": best[0],
        "k": best[1],
        "min_score": round(min_score, 4),
        "min_margin": round(min_margin, 4),
        "lexical_weight": weight,
        "below_min_score": below,
    }
    figures = {
        "loo_top1_by_method": {f"{m}{k or ''}": round(a, 4) for (m, k), a in method_acc.items()},
        "loo_top1_by_cue_weight": {str(w): round(a, 4) for w, a in cue_acc.items()},
        "loo_top1_without_cues": round(method_acc[best], 4),
        "loo_top1": round(top_acc, 4),
        "loo_no_model_accuracy": round(accuracy(fallback, labels), 4),
        "loo_accuracy_if_other_under_min_score": round(other_acc, 4),
        "other_under_min_score_best_cut": round(other_at, 4),
        "loo_confident_share": round(float(confident.mean()), 4),
        "loo_confident_accuracy": round(accuracy(top[confident], labels[confident]), 4),
        "loo_expected_accuracy_with_tie_breaker": round(_expected(confident, top == labels), 4),
    }
    return thresholds, figures


def _expected(confident: np.ndarray, correct: np.ndarray) -> float:
    """Accuracy when unconfident messages go to a tie-breaker right TIE_BREAKER_ACCURACY."""
    hits = (confident & correct).sum() + TIE_BREAKER_ACCURACY * (~confident).sum()
    return float(hits / max(len(correct), 1))


def _fit_confidence(
    score: np.ndarray, margin: np.ndarray, correct: np.ndarray, score_grid: list[float]
) -> tuple[float, float]:
    """(min_score, min_margin) maximising the expected accuracy; ties: the lower thresholds."""
    best, best_key = (score_grid[0], 0.0), (-1.0, 0.0, 0.0)
    for s in score_grid:
        for m in [0.0, *cut_points(margin)]:
            m = max(m, 0.0)
            confident = (score >= s) & (margin >= m)
            key = (round(_expected(confident, correct), 9), -s, -m)
            if key > best_key:
                best, best_key = (s, m), key
    return best


def prf(predicted: Sequence[bool], labels: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of boolean predictions (0 where undefined)."""
    p, y = np.asarray(predicted, dtype=bool), np.asarray(labels, dtype=bool)
    tp = float((p & y).sum())
    precision = tp / p.sum() if p.sum() else 0.0
    recall = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def predict_duplicates(
    jaccards, cosines, guards, lemma_jaccard: float, cosine: float, number_guard: bool
) -> np.ndarray:
    """The two-stage rule over many pairs at once (as :func:`duplicates.judge` applies it)."""
    j, c, g = (np.asarray(x) for x in (jaccards, cosines, guards))
    passed = (j >= lemma_jaccard) | (c >= cosine)
    return passed & ~(g.astype(bool) if number_guard else np.zeros_like(passed))


def fit_duplicates(
    jaccards: Sequence[float],
    cosines: Sequence[float],
    guards: Sequence[bool],
    labels: Sequence[bool],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Duplicate thresholds (thresholds.json's ``duplicates``) with maximum F1, and figures.

    Ties go to the higher precision, then to the higher thresholds (a missed duplicate only
    costs the mentor a second entry; a false one hides a new lesson behind an old entry).
    """
    results = {}
    for guard in (False, True):
        best, best_key = None, None
        for tj in cut_points(jaccards):
            for tc in cut_points(cosines):
                pred = predict_duplicates(jaccards, cosines, guards, tj, tc, guard)
                m = prf(pred, labels)
                key = (round(m["f1"], 9), round(m["precision"], 9), tj + tc)
                if best_key is None or key > best_key:
                    best, best_key = (tj, tc, m), key
        results[guard] = best
    guard = bool(results[True][2]["f1"] > results[False][2]["f1"])
    tj, tc, m = results[guard]
    thresholds = {"lemma_jaccard": round(tj, 4), "cosine": round(tc, 4), "number_guard": guard}
    lemma_only = prf(predict_duplicates(jaccards, cosines, guards, tj, 2.0, guard), labels)
    figures = {
        "fit_precision": round(m["precision"], 4),
        "fit_recall": round(m["recall"], 4),
        "fit_f1": round(m["f1"], 4),
        "fit_f1_without_number_guard": round(results[False][2]["f1"], 4),
        "fit_f1_with_number_guard": round(results[True][2]["f1"], 4),
        "fit_f1_lemma_stage_only": round(lemma_only["f1"], 4),
    }
    return thresholds, figures
