"""Which of the tenant's results a question is about (seed 003's MentorOrchestrator, the part
that gathers the context).

In order: ids and names (a persona's, a client's alias) the question uses, with the newest
results of any other kind it names; the kinds it names (the thread's own results of that kind,
or the tenant's newest when it asks for "the latest" or the thread has none); the results of
the previous turn (a follow-up: "A dlaczego?"); the thread's results; the newest of each kind
(an overview). The reader is tenant-bound: another tenant's ids do not exist for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.mentor.mentions import KINDS, Mentions
from tools.mentor.names import named_in

# How many of a kind's newest results a question gets when it names the kind.
NEWEST = {"persona": 5, "focus_group": 3, "kpi": 3, "sales_session": 10}
MOST = {"persona": 12, "focus_group": 6, "kpi": 6, "sales_session": 25}


@dataclass(frozen=True)
class Choice:
    refs: list[Any]  # ResultRef, in the order the prompt shows them
    how: str  # named | kinds | previous | thread | overview
    unknown_ids: list[str] = field(default_factory=list)  # ids named that the tenant has not


def _unique(refs: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(refs))


async def _named(reader: Any, ids: Sequence[str], ref_type: Any) -> tuple[list[Any], list[str]]:
    """The results with these ids, whatever their kind; and the ids of none."""
    wanted = [ref_type(kind, id_) for id_ in ids for kind in KINDS]
    missing = set(await reader.missing(wanted))
    found = [ref for ref in wanted if ref not in missing]
    unknown = [id_ for id_ in ids if not any(ref.id == id_ for ref in found)]
    return found, unknown


async def choose(
    reader: Any,
    question: str,
    mentions: Mentions,
    pinned: Sequence[Any],
    previous: Sequence[Any],
    ref_type: Any,
) -> Choice:
    """Return the results for a question (``ref_type(kind, id)`` builds a ResultRef)."""
    unknown: list[str] = []
    named: list[Any] = []
    if mentions.ids:
        named, unknown = await _named(reader, mentions.ids, ref_type)
    named += named_in(question, await reader.names())
    if named:
        # Kinds the named results do not cover are added ("czy badanie o cenie tłumaczy NPS
        # Katarzyny?"); a persona carries its KPI snapshot.
        covered = {ref.kind for ref in named} | (
            {"kpi"} if any(ref.kind == "persona" for ref in named) else set()
        )
        refs = list(named)
        for kind in mentions.kinds:
            if kind not in covered:
                refs += await reader.recent(kind, NEWEST[kind])
        return Choice(_unique(refs), "named", unknown)
    if mentions.kinds:
        refs = []
        for kind in mentions.kinds:
            own = [ref for ref in pinned if ref.kind == kind]
            if own and not mentions.latest:
                refs += own
                continue
            limit = MOST[kind] if mentions.everything else mentions.count or NEWEST[kind]
            refs += await reader.recent(kind, min(limit, MOST[kind]))
        if refs:
            return Choice(_unique(refs), "kinds", unknown)
    if previous:
        return Choice(_unique(previous), "previous", unknown)
    if pinned:
        return Choice(_unique(pinned), "thread", unknown)
    refs = [ref for kind in KINDS for ref in await reader.recent(kind, 1)]
    return Choice(refs, "overview", unknown)
