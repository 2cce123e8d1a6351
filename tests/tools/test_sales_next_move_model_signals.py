"""Model signals: a quote must be found in the note, and the evidence kept is the note's own."""

from __future__ import annotations

import pytest

from tools.sales_next_move.model_signals import (
    ModelSignals,
    QuotedSignal,
    check_quotes,
    find_quote,
    signal_messages,
)
from tools.sales_next_move.vocabulary import load_vocabulary

NOTE = "Przyszła z mężem i dwójką dzieci.  Pyta o Zasięg\nzimą, a mąż mówi: „szkoda czasu”."
KNOWN = {"pyta_o_zasieg_zima", "wspomina_dzieci", "pospiech_zniecierpliwienie", "chce_zamowic"}


def _quoted(text: str, quote: str) -> str | None:
    span = find_quote(text, quote)
    return None if span is None else text[span[0] : span[1]]


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("zasięg zimą", "Zasięg\nzimą"),  # case and the note's line break
        ("PRZYSZŁA Z MĘŻEM", "Przyszła z mężem"),  # Polish capitals fold too
        ("dzieci.   pyta   o", "dzieci.  Pyta o"),  # runs of spaces on either side
        ("„szkoda czasu”", "szkoda czasu"),  # the quote marks around it
        ('"dwójką dzieci"', "dwójką dzieci"),
        ("  dwójką dzieci.  ", "dwójką dzieci"),  # trailing punctuation the model added
        ("szkoda czasu!?", "szkoda czasu"),
    ],
)
def test_find_quote_when_quote_differs_in_form_then_finds_the_note_s_characters(quote, found):
    assert _quoted(NOTE, quote) == found


@pytest.mark.parametrize(
    "quote",
    ["chce zamówić dziś", "zasięg latem", "dzieci pyta", "", "  „ ”  ", "..."],
    ids=["invented", "other_word", "punctuation_skipped", "empty", "only_marks", "only_dots"],
)
def test_find_quote_when_not_in_the_note_then_none(quote):
    assert find_quote(NOTE, quote) is None


def test_find_quote_treats_the_quote_literally_not_as_a_pattern():
    text = "Pyta o 0-100 (w sekundach) i cenę."
    assert _quoted(text, "0-100 (w sekundach)") == "0-100 (w sekundach)"
    assert find_quote(text, "0.100") is None  # "." is not "any character"


def test_find_quote_when_punctuation_after_the_closing_mark_then_still_found():
    assert _quoted(NOTE, "„dwójką dzieci”.") == "dwójką dzieci"


def _answer(*pairs: tuple[str, str]) -> ModelSignals:
    return ModelSignals(signals=[QuotedSignal(id=i, quote=q) for i, q in pairs])


def test_check_quotes_keeps_verbatim_evidence_and_drops_unknown_and_invented():
    answer = _answer(
        ("pyta_o_zasieg_zima", "zasięg zimą"),
        ("nie_ma_takiego", "dwójką dzieci"),  # a real quote, but no such signal
        ("chce_zamowic", "chce podpisać umowę dziś"),  # words the note does not hold
        ("pospiech_zniecierpliwienie", "„Szkoda czasu”"),
    )

    checked = check_quotes(answer, NOTE, KNOWN, turn=3)

    assert [k["id"] for k in checked.kept] == ["pyta_o_zasieg_zima", "pospiech_zniecierpliwienie"]
    for kept in checked.kept:
        assert kept["evidence"] == NOTE[kept["start"] : kept["end"]]
        assert kept["turn"] == 3
    assert checked.kept[0]["evidence"] == "Zasięg\nzimą"
    assert checked.kept[1]["evidence"] == "szkoda czasu"
    assert checked.dropped == [
        {"id": "nie_ma_takiego", "quote": "dwójką dzieci", "reason": "unknown_signal"},
        {"id": "chce_zamowic", "quote": "chce podpisać umowę dziś", "reason": "quote_not_in_text"},
    ]


def test_check_quotes_when_an_id_is_quoted_twice_then_one_entry_the_first_found():
    answer = _answer(
        ("wspomina_dzieci", "trójką dzieci"),  # not in the note: dropped
        ("wspomina_dzieci", "dwójką dzieci"),
        ("wspomina_dzieci", "dzieci"),
    )

    checked = check_quotes(answer, NOTE, KNOWN, turn=1)

    assert len(checked.kept) == 1
    assert checked.kept[0]["evidence"] == "dwójką dzieci"
    assert [d["reason"] for d in checked.dropped] == ["quote_not_in_text"]


def test_check_quotes_when_quote_is_only_part_of_a_word_then_dropped():
    note = "Prosi o pomoc przy rejestracji auta."
    answer = _answer(("pyta_o_ubezpieczenie", "oc"))

    checked = check_quotes(answer, note, {"pyta_o_ubezpieczenie"}, turn=1)

    assert checked.kept == []
    assert [d["reason"] for d in checked.dropped] == ["quote_not_in_text"]


def test_check_quotes_when_model_found_nothing_then_nothing_kept_or_dropped():
    checked = check_quotes(ModelSignals(), NOTE, KNOWN, turn=1)
    assert checked.kept == [] and checked.dropped == []


def test_signal_messages_list_the_vocabulary_the_note_and_the_session_when_any():
    vocabulary = load_vocabulary()
    session = "Ostatnie notatki sprzedawcy:\n[1] Pyta o leasing na firmę."

    (system_role, system), (human_role, human) = signal_messages(vocabulary, NOTE, 2, session)

    assert (system_role, human_role) == ("system", "human")
    assert all(f"- {s.id}: " in system for s in vocabulary.signals)
    assert NOTE in human and "tura 2" in human and session in human
    # Before the session has any context, the note comes first with nothing added before it.
    first_turn = signal_messages(vocabulary, NOTE, 1, "")[1][1]
    assert first_turn.startswith("Notatka sprzedawcy (tura 1)")
