"""Industry benchmarks of contacts' behaviour and the comparison through a metric's interval."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.tools.test_crm_persona_metrics import T0, email
from tools.crm_persona.benchmarks import DATA_FILE, benchmark_for, compare_rate, compared
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact
from tools.stats import rate


def test_every_row_is_within_seed_004s_ranges_and_names_its_source():
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["benchmarks"]
    for row in rows:
        assert 0.22 <= row["email_engagement"] <= 0.36
        assert 45 <= row["deal_cycle_days"] <= 180
        assert 24 <= row["response_hours"] <= 48
        assert row["source"]


@pytest.mark.parametrize(
    ("industry", "employees", "size", "matched"),
    [
        ("Technology", 12, "1-50", True),
        ("technologia", 150, "51-200", True),
        ("tech", 5000, "200+", True),
        ("healthcare", 5000, "any", True),
        ("finanse", None, "any", True),
        ("górnictwo", 80, "any", False),
    ],
)
def test_benchmark_row_by_industry_and_technology_by_size(industry, employees, size, matched):
    row = benchmark_for(industry, employees)
    assert (row.size, row.matched) == (size, matched)


@pytest.mark.parametrize(
    ("successes", "n", "verdict"),
    [(18, 20, "above"), (1, 20, "below"), (6, 20, "consistent"), (1, 2, "insufficient_data")],
)
def test_compare_rate_uses_the_whole_interval(successes, n, verdict):
    assert compare_rate(rate(successes, n, min_n=3).as_dict(), 0.3)["verdict"] == verdict


def test_compared_puts_each_metric_beside_its_benchmark():
    emails = [email(i, opens=[], replied_at=T0 + timedelta(days=i, hours=3)) for i in range(8)]
    contact = Contact.model_validate({"id": "c", "name": "X", "emails": emails})
    found = compared(behaviour(contact), "technology", 20)
    assert found["benchmark"]["size"] == "1-50"
    assert found["email_engagement"]["verdict"] == "above"  # 8 replies of 8
    assert found["response_hours"]["verdict"] == "faster"  # 3 h against 24 h
    assert found["deal_cycle_days"]["verdict"] == "insufficient_data"
