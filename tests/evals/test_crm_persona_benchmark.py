"""The CRM personas benchmark's functions run at tiny sizes and print the tables the docs quote
(figures are not asserted against any time: only that they are measured and sane).

A strict xfail records what the benchmark ran into in code it does not own."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from evals.benchmarks import crm_persona as bench
from sight.settings import load_settings
from store.crm import CrmContactRepository
from store.db import create_engine, session_factory
from store.migrate import upgrade_async
from tools.crm_persona.importing import parse_import, to_json_form


def table_rows(printed: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``printed``, as cells."""
    lines = [line for line in printed.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def sane(value: float) -> bool:
    return math.isfinite(value) and value > 0


def test_metrics_of_a_big_contact_are_timed_against_validation_with_a_verdict(capsys):
    contact = bench.big_contact(50)
    assert contact.interactions == 50
    assert contact.deals and bench.records_of(contact) > 50

    timings = bench.bench_metrics(contact, repetitions=3, warmup=0)
    bench.print_timings("1.", timings)

    rows = table_rows(capsys.readouterr().out)[1:]  # after the header
    assert [r[0] for r in rows] == [
        "baseline: Contact.model_validate of its dict",
        "baseline: iterate every field of every record",
        "metrics.behaviour, 50 interactions",
        "profile.detail of the stored dict",
    ]
    assert all(r[1] == "3" for r in rows)
    assert rows[0][5] == "1.0x"
    assert rows[2][6] in ("P95 <= 50 ms: PASS", "P95 <= 50 ms: FAIL")
    assert [r[6] for r in rows if r is not rows[2]] == ["", "", ""]
    for t in timings:
        assert len(t.samples) == 3 and all(sane(s) for s in t.samples)
        assert t.pct(0.5) <= t.pct(0.95) <= max(t.samples) and sane(t.ratio)


def test_import_file_holds_20_to_30_records_a_contact_and_parses_whole():
    contacts = bench.import_file(20)

    assert len(contacts) == 20
    assert all(18 <= bench.records_of(c) <= 33 for c in contacts)  # each list rounded
    parsed = parse_import(json.dumps(to_json_form(contacts)).encode(), format="json")
    assert [c.id for c in parsed] == [c.id for c in contacts]


async def test_parse_and_sqlite_import_rows_count_every_contact_and_record(tmp_path, capsys):
    contacts = bench.import_file(20)
    rows = bench.rows_of(contacts)
    settings = load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)

    found = bench.bench_parse(contacts, rounds=1)
    found += await bench.bench_store("SQLite", settings, contacts, rounds=1)
    bench.print_throughput("2.", found)

    printed = table_rows(capsys.readouterr().out)[1:]
    assert [r[0].split(" (")[0] for r in printed] == [
        "baseline: json.loads",
        "parse_import, JSON form",
        "baseline: csv.reader",
        "parse_import, Sight CSV",
        "SQLite, baseline: executemany into scratch tables",
        "SQLite, import_contacts, first import",
        "SQLite, import_contacts, re-import",
    ]
    assert all(r[1] == f"{rows:,}" for r in printed)
    assert [r[4] for r in printed if "baseline" in r[0]] == ["1.0x"] * 3
    for t in found:
        assert t.rows == rows == 20 + sum(bench.records_of(c) for c in contacts)
        assert sane(t.rate) and sane(t.ratio)


async def test_store_benchmark_times_first_imports_when_the_contacts_are_stored_already(
    tmp_path,
):
    # Each round imports into a new tenant: a "first import" that found its contacts would
    # time the update path (bench_store raises when not every contact is created).
    contacts = bench.import_file(3)
    settings = load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)
    await upgrade_async(settings)
    engine = create_engine(settings)
    try:
        repo = CrmContactRepository(session_factory(engine))
        dicts = [c.model_dump() for c in contacts]
        outcome = await repo.import_contacts("t", dicts, now=bench.NOW, source="json")
        assert outcome.created == [c.id for c in contacts]
    finally:
        await engine.dispose()
    found = await bench.bench_store("SQLite", settings, contacts, rounds=2)
    assert [len(t.seconds) for t in found] == [2, 2, 2]


def test_lookalikes_are_timed_against_the_pool_metrics():
    timings = bench.bench_lookalikes(12, repetitions=2, warmup=0)

    assert [t.scenario for t in timings] == [
        "baseline: metrics.behaviour of all 12 contacts",
        "similar_contacts(k=5), pool of 12",
    ]
    assert all(len(t.samples) == 2 and sane(t.pct(0.95)) for t in timings)


@pytest.mark.postgres
async def test_foreign_key_check_of_history_rows_uses_the_contacts_primary_key(
    postgres_url: str, tmp_path: Path
):
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    settings = load_settings(
        data_dir=tmp_path / "data",
        provider="fake",
        database_url=f"{postgres_url}?options=-csearch_path%3D{schema}",
        _env_file=None,
    )
    await upgrade_async(settings)
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        contacts = [c.model_dump() for c in bench.import_file(3)]
        await CrmContactRepository(sessions).import_contacts(
            "t", contacts, now=bench.NOW, source="json"
        )
        async with sessions() as db, db.begin():
            # The statement PostgreSQL's RI trigger prepares for the check (ri_triggers.c).
            await db.execute(
                text(
                    "PREPARE fk_check(text, text) AS SELECT 1 FROM ONLY crm_contacts x "
                    "WHERE tenant = $1 AND contact_id = $2 FOR KEY SHARE OF x"
                )
            )
            await db.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
            plan = (await db.execute(text("EXPLAIN EXECUTE fk_check('t', 'x')"))).scalars().all()
    finally:
        await engine.dispose()
    assert "pk_crm_contacts" in "\n".join(plan), plan
