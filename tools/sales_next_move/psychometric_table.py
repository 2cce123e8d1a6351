"""The psychometric table (``psychometrics.json``): archetype priors and signal nudges.

Every archetype has a prior for every dimension of every framework (Big Five, Schwartz values,
DISC), and each nudge moves one dimension when its signal has been seen. The table is data,
editable without code: a load checks it against the archetypes and the signal vocabulary and
reports every problem at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.persona.psychographics import VALUES as SCHWARTZ_VALUES
from tools.sales_next_move.indicators import (
    DATA_DIR,
    SIGNALS_PATH,
    Problem,
    known_ids,
    pydantic_problems,
)

PSYCHOMETRICS_PATH = DATA_DIR / "psychometrics.json"
FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "big_five": ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"),
    "schwartz": SCHWARTZ_VALUES,  # the ten values, as persona generation names them
    "disc": ("D", "I", "S", "C"),
}
NUDGE_ID = r"^P-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"

Framework = Literal["big_five", "schwartz", "disc"]
Score = Annotated[int, Field(ge=0, le=100)]


class Prior(BaseModel):
    """An archetype's typical level of every dimension, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    because: str = Field(min_length=1, max_length=300, description="Why, in Polish.")
    big_five: dict[str, Score]
    schwartz: dict[str, Score]
    disc: dict[str, Score]


class Nudge(BaseModel):
    """When ``signal`` has been seen, ``points`` go to one dimension."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=NUDGE_ID, max_length=40, examples=["P-01"])
    signal: str
    framework: Framework
    dimension: str
    points: int = Field(ge=-15, le=15)
    because: str = Field(min_length=1, max_length=300, description="Why, in Polish.")


class _TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    description: str = ""
    priors: dict[str, dict[str, Any]]
    nudges: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PsychometricTable:
    """A validated table of priors and signal nudges."""

    version: str
    priors: Mapping[str, Prior]
    nudges: tuple[Nudge, ...]


def load_psychometric_table(
    path: Path = PSYCHOMETRICS_PATH, *, signals_path: Path = SIGNALS_PATH
) -> PsychometricTable:
    """Read and validate a table; every problem is reported at once."""
    try:
        table = _TableFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputValidationError([{"field": str(path), "message": str(exc)}]) from exc
    except ValidationError as exc:
        raise InputValidationError(pydantic_problems(exc, path.name)) from exc
    priors, problems = _priors(table.priors)
    nudges, nudge_problems = _nudges(table.nudges, known_ids(signals_path).signals)
    if problems or nudge_problems:
        raise InputValidationError(problems + nudge_problems)
    return PsychometricTable(table.version, priors, nudges)


def _priors(raw: Mapping[str, Any]) -> tuple[dict[str, Prior], list[Problem]]:
    """Validated priors: one per archetype, none unknown, every dimension of every framework."""
    problems: list[Problem] = [
        {"field": "priors", "message": f"no prior for archetype {slug!r}"}
        for slug in ARCHETYPES
        if slug not in raw
    ]
    priors: dict[str, Prior] = {}
    for slug, item in raw.items():
        where = f"priors.{slug}"
        if slug not in ARCHETYPES:
            problems.append({"field": where, "message": f"unknown archetype {slug!r}"})
        try:
            prior = Prior.model_validate(item)
        except ValidationError as exc:
            problems += pydantic_problems(exc, where)
            continue
        for framework, dims in FRAMEWORKS.items():
            given = getattr(prior, framework)
            problems += _dimension_problems(set(given), dims, f"{where}.{framework}")
        priors[slug] = prior
    return priors, problems


def _nudges(
    raw: Sequence[Mapping[str, Any]], signals: frozenset[str]
) -> tuple[tuple[Nudge, ...], list[Problem]]:
    """Validated nudges: unique ids, known signals, dimensions of their framework."""
    problems: list[Problem] = []
    nudges: list[Nudge] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        try:
            nudge = Nudge.model_validate(item)
        except ValidationError as exc:
            problems += pydantic_problems(exc, f"nudges[{i}]")
            continue
        where = f"nudges[{i}] ({nudge.id})"
        if nudge.id in seen:
            problems.append({"field": f"{where}.id", "message": f"{nudge.id} repeats"})
        seen.add(nudge.id)
        if nudge.signal not in signals:
            message = f"unknown signal {nudge.signal!r}"
            problems.append({"field": f"{where}.signal", "message": message})
        if nudge.dimension not in FRAMEWORKS[nudge.framework]:
            message = f"{nudge.framework} has no dimension {nudge.dimension!r}"
            problems.append({"field": f"{where}.dimension", "message": message})
        if nudge.points == 0:
            problems.append({"field": f"{where}.points", "message": "0 points change nothing"})
        nudges.append(nudge)
    return tuple(nudges), problems


def _dimension_problems(given: set[str], wanted: tuple[str, ...], where: str) -> list[Problem]:
    unknown = [
        {"field": where, "message": f"unknown dimension {d!r}"} for d in sorted(given - set(wanted))
    ]
    missing = [
        {"field": where, "message": f"missing dimension {d!r}"} for d in wanted if d not in given
    ]
    return unknown + missing


@cache
def default_psychometric_table() -> PsychometricTable:
    """The bundled table (read once)."""
    return load_psychometric_table()
