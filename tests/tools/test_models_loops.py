"""One router serves several event loops; a loop-bound object misused is a bug, not an outage."""

from __future__ import annotations

import asyncio

import pytest

from sight.settings import load_settings
from tests.tools.model_fakes import policy_settings, scripted_router
from tests.tools.ollama_stub import running_stub
from tools.models import ModelRouter, ScriptedChatModel, is_retryable
from tools.models.classify import is_event_loop_error


def test_limits_work_in_each_event_loop_the_router_is_used_in(tmp_path) -> None:
    settings = policy_settings(
        tmp_path, model_fast=["fake/a"], max_concurrency={"fake": 1}, model_max_retries=0
    )
    fake = ScriptedChatModel(default="ok", delay_s=0.01)
    router = ModelRouter(settings, models={"fake/a": fake})

    async def burst() -> list[str]:
        answers = await asyncio.gather(
            *(router.for_run("r").ainvoke("fast", "hi") for _ in range(3))
        )
        return [a.text for a in answers]

    # The first burst leaves the semaphore and the limiter bound to a loop that then closes.
    assert asyncio.run(burst()) == ["ok"] * 3
    assert asyncio.run(burst()) == ["ok"] * 3
    assert fake.max_in_flight == 1


def test_built_http_clients_are_not_reused_across_event_loops(tmp_path) -> None:
    with running_stub() as stub:
        settings = load_settings(
            data_dir=tmp_path, provider="ollama", ollama_base_url=stub.url, _env_file=None
        )
        router = ModelRouter(settings)

        for _ in range(2):
            answer = asyncio.run(router.for_run("r").ainvoke("fast", "hi"))
            assert answer.text

        # no "Event loop is closed" failure on the second loop, hence no fallback to 20b
        assert stub.models_called() == ["gpt-oss:120b", "gpt-oss:120b"]


async def test_same_loop_reuses_built_models_and_limits(tmp_path) -> None:
    router = ModelRouter(policy_settings(tmp_path, model_fast=["fake/a"]))

    assert router.model("fake/a") is router.model("fake/a")
    assert router.limits("fake") is router.limits("fake")


@pytest.mark.parametrize(
    "message",
    [
        "<asyncio.locks.Semaphore object [locked]> is bound to a different event loop",
        "Event loop is closed",
        "Task got Future <Future pending> attached to a different loop",
    ],
)
async def test_event_loop_errors_are_raised_not_turned_into_a_fallback(
    tmp_path, message: str
) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=[RuntimeError(message)], b=["from b"]
    )

    with pytest.raises(RuntimeError, match="loop"):
        await router.for_run("r").ainvoke("fast", "hi")

    assert fakes["fake/b"].calls == []


def test_event_loop_errors_are_recognised_and_never_retried() -> None:
    error = RuntimeError("Event loop is closed")

    assert is_event_loop_error(error)
    assert not is_retryable(error)
    assert not is_event_loop_error(RuntimeError("provider wrapper"))
