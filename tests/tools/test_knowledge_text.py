"""Polish-aware text analysis: lemmas, folded diacritics, stop words, prefixes, language."""

from __future__ import annotations

import pytest

from tools.polish_text import (
    UNKNOWN_PREFIX,
    analyze,
    fold,
    language_of,
    term_of,
    terms,
    tokens,
)


def test_term_of_when_polish_forms_are_inflected_then_they_share_one_lemma() -> None:
    forms = ["ładowarka", "ładowarki", "ładowarką", "ładowarek", "ładowarkę"]

    assert {term_of(f) for f in forms} == {"ladowarka"}


def test_term_of_when_forms_differ_in_number_and_case_then_dzieci_and_dzieciom_join() -> None:
    assert term_of("dzieciom") == term_of("dzieci") == term_of("dziecko") == "dziecko"


def test_fold_when_polish_letters_then_they_become_ascii_lowercase() -> None:
    assert fold("Zażółć GĘŚLĄ jaźń") == "zazolc gesla jazn"


def test_fold_when_other_combining_marks_then_they_are_stripped_too() -> None:
    assert fold("Café Größe") == "cafe große"


def test_terms_when_text_has_polish_letters_then_terms_are_ascii() -> None:
    assert terms("Zasięg zimą") == ["zasieg", "zima"]


def test_tokens_when_text_has_stop_words_then_they_are_dropped() -> None:
    assert tokens("Czy w mojej firmie i tak się to opłaca?") == ["mojej", "firmie", "opłaca"]


def test_tokens_when_text_has_numbers_and_stray_letters_then_numbers_stay_letters_go() -> None:
    assert tokens("Wallbox 11 kW x 3 fazy") == ["wallbox", "11", "kw", "3", "fazy"]


def test_term_of_when_word_is_unknown_then_it_is_cut_to_a_prefix_joining_its_forms() -> None:
    forms = ["wallboxem", "wallboxa", "wallboxów"]

    assert {term_of(f) for f in forms} == {"wallbo"}
    assert len(term_of("xyzzyqwerty")) == UNKNOWN_PREFIX


def test_term_of_when_token_is_a_number_then_it_is_kept_whole() -> None:
    assert term_of("2026") == "2026"


@pytest.mark.parametrize(
    "text",
    ["How long does the battery last in winter?", "Which charging stations are the fastest?"],
)
def test_language_of_when_query_is_english_then_en(text: str) -> None:
    assert language_of(text) == "en"


@pytest.mark.parametrize(
    "text", ["Jak długo wytrzyma bateria zimą?", "Ile kosztuje ładowarka domowa?"]
)
def test_language_of_when_query_is_polish_then_pl(text: str) -> None:
    assert language_of(text) == "pl"


def test_terms_when_language_is_english_then_english_dictionary_is_asked_first() -> None:
    # "handle" is also a Polish form of "handel" (trade): the language decides the lemma.
    assert terms("handle batteries", "en") == ["handle", "battery"]
    assert terms("handle", "pl") == ["handel"]


def test_terms_when_english_query_detected_then_lemmas_are_english() -> None:
    query = "How do I handle charging stations?"

    assert terms(query, language_of(query)) == ["handle", "charge", "station"]


def test_analyze_when_called_then_pairs_folded_surface_with_its_term() -> None:
    assert analyze("Ładowarkę domową") == [("ladowarke", "ladowarka"), ("domowa", "domowy")]
