"""Fit the results into the prompt's token limit, the facts a question asks about first.

Every block keeps its title (the model must know which results exist); facts are then taken by
relevance (their topics against the question's words) and importance until the limit, and
written back in each block's own order. What did not fit is counted, so the answer can say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
MATCH_BONUS = 1.5


@dataclass(frozen=True)
class Selection:
    """The results text of one prompt and what it holds."""

    text: str
    tokens: int
    refs: list[Any] = field(default_factory=list)  # the blocks' refs, in order
    facts: int = 0
    left_out: int = 0  # facts that did not fit
    facts_by_block: list[list[Any]] = field(default_factory=list)  # chosen Fact objects


def words_of(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def relevance(topics: frozenset[str], words: Sequence[str]) -> int:
    """How many of a fact's topics the question's words start with (Polish stems)."""
    return sum(1 for topic in topics if any(word.startswith(topic) for word in words))


def header(block: Any) -> str:
    return f"## {block.title} [{block.ref.kind}: {block.ref.id}]"


def fit(blocks: Sequence[Any], question: str, limit: int, count: Callable[[str], int]) -> Selection:
    """Choose each block's facts for ``question`` within ``limit`` tokens (``count`` counts)."""
    words = words_of(question)
    used = 0
    kept: list[int] = []
    for index, block in enumerate(blocks):
        cost = count(header(block)) + 1
        if used + cost > limit:
            break
        used += cost
        kept.append(index)
    ranked = sorted(
        (
            (
                -(fact.weight + MATCH_BONUS * relevance(fact.topics, words)),
                position,
                index,
                fact_index,
            )
            for position, index in enumerate(kept)
            for fact_index, fact in enumerate(blocks[index].facts)
        )
    )
    chosen: dict[int, set[int]] = {index: set() for index in kept}
    total = sum(len(blocks[index].facts) for index in kept)
    for _, _, index, fact_index in ranked:
        cost = count("- " + blocks[index].facts[fact_index].text) + 1
        if used + cost > limit:
            continue  # a shorter fact may still fit
        used += cost
        chosen[index].add(fact_index)
    lines: list[str] = []
    facts_by_block: list[list[Any]] = []
    for index in kept:
        block = blocks[index]
        picked = [block.facts[i] for i in sorted(chosen[index])]
        facts_by_block.append(picked)
        lines.append(header(block))
        lines.extend(f"- {fact.text}" for fact in picked)
    facts = sum(len(picked) for picked in facts_by_block)
    left_out = total - facts + sum(len(b.facts) for i, b in enumerate(blocks) if i not in chosen)
    return Selection(
        text="\n".join(lines),
        tokens=used,
        refs=[blocks[index].ref for index in kept],
        facts=facts,
        left_out=left_out,
        facts_by_block=facts_by_block,
    )
