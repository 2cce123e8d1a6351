"""A session's memory: which notes to fold into the summary, key facts without a model, and the
context every co-pilot prompt carries (tools/sales_next_move/memory.py).

Tokens are counted as words here, so each threshold below can be checked by counting words.
"""

from __future__ import annotations

from typing import Any

from tools.sales_next_move.memory import (
    MAX_FACTS,
    facts_from_signals,
    memory_messages,
    prompt_context,
    turns_to_fold,
)


def words(text: str) -> int:
    return len(text.split())


def notes(*texts: str) -> list[dict[str, Any]]:
    return [{"turn": i, "text": t} for i, t in enumerate(texts, start=1)]


FIVE_WORDS = "jeden dwa trzy cztery pięć"
SESSION = notes(FIVE_WORDS, FIVE_WORDS, FIVE_WORDS, FIVE_WORDS, FIVE_WORDS)  # 25 words


def turns(folded: list[Any]) -> list[int]:
    return [h["turn"] for h in folded]


# --- turns_to_fold -----------------------------------------------------------------------


def test_fold_when_notes_at_or_below_threshold_then_nothing():
    assert turns_to_fold(SESSION, None, words, 25, 2) == []  # 25 words is not past 25
    assert turns_to_fold(SESSION, {}, words, 100, 2) == []
    assert turns_to_fold([], None, words, 0, 2) == []


def test_fold_when_past_threshold_then_notes_older_than_the_last_keep_turns():
    assert turns(turns_to_fold(SESSION, None, words, 24, 2)) == [1, 2, 3]
    assert turns(turns_to_fold(SESSION, None, words, 24, 4)) == [1]


def test_fold_when_memory_covers_early_turns_then_only_later_ones_and_only_they_count():
    covered = {"memory_turn": 2}
    # Turns 3-5 hold 15 words: past 14, so turn 3 (older than the last two) is folded.
    assert turns(turns_to_fold(SESSION, covered, words, 14, 2)) == [3]
    # The 10 words of the covered turns do not count towards the threshold.
    assert turns_to_fold(SESSION, covered, words, 15, 2) == []


def test_fold_when_every_open_note_is_recent_then_the_oldest_open_one():
    assert turns(turns_to_fold(SESSION, None, words, 10, 5)) == [1]
    assert turns(turns_to_fold(SESSION, None, words, 10, 50)) == [1]
    assert turns(turns_to_fold(SESSION, {"memory_turn": 3}, words, 5, 2)) == [4]


def test_fold_when_memory_turn_missing_or_none_then_nothing_is_covered():
    expected = [1, 2, 3]
    assert turns(turns_to_fold(SESSION, {"memory_turn": None}, words, 24, 2)) == expected
    assert turns(turns_to_fold(SESSION, {"summary": "x"}, words, 24, 2)) == expected


def test_fold_counts_with_the_given_counter():
    long_note = notes("x" * 300, "krótko")
    by_chars = turns_to_fold(long_note, None, len, 100, 1)
    by_words = turns_to_fold(long_note, None, words, 100, 1)
    assert turns(by_chars) == [1] and by_words == []


# --- memory_messages ---------------------------------------------------------------------


def test_memory_messages_then_numbered_notes_and_the_previous_summary():
    folded = notes("Przyszedł z żoną.", "Pyta o leasing.")
    [(_, system), (_, human)] = memory_messages(folded, "Rodzina z dziećmi.")
    assert "po polsku" in system
    assert "[1] Przyszedł z żoną.\n[2] Pyta o leasing." in human
    assert "Rodzina z dziećmi." in human
    [_, (_, first)] = memory_messages(folded, None)
    assert "Dotychczasowe streszczenie" not in first and "[2] Pyta o leasing." in first


# --- facts_from_signals ------------------------------------------------------------------


def test_facts_when_a_signal_recurs_then_one_fact_with_its_latest_words_and_its_label():
    seen = [
        {"id": "pyta_o_zasieg_zima", "evidence": "zasięg zimą", "turn": 1},
        {"id": "wspomina_dzieci", "evidence": "dwójką dzieci", "turn": 1},
        {"id": "pyta_o_zasieg_zima", "evidence": "mróz", "turn": 3},
    ]
    labels = {"pyta_o_zasieg_zima": "pyta o zasięg zimą", "wspomina_dzieci": "ma dzieci"}

    facts = facts_from_signals(seen, labels)

    assert facts == ["pyta o zasięg zimą: „mróz”", "ma dzieci: „dwójką dzieci”"]


def test_facts_when_label_unknown_then_the_signal_id_names_it():
    assert facts_from_signals([{"id": "nowy_sygnal", "evidence": "coś"}], {}) == [
        "nowy_sygnal: „coś”"
    ]


def test_facts_when_many_signals_then_capped_keeping_the_first_seen():
    seen = [{"id": f"s{i:02d}", "evidence": f"słowa {i}"} for i in range(MAX_FACTS + 3)]
    facts = facts_from_signals(seen, {})
    assert len(facts) == MAX_FACTS
    assert (
        facts[0] == "s00: „słowa 0”" and facts[-1] == f"s{MAX_FACTS - 1}: „słowa {MAX_FACTS - 1}”"
    )


def test_facts_when_no_signals_then_none():
    assert facts_from_signals([], {"a": "b"}) == []


# --- prompt_context ----------------------------------------------------------------------


def test_prompt_context_then_summary_facts_and_only_the_last_notes_in_order():
    memory = {"summary": "Rodzina z dwójką dzieci.", "key_facts": ["2 dzieci", "leasing"]}
    history = notes("Pierwsza notatka.", "Druga notatka.", "Trzecia notatka.")

    context = prompt_context(memory, history, 2)

    summary = context.index("Streszczenie wcześniejszej rozmowy: Rodzina z dwójką dzieci.")
    facts = context.index("Kluczowe fakty: 2 dzieci; leasing")
    recent = context.index("Ostatnie notatki sprzedawcy:\n[2] Druga notatka.\n[3] Trzecia notatka.")
    assert summary < facts < recent
    assert "Pierwsza notatka." not in context


def test_prompt_context_when_memory_empty_then_notes_only():
    history = notes("Pyta o zasięg.")
    for memory in (None, {}, {"summary": None, "key_facts": []}):
        assert (
            prompt_context(memory, history, 6) == "Ostatnie notatki sprzedawcy:\n[1] Pyta o zasięg."
        )


def test_prompt_context_when_nothing_known_then_empty():
    assert prompt_context(None, [], 6) == ""


def test_prompt_context_when_only_key_facts_then_no_summary_pretended():
    context = prompt_context({"key_facts": ["ma dzieci: „dwójką dzieci”"]}, [], 6)
    assert context == "Kluczowe fakty: ma dzieci: „dwójką dzieci”"
