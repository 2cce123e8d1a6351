"""The rule book on SQLite and PostgreSQL (knowledge base: in-memory Qdrant, hash embedder):
a new meta-rule is activated into the knowledge base only when its check passes, otherwise it
waits with its figures; the mentor activates or rejects a waiting rule; a rule whose count
falls to 0 is dropped and taken out of the knowledge base, its history kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from qdrant_client import AsyncQdrantClient

from sight.errors import ConflictError, NotFoundError, UnavailableError
from store.dojo_rules import DojoRuleRepository
from store.knowledge_events import KnowledgeEventRepository
from tests.tools.test_knowledge_fakes import HashEmbedder
from tools.ai_dojo.rulebook import RuleBook
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.editor import Actor, KnowledgeEditor
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.rerank import FeatureReranker

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ANNA = Actor("anna", "acme", "editor")
SOURCE = {"via": "dojo", "thread_id": "th-1", "run_id": "run-1", "message_ids": ["m-1"]}
EVIDENCE = {"pattern": "p1", "sessions": ["s-1", "s-2"], "support": 5}
RULE = KnowledgeEntry(
    id="dojo.rule.analityk_tco.abc123",
    kind="rule",
    title="U Pragmatycznego Analityka zacznij od TCO",
    text="U Pragmatycznego Analityka zacznij od TCO, nie od osiągów.",
    tags=["tco"],
    archetype="pragmatyczny_analityk",
)
OTHER = RULE.model_copy(update={"id": "dojo.rule.zima.abc123", "text": "Zimą mów o pompie."})


class GateStub:
    """A gate whose verdict is fixed; records what it was asked."""

    def __init__(self, passed: bool) -> None:
        self.passed = passed
        self.calls: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []

    async def __call__(self, entry: dict[str, Any], active: list[dict[str, Any]]) -> dict:
        self.calls.append((entry, active))
        after = 0.6 if self.passed else 0.4
        return {"passed": self.passed, "before": 0.5, "after": after, "cases": 26}


@pytest.fixture
async def kb() -> AsyncIterator[KnowledgeBase]:
    client = AsyncQdrantClient(location=":memory:")
    yield await KnowledgeBase(client, "rules", HashEmbedder(), reranker=FeatureReranker()).open()
    await client.close()


@pytest.fixture
def editor(kb, sessions) -> KnowledgeEditor:
    return KnowledgeEditor(kb, sessions)


def book(sessions, editor, passed: bool | None) -> RuleBook:
    gate = None if passed is None else GateStub(passed)
    return RuleBook(DojoRuleRepository(sessions), editor, gate)


async def in_kb(kb: KnowledgeBase, entry_id: str) -> bool:
    try:
        await kb.get(entry_id, tenant="acme")
    except NotFoundError:
        return False
    return True


async def add(rules: RuleBook, entry: KnowledgeEntry = RULE) -> dict[str, Any]:
    return await rules.add(entry, ANNA, source=SOURCE, evidence=EVIDENCE, now=T0)


async def test_add_when_gate_passes_then_active_and_in_the_knowledge_base(sessions, editor, kb):
    rules = book(sessions, editor, passed=True)

    life = await add(rules)

    assert life["status"] == "active" and life["version"] == 1
    stored = await rules.rules.get("acme", RULE.id)
    assert (stored.status, stored.count) == ("active", 2)
    assert stored.figures == {"passed": True, "before": 0.5, "after": 0.6, "cases": 26}
    assert stored.evidence["sessions"] == EVIDENCE["sessions"]
    assert stored.evidence["entry"]["text"] == RULE.text and stored.evidence["source"] == SOURCE
    assert (await kb.get(RULE.id, tenant="acme"))["owner"] == "acme"
    with pytest.raises(NotFoundError):
        await kb.get(RULE.id, tenant="globex")  # the tenant's own rule, not shared


async def test_add_when_gate_fails_then_pending_review_with_figures_not_in_kb(sessions, editor, kb):
    rules = book(sessions, editor, passed=False)

    life = await add(rules)

    assert (life["status"], life["version"]) == ("pending_review", None)
    stored = await rules.rules.get("acme", RULE.id)
    assert stored.status == "pending_review" and stored.figures["after"] == 0.4
    assert not await in_kb(kb, RULE.id)
    assert await KnowledgeEventRepository(sessions).history(RULE.id) == []


async def test_add_when_no_gate_then_pending_review_because_no_eval(sessions, editor, kb):
    life = await add(book(sessions, editor, passed=None))

    assert life["status"] == "pending_review" and life["figures"]["reason"] == "no_eval"
    assert not await in_kb(kb, RULE.id)


async def test_add_when_tenant_has_an_active_rule_then_gate_checks_beside_it(sessions, editor):
    rules = book(sessions, editor, passed=True)
    await add(rules)

    await add(rules, OTHER)

    entry, active = rules.gate.calls[-1]
    assert entry["id"] == OTHER.id and [a["id"] for a in active] == [RULE.id]


async def test_decide_when_activate_then_active_in_kb_and_decision_in_figures(sessions, editor, kb):
    rules = book(sessions, editor, passed=False)
    await add(rules)

    decided = await rules.decide(RULE.id, "activate", ANNA, T0 + timedelta(minutes=1))

    assert decided.status == "active" and await in_kb(kb, RULE.id)
    assert decided.figures["decided"] == "activate" and decided.figures["decided_by"] == "anna"
    assert decided.figures["after"] == 0.4  # the check's figures stay beside the decision
    with pytest.raises(ConflictError):
        await rules.decide(RULE.id, "reject", ANNA, T0 + timedelta(minutes=2))


async def test_decide_when_reject_then_dropped_and_not_in_kb(sessions, editor, kb):
    rules = book(sessions, editor, passed=False)
    await add(rules)

    decided = await rules.decide(RULE.id, "reject", ANNA, T0 + timedelta(minutes=1))

    assert decided.status == "dropped" and decided.figures["decided"] == "reject"
    assert not await in_kb(kb, RULE.id)
    with pytest.raises(NotFoundError):
        await rules.decide("dojo.rule.unknown.abc123", "activate", ANNA, T0)


async def test_count_when_active_rule_removed_twice_then_dropped_and_deleted_from_kb(
    sessions, editor, kb
):
    rules = book(sessions, editor, passed=True)
    await add(rules)

    await rules.count("acme", RULE.id, "remove", ANNA, T0 + timedelta(minutes=1))
    assert await in_kb(kb, RULE.id)  # at 1: still live
    await rules.count("acme", RULE.id, "remove", ANNA, T0 + timedelta(minutes=2))

    stored = await rules.rules.get("acme", RULE.id)
    assert (stored.status, stored.count) == ("dropped", 0)
    assert not await in_kb(kb, RULE.id)
    history = await editor.history(RULE.id, "acme")
    assert [e.action for e in history] == ["add", "delete"]
    assert history[-1].source == {"via": "dojo", "reason": "rule_dropped"}
    await rules.count("acme", RULE.id, "agree", ANNA, T0)  # a dropped rule is not counted
    assert (await rules.rules.get("acme", RULE.id)).count == 0


async def test_count_when_pending_rule_dropped_then_nothing_to_delete(sessions, editor, kb):
    rules = book(sessions, editor, passed=False)
    await add(rules)

    for minute in (1, 2):
        await rules.count("acme", RULE.id, "remove", ANNA, T0 + timedelta(minutes=minute))

    assert (await rules.rules.get("acme", RULE.id)).status == "dropped"
    assert await KnowledgeEventRepository(sessions).history(RULE.id) == []


async def test_revise_when_pending_rule_reworded_and_check_passes_then_active(sessions, editor, kb):
    rules = book(sessions, editor, passed=False)
    await add(rules)
    rules.gate.passed = True
    reworded = RULE.model_copy(update={"text": "U Analityka zacznij od kosztów posiadania."})

    life = await rules.revise(reworded, ANNA, source=SOURCE, now=T0 + timedelta(minutes=1))

    stored = await rules.rules.get("acme", RULE.id)
    assert life["status"] == "active" and (stored.status, stored.count) == ("active", 3)
    assert (await kb.get(RULE.id, tenant="acme"))["text"] == reworded.text
    again = reworded.model_copy(update={"text": "U Analityka zacznij od kosztu na 100 km."})
    life = await rules.revise(again, ANNA, source=SOURCE, now=T0 + timedelta(minutes=2))
    assert (life["status"], life["version"]) == ("active", 2)  # an active rule's next version
    assert (await kb.get(RULE.id, tenant="acme"))["text"] == again.text


async def test_revise_when_active_rule_reworded_and_check_fails_then_out_of_the_kb(
    sessions, editor, kb
):
    rules = book(sessions, editor, passed=True)
    await add(rules)
    rules.gate.passed = False
    reworded = RULE.model_copy(update={"text": "Każdemu od razu proponuj umowę."})

    life = await rules.revise(reworded, ANNA, source=SOURCE, now=T0 + timedelta(minutes=1))

    stored = await rules.rules.get("acme", RULE.id)
    assert life["status"] == "pending_review" and stored.status == "pending_review"
    assert stored.evidence["entry"]["text"] == reworded.text
    with pytest.raises(NotFoundError):
        await kb.get(RULE.id, tenant="acme")


async def test_add_when_activation_failed_once_then_approving_again_resumes_without_recount(
    sessions, editor, kb, monkeypatch
):
    rules = book(sessions, editor, passed=True)
    real_add = kb.add
    failures = iter([UnavailableError("the knowledge base is down")])

    async def flaky(*args, **kwargs):
        for exc in failures:
            raise exc
        return await real_add(*args, **kwargs)

    monkeypatch.setattr(kb, "add", flaky)
    with pytest.raises(UnavailableError):
        await add(rules)

    life = await add(rules)

    stored = await rules.rules.get("acme", RULE.id)
    assert life["status"] == "active" and (stored.status, stored.count) == ("active", 2)
    assert await in_kb(kb, RULE.id)


async def test_decline_when_an_add_had_failed_before_its_check_then_dropped(
    sessions, editor, kb, monkeypatch
):
    rules = book(sessions, editor, passed=True)

    async def down(*args, **kwargs):
        raise UnavailableError("the knowledge base is down")

    monkeypatch.setattr(kb, "add", down)
    with pytest.raises(UnavailableError):
        await add(rules)

    await rules.decline(RULE, ANNA, evidence=EVIDENCE, now=T0)

    assert (await rules.rules.get("acme", RULE.id)).status == "dropped"
    assert not await in_kb(kb, RULE.id)
