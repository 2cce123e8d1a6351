"""Build a focus-group call's messages: the persona, its memory, the question, the digest.

The estimate and the answering node build the same messages, so the estimate counts the
tokens of the prompts that will really be sent.
"""

from __future__ import annotations

from typing import Any

from prompts import focus_group as prompts
from tools.focus_group.questions import describe_answer
from tools.persona.story import place_phrases, years_word

DIGEST_ANSWERS = 6  # others' answers quoted in a discussion digest
DIGEST_CHARS = 180  # of each quoted answer
MEMORY_CHARS = 240  # of each remembered answer


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def persona_message(persona: dict[str, Any]) -> str:
    """The system message: who the persona is, in the second person."""
    return prompts.PERSONA.format(
        first_name=persona["first_name"],
        last_name=persona["last_name"],
        gender=persona["gender"],
        age=persona["age"],
        years=years_word(int(persona["age"])),
        location_phrase=place_phrases(persona["location"])["loc"],
        education=persona["education"],
        occupation=persona["occupation"],
        income_bracket=persona["income_bracket"],
        story=_clip(persona.get("background_story") or "", 600),
        values=", ".join(persona.get("values") or []) or "-",
        interests=", ".join(persona.get("interests") or []) or "-",
    )


def instruction(question: dict[str, Any]) -> str:
    """What the persona is asked to give for this question type."""
    kind = question["type"]
    template = prompts.INSTRUCTIONS[kind]
    if kind == "likert":
        points = ", ".join(f"{i} = {label}" for i, label in enumerate(question["labels"], 1))
        return template.format(scale_text=f"1-{question['scale']} ({points})")
    if kind in ("single_choice", "multi_choice"):
        options = "\n".join(f"- {o['id']}: {o['text']}" for o in question["options"])
        most = f" (najwyżej {question['max_choices']})" if question.get("max_choices") else ""
        return template.format(options=options, most=most)
    if kind == "numeric":
        unit = f" ({question['unit']})" if question.get("unit") else ""
        return template.format(min=question["min"], max=question["max"], unit=unit)
    return template


def remembered(memory: str, earlier: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """The memory block: the persona's own earlier (question, answer) pairs the mode keeps."""
    if memory == "none" or not earlier:
        return ""
    if memory.startswith("lagged:"):
        earlier = earlier[-int(memory.split(":")[1]) :]
    lines = [
        f"- {_clip(q['text'], 120)} -> {_clip(describe_answer(q, a), MEMORY_CHARS)}"
        for q, a in earlier
    ]
    return prompts.MEMORY.format(answers="\n".join(lines))


def question_messages(
    persona: dict[str, Any],
    question: dict[str, Any],
    *,
    memory: str = "none",
    earlier: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
) -> list[tuple[str, str]]:
    """The messages of one survey cell (round 0 of a discussion too)."""
    human = prompts.QUESTION.format(
        memory=remembered(memory, earlier or []),
        text=question["text"],
        instruction=instruction(question),
    )
    return [("system", persona_message(persona)), ("human", human)]


def _tally_key(question: dict[str, Any], answer: dict[str, Any]) -> str:
    """What a structured answer is, without a likert reason (options may contain ". ")."""
    if question["type"] == "likert":
        point = answer.get("point")
        label = question["labels"][point - 1] if isinstance(point, int) else "?"
        return f"{point}/{question['scale']} ({label})"
    return describe_answer(question, answer)


def digest(question: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """A short digest of the other participants' latest answers: a tally for structured types,
    and a few quotes (others are in a stable order chosen by the caller)."""
    lines = []
    if question["type"] != "open":
        tally: dict[str, int] = {}
        for answer in others:
            key = _tally_key(question, answer)
            tally[key] = tally.get(key, 0) + 1
        top = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        lines.append("Odpowiedzi: " + "; ".join(f"{k}: {n}" for k, n in top))
    for answer in others[:DIGEST_ANSWERS]:
        said = describe_answer(question, answer)
        if said:
            lines.append(f"- {_clip(said, DIGEST_CHARS)}")
    return "\n".join(lines) or "- (brak innych odpowiedzi)"


def discussion_messages(
    persona: dict[str, Any],
    question: dict[str, Any],
    own: dict[str, Any],
    others: list[dict[str, Any]],
) -> list[tuple[str, str]]:
    """The messages of one discussion round: the persona's answer and the others' digest."""
    human = prompts.DISCUSSION.format(
        memory="",
        text=question["text"],
        own=_clip(describe_answer(question, own), MEMORY_CHARS),
        digest=digest(question, others),
        instruction=instruction(question) if question["type"] != "open" else "",
    )
    return [("system", persona_message(persona)), ("human", human.rstrip())]
