"""The strategy panel's qualifying questions: the pack's question sets closest to the session.

Sets are ranked by the topics they share with the session and taken one question at a time
from each (round-robin), so the tab covers several topics; what a next move already asks is
left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import Pack
from tools.knowledge.triggers import TriggerDetector, bundled_detector
from tools.sales_next_move.excerpts import QUOTE
from tools.sales_next_move.strategy_session import (
    Pair,
    Session,
    bundled_pack,
    objection_ids,
    words,
)

QUESTIONS = 5
ASKED_OVERLAP = 0.6  # share of a question's words already in a move's question: asked already
GENERIC_TAGS = frozenset({"kwalifikacja", "profil_klienta", "motywacje"})
# Where a client nobody has read yet starts: priorities, timing, daily use, current car.
GENERIC_SETS = (
    "question.ranking_priorytetow",
    "question.proces_decyzyjny_i_termin",
    "question.codzienna_trasa_i_ladowanie",
    "question.obecne_auto_i_przebieg",
)


def questions(s: Session) -> Iterable[Pair]:
    """Questions of the sets closest to the session, one set after another (round-robin).

    A set scores twice for each topic the session's objections or archetype profile share
    with it, once for a topic of the session's modules, once when a move cites it and once
    when it names the archetype. Questions a move already asks are left out.
    """
    strong, weak = _session_tags(s)
    cited = {k for m in s.moves for k in (m.get("provenance") or {}).get("knowledge", ())}
    asked = [words(q) for m in s.moves for q in QUOTE.findall(m["text"]) or [m["text"]]]
    mention = _mention(s.slug)
    ranked = []
    for order, entry in enumerate(e for e in s.pack.entries if e.kind == "question"):
        tags = set(entry.tags)
        score = 2 * len(tags & strong) + len(tags & weak - strong) + (entry.id in cited)
        score += bool(mention and mention.search(entry.text))
        generic = GENERIC_SETS.index(entry.id) if entry.id in GENERIC_SETS else len(GENERIC_SETS)
        fresh = [q for q, found in _bullets(entry.text) if not _was_asked(found, asked)]
        if fresh:
            ranked.append(((-score, generic, order), entry.id, fresh))
    ranked.sort()
    relevant = sum(1 for key, _, _ in ranked if key[0] < 0)
    chosen = ranked[: min(QUESTIONS, max(3, relevant))]
    for depth in range(max((len(fresh) for _, _, fresh in chosen), default=0)):
        for _, set_id, fresh in chosen:
            if depth < len(fresh):
                yield fresh[depth], set_id


def _session_tags(s: Session) -> tuple[set[str], set[str]]:
    """Topics of the whole session: strong (objections, archetype profile), weak (modules)."""
    modules = {m["module"] for m in s.analysis.get("modules") or []}
    for signal in s.signals:
        modules.update(s.vocabulary[signal["id"]].modules if signal["id"] in s.vocabulary else ())
    for turn in s.history:
        modules.update(_turn_modules(turn.get("text") or "", s.pack))
    weak = {t for e in s.pack.entries if e.module in modules for t in e.tags}
    strong = {t for oid in objection_ids(s) for t in s.entries[oid].tags}
    for facet in ("opis", "motywacje"):
        strong.update(s.chunk[facet].tags if s.chunk[facet] else ())
    return strong - GENERIC_TAGS, weak - GENERIC_TAGS


def _turn_modules(text: str, pack: Pack) -> Iterable[str]:
    if pack is bundled_pack():
        return _bundled_turn_modules(text)
    return [m.slug for m in TriggerDetector(pack.modules).detect(text)]


@lru_cache(maxsize=4096)
def _bundled_turn_modules(text: str) -> tuple[str, ...]:
    """Modules a turn's text triggers (a session's turns are read again on every panel)."""
    return tuple(m.slug for m in bundled_detector().detect(text))


@lru_cache(maxsize=256)
def _bullets(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The quoted question of each "•" bullet (the intro and the notes quote other things)."""
    found = (m.group(1) for part in text.split("•")[1:] if (m := QUOTE.search(part)))
    return tuple((q, words(q)) for q in found)


def _was_asked(found: frozenset[str], asked: list[frozenset[str]]) -> bool:
    return bool(found) and any(len(found & a) >= ASKED_OVERLAP * len(found) for a in asked)


def _mention(slug: str | None) -> re.Pattern[str] | None:
    """The archetype's name in any case ending ("Strażnika Rodziny", "Łowcę Okazji")."""
    if slug not in ARCHETYPES:
        return None
    stems = [re.escape(w[: max(4, len(w) - 2)]) + r"\w*" for w in ARCHETYPES[slug].split()]
    return re.compile(r"\s+".join(stems))
