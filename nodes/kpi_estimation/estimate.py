"""Validate input, size the segment, estimate the KPIs, compare, and score confidence.

Pure arithmetic over the population tables and industry benchmarks (tools/): no LLM call.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from langgraph.runtime import Runtime

from nodes.kpi_estimation.state import KpiContext, KpiInput, KpiState
from tools import industry, population
from tools.segment import validate_segment

# A KPI within this relative distance of the industry average is "on par".
ON_PAR_TOLERANCE = 0.02
CONFIDENCE_PENALTY_FALLBACK = 0.05
CONFIDENCE_PENALTY_DERIVED = 0.03
CONFIDENCE_PENALTY_ILLUSTRATIVE = 0.05
CONFIDENCE_FLOOR = 0.3
INPUT_FIELDS = tuple(KpiInput.__annotations__)


def _segment(state: KpiState) -> population.Segment:
    return population.Segment(**state["request"]["segment"])


def _benchmark(state: KpiState) -> industry.IndustryBenchmark:
    bench = industry.get_benchmark(state["request"]["industry"])
    assert bench is not None, "validate_input admits only known industries"
    return bench


def validate_input(state: KpiState, runtime: Runtime[KpiContext]) -> dict[str, Any]:
    """Check the request (every problem at once) and derive its canonical form and cache key."""
    request = validate_segment({k: state[k] for k in INPUT_FIELDS if k in state})
    runtime.stream_writer({"step": "validate_input", "key": request.key})
    return {"request": request.canonical(), "key": request.key}


def estimate_segment_size(state: KpiState, runtime: Runtime[KpiContext]) -> dict[str, Any]:
    """Size the segment from the population tables (the requirements' flat factors as fallback, docs/requirements.md §1.4)."""
    segment = _segment(state)
    estimate = population.estimate_segment_size(segment)
    seed = population.estimate_segment_size(segment, use_tables=False)
    details = asdict(estimate)
    details["seed_heuristic_size"] = seed.size
    details["methods"] = {name: f.method for name, f in estimate.factors.items()}
    details["location"] = population.location_label(segment)
    # Say how a free-text income range or location was read (partial brackets, classes).
    for name in ("income_mapping", "location_mapping"):
        if state["request"].get(name) is not None:
            details[name] = state["request"][name]
    runtime.stream_writer({"step": "estimate_segment_size", "size": estimate.size})
    return {"segment_size": details}


def estimate_kpis(state: KpiState) -> dict[str, Any]:
    """Estimate conversion, retention, NPS, LTV, CAC and CAC/LTV from industry benchmarks."""
    bench = _benchmark(state)
    income, income_source = population.average_monthly_income(_segment(state))
    ltv = bench.ltv(income)
    cac = bench.cac(ltv)
    return {
        "kpis": {
            "conversion_rate": bench.conversion_rate,
            "retention_rate": bench.retention_rate,
            "nps_score": bench.nps,
            "ltv": round(ltv, 2),
            "cac": round(cac, 2),
            "cac_ltv_ratio": round(cac / ltv, 4) if ltv else None,
            "details": {
                "industry": bench.industry,
                "industry_label": bench.label,
                "avg_monthly_income_pln": round(income, 2),
                "avg_income_source": income_source,
                "ltv_formula": (
                    f"avg_monthly_income x {bench.ltv_income_share:g} x {bench.ltv_years:g} years"
                ),
                "cac_formula": f"LTV x {bench.cac_share_of_ltv:g}",
            },
        }
    }


def _compare(value: float, average: float) -> dict[str, Any]:
    delta = value - average
    relative = delta / average if average else 0.0
    if abs(relative) <= ON_PAR_TOLERANCE:
        direction = "on_par"
    else:
        direction = "above" if delta > 0 else "below"
    return {
        "value": value,
        "industry_average": average,
        "delta": round(delta, 4),
        "delta_pct": round(relative * 100, 1),
        "direction": direction,
    }


def compare_to_industry(state: KpiState) -> dict[str, Any]:
    """Compare conversion, retention and NPS against the industry averages."""
    bench, kpis = _benchmark(state), state["kpis"]
    return {
        "comparison": {
            "conversion_rate": _compare(kpis["conversion_rate"], bench.average_conversion_rate),
            "retention_rate": _compare(kpis["retention_rate"], bench.average_retention_rate),
            "nps_score": _compare(kpis["nps_score"], bench.average_nps),
        }
    }


def score_confidence(state: KpiState) -> dict[str, Any]:
    """Score confidence 0-1 and list every data source, with the reasons that lowered it.

    Starts from the industry's base confidence (docs/requirements.md §1.5: 0.70 for an AI estimate without
    CRM or analytics data) and subtracts for fallback factors, derived tables and
    illustrative benchmark figures.
    """
    bench, size = _benchmark(state), state["segment_size"]
    score, reasons = (
        bench.confidence,
        [f"base {bench.confidence:g}: {bench.label} heuristic estimate"],
    )
    for name, factor in size["factors"].items():
        if factor["method"] == "fallback":
            score -= CONFIDENCE_PENALTY_FALLBACK
            reasons.append(
                f"-{CONFIDENCE_PENALTY_FALLBACK:g}: {name} uses the requirements' flat factor"
            )
    if (
        size["factors"]["income"]["method"] == "table"
        and state["request"]["segment"]["income_brackets"]
    ):
        score -= CONFIDENCE_PENALTY_DERIVED
        reasons.append(f"-{CONFIDENCE_PENALTY_DERIVED:g}: income shares come from a derived table")
    segment = state["request"]["segment"]
    if segment.get("settlement_classes") or segment.get("voivodeships"):
        score -= CONFIDENCE_PENALTY_DERIVED
        reasons.append(
            f"-{CONFIDENCE_PENALTY_DERIVED:g}: persons by settlement class or voivodeship come "
            "from derived tables"
        )
    illustrative = sorted(k for k, src in bench.sources.items() if src.illustrative)
    if illustrative:
        score -= CONFIDENCE_PENALTY_ILLUSTRATIVE
        reasons.append(
            f"-{CONFIDENCE_PENALTY_ILLUSTRATIVE:g}: illustrative benchmark figures: "
            + ", ".join(illustrative)
        )
    sources = [
        {"kind": "population", "dimension": name, "method": f["method"], "source": f["source"]}
        for name, f in size["factors"].items()
    ]
    sources += [
        {
            "kind": "benchmark",
            "figure": figure,
            "source": src.source,
            "year": src.year,
            "illustrative": src.illustrative,
        }
        for figure, src in bench.sources.items()
    ]
    return {
        "quality": {
            "confidence_score": round(max(score, CONFIDENCE_FLOOR), 2),
            "reasons": reasons,
            "data_sources": sources,
            # The three tiers of docs/requirements.md §1.2: CRM/CDP, then analytics, then AI heuristics (the MVP).
            "estimation_method": {
                "tier": "heuristic",
                "crm": "not configured",
                "analytics": "not configured",
            },
        }
    }
