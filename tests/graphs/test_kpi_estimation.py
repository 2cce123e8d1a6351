"""KPI estimation graph: path taken, output, snapshot reuse, single computation under races."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graphs.kpi_estimation import build_graph
from nodes.kpi_estimation.state import KpiContext
from sight.errors import InputValidationError
from store.migrate import upgrade_async
from tools import population

SEED_SEGMENT = {
    "age_min": 18,
    "age_max": 24,
    "gender": "kobieta",
    "education_levels": ["wyższe"],
    "income_brackets": ["<3000 PLN"],
    "location": "Polska",
    "industry": "b2b_saas",
}
COMPUTE_NODES = [
    "estimate_segment_size",
    "estimate_kpis",
    "compare_to_industry",
    "score_confidence",
    "save_snapshot",
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _run(payload: dict[str, Any], ctx: KpiContext) -> tuple[dict[str, Any], list[str]]:
    graph = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    path: list[str] = []
    async for chunk in graph.astream(payload, config, context=ctx, stream_mode="updates"):
        path.extend(chunk)
    state = await graph.aget_state(config)
    return state.values["snapshot"], path


async def test_kpi_when_seed_segment_then_every_kpi_and_cac_ltv_ratio(repo):
    snapshot, path = await _run(SEED_SEGMENT, KpiContext(snapshots=repo, clock=Clock()))
    assert path == ["validate_input", "reuse_fresh_snapshot", *COMPUTE_NODES]
    for field in ("segment_size", "conversion_rate", "retention_rate", "nps_score", "ltv", "cac"):
        assert snapshot[field] is not None
    assert snapshot["cac_ltv_ratio"] == pytest.approx(snapshot["cac"] / snapshot["ltv"], rel=1e-3)
    assert snapshot["stored"] is True and snapshot["reused"] is False
    women_18_24 = population.estimate_segment_size(
        population.Segment(18, 24, genders=("kobieta",))
    ).size
    assert 1_000 <= snapshot["segment_size"] < women_18_24 / 2
    assert {s["kind"] for s in snapshot["data_sources"]} == {"population", "benchmark"}
    assert 0 < snapshot["confidence_score"] <= 0.70


async def test_kpi_when_fresh_snapshot_then_reused_without_computing(repo):
    clock = Clock()
    ctx = KpiContext(snapshots=repo, clock=clock, snapshot_ttl_s=300)
    first, _ = await _run(SEED_SEGMENT, ctx)
    clock.now += timedelta(seconds=120)
    second, path = await _run({**SEED_SEGMENT, "gender": "female"}, ctx)
    assert path == ["validate_input", "reuse_fresh_snapshot"]
    assert second["reused"] is True and second["snapshot_id"] == first["snapshot_id"]
    assert second["age_s"] == pytest.approx(120)
    assert second["segment_size"] == first["segment_size"]


async def test_kpi_when_snapshot_stale_then_recomputed_and_history_kept(repo):
    clock = Clock()
    ctx = KpiContext(snapshots=repo, clock=clock, snapshot_ttl_s=300)
    first, _ = await _run(SEED_SEGMENT, ctx)
    clock.now += timedelta(seconds=301)
    second, path = await _run(SEED_SEGMENT, ctx)
    assert path[-1] == "save_snapshot" and second["snapshot_id"] != first["snapshot_id"]
    assert await repo.count(first["key"]) == 2


async def test_kpi_when_concurrent_requests_same_key_then_computed_once(repo):
    ctx = KpiContext(snapshots=repo, clock=Clock(), poll_s=0.005)
    results = await asyncio.gather(*(_run(SEED_SEGMENT, ctx) for _ in range(12)))
    computed = [path for _, path in results if "save_snapshot" in path]
    assert len(computed) == 1
    assert len({snap["snapshot_id"] for snap, _ in results}) == 1
    assert await repo.count(results[0][0]["key"]) == 1


async def test_kpi_when_lease_holder_died_then_taken_over_after_expiry(repo):
    clock = Clock()
    request_key = (await _run(SEED_SEGMENT, KpiContext(clock=clock)))[0]["key"]
    assert await repo.try_acquire(request_key, owner="dead-process", now=clock(), lease_s=10)

    async def advance() -> None:
        await asyncio.sleep(0.05)
        clock.now += timedelta(seconds=11)

    ctx = KpiContext(snapshots=repo, clock=clock, lease_s=10, poll_s=0.005)
    (snapshot, path), _ = await asyncio.gather(_run(SEED_SEGMENT, ctx), advance())
    assert path[-1] == "save_snapshot" and snapshot["stored"] is True


async def test_kpi_when_invalid_input_then_typed_error_and_nothing_stored(repo):
    bad = {**SEED_SEGMENT, "age_min": 50, "age_max": 20, "education_levels": ["kosmiczne"]}
    with pytest.raises(InputValidationError) as info:
        await _run(bad, KpiContext(snapshots=repo, clock=Clock()))
    assert {p["field"] for p in info.value.problems} >= {"age_min", "education_levels"}
    good = await _run(SEED_SEGMENT, KpiContext(clock=Clock()))
    assert await repo.count(good[0]["key"]) == 0


async def test_kpi_when_city_given_then_applies_location_filter():
    national, _ = await _run(SEED_SEGMENT, KpiContext())
    warsaw, _ = await _run({**SEED_SEGMENT, "location": "Warszawa"}, KpiContext())
    share = warsaw["segment_size_details"]["factors"]["location"]["factor"]
    assert 0.03 < share < 0.07
    assert warsaw["segment_size"] == pytest.approx(national["segment_size"] * share, rel=0.01)
    assert national["key"] != warsaw["key"]


async def test_kpi_when_no_repository_then_computed_and_marked_not_stored():
    snapshot, path = await _run(SEED_SEGMENT, KpiContext())
    assert snapshot["stored"] is False and snapshot["snapshot_id"] is None
    assert path[-1] == "save_snapshot"


async def test_kpi_when_nonbinary_then_fallback_named_and_confidence_lowered():
    binary, _ = await _run(SEED_SEGMENT, KpiContext())
    nonbinary, _ = await _run({**SEED_SEGMENT, "gender": "osoba niebinarna"}, KpiContext())
    assert nonbinary["segment_size_details"]["methods"]["gender"] == "fallback"
    assert nonbinary["confidence_score"] < binary["confidence_score"]
    assert any("gender" in reason for reason in nonbinary["confidence_reasons"])


@pytest.mark.parametrize("industry", ["retail", "automotive", "finance", "healthcare"])
async def test_kpi_when_other_industry_then_its_benchmarks_and_sources(industry):
    snapshot, _ = await _run({**SEED_SEGMENT, "industry": industry}, KpiContext())
    saas, _ = await _run(SEED_SEGMENT, KpiContext())
    assert snapshot["kpi_details"]["industry"] == industry
    assert (snapshot["conversion_rate"], snapshot["nps_score"]) != (
        saas["conversion_rate"],
        saas["nps_score"],
    )
    benchmark_sources = [s for s in snapshot["data_sources"] if s["kind"] == "benchmark"]
    assert benchmark_sources and all(s["source"] for s in benchmark_sources)


@pytest.mark.postgres
async def test_kpi_when_processes_race_on_postgres_then_computed_once(postgres_url, tmp_path):
    import subprocess
    import sys
    import time

    from sight.settings import load_settings

    settings = load_settings(
        data_dir=tmp_path, provider="fake", database_url=postgres_url, _env_file=None
    )
    await upgrade_async(settings)
    start_at = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.graphs.kpi_race_worker",
                postgres_url,
                str(start_at),
                "5",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    computed = [int(p.communicate(timeout=60)[0].strip()) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(computed) == 1


async def test_kpi_when_income_range_and_nested_class_location_then_estimated_with_mappings():
    payload = {
        "age_min": 25,
        "age_max": 44,
        "income_brackets": ["7000-10000 PLN"],
        "demographics": {"location": "małe miasto"},
    }
    snapshot, path = await _run(payload, KpiContext())
    assert path[-1] == "save_snapshot"
    details = snapshot["segment_size_details"]
    shares = {b["bracket"]: b["share_counted"] for b in details["income_mapping"]["brackets"]}
    assert shares == {"5000-7500 PLN": 0.2, "7500-10000 PLN": 1.0}
    assert details["location"] == "miasto do 20 tys."
    assert details["location_mapping"]["settlement_classes"] == ["miasto do 20 tys."]
    assert 0.11 < details["factors"]["location"]["factor"] < 0.16
    assert snapshot["request"]["segment"]["income_ranges"] == [[7000.0, 10000.0]]
    expected = population.Segment(
        25, 44, income_ranges=((7000, 10000),), settlement_classes=("miasto do 20 tys.",)
    )
    assert snapshot["segment_size"] == population.estimate_segment_size(expected).size
    assert any("settlement class" in r for r in snapshot["confidence_reasons"])


async def test_kpi_when_voivodeship_written_as_region_then_its_share():
    national, _ = await _run({"age_min": 18, "age_max": 100}, KpiContext())
    silesia, _ = await _run({"age_min": 18, "age_max": 100, "location": "na Śląsku"}, KpiContext())
    share = silesia["segment_size_details"]["factors"]["location"]["factor"]
    assert 0.10 < share < 0.13  # śląskie: about 4.4 M of 38 M
    assert silesia["segment_size"] == pytest.approx(national["segment_size"] * share, rel=1e-3)
    assert silesia["request"]["segment"]["voivodeships"] == ["śląskie"]


async def test_kpi_when_location_unknown_then_error_lists_classes_voivodeships_and_cities():
    with pytest.raises(InputValidationError) as info:
        await _run({**SEED_SEGMENT, "location": "Atlantyda"}, KpiContext())
    [problem] = info.value.problems
    assert problem["field"] == "location"
    assert all(w in problem["message"] for w in ("wieś", "mazowieckie", "Warszawa"))
