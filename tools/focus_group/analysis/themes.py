"""Themes of open answers: clusters of their embeddings, labelled by distinctive lemmas.

A theme's label is its top lemmas by class-based TF-IDF (c-TF-IDF, as BERTopic uses): a lemma
scores high when many of the theme's answers use it and few other themes do. Term frequency
counts answers, not occurrences, so one long answer repeating a word cannot name a theme.
The quote is the answer closest to the theme's centre.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tools.focus_group.analysis.clustering import cluster
from tools.focus_group.analysis.embeddings import Vector, vectors_for
from tools.focus_group.analysis.lemmas import lemmas

LABEL_LEMMAS = 3
TOP_LEMMAS = 5


def ctfidf(groups: Sequence[Sequence[set[str]]]) -> list[dict[str, float]]:
    """Score each lemma of each group: answer frequency x log(1 + mean group size / frequency).

    ``groups`` holds, per group, the set of lemmas of each of its answers.
    """
    counts = [Counter(lemma for answer in group for lemma in answer) for group in groups]
    sizes = [sum(c.values()) for c in counts]
    total = Counter[str]()
    for c in counts:
        total.update(c)
    mean_size = sum(sizes) / max(len(groups), 1)
    return [
        {t: (f / size) * math.log(1 + mean_size / total[t]) for t, f in c.items()} if size else {}
        for c, size in zip(counts, sizes, strict=True)
    ]


def top_lemmas(scores: Mapping[str, float], k: int = TOP_LEMMAS) -> list[str]:
    """The ``k`` best-scoring lemmas, ties broken alphabetically so labels are stable."""
    return [t for t, s in sorted(scores.items(), key=lambda ts: (-ts[1], ts[0])) if s > 0][:k]


def find_themes(
    answers: Sequence[Mapping[str, Any]], vectors: Mapping[str, Vector]
) -> list[dict[str, Any]]:
    """Group open answers into themes, largest first.

    ``answers`` are answer records (``id``, ``persona_id``, ``text``); those without text or a
    vector are left out, and shares are of the answers clustered. Fewer than four answers form
    one theme (see ``clustering.MIN_N``).
    """
    by_id = {a["id"]: a for a in answers if str(a.get("text") or "").strip()}
    ids, unit = vectors_for(list(by_id), vectors)
    if not ids:
        return []
    labels, _ = cluster(unit)
    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    members.sort(key=lambda rows: (-len(rows), rows[0]))
    lemma_sets = [[set(lemmas(by_id[ids[i]]["text"])) for i in rows] for rows in members]
    scores = ctfidf(lemma_sets)
    themes = []
    for number, (rows, theme_scores) in enumerate(zip(members, scores, strict=True), start=1):
        centre = unit[rows].mean(axis=0)
        closest = ids[rows[int(np.argmax(unit[rows] @ centre))]]
        quote = by_id[closest]
        words = top_lemmas(theme_scores)
        themes.append(
            {
                "id": f"t{number}",
                "label": ", ".join(words[:LABEL_LEMMAS]),
                "lemmas": words,
                "size": len(rows),
                "share": len(rows) / len(ids),
                "quote": {
                    "answer_id": quote["id"],
                    "persona_id": quote.get("persona_id"),
                    "text": quote["text"],
                },
                "answer_ids": [ids[i] for i in rows],
            }
        )
    return themes


def theme_of(themes: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Map each answer id to the id of its theme."""
    return {aid: t["id"] for t in themes for aid in t["answer_ids"]}
