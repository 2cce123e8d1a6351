"""Focus-group estimate: counted prompts of every cell, typical answers, analysis, prices."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import convert_to_messages

from tests.tools.model_fakes import policy_settings, scripted_router
from tools.focus_group.estimate import (
    GENERATE_TOKENS,
    THEME_LABEL_TOKENS,
    estimate,
    filler,
    over_budget,
    typical_answer,
)
from tools.focus_group.prompting import question_messages
from tools.focus_group.questions import ANSWER_CHARS, LIKERT_LABELS, TYPICAL_SHARE, answer_schema
from tools.models.structured import with_schema_instruction
from tools.models.tokens import CharCounter, WordCounter
from tools.models.usage import call_cost

REF = "fake/a"
PERSONAS = [
    {
        "first_name": name,
        "last_name": "Nowak",
        "gender": gender,
        "age": age,
        "location": place,
        "education": "średnie",
        "occupation": "kierowca",
        "income_bracket": "3000-5000 PLN",
        "background_story": "Pracuje od rana do wieczora i lubi spokojne weekendy.",
        "values": ["rodzina"],
        "interests": ["wędkarstwo", "piłka nożna"],
    }
    for name, gender, age, place in [
        ("Jan", "mężczyzna", 41, "Radom"),
        ("Ewa", "kobieta", 33, "Gdańsk"),
        ("Piotr", "mężczyzna", 58, "Kraków"),
    ]
]
OPEN = {"id": "opinia", "text": "Co sądzisz o abonamencie na rowery miejskie?", "type": "open"}
LIKERT = {
    "id": "zakup",
    "text": "Czy kupisz taki abonament?",
    "type": "likert",
    "scale": 5,
    "labels": LIKERT_LABELS[5],
}
SINGLE = {
    "id": "pakiet",
    "text": "Który pakiet wybierzesz?",
    "type": "single_choice",
    "options": [{"id": "a", "text": "Miesięczny"}, {"id": "b", "text": "Roczny"}],
}
MULTI = {**SINGLE, "id": "pory", "type": "multi_choice", "text": "Kiedy?"}
NUMERIC = {
    "id": "kwota",
    "text": "Ile zapłacisz miesięcznie?",
    "type": "numeric",
    "min": 0,
    "max": 300,
}
QUESTIONS = [OPEN, LIKERT, SINGLE, MULTI, NUMERIC]


def _estimate(
    personas=PERSONAS,
    questions=QUESTIONS,
    *,
    memory: str = "none",
    rounds: int = 0,
    counter: Any = None,
    prices: dict[str, tuple[float, float]] | None = None,
    sentiment_by_model: bool = False,
    theme_labels_by: str | None = None,
    generate_count: int = 0,
) -> dict[str, Any]:
    return estimate(
        personas,
        questions,
        memory=memory,
        rounds=rounds,
        ref=REF,
        counter=counter or WordCounter(),
        prices=prices or {},
        sentiment_by_model=sentiment_by_model,
        theme_labels_by=theme_labels_by,
        generate_count=generate_count,
    )


def _typical_out(question: dict[str, Any]) -> int:
    return WordCounter().count_text(filler(int(ANSWER_CHARS[question["type"]] * TYPICAL_SHARE)))


def _counted_prompt(persona: dict[str, Any], question: dict[str, Any]) -> int:
    messages = convert_to_messages(question_messages(persona, question, memory="none"))
    return WordCounter().count_messages(with_schema_instruction(messages, answer_schema(question)))


# --- typical text -------------------------------------------------------------------------


@pytest.mark.parametrize("chars", [0, 1, 50, 420, 2000])
def test_filler_is_polish_prose_of_about_the_asked_length(chars) -> None:
    text = filler(chars)

    assert chars - 1 <= len(text) <= chars
    assert text == text.rstrip()


def test_typical_answer_is_valid_for_each_question_type() -> None:
    for question in QUESTIONS:
        answer = typical_answer(question)
        assert answer_schema(question).model_validate(answer)
    assert typical_answer(LIKERT)["point"] == 3
    assert typical_answer({**LIKERT, "scale": 7, "labels": LIKERT_LABELS[7]})["point"] == 4
    assert typical_answer(MULTI)["options"] == ["a", "b"]
    assert typical_answer(NUMERIC)["value"] == 0


def test_typical_answer_prose_takes_the_typical_share_of_its_cap() -> None:
    assert len(typical_answer(OPEN)["text"]) == pytest.approx(ANSWER_CHARS["open"] * 0.6, abs=1)
    assert len(typical_answer(LIKERT, share=1.0)["reason"]) <= ANSWER_CHARS["likert"]


# --- answers ------------------------------------------------------------------------------


def test_survey_without_memory_is_the_counted_prompts_plus_typical_answers() -> None:
    expected = sum(_counted_prompt(p, q) + _typical_out(q) for p in PERSONAS for q in QUESTIONS)

    result = _estimate()

    assert result["tokens"] == result["answers"]["tokens"] == expected
    assert result["cells"] == result["calls"] == len(PERSONAS) * len(QUESTIONS)
    assert result["counter"] == "words"
    assert sum(q["tokens"] for q in result["per_question"]) == expected
    opinia = next(q for q in result["per_question"] if q["id"] == "opinia")
    assert opinia["tokens"] == sum(_counted_prompt(p, OPEN) + _typical_out(OPEN) for p in PERSONAS)


async def test_survey_estimate_counts_exactly_the_prompt_tokens_the_fake_reports(tmp_path) -> None:
    # The policy sends question_messages with the schema instruction; the fake reports the
    # words it read, which the word counter must predict exactly.
    router, fakes = scripted_router(policy_settings(tmp_path), a=[])
    fakes[REF].script = [json.dumps(typical_answer(q)) for _ in PERSONAS for q in QUESTIONS]
    models = router.for_run("r", budget=None)
    for persona in PERSONAS:
        for question in QUESTIONS:
            messages = question_messages(persona, question, memory="none")
            await models.ainvoke("fast", messages, schema=answer_schema(question))

    typical_out = len(PERSONAS) * sum(_typical_out(q) for q in QUESTIONS)

    assert _estimate()["tokens"] - typical_out == models.usage.input_tokens


def test_memory_full_costs_more_than_lagged_one_more_than_none() -> None:
    tokens = {m: _estimate(memory=m)["tokens"] for m in ("none", "lagged:1", "full")}

    assert tokens["full"] > tokens["lagged:1"] > tokens["none"]


def test_memory_of_a_single_question_costs_nothing_extra() -> None:
    tokens = {m: _estimate(questions=[OPEN], memory=m)["tokens"] for m in ("none", "full")}

    assert tokens["full"] == tokens["none"]


def test_discussion_rounds_add_cells_calls_and_tokens() -> None:
    survey = _estimate()
    one, two = _estimate(rounds=1), _estimate(rounds=2)

    cells = len(PERSONAS) * len(QUESTIONS)
    assert (one["cells"], two["cells"]) == (2 * cells, 3 * cells)
    assert (one["calls"], two["calls"]) == (2 * cells, 3 * cells)
    assert survey["tokens"] < one["tokens"] < two["tokens"]
    # Every round costs the same: the digest stands in typical answers.
    assert two["tokens"] - one["tokens"] == one["tokens"] - survey["tokens"]


def test_discussion_of_one_persona_still_prices_its_rounds() -> None:
    alone = _estimate(personas=PERSONAS[:1], rounds=1)

    assert alone["tokens"] > _estimate(personas=PERSONAS[:1])["tokens"]


def test_more_personas_cost_proportionally_more_without_memory() -> None:
    one = _estimate(personas=[PERSONAS[0]] * 1)["tokens"]
    three = _estimate(personas=[PERSONAS[0]] * 3)["tokens"]

    assert three == 3 * one


def test_char_counter_estimate_counts_markers_and_is_larger_than_words() -> None:
    words = _estimate()["tokens"]
    chars = _estimate(counter=CharCounter(3.0, name="hosted"))

    assert chars["tokens"] > words
    assert chars["counter"] == "hosted"


# --- analysis and generation --------------------------------------------------------------


def test_sentiment_by_model_adds_analysis_tokens_for_prose_questions_only() -> None:
    plain = _estimate()
    scored = _estimate(sentiment_by_model=True)
    structured_only = _estimate(questions=[SINGLE, NUMERIC], sentiment_by_model=True)

    assert plain["analysis"] == {"tokens": 0, "usd": 0.0, "calls": 0}
    assert scored["analysis"]["tokens"] > 0
    assert scored["analysis"]["calls"] == 2  # one batch of 3 answers for each of 2 questions
    assert scored["tokens"] == plain["tokens"] + scored["analysis"]["tokens"]
    assert scored["calls"] == plain["calls"] + 2
    assert structured_only["analysis"]["tokens"] == 0


def test_sentiment_batches_grow_with_the_personas() -> None:
    many = [PERSONAS[i % 3] for i in range(41)]  # 41 answers: 3 batches of 20

    result = _estimate(personas=many, questions=[OPEN], sentiment_by_model=True)

    assert result["analysis"]["calls"] == 3


def test_theme_labels_add_one_call_per_open_question_priced_by_the_labelling_model() -> None:
    prices = {REF: (1.0, 1.0), "fake/deep": (10.0, 20.0)}
    two_open = [OPEN, {**OPEN, "id": "druga"}, LIKERT]

    result = _estimate(questions=two_open, theme_labels_by="fake/deep", prices=prices)
    without = _estimate(questions=two_open, prices=prices)
    no_open = _estimate(questions=[LIKERT], theme_labels_by="fake/deep", prices=prices)

    tokens_in, tokens_out = THEME_LABEL_TOKENS
    assert result["analysis"]["tokens"] == 2 * (tokens_in + tokens_out)
    assert result["analysis"]["calls"] == 2
    assert result["analysis"]["usd"] == pytest.approx(
        call_cost(prices, "fake/deep", 2 * tokens_in, 2 * tokens_out)
    )
    assert result["tokens"] == without["tokens"] + 2 * (tokens_in + tokens_out)
    assert no_open["analysis"]["tokens"] == 0


def test_generate_adds_an_allowance_per_generated_persona() -> None:
    result = _estimate(generate_count=10, prices={REF: (1.0, 2.0)})

    tokens_in, tokens_out = (10 * t for t in GENERATE_TOKENS)
    assert result["generate"]["tokens"] == tokens_in + tokens_out
    assert result["generate"]["usd"] == pytest.approx(tokens_in / 1000 + tokens_out / 1000 * 2)
    assert result["tokens"] == _estimate()["tokens"] + tokens_in + tokens_out


# --- prices -------------------------------------------------------------------------------


def test_usd_is_the_price_table_over_counted_input_and_typical_output() -> None:
    prices = {REF: (1.0, 2.0)}
    tokens_in = sum(_counted_prompt(p, q) for p in PERSONAS for q in QUESTIONS)
    tokens_out = len(PERSONAS) * sum(_typical_out(q) for q in QUESTIONS)

    result = _estimate(prices=prices)

    assert result["usd"] == pytest.approx(call_cost(prices, REF, tokens_in, tokens_out), abs=1e-6)
    assert result["answers"]["usd"] == result["usd"]
    assert result["model"] == REF


def test_model_missing_from_the_price_table_costs_nothing() -> None:
    result = _estimate(prices={"fake/other": (5.0, 5.0)}, sentiment_by_model=True)

    assert result["usd"] == 0.0
    assert result["tokens"] > 0


def test_over_budget_checks_either_limit() -> None:
    spend = {"tokens": 1000, "usd": 0.5}

    assert not over_budget(spend, {})
    assert not over_budget(spend, {"max_tokens": 1000, "max_usd": 0.5})
    assert over_budget(spend, {"max_tokens": 999})
    assert over_budget(spend, {"max_usd": 0.49})
    assert over_budget(spend, {"max_tokens": 10**6, "max_usd": 0.1})
