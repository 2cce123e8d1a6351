"""The strategic advisor's question, its context and its answer without a model
(tools/sales_next_move/advisor.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from tools.sales_next_move.advisor import (
    EXCERPT,
    advisor_context,
    fallback_answer,
    last_question,
)


@dataclass
class Hit:
    """What the advisor reads of a knowledge search hit: its id and stored entry."""

    id: str
    entry: dict[str, Any] = field(default_factory=dict)


HEAT_PUMP = Hit(
    "module.zima_zasieg.pompa_ciepla",
    {"title": "Pompa ciepła", "text": "Pompa ciepła zmniejsza zużycie energii na ogrzewanie zimą."},
)
WALLBOX = Hit(
    "module.fotowoltaika_ladowanie.wallbox",
    {"title": "Domowa ładowarka", "text": "Ładowarka ścienna 11 kW ładuje auto przez noc."},
)
STATE: dict[str, Any] = {
    "history": [
        {"turn": 1, "text": "Przyszedł z żoną i dwójką dzieci."},
        {"turn": 2, "text": "Pyta o zasięg zimą."},
    ],
    "memory": {"summary": "Rodzina szuka auta na wyjazdy.", "key_facts": ["2 dzieci"]},
    "archetype": {"primary": "straznik_rodziny"},
    "indicators": {
        "purchase_readiness": {"label": "Gotowość do zakupu", "score": 62, "band": "średni"},
        "churn_risk": {"label": "Ryzyko utraty klienta", "score": 20, "band": "niski"},
    },
    "next_moves": [
        {"id": "M-1", "text": "Zapytaj o najdłuższą trasę zimą."},
        {"id": "M-2", "text": "Pokaż mocowania ISOFIX."},
        {"id": "M-3", "text": "Zaproponuj jazdę próbną z fotelikami."},
    ],
}
MOVE_TEXTS = [m["text"] for m in STATE["next_moves"]]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


# --- last_question -----------------------------------------------------------------------


def test_last_question_then_the_latest_human_message_trimmed():
    messages = [
        SystemMessage("system"),
        HumanMessage("Pierwsze pytanie?"),
        AIMessage("Odpowiedź."),
        HumanMessage("  Co z zimą?\n"),
        AIMessage("Druga odpowiedź."),
    ]
    assert last_question(messages) == "Co z zimą?"


def test_last_question_when_no_human_message_then_empty():
    assert last_question([]) == ""
    assert last_question([AIMessage("Tylko odpowiedź."), SystemMessage("system")]) == ""


# --- advisor_context ---------------------------------------------------------------------


def test_advisor_context_then_memory_notes_archetype_indicators_moves_and_hits():
    context = advisor_context(STATE, [HEAT_PUMP, WALLBOX], keep_turns=1)

    assert "Streszczenie wcześniejszej rozmowy: Rodzina szuka auta na wyjazdy." in context
    assert "Kluczowe fakty: 2 dzieci" in context
    assert "[2] Pyta o zasięg zimą." in context
    assert "dwójką dzieci" not in context  # turn 1 is older than the one note kept
    assert "Strażnik Rodziny" in context  # the archetype by its Polish name
    assert "Gotowość do zakupu 62/100 (średni)" in context
    assert "Ryzyko utraty klienta 20/100 (niski)" in context
    assert all(f"- {text}" in context for text in MOVE_TEXTS)
    for hit in (HEAT_PUMP, WALLBOX):
        assert f"[{hit.id}] {hit.entry['title']}: {hit.entry['text']}" in context


def test_advisor_context_when_hit_long_then_an_excerpt_of_it():
    text = "słowo " * 400
    context = advisor_context({}, [Hit("k.1", {"title": "Długi", "text": text})], keep_turns=6)
    assert text[:EXCERPT] in context and text[: EXCERPT + 10] not in context


def test_advisor_context_when_nothing_known_then_empty():
    assert advisor_context({}, [], keep_turns=6) == ""


def test_advisor_context_when_only_hits_then_only_the_knowledge():
    context = advisor_context({}, [HEAT_PUMP], keep_turns=6)
    assert context.startswith("Baza wiedzy [module.zima_zasieg.pompa_ciepla]")


# --- fallback_answer ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("no_writer_model", "nie ma skonfigurowanego modelu, który pisze po polsku"),
        ("timeout", "model nie odpowiedział na czas"),
        ("model_error", "model jest niedostępny"),
        ("token_budget_exceeded", "błąd modelu"),
    ],
)
def test_fallback_then_says_in_polish_why_there_is_no_written_answer(reason, why):
    answer = fallback_answer(STATE, [HEAT_PUMP], reason)
    first = answer.splitlines()[0]
    assert first.startswith("Nie mogę teraz napisać odpowiedzi") and f"({why})" in first
    assert reason not in answer  # a code is not for the salesperson


def test_fallback_then_lists_each_hit_with_its_id_and_two_moves():
    answer = fallback_answer(STATE, [HEAT_PUMP, WALLBOX], "no_writer_model")
    lines = answer.splitlines()[1:]

    assert lines[:2] == [
        f"- Pompa ciepła: {HEAT_PUMP.entry['text']} [{HEAT_PUMP.id}]",
        f"- Domowa ładowarka: {WALLBOX.entry['text']} [{WALLBOX.id}]",
    ]
    assert lines[2:] == [f"- Proponowany ruch: {text}" for text in MOVE_TEXTS[:2]]


def test_fallback_when_nothing_to_say_then_says_so():
    answer = fallback_answer({}, [], "no_writer_model")
    assert len(answer.splitlines()) == 2
    assert "Baza wiedzy nie ma fragmentów na ten temat" in answer


def test_fallback_when_hit_long_then_whole_first_sentences_within_the_limit():
    first = "Pompa ciepła zmniejsza zużycie energii na ogrzewanie kabiny zimą. "
    second = "Przy mrozie zasięg spada mniej niż w autach z grzałką oporową. "
    text = first + second + "Warto ją zamówić, gdy klient jeździ w góry. " * 10
    answer = fallback_answer({}, [Hit("k.1", {"title": "Pompa", "text": text})], "timeout")

    excerpt = answer.splitlines()[1].removeprefix("- Pompa: ").removesuffix(" [k.1]")
    assert excerpt.endswith(".") and text.startswith(excerpt)
    assert len(excerpt) <= 300 and excerpt.startswith((first + second).strip())


def test_fallback_when_long_text_has_no_sentence_end_then_cut_between_words():
    text = " ".join(f"wyraz{i}" for i in range(120))  # ~900 characters, no full stop
    answer = fallback_answer({}, [Hit("k.1", {"title": "Lista", "text": text})], "timeout")

    excerpt = answer.splitlines()[1].removeprefix("- Lista: ").removesuffix(" [k.1]")
    assert excerpt.endswith("…")
    kept = excerpt.removesuffix("…")
    assert text.startswith(kept) and text[len(kept)] == " "  # the next character is a space
    assert _words(kept) <= _words(text) and len(kept) <= 300


def test_fallback_when_abbreviation_near_the_limit_then_not_cut_after_it():
    text = (
        "Zimą zasięg auta elektrycznego spada, bo energia idzie także na ogrzewanie kabiny "
        "i baterii. Pompa ciepła ogranicza tę stratę. Przy temperaturach w okolicach zera "
        "utrata w polskich warunkach wynosi zwykle ok. 10–20%, a przy silnym mrozie, "
        "np. minus dwudziestu stopniach, dochodzi do 30–40% zasięgu z lata, co warto "
        "pokazać klientowi na przykładzie jego własnej trasy do pracy i z powrotem."
    )
    answer = fallback_answer({}, [Hit("k.1", {"title": "Zima", "text": text})], "timeout")

    excerpt = answer.splitlines()[1].removeprefix("- Zima: ").removesuffix(" [k.1]")
    assert not excerpt.endswith((" ok.", " np."))
