"""Price a focus group before it runs, from the prompts it will send.

Every cell's prompt is built as the answering node builds it (the persona, its memory of
earlier answers, the question, the JSON instruction of the question's schema) and counted
with the model's token counter. What is not known yet is stood in for by typical text: a
remembered or quoted answer takes ``TYPICAL_SHARE`` of its type's cap, an answer likewise.
Discussion rounds count their digests; analysis counts its sentiment and theme-label calls;
a ``generate`` request counts an allowance per persona written by a model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import BaseMessage, convert_to_messages

from tools.focus_group.prompting import DIGEST_ANSWERS, discussion_messages, question_messages
from tools.focus_group.questions import (
    ANSWER_CHARS,
    REACTION_CHARS,
    TYPICAL_SHARE,
    answer_schema,
    reaction_schema,
)
from tools.models.structured import with_schema_instruction
from tools.models.tokens import TokenCounter
from tools.models.usage import call_cost

# Stand-in prose of typical Polish answers (its words and characters are what counts).
FILLER = (
    "Myślę, że to zależy od ceny i od tego, jak często bym z tego korzystał na co dzień. "
    "Gdyby koszty były rozsądne, a obsługa prosta, chętnie bym spróbował, ale na razie "
    "mam sporo wątpliwości co do zasięgu, serwisu i tego, ile to naprawdę kosztuje. "
)
SENTIMENT_BATCH = 20  # answers per sentiment call
SENTIMENT_TOKENS_OUT = 12  # per answer: {"id": ..., "label": ...}
THEME_LABEL_TOKENS = (450, 120)  # input, output of one open question's theme-label call
# Persona generation per persona written by a model: ~1,300 prompt and ~250 answer tokens an
# attempt, ~1.5 attempts (evals/persona_generation on Qwen2.5-1.5B).
GENERATE_TOKENS = (1950, 375)


def stand_in_personas(count: int) -> list[dict[str, Any]]:
    """Personas to price a ``generate`` request with before its personas exist: a typical
    profile with a story of typical length."""
    persona = {
        "id": "typical",
        "first_name": "Katarzyna",
        "last_name": "Wiśniewska",
        "age": 41,
        "gender": "kobieta",
        "education": "średnie",
        "income_bracket": "5000-7500 PLN",
        "location": "Łódź",
        "occupation": "księgowa",
        "background_story": filler(420),
        "values": ["rodzina", "bezpieczeństwo", "uczciwość", "rozwój"],
        "interests": ["ogród", "podróże", "książki", "gotowanie"],
    }
    return [persona] * count


def filler(chars: int) -> str:
    """``chars`` characters of typical Polish prose."""
    text = FILLER * (chars // len(FILLER) + 1)
    return text[:chars].rstrip()


def typical_answer(question: dict[str, Any], share: float = TYPICAL_SHARE) -> dict[str, Any]:
    """A stand-in answer of typical length for a question (memory, digests)."""
    prose = filler(int(ANSWER_CHARS[question["type"]] * share))
    kind = question["type"]
    if kind == "open":
        return {"text": prose}
    if kind == "likert":
        return {"point": (question["scale"] + 1) // 2, "reason": prose}
    if kind == "single_choice":
        return {"option": question["options"][0]["id"]}
    if kind == "multi_choice":
        return {"options": [o["id"] for o in question["options"][:2]]}
    return {"value": question["min"]}


def _prompt_tokens(counter: TokenCounter, messages: list[tuple[str, str]], schema: Any) -> int:
    asked: list[BaseMessage] = with_schema_instruction(convert_to_messages(messages), schema)
    return counter.count_messages(asked)


def _output_tokens(counter: TokenCounter, chars: int) -> int:
    return max(1, counter.count_text(filler(int(chars * TYPICAL_SHARE))))


def estimate(
    personas: list[dict[str, Any]],
    questions: list[dict[str, Any]],
    *,
    memory: str,
    rounds: int,
    ref: str,
    counter: TokenCounter,
    prices: Mapping[str, tuple[float, float]],
    sentiment_by_model: bool,
    theme_labels_by: str | None,
    generate_count: int = 0,
) -> dict[str, Any]:
    """Return ``{tokens, usd, calls, cells, per_question, analysis, generate, ...}``."""
    per_question = {q["id"]: {"id": q["id"], "tokens": 0, "usd": 0.0} for q in questions}
    calls = 0
    for persona in personas:
        earlier: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for question in questions:
            messages = question_messages(persona, question, memory=memory, earlier=earlier)
            tokens_in = _prompt_tokens(counter, messages, answer_schema(question))
            tokens_out = _output_tokens(counter, ANSWER_CHARS[question["type"]])
            for _ in range(rounds):
                others = [typical_answer(question)] * min(DIGEST_ANSWERS, len(personas) - 1)
                talk = discussion_messages(persona, question, typical_answer(question), others)
                round_in = _prompt_tokens(counter, talk, reaction_schema(question))
                round_out = _output_tokens(counter, REACTION_CHARS)
                tokens_in, tokens_out = tokens_in + round_in, tokens_out + round_out
            line = per_question[question["id"]]
            line["tokens"] += tokens_in + tokens_out
            line["usd"] += call_cost(prices, ref, tokens_in, tokens_out)
            calls += 1 + rounds
            earlier.append((question, typical_answer(question)))
    analysis = {"tokens": 0, "usd": 0.0, "calls": 0}
    prose = [q for q in questions if q["type"] in ("open", "likert")]
    if sentiment_by_model and prose:
        n = len(personas)
        batches = math.ceil(n / SENTIMENT_BATCH) * len(prose)
        item = counter.count_text(filler(int(ANSWER_CHARS["open"] * TYPICAL_SHARE)))
        tokens_in = batches * 120 + n * len(prose) * item
        tokens_out = n * len(prose) * SENTIMENT_TOKENS_OUT
        analysis["tokens"] += tokens_in + tokens_out
        analysis["usd"] += call_cost(prices, ref, tokens_in, tokens_out)
        analysis["calls"] += batches
    opens = sum(q["type"] == "open" for q in questions)
    if theme_labels_by and opens:
        tokens_in, tokens_out = (t * opens for t in THEME_LABEL_TOKENS)
        analysis["tokens"] += tokens_in + tokens_out
        analysis["usd"] += call_cost(prices, theme_labels_by, tokens_in, tokens_out)
        analysis["calls"] += opens
    generate = {"tokens": 0, "usd": 0.0}
    if generate_count:
        tokens_in, tokens_out = (t * generate_count for t in GENERATE_TOKENS)
        generate = {
            "tokens": tokens_in + tokens_out,
            "usd": call_cost(prices, ref, tokens_in, tokens_out),
        }
    answer_tokens = sum(q["tokens"] for q in per_question.values())
    answer_usd = sum(q["usd"] for q in per_question.values())
    return {
        "tokens": answer_tokens + analysis["tokens"] + generate["tokens"],
        "usd": round(answer_usd + analysis["usd"] + generate["usd"], 6),
        "calls": calls + analysis["calls"],
        "cells": len(personas) * len(questions) * (1 + rounds),
        "per_question": [{**q, "usd": round(q["usd"], 6)} for q in per_question.values()],
        "answers": {"tokens": answer_tokens, "usd": round(answer_usd, 6)},
        "analysis": {**analysis, "usd": round(analysis["usd"], 6)},
        "generate": {**generate, "usd": round(generate["usd"], 6)},
        "model": ref,
        "counter": counter.name,
    }


def over_budget(estimate_: dict[str, Any], budget: dict[str, Any]) -> bool:
    """Whether the estimate is over either limit of the budget."""
    tokens, usd = budget.get("max_tokens"), budget.get("max_usd")
    return (tokens is not None and estimate_["tokens"] > tokens) or (
        usd is not None and estimate_["usd"] > usd
    )
