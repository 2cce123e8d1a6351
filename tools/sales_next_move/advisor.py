"""What the strategic advisor reads (the session's analysis, memory, knowledge hits) and its
answer when no model can write one: what the knowledge base and the moves say, marked as such."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage

from tools.knowledge.entries import ARCHETYPES
from tools.sales_next_move.excerpts import fit, sentences
from tools.sales_next_move.memory import prompt_context

EXCERPT = 600
WHY = {
    "no_writer_model": "nie ma skonfigurowanego modelu, który pisze po polsku",
    "timeout": "model nie odpowiedział na czas",
    "model_error": "model jest niedostępny",
    "empty_answer": "model zwrócił pustą odpowiedź",
}


def last_question(messages: Sequence[AnyMessage]) -> str:
    """The text of the last human message ('' when there is none)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text.strip()
    return ""


def advisor_context(state: Mapping[str, Any], hits: Sequence[Any], keep_turns: int) -> str:
    """The session and the knowledge the advisor's prompt carries."""
    parts = [prompt_context(state.get("memory"), state.get("history") or [], keep_turns)]
    archetype = (state.get("archetype") or {}).get("primary")
    if archetype:
        parts.append(f"Archetyp klienta (reguły): {ARCHETYPES.get(archetype, archetype)}")
    indicators = state.get("indicators") or {}
    if indicators:
        parts.append(
            "Wskaźniki: "
            + "; ".join(f"{v['label']} {v['score']}/100 ({v['band']})" for v in indicators.values())
        )
    moves = state.get("next_moves") or []
    if moves:
        parts.append("Proponowane ruchy:\n" + "\n".join(f"- {m['text']}" for m in moves))
    rules = (state.get("knowledge") or {}).get("meta_rules") or []
    if rules:  # the team's rules from the AI Dojo that apply to this client
        parts.append("Reguły zespołu:\n" + "\n".join(f"- [{r['id']}] {r['text']}" for r in rules))
    for hit in hits:
        parts.append(
            f"Baza wiedzy [{hit.id}] {hit.entry.get('title')}: "
            f"{hit.entry.get('text', '')[:EXCERPT]}"
        )
    return "\n\n".join(p for p in parts if p)


def fallback_answer(state: Mapping[str, Any], hits: Sequence[Any], reason: str) -> str:
    """An honest answer without a model: the knowledge base's best passages and the moves."""
    lines = [
        f"Nie mogę teraz napisać odpowiedzi ({WHY.get(reason, 'błąd modelu')}). "
        "Oto, co na ten temat mówi baza wiedzy i analiza sesji:"
    ]
    for hit in hits:
        text = hit.entry.get("text", "")
        lines.append(f"- {hit.entry.get('title')}: {_first_sentences(text)} [{hit.id}]")
    for move in (state.get("next_moves") or [])[:2]:
        lines.append(f"- Proponowany ruch: {move['text']}")
    if len(lines) == 1:
        lines.append(
            "- Baza wiedzy nie ma fragmentów na ten temat, a sesja nie ma jeszcze analizy."
        )
    return "\n".join(lines)


def _first_sentences(text: str, limit: int = 300) -> str:
    """The text's first whole sentences within ``limit`` characters (tools.sales_next_move
    .excerpts: abbreviations such as "ok." do not end a sentence; no word is cut)."""
    return fit(sentences(text), limit)
