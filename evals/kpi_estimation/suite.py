"""KPI estimation suite: expected ranges per case, invalid inputs rejected, snapshots reused."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from runtime.registry import get_graph_spec
from runtime.resources import Resources
from runtime.runner import run_graph
from sight.errors import InputValidationError
from sight.settings import Settings

CASES = Path(__file__).with_name("cases.json")
THRESHOLDS = {
    "valid_case_pass_rate": (">=", 0.95),
    "range_check_accuracy": (">=", 0.95),
    "invalid_rejection_rate": (">=", 1.0),
    "snapshot_reuse_rate": (">=", 1.0),
}
RANGE_FIELDS = (
    "segment_size",
    "conversion_rate",
    "retention_rate",
    "nps_score",
    "ltv",
    "cac_ltv_ratio",
    "confidence_score",
)


def _check(
    snapshot: dict[str, Any], expect: dict[str, Any], keys: dict[str, str]
) -> list[tuple[str, bool]]:
    """Return (description, ok) for every expectation of a valid case."""
    checks = []
    for field in RANGE_FIELDS:
        if field in expect:
            lo, hi = expect[field]
            value = snapshot.get(field)
            checks.append(
                (
                    f"{field}={value} in [{lo}, {hi}]",
                    value is not None and lo - 1e-9 <= value <= hi + 1e-9,
                )
            )
    details = snapshot["segment_size_details"]
    for dim, method in expect.get("methods", {}).items():
        checks.append(
            (
                f"{dim} method {details['methods'][dim]} == {method}",
                details["methods"][dim] == method,
            )
        )
    if "location_factor" in expect:
        lo, hi = expect["location_factor"]
        factor = details["factors"]["location"]["factor"]
        checks.append((f"location factor {factor:.4f} in [{lo}, {hi}]", lo <= factor <= hi))
    if "clamped" in expect:
        checks.append(("clamped to minimum", details["clamped_to_minimum"] == expect["clamped"]))
    if "same_key_as" in expect:
        checks.append(
            (
                f"same key as {expect['same_key_as']}",
                keys.get(expect["same_key_as"]) == snapshot["key"],
            )
        )
    return checks


async def evaluate(settings: Settings, resources: Resources) -> tuple[dict[str, float], list[dict]]:
    """Run every case through the graph and score it against its expectations."""
    spec = get_graph_spec("kpi_estimation")
    cases = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    records, keys, latencies, reuse = [], {}, [], []
    checks_total = checks_ok = 0
    for case in cases:
        expect, record = case["expect"], {"id": case["id"]}
        started = time.perf_counter()
        try:
            output = await run_graph(spec, case["input"], resources)
        except InputValidationError as exc:
            fields = {p["field"] for p in exc.problems}
            missing = sorted(set(expect.get("error_fields", [])) - fields)
            record.update(
                kind="invalid",
                error_fields=sorted(fields),
                passed="error_fields" in expect and not missing,
                failures=[f"problems did not name {missing}"]
                if missing
                else ([] if "error_fields" in expect else [f"unexpected rejection: {exc.message}"]),
            )
            records.append(record)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        snapshot = output["snapshot"]
        keys[case["id"]] = snapshot["key"]
        if "error_fields" in expect:
            record.update(kind="invalid", passed=False, failures=["invalid input was accepted"])
            records.append(record)
            continue
        checks = _check(snapshot, expect, keys)
        if expect.get("reused"):
            reuse.append(snapshot["reused"])
            checks.append(("reused a fresh snapshot", snapshot["reused"]))
        checks_total += len(checks)
        checks_ok += sum(ok for _, ok in checks)
        record.update(
            kind="valid",
            segment_size=snapshot["segment_size"],
            passed=all(ok for _, ok in checks),
            failures=[desc for desc, ok in checks if not ok],
        )
        records.append(record)
    valid = [r for r in records if r["kind"] == "valid"]
    invalid_expected = [
        r for r, c in zip(records, cases, strict=True) if "error_fields" in c["expect"]
    ]
    latencies.sort()
    metrics = {
        "valid_case_pass_rate": sum(r["passed"] for r in valid) / max(len(valid), 1),
        "range_check_accuracy": checks_ok / max(checks_total, 1),
        "invalid_rejection_rate": sum(r["passed"] for r in invalid_expected)
        / max(len(invalid_expected), 1),
        "snapshot_reuse_rate": sum(reuse) / max(len(reuse), 1),
        "latency_p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
    }
    return metrics, records
