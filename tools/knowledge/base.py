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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from qdrant_client import AsyncQdrantClient

from sight.errors import (
    ConflictError,
    DuplicateEntryError,
    ModelError,
    NotFoundError,
    SettingsError,
    SightError,
)
from store import knowledge as kstore
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.keyword import document_vector, term_id
from tools.knowledge.memory import MemoryIndex
from tools.knowledge.rerank import Candidate, Reranker
from tools.knowledge.results import (
    Duplicate,
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
from tools.knowledge.text import sentences
from tools.knowledge.vocabulary import Vocabulary
from tools.models.embedders import Embedder

DUPLICATE_NEIGHBOURS = 5  # closest entries checked for a near-duplicate
DUPLICATE_COSINE_FLOOR = 0.92  # below this, no lemma overlap makes two entries duplicates


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


class KnowledgeBase:
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
        self._lock = threading.RLock()  # guards what worker threads read (replaced by memory's)

    async def open(self) -> KnowledgeBase:
        """Create the collection if needed and, in memory mode, load the mirror from Qdrant."""
        dim = await self._call_embedder(lambda: self.embedder.dim)
        try:
            await kstore.ensure_collection(self.client, self.name, dim)
        except kstore.KnowledgeStoreError as exc:
            raise SettingsError(str(exc)) from exc
        if self._in_memory:
            self.memory = MemoryIndex(dim)
            self.vocabulary = self.memory.keywords.vocabulary
            self._lock = self.memory.lock
            async for chunk in kstore.scan(self.client, self.name, vectors=True):
                self.mirror([(chunk.payload, chunk.vectors)])
        else:
            async for chunk in kstore.scan(self.client, self.name, vectors=False):
                self.vocabulary.add_document(searchable(chunk.payload),
                                             payload_language(chunk.payload))
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

    # --- reading ---------------------------------------------------------------------------

    async def count(self) -> int:
        """Number of entries."""
        if self.memory is not None:
            return len(self.memory)
        return await kstore.count(self.client, self.name)

    async def get(self, entry_id: str) -> dict[str, Any]:
        """The stored entry, or NotFoundError."""
        payload = (self._payloads.get(entry_id) if self.memory is not None
                   else await kstore.get(self.client, self.name, entry_id))
        if payload is None:
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
    ) -> SearchResult:
        """Search the knowledge base; hits carry per-stage ranks and scores.

        ``min_score`` drops hits whose final score is lower (so a question the knowledge base
        cannot answer may get no hits); scores compare only within one ``search_type``.
        """
        check_search(query, filters, limit, search_type)
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
            qvec = await self._call_embedder(lambda: self.embedder.embed_query(query))
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
            query=query, search_type=search_type, num_results=len(hits), query_terms=q_terms,
            filters=dict(filters or {}), reranker=reranker.name if reranker else None,
            rrf_k=opts.rrf_k if len(lists) > 1 else None, timings_ms=timings, hits=hits,
        )

    async def _retrieve(self, qvec, q_terms, filters, limit, timings):
        if self.memory is None:
            t = time.perf_counter()
            sparse = None
            if q_terms:
                sparse = (sorted({term_id(x) for x in q_terms}), None)
                sparse = (sparse[0], [1.0] * len(sparse[0]))
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
            out.append(Candidate(
                id=i, payload=payloads[i], cosine=dense_score.get(i, 0.0),
                bm25=sparse_score.get(i, 0.0), rrf=score,
                ranks={"dense": ranks.get("dense"), "sparse": ranks.get("sparse"),
                       "fused": fused_rank},
            ))
        if qvec is not None and out:
            q = np.asarray(qvec, dtype=np.float32)
            q /= max(float(np.linalg.norm(q)), 1e-12)
            if self.memory is not None:
                sims = {c.id: self.memory.similarities(c.id, q) for c in out
                        if c.id in self.memory}
            else:
                vectors = await kstore.get_vectors(self.client, self.name, [c.id for c in out])
                sims = {i: similarities(v, q) for i, v in vectors.items()}
            for c in out:
                c.cosine, c.title_cosine, c.sentence_max = sims.get(c.id, (c.cosine, 0.0, 0.0))
        return out

    async def _rerank(self, reranker, query, q_terms, candidates: list[Candidate],
                      keep: int) -> None:
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

    async def find_duplicate(self, entry: KnowledgeEntry, vector: list[float]) -> Duplicate | None:
        """The closest other entry if the new one nearly repeats it, else None.

        Near-duplicate means a cosine similarity of at least ``duplicate_threshold``, or of at
        least ``DUPLICATE_COSINE_FLOOR`` together with a lemma overlap (Jaccard) of at least
        ``duplicate_overlap``: entries written from one template (two archetypes' red flags)
        reach 0.958 cosine on the pack but share at most a third of their lemmas.
        """
        opts = self.options
        floor = min(DUPLICATE_COSINE_FLOOR, opts.duplicate_threshold)
        if self.memory is not None:
            def nearest():
                with self.memory.lock:
                    return self.memory.dense_search(
                        vector, self.memory.mask(None), DUPLICATE_NEIGHBOURS)

            hits = await asyncio.to_thread(nearest)
        else:
            hits, _ = await kstore.query(self.client, self.name, dense=vector, sparse=None,
                                         filters=None, limit=DUPLICATE_NEIGHBOURS)
        mine = set(document_vector(entry.searchable_text(), entry.language)[0])
        for hit in hits:
            if hit.entry_id == entry.id or hit.score < floor:
                continue
            existing = await self.get(hit.entry_id)
            theirs = payload_term_ids(existing)
            overlap = len(mine & theirs) / max(len(mine | theirs), 1)
            if hit.score >= opts.duplicate_threshold or overlap >= opts.duplicate_overlap:
                return Duplicate(
                    id=hit.entry_id, title=str(existing.get("title", "")),
                    similarity=round(hit.score, 4), overlap=round(overlap, 4),
                    threshold=opts.duplicate_threshold, overlap_threshold=opts.duplicate_overlap,
                )
        return None

    async def add(self, entry: KnowledgeEntry, *, force: bool = False) -> dict[str, Any]:
        """Store a new entry; a taken id is a conflict, a near-duplicate too unless ``force``."""
        async with self._write_lock:
            if await self._exists(entry.id):
                raise ConflictError(
                    f"knowledge entry {entry.id!r} exists already: update it instead")
            vectors = (await self._embed([entry]))[0]
            duplicate = await self.find_duplicate(entry, vectors.dense)
            if duplicate is not None and not force:
                raise DuplicateEntryError(
                    f"entry {entry.id!r} nearly repeats {duplicate.id!r} (cosine similarity "
                    f"{duplicate.similarity:.3f}, lemma overlap {duplicate.overlap:.2f}); not "
                    "stored: send force=true to store it anyway",
                    details={"duplicate_of": duplicate.model_dump()},
                )
            return (await self._write([entry], [vectors]))[0]

    async def update(self, entry: KnowledgeEntry) -> dict[str, Any]:
        """Replace an existing entry (same id)."""
        async with self._write_lock:
            previous = await self.get(entry.id)
            vectors = (await self._embed([entry]))[0]
            return (await self._write([entry], [vectors], created=previous.get("created_at")))[0]

    async def delete(self, entry_id: str) -> None:
        """Delete an entry (NotFoundError if absent)."""
        async with self._write_lock:
            previous = await self.get(entry_id)
            await kstore.delete(self.client, self.name, [entry_id])
            if self.memory is not None:
                with self.memory.lock:
                    self.memory.remove(entry_id)
                self._payloads.pop(entry_id, None)
            else:
                with self._lock:
                    self.vocabulary.remove_document(payload_term_ids(previous))
            self._stale.discard(entry_id)

    async def load(self, entries: Sequence[KnowledgeEntry], *, batch: int = 64) -> dict[str, int]:
        """Upsert entries in bulk, re-embedding only those whose content changed.

        Entries stored by another embedder are embedded again, the given ones and any others in
        the knowledge base (from their stored text). A repeated id: the last one wins.
        """
        async with self._write_lock:
            stats = {"added": 0, "updated": 0, "unchanged": 0, "reembedded": 0}
            latest = {entry.id: entry for entry in entries}
            todo: list[KnowledgeEntry] = []
            for entry in latest.values():
                current = (self._payloads.get(entry.id) if self.memory is not None
                           else await kstore.get(self.client, self.name, entry.id))
                if current is None:
                    stats["added"] += 1
                elif (current.get("content_hash") == entry.content_hash()
                      and entry.id not in self._stale):
                    stats["unchanged"] += 1
                    continue
                else:
                    stats["updated"] += 1
                todo.append(entry)
            others = sorted(self._stale - set(latest))
            for entry_id in others:
                stored = await self.get(entry_id)
                todo.append(KnowledgeEntry.model_validate(
                    {k: v for k, v in stored.items() if k in KnowledgeEntry.model_fields}))
            stats["reembedded"] = len(others)
            for start in range(0, len(todo), batch):
                part = todo[start : start + batch]
                await self._write(part, await self._embed(part))
            return stats

    async def _exists(self, entry_id: str) -> bool:
        if self.memory is not None:
            return entry_id in self.memory
        return await kstore.get(self.client, self.name, entry_id) is not None

    async def _embed(self, entries: Sequence[KnowledgeEntry]) -> list[kstore.Vectors]:
        """Every vector of each entry, from one batch of embedder calls."""
        per_entry = [[e.searchable_text(), e.title, *sentences(e.text)] for e in entries]
        flat = [t for texts in per_entry for t in texts]
        embedded = await self._call_embedder(lambda: self.embedder.embed_documents(flat))
        if len(embedded) != len(flat):
            raise ModelError(f"embedder {self.embedder.spec!r} returned {len(embedded)} vectors "
                             f"for {len(flat)} texts")
        out, at = [], 0
        for entry, texts in zip(entries, per_entry, strict=True):
            dense, title, *sents = embedded[at : at + len(texts)]
            at += len(texts)
            sparse = document_vector(entry.searchable_text(), entry.language)
            out.append(kstore.Vectors(dense, title, sents, sparse))
        return out

    async def _write(self, entries, vectors, created: str | None = None) -> list[dict[str, Any]]:
        now = datetime.now(UTC).isoformat()
        if self.memory is not None:
            current = {e.id: self._payloads[e.id] for e in entries if e.id in self._payloads}
        else:
            current = await kstore.get_many(self.client, self.name, [e.id for e in entries])
        rows, payloads = [], []
        for entry, vector in zip(entries, vectors, strict=True):
            payload = entry.model_dump() | {
                "content_hash": entry.content_hash(),
                "embedder": self.embedder.spec,
                "created_at": created or current.get(entry.id, {}).get("created_at", now),
                "updated_at": now,
            }
            rows.append((payload, vector))
            payloads.append(payload)
        await kstore.upsert(self.client, self.name, rows)
        if self.memory is not None:
            for payload, vector in rows:
                with self.memory.lock:
                    self.memory.put(payload, vector, searchable(payload))
                self._payloads[payload["id"]] = payload
        else:
            with self._lock:
                for payload in payloads:
                    if payload["id"] in current:
                        self.vocabulary.remove_document(payload_term_ids(current[payload["id"]]))
                    self.vocabulary.add_document(searchable(payload), payload_language(payload))
        self._stale.difference_update(p["id"] for p in payloads)
        return payloads
