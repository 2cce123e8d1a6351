"""The focus-group report as Markdown, PNG charts, headline lines and answers CSV."""

from __future__ import annotations

import copy
import csv
import io
import re
import subprocess
import sys

import pytest

from tools.focus_group.charts import chart_names, render_charts
from tools.focus_group.export import COLUMNS, answers_csv
from tools.focus_group.render import headline, md, render_markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _report() -> dict:
    likert = {
        "id": "q1",
        "text": "Jak bardzo prawdopodobne, że kupisz | nową ładowarkę <script>alert(1)</script>?",
        "type": "likert",
        "scale": 5,
        "n": 40,
        "answer_ids": [f"a{i}" for i in range(40)],
        "distribution": {
            "counts": {"1": 2, "2": 6, "3": 8, "4": 17, "5": 7},
            "shares": {"1": 0.05, "2": 0.15, "3": 0.2, "4": 0.425, "5": 0.175},
            "mean": 3.55,
            "median": 4.0,
            "n": 40,
        },
        "ssr": {
            "distribution": {"1": 0.1, "2": 0.2, "3": 0.3, "4": 0.25, "5": 0.15},
            "mean": 3.15,
            "status": "unreliable",
            "check": {"correlation": 0.12},
        },
        "sentiment": {
            "counts": {"positive": 21, "neutral": 11, "negative": 8},
            "mean": 0.21,
            "methods": {"model": 36, "lexicon": 4},
        },
        "homogeneity": {
            "modal_share": 0.425,
            "entropy": 1.48,
            "normalized_entropy": 0.92,
            "mean_pairwise_cosine": 0.41,
            "collapsed": False,
            "reasons": [],
        },
        "cuts": [
            {
                "by": "gender",
                "groups": [
                    {
                        "value": "kobieta",
                        "n": 22,
                        "counts": {1: 1, 2: 2, 3: 4, 4: 11, 5: 4},  # cuts count int points
                        "mean": 3.68,
                    },
                    {
                        "value": "mężczyzna",
                        "n": 18,
                        "counts": {1: 1, 2: 4, 3: 4, 4: 6, 5: 3},
                        "mean": 3.39,
                    },
                ],
                "chi_square": {"statistic": 2.4567, "dof": 4, "p_value": 0.0312},
                "note": "policzono dla 2 grup i 5 kategorii",
                "note_code": "tested",
            },
            {
                "by": "location",
                "groups": [
                    {"value": "Warszawa", "n": 3, "counts": {4: 3}, "mean": 4.0},
                    {"value": "Kraków", "n": 2, "counts": {2: 2}, "mean": 2.0},
                ],
                "missing": 35,
                "chi_square": None,
                "note": "mniej niż 2 grupy mają po co najmniej 5 odpowiedzi; pominięto grupy "
                "poniżej 5 odpowiedzi: Kraków, Warszawa",
                "note_code": "too_few_groups",
            },
        ],
    }
    open_question = {
        "id": "q2",
        "text": "Co sądzisz o cenie?",
        "type": "open",
        "n": 38,
        "themes": [
            {
                "id": "t1",
                "label": "za drogo",
                "lemmas": ["drogi", "cena"],
                "size": 19,
                "share": 0.5,
                "quote": {
                    "answer_id": "b1",
                    "persona_id": "p-007",
                    "text": "Cena | zabija =SUM(A1) radość.",
                },
                "answer_ids": ["b1"],
            },
            {
                "id": "t2",
                "label": "jakość wykonania",
                "lemmas": ["jakość"],
                "size": 11,
                "share": 0.2895,
                "quote": {"answer_id": "b2", "persona_id": "p-012", "text": "Solidnie zrobiona."},
                "answer_ids": ["b2"],
            },
        ],
        "sentiment": {
            "counts": {"positive": 9, "neutral": 10, "negative": 19},
            "mean": -0.3,
            "methods": {"lexicon": 38},
        },
        "homogeneity": {
            "modal_share": None,
            "entropy": None,
            "normalized_entropy": None,
            "mean_pairwise_cosine": 0.97,
            "collapsed": True,
            "reasons": [
                {
                    "code": "mean_pairwise_cosine",
                    "value": 0.97,
                    "threshold": 0.92,
                    "message": "średnie podobieństwo tekstów odpowiedzi (cosinus) 0,970 "
                    "(próg alarmu: 0,92)",
                }
            ],
        },
        "cuts": [
            {
                "by": "segment_id",
                "groups": [
                    {
                        "value": "s1",
                        "label": "Młodzi z miast",
                        "n": 20,
                        "counts": {"t1": 14, "t2": 6},
                    },
                    {"value": "s2", "label": "Seniorzy", "n": 10, "counts": {"t1": 5, "t2": 5}},
                ],
                "missing": 0,
                "chi_square": None,
                "note": "tylko 50% komórek tabeli ma oczekiwaną liczność co najmniej 5 "
                "(potrzeba 80%)",
                "note_code": "expected_counts_low",
            }
        ],
    }
    choice = {
        "id": "q3",
        "text": "Którą markę wybierzesz?",
        "type": "single_choice",
        "options": [
            {"id": "a", "text": "Marka A"},
            {"id": "b", "text": "Marka B"},
            {"id": "c", "text": "=Marka C"},
        ],
        "n": 40,
        "distribution": {
            "counts": {"a": 24, "b": 10, "c": 6},
            "shares": {"a": 0.6, "b": 0.25, "c": 0.15},
            "n": 40,
        },
        "homogeneity": {
            "modal_share": 0.6,
            "entropy": 0.94,
            "normalized_entropy": 0.86,
            "mean_pairwise_cosine": None,
            "collapsed": False,
            "reasons": [],
        },
        "cuts": [],
    }
    numeric = {
        "id": "q.4 cena",  # not a valid id: the chart names must still be safe
        "text": "Ile zapłacisz (zł)?",
        "type": "numeric",
        "unit": "zł",
        "n": 40,
        "distribution": {
            "n": 40,
            "mean": 142.5,
            "median": 120.0,
            "p25": 90.0,
            "p75": 180.0,
            "min": 40.0,
            "max": 400.0,
            "histogram": {"edges": [40.0, 130.0, 220.0, 310.0, 400.0], "counts": [22, 12, 4, 2]},
        },
        "homogeneity": {
            "modal_share": None,
            "entropy": None,
            "normalized_entropy": None,
            "mean_pairwise_cosine": None,
            "collapsed": False,
            "reasons": [],
        },
        "cuts": [
            {
                "by": "age",
                "groups": [
                    {"value": "18-34", "n": 20, "mean": 110.0},
                    {"value": "35+", "n": 20, "mean": 175.0},
                ],
                "chi_square": None,
                "note": "zmienna liczbowa: porównanie średnich",
            }
        ],
    }
    return {
        "focus_group_id": "fg-2024-01",
        "mode": "survey",
        "personas": [f"p-{i:03d}" for i in range(40)],
        "questions": [likert, open_question, choice, numeric],
        "cells": {"total": 160, "answered": 158, "failed": 1, "skipped_budget": 1},
        "estimate": {"tokens": 48000, "usd": 0.0512},
        "spend": {"tokens": 45300, "usd": 0.0481},
        "budget": {"max_tokens": 60000, "max_usd": 0.1},
        "warnings": ["Persona p-003 nie odpowiedziała na q3 (timeout)"],
    }


@pytest.fixture(scope="module")
def charts() -> dict[str, bytes]:
    return render_charts(_report())


def _table_rows(markdown: str, first_cell: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(f"| {first_cell}")]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_when_rendered_then_shows_counts_shares_and_tests_of_the_report() -> None:
    text = render_markdown(_report())
    assert text.startswith("# Raport grupy fokusowej fg-2024-01\n")
    assert "Tryb: ankieta. 40 person, 4 pytania." in text
    assert _cells(_table_rows(text, "4 raczej tak")[0]) == ["4 raczej tak", "17", "42,5%", "25,0%"]
    assert "| z odpowiedzią | 158 |" in text and "| nieudane | 1 |" in text
    assert "| wydano | 45 300 | 0,0481 USD |" in text
    assert "75,5% tokenów, 48,1% USD" in text  # 45300/60000, 0.0481/0.1
    assert (
        "Test chi-kwadrat: statystyka 2,46, stopnie swobody 4, p = 0,031; "
        "policzono dla 2 grup i 5 kategorii." in text
    )
    assert (
        "Test chi-kwadrat: nie policzono: mniej niż 2 grupy mają po co najmniej 5 odpowiedzi; "
        "pominięto grupy poniżej 5 odpowiedzi: Kraków, Warszawa." in text
    )
    assert _cells(_table_rows(text, "kobieta")[0])[:3] == ["kobieta", "22", "1 (4,5%)"]
    assert "Średnia 3,55, mediana 4,0." in text
    assert "| Marka A (a) | 24 | 60,0% |" in text
    assert "| mediana | 120,00 zł |" in text
    assert "Sentyment: pozytywny 21, neutralny 11, negatywny 8; średnia 0,21" in text
    assert "Metoda: model 36, leksykon 4." in text
    assert "- Persona p-003 nie odpowiedziała na q3 (timeout)" in text


def test_markdown_when_ssr_unreliable_or_question_collapsed_then_says_so_plainly() -> None:
    text = render_markdown(_report())
    assert "SSR (niewiarygodne)" in text and "jest NIEWIARYGODNE" in text
    q2 = text.split("## Pytanie q2")[1].split("## Pytanie")[0]
    assert "ALARM JEDNORODNOŚCI" in q2
    assert "> - średnie podobieństwo tekstów odpowiedzi (cosinus) 0,970 (próg alarmu: 0,92)" in q2
    assert "mean\\_pairwise" not in q2  # the code is for clients, the message for people
    q1 = text.split("## Pytanie q1")[1].split("## Pytanie")[0]
    assert "ALARM" not in q1 and "Jednorodność: bez alarmu" in q1


def test_markdown_when_stored_report_has_string_reasons_then_shows_them_as_written() -> None:
    report = _report()
    report["questions"][1]["homogeneity"]["reasons"] = ["mean_pairwise_cosine 0.97 >= 0.9"]
    q2 = render_markdown(report).split("## Pytanie q2")[1].split("## Pytanie")[0]
    assert "> - mean\\_pairwise\\_cosine 0.97 &gt;= 0.9" in q2


def test_markdown_when_discussion_rounds_then_one_polish_line_per_round() -> None:
    report = _report()
    report["mode"] = "discussion"
    report["questions"][0]["discussion"] = [
        {"round": 1, "reactions": 12, "changed": 3, "changed_ids": ["a1", "a2", "a3"]},
        {"round": 2, "reactions": 1, "changed": 0, "changed_ids": []},
        {"round": 3, "reactions": 22, "changed": 1, "changed_ids": ["a4"]},
    ]
    text = render_markdown(report)
    q1 = text.split("## Pytanie q1")[1].split("## Pytanie")[0]
    assert "Tryb: dyskusja." in text
    assert "### Dyskusja" in q1
    assert "- Runda 1: 12 reakcji, 3 zmienione odpowiedzi" in q1
    assert "- Runda 2: 1 reakcja, 0 zmienionych odpowiedzi" in q1
    assert "- Runda 3: 22 reakcje, 1 zmieniona odpowiedź" in q1
    assert "liczą ostatnią odpowiedź każdej persony" in q1
    assert "### Dyskusja" not in text.split("## Pytanie q2")[1]


def _quality(polish: float | None, copies: float | None, prose: int = 40) -> dict:
    return {
        "cells": 40,
        "answered": 40,
        "failed": 0,
        "skipped_budget": 0,
        "structured_valid_share": 0.975,
        "prose_answers": prose,
        "polish_share": polish,
        "near_duplicate_share": copies,
        "flagged": {"text_not_polish": 3, "text_truncated": 1, "text_new_check": 2},
    }


def test_markdown_when_run_has_quality_then_section_names_shares_and_what_they_count() -> None:
    report = _report()
    report["quality"] = _quality(0.95, 0.05, prose=80)
    text = render_markdown(report)
    section = text.split("## Jakość odpowiedzi")[1].split("## ")[0]
    assert _cells(_table_rows(section, "poprawny format")[0])[1] == "97,5%"
    assert _cells(_table_rows(section, "po polsku")[0]) == [
        "po polsku",
        "95,0%",
        "80 odpowiedzi z tekstem",
    ]
    assert _cells(_table_rows(section, "niemal kopia")[0])[1:] == [
        "5,0%",
        "80 odpowiedzi z tekstem",
    ]
    assert "nie po polsku 3, urwany tekst 1, text\\_new\\_check 2." in section
    assert "Pytania do sprawdzenia" not in section and "Uwaga – jakość" not in text
    assert "Zapytano ponownie" not in section
    report["quality"]["asked_again"] = 7
    again = render_markdown(report).split("## Jakość odpowiedzi")[1].split("## ")[0]
    assert "nie przeszła kontroli tekstu): 7; zachowano lepszą" in again


def test_markdown_when_question_mostly_not_polish_or_copied_then_flags_it_there_and_in_run() -> (
    None
):
    report = _report()
    report["quality"] = _quality(0.9, 0.1)
    report["questions"][0]["quality"] = _quality(0.8, 0.2)  # at the thresholds: no flag
    report["questions"][1]["quality"] = _quality(0.6, 0.25, prose=20)
    report["questions"][2]["quality"] = _quality(None, None, prose=0)  # no prose at all
    text = render_markdown(report)
    q2 = text.split("## Pytanie q2")[1].split("## Pytanie")[0]
    expected = (
        "po polsku tylko 60,0% z 20 odpowiedzi z tekstem (próg 80%); 25,0% z 20 odpowiedzi "
        "z tekstem niemal powtarza inną odpowiedź (próg 20%)"
    )
    assert f"**Uwaga – jakość odpowiedzi:** {expected}." in q2
    assert text.count("Uwaga – jakość odpowiedzi") == 1
    section = text.split("## Jakość odpowiedzi")[1].split("## Pytanie")[0]
    assert f"Pytania do sprawdzenia:\n\n- q2: {expected}\n" in section


def test_markdown_when_report_has_no_quality_then_no_quality_section() -> None:
    assert "Jakość odpowiedzi" not in render_markdown(_report())


def test_markdown_when_themes_then_table_has_label_size_share_and_quote_with_persona() -> None:
    text = render_markdown(_report())
    row = _cells(_table_rows(text, "za drogo")[0])
    assert row[:3] == ["za drogo", "19", "50,0%"]
    assert "persona p-007" in row[3] and "Cena \\| zabija" in row[3]


def test_markdown_when_cuts_then_groups_use_labels_theme_names_and_count_missing() -> None:
    text = render_markdown(_report())
    assert "| grupa | n | za drogo | jakość wykonania |" in text
    assert "| Młodzi z miast | 20 | 14 (70,0%) | 6 (30,0%) |" in text
    assert "Bez danych o tej cesze: 35 odpowiedzi." in text
    assert (
        "| kobieta | 22 | 1 (4,5%) | 2 (9,1%) | 4 (18,2%) | 11 (50,0%) | 4 (18,2%) | 3,68 |" in text
    )


def test_markdown_when_report_lacks_option_texts_then_shows_option_ids() -> None:
    report = _report()
    del report["questions"][2]["options"]
    text = render_markdown(report)
    assert "| a | 24 | 60,0% |" in text and "| c | 6 | 15,0% |" in text
    assert "q3 (n=40): najczęściej „a” (60,0%)" in headline(report)


def test_markdown_when_user_text_has_pipes_and_html_then_tables_hold_and_no_tag_passes() -> None:
    report = _report()
    report["questions"][2]["options"][1]["text"] = "B | <img src=x onerror=alert(1)>\nnowa linia"
    text = render_markdown(report)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    # Every row of every table has as many cells as its header.
    for block in re.split(r"\n\n", text):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert {len(_cells(r)) for r in rows} == {len(_cells(rows[0]))}, block
    assert "| B \\| &lt;img src=x onerror=alert(1)&gt; nowa linia (b) | 10 | 25,0% |" in text


def test_md_when_text_starts_like_a_list_or_heading_then_escapes_it() -> None:
    assert md("- punkt") == "\\- punkt"
    assert md("1. punkt") == "1\\. punkt"
    assert md("# nagłówek") == "\\# nagłówek"
    assert md("+ punkt") == "\\+ punkt" and md("a - b # c") == "a - b # c"
    assert md("a*b*_c_ `x` [l](u) ![i](j)") == "a\\*b\\*\\_c\\_ \\`x\\` \\[l\\](u) !\\[i\\](j)"


def test_markdown_when_chart_url_given_then_links_every_chart_through_it() -> None:
    report = _report()
    text = render_markdown(report, chart_url=lambda name: f"/charts/{name}")
    links = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", text)
    assert links == [f"/charts/{name}" for name in chart_names(report)]
    assert re.findall(r"!\[[^\]]*\]\(([^)]*)\)", render_markdown(report)) == chart_names(report)


def test_chart_names_when_ids_have_unsafe_characters_then_names_are_safe_and_cover_every_type() -> (
    None
):
    names = chart_names(_report())
    assert names == [
        "q1_distribution.png",
        "q1_cut_gender.png",  # the cut with the smallest p-value, not the first with groups
        "q2_themes.png",
        "q2_cut_segment_id.png",  # no chi-square anywhere: the first cut with two groups
        "q3_distribution.png",
        "q_4_cena_distribution.png",
        "q_4_cena_cut_age.png",
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+\.png", name) for name in names)


def test_render_charts_when_drawn_then_valid_800x450_pngs_named_as_chart_names(charts) -> None:
    from matplotlib.image import imread

    assert list(charts) == chart_names(_report())
    for png in charts.values():
        assert png.startswith(PNG_MAGIC)
        assert imread(io.BytesIO(png)).shape[:2] == (450, 800)


def test_render_charts_when_same_report_twice_then_same_bytes(charts) -> None:
    report = _report()
    report["questions"] = report["questions"][2:3]
    assert render_charts(report) == {"q3_distribution.png": charts["q3_distribution.png"]}


def test_render_charts_when_question_text_has_dollars_then_draws_it_literally() -> None:
    report = _report()
    report["questions"] = [copy.deepcopy(report["questions"][2])]
    report["questions"][0]["text"] = "Cena $5 czy $10? ^_^"
    assert render_charts(report)["q3_distribution.png"].startswith(PNG_MAGIC)


def test_import_when_render_loaded_then_matplotlib_not_imported() -> None:
    code = "import sys, tools.focus_group.render, tools.focus_group.export; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_headline_when_report_then_lists_the_main_numbers_per_question_and_spend() -> None:
    lines = headline(_report())
    assert 3 <= len(lines) <= 8
    assert (
        lines[0]
        == "Grupa fg-2024-01 (ankieta): odpowiedzi 158/160, nieudane 1, pominięte (budżet) 1"
    )
    assert lines[1] == "q1 (n=40): średnia 3,55, najczęściej 4 (42,5%)"
    assert lines[2] == "q2 (n=38): główny temat „za drogo” (50,0%) — ALARM: odpowiedzi ujednolicone"
    assert lines[3] == "q3 (n=40): najczęściej „Marka A” (60,0%)"
    assert lines[4] == "q.4 cena (n=40): mediana 120,00 zł"
    assert lines[5] == "Koszt: 45 300 tokenów, 0,0481 USD (75,5% tokenów, 48,1% USD budżetu)"


def test_headline_when_many_questions_then_stays_within_eight_lines_and_counts_alarms() -> None:
    report = _report()
    report["questions"] = [copy.deepcopy(report["questions"][1]) for _ in range(9)]
    lines = headline(report)
    assert len(lines) == 8
    assert lines[-2] == "… i 4 kolejnych pytań (alarm jednorodności: 4)"


def _answers() -> list[dict]:
    base = {
        "focus_group_id": "fg-2024-01",
        "round": 0,
        "status": "answered",
        "error": None,
        "checks": [],
        "model": "ollama/qwen2.5",
        "tokens_in": 310,
        "tokens_out": 42,
        "cost_usd": 0.00012,
        "created_at": "2024-05-01T10:00:00+00:00",
    }
    return [
        {
            **base,
            "id": "1",
            "persona_id": "p-001",
            "question_id": "q1",
            "answer": {"point": 4, "reason": "Lubię."},
            "text": "Lubię.",
            "sentiment": {"label": "positive", "score": 0.6, "method": "model"},
        },
        {
            **base,
            "id": "2",
            "persona_id": "p-001",
            "question_id": "q2",
            "answer": {"text": '=HYPERLINK("x")'},
            "text": '=HYPERLINK("x")',
            "sentiment": {"label": "neutral", "score": 0.0, "method": "lexicon"},
        },
        {
            **base,
            "id": "3",
            "persona_id": "@p-002",
            "question_id": "q3",
            "answer": {"option": "c"},
            "text": "",
            "sentiment": None,
        },
        {
            **base,
            "id": "4",
            "persona_id": "p-002",
            "question_id": "q5",
            "answer": {"value": -12.5},
            "text": "",
            "sentiment": None,
        },
        {
            **base,
            "id": "5",
            "persona_id": "p-003",
            "question_id": "q6",
            "answer": {"options": ["a", "b"]},
            "text": "",
            "sentiment": None,
        },
        {
            **base,
            "id": "6",
            "persona_id": "p-004",
            "question_id": "q1",
            "status": "failed",
            "answer": None,
            "text": "",
            "sentiment": None,
            "model": None,
            "tokens_in": 0,
            "tokens_out": 0,
            "cost_usd": 0.0,
        },
    ]


def test_answers_csv_when_read_back_then_one_row_per_record_and_formulas_defused() -> None:
    questions = _report()["questions"][:3] + [
        {"id": "q5", "text": "-Ile?", "type": "numeric"},
        {"id": "q6", "text": "Co?", "type": "multi_choice", "options": ["Tak, +1", "Nie"]},
    ]
    rows = list(csv.reader(io.StringIO(answers_csv(_answers(), questions))))
    assert rows[0] == list(COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 6
    likert, open_, single, number, multi, failed = records
    assert (
        likert["point"] == "4" and likert["text"] == "Lubię." and likert["sentiment"] == "positive"
    )
    assert likert["question_text"].startswith("Jak bardzo prawdopodobne, że kupisz |")
    assert open_["text"] == '\'=HYPERLINK("x")'
    assert single["persona_id"] == "'@p-002"
    assert single["options"] == "c" and single["options_text"] == "'=Marka C"
    assert number["value"] == "-12.5" and number["question_text"] == "'-Ile?"
    assert multi["options"] == "a; b" and multi["options_text"] == "Tak, +1; Nie"
    assert failed["status"] == "failed" and failed["model"] == "" and failed["point"] == ""
    assert likert["tokens_in"] == "310" and likert["cost_usd"] == "0.00012"
