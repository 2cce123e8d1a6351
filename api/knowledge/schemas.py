"""Request and response bodies of the knowledge routes (their descriptions are the docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.knowledge import FILTER_FIELDS
from tools.knowledge.entries import Kind, KnowledgeEntry, Language
from tools.knowledge.results import SearchHit, SearchType

# Fields a client filters on; ``owner`` is set by the server from the caller's tenant.
CLIENT_FILTER_FIELDS = tuple(f for f in FILTER_FIELDS if f != "owner")


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
        unknown = sorted(set(data) - set(CLIENT_FILTER_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown filter field(s) {', '.join(unknown)}; "
                f"filter on {', '.join(CLIENT_FILTER_FIELDS)}"
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

    model_config = ConfigDict(
        json_schema_extra={"examples": [ENTRY_EXAMPLE | {"force": False, "shared": False}]}
    )

    force: bool = Field(
        default=False,
        description="Store it even if it nearly repeats a stored entry.",
        examples=[False],
    )
    shared: bool = Field(
        default=False,
        description="Store it as a shared entry every tenant sees (admins of the admin tenant "
        "only); otherwise it is the caller's tenant's own.",
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
                    "owner": "default",
                    "content_hash": "f337ae6602ca515a",
                    "created_at": "2026-11-21T10:51:05.951089Z",
                    "updated_at": "2026-11-21T10:51:05.951089Z",
                }
            ]
        },
    )

    owner: str = Field(
        default="shared",
        description="`shared` (every tenant sees it) or the id of the tenant it belongs to.",
        examples=["shared"],
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
