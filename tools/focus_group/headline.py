"""The headline of a focus-group report: 3-8 plain-text lines of its main numbers (the CLI's)."""

from __future__ import annotations

from typing import Any

from tools.focus_group.report_format import (
    budget_use,
    categories,
    category_labels,
    number,
    percent,
    usd,
)

MODES = {"survey": "ankieta", "discussion": "dyskusja"}
MAX_HEADLINE_QUESTIONS = 6


def headline(report: dict[str, Any]) -> list[str]:
    """Summarise the report in 3-8 short plain-text lines (the numbers the CLI prints)."""
    cells, questions = report.get("cells") or {}, report.get("questions") or []
    mode = MODES.get(report.get("mode"), str(report.get("mode")))
    lines = [
        f"Grupa {report.get('focus_group_id', '')} ({mode}): odpowiedzi "
        f"{cells.get('answered', 0)}/{cells.get('total', 0)}, nieudane {cells.get('failed', 0)}, "
        f"pominięte (budżet) {cells.get('skipped_budget', 0)}"
    ]
    shown = questions
    if len(questions) > MAX_HEADLINE_QUESTIONS:
        shown = questions[: MAX_HEADLINE_QUESTIONS - 1]
    lines += [_question_headline(q) for q in shown]
    if not questions:
        lines.append("Brak pytań w raporcie.")
    elif len(shown) < len(questions):
        rest = questions[len(shown) :]
        alarms = sum(bool((q.get("homogeneity") or {}).get("collapsed")) for q in rest)
        lines.append(f"… i {len(rest)} kolejnych pytań (alarm jednorodności: {alarms})")
    spend, used = report.get("spend") or {}, budget_use(report)
    lines.append(
        f"Koszt: {number(spend.get('tokens'))} tokenów, {usd(spend.get('usd'))}"
        + (f" ({used} budżetu)" if used else " (bez limitu budżetu)")
    )
    return lines


def _question_headline(question: dict[str, Any]) -> str:
    kind, d = question.get("type"), question.get("distribution") or {}
    head = f"{question.get('id', '')} (n={question.get('n', 0)}): "
    if kind in ("likert", "single_choice", "multi_choice") and not sum(
        (d.get("counts") or {}).values()
    ):
        head += "brak odpowiedzi"
    elif kind == "likert":
        shares = d.get("shares") or {}
        top = max(categories(question), key=lambda k: shares.get(k, 0.0), default=None)
        head += f"średnia {number(d.get('mean'), 2)}"
        if top is not None:
            head += f", najczęściej {top} ({percent(shares.get(top, 0.0))})"
    elif kind in ("single_choice", "multi_choice"):
        shares = d.get("shares") or {}
        top = max(categories(question), key=lambda k: shares.get(k, 0.0), default=None)
        label = _short(category_labels(question).get(top, top))
        head += (
            f"najczęściej „{label}” ({percent(shares.get(top, 0.0))})" if top else "brak odpowiedzi"
        )
    elif kind == "numeric":
        unit = f" {question['unit']}" if question.get("unit") else ""
        head += f"mediana {number(d.get('median'), 2)}{unit}"
    elif question.get("themes"):
        theme = max(question["themes"], key=lambda t: t.get("size", 0))
        head += f"główny temat „{_short(theme.get('label', ''))}” ({percent(theme.get('share'))})"
    else:
        head += "brak tematów"
    if (question.get("homogeneity") or {}).get("collapsed"):
        head += " — ALARM: odpowiedzi ujednolicone"
    return head


def _short(text: Any, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
