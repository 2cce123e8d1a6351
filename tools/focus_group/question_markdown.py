"""One question of the focus-group report in Markdown: distribution, SSR, themes, sentiment,
the homogeneity alarm, the discussion rounds, answer quality, cuts and chart links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.focus_group.cuts_markdown import cuts_section
from tools.focus_group.markdown_text import category_name, md, table
from tools.focus_group.quality_markdown import question_quality
from tools.focus_group.report_format import (
    categories,
    number,
    percent,
    plural,
    question_type,
)

SENTIMENTS = {"positive": "pozytywny", "neutral": "neutralny", "negative": "negatywny"}
METHODS = {"model": "model", "lexicon": "leksykon"}
CHART_ALT = {"distribution": "Rozkład odpowiedzi", "themes": "Tematy", "cut": "Podział"}
REACTIONS = ("reakcja", "reakcje", "reakcji")
CHANGED = ("zmieniona odpowiedź", "zmienione odpowiedzi", "zmienionych odpowiedzi")
NUMERIC_STATS = (
    ("n", "n"),
    ("mean", "średnia"),
    ("median", "mediana"),
    ("p25", "kwartyl dolny (p25)"),
    ("p75", "kwartyl górny (p75)"),
    ("min", "minimum"),
    ("max", "maksimum"),
)


def question_section(
    question: dict[str, Any], charts: list[tuple[str, str]], url: Callable[[str], str]
) -> list[str]:
    """Render one question; `charts` are its (kind, file name) pairs, `url` links a file name."""
    qid = md(question.get("id", ""))
    lines = [
        f"## Pytanie {qid}",
        "",
        f"> {md(question.get('text', ''))}",
        "",
        f"Typ: {md(question_type(question))}. Odpowiedzi policzone (n): {question.get('n', 0)}.",
        "",
    ]
    lines += question_quality(question) + _homogeneity(question)
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
    lines += _discussion(question) + cuts_section(question)
    return lines + ([images["cut"], ""] if "cut" in images else [])


def _reason(reason: Any) -> str:
    # Reports stored before reasons were {code, value, threshold, message} hold plain strings.
    if isinstance(reason, dict):
        return md(reason.get("message") or reason.get("code", ""))
    return md(reason)


def _homogeneity(question: dict[str, Any]) -> list[str]:
    h = question.get("homogeneity") or {}
    if not h:
        return []
    facts = []
    if h.get("modal_share") is not None:
        facts.append(f"udział dominującej odpowiedzi {percent(h['modal_share'])}")
    if h.get("normalized_entropy") is not None:
        facts.append(f"znormalizowana entropia {number(h['normalized_entropy'], 2)}")
    if h.get("mean_pairwise_cosine") is not None:
        cosine = number(h["mean_pairwise_cosine"], 2)
        facts.append(f"średnie podobieństwo odpowiedzi (cosinus) {cosine}")
    facts_text = "; ".join(facts)
    if not h.get("collapsed"):
        return [f"Jednorodność: bez alarmu ({facts_text}).", ""] if facts_text else []
    reasons = [f"> - {_reason(reason)}" for reason in h.get("reasons") or []]
    return [
        "> **⚠ ALARM JEDNORODNOŚCI: odpowiedzi zlały się w jedno.** Persony odpowiadają niemal "
        "tak samo; wyniki tego pytania nie oddają zróżnicowania grupy.",
        ">",
        f"> Wskaźniki: {facts_text}." if facts_text else ">",
        *([">", "> Powody:", *reasons] if reasons else []),
        "",
    ]


def _discussion(question: dict[str, Any]) -> list[str]:
    rounds = question.get("discussion") or []
    if not rounds:
        return []
    lines = ["### Dyskusja", ""]
    for r in rounds:
        reactions, changed = int(r.get("reactions") or 0), int(r.get("changed") or 0)
        said, moved = plural(reactions, *REACTIONS), plural(changed, *CHANGED)
        lines.append(f"- Runda {r.get('round')}: {reactions} {said}, {changed} {moved}")
    note = "Rozkład, tematy i podziały liczą ostatnią odpowiedź każdej persony."
    return [*lines, "", note, ""]


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
    lines = ["### Rozkład", "", *table(header, rows)]
    if question.get("type") == "multi_choice":
        lines += ["Wielokrotny wybór: udziały nie sumują się do 100%.", ""]
    if likert:
        stats = f"Średnia {number(distribution.get('mean'), 2)}"
        lines += [f"{stats}, mediana {number(distribution.get('median'), 1)}.", ""]
    return lines


def _numeric(question: dict[str, Any]) -> list[str]:
    d = question.get("distribution") or {}
    unit = f" {md(question['unit'])}" if question.get("unit") else ""
    rows = [
        [label, number(d.get(key), 2) + ("" if key == "n" else unit)]
        for key, label in NUMERIC_STATS
    ]
    rows[0][1] = number(d.get("n", question.get("n")))
    lines = ["### Rozkład", "", *table(["statystyka", "wartość"], rows)]
    histogram = d.get("histogram") or {}
    edges, counts = histogram.get("edges") or [], histogram.get("counts") or []
    total = sum(counts)
    if counts and total:
        bins = [
            [f"{number(a, 2)}–{number(b, 2)}", number(c), percent(c / total)]
            for a, b, c in zip(edges, edges[1:], counts, strict=False)
        ]
        lines += table(["przedział", "liczba", "udział"], bins)
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
        label = md(theme.get("label", theme.get("id", "")))
        rows.append([label, number(theme.get("size", 0)), percent(theme.get("share")), said])
    return ["### Tematy", "", *table(["temat", "liczba", "udział", "cytat"], rows)]


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
