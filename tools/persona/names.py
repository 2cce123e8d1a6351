"""Polish first names and surnames: suggest plausible ones, and check the ones a model wrote.

First names carry a rough popularity weight per birth decade (``data/persona/names_pl.json``),
so a woman born in 1950 is offered Krystyna or Barbara rather than Zuzanna. Surnames come in
their masculine and feminine forms (Kowalski / Kowalska); adjectival surnames that a model
puts in the wrong grammatical gender are the commonest slip it makes.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tools.persona.issues import Issue, issue
from tools.polish_text import fold
from tools.population import FEMALE, MALE, NONBINARY

DATA_FILE = Path(__file__).parent.parent / "data" / "persona" / "names_pl.json"
SEXES = (FEMALE, MALE)
# Adjectival surname endings, folded: the grammatical gender is in the ending (-ski / -ska).
_MASCULINE_SURNAME = re.compile(r"(?:sk|ck|dzk)i$")
_FEMININE_SURNAME = re.compile(r"(?:sk|ck|dzk)a$")


@cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def _known_first_names() -> dict[str, frozenset[str]]:
    """Folded first names of each sex: the weighted ones and the merely known ones."""
    data = _data()
    return {
        sex: frozenset(fold(n) for n in (*data["first_names"][sex], *data["also_known"][sex]))
        for sex in SEXES
    }


def _decade_index(birth_year: int) -> int:
    decades = _data()["decades"]
    decade = min(max(birth_year // 10 * 10, decades[0]), decades[-1])
    return decades.index(decade)


def _cohort_weights(sex: str, birth_year: int) -> dict[str, float]:
    i = _decade_index(birth_year)
    return {name: float(w[i]) for name, w in _data()["first_names"][sex].items()}


def _draw(rng: np.random.Generator, weights: dict[str, float], k: int) -> list[str]:
    """Draw up to ``k`` distinct keys, with probability proportional to their weights."""
    names, p = _table(tuple(weights.items()))
    if not names:
        return []
    picks = rng.choice(len(names), size=min(k, len(names)), replace=False, p=p)
    return [names[i] for i in picks]


@lru_cache(maxsize=256)
def _table(items: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """Names with a positive weight and their probabilities (one table per cohort)."""
    names = tuple(n for n, w in items if w > 0)
    p = np.array([w for _, w in items if w > 0])
    return names, (p / p.sum() if len(p) else p)


def suggest_names(
    gender: str, birth_year: int, rng: np.random.Generator, k: int = 3
) -> tuple[list[str], list[str]]:
    """Suggest ``k`` first names popular in the person's birth cohort and ``k`` surnames.

    Surnames come in the person's grammatical gender. A non-binary person gets first names of
    both sexes and surnames that do not change with gender (Nowak, Wójcik).
    """
    sexes = SEXES if gender == NONBINARY else (MALE if gender == MALE else FEMALE,)
    weights: dict[str, float] = {}
    for sex in sexes:
        for name, w in _cohort_weights(sex, birth_year).items():
            weights[name] = weights.get(name, 0.0) + w
    first = _draw(rng, weights, k)

    pairs = _data()["surnames"]
    if gender == NONBINARY:
        pairs = [p for p in pairs if p[0] == p[1]]
    form = 0 if gender == MALE else 1
    # The file lists surnames from the commonest down; a gentle Zipf curve keeps that order.
    surname_weights = {p[form]: 1.0 / (rank + 5) for rank, p in enumerate(pairs)}
    return first, _draw(rng, surname_weights, k)


def first_name_sex(first_name: str) -> str | None:
    """Return the sex whose names include ``first_name``, None if unknown (or used by both)."""
    key = fold(first_name.strip())
    sexes = [sex for sex, names in _known_first_names().items() if key in names]
    return sexes[0] if len(sexes) == 1 else None


def name_issues(first_name: str, last_name: str, gender: str, birth_year: int) -> list[Issue]:
    """Check that the names are Polish and agree with the persona's gender.

    A name rare in the person's birth cohort costs nothing (people are named after
    grandparents); ``birth_year`` is accepted so callers pass the whole profile uniformly.
    A non-binary persona is not checked for grammatical gender.
    """
    del birth_year  # rarity in the cohort is deliberately not penalised
    found: list[Issue] = []
    given = first_name.split()[0] if first_name.split() else ""
    known = _known_first_names()
    sex = first_name_sex(given)
    if not given:
        found.append(issue("name_unknown", "the persona has no first name."))
    elif sex is None and not any(fold(given) in names for names in known.values()):
        found.append(issue("name_unknown", f"'{first_name}' is not a common Polish first name."))
    elif gender in SEXES and sex is not None and sex != gender:
        other = "a man's" if sex == MALE else "a woman's"
        found.append(
            issue(
                "name_gender_mismatch",
                f"'{given}' is {other} name but the persona is {_english(gender)}.",
            )
        )
    if gender in SEXES:
        for part in re.split(r"[\s-]+", last_name.strip()):
            key = fold(part)
            wrong = (gender == FEMALE and _MASCULINE_SURNAME.search(key)) or (
                gender == MALE and _FEMININE_SURNAME.search(key)
            )
            if wrong:
                found.append(
                    issue(
                        "surname_gender_mismatch",
                        f"the surname '{part}' has the wrong grammatical gender for "
                        f"{_english(gender)}.",
                    )
                )
                break
    return found


def _english(gender: str) -> str:
    return {FEMALE: "a woman", MALE: "a man"}.get(gender, "non-binary")
