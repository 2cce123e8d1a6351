"""Acting on runs and threads from outside a run's execution: cancel a run, delete a thread,
update a thread's state. Each is decided on the stored status under the thread's row lock.

What a cancel does depends on where the run is, read in one locked step (RunQueue.cancel), so a
claim, an enqueue or a completion cannot slip in between the decision and its effect:

* pending, or claimed but never started (handed to a busy driver): marked ``interrupted``
  there (deleted for ``rollback``); it never runs;
* running in this process before or during its graph: its task is told (``_cancel``) and its
  graph task cancelled; the task stores the outcome (or rolls the run back) and the cancel
  returns once it has;
* running in this process past its graph: it is storing its outcome, which completes; the
  cancel waits for it and reports the run as already finished;
* running with nothing here executing it (its outcome could not be stored): marked there too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from runtime.thread_state import thread_summary
from sight.clock import utc_now
from store.checkpoint.rollback import delete_run_checkpoints
from store.run_queue import CancelStep, RunQueue
from store.runs import RunRecord, RunRepository
from store.threads import ThreadRepository

if TYPE_CHECKING:
    from runtime.resources import Resources
    from runtime.streams import StreamRegistry

# How a run is cancelled: in the database under the lock, by its task, or not (it has ended).
Plan = Literal["stored", "task", "ended"]


class RunControl:
    """Cancels, thread deletes and state updates of RunManager (it provides the state used here)."""

    resources: Resources
    graphs: Mapping[str, Any]
    queue: RunQueue
    runs: RunRepository
    threads: ThreadRepository
    streams: StreamRegistry
    _handoff: dict[str, RunRecord]
    _claims: dict[str, asyncio.Future[None]]
    _graphs: dict[str, asyncio.Task[None]]
    _finishing: set[str]
    _cancel: dict[str, str]

    if TYPE_CHECKING:  # provided by RunManager

        def _release(self, run_id: str) -> None: ...
        def graph(self, graph_id: str) -> Any: ...
        async def _summary(self, run: RunRecord) -> tuple[str, Any, dict[str, Any]]: ...

    async def cancel(self, run: RunRecord, action: str) -> bool:
        """Cancel a pending or running run (`action`: interrupt or rollback) and return once it
        has stopped; False when it has already finished or is gone."""
        plan: dict[str, Plan] = {}
        found = await self.queue.cancel(
            run.thread_id,
            run.tenant,
            lambda stored: self._decide(stored, action, plan),
            now=utc_now(),
            run_id=run.run_id,
        )
        cancelled = False
        for stored in found or []:
            how = plan[stored.run_id]
            if how == "stored":
                await self._cancelled_in_store(stored, action)
            elif (ended := self._claims.get(stored.run_id)) is not None:
                await asyncio.shield(ended)  # its task stops it, or stores its outcome
            cancelled = cancelled or how != "ended"
        return cancelled

    async def delete_thread(self, thread_id: str, tenant: str) -> bool:
        """Delete the tenant's thread with its runs, their events and its checkpoints; its
        running runs stop first, so none writes a checkpoint after. False if not found."""
        plan: dict[str, Plan] = {}

        def decide(stored: RunRecord) -> CancelStep:
            self._decide(stored, "interrupt", plan)
            return None  # the thread's delete takes its runs along

        found = await self.queue.cancel(
            thread_id, tenant, decide, now=utc_now(), delete_thread=True
        )
        if found is None:
            return False
        for stored in found:
            if (ended := self._claims.get(stored.run_id)) is not None:
                await asyncio.shield(ended)
            self.streams.drop(stored.run_id)
        await self.resources.checkpointer.adelete_thread(thread_id)
        return True

    def _decide(self, run: RunRecord, action: str, plan: dict[str, Plan]) -> CancelStep:
        """What becomes of `run` as stored (called under its thread's lock: no await here)."""
        if run.status not in ("pending", "running"):
            plan[run.run_id] = "ended"
            return None
        handed = self._handoff.get(run.thread_id)
        if handed is not None and handed.run_id == run.run_id:  # claimed, never started
            del self._handoff[run.thread_id]
            self._release(run.run_id)
        elif run.status == "running" and run.run_id in self._claims:
            graph = self._graphs.get(run.run_id)
            if run.run_id in self._finishing or (graph is not None and graph.done()):
                plan[run.run_id] = "ended"  # its outcome is being stored: that completes
                return None
            self._cancel[run.run_id] = action  # _run_graph reads it, whether started or not
            if graph is not None:
                graph.cancel()
            plan[run.run_id] = "task"
            return None
        plan[run.run_id] = "stored"
        return "delete" if action == "rollback" else "interrupted"

    async def _cancelled_in_store(self, run: RunRecord, action: str) -> None:
        """Close the stream of a run cancelled in the database; for a rollback, delete the
        checkpoints an earlier attempt of it wrote (a run resumed after a restart)."""
        if action != "rollback":
            if (stream := self.streams.get(run.run_id)) is not None:
                await self.streams.finish(stream)
            return
        self.streams.drop(run.run_id)
        saver = self.resources.checkpointer
        if await delete_run_checkpoints(saver, run.thread_id, run.run_id) and (
            run.graph_id in self.graphs
        ):
            await self.refresh_thread(run.thread_id, self.graph(run.graph_id))

    async def _rollback(self, run: RunRecord) -> bool:
        """Delete the run (its events go with it) and every checkpoint it wrote; store the
        thread's state as it is without them. True if other runs of the thread wait."""
        await delete_run_checkpoints(self.resources.checkpointer, run.thread_id, run.run_id)
        status, values, interrupts = await self._summary(run)
        waiting = await self.queue.discard(
            run, thread_status=status, values=values, interrupts=interrupts, now=utc_now()
        )
        self.streams.drop(run.run_id)
        return waiting

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

    async def update_state(
        self,
        thread_id: str,
        tenant: str,
        graph: Any,
        config: dict[str, Any],
        values: Any,
        as_node: str | None,
        public_id: str | None = None,
    ) -> dict[str, Any]:
        """Write `values` into the thread's state as if `as_node` returned them; refused
        (ConflictError, naming the thread by `public_id`) while a run of the thread is
        inflight, decided under its lock."""
        written: dict[str, Any] = {}

        async def update() -> tuple[Any, Any, dict[str, Any]]:
            written.update(await graph.aupdate_state(config, values, as_node=as_node))
            snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
            return thread_summary(snapshot)

        await self.threads.update_when_idle(
            thread_id, tenant, update, now=utc_now(), public_id=public_id
        )
        return written
