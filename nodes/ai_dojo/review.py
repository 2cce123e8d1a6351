"""Review: Sight asks about patterns in concluded sessions, and offers well-rated suggestions
as knowledge (seed 001 Module 5, seed 002 §12). Nothing is stored before the mentor confirms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.ai_dojo.route import last_human
from nodes.ai_dojo.state import DojoContext, DojoState
from nodes.ai_dojo.teach import describe_entry
from store.dojo_rules import DojoRuleRepository
from tools.ai_dojo.candidates import candidate_entry
from tools.ai_dojo.candidates import candidates as find_candidates
from tools.ai_dojo.miner import mine
from tools.ai_dojo.proposals import entry_args
from tools.ai_dojo.rules import rule_from_pattern, rule_id
from tools.ai_dojo.session_facts import session_facts

MIN_SUPPORT = 5  # sessions a pattern needs before the Dojo asks about it
MIN_USERS = 3  # distinct salespeople who rated a suggestion up (and nobody down)


@dataclass
class Learning:
    """What the Dojo learns from: a tenant's concluded sessions, feedback and meta-rules."""

    sessions: async_sessionmaker[AsyncSession]
    min_support: int = MIN_SUPPORT
    min_users: int = MIN_USERS

    @property
    def rules(self) -> DojoRuleRepository:
        return DojoRuleRepository(self.sessions)

    async def facts(self, tenant: str) -> list[Any]:
        from store.sales_next_move.learning import concluded_sessions

        return [
            session_facts(session, analyses)
            for session, analyses in await concluded_sessions(self.sessions, tenant)
        ]

    async def feedback(self, tenant: str) -> list[dict[str, Any]]:
        from store.sales_next_move.learning import feedback_rows

        return await feedback_rows(self.sessions, tenant)


def _message_id(state: DojoState) -> str | None:
    message = last_human(state)
    return message.id if message else None


async def review_sessions(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Mine the tenant's concluded sessions; ask about the strongest pattern not yet a rule."""
    ctx = runtime.context
    learning: Learning = ctx.learning
    facts = await learning.facts(ctx.tenant)
    known = {rule.entry_id for rule in await learning.rules.list(ctx.tenant)}
    patterns = [
        p
        for p in mine(facts, min_support=learning.min_support)
        if rule_id(p.id, ctx.tenant) not in known
    ]
    purchased = sum(f.purchased for f in facts)
    if not patterns:
        reply = (
            f"Przeanalizowałem {len(facts)} zakończonych sesji ({purchased} zakończonych "
            "zakupem) i nie widzę wzorca, o który warto pytać: taki wzorzec musi wystąpić w co "
            f"najmniej {learning.min_support} sesjach, a dolna granica przedziału ufności jego "
            "skuteczności musi przewyższać średnią wszystkich sesji."
        )
        return {"messages": [AIMessage(reply)]}
    pattern = patterns[0]
    rule = rule_from_pattern(pattern, ctx.tenant)
    others = f" Widzę jeszcze {len(patterns) - 1} inne wzorce." if len(patterns) > 1 else ""
    description = (
        f"{pattern.question}{others} Zatwierdź, aby dodać regułę dla co-pilota twojego zespołu "
        "(najpierw sprawdzę na przypadkach testowych, czy nie pogarsza podpowiedzi); edytuj jej "
        "treść albo odrzuć."
    )
    evidence = {
        "pattern": pattern.id,
        "features": list(pattern.features),
        "support": pattern.support,
        "successes": pattern.successes,
        "rate": pattern.rate,
        "wilson_low": pattern.wilson_low,
        "baseline": pattern.baseline,
        "sessions": list(pattern.sessions),
        "tested": pattern.tested,
    }
    return {
        "messages": [AIMessage(pattern.question + others)],
        "proposal": {
            "action": "add_rule",
            "args": entry_args(rule),
            "description": description,
            "evidence": evidence,
            "message_id": _message_id(state),
            "draft_method": "miner",
            "notes": [],
        },
    }


async def review_feedback(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Offer the suggestion most rated up (by several salespeople, by nobody down) as a
    knowledge entry; without one, say how the feedback stands."""
    ctx = runtime.context
    learning: Learning = ctx.learning
    rows = await learning.feedback(ctx.tenant)
    found = find_candidates(rows, min_users=learning.min_users)
    kb = await ctx.knowledge() if ctx.knowledge is not None else None
    fresh = []
    for candidate in found:
        entry = candidate_entry(candidate, ctx.tenant)
        if kb is None or not await _stored(kb, entry["id"], ctx.tenant):
            fresh.append((candidate, entry))
    ups = sum(1 for r in rows if r["rating"] > 0)
    if not fresh:
        reply = (
            f"Handlowcy ocenili dotąd {len(rows)} podpowiedzi ({ups} w górę, {len(rows) - ups} "
            f"w dół). Żadna nie ma jeszcze ocen w górę od co najmniej {learning.min_users} osób "
            "bez ani jednej w dół, więc nie proponuję nowych wpisów."
        )
        return {"messages": [AIMessage(reply)]}
    candidate, entry = fresh[0]
    args = entry_args(entry)
    description = (
        f"Podpowiedź „{candidate.title}” oceniło w górę {len(candidate.users)} handlowców "
        f"({candidate.ups} ocen, żadnej w dół). Zapiszę ją w bazie wiedzy twojego zespołu "
        f"({describe_entry(args)}). Zatwierdź, edytuj albo odrzuć."
    )
    reply = f"Mam kandydata do bazy wiedzy z ocen handlowców: „{candidate.title}”."
    if len(fresh) > 1:
        reply += f" Czeka jeszcze {len(fresh) - 1} innych."
    return {
        "messages": [AIMessage(reply)],
        "proposal": {
            "action": "add_knowledge",
            "args": args,
            "description": description,
            "message_id": _message_id(state),
            "draft_method": "feedback",
            "notes": [],
            "evidence": {
                "suggestion": candidate.suggestion_id,
                "ups": candidate.ups,
                "users": list(candidate.users),
            },
        },
    }


async def _stored(kb: Any, entry_id: str, tenant: str) -> bool:
    from sight.errors import NotFoundError

    try:
        await kb.get(entry_id, tenant=tenant)
    except NotFoundError:
        return False
    return True
