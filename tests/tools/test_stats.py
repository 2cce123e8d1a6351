"""Rates with their n and a Wilson interval (tools/stats.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.stats import rate, wilson


def test_wilson_when_8_of_10_at_95_percent_then_the_known_interval():
    low, high = wilson(8, 10, 1.959964)
    assert low == pytest.approx(0.4901625, abs=1e-6)
    assert high == pytest.approx(0.9433178, abs=1e-6)


def test_rate_when_below_min_n_then_insufficient_data_and_no_number():
    found = rate(2, 4, min_n=5)
    assert found.status == "insufficient_data"
    assert found.value is None and found.low is None
    assert found.as_dict()["n"] == 4


def test_rate_when_weighted_successes_then_interval_around_the_share():
    found = rate(3.5, 10)
    assert found.value == pytest.approx(0.35)
    assert found.low < 0.35 < found.high


def test_rate_when_more_successes_than_n_then_refused():
    with pytest.raises(ValueError):
        rate(11, 10)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_rate_when_enough_data_then_the_share_lies_in_its_interval(pair):
    successes, n = pair
    found = rate(successes, n, min_n=1)
    assert 0 <= found.low <= found.value <= found.high <= 1
