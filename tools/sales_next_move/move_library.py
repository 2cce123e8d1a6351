"""The move library (``moves.json``): the moves the composer picks from, validated at load.

Each move says when it applies (the indicator rules' conditions plus the turn's objections)
and which knowledge-pack entries it draws on. The library is data, editable without code: a
load checks every move against the signal vocabulary and the pack and reports every problem at
once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.pack import load_pack
from tools.sales_next_move.indicators import (
    DATA_DIR,
    RULE_ID,
    SIGNALS_PATH,
    Facts,
    Problem,
    When,
    known_ids,
    pydantic_problems,
    when_problems,
)

MOVES_PATH = DATA_DIR / "moves.json"
Kind = Literal["question", "argument", "objection_response", "action"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class MoveWhen(When):
    """A move's conditions: the indicator rules' keys plus the turn's matched objections."""

    objections_any: tuple[str, ...] = Field(default=(), description="One was matched.")

    def holds(self, facts: Facts) -> bool:
        """Whether every given condition holds, objections included."""
        objections_ok = not self.objections_any or any(
            o in facts.objections for o in self.objections_any
        )
        return objections_ok and super().holds(facts)


class Move(BaseModel):
    """One move of the library."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID, max_length=60, examples=["M-Q-zima-01"])
    kind: Kind
    text: str = Field(min_length=1, max_length=400, description="For the salesperson, Polish.")
    rationale: str = Field(min_length=1, max_length=300)
    when: MoveWhen = Field(default_factory=MoveWhen)
    knowledge: tuple[str, ...] = Field(min_length=1, description="Pack entry ids it draws on.")
    weight: float = Field(default=1.0, gt=0, le=3)


class _LibraryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    description: str = ""
    moves: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MoveLibrary:
    """A validated move library."""

    version: str
    moves: tuple[Move, ...]


def load_move_library(path: Path = MOVES_PATH, *, signals_path: Path = SIGNALS_PATH) -> MoveLibrary:
    """Read and validate a library against the signals and the pack; every problem at once."""
    try:
        library = _LibraryFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputValidationError([{"field": str(path), "message": str(exc)}]) from exc
    except ValidationError as exc:
        raise InputValidationError(pydantic_problems(exc, path.name)) from exc
    known = known_ids(signals_path)
    entries = _pack_entry_ids()
    objections = {e for e in entries if e.startswith("objection.")}
    problems: list[Problem] = []
    moves: list[Move] = []
    seen: set[str] = set()
    for i, raw in enumerate(library.moves):
        try:
            move = Move.model_validate(raw)
        except ValidationError as exc:
            problems += pydantic_problems(exc, f"moves[{i}]")
            continue
        where = f"moves[{i}] ({move.id})"
        if move.id in seen:
            problems.append({"field": f"{where}.id", "message": f"{move.id} repeats"})
        seen.add(move.id)
        problems += when_problems(move.when, where, known)
        problems += [
            {"field": f"{where}.when", "message": f"unknown objections_any id {o!r}"}
            for o in move.when.objections_any
            if o not in objections
        ]
        problems += [
            {"field": f"{where}.knowledge", "message": f"no pack entry {k!r}"}
            for k in move.knowledge
            if k not in entries
        ]
        moves.append(move)
    if problems:
        raise InputValidationError(problems)
    return MoveLibrary(library.version, tuple(moves))


@cache
def _pack_entry_ids() -> frozenset[str]:
    return frozenset(e.id for e in load_pack().entries)


@cache
def default_move_library() -> MoveLibrary:
    """The bundled library (read once)."""
    return load_move_library()
