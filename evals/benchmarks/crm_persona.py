"""CRM-history personas (issue 17): metrics latency, import throughput, look-alikes.

1. One contact with --interactions interactions (synthetic histories of every archetype merged,
   with deals and files): ``metrics.behaviour`` P50/P95/max over --repetitions calls (goal P95
   <= 50 ms) and ``profile.detail`` of its stored dict (metrics, benchmarks, the history
   dumped), against validating the contact's dict and iterating its records, each timed in
   turn every round so machine load hits all alike. Objects made before the timing are frozen
   out of the garbage collector, as the server does at startup.
2. Import throughput in rows/s (a row: a contact or one history record) of --contacts synthetic
   contacts trimmed to their newest 20-30 records: ``parse_import`` of the JSON form (baseline:
   ``json.loads`` of the same bytes) and of the Sight CSV (baseline: ``csv.reader`` of the same
   text); ``CrmContactRepository.import_contacts`` on SQLite (temp dir) and PostgreSQL (a
   throwaway database), first import and re-import of the same contacts, against one
   executemany of the same rows into scratch copies of the tables (no reads, no comparison,
   no unique index). Each figure is the median of --rounds rounds (a new tenant each).
3. ``similar.similar_contacts`` (no embedder, k = 5) of one contact in a pool of --pool,
   against ``metrics.behaviour`` of every contact of the pool.

Usage: python -m evals.benchmarks.crm_persona [--interactions 2000] [--repetitions 300]
       [--contacts 2000] [--rounds 3] [--pool 500] [--lookalike-repetitions 30]
       [--postgres-admin-url URL|none]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Column, MetaData, Table, insert

from evals.benchmarks.throwaway_db import DEFAULT_ADMIN_URL, throwaway_database
from sight.settings import Settings, load_settings
from store.crm import CrmContactRepository
from store.crm.contacts import FIELDS, search_key
from store.crm.history import KINDS, keyed
from store.db import create_engine, session_factory
from store.migrate import upgrade_async
from store.models import CrmContact
from tools.crm_persona.importing import parse_import, to_csv_form, to_json_form
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.profile import detail
from tools.crm_persona.records import Contact
from tools.crm_persona.similar import similar_contacts
from tools.crm_persona.synthetic import generate
from tools.crm_persona.synthetic_history import ARCHETYPES, history

NOW = datetime(2026, 12, 1, tzinfo=UTC)
GOAL_MS = 50.0
INTERACTIONS = ("activities", "emails", "comments")
RECORDS = (*INTERACTIONS, "deals", "files")
ORDER = {kind.name: kind.order for kind in KINDS}  # the time each kind of record is listed by
MAX_DEALS, MAX_FILES = 24, 40  # a key account's, over years
TRIMMED = (20, 30)  # history records per contact in the import file


@dataclass(frozen=True)
class Timing:
    """One scenario's latencies (ms), compared with a baseline's P95."""

    scenario: str
    samples: list[float]
    baseline_p95: float
    goal_ms: float | None = None

    def pct(self, q: float) -> float:
        """The q-quantile (nearest rank)."""
        ordered = sorted(self.samples)
        return ordered[round(q * (len(ordered) - 1))]

    @property
    def ratio(self) -> float:
        return self.pct(0.95) / self.baseline_p95

    @property
    def verdict(self) -> str:
        if self.goal_ms is None:
            return ""
        passed = self.pct(0.95) <= self.goal_ms
        return f"P95 <= {self.goal_ms:g} ms: {'PASS' if passed else 'FAIL'}"


@dataclass(frozen=True)
class Throughput:
    """One scenario's rows/s (the median round's), compared with a baseline's rows/s."""

    scenario: str
    rows: int
    seconds: list[float]
    baseline_rate: float

    @property
    def rate(self) -> float:
        return self.rows / statistics.median(self.seconds)

    @property
    def ratio(self) -> float:
        """How many times the baseline's time this takes."""
        return self.baseline_rate / self.rate


def records_of(contact: Contact) -> int:
    """Its history records: activities, e-mails, comments, deals and files."""
    return sum(len(getattr(contact, name)) for name in RECORDS)


def rows_of(contacts: list[Contact]) -> int:
    """Import rows: each contact and each of its history records."""
    return sum(1 + records_of(c) for c in contacts)


def big_contact(interactions: int = 2000, *, seed: int = 17, now: datetime = NOW) -> Contact:
    """A contact with exactly ``interactions`` interactions: synthetic histories of the
    archetypes in turn, merged (ids kept apart), with at most MAX_DEALS deals, MAX_FILES files."""
    rng = np.random.default_rng(seed)
    fields = generate(1, seed=seed, now=now)[0].contact.model_dump(exclude=set(RECORDS))
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORDS}
    archetypes = list(ARCHETYPES)
    part = 0
    while (left := interactions - sum(len(lists[n]) for n in INTERACTIONS)) > 0:
        archetype = archetypes[part % len(archetypes)]
        company = (fields["industry"], fields["company_size"])
        events = history(rng, archetype, f"{fields['id']}-{part}", *company, now)
        for name in INTERACTIONS:
            lists[name] += events[name][:left]
            left -= len(events[name][:left])
        lists["deals"] += events["deals"][: MAX_DEALS - len(lists["deals"])]
        lists["files"] += events["files"][: MAX_FILES - len(lists["files"])]
        part += 1
    return Contact.model_validate(fields | lists)


def import_file(n_contacts: int, *, seed: int = 17, now: datetime = NOW) -> list[Contact]:
    """``n_contacts`` synthetic contacts, each cut to its newest 20-30 history records (as a
    recent export window holds; a full synthetic history has ~90)."""
    rng = np.random.default_rng(seed)
    found = []
    for synthetic in generate(n_contacts, seed=seed, now=now):
        dumped = synthetic.contact.model_dump()
        keep = int(rng.integers(TRIMMED[0], TRIMMED[1] + 1)) / max(records_of(synthetic.contact), 1)
        for name in RECORDS:
            newest = sorted(dumped[name], key=lambda r, name=name: r[ORDER[name]], reverse=True)
            dumped[name] = newest[: max(round(len(newest) * keep), min(len(newest), 1))]
        found.append(Contact.model_validate(dumped))
    return found


def _seconds(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _in_turn(fns: dict[str, Callable[[], object]], rounds: int, warmup: int) -> dict[str, list]:
    """Seconds of each function, all called in turn each round, warm-up rounds dropped."""
    seconds: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(warmup + rounds):
        for name, fn in fns.items():
            took = _seconds(fn)
            if i >= warmup:
                seconds[name].append(took)
    return seconds


def _timings(seconds: dict[str, list[float]], goals: dict[str, float]) -> list[Timing]:
    """Timings in ms against the first function's P95."""
    ms = {name: [s * 1000 for s in found] for name, found in seconds.items()}
    base = Timing("", next(iter(ms.values())), 1.0).pct(0.95)
    return [Timing(name, found, base, goals.get(name)) for name, found in ms.items()]


def bench_metrics(contact: Contact, *, repetitions: int, warmup: int = 10) -> list[Timing]:
    """Section 1: the contact's metrics and detail against validating and iterating it."""
    data = contact.model_dump()
    stored = data | {"source": "synthetic", "created_at": NOW, "updated_at": NOW}

    def iterate() -> int:
        return sum(1 for name in RECORDS for record in getattr(contact, name) for _ in record)

    n = contact.interactions
    behaviour_name = f"metrics.behaviour, {n:,} interactions"
    seconds = _in_turn(
        {
            "baseline: Contact.model_validate of its dict": lambda: Contact.model_validate(data),
            "baseline: iterate every field of every record": iterate,
            behaviour_name: lambda: behaviour(contact),
            "profile.detail of the stored dict": lambda: detail(stored),
        },
        repetitions,
        warmup,
    )
    return _timings(seconds, {behaviour_name: GOAL_MS})


def bench_lookalikes(pool_size: int, *, repetitions: int, warmup: int = 2) -> list[Timing]:
    """Section 3: look-alikes of one contact in a synthetic pool, against its metrics."""
    pool = [s.contact for s in generate(pool_size, seed=23, now=NOW)]
    seconds = _in_turn(
        {
            f"baseline: metrics.behaviour of all {pool_size} contacts": lambda: [
                behaviour(c) for c in pool
            ],
            f"similar_contacts(k=5), pool of {pool_size}": lambda: similar_contacts(pool[0], pool),
        },
        repetitions,
        warmup,
    )
    return _timings(seconds, {})


def bench_parse(contacts: list[Contact], *, rounds: int) -> list[Throughput]:
    """Section 2a: parse_import of both forms, and the bare reader of the same bytes."""
    rows = rows_of(contacts)
    json_bytes = json.dumps(to_json_form(contacts), ensure_ascii=False).encode()
    csv_bytes = to_csv_form(contacts).encode()
    seconds = _in_turn(
        {
            "json": lambda: json.loads(json_bytes),
            "parse json": lambda: parse_import(json_bytes, format="json"),
            "csv": lambda: list(csv.reader(io.StringIO(csv_bytes.decode()))),
            "parse csv": lambda: parse_import(csv_bytes, format="csv"),
        },
        rounds,
        0,
    )
    json_rate = rows / statistics.median(seconds["json"])
    csv_rate = rows / statistics.median(seconds["csv"])
    json_mb, csv_mb = len(json_bytes) / 1e6, len(csv_bytes) / 1e6
    return [
        Throughput(f"baseline: json.loads ({json_mb:.1f} MB)", rows, seconds["json"], json_rate),
        Throughput("parse_import, JSON form", rows, seconds["parse json"], json_rate),
        Throughput(f"baseline: csv.reader ({csv_mb:.1f} MB)", rows, seconds["csv"], csv_rate),
        Throughput("parse_import, Sight CSV", rows, seconds["parse csv"], csv_rate),
    ]


def _scratch(metadata: MetaData, table: Table) -> Table:
    """The table's columns under another name: primary key only, no index, no foreign key."""
    columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns]
    return Table(f"bench_scratch_{table.name}", metadata, *columns)


def _plain_rows(tenant: str, dicts: list[dict[str, Any]]) -> list[tuple[Table, list[dict]]]:
    """The rows a first import of ``dicts`` writes, per table, made ahead (not timed)."""
    contacts = [
        {"tenant": tenant, "contact_id": d["id"], **{f: d.get(f) for f in FIELDS},
         "search_key": search_key(d["name"], d.get("company")), "source": "json",
         "created_at": NOW, "updated_at": NOW}
        for d in dicts
    ]  # fmt: skip
    out = [(CrmContact.__table__, contacts)]
    for kind in KINDS:
        rows = [
            {"id": str(uuid.uuid4()), "tenant": tenant, "contact_id": d["id"], "key": key, **values}
            for d in dicts
            for key, values in keyed(kind, d).items()
        ]
        out.append((kind.table, rows))
    return out


async def bench_store(
    label: str, settings: Settings, contacts: list[Contact], *, rounds: int
) -> list[Throughput]:
    """Section 2b: the plain executemany, the first import and the re-import into a new
    tenant each round. Raises when an import's outcome is not every contact created (first)
    or unchanged (re-import)."""
    rows, dicts = rows_of(contacts), [c.model_dump() for c in contacts]
    await upgrade_async(settings)
    engine = create_engine(settings)
    seconds: dict[str, list[float]] = {"plain": [], "first": [], "again": []}
    try:
        sessions = session_factory(engine)
        repo = CrmContactRepository(sessions)
        metadata = MetaData()
        tables = [CrmContact.__table__, *(kind.table for kind in KINDS)]
        scratch = {table.name: _scratch(metadata, table) for table in tables}
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        for r in range(rounds):
            tenant = f"bench-{r}-{uuid.uuid4().hex[:6]}"
            plain = _plain_rows(tenant, dicts)
            started = time.perf_counter()
            async with sessions() as db, db.begin():
                for table, batch in plain:
                    await db.execute(insert(scratch[table.name]), batch)
            seconds["plain"].append(time.perf_counter() - started)
            for step, expected in (("first", "created"), ("again", "unchanged")):
                started = time.perf_counter()
                outcome = await repo.import_contacts(tenant, dicts, now=NOW, source="json")
                seconds[step].append(time.perf_counter() - started)
                if len(getattr(outcome, expected)) != len(dicts):
                    raise RuntimeError(f"{label}, {step} import: not every contact {expected}")
    finally:
        await engine.dispose()
    base = rows / statistics.median(seconds["plain"])
    return [
        Throughput(f"{label}, baseline: executemany into scratch tables", rows,
                   seconds["plain"], base),
        Throughput(f"{label}, import_contacts, first import", rows, seconds["first"], base),
        Throughput(f"{label}, import_contacts, re-import (all unchanged)", rows,
                   seconds["again"], base),
    ]  # fmt: skip


def print_timings(title: str, timings: list[Timing]) -> None:
    print(f"\n{title}\n")
    print("| scenario | n | P50 ms | P95 ms | max ms | P95 vs baseline | goal |")
    print("|---|---|---|---|---|---|---|")
    for t in timings:
        print(
            f"| {t.scenario} | {len(t.samples)} | {t.pct(0.5):.2f} | {t.pct(0.95):.2f} "
            f"| {max(t.samples):.2f} | {t.ratio:.1f}x | {t.verdict} |"
        )


def print_throughput(title: str, found: list[Throughput]) -> None:
    print(f"\n{title}\n")
    print("| scenario | rows | median s | rows/s | time vs baseline |")
    print("|---|---|---|---|---|")
    for t in found:
        median = statistics.median(t.seconds)
        print(f"| {t.scenario} | {t.rows:,} | {median:.2f} | {t.rate:,.0f} | {t.ratio:.1f}x |")


def _postgres(admin_url: str) -> Any:
    """A throwaway database's context, or None when there is no server to make one on."""
    if admin_url == "none":
        return None
    import psycopg

    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error).strip().splitlines()[0]}")
        return None
    return throwaway_database(admin_url)


async def main(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    load = os.getloadavg()[0]
    contact = big_contact(args.interactions)
    # Out of the collector's full scans, as `sight serve` freezes its startup objects: else a
    # full collection of every imported module's objects (~50-100 ms) lands in the P95.
    gc.collect()
    gc.freeze()
    metrics = bench_metrics(contact, repetitions=args.repetitions)
    contacts = import_file(args.contacts)
    imports = bench_parse(contacts, rounds=args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = load_settings(data_dir=Path(tmp), provider="fake", _env_file=None)
        imports += await bench_store("SQLite", sqlite, contacts, rounds=args.rounds)
    postgres = _postgres(args.postgres_admin_url)
    if postgres is not None:
        with tempfile.TemporaryDirectory() as tmp, postgres as (_, url):
            pg = load_settings(
                data_dir=Path(tmp), provider="fake", database_url=url, _env_file=None
            )
            imports += await bench_store("PostgreSQL", pg, contacts, rounds=args.rounds)
    lookalikes = bench_lookalikes(args.pool, repetitions=args.lookalike_repetitions)
    print(
        f"CRM personas benchmark: {os.cpu_count()} CPUs, load average {load:.1f} at the start "
        f"and {os.getloadavg()[0]:.1f} at the end; {time.perf_counter() - began:.0f} s"
    )
    print_timings(
        f"1. One contact: {contact.interactions:,} interactions, {len(contact.deals)} deals, "
        f"{len(contact.files)} files (P95 vs the validation's)",
        metrics,
    )
    print_throughput(
        f"2. Import of {len(contacts):,} contacts with {rows_of(contacts) - len(contacts):,} "
        f"history records (a row: a contact or a record); median of {args.rounds} rounds",
        imports,
    )
    print_timings("3. Look-alikes, no embedder (P95 vs the pool's metrics)", lookalikes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--repetitions", type=int, default=300)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool", type=int, default=500)
    parser.add_argument("--lookalike-repetitions", type=int, default=30)
    parser.add_argument(
        "--postgres-admin-url",
        default=DEFAULT_ADMIN_URL,
        help="admin URL of a PostgreSQL server to make a throwaway database on ('none': skip)",
    )
    asyncio.run(main(parser.parse_args()))
