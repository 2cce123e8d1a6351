"""A newer observation supersedes the session's slow path (api/sales_next_move/interactions.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from api.sales_next_move.interactions import OBSERVATION, SLOW_PATH, _supersede_slow_runs


class FakeRuns:
    def __init__(self, runs: list[Any]) -> None:
        self.runs = runs

    async def inflight(self, thread_id: str) -> list[Any]:
        return [r for r in self.runs if r.thread_id == thread_id]


class FakeManager:
    def __init__(self, runs: list[Any]) -> None:
        self.runs = FakeRuns(runs)
        self.cancelled: list[tuple[str, str]] = []

    async def cancel(self, run: Any, action: str) -> bool:
        self.cancelled.append((run.run_id, action))
        return True


def _run(run_id: str, kind: str | None, thread_id: str = "s-1") -> Any:
    return SimpleNamespace(run_id=run_id, thread_id=thread_id, metadata={"kind": kind})


async def test_supersede_when_slow_runs_pending_or_running_then_only_they_are_interrupted():
    manager = FakeManager(
        [
            _run("fast-1", OBSERVATION),
            _run("slow-1", SLOW_PATH),
            _run("advisor", None),
            _run("slow-2", SLOW_PATH),
            _run("slow-other-session", SLOW_PATH, thread_id="s-2"),
        ]
    )

    await _supersede_slow_runs(manager, "s-1")

    # observations and advisor answers are never dropped; another session's slow path is not
    # this observation's business
    assert manager.cancelled == [("slow-1", "interrupt"), ("slow-2", "interrupt")]


async def test_supersede_when_nothing_inflight_then_nothing_cancelled():
    manager = FakeManager([])

    await _supersede_slow_runs(manager, "s-1")

    assert manager.cancelled == []
