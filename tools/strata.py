"""A segment's persons by settlement class x age bin x sex, with education and income shares.

What ``tools.population`` sums: the regional tables (``tools.regions``) restricted to the
segment's ages, sexes and location. A city keeps the national structure (its share of every
cell); a class or voivodeship has its own age, sex, education and income shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tools import income_ranges, regions
from tools.population_data import (
    EDUCATION_LEVELS,
    FEMALE,
    INCOME_BRACKETS,
    MALE,
    NONBINARY,
    SEXES,
    city_rows,
    data,
    national_bins,
)

if TYPE_CHECKING:
    from tools.population import Segment


@dataclass(frozen=True)
class Strata:
    """Persons per (class, age bin, sex label) and their education / income shares."""

    sexes: tuple[str, ...]
    persons: np.ndarray  # (class, bin, sex)
    education: np.ndarray  # (class, bin, sex, level)
    income: np.ndarray  # (class, bin, sex, bracket)


def sexes_of(segment: Segment) -> tuple[str, ...]:
    """The sex labels the segment's persons are counted under."""
    # The census records two sexes, so women + men already count everyone.
    if not segment.genders or {FEMALE, MALE} <= set(segment.genders):
        return SEXES
    return segment.genders


def city_share(city: str | None) -> float:
    """A city's share of the national population (1 for all of Poland)."""
    if city is None:
        return 1.0
    return city_rows()[city]["population"] / data()["cities"]["national_total"]


def age_fractions(segment: Segment) -> np.ndarray:
    """The part of each 5-year age bin inside the segment's ages (uniform within a bin)."""
    return np.array(
        [
            max(0, min(b["hi"], segment.age_max) - max(b["lo"], segment.age_min) + 1)
            / (b["hi"] - b["lo"] + 1)
            for b in national_bins()
        ]
    )


def strata(segment: Segment, *, sexes: bool = True, location: bool = True) -> Strata:
    """Persons in the segment's ages (and sexes, and location), by class x age bin x sex."""
    inside = age_fractions(segment)
    if location and segment.regional:
        base = regions.persons(segment.settlement_classes, segment.voivodeships)
    else:
        # A city keeps the national structure (its share of every cell).
        base = regions.persons() * (city_share(segment.city) if location else 1.0)
    base = base * inside[None, :, None]
    shares = [regions.class_shares("education"), regions.class_shares("income")]
    labels = sexes_of(segment) if sexes else SEXES
    persons, tables = [], [[], []]
    for label in labels:
        if label != NONBINARY:
            persons.append(base[..., SEXES.index(label)])
            for out, table in zip(tables, shares, strict=True):
                out.append(table[:, :, SEXES.index(label)])
            continue
        both = base.sum(-1)
        persons.append(both * data()["seed_fallback"]["gender"][NONBINARY])
        for out, table in zip(tables, shares, strict=True):
            pooled = (base[..., None] * table).sum(2)
            out.append(np.divide(pooled, both[..., None], out=np.zeros_like(pooled),
                                 where=both[..., None] > 0))  # fmt: skip
    return Strata(labels, np.stack(persons, 2), np.stack(tables[0], 2), np.stack(tables[1], 2))


def selection(segment: Segment) -> tuple[np.ndarray, np.ndarray]:
    """Weights of each education level and income bracket (parts of brackets count part)."""
    levels = set(segment.education_levels or EDUCATION_LEVELS)
    education = np.array([1.0 if e in levels else 0.0 for e in EDUCATION_LEVELS])
    counted = income_ranges.fractions(segment.income_brackets, segment.income_ranges)
    income = np.array([counted.get(b, 0.0) for b in INCOME_BRACKETS])
    return education, income
