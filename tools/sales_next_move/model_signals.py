"""Signals read by the fast model: a structured call whose every signal must quote the note.

The model may only name signals of the vocabulary, each with a quote; a quote that is not in
the note (after folding case and spaces) drops the signal, so a model cannot put words in the
client's mouth. The evidence kept is the note's own characters, found where the quote is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from prompts.sales_next_move import CONTEXT, SIGNALS_HUMAN, SIGNALS_SYSTEM

MAX_SIGNALS = 12


class QuotedSignal(BaseModel):
    id: str = Field(description="Identyfikator sygnału z listy.", max_length=60)
    quote: str = Field(description="Dosłowny fragment notatki.", min_length=2, max_length=200)


class ModelSignals(BaseModel):
    signals: list[QuotedSignal] = Field(default_factory=list, max_length=MAX_SIGNALS)


@dataclass(frozen=True, slots=True)
class Checked:
    """The model's signals split into those kept (with their evidence) and those dropped."""

    kept: list[dict[str, Any]]
    dropped: list[dict[str, str]]


def signal_messages(vocabulary: Any, text: str, turn: int, session: str) -> list[tuple[str, str]]:
    """The system and human messages of the signal call; ``session`` is what the prompt
    carries about the session so far (tools.sales_next_move.memory.prompt_context)."""
    listing = "\n".join(f"- {s.id}: {s.label}" for s in vocabulary.signals)
    context = CONTEXT.format(history=session) if session else ""
    return [
        ("system", SIGNALS_SYSTEM.format(vocabulary=listing)),
        ("human", SIGNALS_HUMAN.format(context=context, turn=turn, text=text)),
    ]


def check_quotes(answer: ModelSignals, text: str, known: set[str], turn: int) -> Checked:
    """Keep the signals whose id is known and whose quote occurs in ``text``."""
    kept: dict[str, dict[str, Any]] = {}
    dropped: list[dict[str, str]] = []
    for item in answer.signals:
        if item.id not in known:
            dropped.append({"id": item.id, "quote": item.quote, "reason": "unknown_signal"})
            continue
        span = find_quote(text, item.quote)
        if span is None:
            dropped.append({"id": item.id, "quote": item.quote, "reason": "quote_not_in_text"})
            continue
        start, end = span
        kept.setdefault(
            item.id,
            {"id": item.id, "evidence": text[start:end], "start": start, "end": end, "turn": turn},
        )
    return Checked(list(kept.values()), dropped)


_QUOTE_MARKS = "\"'„”“«»‚’"


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` as whole words, ignoring case, runs of white space
    and the quote marks and punctuation around it; None when it does not occur."""
    words = quote.strip(_QUOTE_MARKS + ".,;:!?… \t\n").split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = re.search(rf"(?<!\w){pattern}(?!\w)", text, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None
