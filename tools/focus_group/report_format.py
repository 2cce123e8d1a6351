"""How a focus-group report names and formats its values: Polish numbers, percentages,
p-values, plurals, and the categories and groups of a question.

Shared by the Markdown report, the headline and the charts; nothing here knows Markdown or
matplotlib.
"""

from __future__ import annotations

from typing import Any

from tools.focus_group.questions import LIKERT_LABELS

BY_LABELS = {
    "gender": "płeć",
    "age": "wiek",
    "age_band": "wiek",
    "education": "wykształcenie",
    "income_bracket": "dochód",
    "location": "miejsce zamieszkania",
    "segment_id": "segment",
    "segment_name": "segment",
}
QUESTION_TYPES = {
    "open": "pytanie otwarte",
    "single_choice": "jednokrotny wybór",
    "multi_choice": "wielokrotny wybór",
    "numeric": "liczba",
}


def number(value: float | int | None, digits: int = 1) -> str:
    """Format a number the Polish way: decimal comma, a space between thousands."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return f"{float(value):,.{digits}f}".replace(",", " ").replace(".", ",")


def percent(share: float | None, digits: int = 1) -> str:
    """Format a share (0..1) as a Polish percentage, e.g. 0.425 -> "42,5%"."""
    return "–" if share is None else f"{number(100 * share, digits)}%"


def p_value(p: float | None) -> str:
    """Format a p-value: "p = 0,031", or "p < 0,001" below that."""
    if p is None:
        return "p: –"
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"


def usd(value: float | None) -> str:
    """Format dollars: "0,0481 USD", "–" when unknown."""
    return "–" if value is None else f"{number(value, 4)} USD"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Polish plural: 1 persona, 2 persony, 5 person, 22 persony."""
    if n == 1:
        return one
    return few if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else many


def budget_use(report: dict[str, Any]) -> str:
    """How much of the budget the spend took ("42,0% tokenów, 12,5% USD"), or "" without one.

    The budget is the last run's: a rerun's report compares it with that run's ``run_spend``."""
    spend = report.get("run_spend") or report.get("spend") or {}
    budget = report.get("budget") or {}
    parts = []
    for limit, used, unit in (("max_tokens", "tokens", "tokenów"), ("max_usd", "usd", "USD")):
        if budget.get(limit) and spend.get(used) is not None:
            parts.append(f"{percent(spend[used] / budget[limit])} {unit}")
    return ", ".join(parts)


def question_type(question: dict[str, Any]) -> str:
    """The question's type in Polish ("skala Likerta 1–5", "pytanie otwarte", ...), plain text."""
    kind = question.get("type")
    if kind == "likert":
        return f"skala Likerta 1–{question.get('scale') or len(categories(question)) or 5}"
    return QUESTION_TYPES.get(kind, str(kind))


def option_texts(question: dict[str, Any]) -> dict[str, str]:
    """Map option ids to their texts; given strings get the ids a, b, c, ... as in the input."""
    texts = {}
    for i, option in enumerate(question.get("options") or []):
        if isinstance(option, dict):
            texts[str(option.get("id"))] = str(option.get("text", option.get("id")))
        else:
            texts[chr(ord("a") + i)] = str(option)
    return texts


def category_labels(question: dict[str, Any]) -> dict[str, str]:
    """Readable labels of a question's categories: likert point labels, option texts, themes.

    Option texts and likert labels come from the question's own `options`/`labels` when the
    report carries them; likert falls back to the Polish default labels of its scale.
    """
    kind = question.get("type")
    if kind == "likert":
        scale = int(question.get("scale") or len(group_counts(question.get("distribution"))))
        labels = question.get("labels") or LIKERT_LABELS.get(scale, [])
        return {str(i + 1): str(label) for i, label in enumerate(labels)}
    if kind == "open":
        themes = question.get("themes") or []
        return {str(t.get("id")): str(t.get("label") or t.get("id")) for t in themes}
    return option_texts(question)


def group_counts(group: dict[str, Any] | None) -> dict[str, int]:
    """Counts by category of a cut group or a distribution, keys as strings."""
    # Cut groups count likert points as ints; distributions use strings.
    return {str(k): v for k, v in ((group or {}).get("counts") or {}).items()}


def group_shares(group: dict[str, Any]) -> dict[str, float]:
    """A cut group's shares by category: given shares, else counts over the group's n."""
    if group.get("shares"):
        return {str(k): float(v) for k, v in group["shares"].items()}
    counts, n = group_counts(group), group.get("n") or 0
    return {k: c / n for k, c in counts.items()} if n else {}


def group_label(group: dict[str, Any]) -> str:
    """A cut group's name for people: its label (a segment's name) or value, "brak danych"."""
    value = group.get("label") or group.get("value")
    return "brak danych" if value in (None, "") else str(value)


def categories(question: dict[str, Any]) -> list[str]:
    """The categories in reading order: likert points ascending, options as asked, themes.

    Every point and option is listed, also those nobody chose, then any other counted key.
    """
    keys = list(group_counts(question.get("distribution")))
    for cut in question.get("cuts") or []:
        keys += [k for g in cut.get("groups") or [] for k in group_counts(g) if k not in keys]
    if question.get("type") == "likert":
        order = [str(point) for point in range(1, int(question.get("scale") or 0) + 1)]
        return order + sorted((k for k in keys if k not in order), key=_point_order)
    order = list(category_labels(question))
    return order + [k for k in keys if k not in order]


def _point_order(key: str) -> tuple[int, str]:
    try:
        return int(key), key
    except ValueError:
        return 1 << 30, key
