"""What a stored persona and a run's report look like outside the store."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sight.errors import InputValidationError
from store.models import Persona, as_utc

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "occupation",
    "background_story",
    "values",
    "interests",
)
REQUIRED_FIELDS = (
    "id",
    "segment_id",
    "segment",
    "age",
    "gender",
    "education",
    "income_bracket",
    "location",
    *EDITABLE_FIELDS,
    "big_five",
    "hofstede",
    "schwartz",
    "score",
    "score_reasons",
    "quality",
)
# Set by the repository, never taken from the generated record.
MANAGED_FIELDS = (
    "tenant",
    "run_id",
    "is_active",
    "deleted_at",
    "deleted_by",
    "delete_reason",
    "delete_detail",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class PersonaRecord:
    """One stored persona, every column (``embedding`` is None unless loaded)."""

    id: str
    tenant: str
    run_id: str | None
    segment_id: str
    segment_name: str | None
    segment: dict[str, Any]
    age: int
    gender: str
    education: str
    income_bracket: str
    location: str
    first_name: str
    last_name: str
    occupation: str
    background_story: str
    values: list[str]
    interests: list[str]
    big_five: dict[str, float]
    hofstede: dict[str, float]
    schwartz: dict[str, float]
    score: int
    score_reasons: list[dict[str, Any]]
    quality: dict[str, Any]
    rag_metadata: dict[str, Any] | None
    embedding: list[float] | None
    kpi_snapshot: dict[str, Any] | None
    kpi_snapshot_at: datetime | None
    is_active: bool
    deleted_at: datetime | None
    deleted_by: str | None
    delete_reason: str | None
    delete_detail: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReportRecord:
    """A generation run's validation report."""

    run_id: str
    tenant: str
    report: dict[str, Any]
    created_at: datetime


COLUMNS = tuple(f.name for f in fields(PersonaRecord))
DATETIME_FIELDS = {"kpi_snapshot_at", "deleted_at", "created_at", "updated_at"}


def record_of(row: Persona, *, with_embedding: bool = True) -> PersonaRecord:
    """The record of a persona row (``embedding`` None unless `with_embedding`)."""
    data = {name: getattr(row, name) for name in COLUMNS if name != "embedding"}
    data["embedding"] = row.embedding if with_embedding else None
    for name in DATETIME_FIELDS:
        data[name] = as_utc(data[name]) if data[name] is not None else None
    return PersonaRecord(**data)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return as_utc(value) if value else None
    return as_utc(datetime.fromisoformat(str(value)))


def row_values(
    persona: dict[str, Any], *, tenant: str, run_id: str | None, now: datetime
) -> dict[str, Any]:
    """Column values of a new persona row from a generated record (raise if incomplete)."""
    missing = [name for name in REQUIRED_FIELDS if persona.get(name) is None]
    if missing:
        pid = persona.get("id", "?")
        raise InputValidationError(
            [{"field": f"personas[{pid}].{name}", "message": "is required"} for name in missing]
        )
    values = {name: persona.get(name) for name in COLUMNS if name not in MANAGED_FIELDS}
    values["kpi_snapshot_at"] = _as_datetime(values["kpi_snapshot_at"])
    return values | {
        "tenant": tenant,
        "run_id": run_id,
        "is_active": True,
        "deleted_at": None,
        "deleted_by": None,
        "delete_reason": None,
        "delete_detail": None,
        "created_at": now,
        "updated_at": now,
    }
