"""The run's spend ledger, rebuilt from what is stored when a run resumes."""

from __future__ import annotations

from typing import Any

from nodes.focus_group.state import FocusGroupContext
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
