"""The mentor's conversation: the latest turns verbatim, the earlier ones summarised, and a
question resent after a failed turn kept once.

Chat UIs retry a failed turn by sending the question again; without care the thread would hold
it twice. The thread's messages stay whole (the UI shows them); only the prompt is windowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage

QUESTION_CHARS = 160


def text_of(message: BaseMessage) -> str:
    return message.text.strip()


def resent_question(messages: Sequence[BaseMessage]) -> list[RemoveMessage]:
    """Remove the earlier copy of a question sent again with no answer between them (the
    previous turn failed and the UI resent it)."""
    if len(messages) < 2:
        return []
    last, before = messages[-1], messages[-2]
    if (
        isinstance(last, HumanMessage)
        and isinstance(before, HumanMessage)
        and text_of(last) == text_of(before)
        and before.id
    ):
        return [RemoveMessage(id=before.id)]
    return []


def turns_of(messages: Sequence[BaseMessage]) -> list[list[BaseMessage]]:
    """Split the conversation into turns, each starting with a human message."""
    turns: list[list[BaseMessage]] = []
    for message in messages:
        if isinstance(message, HumanMessage) or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return turns


@dataclass(frozen=True)
class Window:
    """The prompt's part of the conversation."""

    recent: list[BaseMessage]  # the latest turns before the question, human and AI messages
    older: list[BaseMessage]  # the turns before those
    question: BaseMessage


def window(messages: Sequence[BaseMessage], keep_turns: int) -> Window:
    """The question, the ``keep_turns`` turns before it, and everything older."""
    turns = turns_of([m for m in messages if isinstance(m, (HumanMessage, AIMessage))])
    question = turns[-1][0]
    before = turns[:-1]
    recent_turns = before[-keep_turns:] if keep_turns else []
    older_turns = before[: len(before) - len(recent_turns)]
    return Window(
        recent=[m for turn in recent_turns for m in turn],
        older=[m for turn in older_turns for m in turn],
        question=question,
    )


def transcript(messages: Sequence[BaseMessage]) -> str:
    """Who said what, one line each (for the summary prompt)."""
    who = {"human": "Użytkownik", "ai": "Mentor"}
    return "\n".join(f"{who.get(m.type, m.type)}: {text_of(m)}" for m in messages)


def plain_summary(messages: Sequence[BaseMessage]) -> str:
    """A summary written without a model: the questions asked, shortened. The answers are not
    repeated (their numbers came from results the next prompt carries again)."""
    questions = [text_of(m) for m in messages if isinstance(m, HumanMessage)]
    shortened = [q if len(q) <= QUESTION_CHARS else q[:QUESTION_CHARS] + "…" for q in questions]
    if not shortened:
        return ""
    return "Wcześniej użytkownik pytał: " + " | ".join(f"„{q}”" for q in shortened)


def over_limit(messages: Sequence[BaseMessage], limit: int, count: Callable[[str], int]) -> bool:
    """Whether the messages' text is longer than ``limit`` tokens."""
    return sum(count(text_of(m)) for m in messages) > limit
