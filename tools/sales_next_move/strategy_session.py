"""What the strategy panel's tabs are composed from: a session's analysis, read once.

Besides the reading itself it holds what several tabs share: which objections the session
raises, in order, and the lemma sets that tell whether two texts say one thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.pack import Pack, load_pack
from tools.polish_text import fold, terms
from tools.sales_next_move.vocabulary import Signal, load_vocabulary

FACETS = ("opis", "motywacje", "jak_mowi", "czerwone_flagi", "strategie")

Pair = tuple[str, str]  # (text, source)


@dataclass(frozen=True, slots=True)
class Session:
    """What the tabs are composed from: the analysis, read once."""

    analysis: Mapping[str, Any]
    slug: str | None
    chunk: dict[str, KnowledgeEntry | None]
    signals: list[dict[str, Any]]  # one per evidence, the latest kept
    moves: list[Mapping[str, Any]]
    history: Sequence[Mapping[str, Any]]
    pack: Pack
    entries: dict[str, KnowledgeEntry]
    vocabulary: dict[str, Signal]


def read_session(
    analysis: Mapping[str, Any], history: Sequence[Mapping[str, Any]], pack: Pack
) -> Session:
    """The session's archetype chunks, signals and moves; an archetype the pack lacks is none."""
    entries = {e.id: e for e in pack.entries}
    primary = (analysis.get("archetype") or {}).get("primary")
    slug = primary if f"archetype.{primary}.opis" in entries else None
    return Session(
        analysis=analysis,
        slug=slug,
        chunk={facet: entries.get(f"archetype.{slug}.{facet}") for facet in FACETS},
        signals=_session_signals(analysis),
        moves=list(analysis.get("next_moves") or []),
        history=history,
        pack=pack,
        entries=entries,
        vocabulary={v.id: v for v in load_vocabulary().signals},
    )


def _session_signals(analysis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """This turn's signals and the earlier ones, one per evidence (its latest turn kept)."""
    turn = int(analysis.get("turn") or 0)
    merged = [
        {**x, "turn": int(x.get("turn", turn))} for x in analysis.get("session_signals") or []
    ]
    merged += [{**x, "turn": turn} for x in analysis.get("signals") or []]
    latest: dict[str, dict[str, Any]] = {}
    for signal in sorted(merged, key=lambda x: x["turn"]):
        key = fold(signal["evidence"])
        latest.pop(key, None)
        latest[key] = signal
    return list(latest.values())


def objection_ids(s: Session) -> list[str]:
    """This turn's objections, then those the session's signals imply, closest to its words.

    A broad signal implies several objections ("wątpi w elektromobilność": fire, hydrogen,
    ecology); those whose typical phrasing shares the notes' rarer words come first.
    """
    matched = [o["id"] for o in s.analysis.get("objections") or [] if o["id"] in s.entries]
    implied: dict[str, int] = {}  # objection -> the latest turn implying it
    for signal in sorted(s.signals, key=lambda x: -x["turn"]):
        known = s.vocabulary.get(signal["id"])
        for oid in known.objections if known else ():
            if oid in s.entries and oid not in matched:
                implied.setdefault(oid, signal["turn"])
    notes = frozenset().union(*(words(t.get("text") or "") for t in s.history))
    claims = {e.id: _claim_words(e) for e in s.pack.entries if e.kind == "objection"}
    spread = Counter(w for found in claims.values() for w in found)

    def heard(oid: str) -> float:
        return sum(1 / spread[w] for w in claims[oid] & notes)

    return matched + sorted(implied, key=lambda oid: (-heard(oid), -implied[oid]))


def _claim_words(entry: KnowledgeEntry) -> frozenset[str]:
    """The words of an objection as clients put it: its title and "klient mówi" quotes."""
    return words(f"{entry.title} {entry.text.split('Skąd się bierze:', 1)[0]}")


@lru_cache(maxsize=4096)
def words(text: str, *, drop_stopwords: bool = True) -> frozenset[str]:
    """Lemmas: "fotelikach" and "fotelików" are one word to whoever compares two questions."""
    return frozenset(terms(text, drop_stopwords=drop_stopwords))


@cache
def bundled_pack() -> Pack:
    """The knowledge pack shipped with Sight (read once)."""
    return load_pack()
