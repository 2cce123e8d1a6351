"""The fast model rephrases the composed moves for this client; the composed ones stand if not.

Only the text changes: a move keeps its id, kind, rationale and provenance, and its composed
text stays beside the phrased one (``composed``), so what the model changed is visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from prompts.sales_next_move import PHRASE_HUMAN, PHRASE_SYSTEM

MAX_TEXT = 400


class PhrasedMove(BaseModel):
    id: str = Field(description="Identyfikator propozycji (bez zmian).", max_length=80)
    text: str = Field(description="Przeredagowana propozycja, 1-2 zdania.", max_length=MAX_TEXT)


class PhrasedMoves(BaseModel):
    moves: list[PhrasedMove] = Field(max_length=8)


def phrase_messages(
    moves: Sequence[dict[str, Any]], session: str, archetype: str | None
) -> list[tuple[str, str]]:
    """The system and human messages of the phrasing call; ``session`` is what the prompt
    carries about the session (summary, key facts, the last notes)."""
    listing = "\n".join(f"- {m['id']} ({m['kind']}): {m['text']}" for m in moves)
    human = PHRASE_HUMAN.format(archetype=archetype or "nieznany", session=session, moves=listing)
    return [("system", PHRASE_SYSTEM), ("human", human)]


def apply_phrasing(moves: list[dict[str, Any]], answer: PhrasedMoves) -> list[dict[str, Any]]:
    """Moves with the model's text where it gave a usable one for that id."""
    by_id = {m.id: m.text.strip() for m in answer.moves if m.text.strip()}
    out = []
    for move in moves:
        text = by_id.get(move["id"])
        if text and text != move["text"]:
            out.append({**move, "text": text, "composed": move["text"], "phrased": True})
        else:
            out.append({**move, "phrased": False})
    return out
