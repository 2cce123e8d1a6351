"""Store the report, the final status and what the run spent."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from nodes.focus_group.budget import resumed_ledger
from nodes.focus_group.state import FocusGroupContext, FocusGroupState


def run_spend(ctx: FocusGroupContext) -> dict[str, Any]:
    """What this run spent (its ledger holds its budget)."""
    ledger = ctx.models.ledger
    tokens = ledger.spent_tokens if ledger else ctx.models.usage.total_tokens
    usd = ledger.spent_usd if ledger else ctx.models.usage.cost_usd
    return {"tokens": tokens, "usd": round(usd, 6)}


def total_spend(state: FocusGroupState, ctx: FocusGroupContext) -> dict[str, Any]:
    """What the focus group spent in all: earlier runs (a rerun's source) and this run."""
    before = state.get("spent_before") or {"tokens": 0, "usd": 0.0}
    now = run_spend(ctx)
    return {"tokens": before["tokens"] + now["tokens"], "usd": round(before["usd"] + now["usd"], 6)}


async def save_report(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Finish the focus group: ``completed`` when every cell is answered, else ``partial``."""
    ctx = runtime.context
    await resumed_ledger(ctx, state)
    request, cells = state["request"], state["cells"]
    status = "completed" if cells["answered"] == cells["total"] else "partial"
    spend = total_spend(state, ctx)
    budget = request["budget"]
    warnings = list(state["report"].get("warnings") or [])
    if ctx.model_note:
        warnings.append(ctx.model_note)
    if cells["skipped_budget"]:
        warnings.append(
            f"Nie zebrano {cells['skipped_budget']} z {cells['total']} odpowiedzi: skończył się "
            "budżet (rerun_failed dopyta o nie z nowym budżetem)."
        )
    if cells["failed"]:
        warnings.append(
            f"Nie udało się uzyskać {cells['failed']} z {cells['total']} odpowiedzi (kod błędu "
            "przy każdej z nich w liście odpowiedzi)."
        )
    for block in state["report"]["questions"]:
        if (block.get("homogeneity") or {}).get("collapsed"):
            warnings.append(
                f"Pytanie {block['id']}: odpowiedzi zlały się w jedno (alarm jednorodności)."
            )
    report = {
        "focus_group_id": state["focus_group_id"],
        "mode": request["mode"],
        "memory": request["memory"],
        "rounds": request["rounds"],
        "personas": len(state["profiles"]),
        "cells": cells,
        "estimate": state["estimate"],
        "budget": budget,
        "spend": spend,
        # A rerun's budget holds its own spend; ``spend`` is the focus group's in all.
        "run_spend": run_spend(ctx),
        **state["report"],
        "warnings": warnings,
    }
    now = ctx.clock()
    await ctx.store.update(
        state["focus_group_id"],
        ctx.tenant,
        now=now,
        status=status,
        spend=spend,
        report=report,
        finished_at=now,
        error=None,
    )
    runtime.stream_writer({"event": "saved", "status": status, "spend": spend})
    return {"status": status, "spend": spend, "report": report}


async def mark_failed(ctx: FocusGroupContext, state: FocusGroupState, exc: Exception) -> None:
    """Record that the run ended on an error, with what it spent (the client sees the run's
    typed error; a rerun of the focus group adds to this spend)."""
    code = getattr(exc, "code", "internal_error")
    message = getattr(exc, "message", "the focus group run failed")
    await ctx.store.update(
        state["focus_group_id"],
        ctx.tenant,
        now=ctx.clock(),
        status="failed",
        error={"code": code, "message": message},
        spend=total_spend(state, ctx),
        finished_at=ctx.clock(),
    )
