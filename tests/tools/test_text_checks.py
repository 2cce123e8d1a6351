"""Degenerate-text checks shared by every workflow (tools/text_checks.py)."""

from __future__ import annotations

import pytest

from tools.text_checks import (
    echo_problems,
    item_problems,
    language_problems,
    placeholder_problems,
    repetition_problems,
    text_problems,
)

GOOD = (
    "Anna Nowak ma 34 lata i mieszka w Kielcach. Pracuje jako księgowa w małej firmie "
    "transportowej. W weekendy jeździ na rowerze po okolicznych lasach, a wieczorami czyta "
    "kryminały. Odkłada pieniądze na remont mieszkania i starannie planuje wydatki."
)


def _codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_text_problems_when_ordinary_polish_story_then_none():
    assert text_problems(GOOD, prompt="Napisz historię życia tej osoby w 3-4 zdaniach.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Polish, " * 70,
        "Lubi las. " + "bardzo lubi las i rzekę " * 5,
        "Mieszka w Radomiu. Pracuje jako kierowca. Mieszka w Radomiu. Pracuje jako kierowca.",
    ],
)
def test_repetition_problems_when_text_loops_then_repetitive(text):
    assert _codes(repetition_problems(text)) == ["text_repetitive"]


def test_repetition_problems_when_a_phrase_appears_twice_then_fine():
    text = "Lubi jeździć na rowerze. W niedziele lubi jeździć na rowerze z synem do lasu."
    assert repetition_problems(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Polish first name. Last name. Polish surname.",
        "Historia w 3-4 zdaniach, w trzeciej osobie, po polsku.",
        '{"first_name": "Anna"}',
    ],
)
def test_echo_problems_when_schema_or_prompt_wording_then_echo(text):
    assert "text_echoes_prompt" in _codes(text_problems(text))


def test_echo_problems_when_six_prompt_words_copied_then_echo():
    prompt = "Piszesz po polsku, konkretnie i bez stereotypów, o osobie z danymi."
    text = "Anna zawsze pisze po polsku, konkretnie i bez stereotypów, bo tak lubi."
    assert _codes(echo_problems(text, prompt)) == ["text_echoes_prompt"]
    assert echo_problems("Anna pisze po polsku i bez pośpiechu.", prompt) == []


@pytest.mark.parametrize("text", ["[imię] mieszka w Radomiu.", "Pani XYZ lubi kino.", "Zawód: N/A"])
def test_placeholder_problems_when_slot_left_then_placeholder(text):
    assert _codes(placeholder_problems(text)) == ["text_placeholder"]


def test_language_problems_when_english_then_not_polish():
    text = "She is a data analyst who lives in a big city and likes running a lot."
    assert _codes(language_problems(text)) == ["text_not_polish"]


def test_language_problems_when_an_english_sentence_mixed_in_then_mixed():
    text = GOOD + " She likes her job and the people she works with."
    assert _codes(language_problems(text)) == ["text_mixed_language"]


def test_item_problems_when_items_repeat_in_other_words_then_repeat():
    assert _codes(item_problems(["zdrowie", "Zdrowie rodziny", "podróże"])) == ["items_repeat"]
    assert _codes(item_problems(["Polish", "Polish hobby", "muzyka"])) == ["items_repeat"]
    assert item_problems(["rodzina", "podróże", "ogród"]) == []


def test_item_problems_when_schema_wording_then_echo():
    assert _codes(item_problems(["3-5 wartości", "rodzina"])) == ["text_echoes_prompt"]


@pytest.mark.parametrize(
    "text",
    [
        "Julia mieszka w wieś Chmielnik, podkarpackie, i pracuje jako mechaniczka.",
        "Jego pasujące zainteresowania to literatura i kuchnia.",
        "Julia lubi koncerty, a takżeNetworking i polityką.",
    ],
)
def test_text_problems_when_prompt_labels_raw_places_or_glued_words_then_failed(text):
    assert text_problems(text)


def test_repetition_problems_when_five_words_said_twice_then_loop():
    text = (
        "Jeśli masz dobro bliskich, możesz być w stanie pomóc im. Anna lubi las. "
        "Przykładowo możesz być w stanie pomóc im w ogrodzie."
    )
    assert _codes(repetition_problems(text)) == ["text_repetitive"]


def test_text_problems_when_cut_mid_sentence_then_truncated():
    assert "text_truncated" in _codes(text_problems(GOOD + " W przyszłym roku chce kupić"))
    assert "text_truncated" not in _codes(text_problems(GOOD))


def test_text_problems_when_letters_of_another_script_then_garbled():
    assert "text_placeholder" in _codes(text_problems(GOOD + " Lubi kultурą i kino."))


def test_text_problems_when_bracketed_gloss_copied_from_the_data_then_echo():
    data = "- najważniejsze wartości: uniwersalizm (tolerancja i troska o ludzi i przyrodę)"
    text = GOOD + " Jest bardzo uniwersalizm (tolerancja i troska o ludzi i przyrodę)."
    assert "text_echoes_prompt" in _codes(text_problems(text, data=data))
    assert text_problems(GOOD + " Lubi kino (zwłaszcza kryminały).", data=data) == []
