"""Fallback along a role's chain, and the error when every model fails."""

from __future__ import annotations

import logging

import pytest

from sight.errors import ModelError
from tests.tools.model_fakes import ollama_error, policy_settings, scripted_router


async def test_when_first_model_fails_then_second_answers(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=[ollama_error(404, "model not found")], b=["from b"]
    )
    models = router.for_run("r")

    answer = await models.ainvoke("fast", "one")

    assert answer.content == "from b"
    assert len(fakes["fake/a"].calls) == 1  # 404 is not retried
    assert models.usage.by_model["fake/a"].failures == 1
    assert models.usage.by_model["fake/b"].calls == 1


async def test_when_all_models_fail_then_model_error_lists_each_last_error(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path, model_max_retries=1),
        a=[ollama_error(500, "first a"), ollama_error(503, "last a")],
        b=[ValueError("broken b")],
    )

    with pytest.raises(ModelError) as caught:
        await router.for_run("r").ainvoke("fast", "hi")

    message = str(caught.value)
    assert "fake/a -> ResponseError: last a (status code: 503)" in message
    assert "fake/b -> ValueError: broken b" in message
    assert "first a" not in message
    assert [d["model"] for d in caught.value.details] == ["fake/a", "fake/b"]


async def test_when_error_text_holds_an_api_key_then_message_and_logs_mask_it(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = policy_settings(tmp_path, ollama_api_key="sk-very-secret-key")
    router, _ = scripted_router(
        settings,
        a=[ValueError("401 for key sk-very-secret-key")],
        b=[ValueError("Bearer sk-very-secret-key rejected")],
    )

    with caplog.at_level(logging.DEBUG), pytest.raises(ModelError) as caught:
        await router.for_run("r").ainvoke("fast", "hi")

    assert "sk-very-secret-key" not in str(caught.value)
    assert "sk-very-secret-key" not in caplog.text
    assert "401 for key ***" in str(caught.value)


async def test_when_deep_role_asked_then_deep_chain_is_used(tmp_path) -> None:
    settings = policy_settings(tmp_path, model_fast=["fake/a"], model_deep=["fake/b"])
    router, fakes = scripted_router(settings, a=[], b=["deep answer"])

    answer = await router.for_run("r").ainvoke("deep", "think")

    assert answer.content == "deep answer"
    assert fakes["fake/a"].calls == []
