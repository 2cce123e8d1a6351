"""How closely a generated set follows its segment's target marginals.

Per dimension: Pearson's chi-square goodness of fit (``scipy.stats.chisquare``) and the total
variation distance. Categories expected fewer than ``MIN_EXPECTED`` times are pooled (the
usual validity rule of the chi-square approximation) for both; ``tvd_raw`` is the distance
over every category. A dimension the segment fixes to one value has nothing to test and is
reported as fixed. Significance is judged against a
Bonferroni-corrected alpha over every dimension tested in the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from scipy import stats

MIN_EXPECTED = 5.0
DIMENSIONS = ("age_bin", "gender", "education", "income_bracket", "location")


def total_variation(observed: Mapping[str, int], target: Mapping[str, float]) -> float:
    """Half the L1 distance between the observed shares and the target distribution."""
    n = sum(observed.values())
    keys = set(observed) | set(target)
    return 0.5 * sum(abs(observed.get(k, 0) / n - target.get(k, 0.0)) for k in keys)


def _pooled(
    observed: Mapping[str, int], target: Mapping[str, float], n: int
) -> tuple[list[int], list[float], list[str]]:
    """Observed and expected counts with small-expectation categories pooled into one."""
    keys = sorted(target, key=lambda k: -target[k])
    big = [k for k in keys if target[k] * n >= MIN_EXPECTED]
    small = [k for k in keys if k not in big]
    obs = [observed.get(k, 0) for k in big]
    exp = [target[k] * n for k in big]
    if small:
        pooled_exp = sum(target[k] for k in small) * n
        pooled_obs = sum(observed.get(k, 0) for k in small)
        if pooled_exp >= MIN_EXPECTED or not big:
            obs.append(pooled_obs)
            exp.append(pooled_exp)
        else:  # still too small alone: join it to the smallest tested category
            obs[-1] += pooled_obs
            exp[-1] += pooled_exp
    # Observed values outside the target's support (should not happen) count against it.
    obs[-1] += sum(v for k, v in observed.items() if k not in target)
    return obs, exp, small


def check_dimension(values: Iterable[str], target: Mapping[str, float]) -> dict[str, Any]:
    """Return the chi-square test and TVD of one dimension's observed values vs ``target``."""
    observed = Counter(values)
    n = sum(observed.values())
    support = {k: p for k, p in target.items() if p > 0}
    total = sum(support.values())
    support = {k: p / total for k, p in support.items()}
    result: dict[str, Any] = {
        "n": n,
        "observed": dict(sorted(observed.items())),
        "target": {k: round(p, 4) for k, p in sorted(support.items())},
    }
    result["tvd"] = result["tvd_raw"] = round(total_variation(observed, support), 4)
    if len(support) < 2:
        return {**result, "tested": False, "reason": "fixed by the segment's constraints"}
    obs, exp, pooled = _pooled(observed, support, n)
    if len(obs) < 2:
        return {**result, "tested": False, "reason": f"too few people (n={n}) to test"}
    chi2, p_value = stats.chisquare(obs, exp)
    return {
        **result,
        # Over the tested (pooled) categories: with 40 places and n=200 most cities are
        # expected under one person, and the raw distance measures rounding, not fit.
        "tvd": round(0.5 * sum(abs(o - e) for o, e in zip(obs, exp, strict=True)) / n, 4),
        "tested": True,
        "chi2": round(float(chi2), 3),
        "dof": len(obs) - 1,
        "p_value": float(p_value),
        "pooled_categories": pooled,
    }


def fidelity_report(
    groups: Mapping[str, tuple[list[Mapping[str, Any]], Mapping[str, Mapping[str, float]]]],
    *,
    alpha: float = 0.05,
    max_tvd: float = 0.05,
) -> dict[str, Any]:
    """Test every dimension of every group (segment id -> (people, target marginals)).

    The verdict of each test uses alpha divided by the number of tests (Bonferroni). A group
    with nobody in it fails; with no group at all nothing is assessed (``passed`` is None).
    """
    empty = [group for group, (people, _) in groups.items() if not people]
    results = {
        group: {dim: check_dimension([p[dim] for p in people], targets[dim]) for dim in DIMENSIONS}
        for group, (people, targets) in groups.items()
        if people
    }
    tested = [r for dims in results.values() for r in dims.values() if r["tested"]]
    corrected = alpha / max(len(tested), 1)
    for dims in results.values():
        for r in dims.values():
            # Untested dimensions (fixed, or too few people to pool) carry no verdict.
            if r["tested"]:
                r["tvd_ok"] = r["tvd"] <= max_tvd
                r["fits"] = r["p_value"] > corrected
    failures = [
        f"{group}.{dim}"
        for group, dims in results.items()
        for dim, r in dims.items()
        if r["tested"] and (not r["tvd_ok"] or not r["fits"])
    ]
    failures += [f"{group}: nobody kept" for group in empty]
    return {
        "alpha": alpha,
        "tests": len(tested),
        "bonferroni_alpha": round(corrected, 6),
        "max_tvd": max_tvd,
        "passed": (not failures) if groups else None,
        "failures": failures,
        "segments": results,
    }
