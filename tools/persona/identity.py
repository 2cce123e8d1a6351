"""Who a sampled person is: first name, surname and occupation drawn from Sight's own tables.

No model writes these: a first name comes from the person's sex and birth decade, a surname in
the person's grammatical gender (Kowalski / Kowalska), an occupation from those whose education,
age and income fit, weighted by the place (farmers live in villages, miners in Silesia). The
two runner-up occupations are the options a capable model may choose from instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tools import regions
from tools.persona import names
from tools.persona.occupations import occupations, tiers
from tools.persona.places import place_of
from tools.population import FEMALE, MALE

OCCUPATION_OPTIONS = 3
# Occupation (masculine form) -> (where it is common: a settlement class or a voivodeship,
# weight there, weight anywhere else); other occupations weigh 1 everywhere.
_PLACE_WEIGHTS = {
    "rolnik": (regions.VILLAGE, 6.0, 0.15),
    "górnik": ("śląskie", 8.0, 0.05),
}


def _place_weight(masculine: str, location: str) -> float:
    if masculine not in _PLACE_WEIGHTS:
        return 1.0
    where, there, elsewhere = _PLACE_WEIGHTS[masculine]
    place = place_of(location)
    return there if place and where in (place.settlement_class, place.voivodeship) else elsewhere


def occupation_options(demo: dict[str, Any], rng: np.random.Generator) -> list[str]:
    """Up to three occupations fitting the person, the likeliest draw first, in their gender.

    The tiers are: education+age+income, then education+age, then education alone; a tier is
    used only when the one before it has too few occupations.
    """
    table = occupations()
    chosen: list[int] = []
    for tier in tiers(demo["age"], demo["education"], demo["income_bracket"]):
        rest = [i for i in tier if i not in chosen]
        if not rest or len(chosen) >= OCCUPATION_OPTIONS:
            continue
        weights = np.array([_place_weight(table[i].masculine, demo["location"]) for i in rest])
        k = min(OCCUPATION_OPTIONS - len(chosen), len(rest))
        picks = rng.choice(len(rest), size=k, replace=False, p=weights / weights.sum())
        chosen.extend(rest[i] for i in picks)
    gender = demo["gender"]
    form = gender if gender in (FEMALE, MALE) else (FEMALE, MALE)[int(rng.integers(2))]
    return [table[i].form(form) for i in chosen]


def choose_identity(demo: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Draw the person's name and occupation; the occupation options come along for a model."""
    first, last = names.suggest_names(demo["gender"], demo["birth_year"], rng, k=1)
    options = occupation_options(demo, rng)
    return {
        "first_name": first[0],
        "last_name": last[0],
        "occupation": options[0],
        "occupation_options": options,
    }
