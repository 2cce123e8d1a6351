"""A segment-size estimate's result types, and the requirements' flat heuristic it is compared with."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tools import regions
from tools.population_data import data, national_bins

if TYPE_CHECKING:
    from tools.population import Segment

SEED_SOURCE = "Sight requirements heuristics (docs/requirements.md §1.4)"


@dataclass(frozen=True)
class FactorUsed:
    """The effective factor one dimension contributed, and where it came from."""

    factor: float
    method: Literal["table", "fallback"]
    source: str
    note: str


@dataclass(frozen=True)
class SegmentSizeEstimate:
    """Segment size (>= the requirements' minimum of 1,000) and the factors that produced it.

    ``raw_size`` (before clamping) = ``base_population`` x the product of the factors.
    """

    size: int
    raw_size: float
    base_population: int
    clamped_to_minimum: bool
    factors: dict[str, FactorUsed]


def finish(raw: float, base: int, factors: dict[str, FactorUsed]) -> SegmentSizeEstimate:
    """Round ``raw`` and clamp it to the requirements' minimum segment size."""
    minimum = data()["seed_fallback"]["minimum_segment_size"]
    return SegmentSizeEstimate(max(round(raw), minimum), raw, base, round(raw) < minimum, factors)


def _location(segment: Segment) -> tuple[float, str]:
    seed = data()["seed_fallback"]
    if segment.settlement_classes or segment.voivodeships:
        # The seed has no figure for a class or voivodeship: take its population share.
        everyone = sum(b["kobieta"] + b["mężczyzna"] for b in national_bins())
        inside = regions.persons(segment.settlement_classes, segment.voivodeships).sum()
        return float(inside / everyone), "no seed figure for a class or voivodeship: its share"
    if segment.city is None:
        return seed["location_national"], "one city 8%, all of Poland 100%"
    return seed["location_city"], "one city 8%, all of Poland 100%"


def seed_estimate(segment: Segment) -> SegmentSizeEstimate:
    """Estimate with the requirements' flat factors (docs/requirements.md §1.4) (for comparison with the tables)."""
    seed = data()["seed_fallback"]
    span = segment.age_max - segment.age_min + 1

    def per_item(share: float, items: tuple[str, ...]) -> float:
        return min(1.0, share * len(items)) if items else 1.0

    brackets = len(segment.income_brackets) if not segment.income_ranges else 0
    income = per_item(seed["income_share_per_bracket"], segment.income_brackets)
    if segment.income_ranges:
        from tools.income_ranges import bracket_shares

        brackets = sum(s.share for s in bracket_shares(segment.income_ranges))
        income = min(1.0, seed["income_share_per_bracket"] * brackets)
    values = {
        "age": (
            min(1.0, seed["age_share_per_10_years"] * span / 10),
            f"15% per 10 years of age, here {span} years",
        ),
        "gender": (
            min(1.0, sum(seed["gender"][g] for g in segment.genders)) if segment.genders else 1.0,
            "52% / 48% / 2% per gender, summed",
        ),
        "education": (
            per_item(seed["education_share_per_level"], segment.education_levels),
            "25% per selected level ('wyższe' 25%)",
        ),
        "income": (income, "20% per selected bracket (a bracket counted in part, in part)"),
        "location": _location(segment),
    }
    factors = {k: FactorUsed(f, "fallback", SEED_SOURCE, n) for k, (f, n) in values.items()}
    raw = seed["base_population"] * math.prod(f for f, _ in values.values())
    return finish(raw, seed["base_population"], factors)
