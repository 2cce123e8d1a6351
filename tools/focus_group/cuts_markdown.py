"""A question's cuts by persona group in the Markdown report: a table per cut and its test."""

from __future__ import annotations

from typing import Any

from tools.focus_group.markdown_text import category_name, md, table
from tools.focus_group.report_format import (
    BY_LABELS,
    categories,
    group_counts,
    group_label,
    group_shares,
    number,
    p_value,
    percent,
)

SUMMARY_LABELS = {"mean": "średnia", "median": "mediana"}


def cuts_section(question: dict[str, Any]) -> list[str]:
    """Render the question's cuts: groups with counts and shares, then the chi-square or why not.

    The cut's `note` comes from the analysis in Polish; reports stored before it was Polish
    show their English notes as they are.
    """
    cuts = question.get("cuts") or []
    if not cuts:
        return []
    lines = ["### Podziały", ""]
    for cut in cuts:
        by = BY_LABELS.get(cut.get("by"), md(cut.get("by")))
        lines += [f"#### Według: {by}", ""]
        lines += _cut_table(question, cut)
        if cut.get("missing"):
            lines += [f"Bez danych o tej cesze: {number(cut['missing'])} odpowiedzi.", ""]
        test, note = cut.get("chi_square"), md(cut["note"]) if cut.get("note") else ""
        if test:
            lines.append(
                f"Test chi-kwadrat: statystyka {number(test.get('statistic'), 2)}, "
                f"stopnie swobody {test.get('dof')}, {p_value(test.get('p_value'))}"
                + (f"; {note}." if note else ".")
            )
        else:
            lines.append("Test chi-kwadrat: nie policzono" + (f": {note}." if note else "."))
        lines.append("")
    return lines


def _cut_table(question: dict[str, Any], cut: dict[str, Any]) -> list[str]:
    groups = cut.get("groups") or []
    if not groups:
        return ["Brak grup.", ""]
    keys = categories(question) if any(g.get("counts") or g.get("shares") for g in groups) else []
    scalars = [k for k in SUMMARY_LABELS if any(k in g for g in groups)]
    header = ["grupa", "n"] + [category_name(question, k) for k in keys]
    header += [SUMMARY_LABELS[k] for k in scalars]
    rows = []
    for group in groups:
        counts, shares = group_counts(group), group_shares(group)
        row = [md(group_label(group)), number(group.get("n", 0))]
        row += [f"{number(counts.get(k, 0))} ({percent(shares.get(k, 0.0))})" for k in keys]
        row += [_scalar(group.get(k)) for k in scalars]
        rows.append(row)
    return table(header, rows)


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "–"
    return number(value, 2) if isinstance(value, int | float) else md(value)
