"""Focus-group prompts: persona system message, memory, instructions, discussion digests."""

from __future__ import annotations

import pytest
from langchain_core.messages import SystemMessage, convert_to_messages

from tools.focus_group.prompting import (
    DIGEST_ANSWERS,
    DIGEST_CHARS,
    MEMORY_CHARS,
    digest,
    discussion_messages,
    instruction,
    persona_message,
    question_messages,
    remembered,
)
from tools.focus_group.questions import LIKERT_LABELS, answer_schema
from tools.models.structured import with_schema_instruction

PERSONA = {
    "first_name": "Anna",
    "last_name": "Kowalczyk",
    "gender": "kobieta",
    "age": 29,
    "location": "Kraków",
    "education": "wyższe",
    "occupation": "analityczka danych",
    "income_bracket": "5000-7500 PLN",
    "background_story": "Mieszka z partnerem.  Lubi\n góry.",
    "values": ["rozwój", "niezależność"],
    "interests": ["bieganie"],
}
OPEN = {"id": "opinia", "text": "Co sądzisz o abonamencie?", "type": "open"}
LIKERT = {
    "id": "zakup",
    "text": "Czy kupisz abonament?",
    "type": "likert",
    "scale": 5,
    "labels": LIKERT_LABELS[5],
}
OPTIONS = [{"id": "a", "text": "Tak"}, {"id": "b", "text": "Nie"}, {"id": "c", "text": "Może"}]
SINGLE = {"id": "wybor", "text": "Który pakiet?", "type": "single_choice", "options": OPTIONS}
MULTI = {**SINGLE, "id": "wiele", "type": "multi_choice", "max_choices": 2}
NUMERIC = {"id": "kwota", "text": "Ile zapłacisz?", "type": "numeric", "min": 0, "max": 200}
QUESTIONS = [OPEN, LIKERT, SINGLE, MULTI, NUMERIC]


def _earlier(n: int) -> list[tuple[dict, dict]]:
    return [
        ({**OPEN, "text": f"Pytanie numer {i}?"}, {"text": f"Odpowiedź numer {i}."})
        for i in range(n)
    ]


# --- the persona --------------------------------------------------------------------------


def test_persona_message_names_who_the_persona_is() -> None:
    message = persona_message(PERSONA)

    assert "Anna Kowalczyk, kobieta, 29 lat, mieszkasz w Krakowie" in message
    assert "zawód: analityczka danych" in message
    assert "twoja historia: Mieszka z partnerem. Lubi góry." in message
    assert "ważne dla ciebie: rozwój, niezależność" in message


def test_persona_message_without_story_values_or_interests_uses_placeholders() -> None:
    bare = {**PERSONA, "background_story": None, "values": [], "interests": None, "age": 22}

    message = persona_message(bare)

    assert "22 lata" in message
    assert "ważne dla ciebie: -" in message
    assert "zainteresowania: -" in message


def test_persona_message_clips_a_long_story_to_600_characters() -> None:
    message = persona_message({**PERSONA, "background_story": "słowo " * 300})

    story = message.split("twoja historia: ")[1].split("\n")[0]
    assert len(story) == 600
    assert story.endswith("…")


def test_system_message_is_the_same_for_all_of_one_personas_questions() -> None:
    earlier: list[tuple[dict, dict]] = []
    systems = []
    for question in QUESTIONS:
        messages = question_messages(PERSONA, question, memory="full", earlier=earlier)
        systems.append(messages[0])
        earlier.append((question, {"text": "Odpowiedź."}))
    talk = discussion_messages(PERSONA, LIKERT, {"point": 3, "reason": "Nie wiem."}, [])

    assert {s for s in systems} == {("system", persona_message(PERSONA))}
    assert talk[0] == systems[0]


def test_with_schema_instruction_the_persona_stays_the_prompt_prefix() -> None:
    persona = persona_message(PERSONA)

    for question in QUESTIONS:
        messages = convert_to_messages(question_messages(PERSONA, question))
        asked = with_schema_instruction(messages, answer_schema(question))
        assert isinstance(asked[0], SystemMessage)
        assert asked[0].text.startswith(persona)


# --- memory -------------------------------------------------------------------------------


def test_memory_none_or_nothing_earlier_adds_no_memory_block() -> None:
    assert remembered("none", _earlier(3)) == ""
    assert remembered("full", []) == ""
    human = question_messages(PERSONA, OPEN, memory="none", earlier=_earlier(3))[1][1]
    assert human.startswith("Pytanie: Co sądzisz o abonamencie?")


def test_memory_full_keeps_every_earlier_answer_in_order() -> None:
    block = remembered("full", _earlier(4))

    assert block.startswith("Twoje wcześniejsze odpowiedzi")
    lines = [line for line in block.splitlines() if line.startswith("- ")]
    assert lines == [f"- Pytanie numer {i}? -> Odpowiedź numer {i}." for i in range(4)]


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_memory_lagged_keeps_the_last_n_answers(lag) -> None:
    block = remembered(f"lagged:{lag}", _earlier(4))

    kept = [i for i in range(4) if f"Odpowiedź numer {i}." in block]
    assert kept == list(range(4 - lag, 4))


def test_memory_lagged_beyond_what_was_asked_keeps_everything() -> None:
    assert remembered("lagged:9", _earlier(2)) == remembered("full", _earlier(2))


def test_memory_describes_structured_answers_and_clips_long_ones() -> None:
    long_text = "bardzo " * 100
    block = remembered(
        "full",
        [(LIKERT, {"point": 4, "reason": "Dobra cena."}), (OPEN, {"text": long_text})],
    )

    assert "-> 4/5 (raczej tak). Dobra cena." in block
    remembered_open = block.splitlines()[2].split(" -> ")[1]
    assert len(remembered_open) == MEMORY_CHARS
    assert remembered_open.endswith("…")


def test_question_message_holds_memory_then_question_then_instruction() -> None:
    human = question_messages(PERSONA, LIKERT, memory="lagged:1", earlier=_earlier(2))[1][1]

    memory_at = human.index("Odpowiedź numer 1.")
    question_at = human.index("Pytanie: Czy kupisz abonament?")
    assert memory_at < question_at < human.index("Wybierz jeden punkt skali")
    assert "Odpowiedź numer 0." not in human


# --- instructions -------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [5, 7])
def test_likert_instruction_lists_every_point_with_its_label(scale) -> None:
    question = {**LIKERT, "scale": scale, "labels": LIKERT_LABELS[scale]}

    text = instruction(question)

    assert f"1-{scale}" in text
    for point, label in enumerate(LIKERT_LABELS[scale], 1):
        assert f"{point} = {label}" in text


def test_choice_instruction_lists_every_option_id_and_the_most_to_pick() -> None:
    single, multi = instruction(SINGLE), instruction(MULTI)

    for option in OPTIONS:
        assert f"- {option['id']}: {option['text']}" in single
        assert f"- {option['id']}: {option['text']}" in multi
    assert "najwyżej" not in single
    assert "(najwyżej 2)" in multi


def test_numeric_instruction_names_the_range_and_unit() -> None:
    assert "od 0 do 200." in instruction(NUMERIC)
    assert "od 0 do 200 (zł)." in instruction({**NUMERIC, "unit": "zł"})


# --- discussion digests -------------------------------------------------------------------


def test_digest_tallies_structured_answers_most_common_first() -> None:
    others = [{"option": "b"}, {"option": "a"}, {"option": "b"}, {"option": "c"}, {"option": "b"}]

    lines = digest(SINGLE, others).splitlines()

    assert lines[0] == "Odpowiedzi: Nie: 3; Może: 1; Tak: 1"
    assert lines[1:] == ["- Nie", "- Tak", "- Nie", "- Może", "- Nie"]


def test_digest_tallies_likert_by_point_without_the_reasons() -> None:
    others = [
        {"point": 4, "reason": "Tanio. I wygodnie."},
        {"point": 4, "reason": "Podoba mi się."},
        {"point": 1, "reason": "Za drogo."},
    ]

    tally = digest(LIKERT, others).splitlines()[0]

    assert tally == "Odpowiedzi: 4/5 (raczej tak): 2; 1/5 (zdecydowanie nie): 1"


def test_digest_tallies_every_answer_but_quotes_at_most_digest_answers() -> None:
    others = [{"point": 1 + i % 5, "reason": f"Powód numer {i}."} for i in range(10)]

    lines = digest(LIKERT, others).splitlines()

    tally = dict(part.rsplit(": ", 1) for part in lines[0].removeprefix("Odpowiedzi: ").split("; "))
    assert sum(int(n) for n in tally.values()) == 10
    quotes = [line for line in lines if line.startswith("- ")]
    assert len(quotes) == DIGEST_ANSWERS
    assert quotes[-1].endswith(f"Powód numer {DIGEST_ANSWERS - 1}.")


def test_digest_keeps_the_five_most_common_structured_answers() -> None:
    question = {**SINGLE, "options": [{"id": f"o{i}", "text": f"Opcja {i}"} for i in range(7)]}
    others = [{"option": f"o{i}"} for i in range(7) for _ in range(7 - i)]

    tally = digest(question, others).splitlines()[0]

    assert tally == "Odpowiedzi: Opcja 0: 7; Opcja 1: 6; Opcja 2: 5; Opcja 3: 4; Opcja 4: 3"


def test_digest_of_open_answers_quotes_without_a_tally_and_clips() -> None:
    others = [{"text": "Krótko."}, {"text": "długo " * 100}]

    lines = digest(OPEN, others).splitlines()

    assert lines[0] == "- Krótko."
    assert len(lines[1]) == len("- ") + DIGEST_CHARS
    assert lines[1].endswith("…")


def test_digest_without_others_says_there_are_none() -> None:
    assert digest(OPEN, []) == "- (brak innych odpowiedzi)"


def test_digest_tally_keeps_choice_options_apart_when_their_texts_hold_a_full_stop() -> None:
    question = {
        **SINGLE,
        "options": [{"id": "a", "text": "Tak. Od razu"}, {"id": "b", "text": "Tak. Za rok"}],
    }

    tally = digest(question, [{"option": "a"}, {"option": "b"}]).splitlines()[0]

    assert tally == "Odpowiedzi: Tak. Od razu: 1; Tak. Za rok: 1"


def test_discussion_message_holds_own_answer_digest_and_type_instruction() -> None:
    own = {"point": 2, "reason": "Za drogo."}
    others = [{"point": 4, "reason": "Tanio."}]

    human = discussion_messages(PERSONA, LIKERT, own, others)[1][1]

    assert "Twoja odpowiedź: 2/5 (raczej nie). Za drogo." in human
    assert "Odpowiedzi: 4/5 (raczej tak): 1" in human
    assert human.endswith(instruction(LIKERT))


def test_discussion_message_for_open_question_has_no_type_instruction() -> None:
    human = discussion_messages(PERSONA, OPEN, {"text": "Fajne."}, [{"text": "Drogie."}])[1][1]

    assert human.endswith("(changed: false).")
    assert "- Drogie." in human
