"""Synthetic concluded sessions for the miner's eval: planted patterns, and pure noise.

Sessions are built turn by turn the way the co-pilot stores them (archetype, signals drawn by
the vocabulary's archetype weights, the objections and modules those signals bring, four moves
a turn from the library's moves whose conditions hold) and read by ``session_facts``, so the
table has the real features' frequencies and correlations. A planted pattern is forced into a
share of the sessions and lifts the purchase rate of every session that has all of its
features; in a noise table the outcome ignores the features altogether. Seeded: one seed, one
table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tools.ai_dojo.session_facts import SEQUENCE, SessionFacts, family, session_facts

DATA = Path(__file__).resolve().parents[2] / "tools" / "data" / "sales_next_move"
BASE_RATE = 0.2
NOISE_RATE = 0.4
MOVES_PER_TURN = 4
MATCHED_WEIGHT = 3.0  # a move whose conditions name this session outweighs a generic one
# Rough shares of the archetypes among showroom clients.
ARCHETYPE_SHARES = {
    "pragmatyczny_analityk": 0.16,
    "straznik_rodziny": 0.14,
    "lowca_okazji": 0.12,
    "techniczny_sceptyk": 0.12,
    "niezdecydowany_odkrywca": 0.11,
    "zdobywca_statusu": 0.09,
    "eko_entuzjasta": 0.07,
    "pionier_technologii": 0.07,
    "lojalista_premium": 0.06,
    "entuzjasta_osiagow": 0.06,
}


@dataclass(frozen=True)
class Planted:
    """A pattern to plant: its features, the share of sessions it is forced into, and the
    purchase rate of the sessions that have it."""

    features: frozenset[str]
    cover: float = 0.12
    rate: float = 0.85


PATTERNS: tuple[Planted, ...] = (
    # "U Pragmatycznego Analityka zacznij od TCO" (issue 15).
    Planted(frozenset({"archetype:pragmatyczny_analityk", "strategy:M-A-tco-01"})),
    # Seed 001: strategy X after the client expressed concern Y.
    Planted(frozenset({"objection:objection.zasieg_zima>strategy:M-O-zima-01"})),
    Planted(frozenset({"archetype:techniczny_sceptyk", "strategy:M-D-ogolne-01"})),
)


@cache
def _signals() -> dict[str, dict[str, Any]]:
    data = json.loads((DATA / "signals.json").read_text(encoding="utf-8"))
    return {s["id"]: s for s in data["signals"]}


@cache
def _moves() -> dict[str, dict[str, Any]]:
    data = json.loads((DATA / "moves.json").read_text(encoding="utf-8"))
    return {m["id"]: m for m in data["moves"]}


def planted(
    seed: int, n_sessions: int = 300, patterns: Sequence[Planted] = PATTERNS
) -> tuple[list[SessionFacts], list[frozenset[str]]]:
    """A table with ``patterns`` planted, and the feature sets the miner should find."""
    rng = np.random.default_rng(seed)
    facts = []
    for _ in range(n_sessions):
        chosen = [p for p in patterns if rng.random() < p.cover]
        found = _session(rng, chosen)
        rate = max((p.rate for p in patterns if p.features <= found.features), default=BASE_RATE)
        facts.append(replace(found, purchased=bool(rng.random() < rate)))
    return facts, [p.features for p in patterns]


def noise(seed: int, n_sessions: int = 300) -> list[SessionFacts]:
    """A table whose outcomes are independent of every feature."""
    rng = np.random.default_rng(seed)
    facts = []
    for _ in range(n_sessions):
        found = _session(rng, [])
        facts.append(replace(found, purchased=bool(rng.random() < NOISE_RATE)))
    return facts


def miner_scores(planted_seeds: int = 10, noise_seeds: int = 20) -> dict[str, float]:
    """The miner's eval: ``miner_planted_recall``, the share of planted tables where it found
    every pattern (a feature set covering the same sessions counts), and ``miner_noise_silent``,
    the share of noise tables where it found none."""
    from tools.ai_dojo.miner import mine

    complete = 0
    for seed in range(planted_seeds):
        facts, truth = planted(seed)
        found = {frozenset(f) for p in mine(facts) for f in (p.features, *p.equivalent)}
        complete += all(pattern in found for pattern in truth)
    silent = sum(not mine(noise(seed)) for seed in range(noise_seeds))
    return {
        "miner_planted_recall": complete / planted_seeds,
        "miner_noise_silent": silent / noise_seeds,
    }


def _session(rng: np.random.Generator, chosen: Sequence[Planted]) -> SessionFacts:
    """One session's facts, with the chosen patterns' features forced in."""
    turns = int(rng.integers(2, 6))
    archetype, forced = _forced(rng, chosen, turns)
    if archetype is None:
        shares = np.array(list(ARCHETYPE_SHARES.values()))
        archetype = list(ARCHETYPE_SHARES)[rng.choice(len(shares), p=shares / shares.sum())]
    signals, seen, analyses = _signals(), [], []
    weights = np.array([s["archetypes"].get(archetype, 0.0) + 0.03 for s in signals.values()])
    for turn in range(1, turns + 1):
        pinned = {
            name: [v for f, t in forced if t == turn for v in _value(f, name)]
            for name in ("signal", "objection", "module", "strategy")
        }
        count = 1 + int(rng.random() < 0.4)
        drawn = rng.choice(list(signals), size=count, replace=False, p=weights / weights.sum())
        ids = list(dict.fromkeys([*pinned["signal"], *map(str, drawn)]))
        seen += [{"id": i, "evidence": "", "turn": turn} for i in ids]
        objections = [o for i in ids for o in signals[i]["objections"] if rng.random() < 0.6]
        objections = list(dict.fromkeys([*objections, *pinned["objection"]]))
        modules = list(
            dict.fromkeys([*(m for i in ids for m in signals[i]["modules"]), *pinned["module"]])
        )
        facts = {
            "signals": {s["id"] for s in seen},
            "objections": set(objections),
            "modules": set(modules),
            "archetype": archetype,
            "turn": turn,
        }
        moves = [
            *pinned["strategy"],
            *(m for m in _pick_moves(rng, facts) if m not in pinned["strategy"]),
        ]
        moves = moves[: max(MOVES_PER_TURN, len(pinned["strategy"]))]
        analyses.append(
            {
                "turn": turn,
                "archetype": {"primary": archetype},
                "signals": [{"id": i} for i in ids],
                "session_signals": list(seen),
                "objections": [{"id": o} for o in objections],
                "modules": [{"module": m} for m in modules],
                "meta_rules": [],
                "next_moves": [{"id": m, "kind": _moves()[m]["kind"]} for m in moves],
            }
        )
    kinds = {m: move["kind"] for m, move in _moves().items()}
    return session_facts({"id": str(uuid.UUID(bytes=rng.bytes(16)))}, analyses, move_kinds=kinds)


def _value(feature: str, name: str) -> list[str]:
    prefix = f"{name}:"
    return [feature.removeprefix(prefix)] if feature.startswith(prefix) else []


def _forced(
    rng: np.random.Generator, chosen: Sequence[Planted], turns: int
) -> tuple[str | None, list[tuple[str, int]]]:
    """The archetype the chosen patterns force, and each plain feature with its turn.

    A sequence's concern comes at some turn and its move then or later; an objection brings
    the signal that raises it, as in a real session. A pattern whose archetype clashes with
    an earlier chosen one is left out.
    """
    archetype: str | None = None
    forced: list[tuple[str, int]] = []
    for pattern in chosen:
        wanted = [f.partition(":")[2] for f in pattern.features if family(f) == "archetype"]
        if wanted and archetype not in (None, wanted[0]):
            continue
        archetype = wanted[0] if wanted else archetype
        for feature in sorted(f for f in pattern.features if family(f) != "archetype"):
            at = int(rng.integers(1, turns + 1))
            for part in feature.split(SEQUENCE):
                forced.append((part, at))
                for sid in _raising(part):
                    forced.append((f"signal:{sid}", at))
                at = int(rng.integers(at, turns + 1))  # the move: then or later
    return archetype, forced


def _raising(feature: str) -> list[str]:
    """The first signal that raises an objection feature (none for other features)."""
    objection = _value(feature, "objection")
    return (
        [next(sid for sid, s in _signals().items() if objection[0] in s["objections"])]
        if objection
        else []
    )


def _pick_moves(rng: np.random.Generator, facts: Mapping[str, Any]) -> list[str]:
    """Four distinct moves whose conditions hold, those naming the session more likely; like
    the composer, a question first and at most two of a kind."""
    ids, weights = [], []
    for move_id, move in _moves().items():
        when = move["when"]
        if _holds(when, facts):
            ids.append(move_id)
            weights.append(MATCHED_WEIGHT if when else 1.0)
    p = np.array(weights) / sum(weights)
    order = [str(m) for m in rng.choice(ids, size=len(ids), replace=False, p=p)]
    kinds = [_moves()[m]["kind"] for m in order]
    picked = [order[kinds.index("question")]] if "question" in kinds else []
    for move_id, kind in zip(order, kinds, strict=True):
        same = sum(_moves()[m]["kind"] == kind for m in picked)
        if len(picked) < MOVES_PER_TURN and move_id not in picked and same < 2:
            picked.append(move_id)
    return picked


def _holds(when: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    seen = facts["signals"]
    return (
        (not when.get("any_signals") or bool(seen & set(when["any_signals"])))
        and set(when.get("all_signals", ())) <= seen
        and not seen & set(when.get("none_signals", ()))
        and (not when.get("archetype") or facts["archetype"] in when["archetype"])
        and (not when.get("modules_any") or bool(facts["modules"] & set(when["modules_any"])))
        and (
            not when.get("objections_any")
            or bool(facts["objections"] & set(when["objections_any"]))
        )
        and facts["turn"] >= (when.get("min_turn") or 0)
        and len(seen) >= (when.get("min_signals") or 0)
    )
