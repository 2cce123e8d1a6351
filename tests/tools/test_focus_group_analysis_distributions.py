"""Distributions of likert points, chosen options and numbers."""

from __future__ import annotations

import pytest

from tools.focus_group.analysis.distributions import (
    choice_distribution,
    histogram_edges,
    likert_distribution,
    numeric_distribution,
)


def test_likert_distribution_counts_every_point_including_unused_ones() -> None:
    result = likert_distribution([5, 4, 4, 2], scale=5)

    assert result["counts"] == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}
    assert result["shares"]["4"] == pytest.approx(0.5)
    assert result["mean"] == pytest.approx(3.75)
    assert result["median"] == pytest.approx(4.0)
    assert result["n"] == 4


def test_likert_distribution_when_point_outside_scale_then_not_counted() -> None:
    result = likert_distribution([1, 7, 0], scale=5)

    assert result["n"] == 1
    assert sum(result["counts"].values()) == 1


def test_likert_distribution_when_no_answers_then_mean_is_none_and_shares_zero() -> None:
    result = likert_distribution([], scale=7)

    assert result["mean"] is None and result["median"] is None
    assert list(result["shares"]) == [str(p) for p in range(1, 8)]
    assert set(result["shares"].values()) == {0.0}


def test_single_choice_shares_sum_to_one_and_list_unchosen_options() -> None:
    result = choice_distribution([["a"], ["b"], ["a"], ["a"]], ["a", "b", "c"])

    assert result["counts"] == {"a": 3, "b": 1, "c": 0}
    assert sum(result["shares"].values()) == pytest.approx(1.0)


def test_multi_choice_shares_are_per_respondent() -> None:
    result = choice_distribution([["a", "b"], ["a"], ["a", "a", "zz"]], ["a", "b"])

    assert result["counts"] == {"a": 3, "b": 1}
    assert result["shares"] == {"a": pytest.approx(1.0), "b": pytest.approx(1 / 3)}
    assert result["n"] == 3


def test_numeric_distribution_quartiles_and_range() -> None:
    result = numeric_distribution([10, 20, 30, 40, 50], 0, 100)

    assert (result["p25"], result["median"], result["p75"]) == (20.0, 30.0, 40.0)
    assert (result["min"], result["max"], result["mean"]) == (10.0, 50.0, 30.0)


def test_numeric_histogram_edges_stay_inside_question_range_and_count_every_value() -> None:
    values = [3, 3.5, 9.9, 17, 17]
    result = numeric_distribution(values, 3, 17)
    edges = result["histogram"]["edges"]

    assert edges[0] == 3 and edges[-1] == 17
    assert all(a < b for a, b in zip(edges, edges[1:], strict=False))
    assert len(edges) - 1 <= 10
    assert sum(result["histogram"]["counts"]) == len(values)


def test_histogram_edges_use_round_steps() -> None:
    assert histogram_edges(0, 100) == [float(x) for x in range(0, 101, 10)]
    assert histogram_edges(1, 5, integers=True) == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_numeric_distribution_when_all_values_equal_without_range_then_one_bin() -> None:
    result = numeric_distribution([7, 7, 7])

    assert result["histogram"] == {"edges": [7.0, 7.0], "counts": [3]}


def test_numeric_distribution_when_empty_then_numbers_are_none() -> None:
    result = numeric_distribution([], 0, 10)

    assert result["n"] == 0 and result["mean"] is None
    assert result["histogram"] == {"edges": [], "counts": []}
