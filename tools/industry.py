"""Industry benchmarks for persona KPI estimates (conversion, retention, NPS, LTV, CAC).

Figures live in ``data/industry_benchmarks.json``, each with its source. ``b2b_saas`` holds
the values of docs/requirements.md §1.5 verbatim; the other industries are rough and marked
``illustrative``.

LTV follows docs/requirements.md §1.5: ``avg_monthly_income x ltv_income_share x ltv_years``,
where ``avg_monthly_income`` is the segment's average personal monthly NET income in PLN (see
``tools.population.average_monthly_income``) and ``ltv_income_share`` is the part of one month's
income spent with the company per year. CAC = LTV x ``cac_share_of_ltv``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "industry_benchmarks.json"
FIGURES = (
    "conversion_rate",
    "retention_rate",
    "nps",
    "ltv_income_share",
    "ltv_years",
    "cac_share_of_ltv",
    "confidence",
    "average_conversion_rate",
    "average_retention_rate",
    "average_nps",
)


@dataclass(frozen=True)
class FigureSource:
    """Where one benchmark figure comes from; ``illustrative`` marks rough values."""

    source: str
    year: int | None
    illustrative: bool
    note: str
    url: str | None = None


@dataclass(frozen=True)
class IndustryBenchmark:
    """Benchmarks of one industry; ``sources`` has an entry for every figure in ``FIGURES``."""

    industry: str
    label: str
    conversion_rate: float
    retention_rate: float
    nps: float
    ltv_income_share: float
    ltv_years: float
    cac_share_of_ltv: float
    confidence: float
    average_conversion_rate: float
    average_retention_rate: float
    average_nps: float
    sources: dict[str, FigureSource]

    def ltv(self, avg_monthly_income: float) -> float:
        """Return LTV in PLN for a segment's average monthly net income in PLN."""
        return avg_monthly_income * self.ltv_income_share * self.ltv_years

    def cac(self, ltv: float) -> float:
        """Return CAC in PLN for an LTV in PLN."""
        return ltv * self.cac_share_of_ltv


def _key(value: str) -> str:
    # "E-commerce", "e commerce" and "ecommerce" all become "ecommerce".
    text = unicodedata.normalize("NFKD", value.lower().replace("ł", "l"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text)


@cache
def _industries() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["industries"]


@cache
def _benchmarks() -> dict[str, IndustryBenchmark]:
    out = {}
    for name, entry in _industries().items():
        figures = entry["figures"]
        missing = [f for f in FIGURES if f not in figures]
        if missing:
            raise ValueError(f"{DATA_FILE.name}: industry {name!r} lacks {missing}")
        out[name] = IndustryBenchmark(
            industry=name,
            label=entry["label"],
            **{f: figures[f]["value"] for f in FIGURES},
            sources={
                f: FigureSource(
                    figures[f]["source"],
                    figures[f]["year"],
                    figures[f]["illustrative"],
                    figures[f]["note"],
                    figures[f].get("url"),
                )
                for f in FIGURES
            },
        )
    return out


@cache
def _aliases() -> dict[str, str]:
    return {
        _key(a): name
        for name, entry in _industries().items()
        for a in (name, entry["label"], *entry["aliases"])
    }


def known_industries() -> list[str]:
    """List the canonical industry keys, for error messages."""
    return list(_benchmarks())


def normalise_industry(value: str | None) -> str | None:
    """Return the canonical industry key for ``value`` or an alias, None if unknown."""
    return _aliases().get(_key(value)) if value else None


def get_benchmark(industry: str | None) -> IndustryBenchmark | None:
    """Return the benchmarks of ``industry`` (key or alias), None if unknown."""
    key = normalise_industry(industry)
    return _benchmarks()[key] if key else None
