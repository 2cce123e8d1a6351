"""Compose the four next moves for the salesperson from a move library, without any model.

Candidates are the library moves whose ``when`` holds plus the knowledge base's own rules
(``kind="rule"`` entries, the team's meta-rules). Each is scored from what it matched: signals of
the current turn count more than older ones, then archetype, module and objection matches,
times the move's weight; ties break by id. The pick is diverse (at most two of one kind, a
question whenever one is eligible, no knowledge entry cited twice) and skips moves already
shown, which is what "Generuj inne sugestie" needs. When diversity or exclusions leave too few,
the best generic moves not yet shown fill the gap; when those run out, fewer come back.
The library itself is read and validated in ``move_library``; its names stay importable here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tools.knowledge.entries import ARCHETYPES
from tools.knowledge.pack import load_pack
from tools.sales_next_move.indicators import Facts
from tools.sales_next_move.move_library import (
    KINDS,
    MOVES_PATH,
    Kind,
    Move,
    MoveLibrary,
    MoveWhen,
    default_move_library,
    load_move_library,
)

__all__ = [
    "KINDS",
    "MOVES_PATH",
    "Kind",
    "Move",
    "MoveContext",
    "MoveLibrary",
    "MoveWhen",
    "compose_moves",
    "default_move_library",
    "load_move_library",
]

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


@cache
def _module_titles() -> dict[str, str]:
    return {m.slug: m.title for m in load_pack().modules}


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
