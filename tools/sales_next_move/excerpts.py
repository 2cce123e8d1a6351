"""Excerpts of knowledge-pack chunks: sentences, sections and clips short enough for a panel.

Chunks are cut at sentence boundaries, and when one sentence is still too long, at a word
(outside quotations when possible), so an excerpt never ends inside a quote or a parenthesis.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from tools.knowledge.entries import ARCHETYPES

QUOTE = re.compile(r"„([^”]+)”")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”»)]))\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ„«(])")
_NAME_WORDS = frozenset(w for name in ARCHETYPES.values() for w in name.split())


def body(text: str, *, lead: bool = True) -> str:
    """A chunk's text without its "Archetyp X – facet:" lead; capitalised to lead an item."""
    head, sep, rest = text.partition(": ")
    found = rest if sep and len(head) < 80 else text
    return found[:1].upper() + found[1:] if lead else found


def lower_first(text: str) -> str:
    """For text after a colon; names ("Pionier Technologii", "TCO") stay as they are."""
    if text.split(" ", 1)[0] in _NAME_WORDS or not text[1:2].islower():
        return text
    return text[:1].lower() + text[1:]


def section(text: str, label: str, ends: Sequence[str]) -> str:
    """The part of an objection chunk after ``label``, up to the next part's label."""
    start = text.find(label)
    if start < 0:
        return ""
    rest = text[start + len(label) :]
    stops = [i for i in (rest.find(e) for e in ends) if i >= 0]
    return (rest[: min(stops)] if stops else rest).strip()


@lru_cache(maxsize=1024)
def sentences(text: str) -> tuple[str, ...]:
    """Sentences; a quotation of several sentences stays whole inside its sentence."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if out and not balanced(out[-1]):
            out[-1] = f"{out[-1]} {piece.strip()}"
        elif piece.strip():
            out.append(piece.strip())
    return tuple(out)


def joined(lead: str, parts: Sequence[str], limit: int) -> str:
    """``lead`` and the first sentence; "X" + "To klient…" reads "X to klient…"."""
    first = parts[0] if parts else ""
    if lead.endswith(":"):
        return clip(f"{lead} {first}", limit)
    if first.lower().startswith("to "):
        return clip(f"{lead} {first[:1].lower()}{first[1:]}", limit)
    return clip(f"{lead}: {first}", limit)


def fit(parts: Sequence[str], limit: int) -> str:
    """Whole sentences up to ``limit`` characters (the first one clipped if alone it is longer)."""
    out = ""
    for sentence in parts:
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return clip(out, limit)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters (and "…"), cut at a word, outside quotations if possible."""
    if len(text) <= limit:
        return text
    spaces = [i for i, c in enumerate(text[: limit + 1]) if c == " "]
    if not spaces:  # one word longer than the limit: whole rather than cut
        return text
    whole = [i for i in spaces if balanced(text[:i])]
    pauses = [i for i in whole if text[i - 1] in ",;–" and i > limit // 2]
    cut = (pauses or whole or spaces)[-1]
    return text[:cut].rstrip(" ,;:–") + "…"


def balanced(text: str) -> bool:
    """Whether every quotation and parenthesis opened in ``text`` is closed."""
    return text.count("„") == text.count("”") and text.count("(") == text.count(")")
