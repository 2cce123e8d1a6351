"""What knowledge search and writes return: explained hits, and duplicate reports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

SearchType = Literal["dense", "sparse", "hybrid", "hybrid_rerank"]


class StageRanks(BaseModel):
    """Where a hit stood in each stage (1 = first; null = the stage did not return it)."""

    dense: int | None = Field(default=None, description="Rank in the dense (vector) list.")
    sparse: int | None = Field(default=None, description="Rank in the keyword (BM25) list.")
    fused: int | None = Field(default=None, description="Rank after reciprocal rank fusion.")
    rerank: int | None = Field(default=None, description="Rank after the rerank stage.")


class StageScores(BaseModel):
    """The scores behind the ranks."""

    dense: float | None = Field(default=None, description="Cosine similarity to the query.")
    sparse: float | None = Field(default=None, description="BM25 score over Polish lemmas.")
    fused: float | None = Field(default=None, description="Reciprocal rank fusion score.")
    rerank: float | None = Field(default=None, description="Rerank stage score.")


class SearchHit(BaseModel):
    """One chunk found, with where it came from."""

    id: str = Field(description="Entry id.", examples=["module.zima_zasieg.pompa_ciepla"])
    score: float = Field(description="The final stage's score (higher is better).")
    entry: dict[str, Any] = Field(description="The stored entry (title, text, kind, tags, ...).")
    ranks: StageRanks = Field(default_factory=StageRanks)
    scores: StageScores = Field(default_factory=StageScores)


class SearchResult(BaseModel):
    """Hits in rank order, with how the search ran."""

    query: str = Field(description="The query as given.")
    search_type: SearchType = Field(description="Which stages ran.")
    num_results: int = Field(description="Number of hits returned.")
    query_terms: list[str] = Field(description="Lemmatised keyword terms the query became.")
    filters: dict[str, Any] = Field(default_factory=dict, description="Metadata filters applied.")
    reranker: str | None = Field(default=None, description="Rerank stage used, if any.")
    rrf_k: float | None = Field(default=None, description="RRF constant used by fusion.")
    timings_ms: dict[str, float] = Field(
        default_factory=dict, description="Milliseconds spent per stage."
    )
    hits: list[SearchHit] = Field(default_factory=list)


class Duplicate(BaseModel):
    """An existing entry that a new one nearly repeats."""

    id: str = Field(description="Id of the existing entry.")
    title: str = Field(description="Its title.")
    similarity: float = Field(
        description="Cosine similarity of the two texts (0-1).", examples=[0.981]
    )
    overlap: float = Field(
        description="Share of lemmas the two texts have in common (Jaccard).", examples=[0.64]
    )
    threshold: float = Field(
        description="Cosine similarity that alone makes a duplicate.", examples=[0.97]
    )
    overlap_threshold: float = Field(
        description="Lemma overlap that makes a duplicate of an entry at least 0.92 similar.",
        examples=[0.5],
    )
