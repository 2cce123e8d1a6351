"""Knowledge base: hybrid search, and adding, reading, replacing and deleting entries.

There is one knowledge base per process (``SIGHT_KNOWLEDGE_BASE``). Its entries are shared
(the pack, written by admins of ``SIGHT_KNOWLEDGE_ADMIN_TENANT``) or a tenant's own; a key
sees the shared entries and its tenant's, and another tenant's entry does not exist for it.
Roles: viewer searches and reads, editor adds and replaces its tenant's entries, admin
deletes. Every change is recorded in the entry's history (api/knowledge/history.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.ai_dojo.deps import RulesDep
from api.auth import AdminDep, EditorDep, PrincipalDep
from api.knowledge.deps import EditorServiceDep, EntryId, KnowledgeDep, actor_of
from api.knowledge.schemas import (
    SEARCH_EXAMPLE,
    KnowledgeEntryCreate,
    KnowledgeEntryReplace,
    KnowledgeSearch,
    ModulesRequest,
    ModulesResponse,
    PulledModuleOut,
    StoredEntry,
)
from sight.clock import utc_now
from sight.errors import ConflictError, InputValidationError
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.results import SearchResult
from tools.knowledge.triggers import bundled_detector, pull_modules

router = APIRouter(tags=["knowledge"])


@router.post(
    "/knowledge/search",
    summary="Search the knowledge base",
    responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}}},
)
async def search_knowledge(
    body: KnowledgeSearch, who: PrincipalDep, kb: KnowledgeDep
) -> SearchResult:
    """Search the shared entries and the caller's tenant's own.

    Each hit says where it stood in every stage (dense, sparse, fused, rerank) and with what
    score; ``timings_ms`` says what each stage cost.
    """
    filters = body.filters.model_dump(exclude_none=True) if body.filters else None
    return await kb.search(
        body.query,
        filters=filters,
        limit=body.limit,
        search_type=body.search_type,
        min_score=body.min_score,
        tenant=who.tenant,
    )


@router.post("/knowledge/modules", summary="Pull the knowledge modules a text triggers")
async def pull_knowledge_modules(
    body: ModulesRequest, who: PrincipalDep, kb: KnowledgeDep
) -> ModulesResponse:
    """Detect module triggers in the text (firma, panele, dzieci... in any inflection) and
    return each activated module's most relevant chunks: the co-pilot's context enrichment."""
    pulled = await pull_modules(
        kb, bundled_detector(), body.text, per_module=body.per_module, tenant=who.tenant
    )
    return ModulesResponse(
        modules=[
            PulledModuleOut(
                slug=p.match.slug,
                title=p.match.title,
                triggers=list(p.match.triggers),
                hits=list(p.hits),
            )
            for p in pulled
        ]
    )


@router.post(
    "/knowledge",
    status_code=201,
    summary="Add an entry (editor)",
    responses={
        403: {"description": "`shared: true` from a key that is not an admin of the admin tenant."},
        409: {
            "description": "The id is taken (`conflict`), or the entry nearly repeats "
            "an entry the tenant sees (`duplicate_entry`; `details.duplicate_of` names it)."
        },
    },
)
async def add_entry(
    body: KnowledgeEntryCreate, who: EditorDep, editor: EditorServiceDep, response: Response
) -> StoredEntry:
    """Add an entry of the caller's tenant (or, ``shared: true``, one every tenant sees).

    A near-duplicate (cosine similarity at or above ``SIGHT_KNOWLEDGE_DUPLICATE_THRESHOLD``
    to an entry the tenant sees, or at least 0.92 with ``SIGHT_KNOWLEDGE_DUPLICATE_OVERLAP`` of
    the lemmas shared) is refused with 409 ``duplicate_entry`` naming the entry it repeats and
    the similarity; send ``force: true`` to store it anyway. A taken id is a 409 as well.
    """
    entry = KnowledgeEntry.model_validate(body.model_dump(exclude={"force", "shared"}))
    stored, _ = await editor.add(entry, actor_of(who), shared=body.shared, force=body.force)
    response.headers["Location"] = f"/knowledge/{entry.id}"
    return StoredEntry.model_validate(stored)


@router.get("/knowledge/{entry_id}", summary="Get an entry")
async def get_entry(entry_id: EntryId, who: PrincipalDep, kb: KnowledgeDep) -> StoredEntry:
    """Return one entry the caller sees (404 if none with this id is shared or the tenant's)."""
    return StoredEntry.model_validate(await kb.get(entry_id, tenant=who.tenant))


@router.put(
    "/knowledge/{entry_id}",
    summary="Replace an entry (editor)",
    responses={
        403: {
            "description": "A shared entry, from a key that is not an admin of the admin tenant."
        },
        409: {"description": "The entry is an AI Dojo rule: reword it in the Dojo."},
    },
)
async def replace_entry(
    entry_id: EntryId,
    body: KnowledgeEntryReplace,
    who: EditorDep,
    editor: EditorServiceDep,
    rules: RulesDep,
) -> StoredEntry:
    """Replace an entry and re-embed it; the previous content stays in its history.

    The body is the whole entry: fields left out take their defaults. Its ``id`` may be left
    out; if given it must equal the path's. No near-duplicate check is made here. A shared
    entry is replaced only by an admin of the admin tenant (403 otherwise); an AI Dojo rule
    is reworded in the Dojo, where the new wording is checked first (409 here).
    """
    if body.id is not None and body.id != entry_id:
        raise InputValidationError(
            [
                {
                    "field": "id",
                    "message": f"the body's id {body.id!r} differs from the path's {entry_id!r}: "
                    "leave it out or send the same id (an id cannot be changed; add a new entry "
                    "and delete this one)",
                }
            ]
        )
    rule = await rules.get(who.tenant, entry_id)
    if rule is not None and rule.status != "dropped":
        raise ConflictError(
            f"{entry_id!r} is one of the team's AI Dojo rules: reword it in the Dojo (a "
            "correction), where a new wording is checked against the co-pilot eval first",
            details={"rule_status": rule.status},
        )
    entry = KnowledgeEntry.model_validate(body.model_dump() | {"id": entry_id})
    stored, _ = await editor.update(entry, actor_of(who))
    return StoredEntry.model_validate(stored)


@router.delete("/knowledge/{entry_id}", status_code=204, summary="Delete an entry (admin)")
async def delete_entry(
    entry_id: EntryId, who: AdminDep, editor: EditorServiceDep, rules: RulesDep
) -> Response:
    """Delete an entry (404 if the caller does not see it); its history can restore it. An AI
    Dojo rule deleted so is dropped from the team's rules too."""
    await editor.delete(entry_id, actor_of(who))
    rule = await rules.get(who.tenant, entry_id)
    if rule is not None and rule.status != "dropped":
        figures = {**(rule.figures or {}), "deleted_by": who.name}
        await rules.set_status(who.tenant, entry_id, "dropped", figures, utc_now())
    return Response(status_code=204)
