"""The run's spend ledger, rebuilt from what is stored when a run resumes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from nodes.focus_group.state import FocusGroupContext, FocusGroupState
from tools.models.ledger import SpendLedger


def ensure_ledger(
    ctx: FocusGroupContext, budget: dict[str, Any], spent_tokens: int = 0, spent_usd: float = 0.0
) -> SpendLedger:
    """The run's ledger: made once per run attempt, starting from what the run spent before
    (a resumed attempt passes its stored answers' tokens)."""
    if ctx.models.ledger is None:
        ctx.models.ledger = SpendLedger(
            budget.get("max_tokens"),
            budget.get("max_usd"),
            spent_tokens=spent_tokens,
            spent_usd=spent_usd,
        )
    return ctx.models.ledger


def written_by_this_run(state: FocusGroupState, row: dict[str, Any]) -> bool:
    """Whether a stored row was last written after this run began (a rerun tells its own
    rows from those of the runs before it by this)."""
    stamp = row.get("updated_at") or row.get("created_at") or ""
    stamp = stamp.isoformat() if isinstance(stamp, datetime) else str(stamp)
    return stamp >= state["started_at"]


def stored_spend(state: FocusGroupState, rows: Iterable[dict[str, Any]]) -> tuple[int, float]:
    """What this run spent as far as the database knows: its generation and the answers it
    stored (a rerun: the rows it wrote, not those of the runs before it)."""
    if state["request"].get("rerun_failed"):
        rows = [r for r in rows if written_by_this_run(state, r)]
    generated = state["generate_spend"]
    rows = list(rows)
    tokens = generated["tokens"] + sum(r["tokens_in"] + r["tokens_out"] for r in rows)
    return tokens, generated["usd"] + sum(r["cost_usd"] for r in rows)


async def resumed_ledger(ctx: FocusGroupContext, state: FocusGroupState) -> SpendLedger:
    """The ledger of a node that may be the first of a resumed attempt: rebuilt from the
    stored answers, so a resumed run is held to what is left of its budget."""
    if ctx.models.ledger is None:
        rows = (await ctx.store.cells(state["focus_group_id"])).values()
        tokens, usd = stored_spend(state, rows)
        ensure_ledger(ctx, state["request"]["budget"], tokens, usd)
    return ctx.models.ledger
