"""Sentiment of Polish answers from a lexicon, and the summary over answers' sentiment fields.

The lexicon scorer is the fallback when no model labelled an answer: each word is looked up
by its surface form, then by its lemma; a negator ("nie", "bez", "brak") flips the next
sentiment word, an intensifier ("bardzo", "trochę") scales it, and after a contrast word
("ale", "jednak") the following clause counts more (the VADER heuristics, kept for Polish).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from tools.focus_group.analysis.lemmas import lemma_of
from tools.focus_group.analysis.sentiment_lexicon import (
    CONTRASTS,
    INTENSIFIERS,
    NEGATORS,
    surface_table,
)
from tools.polish_text import tokens

LABELS = ("positive", "neutral", "negative")
MODIFIER_WINDOW = 3  # tokens a negator or intensifier reaches: "nie jest to drogie"
# VADER measured that a negated word keeps about three quarters of its strength, reversed.
NEGATION_FACTOR = -0.75
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
# score = s / sqrt(s^2 + ALPHA): one ordinary word (0.6) gives 0.51, two strong words 0.89.
ALPHA = 1.0
LABEL_THRESHOLD = 0.2


@cache
def _table() -> dict[str, float]:
    return surface_table()


def word_polarity(token: str) -> float:
    """Polarity of one lower-cased token by its form, its lemma, or a "nie-" prefix; 0 if none."""
    table = _table()
    if token in table:
        return table[token]
    lemma = lemma_of(token)
    if lemma in table:
        return table[lemma]
    if token.startswith("nie") and len(token) > 5:  # "niedrogi", "niewygodne"
        return NEGATION_FACTOR * table.get(token[3:], table.get(lemma_of(token[3:]), 0.0))
    return 0.0


def _hits(words: list[str]) -> list[float]:
    """Signed, modified polarity of each sentiment word of ``words``."""
    hits: list[float] = []
    negated = False
    boost = 1.0
    reach = 0  # tokens the pending negation or intensifier still reaches
    contrast_at: int | None = None
    for word in words:
        if word in NEGATORS:
            negated, reach = True, MODIFIER_WINDOW
            continue
        if word in INTENSIFIERS:
            boost, reach = boost * INTENSIFIERS[word], MODIFIER_WINDOW
            continue
        if word in CONTRASTS:
            contrast_at = len(hits)
            negated, boost, reach = False, 1.0, 0
            continue
        polarity = word_polarity(word)
        if polarity:
            hits.append(polarity * boost * (NEGATION_FACTOR if negated else 1.0))
            negated, boost, reach = False, 1.0, 0
        elif reach:
            reach -= 1
            if not reach:
                negated, boost = False, 1.0
    if contrast_at is not None and contrast_at < len(hits):
        hits = [h * BEFORE_CONTRAST for h in hits[:contrast_at]] + [
            h * AFTER_CONTRAST for h in hits[contrast_at:]
        ]
    return hits


def lexicon_sentiment(text: str) -> dict[str, Any]:
    """Score Polish ``text``: ``{label, score in [-1, 1], method: "lexicon"}``."""
    total = sum(_hits(tokens(text, drop_stopwords=False)))
    score = total / math.sqrt(total * total + ALPHA)
    if score >= LABEL_THRESHOLD:
        label = "positive"
    elif score <= -LABEL_THRESHOLD:
        label = "negative"
    else:
        label = "neutral"
    return {"label": label, "score": round(score, 4), "method": "lexicon"}


def aggregate_sentiment(sentiments: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Summarise answers' sentiment fields: counts per label, mean score, count per method.

    ``None`` entries (no sentiment) are skipped; ``n`` is the number summarised.
    """
    given = [s for s in sentiments if s]
    labels = Counter(s.get("label") for s in given)
    methods = Counter(s.get("method") for s in given)
    scores = [float(s["score"]) for s in given if s.get("score") is not None]
    return {
        "counts": {label: labels.get(label, 0) for label in LABELS},
        "mean": sum(scores) / len(scores) if scores else None,
        "methods": {"model": methods.get("model", 0), "lexicon": methods.get("lexicon", 0)},
        "n": len(given),
    }
