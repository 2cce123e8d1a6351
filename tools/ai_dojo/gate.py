"""Whether a meta-rule leaves the co-pilot's next moves no worse: the activation check.

The cases are the co-pilot eval's sessions after their last turn: what the move composer read
then (``MoveContext``, captured by ``python -m evals.ai_dojo.gate_cases``) and which library
moves a labeller judged good or bad for that moment (evals/ai_dojo/move_labels.json, written
blind to the ranking). A case's score is the position-weighted share of good minus bad moves
among the four shown (DCG weights, 1 for all four good). A rule's own move is judged by the
library moves about the same thing (``RuleJudge``); a rule about nothing labelled is neutral,
so a rule that pushes a good move out costs.

A rule passes when the mean score on the held-out cases with it is not below the mean
without it. Pure and deterministic.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tools.knowledge.pack import load_pack
from tools.polish_text import terms
from tools.sales_next_move.moves import MoveContext, compose_moves, default_move_library

DATA = Path(__file__).resolve().parent.parent / "data" / "ai_dojo" / "gate_cases.json"
SHOWN = 4
WEIGHTS = [1 / math.log2(rank + 2) for rank in range(SHOWN)]
LEMMA_OVERLAP = 0.2  # Jaccard of content lemmas at which a rule's move is about a library move
HELD_OUT = "held_out"


@dataclass(frozen=True)
class GateCase:
    """One session's last moment, and the moves judged good or bad for it."""

    id: str
    split: str
    context: MoveContext
    good: frozenset[str]
    bad: frozenset[str]


def load_cases(path: Path = DATA) -> list[GateCase]:
    """The bundled cases (none when the file is missing)."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        GateCase(
            id=c["id"],
            split=c["split"],
            context=MoveContext(**c["context"]),
            good=frozenset(c["good"]),
            bad=frozenset(c["bad"]),
        )
        for c in data["cases"]
    ]


class RuleJudge:
    """Judges a rule's move by the library moves about the same thing.

    Related moves: those of the rule's topics (its module, and tags that name a knowledge
    module: a library move is about a module when its ``when`` names it, its id carries it, as
    M-A-tco-01 does, or its text does, as "Zbuduj z klientem arkusz TCO" does); without a topic, the library move sharing the most content lemmas
    with the rule's text, when it shares at least ``LEMMA_OVERLAP`` of them (e5's cosines are
    too close together here to tell one short move from another: the library's nearest
    neighbours sit at 0.90-0.95). In a case, a rule counts as good when a related move is
    labelled good there, bad when one is labelled bad and none good, else neutral.
    """

    def __init__(self) -> None:
        moves = default_move_library().moves
        self.by_topic: dict[str, set[str]] = {}
        for move in moves:
            topics = set(move.when.modules_any) | (set(move.id.lower().split("-")) & _modules())
            for topic in topics:
                self.by_topic.setdefault(topic, set()).add(move.id)
        self.lemmas = {move.id: frozenset(terms(move.text)) for move in moves}

    def related(self, rule: Mapping[str, Any]) -> frozenset[str]:
        """The library moves a rule's move is judged by."""
        topics = {rule.get("module"), *(rule.get("tags") or [])} & _modules()
        if topics:
            return frozenset().union(
                *(self.by_topic.get(t, set()) for t in topics),
                *({m for m, lemmas in self.lemmas.items() if t in lemmas} for t in topics),
            )
        mine = frozenset(terms(str(rule.get("text", ""))))
        best, overlap = None, 0.0
        for move_id, theirs in self.lemmas.items():
            score = len(mine & theirs) / max(len(mine | theirs), 1)
            if score > overlap:
                best, overlap = move_id, score
        return frozenset([best]) if best and overlap >= LEMMA_OVERLAP else frozenset()

    def label(self, move: Mapping[str, Any], case: GateCase, rules: Mapping[str, Any]) -> int:
        """+1 good, -1 bad, 0 neutral for a shown move in a case."""
        if move["id"] in rules:
            related = self.related(rules[move["id"]])
            return 1 if related & case.good else -1 if related & case.bad else 0
        return int(move["id"] in case.good) - int(move["id"] in case.bad)


@cache
def _modules() -> frozenset[str]:
    return frozenset(m.slug for m in load_pack().modules)


def case_score(
    moves: Sequence[Mapping[str, Any]],
    case: GateCase,
    judge: RuleJudge,
    rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> float:
    """Position-weighted good minus bad among the shown moves, from -1 to 1 (``rules``: the
    meta-rules by id, whose moves are judged by their related library moves)."""
    total = sum(
        weight * judge.label(move, case, rules or {})
        for weight, move in zip(WEIGHTS, moves[:SHOWN], strict=False)
    )
    return total / sum(WEIGHTS)


def _with_rules(context: MoveContext, rules: Sequence[Mapping[str, Any]]) -> MoveContext:
    return replace(context, meta_rules=list(rules))


def check_rule(
    rule: Mapping[str, Any],
    cases: Sequence[GateCase],
    judge: RuleJudge,
    *,
    active: Sequence[Mapping[str, Any]] = (),
    split: str | None = HELD_OUT,
) -> dict[str, Any]:
    """Score the cases (of ``split``; None: all) without and with ``rule`` beside the tenant's
    ``active`` rules; ``passed`` when the mean does not drop. Lists the cases whose moves
    changed, with their scores."""
    chosen = [c for c in cases if split is None or c.split == split]
    by_id = {str(r["id"]): r for r in [*active, rule]}
    before_all, after_all, changed = [], [], []
    for case in chosen:
        before_moves = compose_moves(_with_rules(case.context, active), n=SHOWN)
        after_moves = compose_moves(_with_rules(case.context, [*active, rule]), n=SHOWN)
        before = case_score(before_moves, case, judge, by_id)
        after = case_score(after_moves, case, judge, by_id)
        before_all.append(before)
        after_all.append(after)
        if [m["id"] for m in before_moves] != [m["id"] for m in after_moves]:
            changed.append(
                {
                    "case": case.id,
                    "before": round(before, 4),
                    "after": round(after, 4),
                    "rule_rank": next(
                        (i + 1 for i, m in enumerate(after_moves) if m["id"] == rule["id"]), None
                    ),
                }
            )
    before = float(np.mean(before_all)) if before_all else 0.0
    after = float(np.mean(after_all)) if after_all else 0.0
    return {
        "passed": after >= before - 1e-9,
        "before": round(before, 4),
        "after": round(after, 4),
        "delta": round(after - before, 4),
        "cases": len(chosen),
        "split": split or "all",
        "changed": changed,
    }


@cache
def _judge() -> RuleJudge:
    return RuleJudge()


def gate_rule(rule: Mapping[str, Any], active: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The activation check of ``rule`` on the bundled held-out cases; ``reason: no_eval``
    when the cases are missing."""
    cases = _bundled_cases()
    if not cases:
        return {"passed": False, "reason": "no_eval"}
    return check_rule(rule, cases, _judge(), active=active)


@cache
def _bundled_cases() -> tuple[GateCase, ...]:
    return tuple(load_cases())


async def gate(entry: dict[str, Any], active: list[dict[str, Any]]) -> dict[str, Any]:
    """The activation check as the rule book calls it (off the event loop)."""
    return await asyncio.to_thread(gate_rule, entry, active)
