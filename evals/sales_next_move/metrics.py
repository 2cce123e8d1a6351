"""Scoring of the co-pilot against the labelled sessions: archetypes, modules, signals, bands."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def top_k(scores: Mapping[str, float] | None, k: int) -> list[str]:
    """The k best keys, ties broken by name (empty for no scores or all zero)."""
    if not scores or not any(scores.values()):
        return []
    return sorted(scores, key=lambda s: (-scores[s], s))[:k]


def archetype_hits(session: Mapping[str, Any], ranked: Sequence[str]) -> dict[str, bool]:
    """Top-1: the expected archetype ranks first. Top-2: the expected archetype, or the one the
    label accepts as a fair second reading, is among the first two."""
    expected = session["archetype"]
    fair = {expected, *session.get("acceptable", [])}
    return {
        "top1": bool(ranked) and ranked[0] == expected,
        "top2": bool(set(ranked[:2]) & fair),
    }


def precision_recall(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, float]:
    """Micro precision and recall over (predicted, expected) sets."""
    tp = fp = fn = 0
    for predicted, expected in pairs:
        tp += len(predicted & expected)
        fp += len(predicted - expected)
        fn += len(expected - predicted)
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def flips(primaries: Sequence[str]) -> int:
    """How many times the primary archetype changed between consecutive turns."""
    return sum(1 for a, b in zip(primaries, primaries[1:], strict=False) if a != b)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0-1) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def share(flags: Iterable[bool]) -> float:
    """Share of true values (0 for none)."""
    items = list(flags)
    return sum(items) / len(items) if items else 0.0
