"""Dependencies of the knowledge routes: the knowledge base, its editor, the entry id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from api.auth import Principal
from api.deps import ResourcesDep
from tools.knowledge import KnowledgeBase
from tools.knowledge.editor import Actor, KnowledgeEditor
from tools.knowledge.entries import SLUG


async def knowledge_base(resources: ResourcesDep) -> KnowledgeBase:
    """The process's knowledge base, opened on first use (tests may override this)."""
    return await resources.knowledge_base()


KnowledgeDep = Annotated[KnowledgeBase, Depends(knowledge_base)]


async def knowledge_editor(resources: ResourcesDep, kb: KnowledgeDep) -> KnowledgeEditor:
    """Writes checked against ownership and recorded in the knowledge history."""
    return KnowledgeEditor(
        kb, resources.sessions, admin_tenant=resources.settings.knowledge_admin_tenant
    )


EditorServiceDep = Annotated[KnowledgeEditor, Depends(knowledge_editor)]

EntryId = Annotated[
    str,
    Path(
        pattern=SLUG,
        max_length=120,
        description="Entry id: lowercase ascii words joined by '.', '_' or '-'.",
        examples=["objection.cena.leasing_raty"],
    ),
]


def actor_of(who: Principal) -> Actor:
    """The principal as the knowledge history names it."""
    return Actor(name=who.name, tenant=who.tenant, role=who.role)
