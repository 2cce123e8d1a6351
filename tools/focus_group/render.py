"""A focus-group report as Polish Markdown, and its headline numbers for the CLI.

User text (question and option texts, quotes, theme labels, warnings) is escaped: it stays on one
line, cannot close a table cell, start a list or heading, or pass HTML through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tools.focus_group.charts import (
    BY_LABELS,
    categories,
    category_labels,
    chart_plan,
    group_counts,
    group_label,
    group_shares,
    number,
    p_value,
    percent,
)

MODES = {"survey": "ankieta", "discussion": "dyskusja"}
SENTIMENTS = {"positive": "pozytywny", "neutral": "neutralny", "negative": "negatywny"}
METHODS = {"model": "model", "lexicon": "leksykon"}
SSR_STATUS = {"ok": "wiarygodne", "unreliable": "NIEWIARYGODNE", "unavailable": "niedostępne"}
CHART_ALT = {"distribution": "Rozkład odpowiedzi", "themes": "Tematy", "cut": "Podział"}
SUMMARY_LABELS = {"mean": "średnia", "median": "mediana"}
MAX_HEADLINE_QUESTIONS = 6
# Brackets escaped, so "(...)" and "!" can no longer form a link or an image.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_LIST_ITEM = re.compile(r"^(\d+)\.")  # "1." opens an ordered list


def md(text: Any) -> str:
    """Escape user text for one Markdown line or table cell (no HTML, no `|`, no line breaks)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A leading "-", "+", "#", "=" or "1." would make a list item or a heading.
    text = "\\" + text if text.startswith(("-", "+", "#", "=")) else text
    return _LIST_ITEM.sub(r"\1\\.", text)


def question_type(question: dict[str, Any]) -> str:
    """The question's type in Polish ("skala Likerta 1–5", "pytanie otwarte", ...)."""
    kind = question.get("type")
    if kind == "likert":
        return f"skala Likerta 1–{question.get('scale') or len(categories(question)) or 5}"
    return {
        "open": "pytanie otwarte",
        "single_choice": "jednokrotny wybór",
        "multi_choice": "wielokrotny wybór",
        "numeric": "liczba",
    }.get(kind, md(kind))


def plural(n: int, one: str, few: str, many: str) -> str:
    """Polish plural: 1 persona, 2 persony, 5 person, 22 persony."""
    if n == 1:
        return one
    return few if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else many


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
    charts: dict[int, list] = {}
    for spec in chart_plan(report):
        charts.setdefault(spec.question, []).append(spec)
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
    lines += _cells(report) + _spend(report) + _warnings(report)
    for index, question in enumerate(questions):
        lines += _question(question, [(s.kind, s.name) for s in charts.get(index, [])], url)
    return "\n".join(lines).rstrip() + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def _cells(report: dict[str, Any]) -> list[str]:
    cells = report.get("cells") or {}
    rows = [
        ["wszystkie", number(cells.get("total", 0))],
        ["z odpowiedzią", number(cells.get("answered", 0))],
        ["nieudane", number(cells.get("failed", 0))],
        ["pominięte (budżet)", number(cells.get("skipped_budget", 0))],
    ]
    return ["## Komórki (persona × pytanie × runda)", "", *_table(["komórki", "liczba"], rows)]


def _usd(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 4)} USD"


def _spend(report: dict[str, Any]) -> list[str]:
    estimate, spend = report.get("estimate") or {}, report.get("spend") or {}
    budget = report.get("budget") or {}
    rows = [
        ["szacunek", number(estimate.get("tokens")), _usd(estimate.get("usd"))],
        ["wydano", number(spend.get("tokens")), _usd(spend.get("usd"))],
        ["budżet", number(budget.get("max_tokens")), _usd(budget.get("max_usd"))],
    ]
    lines = ["## Koszt", "", *_table(["", "tokeny", "USD"], rows)]
    used = budget_use(report)
    if used:
        lines += [f"Wykorzystano {used} budżetu.", ""]
    elif not budget:
        lines += ["Bez limitu budżetu.", ""]
    return lines


def budget_use(report: dict[str, Any]) -> str:
    """How much of the budget the spend took ("42,0% tokenów, 12,5% USD"), or "" without one."""
    spend, budget = report.get("spend") or {}, report.get("budget") or {}
    parts = []
    for limit, used, unit in (("max_tokens", "tokens", "tokenów"), ("max_usd", "usd", "USD")):
        if budget.get(limit) and spend.get(used) is not None:
            parts.append(f"{percent(spend[used] / budget[limit])} {unit}")
    return ", ".join(parts)


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


def _question(question: dict[str, Any], charts: list[tuple[str, str]], url) -> list[str]:
    qid = md(question.get("id", ""))
    lines = [
        f"## Pytanie {qid}",
        "",
        f"> {md(question.get('text', ''))}",
        "",
        f"Typ: {question_type(question)}. Odpowiedzi policzone (n): {question.get('n', 0)}.",
        "",
    ]
    lines += _homogeneity(question)
    kind = question.get("type")
    if kind in ("likert", "single_choice", "multi_choice"):
        lines += _categorical(question)
    elif kind == "numeric":
        lines += _numeric(question)
    if kind == "likert":
        lines += _ssr(question)
    if question.get("themes"):
        lines += _themes(question)
    if question.get("sentiment"):
        lines += _sentiment(question["sentiment"])
    images = {k: f"![{CHART_ALT[k]}: {qid}]({url(name)})" for k, name in charts}
    lines += [line for k in ("distribution", "themes") if k in images for line in (images[k], "")]
    lines += _cuts(question)
    return lines + ([images["cut"], ""] if "cut" in images else [])


def _homogeneity(question: dict[str, Any]) -> list[str]:
    h = question.get("homogeneity") or {}
    if not h:
        return []
    facts = [
        f"udział dominującej odpowiedzi {percent(h.get('modal_share'))}"
        if h.get("modal_share") is not None
        else "",
        f"znormalizowana entropia {number(h.get('normalized_entropy'), 2)}"
        if h.get("normalized_entropy") is not None
        else "",
        f"średnie podobieństwo odpowiedzi (cosinus) {number(h.get('mean_pairwise_cosine'), 2)}"
        if h.get("mean_pairwise_cosine") is not None
        else "",
    ]
    facts_text = "; ".join(f for f in facts if f)
    if not h.get("collapsed"):
        return [f"Jednorodność: bez alarmu ({facts_text}).", ""] if facts_text else []
    reasons = [f"> - {md(reason)}" for reason in h.get("reasons") or []]
    return [
        "> **⚠ ALARM JEDNORODNOŚCI: odpowiedzi zlały się w jedno.** Persony odpowiadają niemal "
        "tak samo; wyniki tego pytania nie oddają zróżnicowania grupy.",
        ">",
        f"> Wskaźniki: {facts_text}." if facts_text else ">",
        *([">", "> Powody:", *reasons] if reasons else []),
        "",
    ]


def _categorical(question: dict[str, Any]) -> list[str]:
    distribution = question.get("distribution") or {}
    counts, shares = distribution.get("counts") or {}, distribution.get("shares") or {}
    likert = question.get("type") == "likert"
    ssr = question.get("ssr") or {}
    ssr_shares = (ssr.get("distribution") or {}) if ssr.get("status") != "unavailable" else {}
    header = ["punkt" if likert else "odpowiedź", "liczba", "udział"]
    if ssr_shares:
        header.append("SSR (niewiarygodne)" if ssr.get("status") == "unreliable" else "SSR")
    rows = []
    for key in categories(question):
        row = [
            category_name(question, key),
            number(counts.get(key, 0)),
            percent(shares.get(key, 0.0)),
        ]
        rows.append(row + ([percent(ssr_shares.get(key))] if ssr_shares else []))
    lines = ["### Rozkład", "", *_table(header, rows)]
    if question.get("type") == "multi_choice":
        lines += ["Wielokrotny wybór: udziały nie sumują się do 100%.", ""]
    if likert:
        stats = f"Średnia {number(distribution.get('mean'), 2)}"
        lines += [f"{stats}, mediana {number(distribution.get('median'), 1)}.", ""]
    return lines


def category_name(question: dict[str, Any], key: str) -> str:
    """A category for a table cell: "4 raczej tak", "Marka A (a)", a theme's label."""
    label = category_labels(question).get(key)
    if label is None or label == key:
        return md(key)
    if question.get("type") == "likert":
        return f"{md(key)} {md(label)}"
    return md(label) if question.get("type") == "open" else f"{md(label)} ({md(key)})"


def _numeric(question: dict[str, Any]) -> list[str]:
    d = question.get("distribution") or {}
    unit = f" {md(question['unit'])}" if question.get("unit") else ""
    names = [
        ("n", "n"),
        ("mean", "średnia"),
        ("median", "mediana"),
        ("p25", "kwartyl dolny (p25)"),
        ("p75", "kwartyl górny (p75)"),
        ("min", "minimum"),
        ("max", "maksimum"),
    ]
    rows = [[label, number(d.get(key), 2) + ("" if key == "n" else unit)] for key, label in names]
    rows[0][1] = number(d.get("n", question.get("n")))
    lines = ["### Rozkład", "", *_table(["statystyka", "wartość"], rows)]
    histogram = d.get("histogram") or {}
    edges, counts = histogram.get("edges") or [], histogram.get("counts") or []
    total = sum(counts)
    if counts and total:
        bins = [
            [
                f"{number(a, 2)}–{number(b, 2)}",
                number(c),
                percent(c / total),
            ]
            for a, b, c in zip(edges, edges[1:], counts, strict=False)
        ]
        lines += _table(["przedział", "liczba", "udział"], bins)
    return lines


def _ssr(question: dict[str, Any]) -> list[str]:
    ssr = question.get("ssr")
    if not ssr:
        return []
    status = ssr.get("status")
    mean = f" Średnia według SSR: {number(ssr.get('mean'), 2)}." if ssr.get("mean") else ""
    if status == "unreliable":
        return [
            "**SSR (ocena przez podobieństwo semantyczne uzasadnień) jest NIEWIARYGODNE:** "
            "kontrola jakości nie przeszła, nie opieraj na nim wniosków; liczy się rozkład "
            f"deklarowany.{mean}",
            "",
        ]
    if status == "ok":
        return [f"SSR (ocena przez podobieństwo semantyczne uzasadnień): wiarygodne.{mean}", ""]
    return ["SSR: niedostępne dla tego pytania.", ""]


def _themes(question: dict[str, Any]) -> list[str]:
    rows = []
    for theme in question.get("themes") or []:
        quote = theme.get("quote") or {}
        said = (
            f"„{md(quote.get('text', ''))}” — persona {md(quote.get('persona_id', ''))}"
            if quote
            else "–"
        )
        rows.append(
            [
                md(theme.get("label", theme.get("id", ""))),
                number(theme.get("size", 0)),
                percent(theme.get("share")),
                said,
            ]
        )
    return ["### Tematy", "", *_table(["temat", "liczba", "udział", "cytat"], rows)]


def _sentiment(sentiment: dict[str, Any]) -> list[str]:
    counts = sentiment.get("counts") or {}
    parts = [f"{SENTIMENTS[k]} {number(counts.get(k, 0))}" for k in SENTIMENTS]
    methods = sentiment.get("methods") or {}
    if isinstance(methods, dict):
        used = ", ".join(f"{METHODS.get(m, md(m))} {number(c)}" for m, c in methods.items() if c)
    else:
        used = ", ".join(METHODS.get(m, md(m)) for m in methods)
    mean = sentiment.get("mean")
    text = f"Sentyment: {', '.join(parts)}"
    text += f"; średnia {number(mean, 2)} (od -1 do 1)" if mean is not None else ""
    text += f". Metoda: {used}." if used else "."
    return [text, ""]


def _cuts(question: dict[str, Any]) -> list[str]:
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
        test = cut.get("chi_square")
        if test:
            lines.append(
                f"Test chi-kwadrat: statystyka {number(test.get('statistic'), 2)}, "
                f"stopnie swobody {test.get('dof')}, {p_value(test.get('p_value'))}."
            )
            if cut.get("note"):
                lines[-1] += f" Uwaga: {md(cut['note'])}."
        else:
            note = f": {md(cut['note'])}" if cut.get("note") else ""
            lines.append(f"Test chi-kwadrat: nie policzono{note}.")
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
    return _table(header, rows)


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "–"
    return number(value, 2) if isinstance(value, int | float) else md(value)


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
        f"Koszt: {number(spend.get('tokens'))} tokenów, {_usd(spend.get('usd'))}"
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
