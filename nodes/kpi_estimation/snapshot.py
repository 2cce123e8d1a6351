"""Reuse a fresh KPI snapshot or claim the key; save the snapshot when computed.

Concurrent runs for the same key compute once: the first claims a lease (a database row, so it
holds across processes), the others wait until its snapshot is saved and reuse it. A lease
whose holder died expires after ``lease_s`` and is taken over.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Literal

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.kpi_estimation.state import KpiContext, KpiState
from store.kpi_snapshots import SnapshotRecord

MAX_POLL_S = 0.2


def _reused(record: SnapshotRecord, ctx: KpiContext) -> dict[str, Any]:
    age = (ctx.clock() - record.created_at).total_seconds()
    return {
        **record.result,
        "snapshot_id": record.id,
        "reused": True,
        "stored": True,
        "age_s": round(max(age, 0.0), 3),
    }


async def reuse_fresh_snapshot(
    state: KpiState, runtime: Runtime[KpiContext]
) -> Command[Literal["estimate_segment_size", "__end__"]]:
    """Return a fresh snapshot for the key if one exists; else claim the key and compute.

    While another run holds the key, wait (polling with backoff) for its snapshot.
    """
    ctx = runtime.context or KpiContext()
    repo = ctx.snapshots
    if repo is None:
        return Command(goto="estimate_segment_size")
    key, owner = state["key"], str(uuid.uuid4())
    delay = ctx.poll_s
    while True:
        claim = await repo.claim(
            key, owner=owner, now=ctx.clock(), lease_s=ctx.lease_s, max_age_s=ctx.snapshot_ttl_s
        )
        if claim is True:
            return Command(goto="estimate_segment_size", update={"lease_owner": owner})
        if claim is not False:
            runtime.stream_writer({"step": "reuse_fresh_snapshot", "snapshot_id": claim.id})
            return Command(goto=END, update={"snapshot": _reused(claim, ctx)})
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)


async def save_snapshot(state: KpiState, runtime: Runtime[KpiContext]) -> dict[str, Any]:
    """Assemble the snapshot, store it with its timestamp and release the key."""
    ctx = runtime.context or KpiContext()
    now = ctx.clock()
    kpis = state["kpis"]
    result: dict[str, Any] = {
        "key": state["key"],
        "computed_at": now.isoformat(),
        "request": state["request"],
        "currency": "PLN",
        "segment_size": state["segment_size"]["size"],
        **{k: kpis[k] for k in ("conversion_rate", "retention_rate", "nps_score", "ltv", "cac")},
        "cac_ltv_ratio": kpis["cac_ltv_ratio"],
        "segment_size_details": state["segment_size"],
        "kpi_details": kpis["details"],
        "benchmarks": state["comparison"],
        "confidence_score": state["quality"]["confidence_score"],
        "confidence_reasons": state["quality"]["reasons"],
        "data_sources": state["quality"]["data_sources"],
        "estimation_method": state["quality"]["estimation_method"],
    }
    if ctx.snapshots is None:
        return {"snapshot": {**result, "snapshot_id": None, "reused": False, "stored": False}}
    record = await ctx.snapshots.save(
        state["key"],
        request=state["request"],
        result=result,
        now=now,
        owner=state.get("lease_owner"),
    )
    runtime.stream_writer({"step": "save_snapshot", "snapshot_id": record.id})
    return {"snapshot": {**result, "snapshot_id": record.id, "reused": False, "stored": True}}
