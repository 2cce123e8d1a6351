"""A session's memory: a summary and key facts once the notes pass a token threshold, and the
context every prompt carries (summary, key facts and the last N notes verbatim).

The model writes the summary; without a model that writes Polish the key facts come from the
signals' own evidence (the client's words, labelled), and no summary is pretended.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from prompts.sales_next_move import MEMORY_HUMAN, MEMORY_SYSTEM, PREVIOUS_SUMMARY

MAX_FACTS = 12


class MemoryUpdate(BaseModel):
    summary: str = Field(description="Streszczenie rozmowy, po polsku.", max_length=1500)
    key_facts: list[str] = Field(
        default_factory=list, description="Krótkie hasła.", max_length=MAX_FACTS
    )


def turns_to_fold(
    history: Sequence[Mapping[str, Any]],
    memory: Mapping[str, Any] | None,
    count_tokens: Callable[[str], int],
    threshold: int,
    keep_turns: int,
) -> list[Mapping[str, Any]]:
    """The notes to fold into the summary now: those older than the last ``keep_turns`` and not
    yet summarised, once the notes not covered by a summary pass ``threshold`` tokens."""
    covered = int((memory or {}).get("memory_turn") or 0)
    open_notes = [h for h in history if h["turn"] > covered]
    if sum(count_tokens(h["text"]) for h in open_notes) <= threshold:
        return []
    return [h for h in open_notes if h["turn"] <= history[-1]["turn"] - keep_turns] or open_notes[
        :1
    ]


def memory_messages(
    notes: Sequence[Mapping[str, Any]],
    previous: str | None,
    facts: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """The summary call's messages; the previous summary and key facts are carried over, so
    a fact told once is not lost when later notes are folded in."""
    listing = "\n".join(f"[{h['turn']}] {h['text']}" for h in notes)
    earlier = ""
    if previous or facts:
        earlier = PREVIOUS_SUMMARY.format(
            summary=previous or "(brak)", facts="; ".join(facts) or "(brak)"
        )
    return [
        ("system", MEMORY_SYSTEM),
        ("human", MEMORY_HUMAN.format(previous=earlier, notes=listing)),
    ]


def facts_from_signals(
    signals_seen: Sequence[Mapping[str, Any]], labels: Mapping[str, str]
) -> list[str]:
    """Key facts without a model: each signal's label with the client's latest words for it."""
    latest: dict[str, str] = {}
    for signal in signals_seen:
        latest[signal["id"]] = signal["evidence"]
    return [f"{labels.get(sid, sid)}: „{evidence}”" for sid, evidence in latest.items()][:MAX_FACTS]


def prompt_context(
    memory: Mapping[str, Any] | None, history: Sequence[Mapping[str, Any]], keep_turns: int
) -> str:
    """What every prompt carries about the session: summary, key facts, the last notes."""
    memory = memory or {}
    parts = []
    if memory.get("summary"):
        parts.append(f"Streszczenie wcześniejszej rozmowy: {memory['summary']}")
    if memory.get("key_facts"):
        parts.append("Kluczowe fakty: " + "; ".join(memory["key_facts"]))
    recent = "\n".join(f"[{h['turn']}] {h['text']}" for h in history[-keep_turns:])
    if recent:
        parts.append(f"Ostatnie notatki sprzedawcy:\n{recent}")
    return "\n\n".join(parts)
