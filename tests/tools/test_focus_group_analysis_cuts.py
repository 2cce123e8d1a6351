"""Cuts by persona groups and the chi-square rule."""

from __future__ import annotations

from collections import Counter

import pytest

from tools.focus_group.analysis.cuts import age_band, chi_square, cuts, quartile_bins


def _personas(n: int) -> dict[str, dict]:
    return {
        f"p{i}": {
            "persona_id": f"p{i}",
            "segment_id": "s1" if i % 2 else "s2",
            "segment_name": "Miasto" if i % 2 else "Wieś",
            "gender": "K" if i % 2 else "M",
            "age": 20 + i,
            "education": "wyższe",
            "income_bracket": "5000-7000",
            "location": "Łódź",
        }
        for i in range(n)
    }


@pytest.mark.parametrize(
    ("age", "band"),
    [(18, "18-24"), (24, "18-24"), (25, "25-34"), (54, "45-54"), (64, "55-64"), (90, "65+")],
)
def test_age_band_boundaries(age: int, band: str) -> None:
    assert age_band(age) == band


def test_age_band_when_missing_or_minor_then_none() -> None:
    assert age_band(None) is None and age_band(16) is None


def test_chi_square_when_rule_holds_then_tests_and_names_left_out_groups_in_polish() -> None:
    table = {
        "K": Counter({"1": 20, "5": 5}),
        "M": Counter({"1": 5, "5": 20}),
        "X": Counter({"1": 2}),
    }

    outcome = chi_square(table)

    result = outcome.result
    assert result is not None
    assert result["dof"] == 1 and result["p_value"] < 0.001
    assert result["groups"] == ["K", "M"]
    assert outcome.code == "tested" and outcome.left_out == ["X"]
    assert outcome.note == (
        "policzono dla 2 grup i 2 kategorii; pominięto grupy poniżej 5 odpowiedzi: X"
    )


def test_chi_square_when_one_big_group_then_null_with_code_and_polish_reason() -> None:
    outcome = chi_square({"K": Counter({"1": 9, "2": 3}), "M": Counter({"1": 4})})

    assert outcome.result is None and outcome.code == "too_few_groups"
    assert outcome.note.startswith("mniej niż 2 grupy mają po co najmniej 5 odpowiedzi")
    assert outcome.left_out == ["M"] and outcome.note.endswith("odpowiedzi: M")


def test_chi_square_when_expected_counts_small_then_null_with_code_and_polish_reason() -> None:
    table = {"K": Counter({"a": 5, "b": 1, "c": 1}), "M": Counter({"a": 1, "b": 4, "c": 1})}

    outcome = chi_square(table)

    assert outcome.result is None and outcome.code == "expected_counts_low"
    assert outcome.note == (
        "tylko 0% komórek tabeli ma oczekiwaną liczność co najmniej 5 (potrzeba 80%)"
    )


def test_chi_square_when_all_answers_in_one_category_then_null() -> None:
    outcome = chi_square({"K": Counter({"a": 6}), "M": Counter({"a": 7})})

    assert outcome.result is None and outcome.code == "one_category"
    assert outcome.note == "wszystkie odpowiedzi w jednej kategorii"


def test_cuts_likert_groups_have_n_mean_counts_and_segment_label() -> None:
    personas = _personas(10)
    rows = [
        {"answer_id": f"a{i}", "persona_id": f"p{i}", "category": 5 if i % 2 else 1}
        for i in range(10)
    ]

    result = {c["by"]: c for c in cuts(rows, personas, "likert")}

    assert list(result) == [
        "segment_id",
        "gender",
        "age_band",
        "education",
        "income_bracket",
        "location",
    ]
    gender = {g["value"]: g for g in result["gender"]["groups"]}
    assert gender["K"]["n"] == 5 and gender["K"]["mean"] == 5.0
    assert gender["M"]["counts"] == {"1": 5}
    segments = {g["value"]: g["label"] for g in result["segment_id"]["groups"]}
    assert segments == {"s1": "Miasto", "s2": "Wieś"}
    assert result["education"]["chi_square"] is None  # one group only


def test_cuts_count_answers_of_unknown_personas_as_missing() -> None:
    rows = [{"answer_id": "a1", "persona_id": "ghost", "category": "a"}]

    result = cuts(rows, {}, "choice")

    assert all(c["missing"] == 1 and c["groups"] == [] for c in result)


def test_cuts_multi_choice_counts_options_and_skips_chi_square() -> None:
    personas = _personas(10)
    rows = [
        {"answer_id": f"a{i}", "persona_id": f"p{i}", "category": ["a", "b"]} for i in range(10)
    ]

    gender = next(c for c in cuts(rows, personas, "multi") if c["by"] == "gender")

    assert gender["groups"][0]["counts"] == {"a": 5, "b": 5}
    assert gender["chi_square"] is None and gender["note_code"] == "multi_choice"
    assert "wielokrotny wybór" in gender["note"]


def test_cuts_numeric_summarise_mean_median_and_test_quartile_bins() -> None:
    personas = _personas(40)
    rows = [
        {
            "answer_id": f"a{i}",
            "persona_id": f"p{i}",
            "category": None,
            "value": float(i % 2 * 100 + i),
        }
        for i in range(40)
    ]

    gender = next(c for c in cuts(rows, personas, "numeric") if c["by"] == "gender")

    groups = {g["value"]: g for g in gender["groups"]}
    assert groups["K"]["mean"] > groups["M"]["mean"]
    assert "median" in groups["K"]
    assert gender["chi_square"] is not None and gender["chi_square"]["p_value"] < 0.01
    assert gender["note_code"] == "tested"
    assert gender["note"] == (
        "test na przedziałach kwartylowych wartości (Q1–Q4); policzono dla 2 grup i 4 kategorii"
    )


def test_quartile_bins_split_evenly_spread_values_into_four() -> None:
    bins = quartile_bins([float(v) for v in range(1, 9)])

    assert Counter(bins) == {"Q1": 2, "Q2": 2, "Q3": 2, "Q4": 2}
