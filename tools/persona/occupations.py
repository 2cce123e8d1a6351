"""Polish occupations: the ones that fit a person, and a check of one a model wrote.

Each occupation in ``data/persona/occupations_pl.json`` has masculine and feminine forms, the
lowest education it usually needs, a typical age range and income brackets. Free text is
matched through folded word-prefix stems, so "pracuje jako programistka w banku" and
"programista" both find the programmer entry. An occupation nobody listed is fine: the model
may write any job, and only a job that clearly contradicts the profile costs points.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from tools.persona.issues import Issue, issue
from tools.polish_text import fold
from tools.population import EDUCATION_LEVELS, FEMALE

DATA_FILE = Path(__file__).parent.parent / "data" / "persona" / "occupations_pl.json"
# Years outside an occupation's typical range before it reads as a contradiction
# (a 33-year-old student is unusual, a 60-year-old one is a slip).
AGE_MARGIN = 5


@dataclass(frozen=True)
class Occupation:
    """One occupation with the profile it usually goes with."""

    masculine: str
    feminine: str
    education: str
    age_min: int
    age_max: int
    income: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    def form(self, gender: str) -> str:
        """Return the occupation's name in the grammatical gender of ``gender``."""
        return self.feminine if gender == FEMALE else self.masculine

    def fits_age(self, age: int, margin: int = 0) -> bool:
        """Whether ``age`` lies inside the typical range widened by ``margin`` years."""
        return self.age_min - margin <= age <= self.age_max + margin


def stem_pattern(stem: str) -> re.Pattern[str]:
    """Compile a folded stem phrase ("wlasn firm") to a regex over folded text.

    Each word is a prefix of a word in the text, in order; words of one or two letters
    ("w", "ds") must match whole, so "w banku" does not match "wielkim banku".
    """
    parts = [re.escape(w) + (r"\b" if len(w) <= 2 else r"\w*") for w in stem.split()]
    return re.compile(r"\b" + r"\W+".join(parts))


@cache
def occupations() -> tuple[Occupation, ...]:
    """All occupations of the data file, in file order."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["occupations"]
    return tuple(
        Occupation(
            masculine=r["m"],
            feminine=r["f"],
            education=r["education"],
            age_min=r["age"][0],
            age_max=r["age"][1],
            income=tuple(r["income"]),
            patterns=tuple(stem_pattern(s) for s in r["stems"]),
        )
        for r in rows
    )


def _rank(education: str) -> int:
    return EDUCATION_LEVELS.index(education) if education in EDUCATION_LEVELS else 0


def match_occupations(text: str) -> list[Occupation]:
    """Occupations named in ``text``, the earliest-mentioned first (the head noun leads)."""
    folded = fold(text)
    found: list[tuple[int, int, Occupation]] = []
    for i, occ in enumerate(occupations()):
        starts = [m.start() for p in occ.patterns if (m := p.search(folded))]
        if starts:
            found.append((min(starts), i, occ))
    return [occ for _, _, occ in sorted(found, key=lambda t: (t[0], t[1]))]


@lru_cache(maxsize=8192)
def tiers(age: int, education: str, income_bracket: str) -> tuple[tuple[int, ...], ...]:
    """Indices of the occupations fitting education+age+income, education+age, education."""
    level = _rank(education)
    educated = [i for i, o in enumerate(occupations()) if _rank(o.education) <= level]
    table = occupations()
    return (
        tuple(i for i in educated if table[i].fits_age(age) and income_bracket in table[i].income),
        tuple(i for i in educated if table[i].fits_age(age)),
        tuple(educated),
    )


def occupation_issues(
    occupation: str, age: int, education: str, income_bracket: str
) -> list[Issue]:
    """Check that the occupation suits the persona's education and age.

    The text may name several occupations ("emerytowana nauczycielka"); an issue is raised
    only when none of them fits. Income is not judged: pay varies too much within a job.
    """
    del income_bracket  # accepted for a uniform call from the profile, see the docstring
    matched = match_occupations(occupation)
    if not matched:
        return []
    head = matched[0]
    found: list[Issue] = []
    if all(_rank(o.education) > _rank(education) for o in matched):
        found.append(
            issue(
                "occupation_education_mismatch",
                f"'{occupation}' usually needs '{head.education}' education but the persona "
                f"has '{education}'.",
            )
        )
    if not any(o.fits_age(age, AGE_MARGIN) for o in matched):
        found.append(
            issue(
                "occupation_age_mismatch",
                f"'{occupation}' is unusual at {age} (typically {head.age_min}-{head.age_max}).",
            )
        )
    return found
