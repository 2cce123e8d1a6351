"""Validate a persona generation request: segments (docs/requirements.md §1.3) and counts.

Each segment is checked with KPI estimation's request validator (same field names, aliases
and messages), so a segment that KPI estimation accepts is accepted here too. Every problem
is reported at once, with the segment's position in its field name.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Any

from sight.errors import InputValidationError
from tools import population
from tools.segment import validate_segment

MAX_PER_SEGMENT = 1000
MAX_SEGMENTS = 20
# Near-duplicate review compares every pair of a run's personas (5,000: a 100 MB matrix).
MAX_TOTAL = 5000
MAX_ID_CHARS, MAX_NAME_CHARS = 100, 200  # the personas table's columns
REQUEST_FIELDS = {"segments", "seed"}
PERSONA_ONLY_FIELDS = {"count"}
NOT_FOR_PERSONAS = {"industry"}


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _count(raw: Any, field: str, problems: list[dict[str, str]]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.append(_problem(field, f"must be a whole number of personas, got {raw!r}"))
        return 0
    if not 1 <= raw <= MAX_PER_SEGMENT:
        problems.append(_problem(field, f"must be between 1 and {MAX_PER_SEGMENT}, got {raw}"))
        return 0
    return raw


def _segment(raw: Any, i: int, problems: list[dict[str, str]]) -> dict[str, Any] | None:
    where = f"segments[{i}]"
    if not isinstance(raw, dict):
        problems.append(_problem(where, "must be an object (a segment definition)"))
        return None
    body = {k: v for k, v in raw.items() if k not in PERSONA_ONLY_FIELDS}
    for name in sorted(NOT_FOR_PERSONAS & set(body)):
        problems.append(_problem(f"{where}.{name}", "not a persona field (KPI estimation only)"))
        body.pop(name)
    count = _count(raw.get("count"), f"{where}.count", problems) if "count" in raw else 0
    if "count" not in raw:
        problems.append(_problem(f"{where}.count", f"is required (1 to {MAX_PER_SEGMENT})"))
    for name, limit in (("segment_id", MAX_ID_CHARS), ("segment_name", MAX_NAME_CHARS)):
        value = body.get(name)
        if isinstance(value, str) and not 1 <= len(value) <= limit:
            problems.append(_problem(f"{where}.{name}", f"must be 1 to {limit} characters"))
    try:
        request = validate_segment(body)
    except InputValidationError as exc:
        problems += [_problem(f"{where}.{p['field']}", p["message"]) for p in exc.problems]
        return None
    if not population.joint_cells(request.segment):
        problems.append(
            _problem(where, "the population tables hold nobody in this segment; widen it")
        )
        return None
    canonical = request.canonical()
    return {
        "segment_id": request.segment_id or f"segment_{i + 1}",
        "segment_name": request.segment_name or request.segment_id or f"Segment {i + 1}",
        "segment": asdict(request.segment),
        "count": count,
        # How free-text income and location were read, when they were.
        **{k: canonical[k] for k in ("income_mapping", "location_mapping") if k in canonical},
    }


def validate_request(raw: Any) -> dict[str, Any]:
    """Return the canonical request ``{segments, seed}`` or raise InputValidationError."""
    if not isinstance(raw, dict):
        raise InputValidationError([_problem("input", "must be a JSON object")])
    problems: list[dict[str, str]] = []
    for name in sorted(set(raw) - REQUEST_FIELDS):
        problems.append(_problem(name, "unknown field; allowed: segments, seed"))
    segments = raw.get("segments")
    if not isinstance(segments, list) or not segments:
        problems.append(_problem("segments", "is required: a list of 1 or more segments"))
        segments = []
    elif len(segments) > MAX_SEGMENTS:
        problems.append(_problem("segments", f"at most {MAX_SEGMENTS} segments per run"))
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(_problem("seed", f"must be a non-negative integer, got {seed!r}"))
    canonical = [_segment(s, i, problems) for i, s in enumerate(segments[:MAX_SEGMENTS])]
    total = sum(s["count"] for s in canonical if s)
    if total > MAX_TOTAL:
        problems.append(
            _problem("segments", f"at most {MAX_TOTAL} personas per run in all, got {total}")
        )
    ids = [s["segment_id"] for s in canonical if s]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.append(_problem("segments", f"segment_id {dup!r} appears more than once"))
    if problems:
        raise InputValidationError(problems)
    # An unseeded run still records the seed it drew, so it can be reproduced.
    return {
        "segments": canonical,
        "seed": seed if seed is not None else random.SystemRandom().randrange(2**31),
    }
