"""Dojo meta-rule counters on SQLite and PostgreSQL: ExpeL ops, dropping at 0 and off the cap,
statuses with eval figures, tenants, and counts that lose no op under concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from store.dojo_rules import DojoRuleRepository

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
EVIDENCE = {
    "sessions": ["s-123", "s-124", "s-130"],
    "support": 3,
    "successes": 3,
    "rate": 1.0,
    "wilson_low": 0.44,
    "baseline": 0.25,
    "features": ["archetype:pragmatyczny_analityk", "move:tco"],
}


@pytest.fixture
def rules(sessions: async_sessionmaker[AsyncSession]) -> DojoRuleRepository:
    return DojoRuleRepository(sessions)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_apply_when_ops_follow_then_count_moves_by_expel_weights(rules):
    added = await rules.apply("acme", "rule-tco", "add", at(1), evidence=EVIDENCE)
    agreed = await rules.apply("acme", "rule-tco", "agree", at(2))
    edited = await rules.apply("acme", "rule-tco", "edit", at(3), evidence={"support": 5})
    removed = await rules.apply("acme", "rule-tco", "remove", at(4))

    assert [c.rule.count for c in (added, agreed, edited, removed)] == [2, 3, 4, 3]
    assert added.rule.status == "pending_review" and added.rule.figures is None
    assert added.rule.evidence == EVIDENCE and agreed.rule.evidence == EVIDENCE
    assert removed.rule.evidence == {"support": 5}
    assert removed.rule.created_at == at(1) and removed.rule.updated_at == at(4)
    assert all(c.dropped == [] for c in (added, agreed, edited, removed))
    assert await rules.get("acme", "rule-tco") == removed.rule


async def test_apply_when_count_reaches_zero_then_dropped_until_added_again(rules):
    await rules.apply("acme", "rule-zima", "add", at(1))
    await rules.apply("acme", "rule-zima", "remove", at(2))

    gone = await rules.apply("acme", "rule-zima", "remove", at(3))
    with pytest.raises(ConflictError):
        await rules.apply("acme", "rule-zima", "agree", at(4))
    back = await rules.apply("acme", "rule-zima", "add", at(5))

    assert (gone.rule.count, gone.rule.status, gone.dropped) == (0, "dropped", ["rule-zima"])
    assert (back.rule.count, back.rule.status, back.dropped) == (2, "pending_review", [])
    assert back.rule.created_at == at(5)  # started over: the newest, for ties


async def test_apply_when_op_cannot_apply_then_refused_and_nothing_stored(rules):
    with pytest.raises(NotFoundError):
        await rules.apply("acme", "rule-x", "agree", at(1))
    with pytest.raises(InputValidationError) as refused:
        await rules.apply("acme", "rule-x", "upvote", at(1))
    await rules.apply("acme", "rule-x", "add", at(1))
    with pytest.raises(ConflictError):
        await rules.apply("acme", "rule-x", "add", at(2))

    assert refused.value.problems[0]["field"] == "op"
    assert (await rules.get("acme", "rule-x")).count == 2
    assert await rules.list("acme") == [await rules.get("acme", "rule-x")]


async def test_apply_when_cap_exceeded_then_lowest_count_then_newest_dropped(rules):
    await rules.apply("acme", "rule-a", "add", at(1))
    await rules.apply("acme", "rule-b", "add", at(2))
    await rules.apply("acme", "rule-a", "agree", at(3))

    tie = await rules.apply("acme", "rule-c", "add", at(4), cap=2)  # ties with the older b
    await rules.apply("acme", "rule-d", "add", at(5))
    await rules.apply("acme", "rule-d", "agree", at(6))
    await rules.apply("acme", "rule-d", "agree", at(7))
    pushed = await rules.apply("acme", "rule-d", "agree", at(8), cap=2)  # d: 5 > a: 3 > b: 2

    assert tie.dropped == ["rule-c"] and tie.rule.status == "dropped" and tie.rule.count == 2
    assert pushed.dropped == ["rule-b"] and pushed.rule.count == 5
    live = await rules.list("acme", status="pending_review")
    assert [(r.entry_id, r.count) for r in live] == [("rule-d", 5), ("rule-a", 3)]
    dropped = await rules.list("acme", status="dropped")
    assert [r.entry_id for r in dropped] == ["rule-b", "rule-c"]
    assert (await rules.get("acme", "rule-b")).updated_at == at(8)


async def test_list_when_tenants_and_ties_then_own_rules_by_count_older_first(rules):
    for minutes, entry_id in enumerate(["rule-b", "rule-a", "rule-c"]):
        await rules.apply("acme", entry_id, "add", at(minutes))
    await rules.apply("acme", "rule-c", "agree", at(9))
    await rules.apply("globex", "rule-z", "add", at(0))

    listed = await rules.list("acme")

    assert [r.entry_id for r in listed] == ["rule-c", "rule-b", "rule-a"]
    assert await rules.get("globex", "rule-a") is None
    assert [r.entry_id for r in await rules.list("globex")] == ["rule-z"]
    assert await rules.list("acme", status="active") == []


async def test_set_status_when_eval_decides_then_status_and_figures_stored(rules):
    await rules.apply("acme", "rule-tco", "add", at(1), evidence=EVIDENCE)
    figures = {"before": 0.71, "after": 0.74, "held_out": 24}

    active = await rules.set_status("acme", "rule-tco", "active", figures, at(2))
    missing = await rules.set_status("globex", "rule-tco", "active", figures, at(2))

    assert active.status == "active" and active.figures == figures
    assert active.updated_at == at(2) and active.count == 2 and active.evidence == EVIDENCE
    assert missing is None
    assert [r.entry_id for r in await rules.list("acme", status="active")] == ["rule-tco"]


async def test_set_status_when_dropped_or_unknown_status_then_refused(rules):
    await rules.apply("acme", "rule-x", "add", at(1))
    with pytest.raises(InputValidationError) as refused:
        await rules.set_status("acme", "rule-x", "archived", None, at(2))
    await rules.set_status("acme", "rule-x", "dropped", {"before": 0.7, "after": 0.6}, at(3))
    with pytest.raises(ConflictError):
        await rules.set_status("acme", "rule-x", "active", None, at(4))

    assert refused.value.problems[0]["field"] == "status"
    assert (await rules.get("acme", "rule-x")).status == "dropped"


async def test_apply_when_concurrent_agrees_then_no_op_lost(rules):
    await rules.apply("acme", "rule-tco", "add", at(0))

    await asyncio.gather(*(rules.apply("acme", "rule-tco", "agree", at(i)) for i in range(6)))

    assert (await rules.get("acme", "rule-tco")).count == 8


async def test_apply_when_concurrent_adds_then_cap_holds(rules):
    changes = await asyncio.gather(
        *(rules.apply("acme", f"rule-{i}", "add", at(i), cap=3) for i in range(6))
    )

    live = await rules.list("acme", status="pending_review")
    assert len(live) == 3
    assert sum(len(c.dropped) for c in changes) == 3
