"""The Dojo's run input and resume value, checked before a run is stored."""

from __future__ import annotations

from typing import Any

from sight.errors import InputValidationError
from tools.ai_dojo.proposals import check_resume

MAX_MESSAGE = 4000


def check_input(payload: Any) -> dict[str, Any]:
    """``{"messages": [...]}`` ending with the mentor's message (type human, 1-4000
    characters); raise InputValidationError naming each problem."""
    from langchain_core.messages import HumanMessage, convert_to_messages

    if not isinstance(payload, dict):
        raise InputValidationError(
            [{"field": "input", "message": 'send an object: {"messages": [...]}'}]
        )
    problems = [
        {"field": f"input.{key}", "message": 'unknown field; the input is {"messages": [...]}'}
        for key in sorted(set(payload) - {"messages"})
    ]
    messages = payload.get("messages")
    field = "input.messages"
    if not isinstance(messages, list) or not messages:
        problems.append({"field": field, "message": "send a non-empty list of messages"})
    else:
        try:
            last = convert_to_messages(messages)[-1]
        except (ValueError, TypeError, NotImplementedError) as exc:
            problems.append(
                {"field": field, "message": f"not LangChain messages: {type(exc).__name__}"}
            )
        else:
            if not isinstance(last, HumanMessage) or not last.text.strip():
                problems.append(
                    {"field": field, "message": "the last message must be the mentor's (human)"}
                )
            elif len(last.text) > MAX_MESSAGE:
                problems.append(
                    {
                        "field": f"{field}.{len(messages) - 1}.content",
                        "message": f"at most {MAX_MESSAGE} characters (got {len(last.text)}): "
                        "teach one thing per message",
                    }
                )
    if problems:
        raise InputValidationError(problems)
    return payload


def check_resume_payload(resume: Any) -> None:
    """The mentor's decision on a proposal (tools.ai_dojo.proposals)."""
    check_resume(resume)
