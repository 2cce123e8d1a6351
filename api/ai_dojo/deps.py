"""AI Dojo route dependencies: the rule book (meta-rules), opened when a route needs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from api.deps import ResourcesDep
from store.dojo_rules import DojoRuleRepository
from tools.ai_dojo.gate import gate
from tools.ai_dojo.rulebook import RuleBook
from tools.knowledge.editor import KnowledgeEditor


def rule_book(resources: ResourcesDep) -> Callable[[], Awaitable[RuleBook]]:
    """Meta-rules with their counters, activation check and knowledge-base writes; the
    knowledge base is opened on the first call (a feedback on a library move never opens it)."""

    async def open_book() -> RuleBook:
        settings = resources.settings
        kb = await resources.knowledge_base()
        editor = KnowledgeEditor(
            kb, resources.sessions, admin_tenant=settings.knowledge_admin_tenant
        )
        rules = DojoRuleRepository(resources.sessions)
        return RuleBook(rules, editor, gate)

    return open_book


def rule_repository(resources: ResourcesDep) -> DojoRuleRepository:
    return DojoRuleRepository(resources.sessions)


RuleBookDep = Annotated[Callable[[], Awaitable[RuleBook]], Depends(rule_book)]
RulesDep = Annotated[DojoRuleRepository, Depends(rule_repository)]
