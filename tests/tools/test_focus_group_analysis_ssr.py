"""Semantic Similarity Rating with hand-made embedders: pmf arithmetic and the reliability check."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tools.focus_group.analysis.ssr import (
    SsrAnchors,
    build_ssr_anchors,
    check_ssr,
    embed_anchors,
    ssr_distribution,
    ssr_for_answers,
    ssr_pmfs,
)
from tools.focus_group.analysis.ssr_texts import ANCHOR_SETS, GRADED_STATEMENTS


def _grade_of(scale: int) -> dict[str, int]:
    grades = {
        text: point
        for anchor_set in ANCHOR_SETS[scale]
        for point, text in enumerate(anchor_set, start=1)
    }
    grades.update({text: grade for grade, text in GRADED_STATEMENTS[scale]})
    return grades


def _oracle(scale: int):
    """An embedder that knows every text's grade: a point on a quarter circle by grade."""
    grades = _grade_of(scale)

    def embed(texts: list[str]) -> list[list[float]]:
        angles = [(grades[t] - 1) / (scale - 1) * np.pi / 2 for t in texts]
        return [[float(np.cos(a)), float(np.sin(a)), 0.0] for a in angles]

    return embed


def _random_embed(texts: list[str]) -> list[np.ndarray]:
    """Vectors that depend on nothing but a hash of the text (a useless embedder)."""
    seeds = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) for t in texts]
    return [np.random.default_rng(s).normal(size=64) for s in seeds]


def _one_hot_anchors(scale: int, sets: int = 2) -> np.ndarray:
    return np.stack([np.eye(scale)] * sets)


def test_pmf_puts_no_mass_on_the_least_similar_point_and_most_on_the_closest() -> None:
    anchors = _one_hot_anchors(5)
    answer = np.array([[0.0, 0.0, 0.0, 0.6, 0.8]])

    pmf = ssr_pmfs(answer, anchors)[0]

    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[4] == pmf.max() and pmf[:3].tolist() == [0.0, 0.0, 0.0]
    assert pmf[3] == pytest.approx(0.6 / 1.4)


def test_pmf_when_all_similarities_equal_then_uniform() -> None:
    pmf = ssr_pmfs(np.array([[0.0] * 5]), _one_hot_anchors(5))[0]

    assert pmf.tolist() == pytest.approx([0.2] * 5)


def test_low_temperature_sharpens_the_pmf() -> None:
    answer = np.array([[0.1, 0.2, 0.3, 0.5, 0.78]])
    anchors = _one_hot_anchors(5)

    warm = ssr_pmfs(answer, anchors)[0]
    cold = ssr_pmfs(answer, anchors, temperature=0.3)[0]

    assert cold.sum() == pytest.approx(1.0)
    assert cold[4] > warm[4]


def test_distribution_averages_answers_and_gives_the_mean_point() -> None:
    anchors = _one_hot_anchors(5)
    answers = np.array([[1.0, 0, 0, 0, 0], [0, 0, 0, 0, 1.0]])

    result = ssr_distribution(answers, anchors)

    assert result["distribution"]["1"] == pytest.approx(0.5)
    assert result["distribution"]["5"] == pytest.approx(0.5)
    assert result["mean"] == pytest.approx(3.0)


@pytest.mark.parametrize("scale", [5, 7])
def test_check_passes_for_an_embedder_that_orders_the_grades(scale: int) -> None:
    check = check_ssr(_oracle(scale), scale)

    assert check["status"] == "ok"
    assert check["spearman"] > 0.95 and check["monotone"]
    assert check["statements"] == len(GRADED_STATEMENTS[scale]) >= 3 * scale


@pytest.mark.parametrize("scale", [5, 7])
def test_check_fails_for_random_vectors(scale: int) -> None:
    check = check_ssr(_random_embed, scale)

    assert check["status"] == "unreliable"
    assert check["spearman"] < 0.7


def test_every_scale_has_anchor_sets_with_one_statement_per_point() -> None:
    for scale, sets in ANCHOR_SETS.items():
        assert len(sets) >= 3
        assert all(len(s) == scale for s in sets)
        grades = [g for g, _ in GRADED_STATEMENTS[scale]]
        assert sorted(set(grades)) == list(range(1, scale + 1))


def test_embed_anchors_when_scale_has_no_anchors_then_value_error() -> None:
    with pytest.raises(ValueError, match="5 and 7"):
        embed_anchors(_random_embed, 4)


def test_build_anchors_runs_the_check_once_and_carries_its_status() -> None:
    anchors = build_ssr_anchors(_oracle(5), 5)

    assert anchors.vectors.shape == (len(ANCHOR_SETS[5]), 5, 3)
    assert anchors.status == "ok" and anchors.check["status"] == "ok"


def test_ssr_for_answers_flags_unreliable_ratings_and_names_the_answers_rated() -> None:
    vectors = {"a1": [0.0, 1.0, 0.0], "a2": [1.0, 0.0, 0.0]}
    good = build_ssr_anchors(_oracle(5), 5)
    bad = SsrAnchors(scale=5, vectors=good.vectors, check={"status": "unreliable"})

    ok = ssr_for_answers(["a1", "a2", "a3"], vectors, good, 5)
    unreliable = ssr_for_answers(["a1"], vectors, bad, 5)
    other_scale = ssr_for_answers(["a1"], vectors, good, 7)

    assert ok["status"] == "ok" and ok["answer_ids"] == ["a1", "a2"] and ok["n"] == 2
    assert sum(ok["distribution"].values()) == pytest.approx(1.0)
    assert 1 < ok["mean"] < 5
    assert unreliable["status"] == "unreliable" and unreliable["check"]["status"] == "unreliable"
    assert unreliable["mean"] is not None
    assert other_scale["status"] == "unavailable"
    assert ssr_for_answers(["a1"], vectors, None, 5)["status"] == "unavailable"
