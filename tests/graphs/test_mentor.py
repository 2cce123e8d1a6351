"""The mentor graph: results chosen for a question, answers guarded (Polish, grounded numbers),
model failures as Polish catalogue errors, and a retried turn answered once."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from prompts.mentor import FACTS_NOTE_NOT_POLISH, FACTS_NOTE_OFFLINE, NO_RESULTS
from tests.graphs.mentor_support import (
    FOCUS_GROUP,
    PERSONA,
    MemoryReader,
    ask,
    compiled,
    config,
    context,
    fake_settings,
    scripted,
)
from tools.mentor.errors import CATALOGUE, MentorFailure

GOOD = "NPS tej persony wynosi 32, a średnia branży to 45, więc persona poleca markę rzadziej."
INVENTED = "NPS tej persony wynosi 27, czyli jest niski w porównaniu ze średnią."
ENGLISH = "The persona has a low NPS because the price is too high for her budget."


def roles(messages) -> list[str]:
    return [m.type for m in messages]


@pytest.fixture
def settings(tmp_path: Path):
    return fake_settings(tmp_path)


async def test_offline_the_answer_is_the_facts_streamed_and_marked() -> None:
    graph = compiled()
    chunks = []
    async for mode, chunk in graph.astream(
        ask("Dlaczego ta persona ma niski NPS?"),
        config(),
        context=context(),
        stream_mode=["messages", "values"],
    ):
        if mode == "messages":
            chunks.append(chunk[0])
    state = await graph.aget_state(config())
    answer = state.values["messages"][-1]
    assert roles(state.values["messages"]) == ["human", "ai"]
    assert "NPS persony: 32 (średnia branży: 45)." in answer.text
    assert FACTS_NOTE_OFFLINE in answer.text
    assert state.values["answer_meta"]["mode"] == "facts"
    assert len([c for c in chunks if c.content]) > 5  # streamed word by word
    assert "".join(c.content for c in chunks) == answer.text


async def test_a_grounded_polish_answer_is_kept_as_the_model_wrote_it(settings) -> None:
    models, fakes = scripted(settings, deep=[GOOD])
    graph = compiled()
    out = await graph.ainvoke(
        ask("Dlaczego persona Anna ma niski NPS?"), config(), context=context(models)
    )
    assert out["messages"][-1].text == GOOD
    assert out["answer_meta"]["attempts"] == 1
    prompt = fakes["fake/deep"].calls[0]
    assert "NPS persony: 32" in prompt[0].text  # the results are in the system prompt


async def test_an_invented_number_is_asked_again_naming_it(settings) -> None:
    models, fakes = scripted(settings, deep=[INVENTED, GOOD])
    out = await compiled().ainvoke(
        ask("Dlaczego persona ma niski NPS?"), config(), context=context(models)
    )
    assert out["messages"][-1].text == GOOD
    assert out["answer_meta"]["attempts"] == 2
    retry = fakes["fake/deep"].calls[1][-1]
    assert isinstance(retry, HumanMessage) and "27" in retry.text


async def test_a_number_invented_twice_is_answered_with_a_visible_warning(settings) -> None:
    models, _ = scripted(settings, deep=[INVENTED, INVENTED])
    out = await compiled().ainvoke(
        ask("Dlaczego persona ma niski NPS?"), config(), context=context(models)
    )
    text = out["messages"][-1].text
    assert text.startswith(INVENTED)
    assert "⚠️" in text and "27" in text.split("⚠️")[1]
    assert out["answer_meta"]["warning"] == "invented_numbers"


async def test_an_english_answer_is_regenerated_once_in_polish(settings) -> None:
    models, fakes = scripted(settings, deep=[ENGLISH, GOOD])
    out = await compiled().ainvoke(
        ask("Dlaczego persona ma niski NPS?"), config(), context=context(models)
    )
    assert out["messages"][-1].text == GOOD
    assert "po polsku" in fakes["fake/deep"].calls[1][-1].text


async def test_english_twice_gives_the_facts_saying_why(settings) -> None:
    models, _ = scripted(settings, deep=[ENGLISH, ENGLISH])
    out = await compiled().ainvoke(
        ask("Dlaczego persona ma niski NPS?"), config(), context=context(models)
    )
    text = out["messages"][-1].text
    assert FACTS_NOTE_NOT_POLISH in text and "NPS persony: 32" in text
    assert ENGLISH not in text
    assert out["answer_meta"]["mode"] == "facts_not_polish"


async def test_a_model_failure_is_a_polish_catalogue_error_and_a_retry_answers_once(
    settings,
) -> None:
    models, _ = scripted(settings, deep=[TimeoutError("upstream read timed out"), GOOD])
    graph = compiled()
    ctx = context(models)
    with pytest.raises(MentorFailure) as failed:
        await graph.ainvoke(ask("Dlaczego persona ma niski NPS?"), config(), context=ctx)
    assert failed.value.code == "timeout"
    assert failed.value.message == CATALOGUE["timeout"].message
    assert "timed out" not in failed.value.message
    state = await graph.aget_state(config())
    assert roles(state.values["messages"]) == ["human"]
    # The retry: the same thread, no input (what a client's "try again" sends).
    await graph.ainvoke(None, config(), context=ctx)
    state = await graph.aget_state(config())
    assert roles(state.values["messages"]) == ["human", "ai"]
    assert state.values["messages"][-1].text == GOOD


async def test_a_retry_from_the_parent_checkpoint_leaves_one_question_and_one_answer(
    settings,
) -> None:
    models, _ = scripted(settings, deep=[GOOD, "Persona poleca markę rzadziej niż średnia."])
    graph = compiled()
    ctx = context(models)
    await graph.ainvoke(ask("Dlaczego persona ma niski NPS?"), config(), context=ctx)
    history = [s async for s in graph.aget_state_history(config())]
    parent = next(s for s in history if s.next == ("answer_question",))
    await graph.ainvoke(None, parent.config, context=ctx)
    state = await graph.aget_state(config())
    assert roles(state.values["messages"]) == ["human", "ai"]
    assert state.values["messages"][-1].text == "Persona poleca markę rzadziej niż średnia."


async def test_a_question_resent_after_a_failure_is_kept_once(settings) -> None:
    models, _ = scripted(settings, deep=[ConnectionError("refused"), GOOD])
    graph = compiled()
    ctx = context(models)
    with pytest.raises(MentorFailure) as failed:
        await graph.ainvoke(ask("Dlaczego persona ma niski NPS?"), config(), context=ctx)
    assert failed.value.code == "provider_down" and failed.value.retryable
    await graph.ainvoke(ask("Dlaczego persona ma niski NPS?"), config(), context=ctx)
    state = await graph.aget_state(config())
    assert roles(state.values["messages"]) == ["human", "ai"]


async def test_the_latest_results_of_a_kind_named_in_the_question_are_read() -> None:
    reader = MemoryReader()
    graph = compiled()
    out = await graph.ainvoke(
        ask("Co wynika z moich ostatnich grup fokusowych?"),
        config(),
        context=context(reader=reader),
    )
    assert reader.recent_calls == [("focus_group", 3)]
    assert out["refs"] == [{"kind": "focus_group", "id": FOCUS_GROUP.ref.id}]
    assert "5 z 8 odpowiedzi" in out["messages"][-1].text
    # A follow-up naming nothing stays with the same results.
    out = await graph.ainvoke(ask("A co z tego wynika?"), config(), context=context(reader=reader))
    assert out["refs"] == [{"kind": "focus_group", "id": FOCUS_GROUP.ref.id}]


async def test_an_id_in_the_question_picks_that_result_and_unknown_ids_are_named() -> None:
    missing_id = "99999999-9999-4999-8999-999999999999"
    out = await compiled().ainvoke(
        ask(f"Opowiedz o {PERSONA.ref.id} i o {missing_id}"), config(), context=context()
    )
    assert out["refs"] == [{"kind": "persona", "id": PERSONA.ref.id}]
    assert missing_id in out["messages"][-1].text


async def test_the_thread_metadata_names_the_results() -> None:
    async def metadata():
        return {"focus_group_ids": [FOCUS_GROUP.ref.id]}

    out = await compiled().ainvoke(
        ask("Jakie są wnioski?"), config(), context=context(thread_metadata=metadata)
    )
    assert out["refs"] == [{"kind": "focus_group", "id": FOCUS_GROUP.ref.id}]


async def test_no_results_at_all_says_so_and_how_to_make_some() -> None:
    out = await compiled().ainvoke(
        ask("Co wynika z moich wyników?"), config(), context=context(reader=MemoryReader(blocks=[]))
    )
    assert out["messages"][-1].text == NO_RESULTS


async def test_the_results_are_cut_to_the_token_limit_question_first(settings) -> None:
    models, fakes = scripted(settings, deep=[GOOD])
    out = await compiled().ainvoke(
        ask("Dlaczego persona ma niski NPS?"),
        config(),
        context=context(models, context_tokens=30, thread_metadata=None),
        # persona only: the question names a persona
    )
    system = fakes["fake/deep"].calls[0][0].text
    assert "NPS persony: 32" in system
    assert "Zawód: księgowa" not in system  # a detail left out
    assert out["answer_meta"]["left_out"] >= 1


async def test_a_long_conversation_is_summarised_and_the_window_kept(settings) -> None:
    answers = [f"Odpowiedź numer {i} o personie." for i in range(6)]
    summaries = ["Streszczenie 1.", "Streszczenie 2.", "Streszczenie 3: pytano o NPS persony."]
    models, fakes = scripted(settings, deep=answers, fast=summaries)
    graph = compiled()
    ctx = context(models, history_turns=2, summary_tokens=10)
    for i in range(6):
        await graph.ainvoke(
            ask(f"Pytanie {i}: dlaczego persona ma niski NPS?"), config(), context=ctx
        )
    state = await graph.aget_state(config())
    # Turns 4, 5 and 6 each pushed a turn of 12 words out of the window: three summaries,
    # each written from the one before and the turn that left the window.
    assert state.values["summary"] == summaries[2]
    assert state.values["summarized"] == 6
    third = fakes["fake/fast"].calls[2][0].text
    assert "Streszczenie 2." in third and "Pytanie 2:" in third and "Pytanie 1:" not in third
    last_prompt = fakes["fake/deep"].calls[-1]
    assert summaries[2] in last_prompt[0].text
    # system + 2 turns (4 messages) + the question
    assert len(last_prompt) == 6
    assert roles(state.values["messages"]) == ["human", "ai"] * 6


async def test_offline_the_summary_keeps_the_earlier_questions() -> None:
    graph = compiled()
    ctx = context(history_turns=1, summary_tokens=5)
    for i in range(3):
        await graph.ainvoke(ask(f"Pytanie {i} o NPS persony"), config(), context=ctx)
    state = await graph.aget_state(config())
    assert "Pytanie 0 o NPS persony" in state.values["summary"]
    assert isinstance(state.values["messages"][-1], AIMessage)


def test_the_embedded_models_get_less_results_and_no_explaining_unless_asked(tmp_path) -> None:
    from graphs.mentor import context_tokens, uses_model
    from sight.settings import load_settings

    local = load_settings(data_dir=tmp_path, provider="local", _env_file=None)
    gemini = load_settings(
        data_dir=tmp_path, provider="gemini", google_api_key="k" * 20, _env_file=None
    )
    assert context_tokens(local, local.model_chain("deep")) == 600
    assert context_tokens(gemini, gemini.model_chain("deep")) == 1500
    pinned = local.model_copy(update={"mentor_context_tokens": 900})
    assert context_tokens(pinned, pinned.model_chain("deep")) == 900
    assert not uses_model(local) and uses_model(gemini)
    assert uses_model(local.model_copy(update={"mentor_model": "on"}))
    assert not uses_model(gemini.model_copy(update={"mentor_model": "off"}))
