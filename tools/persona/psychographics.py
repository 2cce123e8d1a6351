"""Sample Big Five traits, Hofstede dimensions and Schwartz values for a sampled person.

- Big Five: a multivariate normal with the trait intercorrelations of van der Linden et al.
  (2010, a meta-analysis of 212 samples), shifted by the well-replicated sex and age
  differences (women higher in neuroticism and agreeableness; conscientiousness and
  agreeableness rising, neuroticism and openness easing with age), mapped to 0..1.
- Hofstede: Poland's country scores (Hofstede Insights) as the centre, with an individual
  spread and a generational shift. Hofstede's dimensions are defined for countries; giving
  them to one person is an approximation, labelled as such in the report.
- Schwartz: the ten basic values as a linear function of the person's traits (signs and
  rough sizes from Roccas et al. 2002 and Fischer & Boer 2015), age and sex, plus noise,
  centred per person (scores are relative priorities, as in Schwartz's own scoring).
All coefficients below are approximate readings of those papers, from memory: no source
could be checked here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from tools.population import FEMALE

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
TRAIT_CORRELATIONS = np.array(
    [
        # O     C      E      A      N
        [1.00, 0.20, 0.43, 0.21, -0.17],
        [0.20, 1.00, 0.29, 0.43, -0.43],
        [0.43, 0.29, 1.00, 0.26, -0.36],
        [0.21, 0.43, 0.26, 1.00, -0.36],
        [-0.17, -0.43, -0.36, -0.36, 1.00],
    ]
)
TRAIT_SD = 0.15  # on the 0..1 scale
# Shifts in standard deviations.
FEMALE_SHIFT = np.array([0.0, 0.10, 0.10, 0.30, 0.40])
PER_DECADE_FROM_30 = np.array([-0.04, 0.08, -0.04, 0.08, -0.06])

HOFSTEDE_POLAND = {
    "power_distance": 68.0,
    "individualism": 60.0,
    "masculinity": 64.0,
    "uncertainty_avoidance": 93.0,
    "long_term_orientation": 38.0,
    "indulgence": 29.0,
}
HOFSTEDE_SOURCE = "Hofstede Insights country comparison, Poland (approximate, from memory)"
HOFSTEDE_SD = 12.0
# Points per decade younger than 45: younger Poles score as more individualist, indulgent
# and long-term oriented, and lower on power distance (a generational reading, approximate).
HOFSTEDE_PER_DECADE_YOUNGER = {
    "power_distance": -2.5,
    "individualism": 2.5,
    "masculinity": 0.0,
    "uncertainty_avoidance": -1.5,
    "long_term_orientation": 2.0,
    "indulgence": 3.0,
}

VALUES = (
    "self_direction",
    "stimulation",
    "hedonism",
    "achievement",
    "power",
    "security",
    "conformity",
    "tradition",
    "benevolence",
    "universalism",
)
# Loadings of each value on the trait z-scores (O, C, E, A, N).
VALUE_LOADINGS = np.array(
    [
        [0.45, 0.05, 0.10, 0.00, -0.10],  # self_direction
        [0.35, -0.10, 0.30, -0.05, -0.10],  # stimulation
        [0.10, -0.15, 0.25, -0.05, 0.00],  # hedonism
        [0.05, 0.25, 0.25, -0.20, 0.00],  # achievement
        [0.00, 0.05, 0.20, -0.35, 0.00],  # power
        [-0.20, 0.30, 0.00, 0.05, 0.15],  # security
        [-0.20, 0.30, -0.05, 0.20, 0.05],  # conformity
        [-0.25, 0.10, -0.10, 0.15, 0.00],  # tradition
        [0.05, 0.05, 0.05, 0.45, 0.00],  # benevolence
        [0.30, 0.00, 0.00, 0.20, 0.00],  # universalism
    ]
)
VALUE_PER_DECADE_FROM_40 = np.array([0.0, -0.15, -0.15, -0.05, -0.05, 0.10, 0.10, 0.15, 0.0, 0.0])
VALUE_FEMALE_SHIFT = np.array([0.0, -0.05, 0.0, -0.05, -0.15, 0.05, 0.0, 0.0, 0.15, 0.10])
VALUE_NOISE_SD = 0.8
TOP_VALUES = 3

# Interests a trait or value profile makes likely (Polish, for the prompt's hints).
INTEREST_HINTS = {
    "openness": ["podróże", "literatura", "sztuka i wystawy", "nauka języków"],
    "extraversion": ["spotkania ze znajomymi", "taniec", "sport drużynowy", "wydarzenia lokalne"],
    "conscientiousness": ["planowanie domowego budżetu", "bieganie", "majsterkowanie"],
    "agreeableness": ["wolontariat", "czas z rodziną", "gotowanie dla bliskich"],
    "neuroticism": ["spokojne spacery", "seriale", "dbanie o zdrowie"],
    "tradition": ["tradycje rodzinne", "działka i ogród", "wspólnota parafialna"],
    "stimulation": ["sporty ekstremalne", "koncerty", "nowe technologie"],
    "achievement": ["rozwój zawodowy", "kursy i szkolenia", "inwestowanie"],
    "universalism": ["ekologia", "kultura i film", "sprawy społeczne"],
    "hedonism": ["dobra kuchnia", "wyjazdy weekendowe", "gry wideo"],
    "security": ["oszczędzanie", "remont domu", "zdrowe odżywianie"],
    "self_direction": ["fotografia", "samodzielne projekty", "podcasty popularnonaukowe"],
    "power": ["polityka i gospodarka", "networking", "samochody"],
    "benevolence": ["pomoc sąsiedzka", "spotkania rodzinne", "zwierzęta"],
    "conformity": ["porządek w domu", "spotkania rodzinne", "telewizja"],
}
GENERAL_INTERESTS = ["muzyka", "spacery", "gotowanie"]


@cache
def _cholesky() -> np.ndarray:
    return np.linalg.cholesky(TRAIT_CORRELATIONS)


def sample_traits(age: int, gender: str, rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Return Big Five scores on 0..1 and the underlying z-scores."""
    z = _cholesky() @ rng.standard_normal(len(TRAITS))
    if gender == FEMALE:
        z = z + FEMALE_SHIFT
    z = z + PER_DECADE_FROM_30 * (age - 30) / 10
    scores = np.clip(0.5 + TRAIT_SD * z, 0.02, 0.98)
    return {t: round(float(s), 3) for t, s in zip(TRAITS, scores, strict=True)}, z


def sample_hofstede(age: int, rng: np.random.Generator) -> dict[str, float]:
    """Return the six Hofstede dimensions on 0..100 around Poland's scores."""
    decades_younger = (45 - age) / 10
    return {
        dim: round(
            float(
                np.clip(
                    centre
                    + HOFSTEDE_PER_DECADE_YOUNGER[dim] * decades_younger
                    + HOFSTEDE_SD * rng.standard_normal(),
                    0,
                    100,
                )
            ),
            1,
        )
        for dim, centre in HOFSTEDE_POLAND.items()
    }


def sample_values(
    trait_z: np.ndarray, age: int, gender: str, rng: np.random.Generator
) -> dict[str, float]:
    """Return the ten Schwartz values, centred per person (higher = more important)."""
    raw = VALUE_LOADINGS @ trait_z + VALUE_PER_DECADE_FROM_40 * (age - 40) / 10
    if gender == FEMALE:
        raw = raw + VALUE_FEMALE_SHIFT
    raw = raw + VALUE_NOISE_SD * rng.standard_normal(len(VALUES))
    centred = raw - raw.mean()
    return {v: round(float(s), 3) for v, s in zip(VALUES, centred, strict=True)}


def top_values(values: dict[str, float], k: int = TOP_VALUES) -> list[str]:
    """Return the ``k`` most important values, most important first."""
    return sorted(values, key=lambda v: -values[v])[:k]


def interest_hints(big_five: dict[str, float], values: dict[str, float]) -> list[str]:
    """Return interests that fit the person's strongest traits and values (for the prompt)."""
    strongest = sorted(big_five, key=lambda t: -abs(big_five[t] - 0.5))[:2]
    keys = [t if big_five[t] >= 0.5 else None for t in strongest] + top_values(values, 2)
    hints: list[str] = []
    for key in keys:
        for hint in INTEREST_HINTS.get(key or "", [])[:2]:
            if hint not in hints:
                hints.append(hint)
    return hints or list(GENERAL_INTERESTS)


def sample_psychographics(age: int, gender: str, rng: np.random.Generator) -> dict[str, Any]:
    """Return one person's Big Five, Hofstede and Schwartz profile with prompt hints."""
    big_five, z = sample_traits(age, gender, rng)
    values = sample_values(z, age, gender, rng)
    return {
        "big_five": big_five,
        "hofstede": sample_hofstede(age, rng),
        "schwartz": values,
        "top_values": top_values(values),
        "interest_hints": interest_hints(big_five, values),
    }
