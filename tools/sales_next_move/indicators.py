"""Three sales indicators from simple, editable rules: readiness, churn risk, test-drive value.

The model (or the detector) reads the situation qualitatively as signals; these rules turn it
into numbers a sales manager can change in ``tools/data/sales_next_move/indicators.json``
without touching code. A score is ``base`` plus the points of the rules that fired, clamped to
0-100, and every point names its rule, a Polish reason and the signals behind it.

``When`` (the conditions) is shared with the move library, so a rule and a move read alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "sales_next_move"
INDICATORS_PATH = DATA_DIR / "indicators.json"
SIGNALS_PATH = DATA_DIR / "signals.json"
RULE_ID = r"^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+$"

Problem = dict[str, str]


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions are checked against: the session so far, up to the current turn."""

    signals: frozenset[str]
    primary: str | None
    modules: frozenset[str]
    turn: int
    objections: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        signals_seen: Iterable[Mapping[str, Any]],
        primary: str | None,
        modules: Iterable[str],
        turn: int,
        objections: Iterable[str] = (),
    ) -> Facts:
        """Facts at ``turn``; signals from later turns are not known yet and are ignored."""
        seen = frozenset(s["id"] for s in signals_seen if int(s.get("turn", turn)) <= turn)
        return cls(seen, primary, frozenset(modules), turn, frozenset(objections))


class When(BaseModel):
    """Conditions of a rule or move: every key given must hold; no key given means always."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    any_signals: tuple[str, ...] = Field(default=(), description="At least one was seen.")
    all_signals: tuple[str, ...] = Field(default=(), description="Every one was seen.")
    none_signals: tuple[str, ...] = Field(default=(), description="None was seen.")
    archetype: tuple[str, ...] = Field(default=(), description="The primary is one of these.")
    modules_any: tuple[str, ...] = Field(default=(), description="One of these is active.")
    min_turn: int | None = Field(default=None, ge=1, description="From this turn on.")
    min_signals: int | None = Field(default=None, ge=1, description="Distinct signals seen.")

    def is_empty(self) -> bool:
        """True when nothing is required (the condition always holds)."""
        return self == type(self)()

    def holds(self, facts: Facts) -> bool:
        """Whether every given condition holds for ``facts``."""
        seen = facts.signals
        return (
            (not self.any_signals or any(s in seen for s in self.any_signals))
            and all(s in seen for s in self.all_signals)
            and not any(s in seen for s in self.none_signals)
            and (not self.archetype or facts.primary in self.archetype)
            and (not self.modules_any or any(m in facts.modules for m in self.modules_any))
            and (self.min_turn is None or facts.turn >= self.min_turn)
            and (self.min_signals is None or len(seen) >= self.min_signals)
        )

    def fired_by(self, facts: Facts) -> tuple[str, ...]:
        """The seen signals this condition asked for (its evidence), in its own order."""
        wanted = (*self.all_signals, *self.any_signals)
        return tuple(dict.fromkeys(s for s in wanted if s in facts.signals))

    def signal_ids(self) -> tuple[str, ...]:
        """Every signal id the condition names."""
        return (*self.any_signals, *self.all_signals, *self.none_signals)


@dataclass(frozen=True, slots=True)
class KnownIds:
    """The vocabularies a condition may name."""

    signals: frozenset[str]
    archetypes: frozenset[str]
    modules: frozenset[str]


@cache
def known_ids(signals_path: Path = SIGNALS_PATH) -> KnownIds:
    """Signal ids of ``signals.json`` (read directly), archetype and module slugs of the pack."""
    try:
        data = json.loads(signals_path.read_text(encoding="utf-8"))
        signals = frozenset(s["id"] for s in data["signals"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputValidationError(
            [{"field": str(signals_path), "message": f"no readable signal ids: {exc}"}]
        ) from exc
    modules = frozenset(m.slug for m in load_pack().modules)
    return KnownIds(signals, frozenset(ARCHETYPES), modules)


def when_problems(when: When, where: str, known: KnownIds) -> list[Problem]:
    """Every id the condition names that the vocabularies do not know."""
    problems: list[Problem] = []
    for key, ids, vocabulary in (
        ("signals", when.signal_ids(), known.signals),
        ("archetype", when.archetype, known.archetypes),
        ("modules_any", when.modules_any, known.modules),
    ):
        for unknown in dict.fromkeys(i for i in ids if i not in vocabulary):
            problems.append({"field": f"{where}.when", "message": f"unknown {key} id {unknown!r}"})
    return problems


def pydantic_problems(exc: ValidationError, where: str) -> list[Problem]:
    """A pydantic error as {field, message} problems, located under ``where``."""
    return [
        {"field": ".".join([where, *(str(x) for x in err["loc"])]), "message": err["msg"]}
        for err in exc.errors()
    ]


class Rule(BaseModel):
    """One rule of the table: when ``when`` holds, ``points`` go to ``indicator``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID, max_length=40, examples=["R-PR-01"])
    indicator: str
    points: int = Field(ge=-100, le=100)
    when: When
    because: str = Field(min_length=1, max_length=300, description="Why, in Polish.")


class Indicator(BaseModel):
    """An indicator's starting score and Polish label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int = Field(ge=0, le=100)
    label: str = Field(min_length=1)


class _TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    description: str = ""
    bands: list[tuple[int, int, str]] = Field(min_length=1)
    indicators: dict[str, Indicator] = Field(min_length=1)
    rules: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class IndicatorTable:
    """A validated rule table."""

    version: str
    bands: tuple[tuple[int, int, str], ...]
    indicators: Mapping[str, Indicator]
    rules: tuple[Rule, ...]

    def band_of(self, score: int) -> str:
        """The band name a 0-100 score falls in."""
        return next(name for low, high, name in self.bands if low <= score <= high)


def load_indicator_table(
    path: Path = INDICATORS_PATH, *, signals_path: Path = SIGNALS_PATH
) -> IndicatorTable:
    """Read and validate a rule table; every problem is reported at once."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        table = _TableFile.model_validate(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise InputValidationError([{"field": str(path), "message": str(exc)}]) from exc
    except ValidationError as exc:
        raise InputValidationError(pydantic_problems(exc, path.name)) from exc
    known = known_ids(signals_path)
    problems = _band_problems(table.bands)
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw_rule in enumerate(table.rules):
        where = f"rules[{i}]"
        try:
            rule = Rule.model_validate(raw_rule)
        except ValidationError as exc:
            problems += pydantic_problems(exc, where)
            continue
        where = f"rules[{i}] ({rule.id})"
        if rule.id in seen:
            problems.append({"field": f"{where}.id", "message": f"{rule.id} repeats"})
        seen.add(rule.id)
        if rule.indicator not in table.indicators:
            problems.append(
                {"field": f"{where}.indicator", "message": f"unknown indicator {rule.indicator!r}"}
            )
        if rule.points == 0:
            problems.append({"field": f"{where}.points", "message": "0 points change nothing"})
        if rule.when.is_empty():
            problems.append(
                {"field": f"{where}.when", "message": "empty: a rule that always fires is a base"}
            )
        problems += when_problems(rule.when, where, known)
        rules.append(rule)
    if problems:
        raise InputValidationError(problems)
    bands = tuple(sorted(table.bands))
    return IndicatorTable(table.version, bands, dict(table.indicators), tuple(rules))


def _band_problems(bands: Sequence[tuple[int, int, str]]) -> list[Problem]:
    ordered = sorted(bands)
    edges_ok = ordered[0][0] == 0 and ordered[-1][1] == 100
    contiguous = all(b[0] == a[1] + 1 for a, b in zip(ordered, ordered[1:], strict=False))
    if edges_ok and contiguous and all(low <= high for low, high, _ in ordered):
        return []
    return [{"field": "bands", "message": "bands must cover 0-100 without gaps or overlaps"}]


@cache
def default_indicator_table() -> IndicatorTable:
    """The bundled table (read once)."""
    return load_indicator_table()


def score_indicators(
    signals_seen: Sequence[Mapping[str, Any]],
    primary_archetype: str | None,
    modules: Iterable[str],
    turn: int,
    table: IndicatorTable | None = None,
) -> dict[str, dict[str, Any]]:
    """Score every indicator at ``turn`` from the session's signals; pure and deterministic."""
    table = table or default_indicator_table()
    facts = Facts.of(signals_seen, primary_archetype, modules, turn)
    out: dict[str, dict[str, Any]] = {}
    for name, indicator in table.indicators.items():
        fired = [r for r in table.rules if r.indicator == name and r.when.holds(facts)]
        score = max(0, min(100, indicator.base + sum(r.points for r in fired)))
        out[name] = {
            "score": score,
            "band": table.band_of(score),
            "label": indicator.label,
            "rules": [
                {
                    "id": r.id,
                    "points": r.points,
                    "because": r.because,
                    "evidence": list(r.when.fired_by(facts)),
                }
                for r in fired
            ],
        }
    return out
