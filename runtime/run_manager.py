"""Run execution: one run at a time per thread, in arrival order; cancel; recover after a crash.

A run's life: the route stores it (RunRepository.enqueue) and hands it to the thread's driver.
When nothing else of the thread is inflight the run is stored already claimed (``running``) and
the driver starts it at once; otherwise it is stored ``pending`` and the driver claims the
oldest pending run of its thread when the one before ends. The driver executes the graph,
publishes every chunk to the run's stream, stores the final run and thread status with the
stream's last events, and only then closes the stream (the SDK checks the run's status when a
stream ends). Runs left ``running`` or ``pending`` by a dead process are picked up again at
start and continue from their thread's last checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.types import Command

from sight.clock import utc_now
from runtime.events import SUPPORTED_MODES, MessageAccumulator, chunk_events
from runtime.thread_state import thread_summary
from runtime.streams import RunStream, StreamRegistry
from sight.errors import SightError
from runtime.registry import GraphSpec, RunInfo
from runtime.resources import Resources
from store.checkpoint.rollback import delete_checkpoints_after
from store.run_events import RunEventRepository
from store.run_queue import RunQueue
from store.runs import RunRecord, RunRepository
from store.threads import ThreadRepository

log = logging.getLogger(__name__)
PURGE_EVERY_S = 60.0
OUTCOME_NOT_STORED = {
    "error": "RunOutcomeNotStored",
    "code": "run_outcome_not_stored",
    "message": "The run ended but its outcome could not be stored; it resumes when the server "
    "restarts.",
}



class RunCancelled(Exception):
    """Raised inside a run's task when a client cancels it (interrupt or rollback)."""


class RunManager:
    """Owns run execution for this process (one per app)."""

    def __init__(self, resources: Resources, graphs: Mapping[str, GraphSpec]) -> None:
        self.resources = resources
        self.settings = resources.settings
        self.graphs = graphs
        self.threads = ThreadRepository(resources.sessions)
        self.runs = RunRepository(resources.sessions)
        self.queue = RunQueue(resources.sessions)
        self.streams = StreamRegistry(RunEventRepository(resources.sessions))
        self._compiled: dict[str, Any] = {}
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._rekick: set[str] = set()
        self._handoff: dict[str, RunRecord] = {}  # claimed runs for a driver winding down
        self._tasks: dict[str, asyncio.Task[bool]] = {}
        self._cancel: dict[str, str] = {}
        self._purger: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Start persistence and resume every run a previous process left unfinished."""
        self.streams.start()
        self._purger = asyncio.create_task(self._purge_loop(), name="run-event-purger")
        unfinished = await self.runs.unfinished()
        for run in unfinished:
            if run.status == "running":  # its process died: claim it again
                await self.runs.set_status(run.run_id, "pending", utc_now(), expect=("running",))
        for thread_id in dict.fromkeys(run.thread_id for run in unfinished):
            self.kick(thread_id)

    async def stop(self) -> None:
        """Stop executing; running runs stay ``running`` and resume at the next start."""
        self._stopping = True
        tasks = [
            *self._tasks.values(),
            *self._drivers.values(),
            *self._background,
            *([self._purger] if self._purger else []),
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - shutting down: report, keep stopping the rest
                log.exception("task %s failed while the server stopped", task.get_name())
        await self.streams.stop()

    def spawn(self, coro: Any) -> None:
        """Run a coroutine in the background, keeping a reference until it ends."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def graph(self, graph_id: str) -> Any:
        """The compiled graph (with this process's checkpointer), compiled once."""
        if graph_id not in self._compiled:
            spec = self.graphs[graph_id]
            self._compiled[graph_id] = spec.build().compile(
                checkpointer=self.resources.checkpointer, name=graph_id
            )
        return self._compiled[graph_id]

    # --- scheduling --------------------------------------------------------------------------
    def kick(self, thread_id: str) -> None:
        """Make sure the thread's driver runs (it drains the thread's pending runs)."""
        if self._stopping:
            return
        if thread_id in self._drivers:
            self._rekick.add(thread_id)
            return
        self._drivers[thread_id] = asyncio.create_task(
            self._drive(thread_id), name=f"thread-driver-{thread_id}"
        )

    def may_claim(self, thread_id: str) -> bool:
        """Whether a new run of this thread may be claimed as it is stored (nothing of the
        thread runs here; RunRepository.enqueue also checks the database)."""
        return not self._stopping and thread_id not in self._drivers

    def start_claimed(self, run: RunRecord) -> None:
        """Execute a run stored already claimed (``running``), then drain the thread as kick."""
        if self._stopping:
            return  # it stays "running" and is resumed at the next start
        if run.thread_id in self._drivers:  # a driver still winding down: it takes the run over
            self._handoff[run.thread_id] = run
            self._rekick.add(run.thread_id)
            return
        # The run's task exists before this returns: a cancel that comes next finds it.
        self._drivers[run.thread_id] = asyncio.create_task(
            self._drive(run.thread_id, self._begin(run)), name=f"thread-driver-{run.thread_id}"
        )

    def _begin(self, run: RunRecord) -> tuple[str, asyncio.Task[bool]]:
        task = asyncio.create_task(self._execute(run), name=f"run-{run.run_id}")
        self._tasks[run.run_id] = task
        return run.run_id, task

    async def _drive(
        self, thread_id: str, started: tuple[str, asyncio.Task[bool]] | None = None
    ) -> None:
        try:
            while True:
                self._rekick.discard(thread_id)
                current, started, more = started, None, False
                if current is None and (handed := self._handoff.pop(thread_id, None)):
                    current = self._begin(handed)
                if current is None:
                    run, more = await self.queue.claim_next(thread_id, utc_now())
                    current = self._begin(run) if run is not None else None
                if current is not None:
                    run_id, task = current
                    try:  # _execute tells whether other runs of the thread are waiting
                        more = await asyncio.shield(task) or more
                    except Exception:  # noqa: BLE001 - storing the outcome failed; see the log
                        log.exception("run %s could not be completed", run_id)
                        return  # it stays "running" and is resumed at the next start
                    finally:
                        self._tasks.pop(run_id, None)
                # No await between this check and the exit: a later kick starts a new driver.
                if not more and thread_id not in self._rekick:
                    return
        finally:
            self._drivers.pop(thread_id, None)
            if thread_id in self._handoff:  # left early: a claimed run still waits for a driver
                self.kick(thread_id)

    # --- execution ---------------------------------------------------------------------------
    async def _execute(self, run: RunRecord) -> bool:
        """Run the graph and store the outcome; True if other runs of the thread may wait."""
        stream = await self.streams.open(run.run_id)
        status, error = "success", None
        try:
            graph = self.graph(run.graph_id)
            config = self._config(run)
            resumed = run.attempt > 1 and await self._has_checkpoint_of(graph, config, run.run_id)
            stream.publish("metadata", {"run_id": run.run_id, "attempt": run.attempt})
            await self._stream_graph(graph, run, config, stream, resumed)
        except asyncio.CancelledError:
            action = self._cancel.pop(run.run_id, None)
            if action is None:  # the server is stopping: the run resumes at the next start
                raise
            status = "interrupted"
            if action == "rollback":
                await self._rollback(run)
                return True
        except Exception as exc:  # noqa: BLE001 - any failure ends the run as "error"
            log.warning("run %s failed: %s", run.run_id, type(exc).__name__)
            status = "error"
            error = {"error": type(exc).__name__, "message": str(exc)}
            if isinstance(exc, SightError):  # the typed error's code and details reach the client
                error["code"] = exc.code
                if exc.details is not None:
                    error["details"] = exc.details
            stream.error = error
            stream.publish("error", error)

        async def store(events: list[tuple[str, int, str, str]]) -> bool:
            try:
                return await self._finish(run, status, error, events)
            except Exception:
                log.exception("the outcome of run %s could not be stored", run.run_id)
                stream.publish("error", OUTCOME_NOT_STORED)  # before the stream closes
                raise

        # The outcome and the stream's last events in one transaction, then the stream closes.
        waiting = await self.streams.finish(stream, store)
        if run.kwargs.get("temporary"):
            await self.threads.delete(run.thread_id, run.tenant)
            await self.resources.checkpointer.adelete_thread(run.thread_id)
        return waiting

    async def _stream_graph(
        self, graph: Any, run: RunRecord, config: dict[str, Any], stream: RunStream, resumed: bool
    ) -> None:
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
        context = self.graphs[run.graph_id].make_context(
            self.resources, RunInfo(run.run_id, run.thread_id, run.tenant)
        )
        async for ns, mode, chunk in graph.astream(
            graph_input,
            config,
            context=context,
            stream_mode=sorted(modes),
            subgraphs=True,
            interrupt_before=kwargs.get("interrupt_before"),
            interrupt_after=kwargs.get("interrupt_after"),
            durability=kwargs.get("durability") or self.graphs[run.graph_id].run_durability,
        ):
            if ns and not kwargs.get("stream_subgraphs"):
                continue
            if mode == "values" and not ns:
                stream.result = chunk
            for name, payload in chunk_events(requested, ns, mode, chunk, legacy):
                stream.publish(name, payload)

    def _config(self, run: RunRecord) -> dict[str, Any]:
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
            "thread_id": run.thread_id,
            "graph_id": run.graph_id,
            "assistant_id": run.assistant_id,
            "run_attempt": run.attempt,
        }
        return {**user, "configurable": configurable, "metadata": metadata}

    @staticmethod
    async def _has_checkpoint_of(graph: Any, config: dict[str, Any], run_id: str) -> bool:
        state = await graph.aget_state(config)
        return bool(state.metadata) and state.metadata.get("run_id") == run_id

    async def _finish(
        self,
        run: RunRecord,
        status: str,
        error: dict[str, Any] | None,
        events: list[tuple[str, int, str, str]],
    ) -> bool:
        """Store the run's status, its thread's state and its last events together (one
        transaction); return whether other runs of the thread are waiting."""
        thread_status, values, interrupts = "error", None, {}
        if run.graph_id in self.graphs:
            snapshot = await self.graph(run.graph_id).aget_state(
                {"configurable": {"thread_id": run.thread_id}}
            )
            thread_status, values, interrupts = thread_summary(snapshot)
        return await self.queue.complete(
            run,
            status=status,
            error=error,
            thread_status="error" if error is not None else thread_status,
            values=values,
            interrupts=interrupts,
            now=utc_now(),
            events=events,
        )

    async def refresh_thread(
        self,
        thread_id: str,
        graph: Any,
        error: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Store the thread's status, values and interrupts from its latest checkpoint."""
        now = now or utc_now()
        snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        status, values, interrupts = thread_summary(snapshot)
        if error is not None:
            status = "error"
        if await self.runs.inflight(thread_id):
            status = "busy"
        await self.threads.set_state(
            thread_id, status=status, values=values, interrupts=interrupts, error=error, now=now
        )

    async def _rollback(self, run: RunRecord) -> None:
        """Delete the run, its events and every checkpoint it wrote."""
        saver = self.resources.checkpointer
        config = {"configurable": {"thread_id": run.thread_id, "checkpoint_ns": ""}}
        written = [c async for c in saver.alist(config, filter={"run_id": run.run_id})]
        if written:  # newest first: the oldest one's parent is where the thread was before
            parent = written[-1].parent_config
            before = parent["configurable"]["checkpoint_id"] if parent else None
            await delete_checkpoints_after(saver, run.thread_id, before)
        await self.runs.delete(run.run_id, run.tenant)
        self.streams.drop(run.run_id)
        await self.refresh_thread(run.thread_id, self.graph(run.graph_id))

    # --- cancellation ------------------------------------------------------------------------
    async def cancel(self, run: RunRecord, action: str) -> bool:
        """Cancel a pending or running run. False when it has already finished."""
        if run.status == "pending":
            await self._cancel_unstarted(run, action, expect=("pending",))
            return True
        handed = self._handoff.get(run.thread_id)
        if handed is not None and handed.run_id == run.run_id:  # claimed, not started yet
            del self._handoff[run.thread_id]
            await self._cancel_unstarted(run, action, expect=("running",))
            return True
        task = self._tasks.get(run.run_id)
        if run.status != "running" or task is None:
            return False
        self._cancel[run.run_id] = action
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
        return True

    async def _cancel_unstarted(
        self, run: RunRecord, action: str, *, expect: tuple[str, ...]
    ) -> None:
        """Cancel a run no task executes yet: delete it (rollback) or mark it interrupted."""
        now = utc_now()
        if action == "rollback":
            await self.runs.delete(run.run_id, run.tenant)
            self.streams.drop(run.run_id)
        else:
            await self.runs.finish(run.run_id, "interrupted", now, expect=expect)
            stream = self.streams.get(run.run_id)
            if stream is not None:
                await self.streams.finish(stream)
        if not await self.runs.inflight(run.thread_id):
            await self.threads.set_status(run.thread_id, "idle", now)

    async def _purge_loop(self) -> None:
        retention = self.settings.run_event_retention_s
        while True:
            await asyncio.sleep(PURGE_EVERY_S)
            cutoff = utc_now() - timedelta(seconds=retention)
            try:
                await self.streams.purge(cutoff)
            except Exception:  # noqa: BLE001 - retried next minute
                log.warning("could not purge run events", exc_info=True)
