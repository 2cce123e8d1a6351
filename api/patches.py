"""What every PATCH body checks: at least one field, and no field sent as null."""

from __future__ import annotations

from pydantic import BaseModel


def check_patch(body: BaseModel) -> None:
    """Raise ValueError (a 422 naming the body) for an empty patch or a field sent as null."""
    if not body.model_fields_set:
        raise ValueError("give at least one field to change")
    nulls = sorted(k for k in body.model_fields_set if getattr(body, k) is None)
    if nulls:
        raise ValueError(f"{', '.join(nulls)}: cannot be null (leave the field out instead)")
