"""The mentor's orchestration parts: what a question names, which results it gets, how they
fit a token limit, the conversation's window, and the run input's checks."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from sight.errors import InputValidationError
from tests.graphs.mentor_support import FOCUS_GROUP, PERSONA, SESSION, MemoryReader
from tools.mentor.budget import fit
from tools.mentor.choice import choose
from tools.mentor.conversation import plain_summary, resent_question, window
from tools.mentor.facts_answer import facts_answer
from tools.mentor.mentions import read_mentions
from tools.mentor.refs import ResultRef
from tools.mentor.request import check_input, check_owned


def words(text: str) -> int:
    return len(text.split())


async def pick(reader, question, pinned, previous, ref_type=ResultRef):
    return await choose(reader, question, read_mentions(question), pinned, previous, ref_type)


@pytest.mark.parametrize(
    ("text", "kinds", "latest", "count"),
    [
        ("Co wynika z moich ostatnich grup fokusowych?", ["focus_group"], True, None),
        ("Dlaczego ta persona ma niski NPS?", ["persona", "kpi"], False, None),
        ("Które sesje zakończyły się sprzedażą i dlaczego?", ["sales_session"], False, None),
        ("Pokaż 3 ostatnie sesje", ["sales_session"], True, 3),
        ("Podsumuj dwie najnowsze persony", ["persona"], True, 2),
        ("A dlaczego tak?", [], False, None),
    ],
)
def test_mentions_read_kinds_latest_and_counts_in_any_inflection(text, kinds, latest, count):
    found = read_mentions(text)
    assert found.kinds == kinds
    assert found.latest is latest
    assert found.count == count


def test_mentions_read_uuids_and_hex_keys_but_not_parts_of_uuids():
    uuid = "3f2a9c1e-0b7d-4e2f-9a1b-2c3d4e5f6a7b"
    key = "a" * 32
    found = read_mentions(f"Porównaj {uuid} z segmentem {key}.")
    assert found.ids == [uuid, key]


async def test_choose_named_ids_first_then_kinds_then_the_previous_turn():
    reader = MemoryReader()
    named = await pick(reader, f"Co z {PERSONA.ref.id}?", [], [], ResultRef)
    assert (named.how, named.refs) == ("named", [PERSONA.ref])
    kinds = await pick(reader, "Które sesje były udane?", [], [], ResultRef)
    assert (kinds.how, kinds.refs) == ("kinds", [SESSION.ref])
    assert reader.recent_calls == [("sales_session", 10)]
    follow_up = await pick(reader, "A dlaczego?", [], [SESSION.ref], ResultRef)
    assert (follow_up.how, follow_up.refs) == ("previous", [SESSION.ref])


async def test_choose_finds_persons_and_clients_by_name_in_any_case_with_other_kinds_named():
    reader = MemoryReader()
    by_name = await pick(reader, "Dlaczego Anny NPS jest niski?", [], [])
    assert by_name.refs == [PERSONA.ref]  # her block carries her KPI: no other KPI added
    with_group = await pick(reader, "Czy fokusówka tłumaczy wynik Anny?", [], [])
    assert with_group.refs == [PERSONA.ref, FOCUS_GROUP.ref]
    client = await pick(reader, "Co przekonało Pana Tomasza?", [], [])
    assert client.refs == [SESSION.ref]
    nobody = await pick(reader, "nowa oferta dla anny?", [], [])
    assert nobody.how == "overview"  # short names count only capitalised


async def test_choose_prefers_the_threads_own_results_of_a_kind_unless_asked_for_the_latest():
    reader = MemoryReader()
    pinned = [ResultRef("focus_group", "pinned-fg")]
    own = await pick(reader, "Co mówi grupa fokusowa?", pinned, [], ResultRef)
    assert own.refs == pinned and reader.recent_calls == []
    latest = await pick(reader, "Co mówi najnowsza grupa fokusowa?", pinned, [], ResultRef)
    assert latest.refs == [FOCUS_GROUP.ref]


async def test_choose_an_overview_when_nothing_is_named_and_names_unknown_ids():
    reader = MemoryReader()
    overview = await pick(reader, "Jak mi idzie?", [], [], ResultRef)
    assert overview.how == "overview"
    assert overview.refs == [PERSONA.ref, FOCUS_GROUP.ref, SESSION.ref]
    unknown = "99999999-9999-4999-8999-999999999999"
    missing = await pick(reader, f"Co z {unknown}?", [], [], ResultRef)
    assert missing.unknown_ids == [unknown]


def test_fit_keeps_every_title_and_the_facts_the_question_asks_about_first():
    blocks = [PERSONA, FOCUS_GROUP]
    everything = fit(blocks, "Dlaczego niski NPS?", 10_000, words)
    assert everything.left_out == 0 and everything.facts == 7
    # Room for both titles and a few facts: the NPS facts win over earlier details.
    tight = fit(blocks, "Dlaczego niski NPS?", 40, words)
    assert tight.tokens <= 40
    assert PERSONA.title in tight.text and FOCUS_GROUP.title in tight.text
    assert "NPS persony: 32" in tight.text
    assert "Zawód: księgowa" not in tight.text
    assert tight.left_out == 7 - tight.facts > 0


def test_fit_drops_whole_blocks_only_when_not_even_their_titles_fit():
    tight = fit([PERSONA, FOCUS_GROUP, SESSION], "sesja", 12, words)
    assert tight.refs == [PERSONA.ref]
    assert tight.left_out == 9 - tight.facts


def test_facts_answer_lists_the_matching_facts_of_each_result():
    chosen = fit([PERSONA, FOCUS_GROUP], "cena", 10_000, words)
    text = facts_answer([PERSONA, FOCUS_GROUP], chosen.facts_by_block, "Co z ceną?", intro="X:")
    assert text.startswith("X:")
    assert "5 z 8 odpowiedzi" in text and "79 zł" in text
    # The persona has no price fact: it is left out.
    assert PERSONA.title not in text
    # A question no fact is about gets each result's core facts.
    text = facts_answer([PERSONA, FOCUS_GROUP], chosen.facts_by_block, "Hej?", intro="X:")
    assert "NPS persony: 32" in text and "5 z 8 odpowiedzi" in text


def test_a_question_resent_with_no_answer_between_is_removed_once():
    first = HumanMessage("Co z NPS?", id="h1")
    again = HumanMessage("Co z NPS?", id="h2")
    assert [r.id for r in resent_question([first, again])] == ["h1"]
    assert resent_question([first, AIMessage("…", id="a1"), again]) == []
    assert resent_question([first, HumanMessage("Inne pytanie", id="h3")]) == []


def test_window_keeps_the_latest_turns_and_summary_keeps_the_older_questions():
    messages = []
    for i in range(4):
        messages += [HumanMessage(f"pytanie {i}", id=f"h{i}"), AIMessage(f"odpowiedź {i}")]
    messages.append(HumanMessage("pytanie 4", id="h4"))
    win = window(messages, 2)
    assert [m.text for m in win.recent] == ["pytanie 2", "odpowiedź 2", "pytanie 3", "odpowiedź 3"]
    assert win.question.text == "pytanie 4"
    summary = plain_summary(win.older)
    assert "pytanie 0" in summary and "pytanie 1" in summary and "odpowiedź" not in summary


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "input"),
        ({"messages": []}, "input.messages"),
        ({"messages": [{"type": "ai", "content": "hej"}]}, "input.messages"),
        ({"messages": [{"type": "human", "content": "x" * 4001}]}, "input.messages.0.content"),
        ({"messages": [{"type": "human", "content": "ok"}], "extra": 1}, "input.extra"),
        (
            {"messages": [{"type": "human", "content": "ok"}], "context": {"persona_ids": "x"}},
            "input.context.persona_ids",
        ),
        (
            {"messages": [{"type": "human", "content": "ok"}], "context": {"people": []}},
            "input.context.people",
        ),
    ],
)
def test_check_input_names_the_field_to_fix(payload, field):
    with pytest.raises(InputValidationError) as failed:
        check_input(payload)
    assert field in [p["field"] for p in failed.value.problems]


async def test_check_owned_names_each_id_that_is_not_the_tenants():
    payload = {
        "messages": [{"type": "human", "content": "ok"}],
        "context": {"persona_ids": [PERSONA.ref.id, "nope"], "session_ids": ["nope2"]},
    }
    with pytest.raises(InputValidationError) as failed:
        await check_owned(payload, MemoryReader(), ResultRef)
    assert [p["field"] for p in failed.value.problems] == [
        "input.context.persona_ids.1",
        "input.context.session_ids.0",
    ]


def test_facts_answer_leaves_out_results_with_nothing_on_the_question():
    chosen = fit([PERSONA, SESSION], "nps", 10_000, words)
    text = facts_answer([PERSONA, SESSION], chosen.facts_by_block, "Czemu niski NPS?", intro="X:")
    assert PERSONA.title in text and SESSION.title not in text


@pytest.mark.parametrize(
    ("question", "name", "found"),
    [
        ("Co wiemy o Panu Marku?", "Pan Marek", True),
        ("Dlaczego Jacka nie przekonaliśmy?", "Jacek Nowak", True),
        ("Co z Olą?", "Pani Ola, lekarka", True),
        ("Olej silnikowy", "Pani Ola, lekarka", False),
        ("Czemu straciliśmy tego pana od BMW?", "Pan Robert (BMW X3)", True),
        ("Co u Nowaków?", "Państwo Nowakowie z Lubonia", True),
        ("nowa oferta", "Anna Nowak", False),
        ("Porównaj Katarzyny i Tomasza wyniki", "Tomasz Zieliński", True),
    ],
)
def test_names_are_found_in_polish_cases_and_not_in_common_words(question, name, found):
    from tools.mentor.names import named_in

    assert bool(named_in(question, [("ref", name)])) is found
