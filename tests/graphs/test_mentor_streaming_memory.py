"""The mentor graph, as a reviewer found it wanting: what the guards add reaches a\nmessages-tuple client, a rejected try is announced, invented numbers never become sources\nthrough the summary, no turn is forgotten, removals are refused, read failures are Polish."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import RemoveMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from prompts.mentor import NOT_FOUND
from tests.graphs.mentor_support import ask, compiled, config, context, fake_settings, scripted
from tools.mentor.errors import MentorFailure

GOOD = "NPS tej persony wynosi 32, a średnia branży to 45, więc persona poleca markę rzadziej."
INVENTED = "NPS tej persony wynosi 27, czyli jest niski w porównaniu ze średnią."
ENGLISH = "The persona has a low NPS because the price is too high for her budget."
MISSING = "99999999-9999-4999-8999-999999999999"


@pytest.fixture
def settings(tmp_path: Path):
    return fake_settings(tmp_path)


async def streamed(graph, payload, ctx, cfg=None):
    """{message id: text streamed under it} from the messages stream, and the final state."""
    texts: dict[str, str] = {}
    async for mode, chunk in graph.astream(
        payload, cfg or config(), context=ctx, stream_mode=["messages", "values"]
    ):
        if mode == "messages":
            texts[chunk[0].id] = texts.get(chunk[0].id, "") + chunk[0].text
    return texts, await graph.aget_state(cfg or config())


@pytest.mark.parametrize(
    ("script", "question", "must_see"),
    [
        ([INVENTED, INVENTED], "Dlaczego persona ma niski NPS?", "⚠️"),
        ([GOOD], f"Dlaczego persona ma niski NPS? A {MISSING}?", NOT_FOUND.split(":")[0]),
    ],
)
async def test_what_the_guards_add_reaches_a_messages_tuple_client(
    settings, script, question, must_see
) -> None:
    models, _ = scripted(settings, deep=script)
    texts, state = await streamed(compiled(), ask(question), context(models))
    final = state.values["messages"][-1]
    assert must_see in final.text  # it is in the state...
    assert must_see in texts.get(final.id, "")  # ...and must reach the stream too


async def test_a_rejected_try_is_announced_and_only_the_checked_answer_streams_after_it(
    settings,
) -> None:
    models, _ = scripted(settings, deep=[ENGLISH, ENGLISH])
    graph = compiled()
    texts: dict[str, str] = {}
    discarded = []
    async for mode, chunk in graph.astream(
        ask("Dlaczego persona ma niski NPS?"),
        config(),
        context=context(models),
        stream_mode=["messages", "custom"],
    ):
        if mode == "messages":
            texts[chunk[0].id] = texts.get(chunk[0].id, "") + chunk[0].text
        else:
            discarded.append(chunk["mentor"]["discarded"])
    state = await graph.aget_state(config())
    final = state.values["messages"][-1]
    assert state.values["answer_meta"]["mode"] == "facts_not_polish"
    # The first try streamed as written; the client is told it was replaced. The second
    # (English again) never streamed; the facts did, under the final message's id.
    (first,) = [i for i, text in texts.items() if "low NPS" in text]
    assert discarded == [first]
    assert texts[final.id] == final.text and ENGLISH not in final.text
    assert len(texts) == 2


async def test_a_number_invented_earlier_does_not_become_a_source_through_the_summary(
    settings,
) -> None:
    summary = "Użytkownik pytał o NPS persony; mentor podał, że NPS wynosi 27."
    models, fakes = scripted(
        settings, deep=[INVENTED, INVENTED, GOOD, INVENTED, GOOD], fast=[summary]
    )
    graph = compiled()
    ctx = context(models, history_turns=1, summary_tokens=5)
    for i in range(3):
        out = await graph.ainvoke(
            ask(f"Pytanie {i}: dlaczego persona ma niski NPS?"), config(), context=ctx
        )
    assert "27" in fakes["fake/fast"].calls[0][0].text  # the invented answer was summarised
    assert out["answer_meta"]["attempts"] == 2 or out["answer_meta"].get("warning")


async def test_every_earlier_question_reaches_the_prompt_verbatim_or_summarised(
    settings,
) -> None:
    models, fakes = scripted(settings, deep=[GOOD, GOOD, GOOD], fast=["Streszczenie."])
    graph = compiled()
    ctx = context(models, history_turns=1, summary_tokens=1200)
    for i in range(3):
        await graph.ainvoke(
            ask(f"Pytanie {i}: dlaczego persona ma niski NPS?"), config(), context=ctx
        )
    prompt = " ".join(m.text for m in fakes["fake/deep"].calls[-1])
    assert "Pytanie 0" in prompt or fakes["fake/fast"].calls


async def test_removing_messages_is_refused_and_a_shrunk_thread_drops_its_summary(
    settings,
) -> None:
    from sight.errors import InputValidationError
    from tools.mentor.request import check_input

    clear = {
        "messages": [
            {"role": "remove", "id": "__remove_all__", "content": ""},
            {"type": "human", "content": "Nowy temat: co z personą?"},
        ]
    }
    with pytest.raises(InputValidationError) as refused:
        check_input(clear)
    assert refused.value.problems[0]["field"] == "input.messages.0"
    # A state update may still remove messages: the summary no longer matching is dropped.
    models, fakes = scripted(settings, deep=[GOOD] * 4, fast=["Streszczenie: NPS 27."])
    graph = compiled()
    ctx = context(models, history_turns=1, summary_tokens=5)
    for i in range(3):
        await graph.ainvoke(ask(f"Pytanie {i} o NPS persony?"), config(), context=ctx)
    assert (await graph.aget_state(config())).values["summary"]
    removal = {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES)]}
    await graph.aupdate_state(config(), removal, as_node="answer_question")
    out = await graph.ainvoke(ask("Nowy temat: co z personą?"), config(), context=ctx)
    assert "Streszczenie" not in fakes["fake/deep"].calls[-1][0].text
    assert [m.type for m in out["messages"]] == ["human", "ai"]


async def test_a_failure_reading_results_is_a_polish_catalogue_error() -> None:
    class BrokenReader:
        async def names(self):
            raise OSError("could not connect to server: postgres at 10.0.0.5")

        async def recent(self, kind, limit):
            return await self.names()

        async def missing(self, refs):
            return await self.names()

        async def load(self, refs):
            return await self.names()

    with pytest.raises(MentorFailure):
        await compiled().ainvoke(
            ask("Dlaczego persona ma niski NPS?"), config(), context=context(reader=BrokenReader())
        )
