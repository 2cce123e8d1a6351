"""Focus-group request validation: every problem at once, named by field."""

from __future__ import annotations

from typing import Any

import pytest

from sight.errors import InputValidationError
from tools.focus_group.questions import LIKERT_LABELS
from tools.focus_group.request import MAX_PERSONAS, validate_request

OPEN = {"id": "q1", "text": "Co sądzisz o nowym abonamencie?", "type": "open"}


def _request(**fields: Any) -> dict[str, Any]:
    return {"personas": ["p1", "p2"], "questions": [OPEN], **fields}


def _problems(raw: Any, **kwargs: Any) -> dict[str, str]:
    """{field: message} of a rejected request (fails the test when it is accepted)."""
    with pytest.raises(InputValidationError) as caught:
        validate_request(raw, **kwargs)
    return {p["field"]: p["message"] for p in caught.value.problems}


def _generate_checker(counts: list[int]):
    def check(raw: Any) -> dict[str, Any]:
        return {"segments": [{"count": n} for n in counts]}

    return check


# --- the whole request --------------------------------------------------------------------


def test_minimal_survey_gets_defaults() -> None:
    request = validate_request(_request())

    assert request == {
        "personas": ["p1", "p2"],
        "generate": None,
        "questions": [OPEN],
        "mode": "survey",
        "memory": "full",
        "rounds": 0,
        "budget": {},
        "estimate_only": False,
    }


def test_when_input_is_not_an_object_then_one_problem_names_input() -> None:
    assert _problems(["personas"]) == {"input": "must be a JSON object"}


def test_when_many_things_are_wrong_then_every_problem_is_listed_with_its_field() -> None:
    raw = {
        "personas": ["p1", "p1", 7],
        "questions": [
            {"id": "bad id!", "text": "", "type": "open"},
            {"id": "q2", "text": "Ile?", "type": "numeric", "min": 5, "max": 1},
            {"id": "q3", "text": "Jak?", "type": "poll"},
        ],
        "mode": "survey",
        "rounds": 2,
        "budget": {"max_tokens": 0, "max_usd": -1, "cents": 5},
        "estimate_only": "yes",
        "colour": "red",
    }

    problems = _problems(raw)

    assert set(problems) == {
        "colour",
        "estimate_only",
        "budget.cents",
        "budget.max_tokens",
        "budget.max_usd",
        "personas",
        "personas[2]",
        "questions[0].id",
        "questions[0].text",
        "questions[1].min",
        "questions[2].type",
        "rounds",
    }
    assert "p1" in problems["personas"]
    assert "open" in problems["questions[2].type"]


def test_when_questions_missing_or_too_many_then_questions_problem() -> None:
    assert "questions" in _problems({"personas": ["p1"]})
    assert "questions" in _problems(_request(questions=[]))
    many = [{**OPEN, "id": f"q{i}"} for i in range(31)]
    assert "questions" in _problems(_request(questions=many))
    assert validate_request(_request(questions=many[:30]))["questions"][29]["id"] == "q29"


def test_when_question_ids_repeat_then_the_duplicate_is_named() -> None:
    problems = _problems(_request(questions=[OPEN, {**OPEN, "text": "Inne pytanie?"}]))

    assert problems == {"questions": "question id 'q1' appears more than once"}


def test_when_question_is_not_an_object_then_its_index_is_named() -> None:
    problems = _problems(_request(questions=[OPEN, "Co sądzisz?"]))

    assert list(problems) == ["questions[1]"]


def test_question_text_is_stripped_and_limited_to_500_characters() -> None:
    request = validate_request(_request(questions=[{**OPEN, "text": "  Co?  "}]))
    assert request["questions"][0]["text"] == "Co?"

    problems = _problems(_request(questions=[{**OPEN, "text": "x" * 501}]))
    assert problems == {"questions[0].text": "at most 500 characters, got 501"}


def test_question_id_of_41_characters_is_refused() -> None:
    assert "questions[0].id" in _problems(_request(questions=[{**OPEN, "id": "q" * 41}]))
    assert validate_request(_request(questions=[{**OPEN, "id": "Q_-9" * 10}]))


def test_question_id_with_trailing_newline_is_refused() -> None:
    assert "questions[0].id" in _problems(_request(questions=[{**OPEN, "id": "q1\n"}]))


def test_field_of_another_question_type_is_refused() -> None:
    problems = _problems(_request(questions=[{**OPEN, "scale": 5, "options": ["a", "b"]}]))

    assert problems == {
        "questions[0].options": "not a field of a open question",
        "questions[0].scale": "not a field of a open question",
    }


# --- question types -----------------------------------------------------------------------


def test_likert_defaults_to_five_points_with_polish_labels() -> None:
    question = {"id": "buy", "text": "Czy kupisz?", "type": "likert"}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert canonical["scale"] == 5
    assert canonical["labels"] == LIKERT_LABELS[5]


def test_likert_seven_points_take_seven_given_labels_stripped() -> None:
    labels = [f" punkt {i} " for i in range(1, 8)]
    question = {"id": "buy", "text": "Czy kupisz?", "type": "likert", "scale": 7, "labels": labels}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert canonical["scale"] == 7
    assert canonical["labels"] == [f"punkt {i}" for i in range(1, 8)]


@pytest.mark.parametrize("scale", [3, 6, 10, True, "5"])
def test_likert_scale_other_than_five_or_seven_is_refused(scale) -> None:
    question = {"id": "buy", "text": "Czy kupisz?", "type": "likert", "scale": scale}

    assert "questions[0].scale" in _problems(_request(questions=[question]))


@pytest.mark.parametrize(
    "labels",
    [["a", "b", "c", "d"], ["a", "b", "c", "d", " "], ["a", "b", "c", "d", "x" * 81], "a,b,c"],
)
def test_likert_labels_must_be_one_per_point_of_1_to_80_characters(labels) -> None:
    question = {"id": "buy", "text": "Czy kupisz?", "type": "likert", "labels": labels}

    problems = _problems(_request(questions=[question]))

    assert problems == {"questions[0].labels": "must be 5 labels of 1-80 characters"}


def test_likert_float_scale_is_refused_or_made_whole() -> None:
    question = {"id": "buy", "text": "Czy kupisz?", "type": "likert", "scale": 5.0}

    try:
        canonical = validate_request(_request(questions=[question]))["questions"][0]
    except InputValidationError:
        return
    assert type(canonical["scale"]) is int


def test_choice_options_given_as_strings_get_letter_ids() -> None:
    question = {"id": "pick", "text": "Który?", "type": "single_choice", "options": ["X", " Y "]}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert canonical["options"] == [{"id": "a", "text": "X"}, {"id": "b", "text": "Y"}]


def test_choice_options_given_as_objects_keep_their_ids() -> None:
    options = [{"id": "tak", "text": "Tak"}, "Nie"]
    question = {"id": "pick", "text": "Który?", "type": "single_choice", "options": options}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert canonical["options"] == [{"id": "tak", "text": "Tak"}, {"id": "b", "text": "Nie"}]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["jedna"], "questions[0].options"),
        ([f"o{i}" for i in range(13)], "questions[0].options"),
        ("a, b", "questions[0].options"),
        (["A", "a"], "questions[0].options"),  # texts unique regardless of case
        ([{"id": "x", "text": "X"}, {"id": "x", "text": "Y"}], "questions[0].options"),
        ([{"id": "b", "text": "X"}, "Y"], "questions[0].options"),  # "Y" gets id b too
        (["X", {"id": "bad id", "text": "Y"}], "questions[0].options[1].id"),
        (["X", {"id": "y"}], "questions[0].options[1].text"),
        (["X", {"id": "y", "text": "Y", "extra": 1}], "questions[0].options[1]"),
        (["X", 5], "questions[0].options[1]"),
        (["X", "y" * 201], "questions[0].options[1].text"),
    ],
)
def test_choice_options_rules(options, field) -> None:
    question = {"id": "pick", "text": "Który?", "type": "single_choice", "options": options}

    assert field in _problems(_request(questions=[question]))


def test_twelve_options_are_allowed() -> None:
    options = [f"opcja {i}" for i in range(12)]
    question = {"id": "pick", "text": "Które?", "type": "multi_choice", "options": options}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert [o["id"] for o in canonical["options"]] == list("abcdefghijkl")


def test_multi_choice_max_choices_is_clipped_to_the_options() -> None:
    question = {
        "id": "pick",
        "text": "Które?",
        "type": "multi_choice",
        "options": ["X", "Y", "Z"],
        "max_choices": 9,
    }

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert canonical["max_choices"] == 3


@pytest.mark.parametrize("most", [0, -1, 1.5, True, "2"])
def test_multi_choice_max_choices_must_be_a_whole_number_from_one(most) -> None:
    question = {
        "id": "pick",
        "text": "Które?",
        "type": "multi_choice",
        "options": ["X", "Y"],
        "max_choices": most,
    }

    assert "questions[0].max_choices" in _problems(_request(questions=[question]))


def test_single_choice_takes_no_max_choices() -> None:
    question = {
        "id": "pick",
        "text": "Który?",
        "type": "single_choice",
        "options": ["X", "Y"],
        "max_choices": 1,
    }

    assert "questions[0].max_choices" in _problems(_request(questions=[question]))


def test_numeric_keeps_range_and_unit() -> None:
    question = {"id": "n", "text": "Ile?", "type": "numeric", "min": 0, "max": 99.5, "unit": "zł"}

    canonical = validate_request(_request(questions=[question]))["questions"][0]

    assert (canonical["min"], canonical["max"], canonical["unit"]) == (0, 99.5, "zł")


@pytest.mark.parametrize(
    ("low", "high"),
    [(None, 10), (0, None), (5, 5), (10, 1), (True, 10), ("0", 10), (0, float("inf"))],
)
def test_numeric_needs_numbers_min_below_max(low, high) -> None:
    question = {"id": "n", "text": "Ile?", "type": "numeric"}
    question |= {k: v for k, v in (("min", low), ("max", high)) if v is not None}

    assert "questions[0].min" in _problems(_request(questions=[question]))


@pytest.mark.parametrize("unit", ["", "x" * 21, 5])
def test_numeric_unit_is_1_to_20_characters(unit) -> None:
    question = {"id": "n", "text": "Ile?", "type": "numeric", "min": 0, "max": 9, "unit": unit}

    assert "questions[0].unit" in _problems(_request(questions=[question]))


# --- personas and generate ----------------------------------------------------------------


def test_personas_or_generate_exactly_one() -> None:
    assert "personas" in _problems({"questions": [OPEN]})
    assert "personas" in _problems(_request(generate={"segments": []}))


@pytest.mark.parametrize("personas", [[], "p1", [f"p{i}" for i in range(MAX_PERSONAS + 1)]])
def test_personas_must_be_1_to_500_ids(personas) -> None:
    assert "personas" in _problems(_request(personas=personas))


def test_persona_ids_must_be_strings_up_to_36_characters() -> None:
    problems = _problems(_request(personas=["p1", "", "x" * 37, None]))

    assert {"personas[1]", "personas[2]", "personas[3]"} <= set(problems)


def test_generate_is_checked_by_the_given_validator_and_kept_as_given() -> None:
    raw_generate = {"segments": [{"name": "młodzi", "count": 20}]}
    seen = []

    def check(raw: Any) -> dict[str, Any]:
        seen.append(raw)
        return {"segments": [{"count": 20}]}

    request = validate_request(
        {"generate": raw_generate, "questions": [OPEN]}, check_generate=check
    )

    assert seen == [raw_generate]
    assert (request["generate"], request["personas"]) == (raw_generate, None)


def test_generate_problems_are_prefixed_with_generate() -> None:
    def check(raw: Any) -> dict[str, Any]:
        raise InputValidationError([{"field": "segments[0].count", "message": "must be >= 1"}])

    problems = _problems(
        {"generate": {"segments": []}, "questions": [OPEN], "mode": "debate"},
        check_generate=check,
    )

    assert problems == {
        "generate.segments[0].count": "must be >= 1",
        "mode": "must be survey or discussion",
    }


def test_generate_of_more_than_500_personas_is_refused() -> None:
    raw = {"generate": {"segments": []}, "questions": [OPEN]}

    problems = _problems(raw, check_generate=_generate_checker([300, 201]))

    assert problems == {"generate": "at most 500 personas, got 501"}
    assert validate_request(raw, check_generate=_generate_checker([300, 200]))["generate"]


def test_generate_without_validator_is_kept_as_given() -> None:
    request = validate_request({"generate": {"anything": 1}, "questions": [OPEN]})

    assert request["generate"] == {"anything": 1}


# --- mode, memory, rounds -----------------------------------------------------------------


@pytest.mark.parametrize("memory", ["none", "full", "lagged:1", "lagged:29"])
def test_survey_memory_values_are_accepted(memory) -> None:
    assert validate_request(_request(memory=memory))["memory"] == memory


@pytest.mark.parametrize("memory", ["lagged:0", "lagged:", "lagged:x", "partial", 3, "lagged:100"])
def test_survey_memory_other_values_are_refused(memory) -> None:
    assert "memory" in _problems(_request(memory=memory))


def test_survey_memory_with_trailing_newline_is_refused() -> None:
    assert "memory" in _problems(_request(memory="none\n"))


def test_survey_memory_lagged_above_29_is_refused_as_the_message_says() -> None:
    assert "memory" in _problems(_request(memory="lagged:30"))


def test_survey_takes_no_rounds() -> None:
    assert _problems(_request(rounds=1)) == {"rounds": "only for mode discussion"}


def test_discussion_defaults_to_one_round_and_no_memory() -> None:
    request = validate_request(_request(mode="discussion"))

    assert (request["mode"], request["memory"], request["rounds"]) == ("discussion", "none", 1)


def test_discussion_takes_no_memory() -> None:
    assert "memory" in _problems(_request(mode="discussion", memory="full"))


@pytest.mark.parametrize("rounds", [0, 4, True, 1.0, "2"])
def test_discussion_rounds_are_1_to_3(rounds) -> None:
    assert "rounds" in _problems(_request(mode="discussion", rounds=rounds))
    assert validate_request(_request(mode="discussion", rounds=3))["rounds"] == 3


# --- budget, estimate_only, rerun_failed --------------------------------------------------


def test_budget_fields_are_kept_with_usd_as_float() -> None:
    request = validate_request(
        _request(budget={"max_tokens": 5000, "max_usd": 2}, estimate_only=True)
    )

    assert request["budget"] == {"max_tokens": 5000, "max_usd": 2.0}
    assert isinstance(request["budget"]["max_usd"], float)
    assert request["estimate_only"] is True


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"max_tokens": 1.5}, "budget.max_tokens"),
        ({"max_tokens": True}, "budget.max_tokens"),
        ({"max_tokens": "100"}, "budget.max_tokens"),
        ({"max_usd": 0}, "budget.max_usd"),
        ({"max_usd": float("nan")}, "budget.max_usd"),
        ({"max_usd": "1"}, "budget.max_usd"),
        ([100], "budget"),
    ],
)
def test_budget_rules(budget, field) -> None:
    assert field in _problems(_request(budget=budget))


def test_rerun_failed_takes_only_budget_and_estimate_only() -> None:
    request = validate_request(
        {"rerun_failed": "fg-1", "budget": {"max_usd": 1.0}, "estimate_only": False}
    )

    assert request == {"rerun_failed": "fg-1", "budget": {"max_usd": 1.0}, "estimate_only": False}


def test_rerun_failed_with_a_setup_field_names_each_such_field() -> None:
    problems = _problems({"rerun_failed": "fg-1", "personas": ["p1"], "mode": "survey", "x": 1})

    assert problems["personas"].startswith("not with rerun_failed")
    assert problems["mode"].startswith("not with rerun_failed")
    assert problems["x"].startswith("unknown field")


@pytest.mark.parametrize("source", ["", 7, "x" * 37])
def test_rerun_failed_must_be_a_focus_group_id(source) -> None:
    assert "rerun_failed" in _problems({"rerun_failed": source})
