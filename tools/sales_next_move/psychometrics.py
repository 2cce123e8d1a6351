"""A client's psychometric profile (Big Five, Schwartz values, DISC) from rules, nudged by a model.

Numbers come from ``tools/data/sales_next_move/psychometrics.json`` (read and validated in
``psychometric_table``; its names stay importable here): every archetype has a prior for every
dimension, mixed by the archetype scores, and signals seen in the session add fixed nudges. A model may move a dimension by ``MODEL_POINTS`` only when it quotes the salesperson's
notes, so it can refine the picture but never invent it. Confidence says how much evidence sits
behind each number: it starts low, grows with turns, a clear archetype and every nudge, and never
reaches certainty (``RULES_CAP`` / ``MODEL_CAP``): this is a sketch from a conversation, not a test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.sales_next_move.indicators import Problem
from tools.sales_next_move.model_signals import find_quote
from tools.sales_next_move.psychometric_table import (
    FRAMEWORKS,
    NUDGE_ID,
    PSYCHOMETRICS_PATH,
    Framework,
    Nudge,
    Prior,
    PsychometricTable,
    Score,
    default_psychometric_table,
    load_psychometric_table,
)

__all__ = [
    "FRAMEWORKS",
    "MODEL_CAP",
    "MODEL_POINTS",
    "NUDGE_ID",
    "PSYCHOMETRICS_PATH",
    "RULES_CAP",
    "DimensionNudge",
    "Nudge",
    "Prior",
    "PsychometricReading",
    "PsychometricTable",
    "Score",
    "default_psychometric_table",
    "load_psychometric_table",
    "profile",
]

MODEL_POINTS = 8  # what one quoted model nudge moves a dimension by
MAX_MODEL_NUDGES = 12
TURNS_HALF_AT = 4  # turns at which the turn factor of confidence reaches one half
TYPE_FLOOR = 0.4  # share of the turn factor kept when the archetype is wholly unclear
RULE_SHARE = 0.12  # share of the remaining doubt one fired rule nudge removes
MODEL_SHARE = 0.10  # the same for a quoted model nudge
RULES_CAP = 0.85  # without a model reading, a profile from rules never claims more
MODEL_CAP = 0.95

# Every dimension name, so the model's JSON schema lists them; the framework is checked later.
Dimension = Literal[tuple(d for dims in FRAMEWORKS.values() for d in dims)]  # type: ignore[valid-type]


class DimensionNudge(BaseModel):
    """One dimension the model reads in the notes, with the words that show it."""

    framework: Framework = Field(description="big_five, schwartz albo disc.")
    dimension: Dimension = Field(description="Wymiar z tej skali, np. security albo D.")
    direction: Literal["higher", "lower"] = Field(
        description="Czy notatka wskazuje wyżej, czy niżej."
    )
    quote: str = Field(description="Dosłowny fragment notatki.", min_length=2, max_length=200)


class PsychometricReading(BaseModel):
    """The deep model's reading of the notes: quoted nudges only, no scores."""

    nudges: list[DimensionNudge] = Field(default_factory=list, max_length=MAX_MODEL_NUDGES)


@dataclass(frozen=True, slots=True)
class _Quoted:
    """A model nudge that passed the checks: its points and the notes' own characters."""

    points: int
    evidence: str


def profile(
    archetype_scores: Mapping[str, float],
    signals_seen: Sequence[Mapping[str, Any]],
    turns: int,
    reading: PsychometricReading | None = None,
    notes: str = "",
    *,
    table: PsychometricTable | None = None,
) -> dict[str, Any]:
    """Score every dimension at ``turns`` from archetype priors, signal nudges and quoted model
    nudges; pure and deterministic.

    Signals from turns after ``turns`` are not known yet and are ignored; each nudge fires once
    however often its signal recurs.
    """
    table = table or default_psychometric_table()
    if turns < 0:
        raise InputValidationError([{"field": "turns", "message": "must be 0 or more"}])
    weights = _archetype_weights(archetype_scores)
    evidence_of = _signal_evidence(signals_seen, turns)
    fired = [n for n in table.nudges if n.signal in evidence_of]
    kept, dropped = _check_reading(reading, notes)
    base = turns / (turns + TURNS_HALF_AT) * (TYPE_FLOOR + (1 - TYPE_FLOOR) * _peakedness(weights))
    cap = MODEL_CAP if kept else RULES_CAP
    frameworks: dict[str, dict[str, Any]] = {}
    for framework, dims in FRAMEWORKS.items():
        frameworks[framework] = {}
        for dim in dims:
            prior = sum(w * getattr(table.priors[a], framework)[dim] for a, w in weights.items())
            rules = [n for n in fired if n.framework == framework and n.dimension == dim]
            model = kept.get((framework, dim))
            score = prior + sum(n.points for n in rules) + (model.points if model else 0)
            doubt = (1 - base) * (1 - RULE_SHARE) ** len(rules)
            doubt *= (1 - MODEL_SHARE) if model else 1.0
            quotes = [q for n in rules for q in evidence_of[n.signal]]
            frameworks[framework][dim] = {
                "score": math.floor(max(0.0, min(100.0, score)) + 0.5),
                "confidence": round(min(cap, 1 - doubt), 3),
                "sources": ["prior", *(n.id for n in rules), *(["model"] if model else [])],
                "evidence": list(dict.fromkeys([*quotes, *([model.evidence] if model else [])])),
            }
    confidences = [d["confidence"] for dims in frameworks.values() for d in dims.values()]
    return {
        "version": table.version,
        "by": "rules+model" if kept else "rules",
        "frameworks": frameworks,
        "confidence": round(sum(confidences) / len(confidences), 3),
        "dropped": dropped,
    }


def _archetype_weights(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores normalised to sum to one; none (or all zero) means every archetype alike."""
    problems: list[Problem] = []
    for slug, value in scores.items():
        if slug not in ARCHETYPES:
            problems.append({"field": "archetype_scores", "message": f"unknown archetype {slug!r}"})
        elif not 0.0 <= value <= 1.0:
            problems.append({"field": f"archetype_scores.{slug}", "message": "must be within 0..1"})
    if problems:
        raise InputValidationError(problems)
    total = sum(scores.values())
    if not total:
        return dict.fromkeys(ARCHETYPES, 1 / len(ARCHETYPES))
    return {slug: scores.get(slug, 0.0) / total for slug in ARCHETYPES}


def _peakedness(weights: Mapping[str, float]) -> float:
    """1 for a single archetype, 0 for all alike: one minus the normalised entropy."""
    entropy = -sum(w * math.log(w) for w in weights.values() if w > 0)
    return max(0.0, 1 - entropy / math.log(len(ARCHETYPES)))


def _signal_evidence(signals: Sequence[Mapping[str, Any]], turns: int) -> dict[str, list[str]]:
    """Each signal seen by ``turns``, with its distinct evidence quotes in the order seen."""
    out: dict[str, list[str]] = {}
    for signal in signals:
        if int(signal.get("turn", turns)) > turns:
            continue
        quotes = out.setdefault(signal["id"], [])
        evidence = signal.get("evidence")
        if evidence and evidence not in quotes:
            quotes.append(evidence)
    return out


def _check_reading(
    reading: PsychometricReading | None, notes: str
) -> tuple[dict[tuple[str, str], _Quoted], list[dict[str, str]]]:
    """Keep the first quoted nudge per dimension; list the rest with the reason they went."""
    kept: dict[tuple[str, str], _Quoted] = {}
    dropped: list[dict[str, str]] = []
    for item in reading.nudges if reading else []:
        key = (item.framework, item.dimension)
        span = find_quote(notes, item.quote)
        if item.dimension not in FRAMEWORKS[item.framework]:
            reason = "dimension_not_in_framework"
        elif span is None:
            reason = "quote_not_in_notes"
        elif key in kept:
            reason = "dimension_already_nudged"
        else:
            points = MODEL_POINTS if item.direction == "higher" else -MODEL_POINTS
            kept[key] = _Quoted(points, notes[span[0] : span[1]])
            continue
        dropped.append({**item.model_dump(), "reason": reason})
    return kept, dropped
