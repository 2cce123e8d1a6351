"""The mentor's run input, checked before a run is stored: its shape here, and (with the
database) that the results it names are the tenant's."""

from __future__ import annotations

from typing import Any

from sight.errors import InputValidationError

MAX_QUESTION = 4000
MAX_MESSAGES = 100
MAX_IDS = 50
CONTEXT_KEYS = ("persona_ids", "focus_group_ids", "kpi_keys", "session_ids")
KIND_OF = {
    "persona_ids": "persona",
    "focus_group_ids": "focus_group",
    "kpi_keys": "kpi",
    "session_ids": "sales_session",
}
NAMES = {
    "persona": "persona",
    "focus_group": "focus group",
    "kpi": "KPI snapshot",
    "sales_session": "sales session",
}


def _check_messages(messages: Any, problems: list[dict[str, str]]) -> None:
    """Human and AI messages only (no removals, tools or system prompts), each at most
    MAX_QUESTION characters, at most MAX_MESSAGES, the last one the user's question."""
    from langchain_core.messages import AIMessage, HumanMessage, convert_to_messages

    field = "input.messages"
    if not isinstance(messages, list) or not messages:
        problems.append({"field": field, "message": "send a non-empty list of messages"})
        return
    if len(messages) > MAX_MESSAGES:
        problems.append(
            {"field": field, "message": f"at most {MAX_MESSAGES} messages (got {len(messages)})"}
        )
        return
    try:
        parsed = convert_to_messages(messages)
    except (ValueError, TypeError, NotImplementedError) as exc:
        problems.append(
            {"field": field, "message": f"not LangChain messages: {type(exc).__name__}"}
        )
        return
    for i, message in enumerate(parsed):
        if type(message) not in (HumanMessage, AIMessage):
            problems.append(
                {"field": f"{field}.{i}", "message": "only human and ai messages are accepted"}
            )
        elif len(message.text) > MAX_QUESTION:
            problems.append(
                {
                    "field": f"{field}.{i}.content",
                    "message": f"at most {MAX_QUESTION} characters (got {len(message.text)})",
                }
            )
    last = parsed[-1]
    if not isinstance(last, HumanMessage) or not last.text.strip():
        problems.append({"field": field, "message": "the last message must be the user's question"})


def _check_context(context: Any, problems: list[dict[str, str]]) -> None:
    if not isinstance(context, dict):
        problems.append(
            {"field": "input.context", "message": "an object: {persona_ids: [...], ...}"}
        )
        return
    for key in sorted(set(context) - set(CONTEXT_KEYS)):
        problems.append(
            {
                "field": f"input.context.{key}",
                "message": "unknown key; use " + ", ".join(CONTEXT_KEYS),
            }
        )
    for key in CONTEXT_KEYS:
        values = context.get(key)
        if values is None:
            continue
        if (
            not isinstance(values, list)
            or len(values) > MAX_IDS
            or not all(isinstance(v, str) and 0 < len(v) <= 100 for v in values)
        ):
            problems.append(
                {
                    "field": f"input.context.{key}",
                    "message": f"a list of at most {MAX_IDS} ids (strings of 1-100 characters)",
                }
            )


def check_input(payload: Any) -> dict[str, Any]:
    """``{"messages": [...], "context"?: {...}}`` ending with the user's question; raise
    InputValidationError naming each problem."""
    if not isinstance(payload, dict):
        raise InputValidationError(
            [{"field": "input", "message": 'send an object: {"messages": [...]}'}]
        )
    problems = [
        {"field": f"input.{key}", "message": 'unknown field; the input is {"messages", "context"}'}
        for key in sorted(set(payload) - {"messages", "context"})
    ]
    _check_messages(payload.get("messages"), problems)
    if "context" in payload:
        _check_context(payload["context"], problems)
    if problems:
        raise InputValidationError(problems)
    return payload


def named_refs(payload: dict[str, Any], ref_type: Any) -> list[tuple[str, Any]]:
    """The results the input's context names, each with its field (``input.context.key.i``)."""
    context = payload.get("context") or {}
    return [
        (f"input.context.{key}.{i}", ref_type(KIND_OF[key], value))
        for key in CONTEXT_KEYS
        for i, value in enumerate(context.get(key) or [])
    ]


async def check_owned(payload: dict[str, Any], reader: Any, ref_type: Any) -> None:
    """Refuse ids that are not the tenant's results (another tenant's do not exist for it)."""
    named = named_refs(payload, ref_type)
    if not named:
        return
    missing = set(await reader.missing([ref for _, ref in named]))
    problems = [
        {"field": field, "message": f"no {NAMES[ref.kind]} {ref.id!r} among your results"}
        for field, ref in named
        if ref in missing
    ]
    if problems:
        raise InputValidationError(problems)
