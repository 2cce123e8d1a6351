"""Cuts: a question's answers summarised per persona group, with a chi-square where it holds.

Each answer brings a category (likert point, option, theme id, numeric quartile bin) and,
for numbers, a value. The chi-square of group x category (``scipy.stats.chi2_contingency``) is
run only where its approximation holds: groups with at least ``MIN_GROUP_N`` answers (smaller
ones are left out of the test), at least two such groups and two categories with answers,
and expected counts of at least 5 in 80% of the cells (Cochran's rule; no cell can expect 0
after empty categories are dropped). Otherwise ``chi_square`` is ``None``; ``note`` says why in
Polish (for the report) and ``note_code`` names the case (for clients).
Multi-choice answers are not one category each, so they get no test. Numbers are tested on
the quartile bins of all answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy.stats import chi2_contingency

DIMENSIONS = ("segment_id", "gender", "age_band", "education", "income_bracket", "location")
AGE_BANDS = ((18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"))
AGE_BANDS += ((55, 64, "55-64"), (65, 200, "65+"))
MIN_GROUP_N = 5
MIN_EXPECTED = 5.0
MIN_EXPECTED_SHARE = 0.8
MULTI_CHOICE_NOTE = (
    "osoba może wskazać kilka odpowiedzi (wielokrotny wybór), więc nie tworzą one rozłącznych "
    "kategorii"
)


class ChiSquareOutcome(NamedTuple):
    """A chi-square attempt: the result (or ``None``), why, in code and in Polish, and the
    groups left out of the test for having fewer than ``MIN_GROUP_N`` answers."""

    result: dict[str, Any] | None
    code: str  # tested | too_few_groups | one_category | expected_counts_low | multi_choice
    note: str
    left_out: list[str]


def age_band(age: Any) -> str | None:
    """The band of an age ("18-24" .. "65+"); ``None`` if missing or under 18."""
    if age is None:
        return None
    for low, high, label in AGE_BANDS:
        if low <= int(age) <= high:
            return label
    return None


def group_value(profile: Mapping[str, Any] | None, dimension: str) -> Any:
    """The persona's value in ``dimension`` (age as its band); ``None`` if unknown."""
    if not profile:
        return None
    if dimension == "age_band":
        return age_band(profile.get("age"))
    value = profile.get(dimension)
    return None if value in (None, "") else value


def quartile_bins(values: Sequence[float]) -> list[str]:
    """Each value's quartile bin of ``values`` ("Q1".."Q4"; ties may leave a bin empty)."""
    if not values:
        return []
    edges = np.percentile(values, [25, 50, 75])
    return [f"Q{int(np.searchsorted(edges, v, side='left')) + 1}" for v in values]


def chi_square(table: Mapping[Hashable, Counter]) -> ChiSquareOutcome:
    """Test group x category counts under the rule above (``None`` result where it fails)."""
    big = {g: c for g, c in table.items() if sum(c.values()) >= MIN_GROUP_N}
    small = sorted(str(g) for g in table if g not in big)
    left_out = f"; pominięto grupy poniżej {MIN_GROUP_N} odpowiedzi: {', '.join(small)}"
    left_out = left_out if small else ""
    if len(big) < 2:
        note = f"mniej niż 2 grupy mają po co najmniej {MIN_GROUP_N} odpowiedzi{left_out}"
        return ChiSquareOutcome(None, "too_few_groups", note, small)
    categories = sorted({k for c in big.values() for k, v in c.items() if v > 0}, key=str)
    if len(categories) < 2:
        return ChiSquareOutcome(
            None, "one_category", f"wszystkie odpowiedzi w jednej kategorii{left_out}", small
        )
    observed = np.array([[big[g].get(k, 0) for k in categories] for g in big], dtype=float)
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    share = float((expected >= MIN_EXPECTED).mean())
    if share < MIN_EXPECTED_SHARE:
        note = (
            f"tylko {share:.0%} komórek tabeli ma oczekiwaną liczność co najmniej "
            f"{MIN_EXPECTED:g} (potrzeba {MIN_EXPECTED_SHARE:.0%}){left_out}"
        )
        return ChiSquareOutcome(None, "expected_counts_low", note, small)
    result = chi2_contingency(observed)
    test = {
        "statistic": float(result.statistic),
        "dof": int(result.dof),
        "p_value": float(result.pvalue),
        "groups": [str(g) for g in big],
        "categories": [str(k) for k in categories],
    }
    note = f"policzono dla {len(big)} grup i {len(categories)} kategorii{left_out}"
    return ChiSquareOutcome(test, "tested", note, small)


def _summary(kind: str, categories: list[Any], values: list[float]) -> dict[str, Any]:
    if kind == "numeric":
        return {
            "mean": float(np.mean(values)) if values else None,
            "median": float(np.median(values)) if values else None,
        }
    counts = Counter(c for cats in categories for c in (cats if kind == "multi" else [cats]))
    summary: dict[str, Any] = {"counts": {str(k): counts[k] for k in sorted(counts, key=str)}}
    if kind == "likert":
        summary["mean"] = float(np.mean(categories)) if categories else None
    return summary


def cuts(
    rows: Sequence[Mapping[str, Any]], personas: Mapping[str, Mapping[str, Any]], kind: str
) -> list[dict[str, Any]]:
    """Summarise ``rows`` per group of every dimension.

    ``rows`` are ``{answer_id, persona_id, category, value?}``; ``kind`` is ``likert``,
    ``choice``, ``multi`` (category = list of option ids), ``numeric`` (value) or ``open``
    (category = theme id). Answers whose persona has no value in a dimension count as
    ``missing`` there.
    """
    if kind == "numeric":
        bins = quartile_bins([float(r["value"]) for r in rows])
        rows = [{**r, "category": b} for r, b in zip(rows, bins, strict=True)]
    result = []
    for dimension in DIMENSIONS:
        grouped: dict[Any, list[Mapping[str, Any]]] = {}
        missing = 0
        for row in rows:
            profile = personas.get(row["persona_id"])
            value = group_value(profile, dimension)
            if value is None:
                missing += 1
                continue
            grouped.setdefault(value, []).append(row)
        groups = []
        for value in sorted(grouped, key=lambda v: (-len(grouped[v]), str(v))):
            members = grouped[value]
            group = {"value": value, "n": len(members)}
            if dimension == "segment_id":
                group["label"] = (personas.get(members[0]["persona_id"]) or {}).get("segment_name")
            cats = [m["category"] for m in members]
            vals = [float(m["value"]) for m in members if m.get("value") is not None]
            group.update(_summary(kind, cats, vals))
            groups.append(group)
        if kind == "multi":
            outcome = ChiSquareOutcome(None, "multi_choice", MULTI_CHOICE_NOTE, [])
        else:
            table = {
                g["value"]: Counter(m["category"] for m in grouped[g["value"]]) for g in groups
            }
            outcome = chi_square(table)
            if kind == "numeric":
                note = f"test na przedziałach kwartylowych wartości (Q1–Q4); {outcome.note}"
                outcome = outcome._replace(note=note)
        result.append(
            {
                "by": dimension,
                "groups": groups,
                "missing": missing,
                "chi_square": outcome.result,
                "note": outcome.note,
                "note_code": outcome.code,
                "left_out": outcome.left_out,
            }
        )
    return result
