"""Answer every open cell: personas in parallel, each persona's questions in order.

Survey: one task per persona asks its questions in order, remembering its own earlier
answers as the request's ``memory`` says. Discussion: for each question, every persona
answers (round 0), then reacts to a digest of the others' latest answers for ``rounds``
rounds; a round starts when the previous one is complete. The model policy caps the calls in
flight and the rate; the ledger holds the budget. Every cell is stored as it is answered, so a
resumed run asks only the cells with nothing stored, and a rerun the failed and skipped ones.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from nodes.focus_group.ask import Tally, ask_cell
from nodes.focus_group.budget import ensure_ledger, stored_spend, written_by_this_run
from nodes.focus_group.save import mark_failed
from nodes.focus_group.state import FocusGroupContext, FocusGroupState
from tools.focus_group.prompting import discussion_messages, question_messages
from tools.focus_group.questions import answer_schema, reaction_schema
from tools.tasks import all_or_cancel
from tools.text_checks import text_problems

Cell = tuple[str, str, int]
EVENT_STEPS = 100  # "answered n of N" events per run at most (each is stored with the run)


class Answering:
    """One attempt at answering a focus group's open cells."""

    def __init__(
        self, state: FocusGroupState, ctx: FocusGroupContext, emit: Callable[[Any], None]
    ) -> None:
        self.state, self.ctx, self.emit = state, ctx, emit
        self.request = state["request"]
        self.fg_id = state["focus_group_id"]
        self.profiles = state["profiles"]
        self.questions = self.request["questions"]
        self.rerun = bool(self.request.get("rerun_failed"))
        self.stored: dict[Cell, dict[str, Any]] = {}
        rounds = 1 + self.request["rounds"]
        self.tally = Tally(total=len(self.profiles) * len(self.questions) * rounds)
        self.step = max(1, self.tally.total // EVENT_STEPS)

    def done(self, cell: Cell) -> dict[str, Any] | None:
        """The stored record that settles this cell for this run, or None (ask it)."""
        row = self.stored.get(cell)
        if row is None:
            return None
        if row["status"] == "answered" or not self.rerun:
            return row
        # A rerun asks failed and skipped cells again, once: unless written by this rerun.
        return row if written_by_this_run(self.state, row) else None

    async def run(self) -> dict[str, int]:
        # The text checks load simplemma's Polish dictionary (~4 s) on first use: off the loop,
        # before any call, or every call in flight would stall behind it.
        await asyncio.to_thread(text_problems, "Dzień dobry, to jest próba.")
        self.stored = await self.ctx.store.cells(self.fg_id)
        tokens, usd = stored_spend(self.state, self.stored.values())
        ensure_ledger(self.ctx, self.request["budget"], tokens, usd)
        if self.request["mode"] == "discussion":
            await self._discussion()
        else:
            await all_or_cancel([self._survey(pid) for pid in self.profiles])
        self.emit({"event": "answered", **self.tally.as_dict(), "final": True})
        return self.tally.as_dict()

    async def _cell(
        self, pid: str, question: dict[str, Any], round_: int, build: Callable[[], Any]
    ) -> dict[str, Any]:
        cell = (pid, question["id"], round_)
        row = self.done(cell)
        asked = row is None
        if asked:
            messages, schema, base = build()
            row = await ask_cell(
                self.ctx, self.fg_id, pid, question, round_, messages, schema, base_answer=base
            )
            self.stored[cell] = row
        self.tally.add(row["status"])
        skipped = self.tally.skipped_budget
        if (
            asked
            and row["status"] == "skipped_budget"
            and (skipped == 1 or skipped % self.step == 0)
        ):
            # The first, then one per step: a budget spent early skips many cells at once.
            event = {"event": "skipped", "skipped_budget": skipped, "question_id": question["id"]}
            self.emit(event)
        counted = self.tally.answered + self.tally.failed + self.tally.skipped_budget
        if counted % self.step == 0:
            self.emit({"event": "answered", **self.tally.as_dict()})
        return row

    async def _survey(self, pid: str) -> None:
        persona, memory = self.profiles[pid], self.request["memory"]
        earlier: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for question in self.questions:

            def build(q: dict[str, Any] = question) -> Any:
                messages = question_messages(persona, q, memory=memory, earlier=earlier)
                return messages, answer_schema(q), None

            row = await self._cell(pid, question, 0, build)
            if row["status"] == "answered":
                earlier.append((question, row["answer"]))

    async def _discussion(self) -> None:
        for question in self.questions:
            latest: dict[str, dict[str, Any]] = {}
            await all_or_cancel([self._opening(pid, question, latest) for pid in self.profiles])
            for round_ in range(1, self.request["rounds"] + 1):
                self.emit({"event": "round", "question_id": question["id"], "round": round_})
                before = dict(latest)
                await all_or_cancel(
                    [self._react(pid, question, round_, before, latest) for pid in before]
                )
                # A persona with no answer has nothing to react from: its cell counts as failed
                # (not stored, so a rerun that gets its answer asks the reaction too).
                for _ in range(len(self.profiles) - len(before)):
                    self.tally.add("failed")

    async def _opening(
        self, pid: str, question: dict[str, Any], latest: dict[str, dict[str, Any]]
    ) -> None:
        persona = self.profiles[pid]

        def build() -> Any:
            return question_messages(persona, question), answer_schema(question), None

        row = await self._cell(pid, question, 0, build)
        if row["status"] == "answered":
            latest[pid] = row["answer"]

    async def _react(
        self,
        pid: str,
        question: dict[str, Any],
        round_: int,
        before: dict[str, dict[str, Any]],
        latest: dict[str, dict[str, Any]],
    ) -> None:
        persona, own = self.profiles[pid], before[pid]
        others = [before[o] for o in _others_order(pid, before)]

        def build() -> Any:
            messages = discussion_messages(persona, question, own, others)
            return messages, reaction_schema(question), own

        row = await self._cell(pid, question, round_, build)
        if row["status"] == "answered":
            latest[pid] = {k: v for k, v in row["answer"].items() if k not in ("changed",)}


def _others_order(pid: str, answers: dict[str, Any]) -> list[str]:
    """The others in an order of this persona's own: each sees a different sample first."""
    others = [o for o in answers if o != pid]
    return sorted(others, key=lambda o: hashlib.blake2b(f"{pid}:{o}".encode()).digest())


async def answer_cells(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Answer every cell without a stored answer; return the cells' tally."""
    answering = Answering(state, runtime.context, runtime.stream_writer)
    try:
        return {"cells": await answering.run()}
    except Exception as exc:
        await mark_failed(runtime.context, state, exc)
        raise
