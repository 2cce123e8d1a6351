"""Rates that carry their uncertainty: a share with its n and a Wilson score interval, or
``insufficient_data`` below a minimum n (the co-pilot's Dojo miner and CRM-history personas)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


def wilson(successes: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` out of ``n`` at ``z`` standard scores.

    ``successes`` may be fractional (weighted events, e.g. discounted e-mail opens); with
    ``n`` <= 0 the interval is the whole [0, 1]."""
    if n <= 0:
        return 0.0, 1.0
    p = min(max(successes / n, 0.0), 1.0)
    denominator = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if p == 0 else max(0.0, (centre - margin) / denominator)  # exact at the ends
    high = 1.0 if p == 1 else min(1.0, (centre + margin) / denominator)
    return low, high


@dataclass(frozen=True)
class Rate:
    """A share with what it rests on; ``value`` and the interval are None when ``n`` is below
    the minimum (``status`` says ``insufficient_data``)."""

    successes: float
    n: int
    value: float | None
    low: float | None
    high: float | None
    status: str  # "ok" | "insufficient_data"
    min_n: int

    def as_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "n": self.n,
            "successes": self.successes,
            "interval": None if self.low is None else [self.low, self.high],
            "status": self.status,
            "min_n": self.min_n,
        }


def rate(successes: float, n: int, *, min_n: int = 5, confidence: float = 0.95) -> Rate:
    """The share ``successes / n`` with its Wilson interval, or insufficient data below
    ``min_n``."""
    if successes < 0 or n < 0 or successes > n:
        raise ValueError(f"a rate needs 0 <= successes <= n (got {successes} of {n})")
    if n < max(1, min_n):
        return Rate(successes, n, None, None, None, "insufficient_data", min_n)
    low, high = wilson(successes, n, float(norm.ppf(0.5 + confidence / 2)))
    return Rate(successes, n, successes / n, low, high, "ok", min_n)
