"""Knowledge-base collections in Qdrant: one collection per knowledge base.

Each point is one chunk: a named dense vector ``dense`` (cosine), a named sparse vector
``keywords`` (BM25 term weights; Qdrant applies IDF), and the entry as payload. Point ids are
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
SPARSE = "keywords"
PREFIX = "sight_kb_"
FILTER_FIELDS = ("kind", "tags", "language", "archetype", "module")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_NAMESPACE = uuid.UUID("5b0e4f7a-1c2d-4e55-9a6b-2f1c3d4e5f60")


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as stored: payload, and the vectors when they were asked for."""

    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: tuple[list[int], list[float]] | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One point returned by a Qdrant query, in rank order."""

    entry_id: str
    score: float


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
        if size != dim:
            raise ValueError(
                f"knowledge base {kb!r} holds {size}-dimensional vectors but the embedder "
                f"makes {dim}: reload it with the embedder it was built with, or drop it"
            )
        return
    await client.create_collection(
        name,
        vectors_config={DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)},
        sparse_vectors_config={SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
    )
    if not _is_local(client):  # embedded mode has no payload indexes (and warns)
        for field in FILTER_FIELDS:
            await client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)


def _is_local(client: AsyncQdrantClient) -> bool:
    return type(client._client).__name__ == "AsyncQdrantLocal"


async def upsert(
    client: AsyncQdrantClient,
    kb: str,
    chunks: Sequence[tuple[Mapping[str, Any], list[float], tuple[list[int], list[float]]]],
) -> None:
    """Write chunks given as (payload with ``id``, dense vector, sparse (ids, weights))."""
    points = [
        qm.PointStruct(
            id=point_id(payload["id"]),
            vector={DENSE: dense, SPARSE: qm.SparseVector(indices=ids, values=weights)},
            payload=dict(payload),
        )
        for payload, dense, (ids, weights) in chunks
    ]
    if points:
        await client.upsert(collection_name(kb), points=points, wait=True)


async def get(client: AsyncQdrantClient, kb: str, entry_id: str) -> dict[str, Any] | None:
    """The payload of an entry, or None."""
    found = await client.retrieve(collection_name(kb), [point_id(entry_id)], with_payload=True)
    return dict(found[0].payload or {}) if found else None


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
            collection_name(kb), limit=batch, offset=offset, with_payload=True,
            with_vectors=vectors,
        )
        for p in points:
            dense = sparse = None
            if vectors and isinstance(p.vector, dict):
                dense = list(p.vector[DENSE])
                sv = p.vector.get(SPARSE)
                sparse = (list(sv.indices), list(sv.values)) if sv is not None else ([], [])
            yield StoredChunk(dict(p.payload or {}), dense, sparse)
        if offset is None:
            return


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
        requests.append(qm.QueryRequest(query=dense, using=DENSE, filter=flt, limit=limit,
                                        with_payload=["id"]))
        kinds.append(DENSE)
    if sparse is not None and sparse[0]:
        vec = qm.SparseVector(indices=sparse[0], values=sparse[1])
        requests.append(qm.QueryRequest(query=vec, using=SPARSE, filter=flt, limit=limit,
                                        with_payload=["id"]))
        kinds.append(SPARSE)
    responses = await client.query_batch_points(collection_name(kb), requests) if requests else []
    lists = {k: [Hit(p.payload["id"], p.score) for p in r.points]
             for k, r in zip(kinds, responses, strict=True)}
    return lists.get(DENSE, []), lists.get(SPARSE, [])
