"""A KPI snapshot as the mentor's facts: every KPI with its benchmark, confidence, sources.

The snapshot is the KPI workflow's result (docs/kpi_estimation.md), stored in kpi_snapshots
or on a persona. Older or partial snapshots lack some fields: a fact is left out when its
number is missing, never written with a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tools.mentor.polish_format import (
    counted,
    day,
    listing,
    money,
    num,
    number_of,
    pct,
    pct_of,
    plural,
)
from tools.mentor.refs import CORE, DETAIL, USEFUL, Fact, ResultBlock, ResultRef, ranked, topics

KPI = ("kpi", "wskaźn", "benchmark", "branż", "średni")
NPS = ("nps", "polec", "rekomend", "lojaln", "satysf", "zadowol", "promot")
CONVERSION = ("konwers", "sprzeda", "zakup", "kupuj", "conversion")
RETENTION = ("retenc", "utrzym", "odejś", "odchodz", "churn", "powrac", "retention")
LTV = ("ltv", "wartoś", "przych", "zysk", "lifetime")
CAC = ("cac", "koszt", "pozysk", "marketing", "reklam", "wydat", "opłacal")
SIZE = ("wielkoś", "rozmiar", "segment", "rynek", "rynk", "populac", "liczb", "osób")
CONFIDENCE = ("pewnoś", "wiarygod", "dokładn", "zaufa", "niepewn", "confidence", "ryzyk")
SOURCES = ("źródł", "dane", "danych", "skąd", "gus", "metod")
WHEN = ("kiedy", "dat", "policz", "oblicz", "aktualn")
KPI_NAMES = ("nps", "konwers", "retenc", "ltv", "cac", "kpi", "wskaźn")
DIMENSIONS = {
    "age": "wiek",
    "gender": "płeć",
    "education": "wykształcenie",
    "income": "dochód",
    "location": "miejsce zamieszkania",
}
_BASE = re.compile(r"^base ([\d.]+): (.+) heuristic estimate$")
_PENALTY = re.compile(r"^-([\d.]+): (.+)$")
_FLAT = re.compile(r"^(\w+) uses the requirements' flat factor$")
_LTV_FORMULA = re.compile(r"x ([\d.]+) x ([\d.]+) years")
_PARENTHESES = re.compile(r"\([^)]*\)")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def industry_label(snapshot: Mapping[str, Any]) -> str:
    """The benchmark industry's name ("Retail / e-commerce"), or its key."""
    details = _dict(snapshot.get("kpi_details"))
    return str(
        details.get("industry_label") or _dict(snapshot.get("request")).get("industry") or ""
    )


def _range(low: Any, high: Any) -> str:
    if number_of(low) is None and number_of(high) is None:
        return ""
    if number_of(high) is None:
        return f"powyżej {money(low)}"
    if not number_of(low):
        return f"do {money(high)}"
    return f"{num(low, 0)}–{money(high)}"


def segment_text(segment: Mapping[str, Any]) -> str:
    """The segment in a Polish phrase: "wiek 25–34, płeć: kobieta, miejsce: Kraków"."""
    parts = []
    low, high = number_of(segment.get("age_min")), number_of(segment.get("age_max"))
    if low is not None and high is not None:
        parts.append(f"wiek {num(low, 0)}–{num(high, 0)}")
    for key, name in (("genders", "płeć"), ("education_levels", "wykształcenie")):
        if segment.get(key):
            parts.append(f"{name}: {' lub '.join(map(str, segment[key]))}")
    ranges = [r for r in segment.get("income_ranges") or [] if isinstance(r, list | tuple)]
    if ranges:
        spans = [_range(r[0], r[1] if len(r) > 1 else None) for r in ranges if r]
        if spans := [span for span in spans if span]:
            parts.append("dochód netto " + " lub ".join(spans))
    elif segment.get("income_brackets"):
        parts.append("dochód netto " + " lub ".join(map(str, segment["income_brackets"])))
    places = [str(segment["city"])] if segment.get("city") else []
    places += [" lub ".join(segment.get("settlement_classes") or [])]
    if segment.get("voivodeships"):
        places.append("woj. " + " lub ".join(segment["voivodeships"]))
    parts.append("miejsce: " + ("; ".join(p for p in places if p) or "cała Polska"))
    return ", ".join(parts)


def _versus(snapshot: Mapping[str, Any], name: str, write: Any) -> str:
    bench = _dict(_dict(snapshot.get("benchmarks")).get(name))
    if number_of(bench.get("industry_average")) is None:
        return ""
    label = industry_label(snapshot)
    text = f" (średnia branży{' ' + label if label else ''}: {write(bench['industry_average'])}"
    direction, delta = bench.get("direction"), number_of(bench.get("delta_pct"))
    if direction == "on_par":
        text += "; na poziomie średniej"
    elif direction in ("above", "below") and delta is not None:
        side = "powyżej" if direction == "above" else "poniżej"
        text += f"; względnie {pct_of(abs(delta))} {side} średniej"
    return text + ")"


def _reason(reason: str) -> str:
    """A confidence reason of the KPI workflow in Polish (unknown ones as they are)."""
    if base := _BASE.match(reason):
        return f"punkt wyjścia {num(base[1], 2)}: szacunek heurystyczny dla branży {base[2]}"
    penalty = _PENALTY.match(reason)
    if not penalty:
        return reason
    why = penalty[2]
    if flat := _FLAT.match(why):
        why = f"{DIMENSIONS.get(flat[1], flat[1])} bez tabeli GUS (płaski współczynnik)"
    elif why.startswith("income shares"):
        why = "udziały dochodów z tabeli pochodnej"
    elif why.startswith("persons by settlement class"):
        why = "liczba osób wg klasy miejscowości lub województwa z tabel pochodnych"
    elif why.startswith("illustrative benchmark"):
        why = "część wskaźników branżowych jest poglądowa"
    return f"−{num(penalty[1], 2)}: {why}"


def _publishers(text: str) -> list[str]:
    """Who published a source ("GUS; Eurostat: NSP 2021 ..." -> GUS, Eurostat)."""
    names = []
    for part in text.split(":")[0].split(";"):
        name = _PARENTHESES.sub("", part).strip()
        names.append("założenia Sight" if name.startswith("Sight") else name)
    return [name for name in names if name]


def _sources(snapshot: Mapping[str, Any]) -> str:
    population, benchmarks = [], []
    for source in snapshot.get("data_sources") or []:
        if not isinstance(source, dict) or not source.get("source"):
            continue
        text = str(source["source"])
        if source.get("kind") == "benchmark":
            year = source.get("year")
            for name in _publishers(text.split(",")[0]):
                benchmarks.append(f"{name} ({year})" if isinstance(year, int) else name)
        else:
            population += _publishers(text)
    parts = []
    if population:
        parts.append("dane ludnościowe: " + listing(dict.fromkeys(population)))
    if benchmarks:
        parts.append("wskaźniki branżowe: " + listing(dict.fromkeys(benchmarks)))
    return "; ".join(parts)


def _ltv(snapshot: Mapping[str, Any]) -> str:
    text = f"LTV (wartość klienta w całym okresie współpracy): {money(snapshot['ltv'])}"
    details = _dict(snapshot.get("kpi_details"))
    formula = _LTV_FORMULA.search(str(details.get("ltv_formula") or ""))
    income = details.get("avg_monthly_income_pln")
    if formula and number_of(income) is not None:
        years = number_of(formula[2]) or 0
        unit = plural(int(years), "rok", "lata", "lat") if years == int(years) else "roku"
        text += (
            f"; liczone jako średni dochód netto {money(income)} miesięcznie × "
            f"{num(formula[1], 2)} × {num(years, 1)} {unit}"
        )
    return text + "."


def kpi_facts(snapshot: Mapping[str, Any], *, whose: str = "") -> list[Fact]:
    """The snapshot's facts, most important first (the KPIs, then confidence, then sources);
    `whose` names the segment in the size fact (" osób podobnych do persony")."""
    s = snapshot
    facts: list[Fact] = []

    def add(text: str, weight: float, *groups: tuple[str, ...]) -> None:
        facts.append(Fact(text, topics(*groups), weight))

    if number_of(s.get("nps_score")) is not None:
        add(f"NPS: {num(s['nps_score'])}{_versus(s, 'nps_score', num)}.", CORE, NPS, KPI)
    if number_of(s.get("conversion_rate")) is not None:
        text = f"Konwersja: {pct(s['conversion_rate'])}{_versus(s, 'conversion_rate', pct)}."
        add(text, CORE, CONVERSION, KPI)
    if number_of(s.get("retention_rate")) is not None:
        text = f"Retencja: {pct(s['retention_rate'])}{_versus(s, 'retention_rate', pct)}."
        add(text, CORE, RETENTION, KPI)
    if number_of(s.get("ltv")) is not None:
        add(_ltv(s), CORE, LTV, KPI)
    if number_of(s.get("cac")) is not None:
        text = f"CAC (koszt pozyskania klienta): {money(s['cac'])}"
        if number_of(s.get("cac_ltv_ratio")) is not None:
            text += f", czyli {pct(s['cac_ltv_ratio'])} LTV (stosunek CAC do LTV)"
        add(text + ".", CORE, CAC, LTV[:1], KPI)
    if number_of(s.get("segment_size")) is not None:
        details = _dict(s.get("segment_size_details"))
        where = f" (miejsce: {details['location']})" if details.get("location") else ""
        floor = "; to dolna granica szacunku" if details.get("clamped_to_minimum") else ""
        text = f"Wielkość segmentu{whose}: {counted(s['segment_size'], 'osoba', 'osoby', 'osób')}"
        add(f"{text} w Polsce{where}{floor}.", CORE, SIZE)
    if number_of(s.get("confidence_score")) is not None:
        reasons = [_reason(str(r)) for r in s.get("confidence_reasons") or []]
        why = f"; {'; '.join(reasons)}" if reasons else ""
        text = f"Pewność szacunku: {num(s['confidence_score'], 2)} w skali 0–1{why}."
        # Confidence qualifies every KPI: a question about any of them gets it too.
        add(text, USEFUL, CONFIDENCE, SOURCES[:1], KPI_NAMES)
    if sources := _sources(s):
        method = "heurystyka bez danych CRM i analityki"
        add(f"Źródła: {sources}; metoda: {method}.", DETAIL, SOURCES)
    if when := day(s.get("computed_at")):
        add(f"Szacunek policzono {when}.", DETAIL, WHEN)
    return facts


def render_kpi(key: str, snapshot: Mapping[str, Any], created_at: datetime | None) -> ResultBlock:
    """The block of a KPI snapshot stored under `key`."""
    request = _dict(snapshot.get("request"))
    name = f" „{request['segment_name']}”" if request.get("segment_name") else ""
    label = industry_label(snapshot)
    title = f"Szacunek KPI{name}: {segment_text(_dict(request.get('segment')))}"
    title += f" (branża {label})" if label else ""
    segment = Fact(
        f"Segment szacunku: {segment_text(_dict(request.get('segment')))}"
        + (f"; branża: {label}." if label else "."),
        topics(SIZE, KPI),
        USEFUL,
    )
    return ResultBlock(
        ResultRef("kpi", key), title, ranked([*kpi_facts(snapshot), segment]), created_at
    )
