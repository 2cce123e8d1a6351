"""The data-quality score of a CRM contact's history (seed 004 "Data Quality Scoring"), exactly:

- interaction volume, up to 50: 2.5 points per interaction (activities + e-mails + comments);
- e-mail engagement data, 20: at least 3 tracked e-mails 20, 1-2 give 10, none 0;
- deal history, 20: a closed deal (won or lost) 20, open deals only 10, none 0;
- pattern recognition, 10: 10 when at least two activity patterns can be derived from at
  least 5 timestamped interactions, 5 for one.

An e-mail is tracked when its record carries tracking data (an ``opens`` or ``clicks`` list,
even empty, or a reply time). An activity pattern is a preferred channel, weekday or hour band:
derivable when its most common value holds at least ``PATTERN_SHARE`` of the timestamped
interactions (a preference, not the spread of a handful).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

POINTS_PER_INTERACTION = 2.5
VOLUME_MAX = 50.0
EMAIL_MAX = 20.0
DEAL_MAX = 20.0
PATTERN_MAX = 10.0
MIN_TIMESTAMPED = 5
PATTERN_SHARE = 0.4
WARSAW = ZoneInfo("Europe/Warsaw")
HOUR_BANDS = (
    (0, 9, "rano"),
    (9, 12, "przed południem"),
    (12, 17, "po południu"),
    (17, 24, "wieczorem"),
)


@dataclass(frozen=True)
class Touch:
    """One timestamped interaction: when, and through which channel (call, meeting, email...)."""

    at: datetime
    channel: str


@dataclass(frozen=True)
class HistoryCounts:
    """What the score is computed from."""

    interactions: int
    tracked_emails: int
    closed_deals: int
    open_deals: int
    patterns: int  # activity patterns derivable (see derivable_patterns)


@dataclass(frozen=True)
class QualityPart:
    points: float
    max: float
    why: str


@dataclass(frozen=True)
class Quality:
    score: float
    parts: dict[str, QualityPart]

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "parts": {
                name: {"points": p.points, "max": p.max, "why": p.why}
                for name, p in self.parts.items()
            },
        }


def local(at: datetime) -> datetime:
    """The time in Poland: a 9:00 meeting in Warsaw is a morning one, whatever UTC says."""
    return at.astimezone(WARSAW)


def hour_band(at: datetime) -> str:
    """The Polish time of day of ``at`` (read in Warsaw time)."""
    hour = local(at).hour
    return next(name for start, end, name in HOUR_BANDS if start <= hour < end)


def derivable_patterns(touches: Sequence[Touch]) -> dict[str, str]:
    """The activity patterns the timestamped interactions show: {pattern: preferred value}
    for channel, weekday and hour band; none below MIN_TIMESTAMPED interactions."""
    if len(touches) < MIN_TIMESTAMPED:
        return {}
    found = {}
    for name, values in (
        ("channel", [t.channel for t in touches]),
        ("weekday", [str(local(t.at).isoweekday()) for t in touches]),
        ("hour_band", [hour_band(t.at) for t in touches]),
    ):
        value, count = Counter(values).most_common(1)[0]
        if count / len(touches) >= PATTERN_SHARE:
            found[name] = value
    return found


def quality_score(counts: HistoryCounts) -> Quality:
    """The score (0-100) and each part with its points and reason."""
    if min(vars(counts).values()) < 0:
        raise ValueError(f"counts cannot be negative: {counts}")
    volume = min(VOLUME_MAX, POINTS_PER_INTERACTION * counts.interactions)
    tracked = counts.tracked_emails
    email = EMAIL_MAX if tracked >= 3 else EMAIL_MAX / 2 if tracked >= 1 else 0.0
    deals = DEAL_MAX if counts.closed_deals else DEAL_MAX / 2 if counts.open_deals else 0.0
    patterns = PATTERN_MAX if counts.patterns >= 2 else PATTERN_MAX / 2 if counts.patterns else 0.0
    parts = {
        "interaction_volume": QualityPart(
            volume, VOLUME_MAX, f"{counts.interactions} interactions x 2.5, at most 50"
        ),
        "email_engagement": QualityPart(
            email, EMAIL_MAX, f"{tracked} tracked e-mails (3 or more: 20; 1-2: 10)"
        ),
        "deal_history": QualityPart(
            deals,
            DEAL_MAX,
            f"{counts.closed_deals} closed, {counts.open_deals} open deals "
            "(a closed one: 20; open only: 10)",
        ),
        "pattern_recognition": QualityPart(
            patterns, PATTERN_MAX, f"{counts.patterns} activity patterns (2 or more: 10; 1: 5)"
        ),
    }
    return Quality(score=sum(p.points for p in parts.values()), parts=parts)
