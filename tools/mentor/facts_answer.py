"""The answer written from the results alone: the facts a question asks about, per result.

Used when no model may write Polish (the embedded defaults) and when the model's answers were
not Polish twice. Its numbers are the results' own, so it is always grounded; it says that it
is a list of facts, not an explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.mentor.budget import relevance, words_of
from tools.mentor.refs import CORE

PER_BLOCK = 6
BLOCKS = 6


def facts_answer(
    blocks: Sequence[Any], facts_by_block: Sequence[Sequence[Any]], question: str, *, intro: str
) -> str:
    """Each result's title and its facts that match the question, most relevant first, under
    ``intro``; the results with no such fact are left out, unless no result has one (then
    each result's core facts)."""
    words = words_of(question)
    pairs = [(block, facts) for block, facts in zip(blocks, facts_by_block, strict=False) if facts]
    # When some results have facts the question asks about, the others are left out.
    matching_blocks = [
        (block, facts)
        for block, facts in pairs
        if any(relevance(fact.topics, words) for fact in facts)
    ]
    parts = [intro]
    for block, facts in (matching_blocks or pairs)[:BLOCKS]:
        scored = sorted(
            enumerate(facts),
            key=lambda item: (-relevance(item[1].topics, words), -item[1].weight, item[0]),
        )
        matching = [fact for _, fact in scored if relevance(fact.topics, words)]
        # The facts on the question, then the result's core facts (its outcome, its KPIs):
        # a "why" often lies in them even when no word of the question names them.
        core = [fact for _, fact in scored if fact.weight >= CORE and fact not in matching]
        picked = (matching[:PER_BLOCK] + core)[: max(PER_BLOCK, 3)]
        if matching:
            picked = [fact for fact in facts if fact in picked]  # the result's own order
        parts.append(f"\n**{block.title}**")
        parts.extend(f"- {fact.text}" for fact in picked)
    return "\n".join(parts)
