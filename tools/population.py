"""Estimate how many people in Poland fit a demographic segment.

The estimate follows the shape of docs/requirements.md §1.4 (base population x age x gender x education x income x
location, minimum 1,000) but reads each filter from Polish tables: census counts by age and
sex, split by settlement class and voivodeship (``tools.regions``), education and income
shares by age band, sex and settlement class, city populations. It sums over class x age bin x
sex, so the joint shape of the tables is kept instead of multiplying national marginals.
Dimensions without a table use the requirements' flat factors and say so (method ``"fallback"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tools import income_ranges, regions
from tools.population_data import (
    AGE_MAX_ALLOWED,
    AGE_MIN_ALLOWED,
    DATA_FILE,
    EDUCATION_LEVELS,
    FEMALE,
    GENDERS,
    INCOME_BRACKETS,
    MALE,
    NATIONAL,
    NONBINARY,
    city_rows,
    data,
    fold_text,
    national_bins,
    normalise_city,
    normalise_education,
    normalise_gender,
    normalise_income,
    source,
)
from tools.size_estimate import SEED_SOURCE, FactorUsed, SegmentSizeEstimate, finish, seed_estimate
from tools.strata import selection, sexes_of, strata

__all__ = [
    "AGE_MAX_ALLOWED", "AGE_MIN_ALLOWED", "DATA_FILE", "EDUCATION_LEVELS", "FEMALE", "GENDERS",
    "INCOME_BRACKETS", "MALE", "NATIONAL", "NONBINARY", "SEED_SOURCE", "Cell", "FactorUsed",
    "Segment", "SegmentSizeEstimate", "average_monthly_income", "city_populations",
    "estimate_segment_size", "fold_text", "income_mapping", "joint_cells", "known_values",
    "location_label", "national_population", "normalise_city", "normalise_education",
    "normalise_gender", "normalise_income",
]  # fmt: skip
Range = income_ranges.Range


def known_values() -> dict[str, list[Any]]:
    """List the accepted canonical values of every dimension, for error messages."""
    return {
        "genders": list(GENDERS),
        "education_levels": list(EDUCATION_LEVELS),
        "income_brackets": list(INCOME_BRACKETS),
        "cities": [NATIONAL, *city_rows()],
        "settlement_classes": list(regions.CLASSES),
        "voivodeships": list(regions.voivodeships()),
        "age_range": [AGE_MIN_ALLOWED, AGE_MAX_ALLOWED],
    }


def _canonical_ranges(ranges: Any, problems: list[str]) -> tuple[Range, ...]:
    found = []
    for item in ranges or ():
        low, high = item
        if low is None or low < 0 or (high is not None and high <= low):
            problems.append(f"income range {list(item)!r} must satisfy 0 <= low < high")
            continue
        found.append((float(low), None if high is None else float(high)))
    return tuple(found)


@dataclass(frozen=True)
class Segment:
    """A demographic segment with canonical values; empty tuples and ``city=None`` mean "all".

    Location is one city, or settlement classes and/or voivodeships (each set is a union).
    ``income_ranges`` (net PLN a month, ``high`` None when open) count parts of brackets and
    decide ``income_brackets`` (the brackets they touch); without ranges the brackets count
    whole. ``Segment(**asdict(segment)) == segment``. Aliases are canonicalised on construction;
    unknown values or ages outside [AGE_MIN_ALLOWED, AGE_MAX_ALLOWED] raise ValueError
    (validate user input first).
    """

    age_min: int
    age_max: int
    genders: tuple[str, ...] = ()
    education_levels: tuple[str, ...] = ()
    income_brackets: tuple[str, ...] = ()
    city: str | None = None
    settlement_classes: tuple[str, ...] = ()
    voivodeships: tuple[str, ...] = ()
    income_ranges: tuple[Range, ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not AGE_MIN_ALLOWED <= self.age_min <= self.age_max <= AGE_MAX_ALLOWED:
            problems.append(
                f"ages must satisfy {AGE_MIN_ALLOWED} <= age_min <= age_max <= "
                f"{AGE_MAX_ALLOWED}, got {self.age_min}-{self.age_max}"
            )
        for name, normalise, order in (
            ("genders", normalise_gender, GENDERS),
            ("education_levels", normalise_education, EDUCATION_LEVELS),
            ("income_brackets", normalise_income, INCOME_BRACKETS),
            ("settlement_classes", regions.normalise_class, regions.CLASSES),
            ("voivodeships", regions.normalise_voivodeship, regions.voivodeships()),
        ):
            values = getattr(self, name)
            values = (values,) if isinstance(values, str) else tuple(values)
            problems += [f"unknown {name} value {v!r}" for v in values if normalise(v) is None]
            found = {normalise(v) for v in values}
            object.__setattr__(self, name, tuple(v for v in order if v in found))
        city = normalise_city(self.city)
        if city is None:
            problems.append(f"unknown city {self.city!r}")
        object.__setattr__(self, "city", None if city == NATIONAL else city)
        if self.city and (self.settlement_classes or self.voivodeships):
            problems.append("a city cannot be combined with settlement classes or voivodeships")
        brackets, ranges = self.income_brackets, _canonical_ranges(self.income_ranges, problems)
        if ranges:  # the ranges decide; brackets given beside them must be the ones they touch
            brackets, ranges = income_ranges.canonical_income(ranges)
            stray = sorted(set(self.income_brackets) - set(brackets))
            if stray:
                problems.append(f"income brackets {stray} lie outside income_ranges")
        object.__setattr__(self, "income_brackets", brackets)
        object.__setattr__(self, "income_ranges", ranges)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def regional(self) -> bool:
        """Whether the segment picks settlement classes or voivodeships."""
        return bool(self.settlement_classes or self.voivodeships)


@dataclass(frozen=True)
class Cell:
    """One cell of a segment's joint distribution; ``weight`` is a number of persons.

    ``age_lo``..``age_hi`` is the part of the 5-year ``age_bin`` inside the segment.
    """

    age_bin: str
    age_lo: int
    age_hi: int
    sex: str
    education: str
    income: str
    weight: float


def joint_cells(segment: Segment) -> list[Cell]:
    """Return the joint (age bin, sex, education, income) distribution inside the segment.

    Weights are persons and sum to the unclamped segment size; zero-weight cells are dropped.
    Education and income are taken as independent given settlement class, age band and sex.
    """
    found = strata(segment)
    education, income = selection(segment)
    weights = np.einsum(
        "cbx,cbxe,cbxi->bxei",
        found.persons,
        found.education * education,
        found.income * income,
    )
    bins = national_bins()
    return [
        Cell(
            b["age"],
            max(b["lo"], segment.age_min),
            min(b["hi"], segment.age_max),
            sex,
            level,
            bracket,
            float(weights[i, x, e, k]),
        )
        for i, b in enumerate(bins)
        for x, sex in enumerate(found.sexes)
        for e, level in enumerate(EDUCATION_LEVELS)
        for k, bracket in enumerate(INCOME_BRACKETS)
        if weights[i, x, e, k] > 0
    ]


def location_label(segment: Segment) -> str:
    """Say in Polish where the segment lives ("wieś; woj. mazowieckie")."""
    if segment.city:
        return segment.city
    parts = [" lub ".join(segment.settlement_classes)] if segment.settlement_classes else []
    if segment.voivodeships:
        parts.append("woj. " + ", ".join(segment.voivodeships))
    return "; ".join(parts) or NATIONAL


def _location_factor(segment: Segment, factor: float) -> FactorUsed:
    if segment.regional:
        return FactorUsed(
            factor,
            "table",
            regions.regions_source(),
            f"share of these ages and sexes living in: {location_label(segment)}; persons by "
            "settlement class x voivodeship x age x sex derived from GUS totals (iterative "
            "proportional fitting, approximate), education and income by settlement class",
        )
    note = (
        "all of Poland"
        if segment.city is None
        else f"{segment.city}'s share of the national population; assumes the city's age, "
        "sex, education and income structure is the national one (cities have more "
        "graduates and higher incomes)"
    )
    return FactorUsed(factor, "table", source("cities"), note)


def estimate_segment_size(segment: Segment, *, use_tables: bool = True) -> SegmentSizeEstimate:
    """Estimate the number of people in Poland in ``segment``.

    Factors are chained conditionals (gender within the age range, location within those
    sexes, education within that, ...), so their product times the national total is the
    size. With ``use_tables=False`` compute the requirements' flat heuristic instead, for comparison.
    """
    if not use_tables:
        return seed_estimate(segment)
    national = sum(b[FEMALE] + b[MALE] for b in national_bins())
    found = strata(segment)
    education, income = selection(segment)
    in_education = (found.education * education).sum(-1)
    in_income = (found.income * income).sum(-1)
    stages = [
        national,
        strata(segment, sexes=False, location=False).persons.sum(),
        strata(segment, location=False).persons.sum(),
        found.persons.sum(),
        (found.persons * in_education).sum(),
        (found.persons * in_education * in_income).sum(),
    ]
    ratio = [float(b / a) if a else 0.0 for a, b in zip(stages, stages[1:], strict=False)]
    age_src = source("age_sex")
    gender = FactorUsed(ratio[1], "table", age_src, "share of the selected sexes in the ages")
    if NONBINARY in sexes_of(segment):
        gender = FactorUsed(
            ratio[1],
            "fallback",
            f"{SEED_SOURCE}; {age_src}",
            "no table for 'osoba niebinarna': the requirements' flat 2% of the "
            "age-filtered total, with both sexes' pooled education/income shares",
        )
    income_note = (
        "P(income in set | age band, sex, settlement class) from a derived table; assumes "
        "education and income are independent given settlement class x age band x sex"
    )
    if segment.income_ranges:
        income_note += "; " + income_ranges.ASSUMPTION
    factors = {
        "age": FactorUsed(
            ratio[0],
            "table",
            age_src,
            f"persons aged {segment.age_min}-{segment.age_max} / national total; "
            "partly covered 5-year bins interpolated uniformly (85+ as 85-100)",
        ),
        "gender": gender,
        "education": FactorUsed(
            ratio[3],
            "table",
            source("education"),
            "P(education in set | age band, sex, settlement class), summed over class x age "
            "x sex; the class tilt is derived (the classes add up to the national table)",
        ),
        "income": FactorUsed(ratio[4], "table", source("income"), income_note),
        "location": _location_factor(segment, ratio[2]),
    }
    return finish(sum(c.weight for c in joint_cells(segment)), national, factors)


def income_mapping(segment: Segment) -> dict[str, Any] | None:
    """Say how the segment's income ranges map onto the brackets (None without ranges)."""
    return income_ranges.mapping(segment.income_ranges)


def average_monthly_income(segment: Segment) -> tuple[float, str]:
    """Return the segment's weighted representative monthly net income (PLN) and its source.

    Weights come from ``joint_cells``; a bracket counted in part stands at the mean of that
    part. A segment empty in the tables gets the plain mean of its brackets' values.
    """
    values = dict(data()["income"]["representative_monthly_net_pln"])
    source_text = f"{source('income')}, derived; per-bracket values " + ", ".join(
        f"{k}: {v}" for k, v in values.items()
    )
    if segment.income_ranges:
        counted = income_ranges.bracket_shares(segment.income_ranges)
        values |= {s.bracket: s.mean_pln for s in counted}
        source_text += "; a bracket counted in part at the mean of the counted part"
    per_bracket = dict.fromkeys(INCOME_BRACKETS, 0.0)
    for cell in joint_cells(segment):
        per_bracket[cell.income] += cell.weight
    total = sum(per_bracket.values())
    if total:
        return sum(w / total * values[b] for b, w in per_bracket.items() if w), source_text
    brackets = segment.income_brackets or INCOME_BRACKETS
    return (
        sum(values[b] for b in brackets) / len(brackets),
        f"{source_text}; segment empty in the tables, plain mean of its brackets",
    )


def city_populations() -> dict[str, int]:
    """Return the population of every city in the tables, by canonical name."""
    return {name: row["population"] for name, row in city_rows().items()}


def national_population() -> int:
    """Return the national population the city shares are taken of."""
    return int(data()["cities"]["national_total"])
