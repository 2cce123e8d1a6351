"""Gates on the numbers: the product's metrics and quality score against the eval's own
computation, engagement by archetype, and look-alikes recovering the planted archetypes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from evals.crm_persona.independent import (
    METRICS,
    expected_metrics,
    expected_quality,
    reported_metrics,
)
from tools.crm_persona.lookalikes import profiles_of, similar
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import Contact, from_stored

TOLERANCE = 1e-9
ENGAGED = 0.5
NEIGHBOURS = 5
Checked = tuple[dict[str, float], list[dict[str, Any]]]


def same(a: float | None, b: float | None) -> bool:
    """Both missing, or both numbers equal within ``TOLERANCE`` (absolute or relative)."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def metric_checks(raw: Sequence[Mapping[str, Any]], archetype: Mapping[str, str]) -> Checked:
    """metrics_match, quality_exact and the engagement of silent and replying contacts, over
    the stored contacts ``raw`` (as the repository returns them)."""
    pairs = matched = quality_ok = 0
    cases: list[dict[str, Any]] = []
    engagement: dict[str, float | None] = {}
    for stored in raw:
        found = behaviour(from_stored(stored))
        reported, expected = reported_metrics(found), expected_metrics(stored)
        failures = [
            f"{name}: metrics {reported[name]!r}, eval {expected[name]!r}"
            for name in METRICS
            if not same(reported[name], expected[name])
        ]
        pairs += len(METRICS)
        matched += len(METRICS) - len(failures)
        score, own = found["data_quality"]["score"], expected_quality(stored)
        if score == own:
            quality_ok += 1
        else:
            failures.append(f"data_quality: metrics {score}, eval {own}")
        engagement[stored["id"]] = reported["engagement"]
        cases.append(
            {
                "id": f"metrics.{stored['id']}",
                "kind": "metrics",
                "passed": not failures,
                "failures": failures,
                "quality": score,
                "engagement": reported["engagement"],
            }
        )
    silent = [engagement[c] for c, kind in archetype.items() if kind == "milczek"]
    fast = [engagement[c] for c, kind in archetype.items() if kind == "szybki_decydent"]
    metrics = {
        "metrics_match": matched / pairs,
        "quality_exact": quality_ok / len(raw),
        "machine_open_not_engaged": _share(not v for v in silent),
        "replying_engaged": _share(v is not None and v >= ENGAGED for v in fast),
        "quality_score_mean": sum(c["quality"] for c in cases) / len(cases),
    }
    return metrics, cases


def lookalike_purity(contacts: Sequence[Contact], archetype: Mapping[str, str]) -> Checked:
    """Share of each contact's top-5 look-alikes (over the synthetic pool) that share its
    planted archetype."""
    profiles = profiles_of(contacts)
    hits = total = 0
    cases = []
    for contact in contacts:
        found = [n["contact_id"] for n in similar(contact.id, profiles, k=NEIGHBOURS)]
        alike = sum(archetype[n] == archetype[contact.id] for n in found)
        hits, total = hits + alike, total + NEIGHBOURS  # a missing neighbour is a miss
        passed = 5 * alike >= 4 * NEIGHBOURS
        cases.append(
            {
                "id": f"lookalikes.{contact.id}",
                "kind": "lookalikes",
                "archetype": archetype[contact.id],
                "passed": passed,
                "failures": [] if passed else [f"{alike} of {NEIGHBOURS} share the archetype"],
                "neighbours": {n: archetype[n] for n in found},
            }
        )
    return {"lookalike_purity": hits / total if total else 0.0}, cases


def _share(values: Any) -> float:
    values = list(values)
    return sum(bool(v) for v in values) / len(values) if values else 0.0
