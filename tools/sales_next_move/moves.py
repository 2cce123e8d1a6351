"""Compose the four next moves for the salesperson from a move library, without any model.

Candidates are the library moves whose ``when`` holds plus the knowledge base's own rules
(``kind="rule"`` entries, the team's meta-rules). Each is scored from what it matched: signals of
the current turn count more than older ones, then archetype, module and objection matches,
times the move's weight; ties break by id. The pick is diverse (at most two of one kind, a
question whenever one is eligible, no knowledge entry cited twice) and skips moves already
shown, which is what "Generuj inne sugestie" needs. When diversity or exclusions leave too few,
the best generic moves not yet shown fill the gap; when those run out, fewer come back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sight.errors import InputValidationError
from tools.knowledge.entries import ARCHETYPES
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

# Scoring: what each matched condition is worth before the move's weight multiplies it.
CURRENT_TURN_SIGNAL = 1.0
EARLIER_TURN_SIGNAL = 0.4
ARCHETYPE_MATCH = 0.4  # plus ARCHETYPE_CONFIDENCE x the primary's score (1.0 when unknown)
ARCHETYPE_CONFIDENCE = 0.4
MODULE_MATCH = 0.5
OBJECTION_MATCH = 1.2
GATE_MATCH = 0.3  # none_signals / min_turn / min_signals: they narrow, they do not point
GENERIC = 0.3
META_RULE = 0.6
META_RULE_ARCHETYPE = 1.2
META_RULE_MODULE = 1.0
MAX_PER_KIND = 2
META_RULE_KIND = "action"


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
def _module_titles() -> dict[str, str]:
    return {m.slug: m.title for m in load_pack().modules}


@cache
def default_move_library() -> MoveLibrary:
    """The bundled library (read once)."""
    return load_move_library()


@dataclass(frozen=True, slots=True)
class MoveContext:
    """What the moves are chosen for: the session so far and the current turn."""

    signals: Sequence[Mapping[str, Any]] = ()  # {id, evidence, turn}, the whole session
    turn: int = 1
    primary_archetype: str | None = None
    archetype_scores: Mapping[str, float] = field(default_factory=dict)
    modules: Sequence[str] = ()
    objections: Sequence[str] = ()  # objection entry ids matched for this turn
    meta_rules: Sequence[Mapping[str, Any]] = ()  # {id, text, archetype, module, kind?}


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: str
    kind: str
    text: str
    rationale: str
    knowledge: tuple[str, ...]
    score: float
    signals: tuple[str, ...]
    archetype: str | None
    generic: bool


def compose_moves(
    ctx: MoveContext,
    *,
    n: int = 4,
    exclude: Collection[str] = frozenset(),
    library: MoveLibrary | None = None,
) -> list[dict[str, Any]]:
    """The ``n`` best diverse moves for ``ctx`` not in ``exclude``; pure and deterministic."""
    library = library or default_move_library()
    facts = Facts.of(ctx.signals, ctx.primary_archetype, ctx.modules, ctx.turn, ctx.objections)
    current = frozenset(s["id"] for s in ctx.signals if int(s.get("turn", ctx.turn)) == ctx.turn)
    confidence = float(ctx.archetype_scores.get(ctx.primary_archetype or "", 1.0))
    scored = [_score_move(move, facts, current, confidence) for move in library.moves]
    scored += [_score_meta_rule(rule, facts) for rule in ctx.meta_rules]
    candidates: dict[str, _Candidate] = {}
    for cand in scored:  # a library id wins over a meta-rule that reuses it
        if cand is not None and cand.id not in exclude:
            candidates.setdefault(cand.id, cand)
    chosen = _select(sorted(candidates.values(), key=lambda c: (-c.score, c.id)), n)
    evidence = _latest_evidence(ctx.signals, ctx.turn)
    return [_as_output(c, evidence) for c in chosen]


def _score_move(
    move: Move, facts: Facts, current: frozenset[str], confidence: float
) -> _Candidate | None:
    when = move.when
    if not when.holds(facts):
        return None
    matched = when.fired_by(facts)
    points = sum(CURRENT_TURN_SIGNAL if s in current else EARLIER_TURN_SIGNAL for s in matched)
    if when.archetype:
        points += ARCHETYPE_MATCH + ARCHETYPE_CONFIDENCE * max(0.0, min(1.0, confidence))
    if when.modules_any:
        points += MODULE_MATCH
    if when.objections_any:
        points += OBJECTION_MATCH
    if when.none_signals or when.min_turn or when.min_signals:
        points += GATE_MATCH
    generic = when.is_empty()
    if generic:
        points = GENERIC
    return _Candidate(
        id=move.id,
        kind=move.kind,
        text=move.text,
        rationale=move.rationale,
        knowledge=move.knowledge,
        score=round(points * move.weight, 4),
        signals=matched,
        archetype=facts.primary if when.archetype else None,
        generic=generic,
    )


def _score_meta_rule(rule: Mapping[str, Any], facts: Facts) -> _Candidate | None:
    """A team rule applies when its archetype and module (where it names them) apply."""
    archetype, module = rule.get("archetype"), rule.get("module")
    if (archetype and archetype != facts.primary) or (module and module not in facts.modules):
        return None
    points = META_RULE
    reasons = []
    if archetype:
        points += META_RULE_ARCHETYPE
        reasons.append(f"pasuje do archetypu {ARCHETYPES.get(archetype, archetype)}")
    if module:
        points += META_RULE_MODULE
        reasons.append(f"dotyczy modułu „{_module_titles().get(module, module)}”")
    kind = rule.get("kind") if rule.get("kind") in KINDS else META_RULE_KIND
    why = " i ".join(reasons) if reasons else "obowiązuje w każdej rozmowie"
    return _Candidate(
        id=str(rule["id"]),
        kind=str(kind),
        text=str(rule["text"]),
        rationale=f"Reguła zespołu z bazy wiedzy: {why}.",
        knowledge=(str(rule["id"]),),
        score=round(points, 4),
        signals=(),
        archetype=archetype or None,
        generic=False,
    )


def _select(ranked: list[_Candidate], n: int) -> list[_Candidate]:
    """Best first under the diversity rules; generic moves fill what diversity left empty."""
    chosen: list[_Candidate] = []
    question = next((c for c in ranked if c.kind == "question"), None)
    if question is not None and n > 0:
        chosen.append(question)
    for cand in ranked:
        if len(chosen) >= n:
            break
        if cand not in chosen and _fits(cand, chosen):
            chosen.append(cand)
    for cand in ranked:
        if len(chosen) >= n:
            break
        if cand.generic and cand not in chosen:
            chosen.append(cand)
    return sorted(chosen, key=lambda c: (-c.score, c.id))


def _fits(cand: _Candidate, chosen: list[_Candidate]) -> bool:
    same_kind = sum(1 for c in chosen if c.kind == cand.kind)
    cited = {k for c in chosen for k in c.knowledge}
    return same_kind < MAX_PER_KIND and not cited.intersection(cand.knowledge)


def _latest_evidence(signals: Sequence[Mapping[str, Any]], turn: int) -> dict[str, str]:
    """Signal id -> its evidence from the latest turn it was seen in (up to ``turn``)."""
    latest: dict[str, tuple[int, str]] = {}
    for s in signals:
        t = int(s.get("turn", turn))
        if t <= turn and t >= latest.get(s["id"], (-1, ""))[0]:
            latest[s["id"]] = (t, str(s.get("evidence", "")))
    return {sid: ev for sid, (_, ev) in latest.items()}


def _as_output(cand: _Candidate, evidence: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": cand.id,
        "kind": cand.kind,
        "text": cand.text,
        "rationale": cand.rationale,
        "provenance": {
            "signals": [{"id": s, "evidence": evidence.get(s, "")} for s in cand.signals],
            "archetype": cand.archetype,
            "rules": [cand.id],
            "knowledge": list(cand.knowledge),
            "score": round(cand.score, 2),
        },
        "phrased": False,
    }
