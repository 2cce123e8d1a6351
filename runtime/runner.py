"""Run a registered graph once: validate input, stream progress, return the output."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from runtime.registry import GraphSpec, RunInfo
from runtime.resources import Resources

ProgressFn = Callable[[str, Any], None]


async def run_graph(
    spec: GraphSpec,
    payload: Any,
    resources: Resources,
    *,
    thread_id: str | None = None,
    on_progress: ProgressFn | None = None,
    tenant: str = "default",
    actor: str = "",
    checkpoint: bool = True,
) -> dict[str, Any]:
    """Run `spec` on `payload` with the runner's checkpointer; report (mode, chunk) progress.

    Input is validated before the run starts, so bad input stores nothing (not even a
    checkpoint) and raises InputValidationError listing every problem. ``checkpoint=False``
    runs without a checkpointer: for a request that keeps its result elsewhere (a CRM persona).
    """
    if spec.validate_input is not None:
        checked = spec.validate_input(payload)
        if spec.normalises_input:
            payload = checked
    if spec.check_input is not None:
        await spec.check_input(payload, resources, tenant)
    saver = resources.checkpointer if checkpoint else None
    graph = spec.build().compile(checkpointer=saver, name=spec.name)
    thread_id = thread_id or str(uuid.uuid4())
    config = {"configurable": {"thread_id": thread_id}}
    output: dict[str, Any] = {}
    async for mode, chunk in graph.astream(
        payload,
        config,
        context=spec.make_context(
            resources, RunInfo(str(uuid.uuid4()), thread_id, tenant=tenant, actor=actor)
        ),
        stream_mode=["updates", "custom", "values"],
        # Durability is about checkpoints: without a saver LangGraph warns that it is moot.
        **({"durability": spec.run_durability} if saver is not None else {}),
    ):
        if mode == "values":
            output = chunk
        elif on_progress is not None:
            on_progress(mode, chunk)
    keys = graph.output_channels
    return {k: v for k, v in output.items() if k in keys} if isinstance(keys, list) else output
