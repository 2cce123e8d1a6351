"""Score a persona 0-100: start from 100 and subtract each issue's penalty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_SCORE = 100


def score(issues: Iterable[Mapping[str, Any]]) -> int:
    """Return 100 minus the issues' penalties, floored at 0."""
    return max(0, MAX_SCORE - sum(int(i["penalty"]) for i in issues))
