"""A focus group as the mentor's facts: setup, each question's findings, quotes, warnings.

The report's shape is docs/focus_group.md's (per question: distribution or themes, sentiment,
homogeneity alarm, cuts). Facts of a question carry topics from its own words, so "Co wynika
z grupy o cenie?" picks the questions about price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from store.focus_groups import FocusGroupRecord
from tools.focus_group.questions import LIKERT_LABELS
from tools.focus_group.report_format import BY_LABELS, p_value
from tools.mentor.polish_format import clip, counted, day, listing, num, number_of, pct, quote
from tools.mentor.refs import (
    CORE,
    DETAIL,
    USEFUL,
    Fact,
    ResultBlock,
    ResultRef,
    ranked,
    text_topics,
    topics,
)

GROUP = ("fokus", "badani", "ankiet", "respond", "uczestn")  # one stem of "grupa fokusowa"
STATUS = ("status", "tryb", "przebieg", "odpowiedz", "ile")
QUESTION = ("pytan", "pyta")
RESULT = ("wynik", "wnios", "rozkład", "średni", "procent", "odsetek")
THEMES = ("temat", "wątk", "motyw", "wnios", "główn", "powod", "powód")
SENTIMENT = ("wydźwięk", "sentyment", "nastawien", "emocj", "opini", "negatyw", "pozytyw", "odbi")
QUOTES = ("cytat", "wypowied", "przykład", "powiedzi", "mówi", "słow", "głos")
ALARM = ("alarm", "jednorod", "podobn", "ostrzeż", "uwag", "problem", "jakoś")
CUTS = ("różnic", "płeć", "wiek", "segment", "istotn", "porówn", "kobiet", "mężczyzn")
COST = ("koszt", "token", "usd", "budżet", "wydat")
STATUSES = {
    "running": "w toku",
    "completed": "zakończona, wszystkie odpowiedzi zebrane",
    "partial": "zakończona częściowo",
    "failed": "nieudana",
    "estimated": "tylko wyceniona, nie przeprowadzona",
    "refused": "odrzucona przed startem",
}
MODES = {"survey": "ankieta", "discussion": "dyskusja"}
TYPES = {
    "open": "otwarte",
    "likert": "skala",
    "single_choice": "jednokrotny wybór",
    "multi_choice": "wielokrotny wybór",
    "numeric": "liczba",
}
SENTIMENTS = (("negative", "negatywny"), ("neutral", "neutralny"), ("positive", "pozytywny"))
MAX_QUESTIONS, THEME_QUOTES, REASON_QUOTES = 8, 2, 2


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _people(n: Any) -> str:
    return counted(n, "osoba", "osoby", "osób")


def _share(value: Any) -> str:
    return pct(number_of(value) or 0)


def _stats(d: dict[str, Any], named: tuple[tuple[str, str], ...], places: int, unit: str) -> str:
    """ "średnia 2,75, mediana 2,5" for the statistics `d` holds (the others left out)."""
    found = [(label, d.get(key)) for key, label in named if number_of(d.get(key)) is not None]
    return ", ".join(f"{label} {num(value, places)}{unit}" for label, value in found)


def _likert(q: dict[str, Any]) -> str | None:
    d = _dict(q.get("distribution"))
    shares = _dict(d.get("shares"))
    scale = int(number_of(q.get("scale")) or 5)
    if not shares or not number_of(d.get("n")):
        return None
    labels = q.get("labels") if isinstance(q.get("labels"), list) else LIKERT_LABELS.get(scale)
    points = []
    for point in range(1, scale + 1):
        label = labels[point - 1] if labels and len(labels) >= point else ""
        named = f"{point} ({label})" if label else str(point)
        points.append(f"{named}: {_share(shares.get(str(point)))}")
    top = sum(number_of(shares.get(str(p))) or 0 for p in (scale - 1, scale))
    stats = _stats(d, (("mean", "średnia"), ("median", "mediana")), 2, "")
    return (
        f"Odpowiedzi na skali 1–{scale} ({_people(d['n'])}): {stats + '; ' if stats else ''}"
        f"{', '.join(points)}; odpowiedzi {scale - 1}–{scale} łącznie: {pct(top)}."
    )


def _choice(q: dict[str, Any]) -> str | None:
    d = _dict(q.get("distribution"))
    shares, counts = _dict(d.get("shares")), _dict(d.get("counts"))
    if not shares or not number_of(d.get("n")):
        return None
    names = {}
    for index, option in enumerate(q.get("options") or []):
        key = option.get("id") if isinstance(option, dict) else chr(ord("a") + index)
        names[str(key)] = str(option.get("text") if isinstance(option, dict) else option)
    order = sorted(shares, key=lambda k: -(number_of(shares[k]) or 0))
    parts = [
        f"{clip(names.get(k, k), 60)}: {_share(shares[k])} ({_people(counts.get(k) or 0)})"
        for k in order
    ]
    return f"Wybory ({_people(d['n'])}): {', '.join(parts)}."


NUMERIC_STATS = (
    ("mean", "średnia"),
    ("median", "mediana"),
    ("p25", "dolny kwartyl"),
    ("p75", "górny kwartyl"),
    ("min", "najmniej"),
    ("max", "najwięcej"),
)


def _numeric(q: dict[str, Any]) -> str | None:
    d = _dict(q.get("distribution"))
    unit = f" {q['unit']}" if q.get("unit") else ""
    if not (stats := _stats(d, NUMERIC_STATS, 1, unit)):
        return None
    n = d.get("n") if number_of(d.get("n")) is not None else q.get("n")
    people = f" ({_people(n)})" if number_of(n) is not None else ""
    return f"Odpowiedzi liczbowe{people}: {stats}."


def _themes(q: dict[str, Any]) -> str:
    themes = [t for t in q.get("themes") or [] if isinstance(t, dict)]
    if not themes:
        return "Za mało odpowiedzi, by wyznaczyć tematy."
    parts = [
        f"„{clip(t.get('label'), 60)}” {pct(t.get('share'))} ({_people(t.get('size'))})"
        for t in sorted(themes, key=lambda t: -(number_of(t.get("size")) or 0))
    ]
    return f"Tematy odpowiedzi ({_people(q.get('n'))}): {', '.join(parts)}."


def _sentiment(q: dict[str, Any]) -> str | None:
    s = _dict(q.get("sentiment"))
    counts = _dict(s.get("counts"))
    total = number_of(s.get("n")) or sum(number_of(c) or 0 for c in counts.values())
    if not total:
        return None
    parts = [
        f"{label} {pct((number_of(counts.get(key)) or 0) / total)} ({_people(counts.get(key, 0))})"
        for key, label in SENTIMENTS
    ]
    return f"Wydźwięk odpowiedzi: {', '.join(parts)}."


def _cuts(q: dict[str, Any]) -> list[str]:
    found = []
    for cut in q.get("cuts") or []:
        chi = _dict(_dict(cut).get("chi_square"))
        p = number_of(chi.get("p_value"))
        if p is None or p >= 0.05:
            continue
        groups = [
            f"{g.get('label') or g.get('value')}: średnia {num(g['mean'], 2)}"
            for g in cut.get("groups") or []
            if isinstance(g, dict) and number_of(g.get("mean")) is not None
        ]
        by = BY_LABELS.get(str(cut.get("by")), str(cut.get("by")))
        means = f" ({listing(groups)})" if groups else ""
        found.append(
            f"Różnica wg kryterium „{by}” jest istotna statystycznie ({p_value(p)}){means}."
        )
    return found


def _question_facts(
    q: dict[str, Any], answers: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> list[Fact]:
    options = [o.get("text") if isinstance(o, dict) else o for o in q.get("options") or []]
    own = text_topics(q.get("text"), q.get("id"), *options)
    facts: list[Fact] = []

    def add(text: str, weight: float, *groups: Any) -> None:
        facts.append(Fact(text, topics(own, *groups), weight))

    kind = str(q.get("type"))
    qid = str(q.get("id") or "bez nazwy")
    add(f"Pytanie „{qid}” ({TYPES.get(kind, kind)}): {quote(q.get('text'), 160)}", USEFUL, QUESTION)
    main = {"likert": _likert, "numeric": _numeric, "open": _themes}.get(kind, _choice)(q)
    if main:
        add(f"„{qid}” – {main}", CORE, RESULT, THEMES if kind == "open" else ())
    if sentiment := _sentiment(q):
        add(f"„{qid}” – {sentiment}", USEFUL, SENTIMENT)
    homogeneity = _dict(q.get("homogeneity"))
    if homogeneity.get("collapsed"):
        why = [str(r.get("message")) for r in homogeneity.get("reasons") or [] if _dict(r)]
        add(
            f"„{qid}” – alarm jednorodności: odpowiedzi są do siebie bardzo podobne"
            + (f" ({'; '.join(why)})." if why else "."),
            CORE,
            ALARM,
        )
    ssr = _dict(q.get("ssr"))
    if ssr.get("status") == "ok" and number_of(ssr.get("mean")) is not None:
        text = f"„{qid}” – ocena z treści uzasadnień (SSR): średnia {num(ssr['mean'], 2)}."
        add(text, DETAIL, RESULT)
    for rank, theme in enumerate(q.get("themes") or []):
        said = _dict(_dict(theme).get("quote"))
        if rank < THEME_QUOTES and said.get("text"):
            who = names.get(str(said.get("persona_id")))
            by = f" ({who})" if who else ""
            text = f"„{qid}” – cytat do tematu „{clip(theme.get('label'), 60)}”{by}: "
            text += quote(said["text"])
            add(text, USEFUL if rank == 0 else DETAIL, QUOTES, text_topics(theme.get("label")))
    quoted = any(_dict(_dict(t).get("quote")).get("text") for t in q.get("themes") or [])
    if kind == "likert" or (kind == "open" and not quoted):
        mine = [a for a in answers if a.get("question_id") == q.get("id") and a.get("text")]
        for answer in mine[:REASON_QUOTES]:
            point = _dict(answer.get("answer")).get("point")
            who = names.get(str(answer.get("persona_id")))
            by = f" ({who})" if who else ""
            what = f"uzasadnienie oceny {num(point, 0)}" if kind == "likert" else "odpowiedź"
            add(f"„{qid}” – {what}{by}: {quote(answer['text'])}", DETAIL, QUOTES)
    for cut in _cuts(q):
        add(f"„{qid}” – {cut}", DETAIL, CUTS)
    for round_ in q.get("discussion") or []:
        r = {k: number_of(v) for k, v in _dict(round_).items()}
        if None not in (r.get("round"), r.get("reactions"), r.get("changed")):
            text = (
                f"„{qid}” – runda dyskusji {num(r['round'], 0)}: reakcje {num(r['reactions'], 0)}"
            )
            add(f"{text}, zmiany zdania {num(r['changed'], 0)}.", DETAIL, ("dyskusj", "zmian"))
    return facts


def _overview(fg: FocusGroupRecord, report: dict[str, Any]) -> str:
    status = STATUSES.get(fg.status, fg.status)
    mode = MODES.get(fg.mode, fg.mode)
    people = report.get("personas") or len(fg.persona_ids or [])
    questions = counted(len(fg.questions or []), "pytanie", "pytania", "pytań")
    text = f"Status: {status}; tryb: {mode}; {counted(people, 'persona', 'persony', 'person')}"
    text += f", {questions}"
    cells = _dict(report.get("cells"))
    if number_of(cells.get("total")) and number_of(cells.get("answered")) is not None:
        text += f"; zebrano {num(cells['answered'], 0)} z {num(cells['total'], 0)} odpowiedzi"
    error = _dict(fg.error)
    return text + (f"; błąd: {clip(error.get('message'), 120)}." if error else ".")


def focus_group_title(fg: FocusGroupRecord) -> str:
    """ "Grupa fokusowa z 7.12.2026: „Co najbardziej…” (12 person)"."""
    when = day(fg.created_at)
    first = next((q.get("text") for q in fg.questions or [] if _dict(q).get("text")), None)
    title = "Grupa fokusowa" + (f" z {when}" if when else "")
    title += f": „{clip(first, 60)}”" if first else ""
    return title + f" ({counted(len(fg.persona_ids or []), 'persona', 'persony', 'person')})"


def quoted_questions(fg: FocusGroupRecord) -> list[str]:
    """Ids of the questions whose quotes come from sample answers (likert reasons, open
    questions without themes): the reader fetches a few answers of these."""
    report = _dict(fg.report)
    questions = [q for q in report.get("questions") or fg.questions or [] if isinstance(q, dict)]
    return [
        str(q.get("id"))
        for q in questions[:MAX_QUESTIONS]
        if q.get("type") == "likert"
        or (
            q.get("type") == "open"
            and not any(_dict(t).get("quote") for t in q.get("themes") or [])
        )
    ]


def render_focus_group(
    fg: FocusGroupRecord,
    answers: Sequence[Mapping[str, Any]] = (),
    names: Mapping[str, str] | None = None,
) -> ResultBlock:
    """The block of a focus group; `answers` are sample answer records for quotes and `names`
    the quoted personas' names by id (both optional)."""
    report, names = _dict(fg.report), names or {}
    facts = [Fact(_overview(fg, report), topics(GROUP, STATUS), CORE)]
    for warning in (report.get("warnings") or [])[:3]:
        facts.append(Fact(f"Ostrzeżenie: {clip(warning)}", topics(ALARM), USEFUL))
    questions = [q for q in report.get("questions") or [] if isinstance(q, dict)]
    if not questions:  # no report yet: the questions as asked
        questions = [q for q in fg.questions or [] if isinstance(q, dict)]
    for q in questions[:MAX_QUESTIONS]:
        facts += _question_facts(q, answers, names)
    quality = _dict(report.get("quality"))
    if number_of(quality.get("polish_share")) is not None:
        text = f"Jakość odpowiedzi: po polsku {pct(quality['polish_share'])} tekstów"
        if number_of(quality.get("near_duplicate_share")) is not None:
            text += f", prawie identyczne {pct(quality['near_duplicate_share'])}"
        facts.append(Fact(text + ".", topics(ALARM), DETAIL))
    spend = _dict(report.get("spend") or fg.spend)
    if number_of(spend.get("tokens")) is not None:
        text = f"Koszt: {counted(spend['tokens'], 'token', 'tokeny', 'tokenów')}"
        usd = f", {num(spend['usd'], 4)} USD" if number_of(spend.get("usd")) is not None else ""
        facts.append(Fact(f"{text}{usd}.", topics(COST), DETAIL))
    ref = ResultRef("focus_group", fg.id)
    return ResultBlock(ref, focus_group_title(fg), ranked(facts), fg.created_at)
