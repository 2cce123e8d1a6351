"""One run's graph: its config, its input, its chunks published to the run's stream, and the
error a client sees when it fails."""

from __future__ import annotations

from typing import Any

from langgraph.types import Command

from runtime.events import SUPPORTED_MODES, MessageAccumulator, chunk_events
from runtime.registry import GraphSpec, RunInfo
from runtime.streams import RunStream
from runtime.thread_state import public_thread_ids
from sight.errors import SightError
from store.runs import RunRecord


def run_error(exc: BaseException, run_id: str) -> dict[str, Any]:
    """The error a client sees for a failed run: a Sight error's own code, message and details;
    for anything else a fixed message (its text may hold SQL, hosts or data: the log has it)."""
    if isinstance(exc, SightError):
        error: dict[str, Any] = {
            "error": type(exc).__name__,
            "code": exc.code,
            "message": exc.message,
        }
        if exc.details is not None:
            error["details"] = exc.details
        retryable = getattr(exc, "retryable", None)
        if isinstance(retryable, bool):  # whether sending the run again may help
            error["retryable"] = retryable
        return error
    return {
        "error": "InternalError",
        "code": "internal_error",
        "message": f"The run failed on the server; see the server log (run {run_id}).",
    }


def run_config(run: RunRecord, public_thread_id: str | None = None) -> dict[str, Any]:
    """The LangGraph config of a run: the client's, with the thread, the checkpoint to start
    from and the run's metadata (every checkpoint it writes carries its run_id, and its thread's
    public id: the storage key stays internal)."""
    user = dict(run.kwargs.get("config") or {})
    configurable = {
        **(user.get("configurable") or {}),
        **(run.kwargs.get("checkpoint") or {}),
        "thread_id": run.thread_id,
    }
    metadata = {
        **(user.get("metadata") or {}),
        **(run.metadata or {}),
        "run_id": run.run_id,
        "thread_id": public_thread_id or run.thread_id,
        "graph_id": run.graph_id,
        "assistant_id": run.assistant_id,
        "run_attempt": run.attempt,
    }
    return {**user, "configurable": configurable, "metadata": metadata}


async def has_checkpoint_of(graph: Any, config: dict[str, Any], run_id: str) -> bool:
    """Whether the thread's latest checkpoint was written by this run (a resumed attempt)."""
    state = await graph.aget_state(config)
    return bool(state.metadata) and state.metadata.get("run_id") == run_id


async def stream_graph(
    graph: Any,
    spec: GraphSpec,
    resources: Any,
    run: RunRecord,
    config: dict[str, Any],
    stream: RunStream,
    *,
    resumed: bool,
    public_thread_id: str | None = None,
) -> None:
    """Run the graph and publish its chunks to the run's stream as wire events (naming the
    thread by `public_thread_id`, when that differs from the storage key)."""
    public = public_thread_id or run.thread_id
    kwargs = run.kwargs
    requested = set(kwargs.get("stream_mode") or ["values"])
    modes = {SUPPORTED_MODES[m] for m in requested} | {"values"}
    if resumed:
        graph_input: Any = None
    elif kwargs.get("command"):
        graph_input = Command(**kwargs["command"])
    else:
        graph_input = kwargs.get("input")
    legacy = MessageAccumulator()
    info = RunInfo(run.run_id, run.thread_id, run.tenant, run.kwargs.get("actor") or "")
    context = spec.make_context(resources, info)
    async for ns, mode, chunk in graph.astream(
        graph_input,
        config,
        context=context,
        stream_mode=sorted(modes),
        subgraphs=True,
        interrupt_before=kwargs.get("interrupt_before"),
        interrupt_after=kwargs.get("interrupt_after"),
        durability=kwargs.get("durability") or spec.run_durability,
    ):
        if ns and not kwargs.get("stream_subgraphs"):
            continue
        if mode == "values" and not ns:
            stream.result = chunk
        for name, payload in chunk_events(requested, ns, mode, chunk, legacy):
            stream.publish(name, public_thread_ids(payload, run.thread_id, public))
