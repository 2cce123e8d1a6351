"""What the mentor reads: references to a tenant's results and their rendered facts.

A result is named by its kind and id (a persona id, a focus group id, a KPI snapshot key, a
sales session id). Rendered, it is a block of short Polish facts, each tagged with topics so
that a question's words can pick the facts it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from tools.polish_text import fold, tokens

Kind = Literal["persona", "focus_group", "kpi", "sales_session"]
KINDS: tuple[Kind, ...] = get_args(Kind)

CORE, USEFUL, DETAIL = 1.0, 0.6, 0.3  # weights: what a block says first, then the rest
MAX_FACTS = 25
# Words a question's text may hold -> the stems of the concept a user would ask about.
CONCEPTS = (
    (("cen", "koszt", "drog", "tani", "tań", "płac", "zapłac", "złot", "budżet", "pieni", "opłat"),
     ("cen", "koszt", "drog", "tani", "płac", "zapłac", "budżet", "złot", "opłat")),
    (("zasięg", "ładow", "bateri", "akumul", "prąd", "kilometr"),
     ("zasięg", "ładow", "bateri", "prąd")),
    (("kup", "zakup", "nabyć", "nabyc"), ("kup", "zakup")),
    (("powstrzym", "barier", "przeszk", "obaw", "boi", "bać", "problem", "wad", "martw"),
     ("barier", "obaw", "przeszk", "powstrzym", "problem", "wad")),
    (("eko", "środowisk", "klimat", "emisj", "spalin"), ("eko", "środowisk", "klimat")),
)  # fmt: skip


@dataclass(frozen=True)
class ResultRef:
    """One of a tenant's results: a persona id, focus group id, KPI key or sales session id."""

    kind: Kind
    id: str


@dataclass(frozen=True)
class Fact:
    """One Polish sentence or phrase about a result, numbers written the Polish way.

    ``topics`` are lower-case stems (Polish and English, with and without diacritics): a
    question word that starts with a topic, or contains it, is about the fact ("cenie" ->
    "cen"). List items are separated by ", " so "1, 5" never reads as the decimal "1,5".
    """

    text: str
    topics: frozenset[str]
    weight: float = CORE


@dataclass(frozen=True)
class ResultBlock:
    """A result rendered for the mentor: a Polish title and its facts, most important first."""

    ref: ResultRef
    title: str
    facts: list[Fact]
    created_at: datetime | None


def topics(*groups: Iterable[str]) -> frozenset[str]:
    """The union of topic groups, each stem also without Polish diacritics.

    A stem that starts with another stem of the set is dropped ("lojalnoś" beside "lojaln"):
    a question word would match both, counting one idea twice.
    """
    stems = {t.lower() for group in groups for t in group if t}
    stems |= {fold(t) for t in stems}
    return frozenset(t for t in stems if not any(t != s and t.startswith(s) for s in stems))


def ranked(facts: list[Fact], limit: int = MAX_FACTS) -> list[Fact]:
    """The facts by weight (stable: equal weights keep their order), at most `limit`."""
    return sorted(facts, key=lambda fact: -fact.weight)[:limit]


def text_topics(*texts: Any) -> set[str]:
    """Stems of the words of `texts` (their first 5 letters) and of the concepts they touch."""
    words = [w for text in texts for w in tokens(str(text or "")) if w.isalpha()]
    found = {w[:5] for w in words if len(w) >= 4}
    for cues, stems in CONCEPTS:
        if any(w.startswith(cue) for w in words for cue in cues):
            found.update(stems)
    return found
