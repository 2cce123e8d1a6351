"""The scripted fake model answers, raises and counts exactly as scripted."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from tools.models import FakeScriptExhaustedError, ScriptedChatModel


async def test_script_items_are_used_in_order() -> None:
    fake = ScriptedChatModel(
        script=["first", ValueError("second fails"), lambda msgs: f"echo {msgs[-1].text}"]
    )

    first = await fake.ainvoke("a")
    with pytest.raises(ValueError, match="second fails"):
        await fake.ainvoke("b")
    third = await fake.ainvoke("c")

    assert (first.content, third.content) == ("first", "echo c")
    assert [call[-1].text for call in fake.calls] == ["a", "b", "c"]
    assert fake.remaining == 0


async def test_when_script_used_up_then_default_or_a_clear_error() -> None:
    with_default = ScriptedChatModel(script=["one"], default="again")
    without = ScriptedChatModel(model_name="fake/judge", script=[])

    assert [(await with_default.ainvoke("x")).content for _ in range(3)] == [
        "one",
        "again",
        "again",
    ]
    with pytest.raises(FakeScriptExhaustedError, match="fake/judge"):
        await without.ainvoke("x")


async def test_usage_is_word_count_unless_scripted() -> None:
    scripted_usage = {"input_tokens": 100, "output_tokens": 7, "total_tokens": 107}
    fake = ScriptedChatModel(
        script=["three word answer", AIMessage("x", usage_metadata=scripted_usage)]
    )

    counted = await fake.ainvoke("two words")
    given = await fake.ainvoke("ignored")

    assert counted.usage_metadata["input_tokens"] == 2
    assert counted.usage_metadata["output_tokens"] == 3
    assert given.usage_metadata == scripted_usage


def test_sync_invoke_and_stream_work_too() -> None:
    fake = ScriptedChatModel(script=["sync answer", "streamed answer here"])

    assert fake.invoke("x").content == "sync answer"
    chunks = list(fake.stream("y"))
    assert [c.content for c in chunks if c.content] == ["streamed ", "answer ", "here"]
    assert chunks[-1].usage_metadata["output_tokens"] == 3
