"""Run a focus group and die by SIGKILL at the model's (k+1)-th call: the resume eval's crash.

Usage: python -m evals.focus_group.kill_worker DATA_DIR RUN_ID THREAD_ID PERSONAS K
The personas must be stored already (evals.focus_group.setup.persona_records(PERSONAS)).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from evals.focus_group.fakes import respondent_model
from evals.focus_group.setup import QUESTIONS, TENANT, persona_records, respondent_for
from graphs.context import RunInfo
from graphs.focus_group import build_graph, make_context
from runtime.resources import open_resources
from sight.settings import load_settings
from tools.models import ModelRouter


def settings_for(data_dir: str) -> object:
    """The settings both the worker and the resuming eval use."""
    return load_settings(
        data_dir=data_dir,
        provider="fake",
        _env_file=None,
        max_concurrency={"fake": 4},
        model_backoff_initial_s=0.01,  # the refused calls of the budget runs retry at once
        model_backoff_max_s=0.05,
    )


async def main(data_dir: str, run_id: str, thread_id: str, personas: int, k: int) -> None:
    settings = settings_for(data_dir)
    async with open_resources(settings) as resources:
        records = persona_records(personas)
        respondent = respondent_for(records, QUESTIONS)
        calls = 0

        def dying(messages: list) -> object:
            nonlocal calls
            calls += 1
            if calls > k:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: a crash
            return respondent(messages)

        model = respondent_model(dying, delay_s=0.01)  # type: ignore[arg-type]
        resources._router = ModelRouter(settings, models={"fake/scripted": model})
        graph = build_graph().compile(checkpointer=resources.checkpointer)
        ctx = make_context(resources, RunInfo(run_id, thread_id, TENANT))
        payload = {"personas": [r["id"] for r in records], "questions": QUESTIONS}
        await graph.ainvoke(payload, {"configurable": {"thread_id": thread_id}}, context=ctx)


if __name__ == "__main__":
    data, run, thread, count, k = sys.argv[1:6]
    asyncio.run(main(data, run, thread, int(count), int(k)))
