"""Which charts a focus-group report gets and what each shows, decided without drawing.

The Markdown report links exactly these charts and the API serves them by name, so both ask
here; `charts.render_charts` draws them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from tools.focus_group.report_format import group_shares

MAX_THEMES, MAX_CUT_GROUPS = 10, 6
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

Kind = Literal["distribution", "themes", "cut"]


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its file name, the question (index in report["questions"]) and what it shows."""

    name: str
    question: int
    kind: Kind
    cut: int | None = None


def chart_plan(report: dict[str, Any]) -> list[ChartSpec]:
    """List the charts `render_charts` draws, in report order, without drawing them."""
    plan, used = [], set()
    for index, question in enumerate(report.get("questions") or []):
        base = _UNSAFE.sub("_", str(question.get("id") or "")) or f"q{index + 1}"
        if base in used:  # two ids that differ only in unsafe characters
            base = f"{base}-{index + 1}"
        used.add(base)
        if has_distribution(question):
            plan.append(ChartSpec(f"{base}_distribution.png", index, "distribution"))
        if question.get("type") == "open" and chart_themes(question):
            plan.append(ChartSpec(f"{base}_themes.png", index, "themes"))
        cut = best_cut(question)
        if cut is not None:
            by = _UNSAFE.sub("_", str(question["cuts"][cut].get("by") or "")) or "grupa"
            plan.append(ChartSpec(f"{base}_cut_{by}.png", index, "cut", cut))
    return plan


def chart_names(report: dict[str, Any]) -> list[str]:
    """Return the file names `render_charts` would produce, without rendering."""
    return [spec.name for spec in chart_plan(report)]


def best_cut(question: dict[str, Any]) -> int | None:
    """The index of the cut worth a chart: the smallest chi-square p-value, else the first usable."""
    usable = [i for i, cut in enumerate(question.get("cuts") or []) if cut_series(cut)]
    tested = [
        i
        for i in usable
        if (question["cuts"][i].get("chi_square") or {}).get("p_value") is not None
    ]
    if tested:
        return min(tested, key=lambda i: question["cuts"][i]["chi_square"]["p_value"])
    return usable[0] if usable else None


def has_distribution(question: dict[str, Any]) -> bool:
    """Whether the question has answers to draw as a distribution (bars or a histogram)."""
    distribution = question.get("distribution") or {}
    if question.get("type") == "numeric":
        return sum((distribution.get("histogram") or {}).get("counts") or []) > 0
    if question.get("type") in ("likert", "single_choice", "multi_choice"):
        return sum((distribution.get("counts") or {}).values()) > 0
    return False


def chart_themes(question: dict[str, Any]) -> list[dict[str, Any]]:
    """The themes a chart shows: those with answers, at most `MAX_THEMES`."""
    return [t for t in question.get("themes") or [] if t.get("size")][:MAX_THEMES]


def chart_groups(cut: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups a cut's chart shows: the largest `MAX_CUT_GROUPS` with answers."""
    groups = [g for g in cut.get("groups") or [] if g.get("n")]
    return sorted(groups, key=lambda g: -g["n"])[:MAX_CUT_GROUPS]


def cut_series(cut: dict[str, Any]) -> Literal["shares", "mean"] | None:
    """What a cut's chart shows: "shares" per category, "mean" per group, or None (no chart)."""
    groups = chart_groups(cut)
    if len(groups) < 2:
        return None
    if all(group_shares(g) for g in groups):
        return "shares"
    if all(isinstance(g.get("mean"), int | float) for g in groups):
        return "mean"
    return None
