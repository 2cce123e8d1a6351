"""What the focus-group eval measures on a planted run: themes, quotes, distributions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from math import comb
from typing import Any


def adjusted_rand_index(truth: Sequence[Hashable], found: Sequence[Hashable]) -> float:
    """Hubert and Arabie's ARI of two labellings of the same items (1 = identical partitions)."""
    n = len(truth)
    if n < 2:
        return 1.0
    pairs = Counter(zip(truth, found, strict=True))
    index = sum(comb(c, 2) for c in pairs.values())
    rows = sum(comb(c, 2) for c in Counter(truth).values())
    cols = sum(comb(c, 2) for c in Counter(found).values())
    expected = rows * cols / comb(n, 2)
    best = (rows + cols) / 2
    if best == expected:
        return 1.0
    return (index - expected) / (best - expected)


def theme_recovery(
    block: dict[str, Any], rows: list[dict[str, Any]], planted: dict[str, str]
) -> dict[str, Any]:
    """ARI of the report's themes against the planted families, and whether every theme's quote
    is an answer of that theme, attributed to the persona who gave it.

    ``planted``: persona id -> family of its answer to this question.
    """
    theme_of = {aid: t["id"] for t in block.get("themes") or [] for aid in t["answer_ids"]}
    by_id = {r["id"]: r for r in rows}
    answered = [r for r in rows if r["id"] in theme_of]
    ari = adjusted_rand_index(
        [planted[r["persona_id"]] for r in answered], [theme_of[r["id"]] for r in answered]
    )
    quotes_right = 0
    for theme in block.get("themes") or []:
        quote = theme["quote"]
        source = by_id.get(quote["answer_id"])
        quotes_right += bool(
            source is not None
            and source["persona_id"] == quote["persona_id"]
            and source["text"] == quote["text"]
            and quote["answer_id"] in theme["answer_ids"]
        )
    themes = len(block.get("themes") or [])
    return {
        "ari": round(ari, 4),
        "themes": themes,
        "quote_attribution": quotes_right / themes if themes else 0.0,
        "covered": len(answered) / max(1, len(rows)),
    }


def distribution_exact(block: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    """Whether the report's stated distribution equals a recount of the stored answers."""
    answered = [r for r in rows if r["status"] == "answered"]
    kind = block["type"]
    counts = (block.get("distribution") or {}).get("counts")
    if kind == "likert":
        recount = Counter(str(r["answer"]["point"]) for r in answered)
        return all(counts.get(k, 0) == v for k, v in recount.items()) and sum(
            counts.values()
        ) == len(answered)
    if kind == "single_choice":
        recount = Counter(r["answer"]["option"] for r in answered)
        return all(counts.get(k, 0) == v for k, v in recount.items()) and sum(
            counts.values()
        ) == len(answered)
    if kind == "numeric":
        values = [r["answer"]["value"] for r in answered]
        mean = sum(values) / len(values)
        return abs(block["distribution"]["mean"] - mean) < 1e-9 and block["distribution"][
            "n"
        ] == len(values)
    return True
