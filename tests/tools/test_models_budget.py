"""Token budget per run, and token/cost accounting per model."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessage

from sight.errors import BudgetExceededError
from tests.tools.model_fakes import ollama_error, policy_settings, scripted_router


def _answer(text: str, tokens_in: int, tokens_out: int) -> AIMessage:
    usage = {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
    }
    return AIMessage(content=text, usage_metadata=usage)


async def test_when_a_call_goes_over_budget_then_run_stops_naming_the_budget(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path), a=[_answer("one", 40, 20), _answer("two", 40, 20)]
    )
    models = router.for_run("r", budget=100, budget_name="persona_run")

    await models.ainvoke("fast", "first")
    with pytest.raises(BudgetExceededError) as caught:
        await models.ainvoke("fast", "second")

    assert caught.value.budget_name == "persona_run"
    assert "persona_run" in str(caught.value)
    assert (caught.value.limit, caught.value.used) == (100, 120)


async def test_when_budget_already_spent_then_no_model_is_called(tmp_path) -> None:
    router, fakes = scripted_router(
        policy_settings(tmp_path), a=[_answer("one", 60, 40), "never"], b=["never"]
    )
    models = router.for_run("r", budget=100)

    await models.ainvoke("fast", "first")  # exactly at the limit: allowed
    with pytest.raises(BudgetExceededError, match="run_token_budget"):
        await models.ainvoke("fast", "second")

    assert len(fakes["fake/a"].calls) == 1
    assert fakes["fake/b"].calls == []


async def test_when_queued_calls_wait_for_a_slot_then_they_stop_once_budget_is_spent(
    tmp_path,
) -> None:
    settings = policy_settings(tmp_path, model_fast=["fake/a"], max_concurrency={"fake": 1})
    router, fakes = scripted_router(settings, a=[_answer(f"a{i}", 40, 20) for i in range(10)])
    models = router.for_run("r", budget=100)

    results = await asyncio.gather(
        *(models.ainvoke("fast", "q") for _ in range(10)), return_exceptions=True
    )

    # One call at a time: the first spends 60, the second (60 < 100 when it starts) brings
    # the run to 120, and every call still queued then stops before reaching the model.
    assert len(fakes["fake/a"].calls) == 2
    assert models.usage.total_tokens == 120
    assert sum(isinstance(r, BudgetExceededError) for r in results) == 9
    assert models.usage.by_model["fake/a"].failures == 0


async def test_when_budget_not_given_then_settings_budget_applies(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path, run_token_budget=10), a=[_answer("big", 8, 8)]
    )
    models = router.for_run("r")

    with pytest.raises(BudgetExceededError):
        await models.ainvoke("fast", "hi")
    assert models.budget.limit == 10


async def test_usage_sums_tokens_and_cost_per_model_with_settings_prices(tmp_path) -> None:
    settings = policy_settings(tmp_path, prices_per_1k={"fake/a": (1.0, 2.0), "fake/b": (0.5, 4.0)})
    router, _ = scripted_router(
        settings,
        a=[_answer("a1", 1000, 500), ollama_error(400)],
        b=[_answer("b1", 2000, 250)],
    )
    models = router.for_run("r", budget=None)

    await models.ainvoke("fast", "one")  # answered by a
    await models.ainvoke("fast", "two")  # a fails (not retryable), b answers

    usage = models.usage
    assert usage.by_model["fake/a"].cost_usd == pytest.approx(1.0 + 1.0)
    assert usage.by_model["fake/b"].cost_usd == pytest.approx(1.0 + 1.0)
    assert usage.cost_usd == pytest.approx(4.0)
    assert (usage.input_tokens, usage.output_tokens, usage.calls) == (3000, 750, 2)
    assert usage.by_model["fake/a"].failures == 1
    assert usage.as_dict()["by_model"]["fake/b"]["input_tokens"] == 2000


async def test_each_run_has_its_own_usage(tmp_path) -> None:
    router, _ = scripted_router(policy_settings(tmp_path), a=[_answer("x", 5, 5)] * 2)
    first, second = router.for_run("r1"), router.for_run("r2")

    await first.ainvoke("fast", "hi")

    assert first.usage.total_tokens == 10
    assert second.usage.total_tokens == 0


async def test_when_attempts_time_out_then_prompt_tokens_are_charged_and_budget_stops_run(
    tmp_path,
) -> None:
    settings = policy_settings(tmp_path, model_timeout_s=0.01, model_max_retries=1)
    router, fakes = scripted_router(settings, a=["late", "late"], b=["never"])
    fakes["fake/a"].delay_s = 30.0  # far beyond the timeout: every attempt is cut off
    models = router.for_run("r", budget=150)
    prompt = "x" * 400  # estimated at 100 tokens

    with pytest.raises(BudgetExceededError):
        await models.ainvoke("fast", prompt)

    a = models.usage.by_model["fake/a"]
    assert (a.failures, a.input_tokens, a.output_tokens) == (2, 200, 0)
    assert fakes["fake/b"].calls == []  # the timeouts spent the budget before the fallback


async def test_when_attempt_fails_with_reported_usage_then_that_usage_is_charged(tmp_path) -> None:
    from langchain_core.exceptions import ModelRefusalError

    refusal = ModelRefusalError(raw_message=_answer("", 300, 40))
    settings = policy_settings(tmp_path, prices_per_1k={"fake/a": (1.0, 2.0)})
    router, _ = scripted_router(settings, a=[refusal], b=[_answer("ok", 10, 5)])
    models = router.for_run("r", budget=None)

    await models.ainvoke("fast", "hi")

    a = models.usage.by_model["fake/a"]
    assert (a.failures, a.calls, a.input_tokens, a.output_tokens) == (1, 0, 300, 40)
    assert a.cost_usd == pytest.approx(0.3 + 0.08)
    assert models.usage.total_tokens == 355


async def test_when_attempt_refused_without_usage_then_nothing_is_charged(tmp_path) -> None:
    router, _ = scripted_router(
        policy_settings(tmp_path), a=[ollama_error(401)], b=[_answer("ok", 10, 5)]
    )
    models = router.for_run("r", budget=None)

    await models.ainvoke("fast", "x" * 400)

    assert models.usage.by_model["fake/a"].total_tokens == 0
    assert models.usage.total_tokens == 15
