"""Keyword-triggered knowledge modules (docs/requirements.md §4.3): spot the words, pull chunks.

A trigger is a word or short phrase in its base form ("firma", "ładowarka domowa"); it fires
when its lemmas occur in the text in order, whatever their inflection ("w firmie", "ładowarkę
domową"). Matching on lemmas is what keeps "dzieciom" and "dzieci" one trigger. Stop words are
kept on both sides: "mój elektryk" (a subsidy programme) must not fire on any "elektryk".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from tools.knowledge.base import KnowledgeBase
from tools.knowledge.pack import Module, load_pack
from tools.knowledge.results import SearchHit
from tools.polish_text import terms


@dataclass(frozen=True, slots=True)
class ModuleMatch:
    """A module the text activates and the triggers that fired."""

    slug: str
    title: str
    triggers: tuple[str, ...]
    hits: int = field(default=0)


class TriggerDetector:
    """Finds which modules a text activates (precomputed trigger lemmas, linear in the text)."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self._modules = list(modules)
        self._patterns = [_patterns(m.triggers) for m in self._modules]

    def detect(self, text: str) -> list[ModuleMatch]:
        """Modules activated by ``text``, most triggers first."""
        seq = terms(text, drop_stopwords=False)
        found: list[ModuleMatch] = []
        for module, patterns in zip(self._modules, self._patterns, strict=True):
            fired = [t for t, pat in patterns if pat and _occurs(pat, seq)]
            if fired:
                hits = sum(_count(pat, seq) for t, pat in patterns if t in fired)
                found.append(ModuleMatch(module.slug, module.title, tuple(fired), hits))
        return sorted(found, key=lambda m: (-len(m.triggers), -m.hits, m.slug))


@cache
def bundled_detector() -> TriggerDetector:
    """A detector for the modules of the bundled knowledge pack (built once)."""
    return TriggerDetector(load_pack().modules)


def _patterns(triggers: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(trigger, its lemma sequence), one per distinct sequence ("dzieci" = "dziecko")."""
    out: dict[tuple[str, ...], str] = {}
    for trigger in triggers:
        out.setdefault(tuple(terms(trigger, drop_stopwords=False)), trigger)
    return [(t, pat) for pat, t in out.items()]


def _count(pattern: tuple[str, ...], seq: list[str]) -> int:
    n = len(pattern)
    return sum(1 for i in range(len(seq) - n + 1) if tuple(seq[i : i + n]) == pattern)


def _occurs(pattern: tuple[str, ...], seq: list[str]) -> bool:
    return _count(pattern, seq) > 0


@dataclass(frozen=True, slots=True)
class PulledModule:
    """A module the text activated, with its most relevant chunks for that text."""

    match: ModuleMatch
    hits: tuple[SearchHit, ...]


async def pull_modules(
    kb: KnowledgeBase,
    detector: TriggerDetector,
    text: str,
    *,
    per_module: int = 3,
    tenant: str | None = None,
) -> list[PulledModule]:
    """Detect the modules ``text`` activates and fetch each one's chunks, best for the text first.

    This is the co-pilot's dynamic context enrichment (docs/requirements.md §4.4): a note that
    mentions "firma" and "leasing" brings the company-car and financing modules into the prompt.
    """
    pulled = []
    for match in detector.detect(text):
        result = await kb.search(
            text, filters={"module": match.slug}, limit=per_module, tenant=tenant
        )
        pulled.append(PulledModule(match, tuple(result.hits)))
    return pulled
