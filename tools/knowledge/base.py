"""The knowledge-base tool: hybrid search, and writes that refuse near-duplicates.

Search runs dense (embedder) and keyword (BM25 over Polish lemmas) retrieval, fuses them with
reciprocal rank fusion, then reranks the top candidates. Every hit says where it came from.
Qdrant is the store of record; in embedded mode queries are answered by an in-process mirror
(:class:`MemoryIndex`) because embedded Qdrant scores point by point in Python.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qdrant_client import AsyncQdrantClient

from sight.errors import (
    ModelError,
    NotFoundError,
    SettingsError,
    SightError,
)
from store import knowledge as kstore
from tools.knowledge.keyword import term_id
from tools.knowledge.memory import MemoryIndex
from tools.knowledge.owners import scoped, visible_to
from tools.knowledge.rerank import Candidate, Reranker
from tools.knowledge.results import (
    SearchResult,
    SearchType,
)
from tools.knowledge.search import (
    check_search,
    fill_signals,
    payload_language,
    payload_term_ids,
    query_weights,
    rrf,
    searchable,
    similarities,
    to_hit,
)
from tools.knowledge.vocabulary import Vocabulary
from tools.knowledge.writes import KnowledgeWrites
from tools.models.embedders import Embedder

QUERY_CACHE = 256  # recent query texts whose vectors are kept


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Knobs of the search pipeline (from settings; tests and evals vary them)."""

    rrf_k: float = 2.0
    candidates: int = 50  # taken from each retriever before fusion
    rerank_top: int = 20  # fused candidates the rerank stage reorders
    duplicate_threshold: float = 0.97
    duplicate_overlap: float = 0.5


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


class KnowledgeBase(KnowledgeWrites):
    """One knowledge base (a Qdrant collection) with its embedder and rerank stage."""

    def __init__(
        self,
        client: AsyncQdrantClient,
        name: str,
        embedder: Embedder,
        *,
        reranker: Reranker | None,
        options: SearchOptions = SearchOptions(),
        in_memory: bool = True,
    ) -> None:
        try:
            kstore.collection_name(name)
        except ValueError as exc:
            raise SettingsError(f"SIGHT_KNOWLEDGE_BASE: {exc}") from exc
        self.client = client
        self.name = name
        self.embedder = embedder
        self.reranker = reranker
        self.options = options
        self.memory: MemoryIndex | None = None
        self.vocabulary = Vocabulary()
        self._payloads: dict[str, dict[str, Any]] = {}
        self._in_memory = in_memory
        self._write_lock = asyncio.Lock()
        # Entries embedded by another embedder: their vectors don't compare with this one's.
        self._stale: set[str] = set()
        # Query vectors of recent texts: a co-pilot turn searches one note in several ways.
        self._query_vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.RLock()  # guards what worker threads read (replaced by memory's)

    async def open(self) -> KnowledgeBase:
        """Create the collection if needed and, in memory mode, load the mirror from Qdrant."""
        dim = await self._call_embedder(lambda: self.embedder.dim)
        try:
            await kstore.ensure_collection(self.client, self.name, dim)
        except kstore.KnowledgeStoreError as exc:
            raise SettingsError(str(exc)) from exc
        await kstore.backfill_owner(self.client, self.name)
        if self._in_memory:
            self.memory = MemoryIndex(dim)
            self.vocabulary = self.memory.keywords.vocabulary
            self._lock = self.memory.lock
            async for chunk in kstore.scan(self.client, self.name, vectors=True):
                self.mirror([(chunk.payload, chunk.vectors)])
        else:
            async for chunk in kstore.scan(self.client, self.name, vectors=False):
                self.vocabulary.add_document(
                    searchable(chunk.payload), payload_language(chunk.payload)
                )
                self._note_embedder(chunk.payload)
        return self

    def mirror(self, chunks: Iterable[tuple[Mapping[str, Any], kstore.Vectors]]) -> None:
        """Put chunks already stored in Qdrant into the in-process mirror (memory mode)."""
        assert self.memory is not None, "mirror() needs the in-memory backend"
        with self.memory.lock:
            for payload, vectors in chunks:
                self.memory.put(payload, vectors, searchable(payload))
                self._payloads[payload["id"]] = dict(payload)
                self._note_embedder(payload)

    def _note_embedder(self, payload: Mapping[str, Any]) -> None:
        if payload.get("embedder") != self.embedder.spec:
            self._stale.add(payload["id"])

    async def _call_embedder(self, fn):
        """Run an embedder call off the event loop; its failure is a ModelError."""
        try:
            return await asyncio.to_thread(fn)
        except SightError:
            raise
        except Exception as exc:  # any engine failure: the client gets a typed 502
            raise ModelError(f"embedder {self.embedder.spec!r} failed: {exc}") from exc

    async def query_vector(self, query: str) -> list[float]:
        """The query's embedding, from the last ``QUERY_CACHE`` texts embedded when repeated
        (embed once before searching one text several ways at once)."""
        cached = self._query_vectors.get(query)
        if cached is None:
            cached = await self._call_embedder(lambda: self.embedder.embed_query(query))
            self._query_vectors[query] = cached
            while len(self._query_vectors) > QUERY_CACHE:
                self._query_vectors.popitem(last=False)
        else:
            self._query_vectors.move_to_end(query)
        return cached

    # --- reading ---------------------------------------------------------------------------

    async def passage_cosines(
        self, vector: Sequence[float], entry_ids: Sequence[str]
    ) -> dict[str, float]:
        """Cosine of a passage vector to each stored entry's chunk vector (by id; missing
        entries are left out): what comparing two texts costs without embedding them again."""
        q = np.asarray(vector, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        if self.memory is not None:
            with self.memory.lock:
                return {i: self.memory.similarities(i, q)[0] for i in entry_ids if i in self.memory}
        stored = await kstore.get_vectors(self.client, self.name, list(entry_ids))
        return {i: similarities(v, q)[0] for i, v in stored.items()}

    async def count(self) -> int:
        """Number of entries."""
        if self.memory is not None:
            return len(self.memory)
        return await kstore.count(self.client, self.name)

    async def get(self, entry_id: str, *, tenant: str | None = None) -> dict[str, Any]:
        """The stored entry, or NotFoundError; with ``tenant``, only one it may see (shared
        or its own): another tenant's entry does not exist for it."""
        payload = (
            self._payloads.get(entry_id)
            if self.memory is not None
            else await kstore.get(self.client, self.name, entry_id)
        )
        if payload is None or not visible_to(payload, tenant):
            raise NotFoundError(f"knowledge entry {entry_id!r} not found in {self.name!r}")
        return dict(payload)

    async def search(
        self,
        query: str,
        *,
        filters: Mapping[str, str | Sequence[str]] | None = None,
        limit: int = 10,
        search_type: SearchType = "hybrid_rerank",
        min_score: float | None = None,
        tenant: str | None = None,
    ) -> SearchResult:
        """Search the knowledge base; hits carry per-stage ranks and scores.

        ``min_score`` drops hits whose final score is lower (so a question the knowledge base
        cannot answer may get no hits); scores compare only within one ``search_type``.
        ``tenant`` limits the search to the shared entries and that tenant's own (None: every
        entry, for evals and the pack's own checks).
        """
        check_search(query, filters, limit, search_type)
        shown_filters = dict(filters or {})
        filters = scoped(filters, tenant)
        if self._stale and search_type != "sparse":
            raise SettingsError(
                f"{len(self._stale)} entries of knowledge base {self.name!r} were embedded by "
                f"another embedder than SIGHT_EMBEDDER={self.embedder.spec!r}: run `sight "
                "knowledge load` to embed them again"
            )
        started = time.perf_counter()
        opts, timings = self.options, {}
        use_dense = search_type != "sparse"
        use_sparse = search_type != "dense"

        def analyse():
            with self._lock:  # the vocabulary changes with writes
                return self.vocabulary.query_terms(query)

        q_terms = await asyncio.to_thread(analyse) if use_sparse else []
        qvec = None
        if use_dense:
            t = time.perf_counter()
            qvec = await self.query_vector(query)
            timings["embed"] = _ms(t)
        n_candidates = max(limit, opts.candidates)
        dense_hits, sparse_hits = await self._retrieve(
            qvec, q_terms if use_sparse else None, filters, n_candidates, timings
        )
        lists = {k: v for k, v in (("dense", dense_hits), ("sparse", sparse_hits)) if v}
        t = time.perf_counter()
        fused = rrf(lists, opts.rrf_k)
        timings["fuse"] = _ms(t)
        dense_score = {h.entry_id: h.score for h in dense_hits}
        sparse_score = {h.entry_id: h.score for h in sparse_hits}
        keep = max(limit, opts.rerank_top) if search_type == "hybrid_rerank" else limit
        candidates = await self._candidates(fused[:keep], dense_score, sparse_score, qvec)
        reranker = self.reranker if search_type == "hybrid_rerank" else None
        if reranker is not None and candidates:
            t = time.perf_counter()
            await self._rerank(reranker, query, q_terms, candidates, keep)
            timings["rerank"] = _ms(t)
        timings["total"] = _ms(started)
        hits = [to_hit(c, search_type, reranker is not None) for c in candidates[:limit]]
        if min_score is not None:
            hits = [h for h in hits if h.score >= min_score]
        return SearchResult(
            query=query,
            search_type=search_type,
            num_results=len(hits),
            query_terms=q_terms,
            filters=shown_filters,
            reranker=reranker.name if reranker else None,
            rrf_k=opts.rrf_k if len(lists) > 1 else None,
            timings_ms=timings,
            hits=hits,
        )

    async def _retrieve(self, qvec, q_terms, filters, limit, timings):
        if self.memory is None:
            t = time.perf_counter()
            ids = sorted({term_id(x) for x in q_terms or ()})
            sparse = (ids, [1.0] * len(ids)) if ids else None
            dense_hits, sparse_hits = await kstore.query(
                self.client, self.name, dense=qvec, sparse=sparse, filters=filters, limit=limit
            )
            timings["retrieve"] = _ms(t)
            return dense_hits, sparse_hits

        def run():
            with self.memory.lock:  # writes mutate the mirror on the event loop's thread
                t0 = time.perf_counter()
                mask = self.memory.mask(filters)
                dense = self.memory.dense_search(qvec, mask, limit) if qvec is not None else []
                t1 = time.perf_counter()
                sparse = self.memory.keyword_search(q_terms, mask, limit) if q_terms else []
            timings["dense"] = round((t1 - t0) * 1000, 3)
            timings["sparse"] = _ms(t1)
            return dense, sparse

        return await asyncio.to_thread(run)

    async def _candidates(self, fused, dense_score, sparse_score, qvec) -> list[Candidate]:
        ids = [i for i, _, _ in fused]
        if self.memory is not None:
            # an entry deleted while this search awaited is skipped, not a KeyError
            payloads = {i: self._payloads[i] for i in ids if i in self._payloads}
        else:
            payloads = await kstore.get_many(self.client, self.name, ids)
        out = []
        for fused_rank, (i, score, ranks) in enumerate(fused, start=1):
            if i not in payloads:
                continue
            out.append(
                Candidate(
                    id=i,
                    payload=payloads[i],
                    cosine=dense_score.get(i, 0.0),
                    bm25=sparse_score.get(i, 0.0),
                    rrf=score,
                    ranks={
                        "dense": ranks.get("dense"),
                        "sparse": ranks.get("sparse"),
                        "fused": fused_rank,
                    },
                )
            )
        if qvec is not None and out:
            q = np.asarray(qvec, dtype=np.float32)
            q /= max(float(np.linalg.norm(q)), 1e-12)
            if self.memory is not None:
                sims = {c.id: self.memory.similarities(c.id, q) for c in out if c.id in self.memory}
            else:
                vectors = await kstore.get_vectors(self.client, self.name, [c.id for c in out])
                sims = {i: similarities(v, q) for i, v in vectors.items()}
            for c in out:
                c.cosine, c.title_cosine, c.sentence_max = sims.get(c.id, (c.cosine, 0.0, 0.0))
        return out

    async def _rerank(
        self, reranker, query, q_terms, candidates: list[Candidate], keep: int
    ) -> None:
        top = candidates[:keep]
        weights = query_weights(q_terms, self.vocabulary.df, self.vocabulary.n_docs)
        if self.memory is not None:
            chunk_terms = {c.id: set(self.memory.terms_of(c.id)) for c in top}
        else:
            chunk_terms = {c.id: payload_term_ids(c.payload) for c in top}
        fill_signals(top, weights, chunk_terms)
        try:
            scores = await reranker.scores(query, top)
        except Exception as exc:  # a cross-encoder that fails to load or predict
            raise ModelError(f"reranker {reranker.name!r} failed: {exc}") from exc
        for c, s in zip(top, scores, strict=True):
            c.rerank = float(s)
        top.sort(key=lambda c: -c.rerank)
        for rank, c in enumerate(top, start=1):
            c.ranks["rerank"] = rank
        candidates[: len(top)] = top

    # --- writing ---------------------------------------------------------------------------
