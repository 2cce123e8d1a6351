"""The co-pilot's input: one observation, checked the same way by the API and the graph."""

from __future__ import annotations

from typing import Any

from sight.errors import InputValidationError

MAX_TEXT = 4000
FIELDS = {"text"}


def check_observation(payload: Any) -> str:
    """Return the note's text, or raise InputValidationError naming each problem."""
    if not isinstance(payload, dict):
        raise InputValidationError(
            [{"field": "input", "message": 'send an object: {"text": "<the observation>"}'}]
        )
    problems = [
        {"field": f"input.{key}", "message": 'unknown field; the input is {"text": ...}'}
        for key in sorted(set(payload) - FIELDS)
    ]
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(
            {"field": "input.text", "message": "required: the observation, 1-4000 characters"}
        )
    elif len(text) > MAX_TEXT:
        problems.append(
            {
                "field": "input.text",
                "message": f"at most {MAX_TEXT} characters (got {len(text)}): split the note",
            }
        )
    if problems:
        raise InputValidationError(problems)
    return text.strip()


def check_input(payload: Any) -> dict[str, Any]:
    """A run's input: ``{"text"}`` (an observation), ``{"deep": true}`` (the slow path) or
    ``{"messages": [...]}`` (the advisor); exactly one. Raise InputValidationError otherwise."""
    if isinstance(payload, dict) and "text" not in payload and set(payload) & {"deep", "messages"}:
        problems = [
            {"field": f"input.{key}", "message": "unknown field; send text, deep or messages"}
            for key in sorted(set(payload) - {"deep", "messages"})
        ]
        if "deep" in payload and "messages" in payload:
            problems.append({"field": "input", "message": "send either deep or messages"})
        if "deep" in payload and payload["deep"] is not True:
            problems.append({"field": "input.deep", "message": "must be true"})
        if "messages" in payload:
            problems.extend(_message_problems(payload["messages"]))
        if problems:
            raise InputValidationError(problems)
        if "deep" in payload:
            return {"deep": True, "text": None}
        return {"messages": payload["messages"], "text": None, "deep": False}
    return {"text": check_observation(payload), "deep": False}


def _message_problems(messages: Any) -> list[dict[str, str]]:
    """A list of LangChain messages ending with the salesperson's question."""
    from langchain_core.messages import HumanMessage, convert_to_messages

    field = "input.messages"
    if not isinstance(messages, list) or not messages:
        return [{"field": field, "message": "send a non-empty list of messages"}]
    try:
        converted = convert_to_messages(messages)
    except (ValueError, TypeError, NotImplementedError) as exc:
        return [{"field": field, "message": f"not LangChain messages: {type(exc).__name__}"}]
    last = converted[-1]
    if not isinstance(last, HumanMessage) or not last.text.strip():
        return [{"field": field, "message": "the last message must be the question (type human)"}]
    return []
