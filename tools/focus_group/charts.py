"""PNG charts of a focus-group report (matplotlib's Agg canvas, no pyplot).

matplotlib is imported inside the drawing functions only: importing this module (as the API does
through the report renderer) costs nothing. Each figure is a `matplotlib.figure.Figure` of its
own, so rendering touches no pyplot global state; the font settings, which matplotlib reads from
its global rcParams, are applied under a lock.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from dataclasses import dataclass
from typing import Any, Literal

from tools.focus_group.questions import LIKERT_LABELS

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800 x 450 px
FONT = "DejaVu Sans"  # ships with matplotlib and has the Polish letters
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")
MAX_THEMES, MAX_CUT_GROUPS = 10, 6
_RC = {"font.family": "sans-serif", "font.sans-serif": [FONT], "font.size": 10}
_RC_LOCK = threading.Lock()
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

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
Kind = Literal["distribution", "themes", "cut"]


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its file name, the question (index in report["questions"]) and what it shows."""

    name: str
    question: int
    kind: Kind
    cut: int | None = None


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
        scale = int(question.get("scale") or len(_counts(question.get("distribution"))))
        labels = question.get("labels") or LIKERT_LABELS.get(scale, [])
        return {str(i + 1): str(label) for i, label in enumerate(labels)}
    if kind == "open":
        themes = question.get("themes") or []
        return {str(t.get("id")): str(t.get("label") or t.get("id")) for t in themes}
    return option_texts(question)


def _counts(holder: dict[str, Any] | None) -> dict[str, int]:
    # Cut groups count likert points as ints; distributions use strings.
    return {str(k): v for k, v in ((holder or {}).get("counts") or {}).items()}


def group_counts(group: dict[str, Any]) -> dict[str, int]:
    """A cut group's counts by category, keys as strings."""
    return _counts(group)


def categories(question: dict[str, Any]) -> list[str]:
    """The categories in reading order: likert points ascending, options as asked, themes.

    Every point and option is listed, also those nobody chose, then any other counted key.
    """
    keys = list(_counts(question.get("distribution")))
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


def best_cut(question: dict[str, Any]) -> int | None:
    """The index of the cut worth a chart: the smallest chi-square p-value, else the first usable."""
    usable = [i for i, cut in enumerate(question.get("cuts") or []) if _cut_series(question, cut)]
    tested = [
        i
        for i in usable
        if (question["cuts"][i].get("chi_square") or {}).get("p_value") is not None
    ]
    if tested:
        return min(tested, key=lambda i: question["cuts"][i]["chi_square"]["p_value"])
    return usable[0] if usable else None


def chart_plan(report: dict[str, Any]) -> list[ChartSpec]:
    """List the charts `render_charts` draws, in report order, without drawing them."""
    plan, used = [], set()
    for index, question in enumerate(report.get("questions") or []):
        base = _UNSAFE.sub("_", str(question.get("id") or "")) or f"q{index + 1}"
        if base in used:  # two ids that differ only in unsafe characters
            base = f"{base}-{index + 1}"
        used.add(base)
        if _has_distribution(question):
            plan.append(ChartSpec(f"{base}_distribution.png", index, "distribution"))
        if question.get("type") == "open" and _themes(question):
            plan.append(ChartSpec(f"{base}_themes.png", index, "themes"))
        cut = best_cut(question)
        if cut is not None:
            by = _UNSAFE.sub("_", str(question["cuts"][cut].get("by") or "")) or "grupa"
            plan.append(ChartSpec(f"{base}_cut_{by}.png", index, "cut", cut))
    return plan


def chart_names(report: dict[str, Any]) -> list[str]:
    """Return the file names `render_charts` would produce, without rendering."""
    return [spec.name for spec in chart_plan(report)]


def render_charts(report: dict[str, Any]) -> dict[str, bytes]:
    """Draw every chart of the report as PNG bytes by file name (800 x 450 px)."""
    import matplotlib

    draw = {"distribution": _draw_distribution, "themes": _draw_themes, "cut": _draw_cut}
    charts = {}
    with _RC_LOCK, matplotlib.rc_context(_RC):
        for spec in chart_plan(report):
            question = report["questions"][spec.question]
            charts[spec.name] = _png(lambda fig, q=question, s=spec: draw[s.kind](fig, q, s))
    return charts


def _has_distribution(question: dict[str, Any]) -> bool:
    distribution = question.get("distribution") or {}
    if question.get("type") == "numeric":
        return sum((distribution.get("histogram") or {}).get("counts") or []) > 0
    if question.get("type") in ("likert", "single_choice", "multi_choice"):
        return sum((distribution.get("counts") or {}).values()) > 0
    return False


def _themes(question: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in question.get("themes") or [] if t.get("size")][:MAX_THEMES]


def _groups(cut: dict[str, Any]) -> list[dict[str, Any]]:
    groups = [g for g in cut.get("groups") or [] if g.get("n")]
    return sorted(groups, key=lambda g: -g["n"])[:MAX_CUT_GROUPS]


def group_shares(group: dict[str, Any]) -> dict[str, float]:
    """A cut group's shares by category: given shares, else counts over the group's n."""
    if group.get("shares"):
        return {str(k): float(v) for k, v in group["shares"].items()}
    counts, n = group_counts(group), group.get("n") or 0
    return {k: c / n for k, c in counts.items()} if n else {}


def _cut_series(question: dict[str, Any], cut: dict[str, Any]) -> str | None:
    """What a cut's chart shows: "shares" per category, "mean" per group, or None (no chart)."""
    groups = _groups(cut)
    if len(groups) < 2:
        return None
    if all(group_shares(g) for g in groups):
        return "shares"
    if all(isinstance(g.get("mean"), int | float) for g in groups):
        return "mean"
    return None


def plain(text: Any) -> str:
    """User text safe for matplotlib: `$` would start mathtext."""
    return " ".join(str(text).split()).replace("$", r"\$")


def _wrap(text: Any, width: int, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(plain(text), width, max_lines=lines, placeholder="…"))


def group_label(group: dict[str, Any]) -> str:
    """A cut group's name for people: its label (a segment's name) or value, "brak danych"."""
    value = group.get("label") or group.get("value")
    return "brak danych" if value in (None, "") else str(value)


def _png(draw) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    draw(fig)
    for ax in fig.axes:
        ax.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    # No "Software" chunk and a fixed size: the same report gives the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _title(fig, question: dict[str, Any], what: str) -> None:
    fig.suptitle(_wrap(f"{question.get('id', '')}: {question.get('text', '')}", 84), fontsize=11)
    fig.axes[0].set_title(what, fontsize=9, color="#555555")


def _bar_labels(ax, bars, labels: list[str]) -> None:
    ax.bar_label(bars, labels=labels, padding=2, fontsize=8)


def _tick(value: float) -> str:
    return f"{value:g}".replace(".", ",").replace("-", "−")


def _axis(axis, kind: Literal["counts", "shares", "values"]) -> None:
    """Polish tick labels: whole counts, percentages, or values with a decimal comma."""
    from matplotlib.ticker import MaxNLocator

    if kind == "counts":
        axis.set_major_locator(MaxNLocator(integer=True))
    if kind == "shares":
        axis.set_major_formatter(lambda v, _pos: percent(v, 0))
    else:
        axis.set_major_formatter(lambda v, _pos: _tick(v))


def _category_ticks(question: dict[str, Any], keys: list[str], width: int) -> list[str]:
    labels = category_labels(question)
    if question.get("type") == "likert":
        return [_wrap(f"{k} {labels[k]}" if k in labels else k, width) for k in keys]
    texts = [" ".join(str(labels.get(k, k)).split()) for k in keys]
    if any(len(text) > 2 * width - 4 for text in texts):
        # Cut short, texts may look alike: the option ids tell them apart (as in the table).
        texts = [f"{k}: {text}" for k, text in zip(keys, texts, strict=True)]
    return [_wrap(text, width) for text in texts]


def _draw_distribution(fig, question: dict[str, Any], spec: ChartSpec) -> None:
    ax = fig.add_subplot()
    kind, distribution = question.get("type"), question["distribution"]
    n = distribution.get("n", question.get("n"))
    if kind == "numeric":
        _draw_histogram(ax, question)
        _title(fig, question, f"Rozkład wartości, n = {n}")
    elif kind == "likert":
        _draw_likert(ax, question)
        _title(
            fig, question, f"Skala 1–{question.get('scale') or len(categories(question))}, n = {n}"
        )
    else:
        keys = categories(question)
        counts, shares = distribution.get("counts") or {}, distribution.get("shares") or {}
        bars = ax.barh(range(len(keys)), [counts.get(k, 0) for k in keys], color=PALETTE[0])
        _bar_labels(
            ax, bars, [f"{counts.get(k, 0)} ({percent(shares.get(k, 0), 0)})" for k in keys]
        )
        ticks = _category_ticks(question, keys, 28)
        ax.set_yticks(range(len(keys)), ticks, fontsize=9 if len(keys) <= 8 else 7)
        ax.invert_yaxis()
        ax.set_xlabel("Liczba odpowiedzi")
        _axis(ax.xaxis, "counts")
        ax.margins(x=0.15)
        what = "wielokrotny wybór" if kind == "multi_choice" else "jednokrotny wybór"
        _title(fig, question, f"Odpowiedzi ({what}), n = {n}")


def _draw_likert(ax, question: dict[str, Any]) -> None:
    keys, distribution = categories(question), question["distribution"]
    counts, shares = distribution.get("counts") or {}, distribution.get("shares") or {}
    ssr = question.get("ssr") or {}
    ssr_shares = ssr.get("distribution") or {}
    show_ssr = bool(ssr_shares) and ssr.get("status") != "unavailable"
    width = 0.4 if show_ssr else 0.6
    xs = range(len(keys))
    stated = [shares.get(k, 0.0) for k in keys]
    bars = ax.bar([x - width / 2 * show_ssr for x in xs], stated, width, color=PALETTE[0])
    bars.set_label("Deklarowane odpowiedzi")
    _bar_labels(ax, bars, [f"{counts.get(k, 0)}" for k in keys])
    if show_ssr:
        unreliable = ssr.get("status") == "unreliable"
        ssr_bars = ax.bar(
            [x + width / 2 for x in xs],
            [float(ssr_shares.get(k, 0.0)) for k in keys],
            width,
            color=PALETTE[1],
            hatch="//" if unreliable else None,
            edgecolor="white",
        )
        ssr_bars.set_label("SSR (niewiarygodne)" if unreliable else "SSR")
        ax.legend(fontsize=8, frameon=False)
    ax.set_xticks(list(xs), _category_ticks(question, keys, 16))
    ax.set_ylabel("Udział")
    _axis(ax.yaxis, "shares")
    ax.margins(y=0.15)


def _draw_histogram(ax, question: dict[str, Any]) -> None:
    distribution = question["distribution"]
    edges, counts = distribution["histogram"]["edges"], distribution["histogram"]["counts"]
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    bars = ax.bar(edges[:-1], counts, widths, align="edge", color=PALETTE[0], edgecolor="white")
    _bar_labels(ax, bars, [str(c) if c else "" for c in counts])
    unit = f" {plain(question['unit'])}" if question.get("unit") else ""
    median = distribution.get("median")
    if median is not None:
        label = f"Mediana: {number(median)}{unit}"
        ax.axvline(median, color=PALETTE[3], linestyle="--", label=label)
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel(f"Wartość ({unit.strip()})" if unit else "Wartość")
    ax.set_ylabel("Liczba odpowiedzi")
    _axis(ax.xaxis, "values")
    _axis(ax.yaxis, "counts")
    ax.margins(y=0.15)


def _draw_themes(fig, question: dict[str, Any], spec: ChartSpec) -> None:
    ax = fig.add_subplot()
    themes = _themes(question)
    bars = ax.barh(range(len(themes)), [t["size"] for t in themes], color=PALETTE[2])
    _bar_labels(ax, bars, [f"{t['size']} ({percent(t.get('share'), 0)})" for t in themes])
    ax.set_yticks(range(len(themes)), [_wrap(t.get("label", t.get("id")), 30) for t in themes])
    ax.invert_yaxis()
    ax.set_xlabel("Liczba odpowiedzi")
    _axis(ax.xaxis, "counts")
    ax.margins(x=0.15)
    _title(fig, question, f"Tematy odpowiedzi otwartych, n = {question.get('n')}")


def _draw_cut(fig, question: dict[str, Any], spec: ChartSpec) -> None:
    ax = fig.add_subplot()
    cut = question["cuts"][spec.cut]
    groups = _groups(cut)
    names = [_wrap(f"{group_label(g)} (n = {g['n']})", 24, 1) for g in groups]
    if _cut_series(question, cut) == "mean":
        bars = ax.bar(range(len(groups)), [g["mean"] for g in groups], 0.6, color=PALETTE[0])
        _bar_labels(ax, bars, [number(g["mean"]) for g in groups])
        ax.set_xticks(range(len(groups)), names, fontsize=9)
        unit = f" ({plain(question['unit'])})" if question.get("unit") else ""
        ax.set_ylabel(f"Średnia{unit}")
        _axis(ax.yaxis, "values")
    else:
        keys = categories(question)
        width = 0.8 / len(groups)
        for i, group in enumerate(groups):
            shares = group_shares(group)
            xs = [x - 0.4 + width * (i + 0.5) for x in range(len(keys))]
            color = PALETTE[i % len(PALETTE)]
            ax.bar(xs, [shares.get(k, 0.0) for k in keys], width, color=color, label=names[i])
        ticks = _category_ticks(question, keys, max(8, 96 // len(keys)))
        ax.set_xticks(range(len(keys)), ticks, fontsize=9 if len(keys) <= 7 else 7)
        ax.set_ylabel("Udział w grupie")
        _axis(ax.yaxis, "shares")
        ax.legend(fontsize=8, frameon=False, ncols=min(3, len(groups)))
        ax.margins(y=0.2)
    by = BY_LABELS.get(cut.get("by"), plain(cut.get("by")))
    test = cut.get("chi_square")
    detail = f"χ² = {number(test['statistic'], 2)}, {p_value(test['p_value'])}" if test else ""
    _title(fig, question, f"Podział według: {by}" + (f" ({detail})" if detail else ""))


def p_value(p: float | None) -> str:
    """Format a p-value: "p = 0,031", or "p < 0,001" below that."""
    if p is None:
        return "p: –"
    return "p < 0,001" if p < 0.001 else f"p = {number(p, 3)}"
