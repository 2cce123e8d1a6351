"""Focus-group answers as CSV, one row per answer record, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

COLUMNS = (
    "focus_group_id",
    "persona_id",
    "question_id",
    "question_text",
    "round",
    "status",
    "point",
    "options",
    "options_text",
    "value",
    "text",
    "sentiment",
    "model",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "created_at",
)
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> str:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading `'`.

    Only text is defused: a number written from a number (-3.5) stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _questions_by_id(
    questions: Mapping[str, dict[str, Any]] | Sequence[dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    if isinstance(questions, Mapping):
        return dict(questions)
    return {str(q.get("id")): q for q in questions}


def _option_texts(question: dict[str, Any]) -> dict[str, str]:
    texts = {}
    for i, option in enumerate(question.get("options") or []):
        if isinstance(option, dict):
            texts[str(option.get("id"))] = str(option.get("text", option.get("id")))
        else:  # not yet canonical: given strings get the ids a, b, c, ...
            texts[chr(ord("a") + i)] = str(option)
    return texts


def _row(record: dict[str, Any], question: dict[str, Any]) -> list[str]:
    answer = record.get("answer") or {}
    chosen = answer.get("options")
    if chosen is None:
        chosen = [answer["option"]] if answer.get("option") is not None else []
    texts = _option_texts(question)
    sentiment = record.get("sentiment") or {}
    values = {
        **{column: record.get(column) for column in COLUMNS},
        "question_text": question.get("text"),
        "point": answer.get("point"),
        "options": "; ".join(str(o) for o in chosen),
        "options_text": "; ".join(texts.get(str(o), str(o)) for o in chosen),
        "value": answer.get("value"),
        "text": record.get("text") or answer.get("text") or answer.get("reason"),
        "sentiment": sentiment.get("label"),
    }
    return [defuse(values[column]) for column in COLUMNS]


def answers_csv(
    answers: Iterable[dict[str, Any]],
    questions: Mapping[str, dict[str, Any]] | Sequence[dict[str, Any]],
) -> str:
    """Write the answer records as CSV: a header row, then one row per record.

    `questions` (a list, or a dict by id) supplies question and option texts; chosen options
    are joined by "; " (ids in `options`, texts in `options_text`). Text cells that a spreadsheet
    would evaluate get a leading `'`.
    """
    by_id = _questions_by_id(questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in answers:
        writer.writerow(_row(record, by_id.get(str(record.get("question_id")), {})))
    return buffer.getvalue()
