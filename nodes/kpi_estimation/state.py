"""State, input/output schemas and run context of the KPI estimation workflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it for JSON schemas on Python < 3.12

from sight.clock import utc_now
from store.kpi_snapshots import KpiSnapshotRepository
from tools.segment import SegmentFields


class KpiInput(SegmentFields, total=False):
    """A segment plus the industry whose benchmarks apply."""

    industry: str


class KpiOutput(TypedDict):
    snapshot: dict[str, Any]


class KpiState(KpiInput, total=False):
    request: dict[str, Any]
    key: str
    lease_owner: str
    segment_size: dict[str, Any]
    kpis: dict[str, Any]
    comparison: dict[str, Any]
    quality: dict[str, Any]
    snapshot: dict[str, Any]


@dataclass
class KpiContext:
    """Run-scoped dependencies. Without a repository nothing is cached or stored."""

    snapshots: KpiSnapshotRepository | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
    snapshot_ttl_s: float = 300.0
    lease_s: float = 10.0
    poll_s: float = 0.01
