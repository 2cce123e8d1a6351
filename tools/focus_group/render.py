"""A focus-group report as Polish Markdown: the run's overview, then one section per question.

The question sections live in `question_markdown` (cuts in `cuts_markdown`), answer quality in
`quality_markdown`, the CLI's headline in `headline`; `headline` and `md` stay importable from
here. User text is escaped (see `markdown_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.focus_group.chart_specs import chart_plan
from tools.focus_group.headline import MODES, headline
from tools.focus_group.markdown_text import md, table
from tools.focus_group.quality_markdown import quality_section
from tools.focus_group.question_markdown import question_section
from tools.focus_group.report_format import budget_use, number, plural, usd

__all__ = ["budget_use", "headline", "md", "persona_count", "render_markdown"]


def persona_count(report: dict[str, Any]) -> int:
    """The number of personas (the report may hold their ids or just the count)."""
    personas = report.get("personas")
    return len(personas) if isinstance(personas, list | tuple) else int(personas or 0)


def render_markdown(
    report: dict[str, Any], *, chart_url: Callable[[str], str] | None = None
) -> str:
    """Render the report as a Polish Markdown document with chart images.

    `chart_url` maps a chart's file name (see charts.chart_names) to the link written into the
    document; without it the file name itself is the link (charts saved beside the Markdown).
    """
    url = chart_url or (lambda name: name)
    charts: dict[int, list[tuple[str, str]]] = {}
    for spec in chart_plan(report):
        charts.setdefault(spec.question, []).append((spec.kind, spec.name))
    questions = report.get("questions") or []
    n_personas = persona_count(report)
    lines = [
        f"# Raport grupy fokusowej {md(report.get('focus_group_id', ''))}",
        "",
        f"Tryb: {MODES.get(report.get('mode'), md(report.get('mode')))}. "
        f"{n_personas} {plural(n_personas, 'persona', 'persony', 'person')}, "
        f"{len(questions)} {plural(len(questions), 'pytanie', 'pytania', 'pytań')}.",
        "",
    ]
    lines += _cells(report) + _spend(report) + _warnings(report) + quality_section(report)
    for index, question in enumerate(questions):
        lines += question_section(question, charts.get(index, []), url)
    return "\n".join(lines).rstrip() + "\n"


def _cells(report: dict[str, Any]) -> list[str]:
    cells = report.get("cells") or {}
    rows = [
        ["wszystkie", number(cells.get("total", 0))],
        ["z odpowiedzią", number(cells.get("answered", 0))],
        ["nieudane", number(cells.get("failed", 0))],
        ["pominięte (budżet)", number(cells.get("skipped_budget", 0))],
    ]
    return ["## Komórki (persona × pytanie × runda)", "", *table(["komórki", "liczba"], rows)]


def _spend(report: dict[str, Any]) -> list[str]:
    estimate, spend = report.get("estimate") or {}, report.get("spend") or {}
    budget = report.get("budget") or {}
    rows = [
        ["szacunek", number(estimate.get("tokens")), usd(estimate.get("usd"))],
        ["wydano", number(spend.get("tokens")), usd(spend.get("usd"))],
        ["budżet", number(budget.get("max_tokens")), usd(budget.get("max_usd"))],
    ]
    lines = ["## Koszt", "", *table(["", "tokeny", "USD"], rows)]
    used = budget_use(report)
    if used:
        lines += [f"Wykorzystano {used} budżetu.", ""]
    elif not budget:
        lines += ["Bez limitu budżetu.", ""]
    return lines


def _warnings(report: dict[str, Any]) -> list[str]:
    warnings = report.get("warnings") or []
    if not warnings:
        return []
    items = []
    for warning in warnings:
        if isinstance(warning, dict):
            code, message = warning.get("code"), warning.get("message", "")
            items.append(f"- {md(message)}" + (f" ({md(code)})" if code else ""))
        else:
            items.append(f"- {md(warning)}")
    return ["## Ostrzeżenia", "", *items, ""]
