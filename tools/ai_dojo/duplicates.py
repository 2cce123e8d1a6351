"""Whether a new teaching repeats a stored knowledge entry: lemma overlap, then dense cosine.

Stage 1 compares content lemmas (``tools.polish_text.terms``: folded lemmas without stop
words), so a reworded inflection ("Pragmatycznemu Analitykowi" / "Pragmatyczny Analityk") still
matches; a Jaccard overlap of at least ``lemma_jaccard`` is a duplicate. Stage 2 catches
paraphrases with other words: the cosine between the new text and the stored ``title\\ntext``,
both embedded as passages, of at least ``cosine``. With ``number_guard`` on, two texts that
both state numbers and state different ones ("20%" / "40%") are a correction, never a
duplicate. ``python -m evals.ai_dojo.fit`` fits all three on the ``fit`` half of the labelled
pairs (maximum F1) and writes them to thresholds.json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tools.ai_dojo.router import THRESHOLDS_PATH, RouterThresholds, load_router_thresholds
from tools.polish_text import terms

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True, slots=True)
class DuplicateThresholds:
    """When a new teaching counts as a duplicate of a stored entry."""

    lemma_jaccard: float = 0.6
    cosine: float = 0.95
    number_guard: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored entry close to the new teaching; ``cosine`` between their passage vectors."""

    id: str
    title: str
    text: str
    cosine: float


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """The stored entry the new teaching repeats, and the stage that said so."""

    id: str
    title: str
    stage: Literal["lemma", "embedding"]
    cosine: float
    jaccard: float


def passage(title: str, text: str) -> str:
    """How a stored entry is compared: its title, then its text (as the knowledge base embeds it)."""
    return f"{title}\n{text}" if title else text


def content_lemmas(text: str, language: str = "pl") -> frozenset[str]:
    """The distinct content lemmas of ``text``."""
    return frozenset(terms(text, language))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Size of the intersection over size of the union (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def numbers(text: str) -> frozenset[str]:
    """The numbers stated in ``text`` ("20-30%" gives 20 and 30; "2,5" is 2.5)."""
    return frozenset(m.replace(",", ".") for m in _NUMBER.findall(text))


def numbers_differ(new_text: str, existing: str) -> bool:
    """Whether both texts state numbers and the numbers are not the same."""
    mine, theirs = numbers(new_text), numbers(existing)
    return bool(mine) and bool(theirs) and mine != theirs


def pair_features(new_text: str, candidate: Candidate) -> tuple[float, float, bool]:
    """(lemma Jaccard, cosine, numbers differ) of the new text against one candidate."""
    existing = passage(candidate.title, candidate.text)
    overlap = jaccard(content_lemmas(new_text), content_lemmas(existing))
    return overlap, candidate.cosine, numbers_differ(new_text, existing)


def judge(
    new_text: str, candidates: Sequence[Candidate], th: DuplicateThresholds
) -> DuplicateMatch | None:
    """The candidate the new teaching repeats (the closest by cosine of those that pass), if any."""
    best: DuplicateMatch | None = None
    for candidate in candidates:
        overlap, cosine, differ = pair_features(new_text, candidate)
        if th.number_guard and differ:
            continue  # a different figure corrects the entry; it does not repeat it
        if overlap >= th.lemma_jaccard:
            stage: Literal["lemma", "embedding"] = "lemma"
        elif cosine >= th.cosine:
            stage = "embedding"
        else:
            continue
        match = DuplicateMatch(candidate.id, candidate.title, stage, cosine, round(overlap, 4))
        if best is None or (cosine, overlap) > (best.cosine, best.jaccard):
            best = match
    return best


def score_candidates(
    embedder: Any, new_text: str, entries: Sequence[Mapping[str, Any]]
) -> list[Candidate]:
    """Candidates from stored entries (``id``, ``title``, ``text``), cosine computed here.

    Both sides are embedded as passages: two statements of knowledge, not a question and an
    answer.
    """
    if not entries:
        return []
    texts = [new_text, *(passage(e.get("title", ""), e.get("text", "")) for e in entries)]
    vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = vectors[1:] @ vectors[0]
    return [
        Candidate(str(e["id"]), e.get("title", ""), e.get("text", ""), round(float(c), 4))
        for e, c in zip(entries, cosines, strict=True)
    ]


def load_thresholds(
    path: Path = THRESHOLDS_PATH,
) -> tuple[RouterThresholds, DuplicateThresholds]:
    """The fitted router and duplicate thresholds (defaults where the file is missing)."""
    if not path.is_file():
        return RouterThresholds(), DuplicateThresholds()
    data = json.loads(path.read_text(encoding="utf-8"))
    names = DuplicateThresholds.__dataclass_fields__
    dup = DuplicateThresholds(**{k: v for k, v in data["duplicates"].items() if k in names})
    return load_router_thresholds(path), dup
