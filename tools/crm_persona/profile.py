"""A stored contact as the API shows it: fields, history, metrics, data quality, benchmarks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.crm_persona.benchmarks import compared
from tools.crm_persona.metrics import behaviour
from tools.crm_persona.records import from_stored

HISTORY = ("activities", "emails", "deals", "comments", "files")
FIELDS = ("name", "role", "company", "company_size", "industry", "email", "phone", "source")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def summary(stored: dict[str, Any]) -> dict[str, Any]:
    """A contact in a list (the store's search rows, times as ISO strings)."""
    return {**stored, "updated_at": _iso(stored["updated_at"])}


def detail(stored: dict[str, Any]) -> dict[str, Any]:
    """The contact with its history (JSON form), metrics, data quality and benchmarks."""
    contact = from_stored(stored)
    metrics = behaviour(contact)
    quality = metrics.pop("data_quality")
    dumped = contact.model_dump(mode="json")
    return {
        "id": contact.id,
        **{key: stored.get(key) for key in FIELDS},
        "interactions": contact.interactions,
        "created_at": _iso(stored["created_at"]),
        "updated_at": _iso(stored["updated_at"]),
        "history": {key: dumped[key] for key in HISTORY},
        "metrics": metrics,
        "data_quality": quality,
        "benchmarks": compared(metrics, contact.industry, contact.company_size),
    }
