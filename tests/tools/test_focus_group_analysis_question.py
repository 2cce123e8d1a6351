"""analyse_question end to end with hand-made answers, personas and vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tools.test_focus_group_analysis_ssr import _oracle
from tools.focus_group.analysis import analyse_question, build_ssr_anchors, counted_answers
from tools.focus_group.analysis.lemmas import lemma_of


@pytest.fixture(scope="module", autouse=True)
def _polish_dictionary() -> None:
    """Load simplemma's Polish dictionary (seconds, once per process) outside the tests."""
    lemma_of("słownik")


KEYS = {"id", "text", "type", "n", "answer_ids", "homogeneity", "cuts"}


def _personas(n: int) -> dict[str, dict]:
    return {
        f"p{i}": {
            "persona_id": f"p{i}",
            "segment_id": "s1",
            "segment_name": "Kierowcy",
            "gender": "K" if i % 2 else "M",
            "age": 30 + i,
            "education": "średnie",
            "income_bracket": "3000-5000",
            "location": "Kraków",
        }
        for i in range(n)
    }


def _answer(i: int, question: str, answer: dict, text: str = "", **extra) -> dict:
    return {
        "id": f"{question}-a{i:02d}",
        "persona_id": f"p{i}",
        "question_id": question,
        "round": 0,
        "status": "answered",
        "answer": answer,
        "text": text,
        "sentiment": None,
        **extra,
    }


def test_counted_answers_keep_answered_cells_of_the_question_latest_round_per_persona() -> None:
    answers = [
        _answer(0, "q1", {"point": 2}),
        _answer(0, "q1", {"point": 4}, round=1, id="q1-a00-r1"),
        _answer(1, "q1", {"point": 5}, status="failed"),
        _answer(2, "q1", {"point": 1}, status="skipped_budget"),
        _answer(3, "q2", {"point": 3}),
    ]

    counted = counted_answers("q1", answers)

    assert [a["id"] for a in counted] == ["q1-a00-r1"]


def test_likert_question_has_distribution_ssr_sentiment_and_traceable_ids() -> None:
    reasons = ["Bardzo drogie.", "Świetny i wygodny.", "Polecam.", "Nie wiem.", "Fatalny serwis."]
    answers = [_answer(i, "q1", {"point": p}, reasons[i]) for i, p in enumerate([1, 5, 5, 3, 2])]
    answers.append(_answer(5, "q1", {"point": 4}, "x", status="failed"))
    vectors = {a["id"]: [1.0, float(i), 0.0] for i, a in enumerate(answers)}
    question = {"id": "q1", "text": "Jak bardzo prawdopodobne?", "type": "likert", "scale": 5}

    result = analyse_question(
        question, answers, _personas(6), vectors, ssr_anchors=build_ssr_anchors(_oracle(5), 5)
    )

    assert KEYS | {"distribution", "ssr", "sentiment"} <= set(result)
    assert result["n"] == 5 and len(result["answer_ids"]) == 5
    assert "q1-a05" not in result["answer_ids"]
    assert result["distribution"]["counts"] == {"1": 1, "2": 1, "3": 1, "4": 0, "5": 2}
    assert result["ssr"]["status"] == "ok" and result["ssr"]["n"] == 5
    assert set(result["ssr"]["answer_ids"]) == set(result["answer_ids"])
    assert result["sentiment"]["methods"] == {"model": 0, "lexicon": 5}
    assert result["sentiment"]["counts"]["positive"] == 2
    assert result["homogeneity"]["collapsed"] is False
    gender = next(c for c in result["cuts"] if c["by"] == "gender")
    assert sum(g["n"] for g in gender["groups"]) == 5


def test_likert_without_anchors_reports_ssr_unavailable() -> None:
    answers = [_answer(i, "q1", {"point": 3}, "Ok.") for i in range(3)]

    result = analyse_question({"id": "q1", "type": "likert"}, answers, {}, {})

    assert result["ssr"]["status"] == "unavailable"
    assert list(result["distribution"]["counts"]) == ["1", "2", "3", "4", "5"]


def test_single_choice_with_string_options_gets_letter_ids_and_collapse_alarm() -> None:
    answers = [_answer(i, "q2", {"option": "a"}) for i in range(10)]
    question = {"id": "q2", "text": "Który?", "type": "single_choice", "options": ["Tak", "Nie"]}

    result = analyse_question(question, answers, _personas(10), {})

    assert result["distribution"]["counts"] == {"a": 10, "b": 0}
    assert result["homogeneity"]["collapsed"] is True
    assert [r["code"] for r in result["homogeneity"]["reasons"]] == ["modal_share"]
    assert "sentiment" not in result and "themes" not in result


def test_multi_choice_counts_per_respondent_and_has_no_chi_square() -> None:
    options = [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}, {"id": "z", "text": "Z"}]
    answers = [_answer(i, "q3", {"options": ["x", "y"] if i % 2 else ["z"]}) for i in range(10)]
    question = {"id": "q3", "type": "multi_choice", "options": options, "max_choices": 2}

    result = analyse_question(question, answers, _personas(10), {})

    assert result["distribution"]["counts"] == {"x": 5, "y": 5, "z": 5}
    assert result["distribution"]["shares"]["x"] == pytest.approx(0.5)
    assert result["homogeneity"]["modal_share"] == pytest.approx(0.5)
    assert all(c["chi_square"] is None for c in result["cuts"])
    assert {c["note_code"] for c in result["cuts"]} == {"multi_choice"}


def test_numeric_question_has_quartiles_histogram_and_cuts() -> None:
    answers = [_answer(i, "q4", {"value": v}) for i, v in enumerate([100, 150, 200, 250, 900])]
    question = {"id": "q4", "type": "numeric", "min": 0, "max": 1000}

    result = analyse_question(question, answers, _personas(5), {})

    distribution = result["distribution"]
    assert distribution["median"] == 200.0 and distribution["max"] == 900.0
    assert (
        distribution["histogram"]["edges"][0] == 0
        and distribution["histogram"]["edges"][-1] == 1000
    )
    assert sum(distribution["histogram"]["counts"]) == 5
    assert result["homogeneity"]["modal_share"] == pytest.approx(0.4)
    gender = next(c for c in result["cuts"] if c["by"] == "gender")
    assert {"mean", "median"} <= set(gender["groups"][0])


def test_open_question_has_themes_sentiment_and_theme_cuts() -> None:
    texts = ["Za drogie, cena za wysoka."] * 5 + ["Brakuje ładowarek, ładowarki zajęte."] * 5
    answers = [_answer(i, "q5", {"text": t}, t) for i, t in enumerate(texts)]
    answers[0]["sentiment"] = {"label": "negative", "score": -0.9, "method": "model"}
    rng = np.random.default_rng(0)
    vectors = {
        a["id"]: np.eye(16)[0 if i < 5 else 1] + 0.05 * rng.normal(size=16)
        for i, a in enumerate(answers)
    }

    result = analyse_question(
        {"id": "q5", "type": "open", "text": "Co sądzisz?"}, answers, _personas(10), vectors
    )

    assert [t["size"] for t in result["themes"]] == [5, 5]
    price = next(t for t in result["themes"] if "q5-a01" in t["answer_ids"])
    charging = next(t for t in result["themes"] if "q5-a09" in t["answer_ids"])
    assert "cena" in price["label"] and "ładowarka" in charging["label"]
    assert result["sentiment"]["methods"] == {"model": 1, "lexicon": 9}
    assert result["homogeneity"]["modal_share"] == pytest.approx(0.5)
    segment = next(c for c in result["cuts"] if c["by"] == "segment_id")
    assert segment["groups"][0]["counts"] == {"t1": 5, "t2": 5}


def test_custom_scorer_replaces_the_lexicon_for_unscored_answers() -> None:
    answers = [_answer(i, "q6", {"text": "cokolwiek"}, "cokolwiek") for i in range(2)]

    result = analyse_question(
        {"id": "q6", "type": "open"},
        answers,
        {},
        {a["id"]: [1.0, 0.0] for a in answers},
        sentiment=lambda text: {"label": "positive", "score": 1.0, "method": "model"},
    )

    assert result["sentiment"]["counts"]["positive"] == 2
    assert result["sentiment"]["methods"]["model"] == 2


def test_unknown_question_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown question type"):
        analyse_question({"id": "q", "type": "ranking"}, [], {}, {})
