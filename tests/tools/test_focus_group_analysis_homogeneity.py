"""The homogeneity alarm with hand-made categories and vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tools.focus_group.analysis.embeddings import mean_pairwise_cosine, unit_rows
from tools.focus_group.analysis.homogeneity import entropy_bits, homogeneity


def _spread(n: int, cosine: float, dim: int = 32) -> np.ndarray:
    """``n`` unit vectors whose pairwise cosines are all exactly ``cosine``."""
    base = np.zeros(dim)
    base[0] = 1.0
    rows = [np.sqrt(cosine) * base + np.sqrt(1 - cosine) * np.eye(dim)[i + 1] for i in range(n)]
    return unit_rows(rows)


def test_entropy_in_bits() -> None:
    assert entropy_bits(["a", "b", "c", "d"]) == pytest.approx(2.0)
    assert entropy_bits(["a"] * 5) == 0.0
    assert entropy_bits([]) == 0.0


def test_alarm_when_one_answer_dominates_then_reason_has_code_value_and_polish_message() -> None:
    result = homogeneity([4] * 19 + [5], possible=5)

    assert result["modal_share"] == pytest.approx(0.95)
    assert result["collapsed"] is True
    assert result["reasons"] == [
        {
            "code": "modal_share",
            "value": pytest.approx(0.95),
            "threshold": 0.9,
            "message": "95% odpowiedzi wskazuje tę samą kategorię (próg alarmu: 90%)",
        }
    ]
    assert 0 < result["normalized_entropy"] < 0.2


def test_no_alarm_when_answers_spread() -> None:
    result = homogeneity([1, 2, 3, 4, 5] * 4, possible=5)

    assert result["collapsed"] is False and result["reasons"] == []
    assert result["normalized_entropy"] == pytest.approx(1.0)


def test_no_alarm_below_minimum_n_even_if_identical() -> None:
    result = homogeneity([3, 3, 3], possible=5, unit=_spread(3, 0.99))

    assert result["modal_share"] == 1.0
    assert result["collapsed"] is False


def test_alarm_when_texts_nearly_identical_even_if_categories_spread_then_cosine_reason() -> None:
    result = homogeneity([1, 2, 3, 4, 5, 1, 2, 3], possible=5, unit=_spread(8, 0.95))

    assert result["mean_pairwise_cosine"] == pytest.approx(0.95)
    assert result["collapsed"] is True
    [reason] = result["reasons"]
    assert reason["code"] == "mean_pairwise_cosine" and reason["threshold"] == 0.92
    assert reason["value"] == pytest.approx(0.95)
    assert reason["message"] == (
        "średnie podobieństwo tekstów odpowiedzi (cosinus) 0,950 (próg alarmu: 0,92)"
    )


def test_no_alarm_when_texts_only_share_the_embedders_baseline() -> None:
    result = homogeneity([1, 2, 3, 4, 5, 1, 2, 3], possible=5, unit=_spread(8, 0.85))

    assert result["collapsed"] is False


def test_open_answers_report_modal_share_without_alarming_on_it() -> None:
    result = homogeneity(["t1"] * 10, possible=1, unit=_spread(10, 0.8), categorical_alarm=False)

    assert result["modal_share"] == 1.0 and result["normalized_entropy"] == 0.0
    assert result["collapsed"] is False


def test_mean_pairwise_cosine_ignores_self_similarity() -> None:
    assert mean_pairwise_cosine(unit_rows([[1.0, 0.0], [0.0, 1.0]])) == pytest.approx(0.0)
    assert mean_pairwise_cosine(unit_rows([[1.0, 0.0]])) is None
