"""Industry benchmarks (tools/industry.py)."""

from __future__ import annotations

import pytest

from tools.industry import FIGURES, get_benchmark, known_industries, normalise_industry


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("b2b_saas", "b2b_saas"),
        ("SaaS", "b2b_saas"),
        ("B2B SaaS", "b2b_saas"),
        ("ecommerce", "retail"),
        ("E-Commerce", "retail"),
        ("handel", "retail"),
        ("motoryzacja", "automotive"),
        ("EV", "automotive"),
        ("automotive", "automotive"),
        ("banking", "finance"),
        ("finanse", "finance"),
        ("Bankowość", "finance"),
        ("zdrowie", "healthcare"),
        ("medical", "healthcare"),
    ],
)
def test_get_benchmark_when_alias_then_canonical_industry(alias, expected):
    assert normalise_industry(alias) == expected
    assert get_benchmark(alias).industry == expected


@pytest.mark.parametrize("value", ["mining", "", None])
def test_get_benchmark_when_unknown_then_none(value):
    assert get_benchmark(value) is None


def test_known_industries_when_called_then_lists_the_five():
    assert known_industries() == ["b2b_saas", "retail", "automotive", "finance", "healthcare"]


def test_b2b_saas_when_loaded_then_holds_the_seed_values_exactly():
    b = get_benchmark("b2b_saas")
    assert (b.conversion_rate, b.retention_rate, b.nps) == (0.12, 0.85, 45)
    assert (b.ltv_income_share, b.ltv_years) == (0.3, 3)
    assert (b.cac_share_of_ltv, b.confidence) == (0.15, 0.70)
    assert (b.average_conversion_rate, b.average_retention_rate, b.average_nps) == (0.10, 0.80, 40)
    assert all(s.source.startswith("Sight requirements") for s in b.sources.values())


def test_ltv_when_seed_formula_then_monthly_income_x_0_3_x_3_and_cac_15_percent():
    b = get_benchmark("saas")
    assert b.ltv(5000) == pytest.approx(5000 * 0.3 * 3)
    assert b.cac(b.ltv(5000)) == pytest.approx(5000 * 0.3 * 3 * 0.15)


@pytest.mark.parametrize("industry", ["b2b_saas", "retail", "automotive", "finance", "healthcare"])
def test_benchmark_when_loaded_then_every_figure_has_a_source(industry):
    b = get_benchmark(industry)
    assert set(b.sources) == set(FIGURES)
    for name in FIGURES:
        source = b.sources[name]
        assert source.source.strip() and source.note.strip(), name
        assert source.illustrative or source.year, name
    assert 0 < b.conversion_rate < 1 and 0 < b.retention_rate < 1 and -100 <= b.nps <= 100
    assert 0 < b.confidence <= 1 and 0 < b.cac_share_of_ltv < 1


@pytest.mark.parametrize("industry", ["retail", "automotive", "finance", "healthcare"])
def test_benchmark_when_not_from_the_seed_then_marked_illustrative(industry):
    assert all(s.illustrative for s in get_benchmark(industry).sources.values())
