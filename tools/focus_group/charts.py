"""PNG charts of a focus-group report (matplotlib's Agg canvas, no pyplot).

Which charts there are is decided in `chart_specs` (importable from here as before). matplotlib
is imported inside the drawing functions only: importing this module costs nothing. Each figure
is a `matplotlib.figure.Figure` of its own, so rendering touches no pyplot global state; the
font settings, which matplotlib reads from its global rcParams, are applied under a lock.
"""

from __future__ import annotations

import io
import textwrap
import threading
from typing import Any, Literal

from tools.focus_group.chart_specs import (
    ChartSpec,
    chart_groups,
    chart_names,
    chart_plan,
    chart_themes,
    cut_series,
)
from tools.focus_group.report_format import (
    BY_LABELS,
    categories,
    category_labels,
    group_label,
    group_shares,
    number,
    p_value,
    percent,
)

__all__ = ["ChartSpec", "chart_names", "chart_plan", "render_charts"]

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800 x 450 px
FONT = "DejaVu Sans"  # ships with matplotlib and has the Polish letters
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")
_RC = {"font.family": "sans-serif", "font.sans-serif": [FONT], "font.size": 10}
_RC_LOCK = threading.Lock()


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


def plain(text: Any) -> str:
    """User text safe for matplotlib: `$` would start mathtext."""
    return " ".join(str(text).split()).replace("$", r"\$")


def _wrap(text: Any, width: int, lines: int = 2) -> str:
    return "\n".join(textwrap.wrap(plain(text), width, max_lines=lines, placeholder="…"))


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
    themes = chart_themes(question)
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
    groups = chart_groups(cut)
    names = [_wrap(f"{group_label(g)} (n = {g['n']})", 24, 1) for g in groups]
    if cut_series(cut) == "mean":
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
