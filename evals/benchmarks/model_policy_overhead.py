"""Measure what the model call policy costs per call, with a zero-latency fake model.

Times N sequential calls made directly on the fake chat model and the same N through
``RunModels.ainvoke`` (rate limiter, semaphore, tenacity, timeout, accounting, budget),
side by side in one run, best of several rounds, and prints per-call overhead. Goal: < 1 ms.
Settings come from the arguments below only (no SIGHT_* variable, no .env), so the run can
never reach a real provider.

    python evals/benchmarks/model_policy_overhead.py --calls 2000 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from sight.settings import Settings
from tools.models import ModelRouter, ScriptedChatModel
from tools.models.structured import parse_output

MESSAGES = [("system", "You are terse."), ("human", "Say ok.")]


class Ok(BaseModel):
    ok: bool


class BenchSettings(Settings):
    """Settings built from init arguments only: the environment is not read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def bench_settings() -> Settings:
    """Fake-provider settings with no budget, independent of SIGHT_* and .env."""
    settings = BenchSettings(
        provider="fake",
        model_fast=["fake/scripted"],
        model_deep=["fake/scripted"],
        run_token_budget=None,
        _env_file=None,
    )
    chains = settings.model_chain("fast") + settings.model_chain("deep")
    assert all(ref.startswith("fake/") for ref in chains), chains
    return settings


async def _time(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    """Seconds for ``calls`` sequential awaits of ``call``."""
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return time.perf_counter() - start


async def run(calls: int, rounds: int) -> list[tuple[str, float, float]]:
    """Return rows of (path, direct µs/call, routed µs/call): best of ``rounds``."""
    settings = bench_settings()
    fake = ScriptedChatModel(default='{"ok": true}')
    router = ModelRouter(settings, models={"fake/scripted": fake})
    models = router.for_run("bench")

    async def direct_plain() -> object:
        return await fake.ainvoke(MESSAGES)

    async def routed_plain() -> object:
        return await models.ainvoke("fast", MESSAGES)

    async def direct_schema() -> object:
        return parse_output((await fake.ainvoke(MESSAGES)).text, Ok)

    async def routed_schema() -> object:
        return await models.ainvoke("fast", MESSAGES, schema=Ok)

    pairs = {
        "plain message": (direct_plain, routed_plain),
        "pydantic schema": (direct_schema, routed_schema),
    }
    best: dict[str, list[float]] = {name: [float("inf"), float("inf")] for name in pairs}
    for _ in range(rounds):
        for name, (direct, routed) in pairs.items():
            await _time(min(calls, 200), direct)  # warm up both paths
            await _time(min(calls, 200), routed)
            best[name][0] = min(best[name][0], await _time(calls, direct))
            best[name][1] = min(best[name][1], await _time(calls, routed))
    return [(name, d / calls * 1e6, r / calls * 1e6) for name, (d, r) in best.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = asyncio.run(run(args.calls, args.rounds))
    print(f"model policy overhead: {args.calls} sequential calls, best of {args.rounds} rounds")
    columns = ("direct µs/call", "router µs/call", "overhead µs", "ratio")
    header = f"{'path':<16} " + " ".join(f"{c:>15}" for c in columns)
    print(header)
    print("-" * len(header))
    for name, direct, routed in rows:
        values = (direct, routed, routed - direct)
        print(
            f"{name:<16} " + " ".join(f"{v:>15.1f}" for v in values) + f" {routed / direct:>15.2f}"
        )
    worst = max(routed - direct for _, direct, routed in rows)
    print(
        f"goal < 1000 µs overhead per call: {'met' if worst < 1000 else 'NOT met'} ({worst:.1f} µs)"
    )


if __name__ == "__main__":
    main()
