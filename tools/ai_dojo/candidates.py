"""Enrichment candidates (seed 002, section 12): suggestions the salespeople liked.

A suggested move rated up by at least ``min_users`` different users and never rated down is
offered to the mentor as knowledge; it enters the knowledge base only once the mentor confirms
it. Pure: feedback rows in, candidates out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from tools.ai_dojo.session_facts import shorten

SOURCE = "wzbogacenie z ocen handlowców"
# The knowledge kind a move of each kind becomes; any other move is a note.
ENTRY_KINDS = {"question": "question", "objection_response": "objection"}
MOVE_KEYS = ("text", "title", "kind", "module")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A suggestion worth keeping, with who rated it and where it was shown."""

    suggestion_id: str
    title: str
    text: str
    kind: str | None
    module: str | None
    archetype: str | None
    ups: int
    users: tuple[str, ...]
    interactions: tuple[str, ...]


def candidates(
    rows: Iterable[Mapping[str, Any]],
    *,
    min_users: int = 3,
    moves: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Candidate]:
    """Suggestions rated up by ``min_users`` distinct users and never down, most ups first.

    A row is one rating: ``suggestion_id``, ``user_id``, ``rating`` (1 or -1),
    ``interaction_id`` and what the turn's analysis says of the move (``text``, ``title``,
    ``kind``, ``module``, ``archetype``; any may be missing). A move shown later ("Generuj inne
    sugestie") is not in the analysis: ``moves`` (id -> text, kind, module; the bundled
    library by default, read only when needed) fills in what the rows lack.
    """
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row["suggestion_id"]), []).append(row)
    found = []
    for suggestion_id, ratings in grouped.items():
        users = sorted({str(r["user_id"]) for r in ratings})
        if any(int(r["rating"]) < 0 for r in ratings) or len(users) < min_users:
            continue
        move = {key: _most_common(r.get(key) for r in ratings) for key in MOVE_KEYS}
        if not all(move[key] for key in ("text", "kind", "module")):
            known = (moves if moves is not None else library_moves()).get(suggestion_id, {})
            move = {key: move[key] or known.get(key) for key in MOVE_KEYS}
        if not move["text"]:
            continue  # nothing to offer: neither the analysis nor the library has its text
        archetypes = {r.get("archetype") for r in ratings}
        found.append(
            Candidate(
                suggestion_id=suggestion_id,
                title=move["title"] or shorten(str(move["text"])),
                text=str(move["text"]),
                kind=move["kind"],
                module=move["module"],
                # Specific to an archetype only when every rating was given for that archetype.
                archetype=archetypes.pop() if len(archetypes) == 1 else None,
                ups=len(ratings),
                users=tuple(users),
                interactions=tuple(dict.fromkeys(str(r["interaction_id"]) for r in ratings)),
            )
        )
    return sorted(found, key=lambda c: (-c.ups, -len(c.users), c.suggestion_id))


def draft_entry(candidate: Candidate) -> dict[str, Any]:
    """The knowledge entry the candidate becomes once the mentor confirms it (a dict in the
    shape of ``KnowledgeEntry``; a question or objection move keeps its kind, others are notes).
    """
    kind = ENTRY_KINDS.get(candidate.kind or "", "note")
    tags = ["wzbogacenie", *([candidate.module] if candidate.module else [])]
    return {
        "id": f"{kind}.wzbogacenie.{_slug(candidate.suggestion_id)}"[:120],
        "kind": kind,
        "title": candidate.title[:200],
        "text": candidate.text,
        "tags": tags,
        "language": "pl",
        "archetype": candidate.archetype,
        "module": candidate.module,
        "illustrative": False,
        "source": SOURCE,
    }


def _most_common(values: Iterable[Any]) -> Any:
    """The most frequent non-empty value, the first seen on a tie; None when there is none."""
    counts = Counter(v for v in values if v)
    return max(counts, key=lambda v: counts[v]) if counts else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "ruch"


@cache
def library_moves() -> dict[str, dict[str, Any]]:
    """Move id -> text, kind and module (of the first pack entry it draws on that has one)
    for the bundled move library (read once)."""
    from tools.knowledge.pack import load_pack
    from tools.sales_next_move.moves import default_move_library

    modules = {e.id: e.module for e in load_pack().entries}
    return {
        m.id: {
            "text": m.text,
            "kind": m.kind,
            "module": next((modules[k] for k in m.knowledge if modules.get(k)), None),
        }
        for m in default_move_library().moves
    }


def candidate_entry(candidate: Candidate, tenant: str) -> dict[str, Any]:
    """The candidate's entry under the Dojo's id prefix and the tenant's tag
    (``dojo.<kind>.wzbogacenie.<tenant tag>.<move>``)."""
    from tools.ai_dojo.schemas import tenant_tag

    entry = draft_entry(candidate)
    kind, rest = entry["id"].split(".wzbogacenie.", 1)
    return entry | {"id": f"dojo.{kind}.wzbogacenie.{tenant_tag(tenant)}.{rest}"[:120]}
