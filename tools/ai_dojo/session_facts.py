"""What a concluded sales session is to the miner: its outcome and the features it showed.

A feature is ``family:value``: ``archetype:<slug>`` (the session's final archetype),
``signal:<id>``, ``objection:<entry id>``, ``module:<slug>``, ``rule:<entry id>`` (a team
meta-rule retrieved), ``move:<kind>`` (a move of that kind was shown) and ``strategy:<move id>``
(that very move was shown). Sequences say "strategy X after the client expressed concern Y"
(seed 001, Module 5): ``signal:<id>>move:<kind>``, ``signal:<id>>strategy:<id>`` and
``objection:<id>>strategy:<id>`` when the move was shown at or after the turn the concern
first appeared. ``first_turn`` keeps the turn each feature first held, so a question can cite it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

FAMILIES = (
    "archetype",
    "signal",
    "objection",
    "module",
    "rule",
    "move",
    "strategy",
    "sequence",
)
SEQUENCE = ">"
PURCHASED = "purchased"


@dataclass(frozen=True)
class SessionFacts:
    """One concluded session: whether it ended in a purchase, and what it showed when."""

    session_id: str
    purchased: bool
    features: frozenset[str]
    first_turn: dict[str, int] = field(default_factory=dict, compare=False)


def family(feature: str) -> str:
    """The feature's family: ``sequence`` for an ordered pair, else the part before ':'."""
    return "sequence" if SEQUENCE in feature else feature.partition(":")[0]


def components(feature: str) -> frozenset[str]:
    """The plain features a feature is made of (a sequence: its two ends)."""
    return frozenset(feature.split(SEQUENCE))


def session_facts(
    session: Mapping[str, Any],
    analyses: Sequence[Mapping[str, Any]],
    *,
    move_kinds: Mapping[str, str] | None = None,
) -> SessionFacts:
    """Turn a session (``id``, ``outcome_data``) and its turns' analyses into features.

    ``analyses`` are the stored analyses in turn order; an optional ``shown_moves`` key lists
    every move shown for the turn, the ones asked for later ("Generuj inne sugestie") too,
    whose kind ``move_kinds`` (move id -> kind; the bundled library by default) supplies.
    """
    first: dict[str, int] = {}
    shown: dict[str, set[int]] = {}  # move feature -> every turn it was shown in
    archetype: tuple[str, int] | None = None

    def seen(feature: str, turn: int) -> None:
        first[feature] = min(turn, first.get(feature, turn))

    for index, analysis in enumerate(analyses):
        turn = int(analysis.get("turn") or index + 1)
        primary = (analysis.get("archetype") or {}).get("primary")
        if primary and (archetype is None or archetype[0] != primary):
            archetype = (primary, turn)  # the final archetype, since it last became primary
        for item in analysis.get("session_signals") or []:
            seen(f"signal:{item['id']}", int(item.get("turn") or turn))
        for item in analysis.get("signals") or []:
            seen(f"signal:{item['id']}", turn)
        for item in analysis.get("objections") or []:
            seen(f"objection:{item['id']}", turn)
        for item in analysis.get("modules") or []:
            seen(f"module:{item['module']}", turn)
        for item in analysis.get("meta_rules") or []:
            seen(f"rule:{item['id']}", turn)
        moves = {str(m["id"]): m.get("kind") for m in analysis.get("next_moves") or []}
        for move_id in map(str, analysis.get("shown_moves") or []):
            if move_id not in moves:
                kinds = move_kinds if move_kinds is not None else library_move_kinds()
                moves[move_id] = kinds.get(move_id)
        for move_id, kind in moves.items():
            for feature in (f"strategy:{move_id}", f"move:{kind}" if kind else None):
                if feature is not None:
                    seen(feature, turn)
                    shown.setdefault(feature, set()).add(turn)
    if archetype is not None:
        first[f"archetype:{archetype[0]}"] = archetype[1]
    concerns = {f: t for f, t in first.items() if family(f) in ("signal", "objection")}
    for concern, since in concerns.items():
        for move, turns in shown.items():
            if family(move) == "move" and concern.startswith("objection:"):
                continue  # an objection comes from its signal; the kind alone says little more
            later = [t for t in turns if t >= since]
            if later:
                first[f"{concern}{SEQUENCE}{move}"] = min(later)
    outcome = (session.get("outcome_data") or {}).get("outcome")
    return SessionFacts(
        session_id=str(session["id"]),
        purchased=outcome == PURCHASED,
        features=frozenset(first),
        first_turn=first,
    )


@cache
def library_move_kinds() -> dict[str, str]:
    """Move id -> kind for the bundled move library (read once)."""
    from tools.sales_next_move.moves import default_move_library

    return {m.id: m.kind for m in default_move_library().moves}


KIND_LABELS = {
    "question": "pytanie",
    "argument": "argument",
    "objection_response": "odpowiedź na obiekcję",
    "action": "działanie",
}


@dataclass(frozen=True)
class Labels:
    """Polish names of feature values; a value without one is shown as its id."""

    archetypes: Mapping[str, str] = field(default_factory=dict)
    signals: Mapping[str, str] = field(default_factory=dict)
    objections: Mapping[str, str] = field(default_factory=dict)
    modules: Mapping[str, str] = field(default_factory=dict)
    moves: Mapping[str, str] = field(default_factory=dict)  # move id -> its text, shortened
    rules: Mapping[str, str] = field(default_factory=dict)  # meta-rule entry id -> title
    kinds: Mapping[str, str] = field(default_factory=lambda: dict(KIND_LABELS))

    def of(self, feature: str) -> str:
        """The label of a plain feature's value (``archetype:lowca_okazji`` -> Łowca Okazji)."""
        name, _, value = feature.partition(":")
        table: Mapping[str, str] = {
            "archetype": self.archetypes,
            "signal": self.signals,
            "objection": self.objections,
            "module": self.modules,
            "move": self.kinds,
            "strategy": self.moves,
            "rule": self.rules,
        }.get(name, {})
        return table.get(value, value)


def shorten(text: str, limit: int = 80) -> str:
    """The text's first sentence or clause when short enough, else cut at a word with '…'."""
    text = " ".join(text.split())
    for stop in (". ", "; ", ": ", ", "):
        head = text.split(stop, 1)[0]
        if 25 <= len(head) <= limit and head != text:
            return head.rstrip(".")
    if len(text) <= limit:
        return text.rstrip(".")
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def nested_quotes(text: str) -> str:
    """Turn „…” inside a text into »…« so it can itself be quoted; close one a cut left open."""
    text = text.replace("„", "»").replace("”", "«")
    if text.count("»") > text.count("«"):
        text = text[:-1] + "«…" if text.endswith("…") else text + "«"
    return text


@cache
def bundled_labels() -> Labels:
    """Labels from the bundled data: archetype names, signal labels, the pack's objection and
    module titles, and the move library's texts (read once)."""
    from tools.knowledge.entries import ARCHETYPES
    from tools.knowledge.pack import load_pack
    from tools.sales_next_move.moves import default_move_library
    from tools.sales_next_move.vocabulary import load_vocabulary

    pack = load_pack()
    return Labels(
        archetypes=dict(ARCHETYPES),
        signals={
            s.id: s.label.split(" (", 1)[0].split(",", 1)[0] for s in load_vocabulary().signals
        },
        objections={
            e.id: e.title.removeprefix("Obiekcja:").strip()
            for e in pack.entries
            if e.kind == "objection"
        },
        modules={m.slug: m.title for m in pack.modules},
        moves={m.id: nested_quotes(shorten(m.text)) for m in default_move_library().moves},
    )
