"""Validate a focus-group request: every problem at once, named by field (docs/focus_group.md).

Checks the shape only; whether the persona ids are the caller's is checked against the
database by the graph's input check, and a ``generate`` request by persona generation's own
validator (passed in, since it belongs to that workflow).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable
from typing import Any

from sight.errors import InputValidationError
from tools.focus_group.questions import LIKERT_LABELS, QUESTION_TYPES

MAX_PERSONAS, MAX_QUESTIONS, MAX_ROUNDS, MAX_OPTIONS = 500, 30, 3, 12
MAX_TEXT, MAX_OPTION_TEXT, MAX_ID = 500, 200, 40
ID = re.compile(r"[A-Za-z0-9_-]{1,40}")  # always fullmatch: "$" lets a trailing newline in
FIELDS = {
    "personas",
    "generate",
    "questions",
    "mode",
    "memory",
    "rounds",
    "budget",
    "estimate_only",
    "rerun_failed",
}
RERUN_FIELDS = {"rerun_failed", "budget", "estimate_only"}
MEMORY = re.compile(r"none|full|lagged:(\d{1,2})")  # fullmatch

Problems = list[dict[str, str]]


def _problem(problems: Problems, field: str, message: str) -> None:
    problems.append({"field": field, "message": message})


def _text(raw: Any, field: str, limit: int, problems: Problems) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        _problem(problems, field, "is required: a non-empty string")
        return None
    if len(raw) > limit:
        _problem(problems, field, f"at most {limit} characters, got {len(raw)}")
        return None
    return raw.strip()


def _number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)


def _options(raw: Any, where: str, problems: Problems) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_OPTIONS:
        _problem(problems, f"{where}.options", f"is required: 2 to {MAX_OPTIONS} options")
        return []
    options = []
    for i, item in enumerate(raw):
        field = f"{where}.options[{i}]"
        if isinstance(item, str):
            item = {"id": string.ascii_lowercase[i], "text": item}
        if not isinstance(item, dict) or set(item) - {"id", "text"}:
            _problem(problems, field, "must be a string or an object {id, text}")
            continue
        oid = item.get("id")
        if not isinstance(oid, str) or not ID.fullmatch(oid):
            _problem(problems, f"{field}.id", "1-40 characters of letters, digits, _ or -")
            continue
        text = _text(item.get("text"), f"{field}.text", MAX_OPTION_TEXT, problems)
        if text is not None:
            options.append({"id": oid, "text": text})
    ids = [o["id"] for o in options]
    texts = [o["text"].casefold() for o in options]
    if len(set(ids)) < len(ids) or len(set(texts)) < len(texts):
        _problem(problems, f"{where}.options", "option ids and texts must be unique")
    return options


def _type_fields(raw: dict[str, Any], q: dict[str, Any], where: str, problems: Problems) -> None:
    kind = q["type"]
    allowed = {
        "open": set(),
        "likert": {"scale", "labels"},
        "single_choice": {"options"},
        "multi_choice": {"options", "max_choices"},
        "numeric": {"min", "max", "unit"},
    }[kind]
    for name in sorted(set(raw) - {"id", "text", "type"} - allowed):
        _problem(problems, f"{where}.{name}", f"not a field of a {kind} question")
    if kind == "likert":
        scale = raw.get("scale", 5)
        if type(scale) is not int or scale not in (5, 7):  # 5.0 and True are not scales
            _problem(problems, f"{where}.scale", f"must be 5 or 7, got {scale!r}")
            return
        labels = raw.get("labels", LIKERT_LABELS[scale])
        if (
            not isinstance(labels, list)
            or len(labels) != scale
            or not all(isinstance(x, str) and 0 < len(x.strip()) <= 80 for x in labels)
        ):
            _problem(problems, f"{where}.labels", f"must be {scale} labels of 1-80 characters")
            return
        q.update(scale=scale, labels=[x.strip() for x in labels])
    elif kind in ("single_choice", "multi_choice"):
        q["options"] = _options(raw.get("options"), where, problems)
        most = raw.get("max_choices")
        if kind == "multi_choice" and most is not None:
            if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most:
                _problem(problems, f"{where}.max_choices", "must be a whole number >= 1")
            else:
                q["max_choices"] = min(most, len(q["options"]) or most)
    elif kind == "numeric":
        low, high = raw.get("min"), raw.get("max")
        if not (_number(low) and _number(high)) or low >= high:
            _problem(problems, f"{where}.min", "min and max are required numbers, min < max")
            return
        q.update(min=low, max=high)
        unit = raw.get("unit")
        if unit is not None:
            if not isinstance(unit, str) or not 0 < len(unit) <= 20:
                _problem(problems, f"{where}.unit", "1-20 characters")
            else:
                q["unit"] = unit


def _question(raw: Any, i: int, problems: Problems) -> dict[str, Any] | None:
    where = f"questions[{i}]"
    if not isinstance(raw, dict):
        _problem(problems, where, "must be an object {id, text, type}")
        return None
    qid, kind = raw.get("id"), raw.get("type")
    if not isinstance(qid, str) or not ID.fullmatch(qid):
        _problem(problems, f"{where}.id", "is required: 1-40 letters, digits, _ or -")
    text = _text(raw.get("text"), f"{where}.text", MAX_TEXT, problems)
    if kind not in QUESTION_TYPES:
        _problem(problems, f"{where}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
        return None
    question: dict[str, Any] = {"id": qid, "text": text, "type": kind}
    _type_fields(raw, question, where, problems)
    return question


def _questions(raw: Any, problems: Problems) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_QUESTIONS:
        _problem(problems, "questions", f"is required: 1 to {MAX_QUESTIONS} questions")
        return []
    questions = [_question(q, i, problems) for i, q in enumerate(raw)]
    ids = [q["id"] for q in questions if q and isinstance(q["id"], str)]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        _problem(problems, "questions", f"question id {dup!r} appears more than once")
    return [q for q in questions if q]


def _persona_ids(raw: Any, problems: Problems) -> list[str]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_PERSONAS:
        _problem(problems, "personas", f"must be a list of 1 to {MAX_PERSONAS} persona ids")
        return []
    bad = [i for i, x in enumerate(raw) if not isinstance(x, str) or not 0 < len(x) <= 36]
    for i in bad[:10]:
        _problem(problems, f"personas[{i}]", "must be a persona id (a UUID string)")
    ids = [x for x in raw if isinstance(x, str)]
    dups = sorted({x for x in ids if ids.count(x) > 1})
    if dups:
        _problem(problems, "personas", f"ids repeated: {', '.join(dups[:10])}")
    return ids


def _budget(raw: Any, problems: Problems) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _problem(problems, "budget", "must be an object {max_tokens?, max_usd?}")
        return {}
    for name in sorted(set(raw) - {"max_tokens", "max_usd"}):
        _problem(problems, f"budget.{name}", "unknown field; allowed: max_tokens, max_usd")
    budget: dict[str, Any] = {}
    tokens, usd = raw.get("max_tokens"), raw.get("max_usd")
    if tokens is not None:
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
            _problem(problems, "budget.max_tokens", "must be a whole number of tokens >= 1")
        else:
            budget["max_tokens"] = tokens
    if usd is not None:
        if not _number(usd) or usd <= 0:
            _problem(problems, "budget.max_usd", "must be a number of US dollars > 0")
        else:
            budget["max_usd"] = float(usd)
    return budget


def _mode(raw: dict[str, Any], problems: Problems) -> dict[str, Any]:
    mode = raw.get("mode", "survey")
    if mode not in ("survey", "discussion"):
        _problem(problems, "mode", "must be survey or discussion")
        return {"mode": "survey", "memory": "full", "rounds": 0}
    if mode == "survey":
        if "rounds" in raw:
            _problem(problems, "rounds", "only for mode discussion")
        memory = raw.get("memory", "full")
        found = MEMORY.fullmatch(memory) if isinstance(memory, str) else None
        lag = found.group(1) if found else None
        if not found or (lag is not None and not 1 <= int(lag) <= MAX_QUESTIONS - 1):
            _problem(problems, "memory", "must be none, full or lagged:N (N = 1 to 29)")
            memory = "full"
        return {"mode": mode, "memory": memory, "rounds": 0}
    if "memory" in raw:
        _problem(problems, "memory", "only for mode survey (a discussion sees the digests)")
    rounds = raw.get("rounds", 1)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        _problem(problems, "rounds", f"must be a whole number from 1 to {MAX_ROUNDS}")
        rounds = 1
    return {"mode": mode, "memory": "none", "rounds": rounds}


def validate_request(
    raw: Any, *, check_generate: Callable[[Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the canonical request or raise InputValidationError listing every problem."""
    if not isinstance(raw, dict):
        raise InputValidationError([{"field": "input", "message": "must be a JSON object"}])
    problems: Problems = []
    for name in sorted(set(raw) - FIELDS):
        _problem(problems, name, f"unknown field; allowed: {', '.join(sorted(FIELDS))}")
    estimate_only = raw.get("estimate_only", False)
    if not isinstance(estimate_only, bool):
        _problem(problems, "estimate_only", "must be true or false")
    budget = _budget(raw.get("budget"), problems)
    if "rerun_failed" in raw:
        source = raw["rerun_failed"]
        if not isinstance(source, str) or not 0 < len(source) <= 36:
            _problem(problems, "rerun_failed", "must be a focus group id")
        for name in sorted(set(raw) - RERUN_FIELDS - (set(raw) - FIELDS)):
            _problem(problems, name, "not with rerun_failed (the focus group's own setup is used)")
        if problems:
            raise InputValidationError(problems)
        return {"rerun_failed": source, "budget": budget, "estimate_only": estimate_only}
    sources = [k for k in ("personas", "generate") if k in raw]
    request: dict[str, Any] = {"personas": None, "generate": None}
    if len(sources) != 1:
        _problem(problems, "personas", "give either personas (ids) or generate (a request)")
    elif sources == ["personas"]:
        request["personas"] = _persona_ids(raw["personas"], problems)
    elif check_generate is not None:
        try:
            # The subgraph takes the request as given; its canonical form gives the count.
            total = sum(s["count"] for s in check_generate(raw["generate"])["segments"])
            request["generate"] = raw["generate"]
            if total > MAX_PERSONAS:
                _problem(problems, "generate", f"at most {MAX_PERSONAS} personas, got {total}")
        except InputValidationError as exc:
            problems += [
                {"field": f"generate.{p['field']}", "message": p["message"]} for p in exc.problems
            ]
    else:
        request["generate"] = raw["generate"]
    request["questions"] = _questions(raw.get("questions"), problems)
    request.update(_mode(raw, problems))
    if problems:
        raise InputValidationError(problems)
    return {**request, "budget": budget, "estimate_only": estimate_only}
