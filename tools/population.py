"""Estimate how many people in Poland fit a demographic segment.

The estimate follows the seed's shape (base population x age x gender x education x income x
location, minimum 1,000) but reads each filter from Polish tables in
``data/population_pl.json`` (census counts by age and sex, education and income shares by age
band and sex, city populations). It sums over age bins and sexes, so the joint shape of the
tables is kept instead of multiplying national marginals. Dimensions without a table use the
seed's flat factors and say so (method ``"fallback"``).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

DATA_FILE = Path(__file__).parent / "data" / "population_pl.json"
AGE_MIN_ALLOWED = 15
AGE_MAX_ALLOWED = 100

FEMALE, MALE, NONBINARY = "kobieta", "mężczyzna", "osoba niebinarna"
GENDERS = (FEMALE, MALE, NONBINARY)
EDUCATION_LEVELS = ("podstawowe", "zasadnicze zawodowe", "średnie", "wyższe")
INCOME_BRACKETS = ("<3000 PLN", "3000-5000 PLN", "5000-7500 PLN", "7500-10000 PLN", ">10000 PLN")
NATIONAL = "cała Polska"
SEED_SOURCE = "seed 000 heuristics"


def fold_text(value: str) -> str:
    """Lower-case, drop diacritics (``ł`` too) and collapse whitespace, for alias matching."""
    text = unicodedata.normalize("NFKD", value.strip().lower().replace("ł", "l"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").replace("-", " - ").split()).replace(" - ", "-")


def _income_key(value: str) -> str:
    text = fold_text(value.replace("–", "-").replace("—", "-"))
    return re.sub(r"pln|zl|netto|[\s,.]", "", text)


def _city_key(value: str) -> str:
    return fold_text(value).replace("-", " ")


@cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def _index(kind: str) -> dict[str, str]:
    """Folded alias -> canonical value for one vocabulary of the data file."""
    key = _income_key if kind == "income_brackets" else fold_text
    aliases = _data()["vocabulary"][kind].items()
    return {key(a): canon for canon, names in aliases for a in (canon, *names)}


@cache
def _cities() -> tuple[dict[str, int], dict[str, str]]:
    """Populations by canonical name, and an alias index (folded key -> canonical name)."""
    rows = _data()["cities"]["cities"]
    index = {_city_key(a): r["name"] for r in rows for a in (r["name"], *r["aliases"])}
    return {r["name"]: r["population"] for r in rows}, index


def normalise_gender(value: str | None) -> str | None:
    """Return the canonical gender for ``value`` (Polish or English alias), None if unknown."""
    return _index("genders").get(fold_text(value)) if value else None


def normalise_education(value: str | None) -> str | None:
    """Return the canonical education level for ``value``, None if unknown."""
    return _index("education_levels").get(fold_text(value)) if value else None


def normalise_income(value: str | None) -> str | None:
    """Return the canonical income bracket (accepts e.g. "3 000–5 000 zł"), None if unknown."""
    return _index("income_brackets").get(_income_key(value)) if value else None


def normalise_city(value: str | None) -> str | None:
    """Return the canonical city name, ``NATIONAL`` for all of Poland (or None), None if unknown."""
    national = {_city_key(v) for v in _data()["vocabulary"]["national"]}
    if value is None or _city_key(value) in national | {""}:
        return NATIONAL
    return _cities()[1].get(_city_key(value))


def known_values() -> dict[str, list[Any]]:
    """List the accepted canonical values of every dimension, for error messages."""
    return {
        "genders": list(GENDERS),
        "education_levels": list(EDUCATION_LEVELS),
        "income_brackets": list(INCOME_BRACKETS),
        "cities": [NATIONAL, *_cities()[0]],
        "age_range": [AGE_MIN_ALLOWED, AGE_MAX_ALLOWED],
    }


def _source(table: str) -> str:
    src = _data()[table]["source"]
    return f"{src['publisher']}: {src['title']} ({src['reference']})"


@dataclass(frozen=True)
class Segment:
    """A demographic segment with canonical values; empty tuples and ``city=None`` mean "all".

    Aliases are canonicalised on construction; unknown values or ages outside
    [AGE_MIN_ALLOWED, AGE_MAX_ALLOWED] raise ValueError (validate user input first).
    """

    age_min: int
    age_max: int
    genders: tuple[str, ...] = ()
    education_levels: tuple[str, ...] = ()
    income_brackets: tuple[str, ...] = ()
    city: str | None = None

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
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class FactorUsed:
    """The effective factor one dimension contributed, and where it came from."""

    factor: float
    method: Literal["table", "fallback"]
    source: str
    note: str


@dataclass(frozen=True)
class SegmentSizeEstimate:
    """Segment size (>= the seed's minimum of 1,000) and the factors that produced it.

    ``raw_size`` (before clamping) = ``base_population`` x the product of the factors.
    """

    size: int
    raw_size: float
    base_population: int
    clamped_to_minimum: bool
    factors: dict[str, FactorUsed]


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


# (cell with persons as weight and education/income unset, education shares, income shares)
_Stratum = tuple[Cell, dict[str, float], dict[str, float]]


def _band(table: str, age: int) -> dict[str, dict[str, float]]:
    return next(b for b in _data()[table]["bands"] if b["lo"] <= age <= b["hi"])


def _sexes(segment: Segment) -> tuple[str, ...]:
    # The census records two sexes, so women + men already count everyone.
    if not segment.genders or {FEMALE, MALE} <= set(segment.genders):
        return (FEMALE, MALE)
    return segment.genders


def _strata(segment: Segment) -> Iterator[_Stratum]:
    """Persons per (age bin, sex) inside the segment's ages, with their education/income shares."""
    nonbinary_share = _data()["seed_fallback"]["gender"][NONBINARY]
    for b in _data()["age_sex"]["bins"]:
        lo, hi = max(b["lo"], segment.age_min), min(b["hi"], segment.age_max)
        if lo > hi:
            continue
        persons = {sex: b[sex] * (hi - lo + 1) / (b["hi"] - b["lo"] + 1) for sex in (FEMALE, MALE)}
        edu, inc = _band("education", b["lo"]), _band("income", b["lo"])
        for sex in _sexes(segment):
            if sex != NONBINARY:
                yield Cell(b["age"], lo, hi, sex, "", "", persons[sex]), edu[sex], inc[sex]
                continue
            both = persons[FEMALE] + persons[MALE]
            pooled = [
                {k: sum(persons[x] * t[x][k] for x in (FEMALE, MALE)) / both for k in t[FEMALE]}
                for t in (edu, inc)
            ]
            yield Cell(b["age"], lo, hi, sex, "", "", both * nonbinary_share), *pooled


def _city_share(city: str | None) -> float:
    return 1.0 if city is None else _cities()[0][city] / _data()["cities"]["national_total"]


def joint_cells(segment: Segment) -> list[Cell]:
    """Return the joint (age bin, sex, education, income) distribution inside the segment.

    Weights are persons and sum to the unclamped segment size; zero-weight cells are dropped.
    Education and income are taken as independent given age band and sex.
    """
    share = _city_share(segment.city)
    return [
        replace(cell, education=e, income=i, weight=w)
        for cell, edu, inc in _strata(segment)
        for e in segment.education_levels or EDUCATION_LEVELS
        for i in segment.income_brackets or INCOME_BRACKETS
        if (w := cell.weight * edu[e] * inc[i] * share) > 0
    ]


def estimate_segment_size(segment: Segment, *, use_tables: bool = True) -> SegmentSizeEstimate:
    """Estimate the number of people in Poland in ``segment``.

    Factors are chained conditionals (gender within the age range, education within those
    sexes, ...), so their product times the national total is the size. With
    ``use_tables=False`` compute the seed's flat heuristic instead, for comparison.
    """
    if not use_tables:
        return _seed_estimate(segment)
    levels = segment.education_levels or EDUCATION_LEVELS
    brackets = segment.income_brackets or INCOME_BRACKETS
    national = sum(b[FEMALE] + b[MALE] for b in _data()["age_sex"]["bins"])
    strata = list(_strata(segment))
    everyone = Segment(segment.age_min, segment.age_max)
    stages = [
        national,
        sum(c.weight for c, _, _ in _strata(everyone)),
        sum(c.weight for c, _, _ in strata),
        sum(c.weight * sum(ed[e] for e in levels) for c, ed, _ in strata),
        sum(
            c.weight * sum(ed[e] for e in levels) * sum(inc[i] for i in brackets)
            for c, ed, inc in strata
        ),
    ]
    ratio = [b / a if a else 0.0 for a, b in zip(stages, stages[1:], strict=False)]
    age_src = _source("age_sex")
    gender = FactorUsed(ratio[1], "table", age_src, "share of the selected sexes in the ages")
    if NONBINARY in _sexes(segment):
        gender = FactorUsed(
            ratio[1],
            "fallback",
            f"{SEED_SOURCE}; {age_src}",
            "no table for 'osoba niebinarna': the seed's flat 2% of the "
            "age-filtered total, with both sexes' pooled education/income shares",
        )
    city_note = (
        "all of Poland"
        if segment.city is None
        else f"{segment.city}'s share of the national population; assumes the city's age, "
        "sex, education and income structure is the national one (cities have more "
        "graduates and higher incomes)"
    )
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
            ratio[2],
            "table",
            _source("education"),
            "P(education in set | age band, sex), summed over age x sex",
        ),
        "income": FactorUsed(
            ratio[3],
            "table",
            _source("income"),
            "P(income in set | age band, sex) from a derived table; assumes "
            "education and income are independent given age band x sex",
        ),
        "location": FactorUsed(_city_share(segment.city), "table", _source("cities"), city_note),
    }
    return _finish(sum(c.weight for c in joint_cells(segment)), national, factors)


def _finish(raw: float, base: int, factors: dict[str, FactorUsed]) -> SegmentSizeEstimate:
    minimum = _data()["seed_fallback"]["minimum_segment_size"]
    return SegmentSizeEstimate(max(round(raw), minimum), raw, base, round(raw) < minimum, factors)


def _seed_estimate(segment: Segment) -> SegmentSizeEstimate:
    seed = _data()["seed_fallback"]
    span = segment.age_max - segment.age_min + 1

    def per_item(share: float, items: tuple[str, ...]) -> float:
        return min(1.0, share * len(items)) if items else 1.0

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
        "income": (
            per_item(seed["income_share_per_bracket"], segment.income_brackets),
            "20% per selected bracket",
        ),
        "location": (
            seed["location_national"] if segment.city is None else seed["location_city"],
            "one city 8%, all of Poland 100%",
        ),
    }
    factors = {k: FactorUsed(f, "fallback", SEED_SOURCE, n) for k, (f, n) in values.items()}
    raw = seed["base_population"] * math.prod(f for f, _ in values.values())
    return _finish(raw, seed["base_population"], factors)


def average_monthly_income(segment: Segment) -> tuple[float, str]:
    """Return the segment's weighted representative monthly net income (PLN) and its source.

    Weights come from ``joint_cells``; a segment empty in the tables gets the plain mean of
    its brackets' representative incomes.
    """
    values = _data()["income"]["representative_monthly_net_pln"]
    cells = joint_cells(segment)
    total = sum(c.weight for c in cells)
    source = f"{_source('income')}, derived; per-bracket values " + ", ".join(
        f"{k}: {v}" for k, v in values.items()
    )
    if total:
        return sum(c.weight * values[c.income] for c in cells) / total, source
    brackets = segment.income_brackets or INCOME_BRACKETS
    return (
        sum(values[b] for b in brackets) / len(brackets),
        f"{source}; segment empty in the tables, plain mean of its brackets",
    )


def city_populations() -> dict[str, int]:
    """Return the population of every city in the tables, by canonical name."""
    return dict(_cities()[0])


def national_population() -> int:
    """Return the national population the city shares are taken of."""
    return int(_data()["cities"]["national_total"])
