"""Nodes of the KPI estimation workflow."""

from nodes.kpi_estimation.estimate import (
    compare_to_industry,
    estimate_kpis,
    estimate_segment_size,
    score_confidence,
    validate_input,
)
from nodes.kpi_estimation.snapshot import reuse_fresh_snapshot, save_snapshot

__all__ = [
    "compare_to_industry",
    "estimate_kpis",
    "estimate_segment_size",
    "reuse_fresh_snapshot",
    "save_snapshot",
    "score_confidence",
    "validate_input",
]
