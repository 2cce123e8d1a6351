"""Vector helpers shared by themes, SSR and the homogeneity alarm: unit rows and cosines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

Vector = Sequence[float] | np.ndarray


def unit_rows(vectors: Sequence[Vector] | np.ndarray) -> np.ndarray:
    """Stack ``vectors`` into a float matrix whose rows have length 1 (zero rows stay zero)."""
    matrix = np.asarray(vectors, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def vectors_for(ids: Sequence[str], vectors: Mapping[str, Vector]) -> tuple[list[str], np.ndarray]:
    """The ids that have a vector, in order, and their unit vectors as rows."""
    kept = [i for i in ids if i in vectors and len(vectors[i]) > 0]
    if not kept:
        return [], np.zeros((0, 0))
    return kept, unit_rows([vectors[i] for i in kept])


def mean_pairwise_cosine(unit: np.ndarray) -> float | None:
    """Mean cosine over distinct pairs of unit rows; ``None`` below two rows."""
    n = len(unit)
    if n < 2:
        return None
    sims = unit @ unit.T
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))
