"""Per-provider concurrency cap and rate limit, shared by every run of a router."""

from __future__ import annotations

import asyncio

from tests.tools.model_fakes import policy_settings
from tools.models import ModelRouter, ScriptedChatModel


async def test_concurrency_cap_holds_across_runs(tmp_path) -> None:
    settings = policy_settings(tmp_path, model_fast=["fake/a"], max_concurrency={"fake": 3})
    fake = ScriptedChatModel(default="ok", delay_s=0.02)
    router = ModelRouter(settings, models={"fake/a": fake})
    runs = [router.for_run(f"r{i}") for i in range(2)]

    await asyncio.gather(*(runs[i % 2].ainvoke("fast", "hi") for i in range(12)))

    assert len(fake.calls) == 12
    assert fake.max_in_flight == 3


async def test_without_cap_calls_overlap(tmp_path) -> None:
    """Control for the test above: the fake really can run calls in parallel."""
    settings = policy_settings(tmp_path, model_fast=["fake/a"], max_concurrency={})
    fake = ScriptedChatModel(default="ok", delay_s=0.02)
    router = ModelRouter(settings, models={"fake/a": fake})

    await asyncio.gather(*(router.for_run("r").ainvoke("fast", "hi") for _ in range(12)))

    assert fake.max_in_flight == 12


async def test_rate_limit_spaces_calls_after_the_burst(tmp_path) -> None:
    per_minute, calls = 600.0, 15  # 10/s, burst of one second's worth = 10
    rate, burst = per_minute / 60, 10
    settings = policy_settings(
        tmp_path, model_fast=["fake/a"], rate_limit_per_minute={"fake": per_minute}
    )
    loop = asyncio.get_running_loop()
    started: list[float] = []

    def stamp(_messages: object) -> str:
        started.append(loop.time())
        return "ok"

    fake = ScriptedChatModel(script=[stamp] * calls)
    router = ModelRouter(settings, models={"fake/a": fake})
    runs = [router.for_run(f"r{i}") for i in range(3)]
    t0 = loop.time()

    await asyncio.gather(*(runs[i % 3].ainvoke("fast", "hi") for i in range(calls)))

    # Leaky bucket: by time t at most burst + rate*t calls may have started, so the
    # i-th call (0-based) cannot start before (i + 1 - burst) / rate. Slowness only helps.
    started.sort()
    for i, at in enumerate(started):
        earliest = max(0.0, (i + 1 - burst) / rate)
        assert at - t0 >= earliest - 0.005, f"call {i} started {at - t0:.3f}s < {earliest:.3f}s"
    assert started[-1] - t0 >= (calls - burst) / rate - 0.005


async def test_each_provider_gets_its_own_limiter_at_its_rate(tmp_path) -> None:
    settings = policy_settings(
        tmp_path,
        model_fast=["fake/a"],
        rate_limit_per_minute={"fake": 60.0, "ollama": 1.0},
    )
    router = ModelRouter(settings, models={"fake/a": ScriptedChatModel(default="ok")})

    assert router.limits("fake") is router.limits("fake")
    assert router.limits("fake") is not router.limits("ollama")
    assert router.limits("ollama").limiter.max_rate == 1.0
    assert router.limits("ollama").limiter.time_period == 60.0
