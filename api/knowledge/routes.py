"""Knowledge base: hybrid search, and adding, reading, replacing and deleting entries.

There is one knowledge base per process (``SIGHT_KNOWLEDGE_BASE``) and every tenant shares it:
entries belong to no tenant, so a viewer of any tenant reads all of them and an editor's
change is seen by everyone. Roles still apply: viewer searches and reads, editor adds and
replaces, admin deletes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth import AdminDep, EditorDep, PrincipalDep
from api.deps import ResourcesDep
from sight.errors import InputValidationError
from store.knowledge import FILTER_FIELDS
from tools.knowledge import KnowledgeBase
from tools.knowledge.entries import SLUG, Kind, KnowledgeEntry, Language
from tools.knowledge.results import SearchHit, SearchResult, SearchType
from tools.knowledge.triggers import bundled_detector, pull_modules

router = APIRouter(tags=["knowledge"])

ENTRY_EXAMPLE: dict[str, Any] = {
    "id": "objection.cena.leasing_raty",
    "kind": "objection",
    "title": "Za wysoka rata leasingu",
    "text": "Klient uważa, że miesięczna rata leasingu jest za wysoka. Pokaż koszt całkowity "
    "z paliwem i serwisem zamiast samej raty.",
    "tags": ["cena", "leasing"],
    "language": "pl",
    "archetype": "lowca_okazji",
    "module": None,
    "illustrative": False,
    "source": "szkolenie sprzedażowe 2026",
}

# SearchResult lives in tools/knowledge; its documented example is given here.
SEARCH_EXAMPLE: dict[str, Any] = {
    "query": "rata leasingu za wysoka",
    "search_type": "hybrid_rerank",
    "num_results": 1,
    "query_terms": ["rata", "leasing", "wysoki"],
    "filters": {"kind": ["objection"]},
    "reranker": "features",
    "rrf_k": 2.0,
    "timings_ms": {
        "embed": 31.2,
        "dense": 0.2,
        "sparse": 0.1,
        "fuse": 0.02,
        "rerank": 0.1,
        "total": 32.1,
    },
    "hits": [
        {
            "id": ENTRY_EXAMPLE["id"],
            "score": 2.41,
            "entry": ENTRY_EXAMPLE,
            "ranks": {"dense": 1, "sparse": 1, "fused": 1, "rerank": 1},
            "scores": {"dense": 0.91, "sparse": 3.36, "fused": 1.0, "rerank": 2.41},
        }
    ],
}


async def knowledge_base(resources: ResourcesDep) -> KnowledgeBase:
    """The process's knowledge base, opened on first use (tests may override this)."""
    return await resources.knowledge_base()


KnowledgeDep = Annotated[KnowledgeBase, Depends(knowledge_base)]
EntryId = Annotated[
    str,
    Path(
        pattern=SLUG,
        max_length=120,
        description="Entry id: lowercase ascii words joined by '.', '_' or '-'.",
        examples=["objection.cena.leasing_raty"],
    ),
]


# --- bodies --------------------------------------------------------------------------------

Value = Annotated[str, Field(min_length=1, max_length=120)]


def _any_of(description: str, example: list[str]) -> Any:
    return Field(
        default=None, min_length=1, max_length=50, description=description, examples=[example]
    )


class SearchFilters(BaseModel):
    """Metadata filters: every field given must match; a list matches any of its values.

    Each field takes one value or a list (a single value is read as a list of one).
    """

    model_config = ConfigDict(extra="forbid")

    kind: list[Kind] | None = _any_of("Entry kind(s).", ["objection", "question"])
    tags: list[Value] | None = _any_of(
        "Topic tag(s); an entry matches if it has any of them.", ["zima", "zasieg"]
    )
    language: list[Language] | None = _any_of("Language(s) of the text.", ["pl"])
    archetype: list[Value] | None = _any_of("Customer archetype slug(s).", ["techniczny_sceptyk"])
    module: list[Value] | None = _any_of("Knowledge module slug(s).", ["zima_zasieg"])

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # Named here so the 422 says what to use instead of pydantic's "extra inputs".
        unknown = sorted(set(data) - set(FILTER_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown filter field(s) {', '.join(unknown)}; "
                f"filter on {', '.join(FILTER_FIELDS)}"
            )
        # Lists only (not str | list): a bad value then gets one error, not one per branch.
        return {k: [v] if isinstance(v, str) else v for k, v in data.items()}


class KnowledgeSearch(BaseModel):
    """A search of the knowledge base."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query: str = Field(
        min_length=1,
        max_length=2000,
        description="What to look for, in Polish or English.",
        examples=["klient mówi, że zimą zasięg elektryka spada o połowę"],
    )
    filters: SearchFilters | None = Field(
        default=None,
        description="Only entries matching these metadata filters.",
        examples=[{"kind": "objection", "tags": ["zima", "zasieg"]}],
    )
    limit: int = Field(default=10, ge=1, le=100, description="Hits to return.", examples=[5])
    min_score: float | None = Field(
        default=None,
        ge=-100,
        le=100,
        description="Drop hits scoring lower (the final stage's score). `sight eval knowledge` "
        "reports the hybrid_rerank threshold that best separates answerable questions from "
        "ones the knowledge base cannot answer.",
        examples=[1.75],
    )
    search_type: SearchType = Field(
        default="hybrid_rerank",
        description="Stages to run: dense (vectors), sparse (BM25 keywords), hybrid (both, "
        "fused by reciprocal rank fusion), hybrid_rerank (hybrid, then the rerank stage).",
        examples=["hybrid_rerank"],
    )


class KnowledgeEntryCreate(KnowledgeEntry):
    """A new entry; refused when it nearly repeats a stored one, unless ``force``."""

    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE | {"force": False}]})

    force: bool = Field(
        default=False,
        description="Store it even if it nearly repeats a stored entry.",
        examples=[False],
    )


class KnowledgeEntryReplace(KnowledgeEntry):
    """An entry's new content; fields left out take their defaults (this replaces, not merges)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{k: v for k, v in ENTRY_EXAMPLE.items() if k != "id"}]}
    )

    id: str | None = Field(
        default=None,
        description="Optional; when given it must equal the id in the path.",
        examples=[None],
    )


class StoredEntry(KnowledgeEntry):
    """An entry as stored, with its content hash and timestamps."""

    # Answers carry what the store holds; a payload field this model lacks is not an error.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                ENTRY_EXAMPLE
                | {
                    "content_hash": "f337ae6602ca515a",
                    "created_at": "2026-11-21T10:51:05.951089Z",
                    "updated_at": "2026-11-21T10:51:05.951089Z",
                }
            ]
        },
    )

    # Named apart from KnowledgeEntry.content_hash(), the method that computes it.
    stored_hash: str = Field(
        alias="content_hash",
        description="Hash of the stored content (unchanged content is not re-embedded).",
        examples=["f337ae6602ca515a"],
    )
    created_at: datetime = Field(
        description="When the entry was first stored (UTC).",
        examples=["2026-11-21T10:51:05.951089Z"],
    )
    updated_at: datetime = Field(
        description="When the entry was last written (UTC).",
        examples=["2026-11-21T10:51:05.951089Z"],
    )


# --- routes --------------------------------------------------------------------------------


@router.post(
    "/knowledge/search",
    summary="Search the knowledge base",
    responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}}},
)
async def search_knowledge(
    body: KnowledgeSearch, who: PrincipalDep, kb: KnowledgeDep
) -> SearchResult:
    """Search the shared knowledge base (every tenant's keys see the same entries).

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
    )


class ModulesRequest(BaseModel):
    """Conversation text to scan for knowledge-module triggers."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=2000,
        description="What the client said or the salesperson noted.",
        examples=["Mam firmę, księgowa mówi o leasingu, a w domu dwoje dzieci."],
    )
    per_module: int = Field(
        default=3, ge=1, le=10, description="Chunks to return per activated module.", examples=[3]
    )


class PulledModuleOut(BaseModel):
    """A module the text activated, the triggers that fired, and its best chunks."""

    slug: str = Field(description="Module slug.", examples=["firma_podatki"])
    title: str = Field(description="Module name.", examples=["Firma i podatki"])
    triggers: list[str] = Field(
        description="Triggers found in the text (base forms).", examples=[["firma", "księgowa"]]
    )
    hits: list[SearchHit] = Field(description="The module's chunks, best for the text first.")


class ModulesResponse(BaseModel):
    """Modules activated by the text, most triggers first (empty when none fired)."""

    modules: list[PulledModuleOut] = Field(
        description="Activated modules, most triggers first; empty when none fired."
    )


@router.post("/knowledge/modules", summary="Pull the knowledge modules a text triggers")
async def pull_knowledge_modules(
    body: ModulesRequest, who: PrincipalDep, kb: KnowledgeDep
) -> ModulesResponse:
    """Detect module triggers in the text (firma, panele, dzieci... in any inflection) and
    return each activated module's most relevant chunks: the co-pilot's context enrichment."""
    pulled = await pull_modules(kb, bundled_detector(), body.text, per_module=body.per_module)
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
        409: {
            "description": "The id exists (`conflict`), or the entry nearly repeats "
            "a stored one (`duplicate_entry`; `details.duplicate_of` names it)."
        }
    },
)
async def add_entry(
    body: KnowledgeEntryCreate, who: EditorDep, kb: KnowledgeDep, response: Response
) -> StoredEntry:
    """Add an entry to the knowledge base all tenants share.

    A near-duplicate (cosine similarity at or above ``SIGHT_KNOWLEDGE_DUPLICATE_THRESHOLD``
    to a stored entry, or at least 0.92 with ``SIGHT_KNOWLEDGE_DUPLICATE_OVERLAP`` of the
    lemmas shared) is refused with 409 ``duplicate_entry`` naming the entry it repeats and
    the similarity; send ``force: true`` to store it anyway. A taken id is a 409 as well:
    replace that entry with PUT instead.
    """
    entry = KnowledgeEntry.model_validate(body.model_dump(exclude={"force"}))
    stored = await kb.add(entry, force=body.force)
    response.headers["Location"] = f"/knowledge/{entry.id}"
    return StoredEntry.model_validate(stored)


@router.get("/knowledge/{entry_id}", summary="Get an entry")
async def get_entry(entry_id: EntryId, who: PrincipalDep, kb: KnowledgeDep) -> StoredEntry:
    """Return one entry of the shared knowledge base (404 if there is none with this id)."""
    return StoredEntry.model_validate(await kb.get(entry_id))


@router.put("/knowledge/{entry_id}", summary="Replace an entry (editor)")
async def replace_entry(
    entry_id: EntryId, body: KnowledgeEntryReplace, who: EditorDep, kb: KnowledgeDep
) -> StoredEntry:
    """Replace an entry of the shared knowledge base and re-embed it (404 if missing).

    The body is the whole entry: fields left out take their defaults. Its ``id`` may be left
    out; if given it must equal the path's. No near-duplicate check is made here.
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
    entry = KnowledgeEntry.model_validate(body.model_dump() | {"id": entry_id})
    return StoredEntry.model_validate(await kb.update(entry))


@router.delete("/knowledge/{entry_id}", status_code=204, summary="Delete an entry (admin)")
async def delete_entry(entry_id: EntryId, who: AdminDep, kb: KnowledgeDep) -> Response:
    """Delete an entry from the knowledge base every tenant shares (404 if missing)."""
    await kb.delete(entry_id)
    return Response(status_code=204)
