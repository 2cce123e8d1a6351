"""Focus-group questions: the five types, their Polish scale labels, answer schemas and sizes.

A question is canonical once validated (tools.focus_group.request): choice options are
``{id, text}``, a likert question has ``scale`` and one label per point. The answer schema
of a question is a pydantic model built from it (option ids as a Literal, the point's range),
so a model's structured output is checked against this question, not a generic shape.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, create_model
from pydantic.fields import FieldInfo

QUESTION_TYPES = ("open", "likert", "single_choice", "multi_choice", "numeric")

LIKERT_LABELS: dict[int, list[str]] = {
    5: [
        "zdecydowanie nie",
        "raczej nie",
        "ani tak, ani nie",
        "raczej tak",
        "zdecydowanie tak",
    ],
    7: [
        "zdecydowanie nie",
        "nie",
        "raczej nie",
        "ani tak, ani nie",
        "raczej tak",
        "tak",
        "zdecydowanie tak",
    ],
}

# What an answer may take, in characters of its JSON, and so in tokens: the cap a call gets
# and what a ledger reserves. Open: 1-4 sentences; likert: the point and one sentence.
ANSWER_CHARS = {"open": 700, "likert": 320, "single_choice": 60, "multi_choice": 120, "numeric": 60}
REACTION_CHARS = 450  # a discussion round's reaction: 1-2 sentences and maybe a changed answer
# How much of that an answer takes on average (estimates; reservations take the whole cap).
TYPICAL_SHARE = 0.6

Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
OpenText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=600)]


def _answer_fields(question: dict[str, Any]) -> dict[str, Any]:
    kind = question["type"]
    if kind == "open":
        return {"text": (OpenText, Field(description="1-4 zdania po polsku, w pierwszej osobie."))}
    if kind == "likert":
        scale = question["scale"]
        return {
            "point": (int, Field(ge=1, le=scale, description=f"Punkt skali 1-{scale}.")),
            "reason": (Sentence, Field(description="Jedno zdanie po polsku: dlaczego.")),
        }
    ids = tuple(o["id"] for o in question.get("options", []))
    if kind == "single_choice":
        return {"option": (Literal[ids], Field(description="Id wybranej odpowiedzi."))}
    if kind == "multi_choice":
        most = question.get("max_choices") or len(ids)
        return {
            "options": (
                list[Literal[ids]],
                Field(min_length=1, max_length=most, description="Id wybranych odpowiedzi."),
            )
        }
    if kind == "numeric":
        return {
            "value": (
                float,
                Field(ge=question["min"], le=question["max"], description="Liczba z zakresu."),
            )
        }
    raise ValueError(f"unknown question type {kind!r}")


@lru_cache(maxsize=512)
def _schema(question_json: str) -> type[BaseModel]:
    question = json.loads(question_json)
    name = "Answer_" + "".join(c if c.isalnum() else "_" for c in question["id"])
    return create_model(name, **_answer_fields(question))


def answer_schema(question: dict[str, Any]) -> type[BaseModel]:
    """The pydantic model a persona's answer to ``question`` must match (cached per question)."""
    return _schema(json.dumps(question, sort_keys=True, ensure_ascii=False))


class Reaction(BaseModel):
    """A persona's reaction in a discussion round: what it says to the others, and whether its
    own answer changed (then the new answer, as the question's schema has it)."""

    text: OpenText = Field(description="1-2 zdania po polsku: reakcja na opinie innych.")
    changed: bool = Field(description="Czy zmieniasz swoją odpowiedź.")


def reaction_schema(question: dict[str, Any]) -> type[BaseModel]:
    """A reaction plus, optionally, a changed answer of the question's own type."""
    if question["type"] == "open":
        return Reaction
    # Optional, but with the answer's own limits (a point within the scale, known options).
    fields = {
        name: (annotation | None, FieldInfo.merge_field_infos(field, default=None))
        for name, (annotation, field) in _answer_fields(question).items()
    }
    name = "Reaction_" + "".join(c if c.isalnum() else "_" for c in question["id"])
    return create_model(name, __base__=Reaction, **fields)


def answer_prose(question: dict[str, Any], answer: dict[str, Any]) -> str:
    """The answer's own words (what themes, sentiment and SSR read): open text, likert reason."""
    if question["type"] == "open":
        return str(answer.get("text") or "")
    if question["type"] == "likert":
        return str(answer.get("reason") or "")
    return ""


def describe_answer(question: dict[str, Any], answer: dict[str, Any]) -> str:
    """The answer in a short Polish line (memory and discussion digests)."""
    kind = question["type"]
    if kind == "open":
        return str(answer.get("text", ""))
    if kind == "likert":
        point = answer.get("point")
        label = question["labels"][point - 1] if isinstance(point, int) else "?"
        return f"{point}/{question['scale']} ({label}). {answer.get('reason', '')}".strip()
    texts = {o["id"]: o["text"] for o in question.get("options", [])}
    if kind == "single_choice":
        return texts.get(answer.get("option"), str(answer.get("option")))
    if kind == "multi_choice":
        return ", ".join(texts.get(i, str(i)) for i in answer.get("options", []))
    unit = f" {question['unit']}" if question.get("unit") else ""
    return f"{answer.get('value')}{unit}"


def answer_fields(answer: BaseModel) -> dict[str, Any]:
    """A validated answer as the stored ``answer`` document (reaction extras dropped)."""
    return {k: v for k, v in answer.model_dump().items() if v is not None and k != "changed"}
