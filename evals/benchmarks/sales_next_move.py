"""Sales co-pilot fast path: from POST /interactions to the fourth move, with and without a model.

In process: httpx's ASGITransport against ``create_app`` with its lifespan running (the run
manager runs each observation on this event loop), SQLite in a temp dir; with
--postgres-admin-url the no-model scenarios again on PostgreSQL, in a throwaway database. The
bundled pack is loaded into the knowledge base first, so every observation does its real
retrieval. Notes: the turns of evals/sales_next_move/sessions.json (226 Polish notes), posted
story by story, each story a session. Every answer must be a 201 with four moves, or the run
stops.
1. no model (``sales_model`` off): P50/P95/max of --observations posts, one at a time after a
   warm-up; goal P95 <= 300 ms;
2. a fast model of --latency s a call (the seed's Flash): a scripted fake answering the signal
   call (the note's labelled signals, quoting it) and the phrasing call (every move reworded);
   P50/P95, goal P95 <= 4 s, and how often its signals and its phrasing made the deadline;
3. --clients sessions at once, each posting --turns notes in a row, with no model and with the
   fake: P95 per observation, wall time, and the ratio to the single client's P95 of this run;
4. --embedded N: the embedded model (provider local, sales_model on) on N notes, report only.
Then where the time goes: the same graph run directly on the same resources (--breakdown and
--fake-breakdown notes), its ``updates`` stream timestamped per node, and how long the
embedder's query method ran. A count of 0 skips its part. The slow path (``sales_slow_path``)
is off: this is the fast path alone.

Loading the pack embeds ~1,600 texts (3-6 min on 2 cores): the loaded Qdrant folder is kept in
--kb-cache and copied into the run's temp dir, where ``kb.load`` finds every entry unchanged (it
embeds only what the pack changed since). The first run pays the load.

Usage: python -m evals.benchmarks.sales_next_move [--observations 200] [--fake-observations 12]
       [--clients 50] [--turns 4] [--latency 1.5] [--breakdown 20] [--fake-breakdown 2]
       [--modes off,fake] [--embedded [N]] [--postgres-admin-url URL] [--kb-cache DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import AIMessage, BaseMessage

from api.app import create_app
from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database
from evals.sales_next_move.metrics import percentile
from graphs.context import RunInfo
from prompts.sales_next_move import PHRASE_HUMAN, SIGNALS_HUMAN
from runtime.registry import graph_specs
from sight.settings import Settings, load_settings
from store.vectors import open_qdrant
from tools.knowledge import open_knowledge_base
from tools.knowledge.pack import load_pack
from tools.models import ModelRouter, ScriptedChatModel, get_embedder
from tools.sales_next_move.phrasing import MAX_TEXT

SESSIONS = Path(__file__).resolve().parents[1] / "sales_next_move" / "sessions.json"
GRAPH = "sales_next_move"
TENANT = "default"  # the anonymous principal's (no API keys configured)
WARM_UP = 8  # observations before any timing, from the end of the notes
# Where the fake finds the note and the moves in the two prompts (taken from the prompts, so a
# reworded prompt cannot turn every call into the other kind).
NOTE_HEAD = SIGNALS_HUMAN.split("{turn}")[1].split("{text}")[0]  # "):\n"
NOTE_TAIL = SIGNALS_HUMAN.split("{text}")[1]
PHRASE_MARK = PHRASE_HUMAN.split("{moves}")[0].strip().splitlines()[-1]
LISTED_MOVE = re.compile(r"^- (\S+) \([^)]*\): (.+)$", re.MULTILINE)
REWORDED = " Nawiąż przy tym do słów klienta z ostatniej notatki."


def stories() -> tuple[list[list[str]], dict[str, list[str]]]:
    """Each labelled session's notes in order, and each note's labelled signal ids."""
    sessions = json.loads(SESSIONS.read_text(encoding="utf-8"))["sessions"]
    notes = [[t["text"] for t in s["turns"]] for s in sessions]
    labels = {t["text"]: t.get("signals", []) for s in sessions for t in s["turns"]}
    return notes, labels


def first(notes: list[list[str]], count: int) -> list[list[str]]:
    """The first ``count`` notes, still grouped by story."""
    out, left = [], count
    for story in notes:
        if left <= 0:
            break
        out.append(story[:left])
        left -= len(out[-1])
    return out


class FastModel(ScriptedChatModel):
    """The fast model at ``delay_s`` a call, answering both fast-path calls validly: the note's
    labelled signals quoting its first words, and every move reworded. Keeps no prompts."""

    labels: dict[str, list[str]] = {}
    signal_calls: int = 0
    phrase_calls: int = 0

    def _take(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
        return self._reply

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        human = messages[-1].text
        if PHRASE_MARK in human:
            self.phrase_calls += 1
            listed = human.split(PHRASE_MARK, 1)[1]
            moves = [
                {"id": move_id, "text": (text + REWORDED)[:MAX_TEXT]}
                for move_id, text in LISTED_MOVE.findall(listed)
            ]
            return AIMessage(content=json.dumps({"moves": moves}, ensure_ascii=False))
        self.signal_calls += 1
        note = human.rsplit(NOTE_TAIL, 1)[0].rsplit(NOTE_HEAD, 1)[-1]
        quote = " ".join(note.split()[:4])
        signals = [{"id": sid, "quote": quote} for sid in self.labels.get(note, [])]
        return AIMessage(content=json.dumps({"signals": signals}, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class Observed:
    seconds: float
    model_signals: bool  # the model's signals made the deadline
    phrased: bool  # the model's phrasing made the deadline


async def post(http: httpx.AsyncClient, text: str, session_id: str | None) -> tuple[float, Any]:
    """POST one note; the seconds until the whole answer (the fourth move) is in, and the body."""
    started = time.perf_counter()
    response = await http.post("/interactions", json={"text": text, "session_id": session_id})
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"POST /interactions: {response.status_code} {response.text[:400]}")
    body = response.json()
    if len(body["analysis"]["next_moves"]) != 4:
        raise SystemExit(f"an answer without four moves: {body['analysis']['next_moves']}")
    return seconds, body


async def one_client(http: httpx.AsyncClient, notes: list[list[str]]) -> list[Observed]:
    """Post every note in order, each story as one session."""
    out = []
    for story in notes:
        session_id = None
        for text in story:
            seconds, body = await post(http, text, session_id)
            session_id = body["session_id"]
            analysis = body["analysis"]
            skipped = {d["part"] for d in analysis["degraded"]}
            out.append(
                Observed(
                    seconds,
                    "model_signals" not in skipped,
                    any(m["phrased"] for m in analysis["next_moves"]),
                )
            )
    return out


async def many_clients(
    http: httpx.AsyncClient, notes: list[list[str]], clients: int, turns: int
) -> tuple[list[Observed], float]:
    """``clients`` sessions at once, each posting ``turns`` notes; all observations, wall time."""
    long = [story[:turns] for story in notes if len(story) >= turns]
    started = time.perf_counter()
    done = await asyncio.gather(*(one_client(http, [long[i % len(long)]]) for i in range(clients)))
    return [o for observed in done for o in observed], time.perf_counter() - started


async def cached_knowledge(cache: Path) -> dict[str, int]:
    """Load the bundled pack into the Qdrant folder under ``cache``; only changes are embedded."""
    settings = load_settings(data_dir=cache, provider="fake", _env_file=None)
    client = open_qdrant(settings)
    try:
        kb = await open_knowledge_base(settings, client)
        return await kb.load(load_pack().entries)
    finally:
        await client.close()


@asynccontextmanager
async def serving(
    settings: Settings, model: FastModel | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The app with its lifespan running, the pack loaded and the co-pilot warmed up."""
    app = create_app(settings, freeze_gc=True)
    async with app.router.lifespan_context(app):
        resources = app.state.resources
        if model is not None:
            resources._router = ModelRouter(settings, models={"fake/scripted": model})
        kb = await resources.knowledge_base()
        await kb.load(load_pack().entries)  # unchanged: the cache copy holds it
        await graph_specs()[GRAPH].warm_up(resources)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sight.bench") as http:
            yield http, resources


@dataclass
class NodeTimes:
    seconds: dict[str, list[float]]  # node -> one figure per note
    embed_calls: int  # calls of the embedder's query method
    embed_busy_s: float  # seconds during which one of them ran


async def node_times(resources: Any, http: httpx.AsyncClient, notes: list[list[str]]) -> NodeTimes:
    """Seconds per node, the graph run directly (no HTTP, no run manager) on the same resources:
    the time from one ``updates`` chunk to the next is the node's. Each note is also posted
    just before (to a session of its own), so ``POST minus graph`` pairs the two on the same
    note at the same moment. Every call of the embedder's query method (score_archetype's and
    each knowledge search's) in the direct runs is timed."""
    spec = graph_specs()[GRAPH]
    graph = spec.build().compile(checkpointer=resources.checkpointer)
    times: dict[str, list[float]] = defaultdict(list)
    embedder = get_embedder(resources.settings)
    embeds: list[tuple[float, float]] = []
    for story in notes:
        thread, session_id = str(uuid.uuid4()), None
        for text in story:
            posted, body = await post(http, text, session_id)
            session_id = body["session_id"]
            ctx = spec.make_context(resources, RunInfo(str(uuid.uuid4()), thread, TENANT))
            config = {"configurable": {"thread_id": thread}}
            with timed_queries(embedder, embeds):
                started = last = time.perf_counter()
                async for chunk in graph.astream(
                    {"text": text},
                    config,
                    context=ctx,
                    stream_mode="updates",
                    durability=spec.run_durability,
                ):
                    now = time.perf_counter()
                    for node in chunk:
                        times[node].append(now - last)
                    last = now
                end = time.perf_counter()
            times["(after the last node)"].append(end - last)
            times["graph total"].append(end - started)
            times["POST minus graph"].append(posted - (end - started))
    return NodeTimes(dict(times), len(embeds), busy_s(embeds))


@contextmanager
def timed_queries(embedder: Any, calls: list[tuple[float, float]]) -> Iterator[None]:
    """Add (start, end) of every ``embed_query`` call on the process's embedder meanwhile."""
    plain = embedder.embed_query

    def timed(text: str) -> list[float]:
        started = time.perf_counter()
        try:
            return plain(text)
        finally:
            calls.append((started, time.perf_counter()))

    embedder.embed_query = timed
    try:
        yield
    finally:
        del embedder.embed_query  # the class's method again


def busy_s(intervals: list[tuple[float, float]]) -> float:
    """Seconds during which at least one interval was open (calls wait on the embedder's lock,
    so overlapping calls ran one after another)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def row(name: str, observed: list[Observed], goal: str = "", **extra: str) -> dict[str, str]:
    seconds = [o.seconds for o in observed]
    return {
        "scenario": name,
        "n": str(len(seconds)),
        "P50 ms": ms(percentile(seconds, 0.5)),
        "P95 ms": ms(percentile(seconds, 0.95)),
        "max ms": ms(max(seconds)),
        "goal": goal,
        **extra,
    }


def in_time(observed: list[Observed]) -> dict[str, str]:
    """How often the model's two parts made the deadline."""
    n = len(observed)
    signals = sum(o.model_signals for o in observed)
    phrased = sum(o.phrased for o in observed)
    return {"model signals in time": f"{signals / n:.0%}", "phrased in time": f"{phrased / n:.0%}"}


@dataclass
class Report:
    rows: list[dict[str, str]] = field(default_factory=list)
    nodes: list[tuple[str, NodeTimes]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


async def database_report(args: argparse.Namespace, base: dict[str, Any], label: str) -> Report:
    """Scenarios 1-3 (the fake model's on SQLite only) and the per-node times on one database;
    a count of 0 skips its part."""
    report = Report()
    if "off" in args.modes:
        await measure(
            report,
            load_settings(**base, sales_model="off"),
            f"{label}, no model",
            single=args.observations,
            goal="P95 <= 300 ms",
            crowd=(args.clients, args.turns),
            breakdown=args.breakdown,
        )
    if label != "SQLite" or "fake" not in args.modes:
        return report
    fake = FastModel(model_name="fake/scripted", delay_s=args.latency, labels=stories()[1])
    await measure(
        report,
        load_settings(**base, sales_model="on"),
        f"{label}, fake model {args.latency} s",
        single=args.fake_observations,
        goal="P95 <= 4 s",
        crowd=(args.clients, args.turns),
        breakdown=args.fake_breakdown,
        model=fake,
    )
    if fake.signal_calls:
        report.lines.append(
            f"The fake model answered {fake.signal_calls} signal calls and {fake.phrase_calls} "
            "phrasing calls (warm-ups and per-node runs included; a call skipped for lack of "
            "time is not made)."
        )
    return report


async def measure(
    report: Report,
    settings: Settings,
    name: str,
    *,
    single: int,
    goal: str,
    crowd: tuple[int, int],
    breakdown: int,
    model: FastModel | None = None,
) -> None:
    """One app: ``single`` notes one at a time, then ``crowd`` (clients, turns) at once, then the
    per-node times of ``breakdown`` notes."""
    if not (single or crowd[0] or breakdown):
        return
    notes, _ = stories()
    rates = in_time if settings.sales_model == "on" else lambda _: {}
    async with serving(settings, model) as (http, resources):
        await one_client(http, first(notes[-3:], WARM_UP if model is None else 1))
        alone: list[Observed] = []
        if single:
            log(f"{name}: {single} observations, one at a time")
            alone = await one_client(http, first(notes, single))
            report.rows.append(row(f"{name}, 1 client", alone, goal) | rates(alone))
        if crowd[0]:
            log(f"{name}: {crowd[0]} clients x {crowd[1]}")
            together, wall = await many_clients(http, notes, *crowd)
            report.rows.append(crowd_row(name, crowd, alone, together, wall) | rates(together))
        if breakdown:
            log(f"{name}: per-node times of {breakdown} observations")
            report.nodes.append((name, await node_times(resources, http, first(notes, breakdown))))


def crowd_row(
    name: str,
    crowd: tuple[int, int],
    alone: list[Observed],
    together: list[Observed],
    wall: float,
) -> dict[str, str]:
    ratio = ""
    if alone:
        p95 = percentile([o.seconds for o in together], 0.95)
        ratio = f"{p95 / percentile([o.seconds for o in alone], 0.95):.1f}x"
    return row(
        f"{name}, {crowd[0]} clients x {crowd[1]} at once",
        together,
        "",
        **{"P95 / 1 client": ratio, "wall s": f"{wall:.1f}"},
    )


async def embedded_row(base: dict[str, Any], notes: list[list[str]], n: int) -> dict[str, str]:
    """The embedded model on ``n`` notes (its weights loaded first), report only."""
    settings = load_settings(**{**base, "provider": "local"}, sales_model="on")
    async with serving(settings) as (http, resources):
        log("embedded model: loading it (one call, no deadline)")
        await resources.models.for_run("bench-warm-up").ainvoke(
            "fast", [("human", "Odpowiedz jednym słowem: gotowe?")], max_output_tokens=4
        )
        log(f"embedded model: {n} observations, one at a time")
        observed = await one_client(http, first(notes, n))
    return row("SQLite, embedded model, 1 client", observed, "report only", **in_time(observed))


def print_table(rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(key for r in rows for key in r))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(r.get(c, "") for c in columns) + " |")


def print_nodes(label: str, times: NodeTimes) -> None:
    runs = times.seconds["graph total"]
    print(f"\nWhere the time goes ({label}: the graph run directly, {len(runs)} notes), ms:\n")
    print("| node | P50 | P95 | mean |")
    print("|---|---|---|---|")
    for node, seconds in times.seconds.items():
        mean = sum(seconds) / len(seconds)
        print(
            f"| {node} | {percentile(seconds, 0.5) * 1000:.1f} | "
            f"{percentile(seconds, 0.95) * 1000:.1f} | {mean * 1000:.1f} |"
        )
    print(
        f"\nThe embedder's query method ran {times.embed_calls / len(runs):.1f} times a note and "
        f"was busy {times.embed_busy_s / len(runs) * 1000:.0f} ms a note, "
        f"{times.embed_busy_s / sum(runs):.0%} of the graph's time."
    )


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("tools.models").setLevel(logging.ERROR)  # a line per timed-out call
    notes, _ = stories()
    began = time.perf_counter()
    log(f"loading the pack into {args.kb_cache} (minutes the first time)")
    loaded = await cached_knowledge(args.kb_cache)
    log(f"pack: {loaded} in {time.perf_counter() - began:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.kb_cache / "qdrant", data / "qdrant")
        base = {"data_dir": data, "provider": "fake", "sales_slow_path": False, "_env_file": None}
        report = await database_report(args, base, "SQLite")
        if args.postgres_admin_url:
            with throwaway_database(args.postgres_admin_url) as (_, url):
                pg = await database_report(args, {**base, "database_url": url}, "PostgreSQL")
            report.rows += pg.rows
            report.nodes += pg.nodes
        if args.embedded:
            report.rows.append(await embedded_row(base, notes, args.embedded))
    print(
        f"Sales co-pilot fast path, POST /interactions to the full answer (four moves), in "
        f"process; sales_deadline_s {load_settings(_env_file=None).sales_deadline_s} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end; {time.perf_counter() - began:.0f} s\n"
    )
    print_table(report.rows)
    for label, nodes in report.nodes:
        print_nodes(label, nodes)
    for line in report.lines:
        print(f"\n{line}")


def modes(value: str) -> set[str]:
    """The --modes argument: off and/or fake, or none (only --embedded then)."""
    chosen = set(value.split(","))
    if chosen == {"none"}:
        return set()
    if not chosen or not chosen <= {"off", "fake"}:
        raise argparse.ArgumentTypeError(f"{value!r}: use off, fake, off,fake or none")
    return chosen


def default_kb_cache() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "sight" / "bench-sales-kb"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--observations", type=int, default=200)
    parser.add_argument("--fake-observations", type=int, default=12)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--latency", type=float, default=1.5, help="the fake model's seconds")
    parser.add_argument("--breakdown", type=int, default=20, help="notes timed per node")
    parser.add_argument("--fake-breakdown", type=int, default=2, help="the same, fake model")
    parser.add_argument(
        "--modes",
        type=modes,
        default={"off", "fake"},
        help="comma separated: off (no model), fake (the fake model, SQLite only), or none",
    )
    parser.add_argument(
        "--embedded",
        type=int,
        nargs="?",
        const=5,
        default=0,
        help="also the embedded model on this many notes (5 if no number)",
    )
    parser.add_argument(
        "--postgres-admin-url",
        default=None,
        help=f"also measure PostgreSQL, in a throwaway database (e.g. {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument("--kb-cache", type=Path, default=default_kb_cache())
    asyncio.run(main(parser.parse_args()))
