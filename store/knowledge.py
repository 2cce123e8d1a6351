"""Knowledge-base collections in Qdrant: one collection per knowledge base.

Each point is one chunk: named dense vectors ``dense`` (the chunk), ``title`` and ``sentences``
(a multivector, one per sentence, compared by max similarity), a named sparse vector ``keywords``
(BM25 term weights; Qdrant applies IDF), and the entry as payload. Point ids are
UUIDv5 of the entry id, so writing an entry twice replaces it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

DENSE = "dense"
TITLE = "title"  # the title alone, embedded
SENTENCES = "sentences"  # one vector per sentence (a multivector scored by max similarity)
SPARSE = "keywords"
PREFIX = "sight_kb_"
FILTER_FIELDS = ("kind", "tags", "language", "archetype", "module", "owner")
# Who an entry belongs to (payload ``owner``): the shared pack, or one tenant's id.
SHARED = "shared"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_NAMESPACE = uuid.UUID("5b0e4f7a-1c2d-4e55-9a6b-2f1c3d4e5f60")


@dataclass(frozen=True, slots=True)
class Vectors:
    """Every vector of a chunk."""

    dense: list[float]
    title: list[float]
    sentences: list[list[float]]
    sparse: tuple[list[int], list[float]]


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as stored: payload, and the vectors when they were asked for."""

    payload: dict[str, Any]
    vectors: Vectors | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One point returned by a Qdrant query, in rank order."""

    entry_id: str
    score: float


class KnowledgeStoreError(Exception):
    """The stored collection does not fit the settings (translated by the caller)."""


def collection_name(kb: str) -> str:
    """Qdrant collection of knowledge base ``kb`` (lowercase letters, digits, underscores)."""
    if not _NAME.match(kb):
        raise ValueError(f"knowledge base name {kb!r} must match {_NAME.pattern}")
    return PREFIX + kb


def point_id(entry_id: str) -> str:
    """Qdrant point id of an entry id."""
    return str(uuid.uuid5(_NAMESPACE, entry_id))


async def ensure_collection(client: AsyncQdrantClient, kb: str, dim: int) -> None:
    """Create the collection if missing; refuse one whose dense size differs from ``dim``."""
    name = collection_name(kb)
    if await client.collection_exists(name):
        info = await client.get_collection(name)
        vectors = info.config.params.vectors
        size = vectors[DENSE].size if isinstance(vectors, dict) else None
        if not isinstance(vectors, dict) or {TITLE, SENTENCES} - set(vectors):
            raise KnowledgeStoreError(
                f"knowledge base {kb!r} was built by an older Sight without title and sentence "
                "vectors: drop the collection and run `sight knowledge load` again"
            )
        if size != dim:
            raise KnowledgeStoreError(
                f"knowledge base {kb!r} holds {size}-dimensional vectors but the embedder "
                f"makes {dim}: reload it with the embedder it was built with, or drop it"
            )
        return
    await client.create_collection(
        name,
        vectors_config={
            DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE),
            TITLE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE),
            SENTENCES: qm.VectorParams(
                size=dim,
                distance=qm.Distance.COSINE,
                multivector_config=qm.MultiVectorConfig(
                    comparator=qm.MultiVectorComparator.MAX_SIM
                ),
            ),
        },
        sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
    )
    if not _is_local(client):  # embedded mode has no payload indexes (and warns)
        for field in FILTER_FIELDS:
            await client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)


def _is_local(client: AsyncQdrantClient) -> bool:
    return type(client._client).__name__ == "AsyncQdrantLocal"


async def backfill_owner(client: AsyncQdrantClient, kb: str) -> int:
    """Mark entries stored before entries had owners as shared; return how many."""
    name = collection_name(kb)
    if not _is_local(client):  # a collection created before owners has no index on it
        await client.create_payload_index(name, "owner", qm.PayloadSchemaType.KEYWORD)
    ownerless = qm.Filter(must=[qm.IsEmptyCondition(is_empty=qm.PayloadField(key="owner"))])
    found = (await client.count(name, count_filter=ownerless, exact=True)).count
    if found:
        await client.set_payload(
            name, payload={"owner": SHARED}, points=qm.FilterSelector(filter=ownerless), wait=True
        )
    return found


async def upsert(
    client: AsyncQdrantClient,
    kb: str,
    chunks: Sequence[tuple[Mapping[str, Any], Vectors]],
) -> None:
    """Write chunks given as (payload with ``id``, its vectors)."""
    points = [
        qm.PointStruct(
            id=point_id(payload["id"]),
            vector={
                DENSE: v.dense,
                TITLE: v.title,
                SENTENCES: v.sentences,
                SPARSE: qm.SparseVector(indices=v.sparse[0], values=v.sparse[1]),
            },
            payload=dict(payload),
        )
        for payload, v in chunks
    ]
    if points:
        await client.upsert(collection_name(kb), points=points, wait=True)


async def get(client: AsyncQdrantClient, kb: str, entry_id: str) -> dict[str, Any] | None:
    """The payload of an entry, or None."""
    return (await get_many(client, kb, [entry_id])).get(entry_id)


async def get_many(
    client: AsyncQdrantClient, kb: str, entry_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Payloads of the entries that exist, by entry id (one round trip)."""
    if not entry_ids:
        return {}
    found = await client.retrieve(
        collection_name(kb), [point_id(e) for e in entry_ids], with_payload=True
    )
    return {p.payload["id"]: dict(p.payload) for p in found if p.payload}


async def delete(client: AsyncQdrantClient, kb: str, entry_ids: Sequence[str]) -> None:
    """Delete entries by id (missing ones are ignored)."""
    if entry_ids:
        await client.delete(
            collection_name(kb),
            points_selector=qm.PointIdsList(points=[point_id(e) for e in entry_ids]),
            wait=True,
        )


async def count(client: AsyncQdrantClient, kb: str) -> int:
    """Number of chunks in the knowledge base (0 if it does not exist)."""
    name = collection_name(kb)
    if not await client.collection_exists(name):
        return 0
    return (await client.count(name, exact=True)).count


async def scan(
    client: AsyncQdrantClient, kb: str, *, vectors: bool, batch: int = 512
) -> AsyncIterator[StoredChunk]:
    """Every chunk of the knowledge base, with its vectors if asked."""
    offset = None
    while True:
        points, offset = await client.scroll(
            collection_name(kb),
            limit=batch,
            offset=offset,
            with_payload=True,
            with_vectors=vectors,
        )
        for p in points:
            yield StoredChunk(dict(p.payload or {}), _vectors(p.vector) if vectors else None)
        if offset is None:
            return


def _vectors(raw: Any) -> Vectors:
    sv = raw.get(SPARSE)
    return Vectors(
        dense=list(raw[DENSE]),
        title=list(raw[TITLE]),
        sentences=[list(v) for v in raw[SENTENCES]],
        sparse=(list(sv.indices), list(sv.values)) if sv is not None else ([], []),
    )


async def get_vectors(
    client: AsyncQdrantClient, kb: str, entry_ids: Sequence[str]
) -> dict[str, Vectors]:
    """The vectors of some entries, by entry id."""
    found = await client.retrieve(
        collection_name(kb),
        [point_id(e) for e in entry_ids],
        with_payload=["id"],
        with_vectors=True,
    )
    return {p.payload["id"]: _vectors(p.vector) for p in found}


def payload_filter(filters: Mapping[str, str | Sequence[str]] | None) -> qm.Filter | None:
    """Qdrant filter for ``{field: value or list of values}`` (any of the values matches)."""
    if not filters:
        return None
    must = []
    for field, value in filters.items():
        values = [value] if isinstance(value, str) else list(value)
        match = qm.MatchAny(any=values) if len(values) > 1 else qm.MatchValue(value=values[0])
        must.append(qm.FieldCondition(key=field, match=match))
    return qm.Filter(must=must)


async def query(
    client: AsyncQdrantClient,
    kb: str,
    *,
    dense: list[float] | None,
    sparse: tuple[list[int], list[float]] | None,
    filters: Mapping[str, str | Sequence[str]] | None,
    limit: int,
) -> tuple[list[Hit], list[Hit]]:
    """Dense and sparse candidate lists in one round trip (either may be skipped)."""
    flt = payload_filter(filters)
    requests, kinds = [], []
    if dense is not None:
        requests.append(
            qm.QueryRequest(query=dense, using=DENSE, filter=flt, limit=limit, with_payload=["id"])
        )
        kinds.append(DENSE)
    if sparse is not None and sparse[0]:
        vec = qm.SparseVector(indices=sparse[0], values=sparse[1])
        requests.append(
            qm.QueryRequest(query=vec, using=SPARSE, filter=flt, limit=limit, with_payload=["id"])
        )
        kinds.append(SPARSE)
    responses = await client.query_batch_points(collection_name(kb), requests) if requests else []
    lists = {
        k: [Hit(p.payload["id"], p.score) for p in r.points]
        for k, r in zip(kinds, responses, strict=True)
    }
    return lists.get(DENSE, []), lists.get(SPARSE, [])
