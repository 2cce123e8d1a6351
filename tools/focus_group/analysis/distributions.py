"""Distributions of closed answers: likert points, chosen options, numbers.

Counts and shares are keyed by strings (likert points "1".."7", option ids) so the dicts go to
JSON unchanged; every point or option appears, with zero when nobody picked it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_BINS = 10
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def _shares(counts: dict[str, int], n: int) -> dict[str, float]:
    return {k: (c / n if n else 0.0) for k, c in counts.items()}


def likert_distribution(points: Sequence[int], scale: int) -> dict[str, Any]:
    """Count each point 1..``scale`` (zeros included); mean and median of the points.

    Points outside 1..scale are not counted (the structured output should never give them).
    """
    valid = [int(p) for p in points if 1 <= int(p) <= scale]
    tally = Counter(valid)
    counts = {str(p): tally.get(p, 0) for p in range(1, scale + 1)}
    n = len(valid)
    return {
        "counts": counts,
        "shares": _shares(counts, n),
        "mean": float(np.mean(valid)) if n else None,
        "median": float(np.median(valid)) if n else None,
        "n": n,
    }


def choice_distribution(
    selections: Sequence[Sequence[str]], option_ids: Sequence[str]
) -> dict[str, Any]:
    """Count each option over respondents' selections (one id each for single choice).

    Shares are per respondent, so a multi-choice question's shares can add up to more than 1.
    An option named twice by one respondent counts once; unknown ids are not counted.
    """
    known = set(option_ids)
    tally: Counter[str] = Counter()
    for chosen in selections:
        tally.update({o for o in chosen if o in known})
    counts = {o: tally.get(o, 0) for o in option_ids}
    n = len(selections)
    return {"counts": counts, "shares": _shares(counts, n), "n": n}


def _nice_step(span: float, max_bins: int) -> float:
    """The smallest 1/2/2.5/5 x 10^k step that covers ``span`` in at most ``max_bins`` bins."""
    raw = span / max_bins
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(s * magnitude for s in _NICE_STEPS if s * magnitude >= raw * (1 - 1e-9))


def histogram_edges(low: float, high: float, *, integers: bool = False) -> list[float]:
    """Bin edges from ``low`` to ``high`` on a round step, at most ``MAX_BINS`` bins.

    The last edge is clipped to ``high`` so no edge leaves the question's range; integer data
    never gets a step below 1.
    """
    if high <= low:
        return [float(low), float(high)]
    step = _nice_step(high - low, MAX_BINS)
    if integers:
        step = max(step, 1.0)
    bins = math.ceil((high - low) / step - 1e-9)
    edges = [low + i * step for i in range(bins)] + [high]
    return [float(round(e, 10)) for e in edges]


def numeric_distribution(
    values: Sequence[float], low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    """Summarise numbers: n, mean, median, quartiles, range and a histogram.

    The histogram spans the question's ``low``..``high`` when given (else the data's range);
    its last bin includes its right edge, as numpy's does.
    """
    data = np.asarray([float(v) for v in values], dtype=float)
    n = int(data.size)
    if n == 0:
        return {
            "n": 0,
            **dict.fromkeys(("mean", "median", "p25", "p75", "min", "max")),
            "histogram": {"edges": [], "counts": []},
        }
    lo = float(low) if low is not None else float(data.min())
    hi = float(high) if high is not None else float(data.max())
    integers = bool(np.all(data == np.round(data))) and lo == round(lo) and hi == round(hi)
    edges = histogram_edges(lo, hi, integers=integers)
    inside = data[(data >= lo) & (data <= hi)]
    if edges[0] == edges[-1]:
        counts = [int(inside.size)]
    else:
        counts = np.histogram(inside, bins=edges)[0].astype(int).tolist()
    p25, median, p75 = np.percentile(data, [25, 50, 75])
    return {
        "n": n,
        "mean": float(data.mean()),
        "median": float(median),
        "p25": float(p25),
        "p75": float(p75),
        "min": float(data.min()),
        "max": float(data.max()),
        "histogram": {"edges": edges, "counts": counts},
    }
