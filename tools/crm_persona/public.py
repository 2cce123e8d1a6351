"""A stored CRM persona as clients see it: the mode used and any fallback reason on top."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TOP = ("requested_mode", "mode", "fallback_reason", "data_quality")


def persona_out(record: dict[str, Any]) -> dict[str, Any]:
    """The persona version with ``mode``, ``fallback_reason`` and ``data_quality`` lifted out of
    its generation record (the rest of that record stays under ``generation``)."""
    generation = dict(record["generation"])
    created = record["created_at"]
    return {
        "id": record["id"],
        "contact_id": record["contact_id"],
        "version": record["version"],
        **{key: generation.pop(key, None) for key in TOP},
        "persona": record["persona"],
        "generation": generation,
        "rating": record.get("rating", {"mean": None, "n": 0}),
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
    }
