"""The mentor's rendering of results as Polish facts (tools/mentor/render*.py, polish_format.py).

Every number a fact states must read back, through the grounding check's own reader
(tools/mentor/numbers.numbers_in), to the value the record holds, rounded as the facts round
(one decimal for percentages, whole złoty): each kind's test lists the numbers of its facts.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.tools.mentor_records import (
    RURAL_SAAS,
    T0,
    focus_group_record,
    interaction_records,
    kpi_snapshot,
    likert_answer,
    persona_record,
    session_record,
)
from tools import industry
from tools.mentor.numbers import numbers_in
from tools.mentor.polish_format import clip, money, num, pct, quote
from tools.mentor.refs import MAX_FACTS, Fact, ResultBlock, ranked, topics
from tools.mentor.render import (
    render_focus_group,
    render_kpi,
    render_persona,
    render_sales_session,
)
from tools.mentor.render_kpi import segment_text


def read(text: str) -> list[Decimal]:
    """The values of the numbers a text states (a ratio's share is derived: left out)."""
    return [n.value for n in numbers_in(text) if n.kind != "ratio"]


def r(value: float | str, places: int = 1) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fact(block: ResultBlock, start: str) -> Fact:
    found = [f for f in block.facts if f.text.startswith(start)]
    assert len(found) == 1, (start, [f.text for f in block.facts])
    return found[0]


def about(block: ResultBlock, question: str) -> list[Fact]:
    """The facts whose topics a question's words start with (Fact's documented matching)."""
    words = [w.lower().strip("?,.!") for w in question.split()]
    return [f for f in block.facts if any(w.startswith(t) for w in words for t in f.topics)]


def assert_clean(block: ResultBlock) -> None:
    """No placeholder for a missing number, no English decimal point, facts capped."""
    assert len(block.facts) <= MAX_FACTS
    for text in [block.title, *(f.text for f in block.facts)]:
        assert "?" not in text.replace("?”", "”"), text
        assert not any(re.search(r"\d\.\d", n.raw) for n in numbers_in(text)), text


# --- Polish numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value", "kind"),
    [
        (num(1234.5), Decimal("1234.5"), "plain"),
        (num(1_234_567, 0), Decimal(1234567), "plain"),
        (num(-0.05, 2), Decimal("-0.05"), "plain"),
        (pct(0.125), Decimal("12.5"), "percent"),
        (pct(0.02499), Decimal("2.5"), "percent"),
        (pct(1 / 3), Decimal("33.3"), "percent"),
        (money(6212.02), Decimal(6212), "currency"),
        (money(12_500), Decimal(12500), "currency"),
    ],
)
def test_polish_format_when_numbers_written_then_grounding_reads_them_back(written, value, kind):
    [number] = numbers_in(written)
    assert (number.value, number.kind) == (value, kind)


def test_polish_format_when_text_clipped_then_no_number_cut_and_contacts_masked():
    text = "Wpłacił 1 234 567 zł zaliczki i chce odbioru w piątek"
    for limit in range(10, len(text)):
        clipped = clip(text, limit)
        assert len(clipped) <= limit
        assert all(v == 1234567 for v in read(clipped)), clipped
    masked = quote("Pisz na anna@example.com lub dzwoń +48 601 234 567.")
    assert "example" not in masked and "601" not in masked and read(masked) == []


def test_topics_when_stem_starts_another_then_one_kept_and_folded_added():
    found = topics(("lojaln", "lojalnoś", "wydźwięk"), ("cen",))
    assert found == {"lojaln", "wydźwięk", "wydzwiek", "cen"}


def test_ranked_when_weights_differ_then_heavier_first_in_order_and_capped():
    facts = [Fact(str(i), frozenset(), w) for i, w in enumerate([0.3, 1.0, 0.6, 1.0])]
    assert [f.text for f in ranked(facts)] == ["1", "3", "2", "0"]
    assert len(ranked(facts * 10)) == MAX_FACTS


# --- KPI ----------------------------------------------------------------------------------


async def test_render_kpi_when_snapshot_then_every_kpi_and_benchmark_reads_back():
    snap = await kpi_snapshot()
    bench = industry.get_benchmark("retail")
    marks = snap["benchmarks"]

    block = render_kpi(snap["key"], snap, T0)

    assert block.ref.kind == "kpi" and block.ref.id == snap["key"] and block.created_at == T0
    assert read(block.title) == [25, 34] and "Retail / e-commerce" in block.title
    nps = fact(block, "NPS")
    assert read(nps.text) == [
        snap["nps_score"],
        marks["nps_score"]["industry_average"],
        r(marks["nps_score"]["delta_pct"]),
    ]
    assert all(n.kind == "plain" for n in numbers_in(nps.text)[:2])  # NPS is a score, not a %
    for start, name in (("Konwersja", "conversion_rate"), ("Retencja", "retention_rate")):
        found = fact(block, start)
        assert read(found.text) == [
            r(snap[name] * 100),
            r(marks[name]["industry_average"] * 100),
            r(marks[name]["delta_pct"]),
        ]
        assert {n.kind for n in numbers_in(found.text)} == {"percent"}
    income = snap["kpi_details"]["avg_monthly_income_pln"]
    assert read(fact(block, "LTV").text) == [
        r(snap["ltv"], 0),
        r(income, 0),
        Decimal(str(bench.ltv_income_share)),
        Decimal(str(bench.ltv_years)),
    ]
    assert read(fact(block, "CAC").text) == [r(snap["cac"], 0), r(snap["cac_ltv_ratio"] * 100)]
    assert read(fact(block, "Wielkość segmentu").text) == [snap["segment_size"]]
    penalties = [n.value for reason in snap["confidence_reasons"] for n in numbers_in(reason)]
    confidence = fact(block, "Pewność szacunku")
    assert read(confidence.text) == [r(snap["confidence_score"], 2), 0, 1, *penalties]
    assert "poglądowa" in confidence.text and "illustrative" not in confidence.text
    assert read(fact(block, "Szacunek policzono").text) == [7, 12, 2026]
    assert_clean(block)


async def test_render_kpi_when_rural_segment_then_floor_flat_factor_and_income_range_said():
    snap = await kpi_snapshot(RURAL_SAAS)

    block = render_kpi(snap["key"], snap, None)

    assert snap["segment_size_details"]["clamped_to_minimum"]
    assert "dolna granica" in fact(block, "Wielkość segmentu").text
    assert "płeć bez tabeli GUS" in fact(block, "Pewność szacunku").text
    income = [n for n in numbers_in(block.title) if n.kind == "currency"]
    assert [n.value for n in income] == [7000, 10000]
    assert "wieś; woj. podlaskie" in block.title
    assert_clean(block)


@pytest.mark.parametrize(
    ("snapshot", "starts"),
    [
        ({"nps_score": 32, "ltv": 5000.5, "cac": 750}, ["NPS: 32.", "LTV", "CAC"]),
        ({"nps_score": None, "conversion_rate": "n/a", "benchmarks": {"nps_score": 3}}, []),
        ({}, []),
    ],
)
def test_render_kpi_when_fields_missing_then_only_facts_with_numbers(snapshot, starts):
    block = render_kpi("a" * 64, snapshot, None)

    kpis = [f.text for f in block.facts if not f.text.startswith("Segment szacunku")]
    assert [t for t in kpis if any(t.startswith(s) for s in starts)] == kpis
    assert len(kpis) == len(starts)
    assert_clean(block)


def test_segment_text_when_income_ranges_open_or_empty_then_each_said_in_zloty():
    segment = {
        "age_min": 18,
        "age_max": 24,
        "income_ranges": [[None, None], [0, 4000], [8000, None]],
    }

    text = segment_text(segment)

    assert text == "wiek 18–24, dochód netto do 4 000 zł lub powyżej 8 000 zł, miejsce: cała Polska"
    assert [(n.value, n.kind) for n in numbers_in(text)][2:] == [
        (4000, "currency"),
        (8000, "currency"),
    ]


# --- personas -------------------------------------------------------------------------------


async def test_render_persona_then_who_score_traits_and_kpis_read_back():
    snap = await kpi_snapshot()
    reasons = [{"code": "story_too_short", "penalty": 5, "message": "story is short"}]
    persona = persona_record(0, kpi_snapshot=snap, kpi_snapshot_at=T0, score_reasons=reasons)

    block = render_persona(persona)

    assert block.title == "Persona „Anna Kowalczyk” (29 lat, Kraków)"
    assert block.ref.id == persona.id and block.created_at == T0
    assert read(fact(block, "Kim jest").text) == [29]
    income = fact(block, "Wykształcenie wyższe")
    assert [(n.value, n.kind) for n in numbers_in(income.text)] == [
        (5000, "currency"),
        (7500, "currency"),
    ]
    assert read(fact(block, "Ocena jakości").text) == [87, 100, -5]
    assert "za krótka historia" in fact(block, "Ocena jakości").text
    big_five = [r(v * 100, 0) for v in persona.big_five.values()]
    assert read(fact(block, "Osobowość").text) == [0, 100, *big_five]
    hofstede = [r(v, 0) for v in persona.hofstede.values()]
    assert read(fact(block, "Wymiary kulturowe").text) == [0, 100, *hofstede]
    assert read(fact(block, "NPS").text)[0] == snap["nps_score"]
    assert read(fact(block, "Wielkość segmentu osób podobnych").text) == [snap["segment_size"]]
    story = fact(block, "Historia")
    assert "anna.kowalczyk@example.com" not in story.text and "601" not in story.text
    assert_clean(block)


async def test_render_persona_when_low_nps_question_then_nps_benchmark_and_confidence_match():
    snap = await kpi_snapshot()
    block = render_persona(persona_record(0, kpi_snapshot=snap, kpi_snapshot_at=T0))

    matched = [f.text for f in about(block, "Dlaczego ta persona ma niski NPS?")]

    assert any(t.startswith("NPS:") and "średnia branży" in t for t in matched)
    assert any(t.startswith("Pewność szacunku") for t in matched)
    assert not any(t.startswith(("Osobowość", "Historia", "Kim jest")) for t in matched)
    assert [f.text for f in about(block, "Ile kosztuje pozyskanie klienta?")][0].startswith("CAC")


def test_render_persona_when_fields_missing_then_block_without_them():
    persona = persona_record(
        1,
        values=None,
        interests=[],
        big_five=None,
        hofstede={"power_distance": None},
        schwartz={},
        quality={},
        score_reasons=[{"code": "new_check"}, "odd"],
        background_story="",
        segment={},
        segment_name=None,
        occupation="",
        kpi_snapshot={"request": None, "nps_score": 41},
    )

    block = render_persona(persona)

    texts = [f.text for f in block.facts]
    assert not any(t.startswith(("Osobowość", "Wymiary", "Historia", "Wartości")) for t in texts)
    assert "NPS: 41." in texts
    assert "new check" in fact(block, "Ocena jakości").text
    assert_clean(block)


# --- focus groups ---------------------------------------------------------------------------


def _focus_group_block():
    fg = focus_group_record(persona_ids=[f"p-{i:02d}" for i in range(12)])
    answers = [likert_answer(fg.id, "p-03", 4, "Raczej tak, jeśli cena spadnie o 20 tys. zł.")]
    names = {"p-00": "Anna Kowalczyk", "p-03": "Jan Nowak"}
    return fg, render_focus_group(fg, answers, names)


def test_render_focus_group_then_each_question_result_reads_back():
    fg, block = _focus_group_block()

    assert read(block.title) == [7, 12, 2026, 12]
    assert read(fact(block, "Status").text) == [12, 4, 47, 48]
    assert "zakończona częściowo" in fact(block, "Status").text
    themes = fact(block, "„bariery” – Tematy")
    assert read(themes.text) == [12, r(500 / 12), 5, r(400 / 12), 4, 25, 3]
    likert = fact(block, "„zakup” – Odpowiedzi na skali")
    sixth = r(100 * 2 / 12)
    assert read(likert.text) == [1, 5, 12, r(2.75, 2), r(2.5, 2)] + [
        1, 25, 2, 25, 3, sixth, 4, sixth, 5, sixth, 4, 5, r(100 * 4 / 12),
    ]  # fmt: skip
    # The most chosen first: hybrydowy 5 of 12.
    choice = fact(block, "„naped” – Wybory")
    assert read(choice.text) == [12, r(500 / 12), 5, 25, 3, 25, 3, r(100 / 12), 1]
    assert choice.text.index("hybrydowy") < choice.text.index("diesel")
    numeric = fact(block, "„cena” – Odpowiedzi liczbowe")
    thousands = [r(v) * 1000 for v in (131.25, 131.25, 80.625, 181.875, 30, 232.5)]
    assert read(numeric.text) == [12, *thousands]
    assert {n.kind for n in numbers_in(numeric.text)[1:]} == {"currency"}
    sentiment = fact(block, "„bariery” – Wydźwięk")
    assert read(sentiment.text) == [r(500 / 12), 5, r(700 / 12), 7, 0, 0]
    assert read(fact(block, "„zakup” – alarm jednorodności").text) == [r(0.926, 3), r(0.92, 2)]
    cut = fact(block, "„zakup” – Różnica")
    assert read(cut.text) == [r(0.031, 3), r(3.2857, 2), 2] and "płeć" in cut.text
    assert read(fact(block, "Koszt").text) == [10667, r(0.0481, 4)]
    quote_ = fact(block, "„bariery” – cytat do tematu „ładować")
    assert "(Anna Kowalczyk)" in quote_.text and "Brakuje ładowarek" in quote_.text
    reason = fact(block, "„zakup” – uzasadnienie oceny 4 (Jan Nowak)")
    assert read(reason.text) == [4, 20000]
    assert_clean(block)


def test_render_focus_group_when_asked_about_price_then_price_facts_match_best():
    _, block = _focus_group_block()
    words = "Co wynika z grupy fokusowej o cenie?"

    scored = [(sum(any(w.startswith(t) for w in words.lower().split()) for t in f.topics), f)
              for f in block.facts]  # fmt: skip
    best = max(score for score, _ in scored)
    top = [f.text for score, f in scored if score == best]

    assert top and all("„cena”" in t or "cena, brać" in t for t in top), top
    assert any(t.startswith("„cena” – Odpowiedzi liczbowe") for t in top)


@pytest.mark.parametrize("status", ["estimated", "running", "failed", "refused"])
def test_render_focus_group_when_no_report_then_setup_and_questions_only(status):
    error = (
        {"code": "model_error", "message": "Model nie odpowiedział."}
        if status == "failed"
        else None
    )
    fg = focus_group_record(status=status, report=None, error=error, spend={})

    block = render_focus_group(fg)

    texts = [f.text for f in block.facts]
    assert texts[0].startswith("Status:") and len([t for t in texts if "Pytanie „" in t]) == 4
    assert ("Model nie odpowiedział" in texts[0]) == (status == "failed")
    assert not any("Tematy" in t or "Wybory" in t for t in texts)
    assert_clean(block)


def test_render_focus_group_when_statistics_missing_then_only_the_known_ones_said():
    fg = focus_group_record()
    report = copy.deepcopy(fg.report)
    likert, numeric = report["questions"][1], report["questions"][3]
    del likert["distribution"]["mean"], likert["distribution"]["median"]
    numeric["distribution"] = {"median": 120, "max": "n/a"}
    report["cells"] = {"total": 48}
    report["spend"] = {"tokens": 900}
    report["questions"].append(
        {"id": "d", "type": "open", "discussion": [{"round": 1, "reactions": 12, "changed": 3}, {}]}
    )

    block = render_focus_group(replace(fg, report=report))

    scale = fact(block, "„zakup” – Odpowiedzi na skali").text
    assert "średnia" not in scale and read(scale)[:3] == [1, 5, 12]
    numeric_text = fact(block, "„cena” – Odpowiedzi liczbowe").text
    assert numeric_text == "„cena” – Odpowiedzi liczbowe (12 osób): mediana 120 tys. zł."
    assert "zebrano" not in fact(block, "Status").text
    assert fact(block, "Koszt").text == "Koszt: 900 tokenów."
    assert read(fact(block, "„d” – runda dyskusji").text) == [1, 12, 3]
    assert_clean(block)


def test_render_focus_group_when_report_partial_or_large_then_tolerated_and_capped():
    fg = focus_group_record()
    report = copy.deepcopy(fg.report)
    broken = {"id": "x", "type": "likert", "distribution": {"shares": {}}, "themes": None}
    report["questions"] = [broken, {"id": "y", "type": "open", "themes": []}, "junk"] + [
        copy.deepcopy(report["questions"][1]) for _ in range(30)
    ]
    block = render_focus_group(replace(fg, report=report))

    assert len(block.facts) == MAX_FACTS and block.facts[0].text.startswith("Status")
    assert any("Za mało odpowiedzi" in f.text for f in block.facts)
    assert_clean(block)


# --- sales sessions ---------------------------------------------------------------------------


def test_render_sales_session_then_outcome_readiness_archetype_and_facts_read_back():
    block = render_sales_session(session_record(), interaction_records())

    assert block.title == "Sesja sprzedażowa z klientem „Pan Tomasz” (7.12.2026; zakup)"
    outcome = fact(block, "Wynik sesji")
    assert "klient kupił" in outcome.text
    assert read(outcome.text) == [15, 12, 2026, 36, 12500]
    readiness = fact(block, "Gotowość do zakupu:")
    assert read(readiness.text) == [70, 100] and "(wysoki)" in readiness.text
    assert "termin dostawy" in readiness.text  # the rule with the most points says why
    assert read(fact(block, "Gotowość do zakupu w kolejnych").text) == [30, 45, 70, 100]
    assert read(fact(block, "Ryzyko utraty").text) == [11, 100]
    assert read(fact(block, "Wartość jazdy próbnej").text) == [58, 100]
    assert fact(block, "Archetyp klienta").text == (
        "Archetyp klienta: Strażnik Rodziny (drugi w kolejności: Pragmatyczny Analityk)."
    )
    assert read(fact(block, "Kluczowe fakty").text) == [2, 400]
    assert read(fact(block, "Przebieg").text) == [3, 7, 12, 2026, 13, 12, 2026]
    assert read(fact(block, "Najważniejsze wartości klienta").text) == [
        3,
        90,
        100,
        68,
        100,
        62,
        100,
    ]
    objections = fact(block, "Zastrzeżenia klienta").text
    assert "czekać na auto" in objections and "objection." not in objections
    assert read(fact(block, "Ostatnia notatka").text) == [3]
    assert_clean(block)


def test_render_sales_session_when_asked_which_sold_and_why_then_outcome_and_reasons_match():
    block = render_sales_session(session_record(), interaction_records())

    matched = [f.text for f in about(block, "Które sesje zakończyły się sprzedażą i dlaczego?")]

    assert matched[0].startswith("Wynik sesji")


def test_render_sales_session_when_active_without_turns_then_in_progress_and_no_gaps():
    talk = session_record(
        status="active",
        outcome_data=None,
        client_alias=None,
        summary="",
        key_facts=[],
        deep_analysis={"turn": 2, "strategy": {"tabs": "x"}, "psychometrics": None},
        latest_readiness=40,
        turns=0,
    )

    block = render_sales_session(talk, [])

    assert block.title == "Sesja sprzedażowa bez przypisanego klienta (7.12.2026; w toku)"
    texts = [f.text for f in block.facts]
    assert texts[0] == "Sesja w toku, bez wyniku (ostatnia aktywność 13.12.2026)."
    assert "Gotowość do zakupu (ostatnia): 40/100." in texts
    assert not any(t.startswith(("Archetyp", "Kluczowe", "Streszczenie")) for t in texts)
    assert_clean(block)
