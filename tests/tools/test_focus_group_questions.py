"""Focus-group questions: answer and reaction schemas per type, how answers read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.focus_group.questions import (
    LIKERT_LABELS,
    Reaction,
    answer_fields,
    answer_prose,
    answer_schema,
    describe_answer,
    reaction_schema,
)

OPEN = {"id": "opinia", "text": "Co sądzisz?", "type": "open"}
LIKERT = {
    "id": "zakup",
    "text": "Czy kupisz?",
    "type": "likert",
    "scale": 5,
    "labels": LIKERT_LABELS[5],
}
LIKERT7 = {**LIKERT, "id": "zakup7", "scale": 7, "labels": LIKERT_LABELS[7]}
OPTIONS = [
    {"id": "tak", "text": "Tak"},
    {"id": "nie", "text": "Nie"},
    {"id": "nw", "text": "Nie wiem"},
]
SINGLE = {"id": "wybor", "text": "Który?", "type": "single_choice", "options": OPTIONS}
MULTI = {
    "id": "wiele",
    "text": "Które?",
    "type": "multi_choice",
    "options": OPTIONS,
    "max_choices": 2,
}
NUMERIC = {"id": "kwota", "text": "Ile?", "type": "numeric", "min": 0, "max": 100, "unit": "zł"}


def _valid(question, data) -> bool:
    try:
        answer_schema(question).model_validate(data)
    except ValidationError:
        return False
    return True


# --- answer schemas -----------------------------------------------------------------------


@pytest.mark.parametrize(("point", "valid"), [(0, False), (1, True), (5, True), (6, False)])
def test_likert_schema_takes_points_1_to_scale_only(point, valid) -> None:
    assert _valid(LIKERT, {"point": point, "reason": "Bo tak uważam."}) is valid


def test_likert_seven_point_schema_takes_seven() -> None:
    assert _valid(LIKERT7, {"point": 7, "reason": "Bardzo chcę."})
    assert not _valid(LIKERT7, {"point": 8, "reason": "Bardzo chcę."})


def test_likert_schema_needs_a_reason_of_two_characters_at_least() -> None:
    assert not _valid(LIKERT, {"point": 3})
    assert not _valid(LIKERT, {"point": 3, "reason": " x "})
    assert not _valid(LIKERT, {"point": 3, "reason": "x" * 301})


def test_single_choice_schema_rejects_an_unknown_option_id() -> None:
    assert _valid(SINGLE, {"option": "nw"})
    assert not _valid(SINGLE, {"option": "moze"})
    assert not _valid(SINGLE, {"option": "Tak"})  # the text, not the id


def test_multi_choice_schema_takes_known_ids_up_to_max_choices() -> None:
    assert _valid(MULTI, {"options": ["tak", "nw"]})
    assert not _valid(MULTI, {"options": ["tak", "moze"]})
    assert not _valid(MULTI, {"options": []})
    assert not _valid(MULTI, {"options": ["tak", "nie", "nw"]})
    assert _valid({**MULTI, "max_choices": None}, {"options": ["tak", "nie", "nw"]})


def test_numeric_schema_takes_values_in_range() -> None:
    assert _valid(NUMERIC, {"value": 0})
    assert _valid(NUMERIC, {"value": 99.5})
    assert not _valid(NUMERIC, {"value": -0.01})
    assert not _valid(NUMERIC, {"value": 100.5})


def test_open_schema_takes_2_to_600_characters_of_text() -> None:
    assert _valid(OPEN, {"text": "Podoba mi się."})
    assert not _valid(OPEN, {"text": "x"})
    assert not _valid(OPEN, {"text": "x" * 601})
    assert not _valid(OPEN, {})


def test_answer_schema_is_cached_per_question_and_differs_between_questions() -> None:
    first = answer_schema(LIKERT)

    assert answer_schema(dict(reversed(list(LIKERT.items())))) is first
    assert answer_schema(LIKERT7) is not first
    assert first.__name__ == "Answer_zakup"


def test_answer_schema_of_unknown_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown question type"):
        answer_schema({"id": "x", "text": "?", "type": "ranking"})


# --- reaction schemas ---------------------------------------------------------------------


def test_reaction_to_open_question_is_text_and_changed_only() -> None:
    schema = reaction_schema(OPEN)

    assert schema is Reaction
    assert set(schema.model_fields) == {"text", "changed"}


def test_reaction_to_likert_may_carry_a_changed_answer_or_none() -> None:
    schema = reaction_schema(LIKERT)

    kept = schema.model_validate({"text": "Zostaję przy swoim.", "changed": False})
    moved = schema.model_validate(
        {"text": "Przekonali mnie.", "changed": True, "point": 2, "reason": "Jednak za drogo."}
    )

    assert (kept.point, kept.reason) == (None, None)
    assert moved.point == 2
    assert answer_fields(kept) == {"text": "Zostaję przy swoim."}
    assert answer_fields(moved) == {
        "text": "Przekonali mnie.",
        "point": 2,
        "reason": "Jednak za drogo.",
    }


def test_reaction_to_choice_rejects_an_unknown_option_id() -> None:
    schema = reaction_schema(SINGLE)

    with pytest.raises(ValidationError):
        schema.model_validate({"text": "Zmieniam zdanie.", "changed": True, "option": "moze"})


@pytest.mark.parametrize(
    ("question", "changed"),
    [
        (LIKERT, {"point": 9}),
        (NUMERIC, {"value": 1000}),
        (MULTI, {"options": ["tak", "nie", "nw"]}),
    ],
)
def test_reaction_changed_answer_obeys_the_questions_own_limits(question, changed) -> None:
    with pytest.raises(ValidationError):
        reaction_schema(question).model_validate(
            {"text": "Zmieniam zdanie.", "changed": True, **changed}
        )


# --- how answers read ---------------------------------------------------------------------


def test_describe_answer_reads_each_type_in_a_short_line() -> None:
    assert describe_answer(OPEN, {"text": "Fajne."}) == "Fajne."
    assert (
        describe_answer(LIKERT, {"point": 4, "reason": "Bo tanio."})
        == "4/5 (raczej tak). Bo tanio."
    )
    assert describe_answer(LIKERT7, {"point": 2, "reason": ""}) == "2/7 (nie)."
    assert describe_answer(SINGLE, {"option": "nw"}) == "Nie wiem"
    assert describe_answer(SINGLE, {"option": "zzz"}) == "zzz"
    assert describe_answer(MULTI, {"options": ["tak", "nw"]}) == "Tak, Nie wiem"
    assert describe_answer(NUMERIC, {"value": 12.5}) == "12.5 zł"
    assert describe_answer({**NUMERIC, "unit": None}, {"value": 3}) == "3"


def test_answer_prose_is_open_text_or_likert_reason_and_empty_otherwise() -> None:
    assert answer_prose(OPEN, {"text": "Podoba mi się."}) == "Podoba mi się."
    assert answer_prose(LIKERT, {"point": 4, "reason": "Bo tanio."}) == "Bo tanio."
    assert answer_prose(LIKERT, {"point": 4}) == ""
    assert answer_prose(SINGLE, {"option": "tak"}) == ""
    assert answer_prose(NUMERIC, {"value": 5}) == ""
