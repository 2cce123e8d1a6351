"""Run execution: one run at a time per thread, in arrival order; cancel; recover after a crash.

A run's life: ``submit`` stores it (RunRepository.enqueue) and hands it to the thread's driver.
When nothing else of the thread is inflight the run is stored already claimed (``running``) and
the driver starts it at once; otherwise it is stored ``pending`` and the driver claims the
oldest pending run of its thread when the one before ends. The driver executes the graph,
publishes every chunk to the run's stream, stores the final run and thread status with the
stream's last events, and only then closes the stream (the SDK checks the run's status when a
stream ends). Runs left ``running`` or ``pending`` by a dead process are picked up again at
start and continue from their thread's last checkpoint; so that no other process runs them at
the same time, the manager holds the database's run lock (store.run_lock) while it lives.

Every run this process has claimed is in ``_claims`` (registered before the claim commits)
until its execution ends. The graph runs in a task of its own, the only part of a run a cancel
reaches (runtime.run_control): storing the outcome always completes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from runtime.registry import GraphSpec
from runtime.resources import Resources
from runtime.run_control import RunControl
from runtime.run_execution import has_checkpoint_of, run_config, run_error, stream_graph
from runtime.streams import RunStream, StreamRegistry
from runtime.thread_state import thread_summary
from sight.clock import utc_now
from store.run_events import RunEventRepository
from store.run_lock import RunLock, acquire_run_lock
from store.run_queue import RunQueue
from store.runs import INFLIGHT, MultitaskStrategy, NewRun, RunRecord, RunRepository
from store.threads import ThreadRepository

log = logging.getLogger(__name__)
PURGE_EVERY_S = 60.0
OUTCOME_NOT_STORED = {
    "error": "RunOutcomeNotStored",
    "code": "run_outcome_not_stored",
    "message": "The run ended but its outcome could not be stored; it resumes when the server "
    "restarts.",
}


class RunManager(RunControl):
    """Owns run execution for this process (one per app)."""

    def __init__(self, resources: Resources, graphs: Mapping[str, GraphSpec]) -> None:
        self.resources = resources
        self.settings = resources.settings
        self.graphs = graphs
        self.threads = ThreadRepository(resources.sessions)
        self.runs = RunRepository(resources.sessions)
        self.queue = RunQueue(resources.sessions)
        self.streams = StreamRegistry(RunEventRepository(resources.sessions), is_live=self._is_live)
        self._compiled: dict[str, Any] = {}
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._rekick: set[str] = set()
        self._handoff: dict[str, RunRecord] = {}  # claimed runs for a driver winding down
        self._claims: dict[str, asyncio.Future[None]] = {}  # done when its execution ends
        self._tasks: dict[str, asyncio.Task[bool]] = {}
        self._graphs: dict[str, asyncio.Task[None]] = {}  # runs whose graph is running
        self._finishing: set[str] = set()  # runs past their graph, storing the outcome
        self._cancel: dict[str, str] = {}  # cancel action asked for a claimed run
        self._purger: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._lock: RunLock | None = None
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Take the database's run lock, start persistence and resume every run a previous
        process left unfinished. Raises DatabaseInUseError if another process holds the lock."""
        self._lock = await acquire_run_lock(self.settings)
        try:
            unfinished = await self.runs.unfinished()
            for run in unfinished:
                if run.status == "running":  # its process died: claim it again
                    await self.runs.set_status(
                        run.run_id, "pending", utc_now(), expect=("running",)
                    )
        except BaseException:
            await self._lock.release()
            raise
        self.streams.start()
        self._purger = asyncio.create_task(self._purge_loop(), name="run-event-purger")
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
        for run_id in list(self._claims):
            self._release(run_id)
        try:
            await self.streams.stop()
        finally:
            if self._lock is not None:
                await self._lock.release()

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
    async def submit(
        self,
        new: NewRun,
        *,
        strategy: MultitaskStrategy,
        thread_metadata_update: dict[str, Any],
        now: datetime,
    ) -> RunRecord:
        """Store a run and schedule it: at once if nothing else of its thread is inflight,
        else after those (cancelled first for 'interrupt' and 'rollback')."""
        claim = self.may_claim(new.thread_id)
        if claim:  # registered before the claim commits: a cancel deciding after it finds it
            self._claim(new.run_id)
        try:
            run, inflight = await self.runs.enqueue(
                new,
                strategy=strategy,
                thread_metadata_update=thread_metadata_update,
                now=now,
                claim=claim,
            )
        except BaseException:
            self._release(new.run_id)
            raise
        self.streams.open_new(run.run_id)
        if run.status == "running":  # stored claimed: nothing else of the thread was inflight
            self.start_claimed(run)
            return run
        self._release(run.run_id)
        if strategy in ("interrupt", "rollback"):
            for other in inflight:
                await self.cancel(other, strategy)
        self.kick(run.thread_id)
        return run

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
        self._claim(run.run_id)
        if self._stopping:
            self._release(run.run_id)
            return  # it stays "running" and is resumed at the next start
        if run.thread_id in self._drivers:  # a driver still winding down: it takes the run over
            self._handoff[run.thread_id] = run
            self._rekick.add(run.thread_id)
            return
        # The run's task exists before this returns: a cancel that comes next finds it.
        self._drivers[run.thread_id] = asyncio.create_task(
            self._drive(run.thread_id, self._begin(run)), name=f"thread-driver-{run.thread_id}"
        )

    def _claim(self, run_id: str) -> None:
        if run_id not in self._claims:
            self._claims[run_id] = asyncio.get_running_loop().create_future()

    def _release(self, run_id: str) -> None:
        """This process no longer executes the run: wake whoever waits for its end."""
        self._finishing.discard(run_id)
        self._cancel.pop(run_id, None)
        ended = self._claims.pop(run_id, None)
        if ended is not None and not ended.done():
            ended.set_result(None)

    def _begin(self, run: RunRecord) -> tuple[str, asyncio.Task[bool]]:
        self._claim(run.run_id)
        task = asyncio.create_task(self._execute(run), name=f"run-{run.run_id}")
        task.add_done_callback(lambda _: self._release(run.run_id))
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
                    run, more = await self._claim_next(thread_id)
                    current = self._begin(run) if run is not None else None
                if current is not None:
                    run_id, task = current
                    try:  # _execute tells whether other runs of the thread are waiting
                        more = await asyncio.shield(task) or more
                    except asyncio.CancelledError:
                        if self._stopping or _cancelling():
                            raise
                        log.error("run %s was cancelled outside its graph", run_id)
                        return  # it stays "running" and is resumed at the next start
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

    async def _claim_next(self, thread_id: str) -> tuple[RunRecord | None, bool]:
        claimed: list[str] = []

        def register(run: RunRecord) -> None:
            claimed.append(run.run_id)
            self._claim(run.run_id)

        try:
            return await self.queue.claim_next(thread_id, utc_now(), on_claim=register)
        except BaseException:
            for run_id in claimed:  # the claim did not commit: the run is still pending
                self._release(run_id)
            raise

    # --- execution ---------------------------------------------------------------------------
    async def _execute(self, run: RunRecord) -> bool:
        """Run the graph and store the outcome; True if other runs of the thread may wait."""
        stream = await self.streams.open_for_execution(run.run_id)
        status, error = await self._run_graph(run, stream)
        if status == "rollback":
            return await self._rollback(run)

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

    async def _run_graph(self, run: RunRecord, stream: RunStream) -> tuple[str, Any]:
        """Run the graph in a task of its own, the part a cancel stops; return the run's
        status ('success', 'error', 'interrupted' or 'rollback') and error."""
        failure: BaseException | None = None
        # No await between the check and the registration: a cancel lands before (the graph
        # never starts) or after (it stops the graph task).
        if run.run_id not in self._cancel:
            graph = asyncio.create_task(self._graph_task(run, stream), name=f"graph-{run.run_id}")
            self._graphs[run.run_id] = graph
            try:
                await graph
            except asyncio.CancelledError as exc:
                if _cancelling():  # the server is stopping: the run resumes at the next start
                    raise
                failure = exc
            except Exception as exc:  # noqa: BLE001 - any failure ends the run as "error"
                failure = exc
            finally:
                del self._graphs[run.run_id]
        self._finishing.add(run.run_id)
        action = self._cancel.pop(run.run_id, None)
        if action is not None:
            return ("rollback" if action == "rollback" else "interrupted"), None
        if failure is None:
            return "success", None
        log.error("run %s failed", run.run_id, exc_info=failure)
        stream.error = error = run_error(failure, run.run_id)
        stream.publish("error", error)
        return "error", error

    async def _graph_task(self, run: RunRecord, stream: RunStream) -> None:
        graph = self.graph(run.graph_id)
        # Set by the API only for a thread whose storage key is not its public id.
        public_thread_id = run.kwargs.get("thread_public_id") or run.thread_id
        config = run_config(run, public_thread_id)
        resumed = run.attempt > 1 and await has_checkpoint_of(graph, config, run.run_id)
        stream.publish("metadata", {"run_id": run.run_id, "attempt": run.attempt})
        await self._stream_graph(graph, run, config, stream, resumed, public_thread_id)

    async def _stream_graph(
        self,
        graph: Any,
        run: RunRecord,
        config: dict[str, Any],
        stream: RunStream,
        resumed: bool,
        public_thread_id: str | None = None,
    ) -> None:
        spec = self.graphs[run.graph_id]
        await stream_graph(
            graph,
            spec,
            self.resources,
            run,
            config,
            stream,
            resumed=resumed,
            public_thread_id=public_thread_id,
        )

    async def _summary(self, run: RunRecord) -> tuple[str, Any, dict[str, Any]]:
        """The thread's status, values and interrupts from its latest checkpoint."""
        if run.graph_id not in self.graphs:
            return "error", None, {}
        snapshot = await self.graph(run.graph_id).aget_state(
            {"configurable": {"thread_id": run.thread_id}}
        )
        return thread_summary(snapshot)

    async def _finish(
        self,
        run: RunRecord,
        status: str,
        error: dict[str, Any] | None,
        events: list[tuple[str, int, str, str]],
    ) -> bool:
        """Store the run's status, its thread's state and its last events together (one
        transaction); return whether other runs of the thread are waiting."""
        thread_status, values, interrupts = await self._summary(run)
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

    async def _is_live(self, run_id: str) -> bool:
        return await self.runs.status(run_id) in INFLIGHT

    async def _purge_loop(self) -> None:
        retention = self.settings.run_event_retention_s
        while True:
            await asyncio.sleep(PURGE_EVERY_S)
            cutoff = utc_now() - timedelta(seconds=retention)
            try:
                await self.streams.purge(cutoff)
            except Exception:  # noqa: BLE001 - retried next minute
                log.warning("could not purge run events", exc_info=True)


def _cancelling() -> bool:
    """Whether the current task itself is being cancelled (not only something it awaits)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
