"""Sample persona demographics from the Polish population tables, inside a segment.

People are drawn from the segment's joint (age bin x sex x education x income) distribution
(``population.joint_cells``, the tables KPI estimation uses) by systematic sampling: cells in
table order, one random start, a fixed step of ``total / n``. Every cell gets its expected
count rounded up or down, so a sample of 200 keeps the joint shape (and with it the
conditional marginals) far closer than 200 independent draws would: independent draws leave
a total variation distance of ~0.05 on a five-category dimension, systematic ones well under
0.01. The exact age is uniform inside the cell's part of its 5-year bin (the tables' grain).

A segment without a location gets places of residence the same way, from the cities' shares
of the national population plus the rest of the country; like KPI estimation this assumes a
city's demographic structure is the national one. A segment of settlement classes or
voivodeships draws (class, voivodeship) cells by how many of the segment's people live there,
then a place of that cell (``places.place_weights``): a "wieś" persona lives in a village, a
"mazowieckie" one somewhere in Mazowsze. Place is drawn independently of the other dimensions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tools import population, regions
from tools.persona.places import place_of, place_weights
from tools.population_data import SEXES
from tools.strata import age_fractions, selection, sexes_of

OTHER_PLACE = "mniejsza miejscowość lub wieś"


@dataclass(frozen=True)
class Demographics:
    """One sampled person: canonical values of every demographic dimension."""

    age: int
    age_bin: str
    gender: str
    education: str
    income_bracket: str
    location: str
    birth_year: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def systematic_indices(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` indices into ``weights``, each drawn with probability proportional to it.

    One uniform start and a fixed step over the cumulative weights: index ``i`` appears
    floor or ceil of ``n * w_i / sum(w)`` times. The result is in weight order; shuffle it
    when order matters.
    """
    total = float(weights.sum())
    if n <= 0 or total <= 0:
        raise ValueError("need n > 0 and a positive total weight")
    points = (rng.random() + np.arange(n)) * (total / n)
    cumulative = np.cumsum(weights)
    return np.minimum(np.searchsorted(cumulative, points, side="right"), len(weights) - 1)


def _cell_weights(segment: population.Segment) -> dict[tuple[str, str], float]:
    """The segment's people per (class, voivodeship) cell it covers."""
    table = regions.persons_table()  # (class, voivodeship, bin, sex)
    inside = age_fractions(segment)
    sexes = sexes_of(segment)
    picked = np.array([1.0 if s in sexes or population.NONBINARY in sexes else 0.0 for s in SEXES])
    education, income = selection(segment)
    # P(education and income in the segment | class, bin, sex), independent given the cell.
    kept = regions.class_shares("education") @ education
    kept = kept * (regions.class_shares("income") @ income)
    weights = np.einsum("cvbs,b,s,cbs->cv", table, inside, picked, kept)
    voivodeships = regions.voivodeships()
    return {
        (c, v): float(weights[i, j])
        for i, c in enumerate(regions.CLASSES)
        for j, v in enumerate(voivodeships)
        if (not segment.settlement_classes or c in segment.settlement_classes)
        and (not segment.voivodeships or v in segment.voivodeships)
        and weights[i, j] > 0
    }


def place_shares(segment: population.Segment) -> dict[str, float]:
    """Return each place of residence's share of the segment (one city: that city only)."""
    if segment.city is not None:
        return {segment.city: 1.0}
    if segment.regional:
        cells = _cell_weights(segment)
        total = sum(cells.values())
        shares: dict[str, float] = {}
        for (kind, voivodeship), weight in cells.items():
            for place, share in place_weights(kind, voivodeship).items():
                shares[place] = shares.get(place, 0.0) + weight / total * share
        return shares
    cities = population.city_populations()
    national = population.national_population()
    shares = {name: size / national for name, size in cities.items()}
    shares[OTHER_PLACE] = max(0.0, 1.0 - sum(shares.values()))
    return shares


def sample_demographics(
    segment: population.Segment, n: int, rng: np.random.Generator, *, year: int
) -> list[Demographics]:
    """Draw ``n`` people of ``segment``; raise ValueError when the tables hold nobody in it."""
    cells = population.joint_cells(segment)
    if not cells:
        raise ValueError("the population tables hold nobody in this segment")
    picked = systematic_indices(np.array([c.weight for c in cells]), n, rng)
    places = place_shares(segment)
    names = list(places)
    where = systematic_indices(np.array([places[p] for p in names]), n, rng)
    # Shuffle both independently: slot order carries no meaning, and place is independent
    # of the other dimensions.
    picked, where = rng.permutation(picked), rng.permutation(where)
    people = []
    for cell_index, place_index in zip(picked, where, strict=True):
        cell = cells[int(cell_index)]
        age = int(rng.integers(cell.age_lo, cell.age_hi + 1))
        people.append(
            Demographics(
                age=age,
                age_bin=cell.age_bin,
                gender=cell.sex,
                education=cell.education,
                income_bracket=cell.income,
                location=names[int(place_index)],
                birth_year=year - age,
            )
        )
    return people


def target_marginals(segment: population.Segment) -> dict[str, dict[str, float]]:
    """Return the segment's conditional marginal distribution of every sampled dimension."""
    cells = population.joint_cells(segment)
    total = sum(c.weight for c in cells)
    sums: dict[str, Counter[str]] = {
        "age_bin": Counter(),
        "gender": Counter(),
        "education": Counter(),
        "income_bracket": Counter(),
    }
    for c in cells:
        for dim, value in (
            ("age_bin", c.age_bin),
            ("gender", c.sex),
            ("education", c.education),
            ("income_bracket", c.income),
        ):
            sums[dim][value] += c.weight / total
    marginals = {dim: dict(counter) for dim, counter in sums.items()}
    marginals["location"] = place_shares(segment)
    return marginals


def violations(person: dict[str, Any], segment: population.Segment) -> list[str]:
    """Return how a persona breaks its segment's constraints (empty when it satisfies them)."""
    problems = []
    if not segment.age_min <= person["age"] <= segment.age_max:
        problems.append(f"age {person['age']} outside {segment.age_min}-{segment.age_max}")
    for field, allowed in (
        ("gender", segment.genders),
        ("education", segment.education_levels),
        ("income_bracket", segment.income_brackets),
    ):
        if allowed and person[field] not in allowed:
            problems.append(f"{field} {person[field]!r} not in {list(allowed)}")
    if segment.city is not None and person["location"] != segment.city:
        problems.append(f"location {person['location']!r} is not {segment.city}")
    if segment.regional:
        place = place_of(person["location"])
        where = population.location_label(segment)
        if place is None:
            problems.append(f"location {person['location']!r} is not a place of the tables")
        elif place.settlement_class not in (segment.settlement_classes or regions.CLASSES) or (
            place.voivodeship not in (segment.voivodeships or regions.voivodeships())
        ):
            problems.append(f"location {person['location']!r} is not in {where}")
    return problems
