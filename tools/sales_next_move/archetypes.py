"""Which of the ten archetypes a client is: rule scores, embedding scores, and a steady primary.

Two sources, both without a chat model:
- rules: every signal seen in the session carries weights toward archetypes (the vocabulary's
  rule table); older turns count less (``TURN_DECAY`` per turn);
- embeddings: the conversation so far, embedded as a query, against each archetype's profile
  (the centroid of its description chunks in the knowledge pack).

They are blended with a weight that moves toward the rules as evidence piles up (two signals
give the rules half the say). A salesperson's panel must not flip between types on every note,
so the primary changes only when a challenger leads the current primary by ``MARGIN`` on two
turns in a row, or by ``LARGE_MARGIN`` at once (hysteresis over smoothed scores).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ARCHETYPES = (
    "zdobywca_statusu",
    "straznik_rodziny",
    "pragmatyczny_analityk",
    "eko_entuzjasta",
    "pionier_technologii",
    "techniczny_sceptyk",
    "lojalista_premium",
    "lowca_okazji",
    "niezdecydowany_odkrywca",
    "entuzjasta_osiagow",
)
# The facets that describe the client (the others tell the salesperson what to do).
PROFILE_FACETS = ("opis", "motywacje", "jak_mowi", "co_przekonuje")
TURN_DECAY = 0.85  # weight of a signal one turn older
RULES_HALF_AT = 2.0  # signals at which rules and embeddings weigh the same
EMBEDDING_TEMPERATURE = 0.02  # softmax temperature over cosine similarities
SMOOTHING = 0.5  # share of the previous turn's smoothed scores kept
MARGIN = 0.04  # lead a challenger needs on two consecutive turns
LARGE_MARGIN = 0.15  # lead that switches the primary at once


@dataclass(frozen=True, slots=True)
class ArchetypeState:
    """What carries over between turns (kept in the thread's checkpoints)."""

    primary: str | None = None
    smoothed: Mapping[str, float] | None = None
    challenger: str | None = None
    streak: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "primary": self.primary,
            "smoothed": dict(self.smoothed or {}),
            "challenger": self.challenger,
            "streak": self.streak,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ArchetypeState:
        if not data:
            return cls()
        return cls(
            data.get("primary"),
            dict(data.get("smoothed") or {}) or None,
            data.get("challenger"),
            int(data.get("streak") or 0),
        )


def rule_scores(
    signals: Iterable[Mapping[str, Any]], weights: Mapping[str, Mapping[str, float]], turn: int
) -> dict[str, float]:
    """Share of the decayed signal weight each archetype gets (all zero without evidence).

    ``weights`` maps a signal id to its archetype weights; a signal counts once per turn.
    """
    raw = dict.fromkeys(ARCHETYPES, 0.0)
    counted: set[tuple[str, int]] = set()
    for signal in signals:
        key = (signal["id"], int(signal.get("turn", turn)))
        if key in counted:
            continue
        counted.add(key)
        age = max(0, turn - key[1])
        for slug, weight in weights.get(signal["id"], {}).items():
            if slug in raw:
                raw[slug] += weight * TURN_DECAY**age
    total = sum(raw.values())
    return {slug: (value / total if total else 0.0) for slug, value in raw.items()}


class ArchetypeProfiles:
    """Each archetype's profile vector: the normalised centroid of its describing chunks."""

    def __init__(self, vectors: Mapping[str, Sequence[float]]) -> None:
        self.slugs = tuple(slug for slug in ARCHETYPES if slug in vectors)
        matrix = np.asarray([vectors[slug] for slug in self.slugs], dtype=np.float32)
        self._matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    @classmethod
    def from_entries(cls, entries: Iterable[Any], embedder: Any) -> ArchetypeProfiles:
        """Build from knowledge entries (kind ``archetype``) with ``embedder`` (passages)."""
        chosen = [
            e
            for e in entries
            if e.kind == "archetype" and e.archetype and e.id.rsplit(".", 1)[-1] in PROFILE_FACETS
        ]
        vectors = embedder.embed_documents([f"{e.title}\n{e.text}" for e in chosen])
        grouped: dict[str, list[Sequence[float]]] = {}
        for entry, vector in zip(chosen, vectors, strict=True):
            grouped.setdefault(entry.archetype, []).append(vector)
        return cls({slug: np.mean(np.asarray(v), axis=0) for slug, v in grouped.items()})

    def scores(self, query_vector: Sequence[float]) -> dict[str, float]:
        """Softmax over cosine similarities: a distribution over the archetypes."""
        query = np.asarray(query_vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        cosines = self._matrix @ query
        exp = np.exp((cosines - cosines.max()) / EMBEDDING_TEMPERATURE)
        shares = exp / exp.sum()
        out = dict.fromkeys(ARCHETYPES, 0.0)
        out.update({slug: float(share) for slug, share in zip(self.slugs, shares, strict=True)})
        return out


_PACK_PROFILES: dict[str, ArchetypeProfiles] = {}  # embedder spec -> profiles of the pack


def pack_profiles(embedder: Any) -> ArchetypeProfiles:
    """The bundled pack's archetype profiles for ``embedder``, built once per embedder spec
    (~60 passages embedded: seconds on a CPU, so call it off the event loop)."""
    if embedder.spec not in _PACK_PROFILES:
        from tools.knowledge.pack import load_pack

        built = ArchetypeProfiles.from_entries(load_pack().entries, embedder)
        _PACK_PROFILES.setdefault(embedder.spec, built)
    return _PACK_PROFILES[embedder.spec]


def rules_share(n_signals: int) -> float:
    """The rules' weight in the blend: half at ``RULES_HALF_AT`` distinct signals."""
    return n_signals / (n_signals + RULES_HALF_AT)


def blend(rules: Mapping[str, float], embeddings: Mapping[str, float] | None, n_signals: int):
    """Mix the two sources: the rules' share grows with the number of distinct signals."""
    if embeddings is None:
        return dict(rules) if n_signals else dict.fromkeys(ARCHETYPES, 1 / len(ARCHETYPES))
    alpha = rules_share(n_signals)
    return {s: alpha * rules.get(s, 0.0) + (1 - alpha) * embeddings.get(s, 0.0) for s in ARCHETYPES}


@dataclass(frozen=True, slots=True)
class Decision:
    """The turn's archetype verdict."""

    primary: str
    scores: dict[str, float]
    changed: bool
    previous: str | None
    state: ArchetypeState
    why: str


def decide(blended: Mapping[str, float], state: ArchetypeState) -> Decision:
    """Smooth the turn's scores with the previous ones and apply hysteresis to the primary."""
    if state.smoothed:
        smoothed = {
            s: SMOOTHING * state.smoothed.get(s, 0.0) + (1 - SMOOTHING) * blended.get(s, 0.0)
            for s in ARCHETYPES
        }
    else:
        smoothed = {s: float(blended.get(s, 0.0)) for s in ARCHETYPES}
    rounded = {s: round(v, 4) for s, v in smoothed.items()}
    leader = max(ARCHETYPES, key=lambda s: (smoothed[s], -ARCHETYPES.index(s)))
    current = state.primary
    if current is None:
        new = ArchetypeState(leader, rounded)
        return Decision(leader, rounded, True, None, new, "pierwsza ocena")
    lead = smoothed[leader] - smoothed[current]
    if leader == current or lead < MARGIN:
        return Decision(current, rounded, False, current, ArchetypeState(current, rounded), "")
    if lead >= LARGE_MARGIN:
        why = f"{leader} prowadzi o {lead:.2f} (próg natychmiastowej zmiany {LARGE_MARGIN})"
        return Decision(leader, rounded, True, current, ArchetypeState(leader, rounded), why)
    streak = state.streak + 1 if state.challenger == leader else 1
    if streak >= 2:
        why = f"{leader} prowadzi o co najmniej {MARGIN} drugą turę z rzędu"
        return Decision(leader, rounded, True, current, ArchetypeState(leader, rounded), why)
    held = ArchetypeState(current, rounded, leader, streak)
    return Decision(current, rounded, False, current, held, "")


def top(scores: Mapping[str, float], n: int = 2) -> list[str]:
    """The ``n`` best archetypes, ties broken by the table's order."""
    return sorted(ARCHETYPES, key=lambda s: (-scores.get(s, 0.0), ARCHETYPES.index(s)))[:n]


def entropy(scores: Mapping[str, float]) -> float:
    """Shannon entropy (nats) of a score distribution; high means the type is unclear."""
    return -sum(p * math.log(p) for p in scores.values() if p > 0)
