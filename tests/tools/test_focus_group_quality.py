"""Answer quality: structured-output validity, Polish share, near duplicates per question."""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.focus_group.quality import NEAR_DUPLICATE_COSINE, answer_quality


def _row(
    rid: str,
    *,
    status: str = "answered",
    question: str = "q1",
    text: str = "Podoba mi się ten pomysł.",
    checks: list[str] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": rid,
        "question_id": question,
        "status": status,
        "text": text,
        "checks": checks or [],
        "error": {"code": error, "message": "..."} if error else None,
    }


def _at_cosine(cosine: float) -> list[float]:
    """A unit vector at ``cosine`` to [1, 0]."""
    return [cosine, float(np.sqrt(1 - cosine**2))]


def test_structured_valid_share_counts_only_invalid_output_failures_against_answered() -> None:
    rows = [
        _row("a1"),
        _row("a2"),
        _row("a3"),
        _row("f1", status="failed", text="", error="structured_output_invalid"),
        _row("f2", status="failed", text="", error="model_error"),
        _row("f3", status="failed", text="", error=None),
        _row("s1", status="skipped_budget", text=""),
    ]

    quality = answer_quality(rows, {})

    assert quality["structured_valid_share"] == 0.75  # 3 answered of 3 + 1 invalid
    assert (quality["cells"], quality["answered"], quality["failed"]) == (7, 3, 3)
    assert quality["skipped_budget"] == 1


def test_structured_valid_share_is_none_when_nothing_was_asked_to_completion() -> None:
    rows = [_row("f1", status="failed", error="model_error"), _row("s1", status="skipped_budget")]

    quality = answer_quality(rows, {})

    assert quality["structured_valid_share"] is None
    assert quality["polish_share"] is None
    assert quality["near_duplicate_share"] is None
    assert quality["prose_answers"] == 0


def test_polish_share_counts_prose_answers_without_language_flags() -> None:
    rows = [
        _row("a1"),
        _row("a2", checks=["text_not_polish"]),
        _row("a3", checks=["text_mixed_language", "text_too_short"]),
        _row("a4", checks=["text_too_short"]),
        _row("c1", text=""),  # a choice answer has no prose
        _row("f1", status="failed", text="Some text", checks=["text_not_polish"]),
    ]

    quality = answer_quality(rows, {})

    assert quality["prose_answers"] == 4
    assert quality["polish_share"] == 0.5
    assert quality["flagged"] == {
        "text_mixed_language": 1,
        "text_not_polish": 1,
        "text_too_short": 2,
    }


def test_near_duplicates_are_answers_with_a_close_twin_in_the_same_question() -> None:
    rows = [_row(f"a{i}") for i in range(4)]
    vectors = {
        "a0": [1.0, 0.0],
        "a1": _at_cosine(0.99),  # a near copy of a0
        "a2": [0.0, 1.0],
        "a3": [-1.0, 0.0],
    }

    quality = answer_quality(rows, vectors)

    assert quality["near_duplicate_share"] == 0.5  # a0 and a1, each has a twin


def test_near_duplicates_are_not_counted_across_questions() -> None:
    rows = [_row("a0", question="q1"), _row("a1", question="q2")]
    vectors = {"a0": [1.0, 0.0], "a1": [1.0, 0.0]}

    assert answer_quality(rows, vectors)["near_duplicate_share"] == 0.0


def test_near_duplicates_are_copies_not_paraphrases_whatever_the_vector_length() -> None:
    rows = [_row("a0"), _row("a1"), _row("b0", question="q2"), _row("b1", question="q2")]
    vectors = {
        "a0": [3.0, 0.0],  # unnormalised: the cosine is what counts
        "a1": [10 * x for x in _at_cosine(NEAR_DUPLICATE_COSINE + 1e-9)],
        "b0": [1.0, 0.0],
        "b1": _at_cosine(0.95),  # a paraphrase, not a copy
    }

    assert answer_quality(rows, vectors)["near_duplicate_share"] == 0.5


def test_answers_without_a_vector_count_in_the_share_but_never_as_duplicates() -> None:
    rows = [_row("a0"), _row("a1"), _row("a2"), _row("a3")]
    vectors = {"a0": [1.0, 0.0], "a1": [1.0, 0.0]}

    assert answer_quality(rows, vectors)["near_duplicate_share"] == 0.5


def test_zero_vector_is_not_a_duplicate_of_anything() -> None:
    rows = [_row("a0"), _row("a1")]

    quality = answer_quality(rows, {"a0": [0.0, 0.0], "a1": [1.0, 0.0]})

    assert quality["near_duplicate_share"] == 0.0
