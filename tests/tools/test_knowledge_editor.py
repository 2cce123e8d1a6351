"""KnowledgeEditor on a real knowledge base (in-memory Qdrant, hash embedder) and the knowledge
history on SQLite and PostgreSQL: who owns and sees an entry, who may write shared entries,
versions kept and restored, baselines of entries stored before history, and events that exist
only when the knowledge base took the write."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from qdrant_client import AsyncQdrantClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.clock import utc_now
from sight.errors import DuplicateEntryError, ForbiddenError, NotFoundError
from store.knowledge_events import KnowledgeEventRepository
from tests.tools.test_knowledge_fakes import HashEmbedder, entry
from tools.knowledge.base import KnowledgeBase
from tools.knowledge.editor import Actor, KnowledgeEditor
from tools.knowledge.rerank import FeatureReranker

ADMIN_TENANT = "hq"
ROOT = Actor("root-admin", ADMIN_TENANT, "admin")
ANNA = Actor("anna-editor", "acme", "editor")
ACME_ADMIN = Actor("acme-admin", "acme", "admin")
GLOBEX = Actor("globex-editor", "globex", "editor")

POMPA = entry(
    "note.zima.pompa_ciepla",
    "Pompa ciepła ogranicza zimowy spadek zasięgu samochodu elektrycznego o kilkanaście procent.",
)
# POMPA in nearly the same words: a near-duplicate of it for whoever sees POMPA.
POMPA_AGAIN = entry(
    "note.zima.pompa_ciepla_2",
    "Pompa ciepła ogranicza zimowy spadek zasięgu samochodu elektrycznego o kilka procent.",
)
POMPA_V2 = POMPA.model_copy(
    update={"text": "Pompa ciepła zmniejsza zimową utratę zasięgu auta o kilkanaście procent."}
)
RATY = entry("objection.cena.raty", "Klient boi się rat leasingowych i wysokiej opłaty.")
WALLBOX = entry("note.wallbox", "Ładowarka domowa ładuje auto przez noc z gniazdka.")


@pytest.fixture
async def kb() -> AsyncIterator[KnowledgeBase]:
    client = AsyncQdrantClient(location=":memory:")
    base = KnowledgeBase(client, "notes", HashEmbedder(), reranker=FeatureReranker())
    yield await base.open()
    await client.close()


@pytest.fixture
def editor(kb: KnowledgeBase, sessions: async_sessionmaker[AsyncSession]) -> KnowledgeEditor:
    return KnowledgeEditor(kb, sessions, admin_tenant=ADMIN_TENANT)


@pytest.fixture
def events(sessions: async_sessionmaker[AsyncSession]) -> KnowledgeEventRepository:
    return KnowledgeEventRepository(sessions)


async def found(kb: KnowledgeBase, query: str, tenant: str) -> list[str]:
    return [hit.id for hit in (await kb.search(query, tenant=tenant)).hits]


def versions(history) -> list[int]:
    return sorted({e.version for e in history if e.entry is not None})


# --- ownership --------------------------------------------------------------------------------


async def test_add_when_tenant_writes_then_owned_seen_by_it_and_absent_for_another(
    editor, kb, events
) -> None:
    stored, event = await editor.add(POMPA, ANNA)

    assert stored["owner"] == "acme"
    assert (event.action, event.version, event.owner, event.tenant) == ("add", 1, "acme", "acme")
    assert event.actor == "anna-editor"
    assert (await kb.get(POMPA.id, tenant="acme"))["text"] == POMPA.text
    assert POMPA.id in await found(kb, "pompa ciepła zimą", "acme")
    with pytest.raises(NotFoundError):
        await kb.get(POMPA.id, tenant="globex")
    assert POMPA.id not in await found(kb, "pompa ciepła zimą", "globex")
    with pytest.raises(NotFoundError):
        await editor.history(POMPA.id, "globex")
    # The duplicate check sees what the writer's tenant sees: acme's own copy is refused,
    # globex never saw POMPA, so its nearly equal entry is stored as its own.
    with pytest.raises(DuplicateEntryError):
        await editor.add(POMPA_AGAIN, ANNA)
    theirs, _ = await editor.add(POMPA_AGAIN, GLOBEX)
    assert theirs["owner"] == "globex"
    assert await found(kb, "pompa ciepła zimą", "globex") == [POMPA_AGAIN.id]
    assert [e.action for e in await events.history(POMPA.id)] == ["add"]


async def test_add_when_shared_by_admin_of_admin_tenant_then_every_tenant_sees_it(
    editor, kb
) -> None:
    stored, event = await editor.add(WALLBOX, ROOT, shared=True)

    assert stored["owner"] == event.owner == "shared"
    for tenant in ("acme", "globex", ADMIN_TENANT):
        assert (await kb.get(WALLBOX.id, tenant=tenant))["owner"] == "shared"
        assert WALLBOX.id in await found(kb, "ładowarka domowa", tenant)
        assert [e.action for e in await editor.history(WALLBOX.id, tenant)] == ["add"]


@pytest.mark.parametrize(
    "actor",
    [ANNA, ACME_ADMIN, Actor("hq-editor", ADMIN_TENANT, "editor")],
    ids=["editor", "admin-of-another-tenant", "editor-of-admin-tenant"],
)
async def test_add_shared_when_not_admin_of_admin_tenant_then_forbidden_and_nothing_stored(
    editor, kb, events, actor
) -> None:
    with pytest.raises(ForbiddenError, match="SIGHT_KNOWLEDGE_ADMIN_TENANT"):
        await editor.add(WALLBOX, actor, shared=True)

    assert await kb.count() == 0
    assert await events.history(WALLBOX.id) == []


@pytest.mark.parametrize("actor", [ANNA, ACME_ADMIN], ids=["editor", "admin-of-another-tenant"])
async def test_update_shared_when_not_admin_of_admin_tenant_then_forbidden_and_unchanged(
    editor, kb, events, actor
) -> None:
    await editor.add(POMPA, ROOT, shared=True)

    with pytest.raises(ForbiddenError):
        await editor.update(POMPA_V2, actor)

    assert (await kb.get(POMPA.id))["text"] == POMPA.text
    assert [e.action for e in await events.history(POMPA.id)] == ["add"]


# --- versions and restore ---------------------------------------------------------------------


async def test_update_then_restore_when_version_1_then_version_3_holds_the_old_content(
    editor, kb
) -> None:
    await editor.add(POMPA, ANNA)
    updated, update_event = await editor.update(POMPA_V2, ANNA)
    assert updated["text"] == POMPA_V2.text and update_event.version == 2
    history = await editor.history(POMPA.id, "acme")
    assert versions(history) == [1, 2]
    assert history[0].entry["text"] == POMPA.text and history[1].entry["text"] == POMPA_V2.text

    restored, event = await editor.restore(POMPA.id, 1, ACME_ADMIN)

    assert restored["text"] == POMPA.text and restored["owner"] == "acme"
    assert (event.action, event.version, event.actor) == ("restore", 3, "acme-admin")
    assert event.source["restored_from"] == 1 and event.entry["text"] == POMPA.text
    assert (await kb.get(POMPA.id, tenant="acme"))["text"] == POMPA.text
    actions = [e.action for e in await editor.history(POMPA.id, "acme")]
    assert actions == ["add", "update", "restore"]


async def test_restore_when_editor_or_unknown_version_then_refused_and_nothing_written(
    editor, kb, events
) -> None:
    await editor.add(POMPA, ANNA)
    await editor.update(POMPA_V2, ANNA)

    with pytest.raises(ForbiddenError):
        await editor.restore(POMPA.id, 1, ANNA)
    with pytest.raises(NotFoundError, match=r"versions: \[1, 2\]") as missing:
        await editor.restore(POMPA.id, 7, ACME_ADMIN)

    assert missing.value.details == {"versions": [1, 2]}
    assert len(await events.history(POMPA.id)) == 2
    assert (await kb.get(POMPA.id))["text"] == POMPA_V2.text


async def test_delete_then_restore_when_entry_deleted_then_it_comes_back(editor, kb) -> None:
    await editor.add(RATY, ANNA)
    deleted = await editor.delete(RATY.id, ACME_ADMIN)
    assert (deleted.action, deleted.version, deleted.entry) == ("delete", 1, None)
    with pytest.raises(NotFoundError):
        await kb.get(RATY.id)
    history = await editor.history(RATY.id, "acme")
    assert [e.action for e in history] == ["add", "delete"]

    restored, event = await editor.restore(RATY.id, 1, ACME_ADMIN)

    assert restored["text"] == RATY.text and restored["owner"] == "acme"
    assert (event.action, event.version) == ("restore", 2)
    assert (await kb.get(RATY.id, tenant="acme"))["owner"] == "acme"
    assert RATY.id in await found(kb, "raty leasingowe", "acme")
    assert RATY.id not in await found(kb, "raty leasingowe", "globex")


async def test_history_when_entry_stored_before_history_then_unsaved_baseline_and_update_keeps_it(
    editor, kb, events
) -> None:
    await kb.load([WALLBOX])  # the pack's bulk load: no events

    (baseline,) = await editor.history(WALLBOX.id, "acme")

    assert (baseline.action, baseline.version, baseline.actor) == ("add", 1, "system")
    assert baseline.owner == "shared" and baseline.entry["text"] == WALLBOX.text
    assert baseline.source["via"] == "baseline"
    assert await events.history(WALLBOX.id) == []  # reading stored nothing

    changed = WALLBOX.model_copy(update={"text": "Wallbox ładuje auto w nocy w garażu."})
    await editor.update(changed, ROOT)

    stored = await events.history(WALLBOX.id)
    assert [(e.action, e.version, e.actor) for e in stored] == [
        ("add", 1, "system"),
        ("update", 2, "root-admin"),
    ]
    assert stored[0].entry["text"] == WALLBOX.text
    restored, _ = await editor.restore(WALLBOX.id, 1, ROOT)
    assert restored["text"] == WALLBOX.text


# --- events only for writes that happened ------------------------------------------------------


async def test_add_when_kb_refuses_duplicate_then_no_event_is_left(editor, kb, events) -> None:
    await editor.add(POMPA, ANNA)

    with pytest.raises(DuplicateEntryError):
        await editor.add(POMPA_AGAIN, ANNA)

    assert await events.history(POMPA_AGAIN.id) == []
    assert await kb.count() == 1
    _, event = await editor.add(POMPA_AGAIN, ANNA, force=True)
    assert (event.position, event.version) == (1, 1)  # nothing was left to number after


# --- shared entries' histories ------------------------------------------------------------------


async def test_history_when_shared_then_other_tenants_confirmations_are_hidden(
    editor, events
) -> None:
    _, added = await editor.add(WALLBOX, ROOT, shared=True)
    # Confirmations as the Dojo records them (store-level: the content they confirm).
    for tenant, actor in (("acme", "anna-editor"), ("globex", "globex-editor")):
        await events.append(
            entry_id=WALLBOX.id,
            action="confirm",
            owner="shared",
            tenant=tenant,
            actor=actor,
            entry=added.entry,
            source={"via": "dojo"},
            now=utc_now(),
        )

    seen_by_acme = await editor.history(WALLBOX.id, "acme")
    seen_by_globex = await editor.history(WALLBOX.id, "globex")

    assert [(e.action, e.actor) for e in seen_by_acme] == [
        ("add", "root-admin"),
        ("confirm", "anna-editor"),
    ]
    assert [(e.action, e.actor) for e in seen_by_globex] == [
        ("add", "root-admin"),
        ("confirm", "globex-editor"),
    ]
    assert len(await editor.history(WALLBOX.id, ADMIN_TENANT)) == 1


async def test_confirm_when_tenants_confirm_shared_entry_then_each_sees_only_its_own(
    editor, kb
) -> None:
    await editor.add(WALLBOX, ROOT, shared=True)

    current, event = await editor.confirm(WALLBOX.id, ANNA)
    await editor.confirm(WALLBOX.id, GLOBEX)

    assert current["text"] == WALLBOX.text
    assert (event.action, event.version, event.tenant) == ("confirm", 1, "acme")
    assert [(e.action, e.tenant) for e in await editor.history(WALLBOX.id, "acme")] == [
        ("add", ADMIN_TENANT),
        ("confirm", "acme"),
    ]
    assert (await kb.get(WALLBOX.id))["text"] == WALLBOX.text


async def test_raw_sql_update_of_an_event_when_run_then_database_refuses(
    editor, events, sessions
) -> None:
    await editor.add(POMPA, ANNA)
    before = await events.history(POMPA.id)

    with pytest.raises(IntegrityError, match="append-only"):
        async with sessions() as db, db.begin():
            await db.execute(text("UPDATE knowledge_events SET actor = 'intruz'"))

    assert await events.history(POMPA.id) == before
