"""Industry benchmarks of a contact's behaviour (issue 17; seed 004 "Industry Benchmarks"), and
each metric compared with its benchmark through the metric's interval.

Benchmarks are per industry and, for technology, per company size (1-50, 51-200, 200+); the
data file names each figure's source or marks it illustrative (all are, for now: see its
``provenance``). An industry Sight does not know gets the ``any`` row, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tools.industry import normalise_industry

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "crm_persona" / "benchmarks.json"
TECHNOLOGY = frozenset({"technology", "tech", "it", "technologia", "software"})


@dataclass(frozen=True)
class Benchmark:
    industry: str
    size: str
    email_engagement: float
    deal_cycle_days: float
    response_hours: float
    source: str
    matched: bool  # False: the industry is unknown and the ``any`` row stands in


@cache
def _rows() -> list[dict[str, Any]]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["benchmarks"]


def size_band(employees: int | None) -> str:
    if employees is None:
        return "any"
    return "1-50" if employees <= 50 else "51-200" if employees <= 200 else "200+"


def benchmark_for(industry: str | None, employees: int | None) -> Benchmark:
    """The row of the contact's industry (technology by company size), else the ``any`` row."""
    raw = (industry or "").strip().lower()
    key = "technology" if raw in TECHNOLOGY else normalise_industry(industry) or raw
    band = size_band(employees) if key == "technology" else "any"
    if key == "technology" and band == "any":
        band = "51-200"  # the middle band when the size is unknown
    for row in _rows():
        if row["industry"] == key and row["size"] == band:
            return Benchmark(**row, matched=True)
    fallback = next(r for r in _rows() if r["industry"] == "any")
    return Benchmark(**fallback, matched=False)


def compare_rate(rate: dict[str, Any], benchmark: float) -> dict[str, Any]:
    """above / below when the whole interval is on one side of the benchmark, else
    consistent; insufficient_data when the rate has no interval."""
    if rate.get("status") != "ok" or rate.get("interval") is None:
        return {"benchmark": benchmark, "verdict": "insufficient_data"}
    low, high = rate["interval"]
    verdict = "above" if low > benchmark else "below" if high < benchmark else "consistent"
    return {
        "benchmark": benchmark,
        "value": rate["value"],
        "interval": [low, high],
        "verdict": verdict,
    }


def compare_hours(found: dict[str, Any], benchmark: float) -> dict[str, Any]:
    """A median time against the benchmark: faster or slower (no interval: a median of few)."""
    if found.get("status") != "ok":
        return {"benchmark": benchmark, "verdict": "insufficient_data"}
    median = found.get("median_h", found.get("median_days"))
    verdict = "faster" if median < benchmark else "slower" if median > benchmark else "equal"
    return {"benchmark": benchmark, "value": median, "n": found["n"], "verdict": verdict}


def compared(
    metrics: dict[str, Any], industry: str | None, employees: int | None
) -> dict[str, Any]:
    """Each benchmarked metric of ``tools.crm_persona.metrics.behaviour`` against its row."""
    row = benchmark_for(industry, employees)
    cycle = metrics["decisions"]
    cycle_found = (
        {"status": "ok", "median_days": cycle["cycle_days_median"], "n": cycle["closed_deals"]}
        if cycle["cycle_days_median"] is not None
        else {"status": "insufficient_data"}
    )
    return {
        "benchmark": {"industry": row.industry, "size": row.size, "source": row.source,
                      "matched": row.matched},
        "email_engagement": compare_rate(metrics["email"]["engagement"], row.email_engagement),
        "deal_cycle_days": compare_hours(cycle_found, row.deal_cycle_days),
        "response_hours": compare_hours(metrics["response_time"]["contact"], row.response_hours),
    }  # fmt: skip
