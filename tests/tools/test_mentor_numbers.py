"""Polish number normalisation and the mentor's grounding check (tools/mentor/numbers.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tools.mentor.numbers import grounded, numbers_in


def _read(text: str) -> list[tuple[str, Decimal, str]]:
    return [(n.raw, n.value, n.kind) for n in numbers_in(text)]


def _violations(answer: str, context: str, **kwargs) -> list[str]:
    return [n.raw for n in grounded(answer, context, **kwargs).violations]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NPS wzrósł do 12,5%", [("12,5%", Decimal("12.5"), "percent")]),
        ("udział 12,5 % rynku", [("12,5 %", Decimal("12.5"), "percent")]),
        ("to 12,5 proc. badanych", [("12,5 proc.", Decimal("12.5"), "percent")]),
        ("aż 40 procent osób", [("40 procent", Decimal(40), "percent")]),
        ("przychód 1 234 567 zł", [("1 234 567 zł", Decimal(1234567), "currency")]),
        ("koszt 1\u00a0234,5 PLN", [("1\u00a0234,5 PLN", Decimal("1234.5"), "currency")]),
        ("łącznie 1.234.567 odsłon", [("1.234.567", Decimal(1234567), "plain")]),
        ("marża 1.234,5 zł", [("1.234,5 zł", Decimal("1234.5"), "currency")]),
        ("sprzedaż 38 mln zł", [("38 mln zł", Decimal(38_000_000), "currency")]),
        ("budżet 2,5 mld", [("2,5 mld", Decimal(2_500_000_000), "plain")]),
        ("zasięg 120 tys. odbiorców", [("120 tys.", Decimal(120_000), "plain")]),
        ("zasięg 3 tysięcy osób", [("3 tysięcy", Decimal(3000), "count")]),
        ("2 miliony złotych", [("2 miliony złotych", Decimal(2_000_000), "currency")]),
        ("spadek -5% i wzrost +3 pp", [("-5%", Decimal(-5), "percent"), ("+3 pp", 3, "percent")]),
        ("W 2024 r. odbyło się 120 sesji", [("2024", 2024, "plain"), ("120", 120, "count")]),
    ],
)
def test_numbers_in_when_polish_notation_then_normalised(text, expected):
    assert _read(text) == expected


def test_numbers_in_when_ratio_then_counts_and_share():
    assert _read("3 z 5 sesji") == [
        ("3 z 5", Decimal("0.6"), "ratio"),
        ("3", 3, "count"),
        ("5", 5, "count"),
    ]
    assert [n.value for n in numbers_in("wynik 3/5")] == [Decimal("0.6"), 3, 5]


@pytest.mark.parametrize("text", ["ceny 20-30%", "ceny 20–30 %", "ceny 20 – 30 proc."])
def test_numbers_in_when_range_then_both_ends_take_the_unit(text):
    assert [(n.value, n.kind) for n in numbers_in(text)] == [(20, "percent"), (30, "percent")]


def test_numbers_in_when_range_with_scale_then_both_ends_scaled():
    assert [n.value for n in numbers_in("przychód 20-30 mln zł")] == [20_000_000, 30_000_000]


def test_numbers_in_when_list_markers_and_identifiers_then_skipped():
    text = (
        "1. Persona #5f0b3c52 ma NPS 42.\n"
        "2) Sesja s12 (0b7c2f1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b) z kpi_2024_q1.\n"
        "  3. W poniedziałek i we wtorek bez zmian."
    )
    assert [n.raw for n in numbers_in(text)] == ["42"]


def test_numbers_in_when_spans_given_then_they_point_at_the_raw_text():
    text = "Persona ma NPS 42, a konwersja to 12,5 %."
    assert [text[n.start : n.end] for n in numbers_in(text)] == ["42", "12,5 %"]


def test_numbers_in_when_number_words_then_out_of_scope():
    assert numbers_in("trzy z pięciu sesji zakończyły się sprzedażą") == []


PERSONA = (
    "Persona: Katarzyna, 38 lat, Kraków. NPS: -12. Skłonność do polecenia: 4,2 / 10.\n"
    "Udział odpowiedzi negatywnych o cenie: 12,47%. Liczba odpowiedzi: 1 250."
)
FOCUS = (
    "Grupa fokusowa o cenie, 24 uczestników. Za drogo: 0,625 odpowiedzi. "
    "Akceptacja ceny 49 zł: 33,3%. Deklarowana cena maksymalna: 39–45 zł."
)
KPI = (
    "KPI 2024-Q3: przychód 38 412 000 zł (plan 40 mln zł), marża 23,8%, "
    "konwersja 2,94%, zmiana r/r -4,6%, koszt pozyskania 187,50 zł."
)
SALES = "Sesje: s1 sprzedaż, s2 brak, s3 sprzedaż, s4 sprzedaż, s5 brak. Sprzedaż w 3 z 5 sesji."


@pytest.mark.parametrize(
    ("answer", "context"),
    [
        ("Persona ma ujemny NPS (-12) – to sygnał ostrzegawczy.", PERSONA),
        ("Spadek NPS o 12 punktów wynika z ceny.", PERSONA),
        ("Aż 12,5% odpowiedzi krytykuje cenę.", PERSONA),
        ("Około 12% odpowiedzi dotyczy ceny.", PERSONA),
        ("Przeanalizowaliśmy 1250 odpowiedzi.", PERSONA),
        ("Dla 62,5% uczestników produkt jest za drogi.", FOCUS),
        ("Co trzeci uczestnik (33%) akceptuje cenę 49 zł.", FOCUS),
        ("Uczestnicy zapłaciliby maksymalnie 39-45 zł.", FOCUS),
        ("Przychód wyniósł 38,4 mln zł wobec planu 40 mln zł.", KPI),
        ("Przychód to około 38 mln zł, marża 24%.", KPI),
        ("Konwersja spadła do 2,9%, a przychód r/r o 4,6%.", KPI),
        ("Koszt pozyskania klienta: 187,5 zł.", KPI),
        ("Sprzedaż zakończyła 3 z 5 sesji.", SALES),
        ("Skuteczność wyniosła 60%.", SALES),
        ("1. Sprzedaż w 3/5 sesji.\n2. Sesje s1, s3 i s4 zakończyły się zakupem.", SALES),
    ],
)
def test_grounded_when_numbers_reformatted_rounded_or_converted_then_found(answer, context):
    result = grounded(answer, context)
    assert result.ok, [n.raw for n in result.violations]
    assert result.found


@pytest.mark.parametrize(
    ("answer", "context", "invented"),
    [
        ("Persona ma NPS -18, więc rzadko poleca markę.", PERSONA, ["-18"]),
        ("Cenę krytykuje 15% odpowiedzi.", PERSONA, ["15%"]),
        ("Cenę krytykuje 12,4% odpowiedzi.", PERSONA, ["12,4%"]),
        ("Produkt jest za drogi dla 70% z 24 uczestników.", FOCUS, ["70%"]),
        ("Przychód wyniósł 42 mln zł.", KPI, ["42 mln zł"]),
        ("Przychód wyniósł 38,5 mln zł, marża 23,8%.", KPI, ["38,5 mln zł"]),
        ("Sprzedaż zakończyła 4 z 5 sesji.", SALES, ["4"]),
        ("Sprzedaż w 3 z 6 sesji, czyli 50%.", SALES, ["6", "50%"]),
        ("Konwersja w 2023 r. była o 15-20% wyższa.", KPI, ["2023", "15", "20%"]),
    ],
)
def test_grounded_when_answer_invents_numbers_then_violations(answer, context, invented):
    assert _violations(answer, context) == invented


def test_grounded_when_violation_then_span_points_at_it():
    answer = "Marża wynosi 23,8%, a konwersja 3,5%."
    (violation,) = grounded(answer, KPI).violations
    assert answer[violation.start : violation.end] == "3,5%"


def test_grounded_when_answer_states_more_precision_than_context_then_violation():
    assert _violations("Konwersja wynosi 2,943%.", "Konwersja 2,94%.") == ["2,943%"]


def test_grounded_when_fraction_in_answer_and_percent_in_context_then_found():
    assert grounded("Udział wynosi 0,6 wszystkich sesji.", "Udział: 60%.").ok


def test_grounded_when_tolerance_given_then_near_values_pass():
    assert _violations("Przychód 38,6 mln zł.", KPI) == ["38,6 mln zł"]
    assert grounded("Przychód 38,6 mln zł.", KPI, tolerance=0.01).ok


def test_grounded_when_identifiers_and_list_markers_then_ignored():
    answer = (
        "1. Persona 0b7c2f1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b (#5f0b3c52) ma NPS -12.\n"
        "2) Sesja s12 była najlepsza."
    )
    assert grounded(answer, PERSONA).ok


def test_grounded_when_answer_has_no_numbers_then_ok_and_nothing_found():
    result = grounded("Persona ceni jakość bardziej niż cenę.", PERSONA)
    assert result.ok and result.found == []


@pytest.mark.parametrize(
    "context",
    ["Skuteczność zamknięcia: 60%.", "Odbyło się 5 sesji, w tym 3 ze sprzedażą.", "Udział: 0,6."],
)
def test_grounded_when_answer_ratio_matches_share_or_counts_then_found(context):
    assert grounded("Sprzedaż zakończyła 3 z 5 sesji.", context).ok
