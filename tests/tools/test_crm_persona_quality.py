"""The CRM data-quality score (seed 004): its exact parts, and properties over any counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.crm_persona.quality import (
    HistoryCounts,
    Touch,
    derivable_patterns,
    quality_score,
)

counts = st.builds(
    HistoryCounts,
    interactions=st.integers(0, 500),
    tracked_emails=st.integers(0, 50),
    closed_deals=st.integers(0, 10),
    open_deals=st.integers(0, 10),
    patterns=st.integers(0, 3),
)


@pytest.mark.parametrize(
    ("values", "score", "parts"),
    [
        ((0, 0, 0, 0, 0), 0, (0, 0, 0, 0)),
        ((1, 1, 0, 1, 1), 27.5, (2.5, 10, 10, 5)),
        ((8, 2, 1, 0, 2), 60, (20, 10, 20, 10)),
        ((19, 3, 0, 0, 0), 67.5, (47.5, 20, 0, 0)),
        ((20, 3, 1, 2, 3), 100, (50, 20, 20, 10)),
        ((400, 40, 5, 5, 3), 100, (50, 20, 20, 10)),
    ],
)
def test_score_when_counts_given_then_each_part_as_seed_004_says(values, score, parts):
    quality = quality_score(HistoryCounts(*values))
    assert quality.score == score
    assert tuple(p.points for p in quality.parts.values()) == parts


@given(counts)
def test_score_when_any_counts_then_between_0_and_100_and_each_part_capped(c):
    quality = quality_score(c)
    assert 0 <= quality.score <= 100
    assert all(0 <= p.points <= p.max for p in quality.parts.values())
    assert quality.score == sum(p.points for p in quality.parts.values())


@given(counts, st.integers(1, 100))
def test_score_when_more_interactions_then_never_lower(c, more):
    bigger = HistoryCounts(
        c.interactions + more, c.tracked_emails, c.closed_deals, c.open_deals, c.patterns
    )
    assert quality_score(bigger).score >= quality_score(c).score


def test_score_when_counts_negative_then_refused():
    with pytest.raises(ValueError):
        quality_score(HistoryCounts(-1, 0, 0, 0, 0))


MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_patterns_when_fewer_than_5_timestamped_then_none():
    touches = [Touch(MONDAY_10 + timedelta(weeks=i), "call") for i in range(4)]
    assert derivable_patterns(touches) == {}


def test_patterns_when_calls_on_mondays_mornings_then_channel_weekday_and_band():
    touches = [Touch(MONDAY_10 + timedelta(weeks=i), "call") for i in range(5)]
    assert derivable_patterns(touches) == {
        "channel": "call",
        "weekday": "1",
        "hour_band": "przed południem",
    }


def test_patterns_when_spread_evenly_then_no_preference_is_claimed():
    channels = ["call", "meeting", "email", "note", "task"]
    touches = [Touch(MONDAY_10 + timedelta(days=i, hours=3 * i), channels[i]) for i in range(5)]
    found = derivable_patterns(touches)
    assert "channel" not in found and "weekday" not in found
