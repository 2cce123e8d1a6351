"""AI Dojo: the tenant's meta-rules (counters, evidence, status), the mentor's decision on a
pending one, and what the Dojo would ask about (patterns, well-rated suggestions).

The dialog itself is the graph ``ai_dojo`` on the Agent Server routes (threads and runs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.ai_dojo.deps import RuleBookDep, RulesDep
from api.auth import EditorDep, PrincipalDep
from api.deps import ResourcesDep
from api.knowledge.deps import actor_of
from nodes.ai_dojo.review import Learning
from sight.clock import utc_now
from tools.ai_dojo.candidates import candidate_entry
from tools.ai_dojo.candidates import candidates as find_candidates
from tools.ai_dojo.miner import mine
from tools.ai_dojo.rules import rule_from_pattern
from tools.knowledge.entries import SLUG

router = APIRouter(tags=["ai_dojo"])

RuleId = Annotated[
    str,
    Path(
        pattern=SLUG,
        max_length=120,
        description="The rule's knowledge entry id.",
        examples=["dojo.rule.3f2a9c1b"],
    ),
]


class RuleOut(BaseModel):
    """A meta-rule: its importance count, status, evidence and activation figures."""

    entry_id: str = Field(examples=["dojo.rule.3f2a9c1b"])
    count: int = Field(
        description="ExpeL count: add +2, agree +1, edit +1, remove -1; dropped at 0.", examples=[3]
    )
    status: Literal["active", "pending_review", "dropped"] = Field(
        description="active: in the knowledge base, retrieved by the co-pilot; pending_review: "
        "its check lowered the co-pilot's held-out score (or could not run), the mentor "
        "decides; dropped: out of the knowledge base (count 0, the cap, or rejected).",
        examples=["active"],
    )
    title: str = Field(examples=["Wzorzec z sesji: Pokaż kalkulację TCO"])
    text: str = Field(examples=["Gdy klient to Pragmatyczny Analityk: ..."])
    archetype: str | None = Field(examples=["pragmatyczny_analityk"])
    module: str | None = Field(examples=[None])
    evidence: dict[str, Any] = Field(
        description="Where it came from: the pattern's features, support, successes, rate, "
        "Wilson lower bound, baseline and the sessions cited; or the mentor's message.",
    )
    figures: dict[str, Any] | None = Field(
        description="The activation check: held-out score before and after, the cases whose "
        "moves changed.",
    )
    created_at: str
    updated_at: str


def rule_out(record: Any) -> RuleOut:
    entry = record.evidence.get("entry") or {}
    evidence = {k: v for k, v in record.evidence.items() if k != "entry"}
    return RuleOut(
        entry_id=record.entry_id,
        count=record.count,
        status=record.status,
        title=entry.get("title", ""),
        text=entry.get("text", ""),
        archetype=entry.get("archetype"),
        module=entry.get("module"),
        evidence=evidence,
        figures=record.figures,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )


@router.get("/dojo/rules", summary="The team's meta-rules")
async def list_rules(
    who: PrincipalDep,
    rules: RulesDep,
    status: Annotated[
        Literal["active", "pending_review", "dropped"] | None,
        Query(description="Only rules of this status.", examples=["pending_review"]),
    ] = None,
) -> list[RuleOut]:
    """List the tenant's meta-rules, highest count first, with counters, evidence and status."""
    return [rule_out(r) for r in await rules.list(who.tenant, status)]


class RuleDecision(BaseModel):
    """The mentor's decision on a rule waiting in pending_review."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["activate", "reject"] = Field(
        description="activate: store it for the co-pilot despite its figures; reject: drop it.",
        examples=["reject"],
    )


@router.post("/dojo/rules/{entry_id}/decision", summary="Decide on a pending rule (editor)")
async def decide_rule(
    entry_id: RuleId, body: RuleDecision, who: EditorDep, book: RuleBookDep
) -> RuleOut:
    """Activate or reject a rule in pending_review (409 for a rule in another status)."""
    record = await (await book()).decide(entry_id, body.decision, actor_of(who), utc_now())
    return rule_out(record)


class CandidateOut(BaseModel):
    """A suggestion rated up by several salespeople and by nobody down: a knowledge candidate."""

    suggestion_id: str = Field(examples=["M-A-tco-01"])
    title: str
    text: str
    ups: int = Field(description="Ratings up.", examples=[4])
    users: int = Field(description="Distinct salespeople who rated it up.", examples=[3])
    entry: dict[str, Any] = Field(description="The knowledge entry it would become.")


@router.get("/dojo/candidates", summary="Knowledge candidates from salespeople's ratings")
async def list_candidates(who: PrincipalDep, resources: ResourcesDep) -> list[CandidateOut]:
    """Suggestions rated up by at least three salespeople and never down (seed 002 §12); the
    Dojo offers them to the mentor, and none enters the knowledge base unconfirmed."""
    learning = Learning(resources.sessions)
    rows = await learning.feedback(who.tenant)
    return [
        CandidateOut(
            suggestion_id=c.suggestion_id,
            title=c.title,
            text=c.text,
            ups=c.ups,
            users=len(c.users),
            entry=candidate_entry(c, who.tenant),
        )
        for c in find_candidates(rows, min_users=learning.min_users)
    ]


class PatternOut(BaseModel):
    """A combination that preceded purchases more often than the average."""

    id: str
    features: list[str] = Field(examples=[["archetype:pragmatyczny_analityk", "move:argument"]])
    support: int
    successes: int
    rate: float
    wilson_low: float = Field(
        description="Lower bound of the success rate (Wilson, corrected "
        "for the number of combinations tested)."
    )
    baseline: float = Field(description="Purchase rate over all concluded sessions.")
    sessions: list[str] = Field(description="Sessions cited, purchases first.")
    question: str = Field(description="What the Dojo asks the mentor, in Polish.")
    rule: dict[str, Any] = Field(description="The meta-rule it would become.")


@router.get("/dojo/patterns", summary="Patterns in the team's concluded sessions")
async def list_patterns(who: PrincipalDep, resources: ResourcesDep) -> list[PatternOut]:
    """What the deterministic miner finds now in the tenant's concluded sessions (support of
    at least five sessions, Wilson lower bound above the baseline)."""
    learning = Learning(resources.sessions)
    facts = await learning.facts(who.tenant)
    return [
        PatternOut(
            id=p.id,
            features=list(p.features),
            support=p.support,
            successes=p.successes,
            rate=p.rate,
            wilson_low=p.wilson_low,
            baseline=p.baseline,
            sessions=list(p.sessions),
            question=p.question,
            rule=rule_from_pattern(p, who.tenant),
        )
        for p in mine(facts, min_support=learning.min_support)
    ]
