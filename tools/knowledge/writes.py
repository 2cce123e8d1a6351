"""Writing a knowledge base: add (refusing near-duplicates), update, delete, bulk load.

Mixed into :class:`tools.knowledge.base.KnowledgeBase`, which owns the state used here: the
Qdrant client and collection name, the embedder, the in-process mirror and vocabulary, the
locks, and the set of entries embedded by another embedder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from sight.clock import utc_now
from sight.errors import ConflictError, DuplicateEntryError, ModelError
from store import knowledge as kstore
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.keyword import document_vector
from tools.knowledge.owners import scoped
from tools.knowledge.results import Duplicate
from tools.knowledge.search import payload_language, payload_term_ids, searchable
from tools.polish_text import sentences

DUPLICATE_NEIGHBOURS = 5  # closest entries checked for a near-duplicate
DUPLICATE_COSINE_FLOOR = 0.92  # below this, no lemma overlap makes two entries duplicates
EMBED_BATCH = 64  # passages per embedder call: a bulk load reports progress after each

# Told (passages embedded so far, passages to embed) while a bulk load runs.
LoadProgress = Callable[[int, int], None]


class KnowledgeWrites:
    """The write half of a knowledge base."""

    async def nearest(
        self, vector: list[float], *, tenant: str | None, limit: int = DUPLICATE_NEIGHBOURS
    ) -> list[kstore.Hit]:
        """The entries closest to a passage vector by cosine, among those ``tenant`` sees."""
        filters = scoped(None, tenant)
        if self.memory is not None:

            def nearest():
                with self.memory.lock:
                    return self.memory.dense_search(vector, self.memory.mask(filters), limit)

            return await asyncio.to_thread(nearest)
        hits, _ = await kstore.query(
            self.client, self.name, dense=vector, sparse=None, filters=filters, limit=limit
        )
        return hits

    async def find_duplicate(
        self, entry: KnowledgeEntry, vector: list[float], *, tenant: str | None = None
    ) -> Duplicate | None:
        """The closest other entry ``tenant`` sees if the new one nearly repeats it, else None.

        Near-duplicate means a cosine similarity of at least ``duplicate_threshold``, or of at
        least ``DUPLICATE_COSINE_FLOOR`` together with a lemma overlap (Jaccard) of at least
        ``duplicate_overlap``: entries written from one template (two archetypes' red flags)
        reach 0.958 cosine on the pack but share at most a third of their lemmas.
        """
        opts = self.options
        floor = min(DUPLICATE_COSINE_FLOOR, opts.duplicate_threshold)
        hits = await self.nearest(vector, tenant=tenant)
        mine = set(document_vector(entry.searchable_text(), entry.language)[0])
        for hit in hits:
            if hit.entry_id == entry.id or hit.score < floor:
                continue
            existing = await self.get(hit.entry_id)
            theirs = payload_term_ids(existing)
            overlap = len(mine & theirs) / max(len(mine | theirs), 1)
            if hit.score >= opts.duplicate_threshold or overlap >= opts.duplicate_overlap:
                return Duplicate(
                    id=hit.entry_id,
                    title=str(existing.get("title", "")),
                    similarity=round(hit.score, 4),
                    overlap=round(overlap, 4),
                    threshold=opts.duplicate_threshold,
                    overlap_threshold=opts.duplicate_overlap,
                )
        return None

    async def add(
        self, entry: KnowledgeEntry, *, force: bool = False, owner: str = kstore.SHARED
    ) -> dict[str, Any]:
        """Store a new entry of ``owner`` (shared, or a tenant's); a taken id is a conflict, a
        near-duplicate of an entry the owner sees is one too unless ``force``."""
        async with self._write_lock:
            if await self._exists(entry.id):
                raise ConflictError(
                    f"knowledge entry id {entry.id!r} is taken: choose another id, or update "
                    "the entry if it is yours"
                )
            vectors = (await self._embed([entry]))[0]
            # a shared entry is compared with shared ones only, a tenant's with what it sees
            duplicate = await self.find_duplicate(entry, vectors.dense, tenant=owner)
            if duplicate is not None and not force:
                raise DuplicateEntryError(
                    f"entry {entry.id!r} nearly repeats {duplicate.id!r} (cosine similarity "
                    f"{duplicate.similarity:.3f}, lemma overlap {duplicate.overlap:.2f}); not "
                    "stored: send force=true to store it anyway",
                    details={"duplicate_of": duplicate.model_dump()},
                )
            return (await self._write([entry], [vectors], owner=owner))[0]

    async def update(self, entry: KnowledgeEntry) -> dict[str, Any]:
        """Replace an existing entry (same id)."""
        async with self._write_lock:
            previous = await self.get(entry.id)
            vectors = (await self._embed([entry]))[0]
            return (
                await self._write(
                    [entry],
                    [vectors],
                    created=previous.get("created_at"),
                    owner=previous.get("owner", kstore.SHARED),
                )
            )[0]

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

    async def load(
        self,
        entries: Sequence[KnowledgeEntry],
        *,
        batch: int = 64,
        progress: LoadProgress | None = None,
    ) -> dict[str, int]:
        """Upsert entries in bulk, re-embedding only those whose content changed.

        Entries stored by another embedder are embedded again, the given ones and any others in
        the knowledge base (from their stored text). A repeated id: the last one wins.
        ``progress`` hears (passages embedded, passages to embed) after each embedder call.
        """
        async with self._write_lock:
            stats = {"added": 0, "updated": 0, "unchanged": 0, "reembedded": 0}
            latest = {entry.id: entry for entry in entries}
            todo: list[KnowledgeEntry] = []
            for entry in latest.values():
                current = (
                    self._payloads.get(entry.id)
                    if self.memory is not None
                    else await kstore.get(self.client, self.name, entry.id)
                )
                if current is None:
                    stats["added"] += 1
                elif (
                    current.get("content_hash") == entry.content_hash()
                    and entry.id not in self._stale
                ):
                    stats["unchanged"] += 1
                    continue
                else:
                    stats["updated"] += 1
                todo.append(entry)
            others = sorted(self._stale - set(latest))
            for entry_id in others:
                stored = await self.get(entry_id)
                todo.append(
                    KnowledgeEntry.model_validate(
                        {k: v for k, v in stored.items() if k in KnowledgeEntry.model_fields}
                    )
                )
            stats["reembedded"] = len(others)
            total = sum(len(_passages(entry)) for entry in todo)
            done = 0

            def advance(embedded: int) -> None:
                nonlocal done
                done += embedded
                if progress is not None:
                    progress(done, total)

            advance(0)
            for start in range(0, len(todo), batch):
                part = todo[start : start + batch]
                await self._write(part, await self._embed(part, advance))
            return stats

    async def _exists(self, entry_id: str) -> bool:
        if self.memory is not None:
            return entry_id in self.memory
        return await kstore.get(self.client, self.name, entry_id) is not None

    async def _embed(
        self, entries: Sequence[KnowledgeEntry], advance: Callable[[int], None] | None = None
    ) -> list[kstore.Vectors]:
        """Every vector of each entry, in embedder calls of EMBED_BATCH passages."""
        per_entry = [_passages(e) for e in entries]
        flat = [t for texts in per_entry for t in texts]
        embedded: list[list[float]] = []
        for start in range(0, len(flat), EMBED_BATCH):
            part = flat[start : start + EMBED_BATCH]
            embedded += await self._call_embedder(
                lambda part=part: self.embedder.embed_documents(part)
            )
            if advance is not None:
                advance(len(part))
        if len(embedded) != len(flat):
            raise ModelError(
                f"embedder {self.embedder.spec!r} returned {len(embedded)} vectors "
                f"for {len(flat)} texts"
            )
        out, at = [], 0
        for entry, texts in zip(entries, per_entry, strict=True):
            dense, title, *sents = embedded[at : at + len(texts)]
            at += len(texts)
            sparse = document_vector(entry.searchable_text(), entry.language)
            out.append(kstore.Vectors(dense, title, sents, sparse))
        return out

    async def _write(
        self, entries, vectors, created: str | None = None, owner: str | None = None
    ) -> list[dict[str, Any]]:
        """Upsert entries; each keeps its stored owner unless ``owner`` is given (new: shared)."""
        now = utc_now().isoformat()
        if self.memory is not None:
            current = {e.id: self._payloads[e.id] for e in entries if e.id in self._payloads}
        else:
            current = await kstore.get_many(self.client, self.name, [e.id for e in entries])
        rows, payloads = [], []
        for entry, vector in zip(entries, vectors, strict=True):
            payload = entry.model_dump() | {
                "content_hash": entry.content_hash(),
                "embedder": self.embedder.spec,
                "owner": owner or current.get(entry.id, {}).get("owner", kstore.SHARED),
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


def _passages(entry: KnowledgeEntry) -> list[str]:
    """The texts embedded for an entry: the whole chunk, its title, each sentence."""
    return [entry.searchable_text(), entry.title, *sentences(entry.text)]
