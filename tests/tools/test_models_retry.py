"""Retries: only rate limits, timeouts and 5xx are retried, with exponential backoff."""

from __future__ import annotations

import httpx
import pytest
from google.genai import errors as genai_errors
from langchain_google_genai.chat_models import GoogleAPIError, GoogleRateLimitError

from sight.errors import ModelError
from tests.tools.model_fakes import http_error, ollama_error, policy_settings, scripted_router
from tools.models import ModelRouter, ScriptedChatModel, retry_reason


def _wrapped(inner: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("provider wrapper") from inner
    except RuntimeError as exc:
        return exc


def _raised_while_handling(first: BaseException, second: BaseException) -> BaseException:
    """``second`` with ``first`` as its implicit ``__context__``."""
    try:
        try:
            raise first
        except Exception:
            raise second  # noqa: B904 - the implicit context is the point
    except Exception as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ollama_error(429), "rate_limit"),
        (ollama_error(500), "server_error"),
        (ollama_error(503), "server_error"),
        (http_error(502), "server_error"),
        (http_error(429), "rate_limit"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (TimeoutError(), "timeout"),
        (genai_errors.ServerError(503, {"error": {"message": "overloaded"}}), "server_error"),
        (genai_errors.ClientError(429, {"error": {"message": "quota"}}), "rate_limit"),
        (GoogleRateLimitError("quota"), "rate_limit"),
        (GoogleAPIError(500, {"error": {"message": "internal"}}), "server_error"),
        (_wrapped(ollama_error(429)), "rate_limit"),
        (ollama_error(404), None),
        (ollama_error(400), None),
        (ollama_error(-1, "error in stream"), None),
        (http_error(401), None),
        (genai_errors.ClientError(403, {"error": {"message": "denied"}}), None),
        (ConnectionError("refused"), None),
        (ValueError("bad input"), None),
        # an explicit status decides; the context it was raised in does not
        (_raised_while_handling(httpx.ReadTimeout("t"), http_error(401)), None),
        (_raised_while_handling(http_error(503), http_error(400)), None),
        (_raised_while_handling(ollama_error(503), ollama_error(404)), None),
        # without a status of its own, the context is looked at
        (_raised_while_handling(http_error(503), RuntimeError("stream broke")), "server_error"),
        (_raised_while_handling(http_error(400), _wrapped(ollama_error(429))), "rate_limit"),
    ],
)
def test_retry_reason_classifies_provider_errors(error: BaseException, reason: str | None) -> None:
    assert retry_reason(error) == reason


async def test_when_rate_limited_then_retried_with_growing_backoff(tmp_path) -> None:
    settings = policy_settings(
        tmp_path, model_fast=["fake/a"], model_backoff_initial_s=0.1, model_backoff_max_s=10.0
    )
    delays: list[float] = []

    async def record_sleep(seconds: float) -> None:
        delays.append(seconds)

    fake = ScriptedChatModel(script=[ollama_error(429), http_error(503), "ok"])
    router = ModelRouter(settings, models={"fake/a": fake}, sleep=record_sleep)

    answer = await router.for_run("r").ainvoke("fast", "hi")

    assert answer.content == "ok"
    assert len(fake.calls) == 3
    # exponential: 0.1 then 0.2, each plus jitter of at most initial (0.1)
    assert len(delays) == 2
    assert 0.1 <= delays[0] <= 0.2
    assert 0.2 <= delays[1] <= 0.3


async def test_when_backoff_would_grow_past_max_then_capped(tmp_path) -> None:
    settings = policy_settings(
        tmp_path,
        model_fast=["fake/a"],
        model_max_retries=5,
        model_backoff_initial_s=1.0,
        model_backoff_max_s=2.5,
    )
    delays: list[float] = []

    async def record_sleep(seconds: float) -> None:
        delays.append(seconds)

    fake = ScriptedChatModel(script=[ollama_error(500)] * 5 + ["ok"])
    router = ModelRouter(settings, models={"fake/a": fake}, sleep=record_sleep)

    await router.for_run("r").ainvoke("fast", "hi")

    assert len(delays) == 5
    assert max(delays) <= 2.5
    assert delays[-1] == pytest.approx(2.5)


async def test_when_error_not_retryable_then_not_retried_but_falls_back(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=[ollama_error(400, "bad request")], b=["from b"]
    )
    models = router.for_run("r")

    answer = await models.ainvoke("fast", "hi")

    assert answer.content == "from b"
    assert len(fakes["fake/a"].calls) == 1
    assert models.usage.by_model["fake/a"].failures == 1
    assert models.usage.by_model["fake/b"].calls == 1


async def test_when_retries_exhausted_then_next_model_answers(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path, model_max_retries=2), a=[ollama_error(503)] * 3, b=["from b"]
    )

    answer = await router.for_run("r").ainvoke("fast", "hi")

    assert answer.content == "from b"
    assert len(fakes["fake/a"].calls) == 3  # first try + 2 retries


async def test_when_call_exceeds_timeout_then_it_is_retried_then_fails(tmp_path) -> None:
    settings = policy_settings(
        tmp_path, model_fast=["fake/a"], model_timeout_s=0.02, model_max_retries=1
    )
    slow = ScriptedChatModel(default="late", delay_s=5.0)
    router = ModelRouter(settings, models={"fake/a": slow})

    with pytest.raises(ModelError, match="fake/a -> TimeoutError"):
        await router.for_run("r").ainvoke("fast", "hi")

    assert len(slow.calls) == 2
