"""Spend ledger: reserve before a call, settle after; the policy's use of it (RunModels)."""

from __future__ import annotations

import asyncio
import math

import pytest
from langchain_core.exceptions import ModelRefusalError
from langchain_core.messages import AIMessage
from pydantic import BaseModel

from sight.errors import BudgetWouldExceedError
from tests.tools.model_fakes import ollama_error, policy_settings, scripted_router
from tools.models.ledger import Hold, SpendLedger
from tools.models.policy import CAP_KWARG, DEFAULT_OUTPUT_RESERVE, INPUT_MARGIN
from tools.models.usage import RunUsage

PROMPT = "jedno dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć"  # 10 words
ANSWER = " ".join(f"słowo{i}" for i in range(20))  # 20 words, cut by a cap
CAP = 5
# A call reserves its counted prompt with the margin plus its cap; it uses prompt + cap words.
RESERVED = math.ceil(10 * INPUT_MARGIN) + CAP  # 12 + 5 = 17
USED = 10 + CAP  # 15


async def _settle_soon() -> None:
    """Let every task that can run do so (no wall clock involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


# --- SpendLedger itself -------------------------------------------------------------------


async def test_ledger_when_call_settles_then_usage_replaces_reservation() -> None:
    ledger = SpendLedger(max_tokens=100, max_usd=1.0)

    hold = await ledger.reserve(40, 0.4)
    assert (ledger.reserved_tokens, ledger.holds, ledger.spent_tokens) == (40, 1, 0)
    ledger.settle(hold, 25, 0.1)

    assert (ledger.reserved_tokens, ledger.reserved_usd, ledger.holds) == (0, 0.0, 0)
    assert ledger.spent() == {"tokens": 25, "usd": 0.1}


async def test_ledger_when_nothing_in_flight_and_no_room_then_refuses_naming_the_need() -> None:
    ledger = SpendLedger(max_tokens=100, spent_tokens=90, name="fg_budget")

    with pytest.raises(BudgetWouldExceedError) as caught:
        await ledger.reserve(11, 0.0)

    details = caught.value.details
    assert details["budget"] == "fg_budget"
    assert details["needed"]["tokens"] == 11
    assert details["spent"]["tokens"] == 90
    assert details["limit"] == {"max_tokens": 100, "max_usd": None}
    assert (ledger.refused, ledger.holds, ledger.reserved_tokens) == (1, 0, 0)


async def test_ledger_when_reservation_exactly_fills_budget_then_it_is_taken() -> None:
    ledger = SpendLedger(max_tokens=100, spent_tokens=90)

    await ledger.reserve(10, 0.0)

    assert ledger.reserved_tokens == 10


async def test_ledger_when_usd_limit_is_the_tight_one_then_it_refuses_on_usd() -> None:
    ledger = SpendLedger(max_tokens=None, max_usd=0.01)

    await ledger.reserve(10_000, 0.006)
    assert not ledger.fits(1, 0.005)
    assert ledger.fits(10**9, 0.004)


async def test_ledger_when_many_small_prices_sum_to_the_limit_then_rounding_does_not_refuse() -> (
    None
):
    ledger = SpendLedger(max_usd=1.0)
    for _ in range(9):
        ledger.settle(await ledger.reserve(1, 0.1), 1, 0.1)  # 0.1 * 9 is 0.8999999999999999

    await ledger.reserve(1, 0.1)  # brings it to 1.0 up to float rounding

    assert ledger.holds == 1
    assert not ledger.fits(1, 1e-9)


async def test_ledger_when_no_limits_then_everything_fits() -> None:
    ledger = SpendLedger()

    await ledger.reserve(10**12, 10**6)

    assert ledger.holds == 1


async def test_ledger_when_no_room_but_a_call_in_flight_then_waits_and_proceeds_after_settle() -> (
    None
):
    ledger = SpendLedger(max_tokens=100)
    first = await ledger.reserve(60, 0.0)

    second = asyncio.create_task(ledger.reserve(60, 0.0))
    await _settle_soon()
    assert not second.done()  # 60 + 60 > 100, and the first may still use less
    ledger.settle(first, 30, 0.0)
    hold = await asyncio.wait_for(second, 1)

    assert hold == Hold(60, 0.0)
    assert (ledger.spent_tokens, ledger.reserved_tokens, ledger.holds) == (30, 60, 1)
    assert ledger.refused == 0


async def test_ledger_when_waiting_call_still_does_not_fit_after_last_settle_then_refused() -> None:
    ledger = SpendLedger(max_tokens=100)
    first = await ledger.reserve(60, 0.0)
    second = asyncio.create_task(ledger.reserve(60, 0.0))
    await _settle_soon()

    ledger.settle(first, 60, 0.0)  # used all it reserved: 60 + 60 > 100, nothing in flight

    with pytest.raises(BudgetWouldExceedError):
        await asyncio.wait_for(second, 1)
    assert (ledger.spent_tokens, ledger.holds, ledger.refused) == (60, 0, 1)


async def test_ledger_when_waiting_call_is_cancelled_then_its_waiter_is_dropped() -> None:
    ledger = SpendLedger(max_tokens=100)
    first = await ledger.reserve(60, 0.0)
    second = asyncio.create_task(ledger.reserve(60, 0.0))
    await _settle_soon()

    second.cancel()
    await _settle_soon()

    assert second.cancelled()
    assert ledger._waiters == []
    ledger.settle(first, 10, 0.0)
    assert (ledger.reserved_tokens, ledger.holds) == (0, 0)


async def test_ledger_resumed_run_starts_from_what_it_spent_before() -> None:
    ledger = SpendLedger(max_tokens=100, max_usd=1.0, spent_tokens=95, spent_usd=0.5)

    with pytest.raises(BudgetWouldExceedError):
        await ledger.reserve(6, 0.0)
    assert ledger.spent() == {"tokens": 95, "usd": 0.5}


# --- RunModels with a ledger --------------------------------------------------------------


def _models(tmp_path, max_tokens=None, max_usd=None, **settings_overrides):
    settings = policy_settings(tmp_path, **settings_overrides)
    scripts = {"a": [], "b": []}
    router, fakes = scripted_router(settings, **scripts)
    for fake in fakes.values():
        fake.default = ANSWER
    models = router.for_run("r", budget=None)
    models.ledger = SpendLedger(max_tokens=max_tokens, max_usd=max_usd)
    return models, fakes


async def test_policy_max_output_tokens_reaches_the_fake_as_max_tokens_and_caps_the_answer(
    tmp_path,
) -> None:
    models, fakes = _models(tmp_path, max_tokens=1000)

    answer = await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)

    assert CAP_KWARG["fake"] == "max_tokens"
    assert fakes["fake/a"].call_kwargs[0]["max_tokens"] == CAP
    assert answer.text == " ".join(ANSWER.split()[:CAP])
    assert models.usage.total_tokens == USED


async def test_policy_without_max_output_tokens_then_no_cap_is_passed(tmp_path) -> None:
    models, fakes = _models(tmp_path, max_tokens=10_000)

    answer = await models.ainvoke("fast", PROMPT)

    assert "max_tokens" not in fakes["fake/a"].call_kwargs[0]
    assert answer.text == ANSWER


async def test_policy_with_schema_passes_the_cap_on_the_structured_call(tmp_path) -> None:
    class Point(BaseModel):
        point: int

    models, fakes = _models(tmp_path, max_tokens=10_000)
    fakes["fake/a"].script = ['{"point": 4}']

    answer = await models.ainvoke("fast", PROMPT, schema=Point, max_output_tokens=CAP)

    assert answer == Point(point=4)
    assert fakes["fake/a"].call_kwargs[0]["max_tokens"] == CAP
    assert models.ledger.spent_tokens == models.usage.total_tokens


async def test_policy_reserves_margin_on_counted_prompt_plus_cap_or_default_reserve(
    tmp_path,
) -> None:
    models, fakes = _models(tmp_path, max_tokens=RESERVED - 1)

    with pytest.raises(BudgetWouldExceedError) as capped:
        await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)
    with pytest.raises(BudgetWouldExceedError) as uncapped:
        await models.ainvoke("fast", PROMPT)

    assert capped.value.details["needed"]["tokens"] == RESERVED
    assert uncapped.value.details["needed"]["tokens"] == (
        math.ceil(10 * INPUT_MARGIN) + DEFAULT_OUTPUT_RESERVE
    )
    assert fakes["fake/a"].calls == []


async def test_policy_when_ledger_refuses_then_no_fallback_to_next_model(tmp_path) -> None:
    # fake/a is priced so its reservation is over max_usd; free fake/b would fit, but a
    # refusal is the budget's answer, not an outage of fake/a.
    models, fakes = _models(
        tmp_path, max_usd=0.001, prices_per_1k={"fake/a": (1.0, 1.0), "fake/b": (0.0, 0.0)}
    )

    with pytest.raises(BudgetWouldExceedError):
        await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)

    assert fakes["fake/a"].calls == []
    assert fakes["fake/b"].calls == []
    assert models.ledger.refused == 1


async def test_policy_when_eight_concurrent_calls_share_a_tight_budget_then_spend_stays_within(
    tmp_path,
) -> None:
    budget = 100
    models, fakes = _models(tmp_path, max_tokens=budget, max_concurrency={"fake": 8})
    fakes["fake/a"].delay_s = 0.01

    results = await asyncio.gather(
        *(models.ainvoke("fast", PROMPT, max_output_tokens=CAP) for _ in range(8)),
        return_exceptions=True,
    )

    answered = [r for r in results if isinstance(r, AIMessage)]
    refused = [r for r in results if isinstance(r, BudgetWouldExceedError)]
    # 17 reserved, 15 used a call: at most 5 reservations fit 100 at once; every call that
    # settles frees 2 tokens; 6 calls spend 90 and then a 17-token reservation cannot fit.
    assert len(answered) + len(refused) == 8
    assert models.ledger.spent_tokens <= budget
    assert models.ledger.spent_tokens == models.usage.total_tokens == USED * len(answered)
    assert len(answered) == 6
    assert (models.ledger.holds, models.ledger.reserved_tokens) == (0, 0)
    assert 1 < fakes["fake/a"].max_in_flight <= budget // RESERVED


async def test_policy_when_call_in_flight_holds_the_room_then_next_waits_and_then_proceeds(
    tmp_path,
) -> None:
    # Room for one reservation (17) but for two calls' real use (30).
    models, fakes = _models(tmp_path, max_tokens=RESERVED + USED, max_concurrency={"fake": 4})
    fakes["fake/a"].delay_s = 0.01

    results = await asyncio.gather(
        *(models.ainvoke("fast", PROMPT, max_output_tokens=CAP) for _ in range(2))
    )

    assert [r.text for r in results] == [" ".join(ANSWER.split()[:CAP])] * 2
    assert fakes["fake/a"].max_in_flight == 1  # the second waited for the first to settle
    assert models.ledger.spent_tokens == 2 * USED
    assert models.ledger.refused == 0


async def test_policy_when_call_is_cancelled_then_its_whole_reservation_counts_as_spent(
    tmp_path,
) -> None:
    models, fakes = _models(tmp_path, max_tokens=1000)
    fakes["fake/a"].delay_s = 30.0

    task = asyncio.create_task(models.ainvoke("fast", PROMPT, max_output_tokens=CAP))
    for _ in range(200):
        if fakes["fake/a"].calls:
            break
        await asyncio.sleep(0)
    assert models.ledger.holds == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    ledger = models.ledger
    assert (ledger.spent_tokens, ledger.reserved_tokens, ledger.holds) == (RESERVED, 0, 0)


async def test_policy_when_attempt_rate_limited_without_usage_then_it_settles_nothing(
    tmp_path,
) -> None:
    # Room for one reservation only: the retry fits only if the 429 settled 0 tokens.
    models, fakes = _models(tmp_path, max_tokens=RESERVED + 1)
    fakes["fake/a"].script = [ollama_error(429)]

    answer = await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)

    assert len(answer.text.split()) == CAP
    assert len(fakes["fake/a"].calls) == 2
    assert models.usage.by_model["fake/a"].failures == 1
    assert models.ledger.spent_tokens == USED
    assert (models.ledger.holds, models.ledger.reserved_tokens) == (0, 0)


async def test_policy_when_attempt_fails_with_reported_usage_then_it_settles_that_usage(
    tmp_path,
) -> None:
    usage = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    refusal = ModelRefusalError(raw_message=AIMessage(content="", usage_metadata=usage))
    models, fakes = _models(tmp_path, max_tokens=1000)
    fakes["fake/a"].script = [refusal]

    await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)  # fake/b answers

    assert fakes["fake/b"].calls
    assert models.ledger.spent_tokens == 10 + USED
    assert models.ledger.spent_tokens == models.usage.total_tokens
    assert models.ledger.holds == 0


async def test_policy_ledger_usd_is_settled_with_the_price_table(tmp_path) -> None:
    models, _ = _models(tmp_path, max_usd=1.0, prices_per_1k={"fake/a": (1.0, 2.0)})

    await models.ainvoke("fast", PROMPT, max_output_tokens=CAP)

    assert models.ledger.spent_usd == pytest.approx(10 / 1000 * 1.0 + CAP / 1000 * 2.0)
    assert models.ledger.spent_usd == pytest.approx(models.usage.cost_usd)
    assert models.ledger.reserved_usd == pytest.approx(0.0)


# --- parts of a run -----------------------------------------------------------------------


async def test_part_shares_the_ledger_but_keeps_its_own_usage(tmp_path) -> None:
    models, _ = _models(tmp_path, max_tokens=1000)
    first, second = models.part(), models.part()

    await first.ainvoke("fast", PROMPT, max_output_tokens=CAP)
    await second.ainvoke("fast", PROMPT, max_output_tokens=CAP)
    await second.ainvoke("fast", PROMPT, max_output_tokens=CAP)

    assert first.ledger is models.ledger is second.ledger
    assert first._counters is models._counters
    assert first.budget.limit is None
    assert (first.usage.total_tokens, second.usage.total_tokens) == (USED, 2 * USED)
    assert models.usage.total_tokens == 0
    assert models.ledger.spent_tokens == 3 * USED


async def test_part_has_no_token_budget_of_its_own_even_when_the_run_has_one(tmp_path) -> None:
    router, _ = scripted_router(policy_settings(tmp_path), a=[])
    models = router.for_run("r", budget=10, budget_name="fg")

    part = models.part()

    assert (part.budget.name, part.budget.limit) == ("fg", None)
    assert part.ledger is None


def test_run_usage_merge_adds_calls_failures_tokens_and_cost_per_model() -> None:
    total, part = RunUsage(), RunUsage()
    total.add_call("fake/a", 10, 5, 0.5)
    part.add_call("fake/a", 1, 2, 0.25)
    part.add_failure("fake/a", 3, 0, 0.125)
    part.add_call("fake/b", 4, 4, 1.0)

    total.merge(part)
    total.merge(RunUsage())

    a, b = total.by_model["fake/a"], total.by_model["fake/b"]
    assert (a.calls, a.failures, a.input_tokens, a.output_tokens) == (2, 1, 14, 7)
    assert a.cost_usd == pytest.approx(0.875)
    assert (b.calls, b.total_tokens, b.cost_usd) == (1, 8, 1.0)
    assert part.by_model["fake/a"].calls == 1  # the merged record is left as it was
