"""A pack load through the knowledge editor: shared entries with an event for each entry added
or changed, nothing for unchanged ones, and a tenant's id never taken over (SQLite and
PostgreSQL); the reuse of a deleted entry's id by another tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from qdrant_client import AsyncQdrantClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError
from store.knowledge_events import KnowledgeEventRepository
from tests.tools.test_knowledge_editor import ACME_ADMIN, ANNA, GLOBEX, POMPA, POMPA_V2, RATY
from tests.tools.test_knowledge_fakes import HashEmbedder
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.editor import Actor, KnowledgeEditor
from tools.knowledge.rerank import FeatureReranker

OPERATOR = Actor("cli", "hq", "admin")


@pytest.fixture
async def kb() -> AsyncIterator[KnowledgeBase]:
    client = AsyncQdrantClient(location=":memory:")
    base = KnowledgeBase(client, "notes", HashEmbedder(), reranker=FeatureReranker())
    yield await base.open()
    await client.close()


@pytest.fixture
def editor(kb: KnowledgeBase, sessions: async_sessionmaker[AsyncSession]) -> KnowledgeEditor:
    return KnowledgeEditor(kb, sessions, admin_tenant="hq")


@pytest.fixture
def events(sessions: async_sessionmaker[AsyncSession]) -> KnowledgeEventRepository:
    return KnowledgeEventRepository(sessions)


async def test_load_pack_when_new_then_shared_with_an_add_event_each(editor, kb, events):
    stats = await editor.load_pack([POMPA, RATY], OPERATOR, pack="pakiet 1")

    assert stats["added"] == 2 and stats["skipped_tenant_ids"] == 0
    assert (await kb.get(POMPA.id, tenant="acme"))["owner"] == "shared"
    (event,) = await events.history(POMPA.id)
    assert (event.action, event.actor, event.source) == (
        "add",
        "cli",
        {"via": "cli", "pack": "pakiet 1"},
    )


async def test_load_pack_when_reloaded_unchanged_then_no_event(editor, events):
    await editor.load_pack([POMPA], OPERATOR, pack="pakiet 1")

    stats = await editor.load_pack([POMPA], OPERATOR, pack="pakiet 1")

    assert stats["unchanged"] == 1 and len(await events.history(POMPA.id)) == 1


async def test_load_pack_when_entry_changed_then_update_event_and_old_version_restorable(
    editor, kb, events
):
    await kb.load([POMPA])  # stored before the history began

    await editor.load_pack([POMPA_V2], OPERATOR, pack="pakiet 2")

    history = await events.history(POMPA.id)
    assert [(e.action, e.version) for e in history] == [("add", 1), ("update", 2)]
    assert history[0].entry["text"] == POMPA.text and history[1].entry["text"] == POMPA_V2.text


async def test_load_pack_when_a_tenant_owns_the_id_then_skipped(editor, kb, events):
    await editor.add(RATY, ANNA)

    stats = await editor.load_pack(
        [RATY.model_copy(update={"text": "Inny tekst."})], OPERATOR, pack="p"
    )

    assert stats["skipped_tenant_ids"] == 1
    stored = await kb.get(RATY.id, tenant="acme")
    assert (stored["owner"], stored["text"]) == ("acme", RATY.text)


async def test_add_when_another_tenant_reuses_a_deleted_entry_id_then_refused(editor, kb):
    await editor.add(RATY, ANNA)
    await editor.delete(RATY.id, ACME_ADMIN)

    with pytest.raises(ConflictError):
        await editor.add(RATY, GLOBEX)

    history = await editor.history(RATY.id, "acme")  # still acme's, and only acme's
    assert [e.action for e in history] == ["add", "delete"]


async def test_load_pack_when_a_tenant_deleted_the_id_then_still_skipped_and_not_restorable(
    editor, kb
):
    await editor.add(RATY, ANNA)
    await editor.delete(RATY.id, ACME_ADMIN)

    stats = await editor.load_pack([RATY], OPERATOR, pack="p")

    assert stats["skipped_tenant_ids"] == 1
    assert [e.action for e in await editor.history(RATY.id, "acme")] == ["add", "delete"]


async def test_load_pack_when_collection_reset_then_events_follow_the_log(editor, kb, events):
    await editor.load_pack([POMPA], OPERATOR, pack="p1")
    await kb.delete(POMPA.id)  # the collection lost it (reset, or a new collection)

    await editor.load_pack([POMPA], OPERATOR, pack="p1")  # same content: nothing to record
    await kb.delete(POMPA.id)
    await editor.load_pack([POMPA_V2], OPERATOR, pack="p2")

    assert [(e.action, e.version) for e in await events.history(POMPA.id)] == [
        ("add", 1),
        ("update", 2),
    ]
    assert (await kb.get(POMPA.id))["text"] == POMPA_V2.text
