"""Structured output: validate against a pydantic schema, repair once, then a typed error."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from sight.errors import StructuredOutputError
from tests.tools.model_fakes import policy_settings, scripted_router
from tools.models.structured import InvalidOutput, native_json_kwargs, parse_output


class Verdict(BaseModel):
    label: Literal["buy", "skip"]
    confidence: float = Field(ge=0, le=1)


async def test_when_output_valid_then_schema_instance_returned(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=['{"label": "buy", "confidence": 0.8}']
    )

    verdict = await router.for_run("r").ainvoke("fast", "decide", schema=Verdict)

    assert verdict == Verdict(label="buy", confidence=0.8)
    asked = fakes["fake/a"].calls[0]
    assert '"confidence"' in asked[-1].text  # the schema travels with the request


async def test_when_output_invalid_then_error_is_sent_back_and_repair_accepted(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path),
        a=['{"label": "maybe", "confidence": 2}', '{"label": "skip", "confidence": 0.1}'],
    )
    models = router.for_run("r")

    verdict = await models.ainvoke("fast", "decide", schema=Verdict)

    assert verdict.label == "skip"
    repair_prompt = fakes["fake/a"].calls[1]
    assert repair_prompt[-2].text == '{"label": "maybe", "confidence": 2}'
    assert "label:" in repair_prompt[-1].text and "confidence:" in repair_prompt[-1].text
    assert models.usage.by_model["fake/a"].calls == 2


async def test_when_repair_also_invalid_then_falls_back_to_next_model(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path),
        a=["no json here", "still none"],
        b=['{"label": "buy", "confidence": 1}'],
    )

    verdict = await router.for_run("r").ainvoke("fast", "decide", schema=Verdict)

    assert verdict.label == "buy"


async def test_when_every_model_stays_invalid_then_structured_output_error(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path), a=["nope", "nope"], b=['{"label": 1}', '{"label": 2}']
    )

    with pytest.raises(StructuredOutputError, match=r"fake/a .*Verdict.*fake/b") as caught:
        await router.for_run("r").ainvoke("fast", "decide", schema=Verdict)

    assert caught.value.code == "structured_output_invalid"


def test_parse_output_accepts_code_fences_and_chatter() -> None:
    text = 'Sure!\n```json\n{"label": "skip", "confidence": 0.5}\n```\nAnything else?'

    assert parse_output(text, Verdict).confidence == 0.5


def test_parse_output_names_the_failing_field() -> None:
    with pytest.raises(InvalidOutput, match="confidence"):
        parse_output('{"label": "buy", "confidence": 7}', Verdict)


def test_native_json_mode_per_provider() -> None:
    schema = Verdict.model_json_schema()

    assert native_json_kwargs("local", Verdict) == {
        "response_format": {"type": "json_object", "schema": schema}
    }
    assert native_json_kwargs("ollama", Verdict) == {"format": schema}
    assert native_json_kwargs("gemini", Verdict)["response_json_schema"] == schema
    assert native_json_kwargs("fake", Verdict) == {}


class Note(BaseModel):
    text: str


def test_parse_when_string_holds_a_raw_line_break_then_accepted() -> None:
    assert parse_output('{"text": "one\ntwo"}', Note).text == "one\ntwo"


def test_parse_when_json_broken_then_invalid_output_says_why() -> None:
    with pytest.raises(InvalidOutput, match="invalid JSON"):
        parse_output('{"text": "unterminated}', Note)


async def test_when_prompt_has_a_system_message_then_schema_joins_it(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=['{"label": "buy", "confidence": 0.8}']
    )

    await router.for_run("r").ainvoke(
        "fast", [("system", "Jesteś doradcą."), ("human", "decide")], schema=Verdict
    )

    asked = fakes["fake/a"].calls[0]
    # The stable prefix (system + schema) comes first, the per-call text last.
    assert asked[0].type == "system" and '"confidence"' in asked[0].text
    assert asked[0].text.startswith("Jesteś doradcą.")
    assert [m.type for m in asked] == ["system", "human"] and asked[-1].text == "decide"
