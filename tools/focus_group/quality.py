"""How well the model answered: structured-output validity, Polish, near-duplicates.

Read from the stored answers: the structured output either parsed (``answered``) or the cell
failed with ``structured_output_invalid``; an answer's prose is Polish when the text checks
found no ``text_not_polish`` / ``text_mixed_language``; two answers to one question are near
duplicates when their embeddings' cosine is at least ``NEAR_DUPLICATE_COSINE`` (e5 embeddings
put paraphrases of one opinion at 0.93-0.96, copies at 0.98 and above).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

NEAR_DUPLICATE_COSINE = 0.98
NOT_POLISH = {"text_not_polish", "text_mixed_language"}


def _near_duplicates(rows: Sequence[Mapping[str, Any]], vectors: Mapping[str, Any]) -> int:
    by_question: dict[str, list[Any]] = {}
    for row in rows:
        if row["id"] in vectors:
            by_question.setdefault(row["question_id"], []).append(vectors[row["id"]])
    found = 0
    for group in by_question.values():
        if len(group) < 2:
            continue
        unit = np.asarray(group, dtype=float)
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
        cosine = unit @ unit.T
        np.fill_diagonal(cosine, -1.0)
        found += int((cosine.max(axis=1) >= NEAR_DUPLICATE_COSINE).sum())
    return found


def answer_quality(rows: Sequence[Mapping[str, Any]], vectors: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and shares of the answers' quality (see the module docstring)."""
    status = Counter(r["status"] for r in rows)
    invalid = sum(
        1
        for r in rows
        if r["status"] == "failed"
        and (r.get("error") or {}).get("code") == "structured_output_invalid"
    )
    asked = status["answered"] + invalid
    prose = [r for r in rows if r["status"] == "answered" and r.get("text")]
    polish = sum(1 for r in prose if not NOT_POLISH & set(r.get("checks") or []))
    flagged = Counter(code for r in prose for code in r.get("checks") or [])
    duplicates = _near_duplicates(prose, vectors)
    return {
        "cells": len(rows),
        "answered": status["answered"],
        "failed": status["failed"],
        "skipped_budget": status["skipped_budget"],
        "structured_valid_share": round(status["answered"] / asked, 4) if asked else None,
        "prose_answers": len(prose),
        "polish_share": round(polish / len(prose), 4) if prose else None,
        "near_duplicate_share": round(duplicates / len(prose), 4) if prose else None,
        "asked_again": sum(1 for r in rows if (r.get("attempts") or 1) > 1),
        "flagged": dict(sorted(flagged.items())),
    }
