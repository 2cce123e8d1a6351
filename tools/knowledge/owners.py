"""Who sees a knowledge entry: the shared pack is everyone's, a tenant's entries its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from store.knowledge import SHARED

Filters = Mapping[str, str | Sequence[str]]


def owner_of(payload: Mapping[str, Any]) -> str:
    """The entry's owner: ``shared`` or a tenant id (entries stored before owners: shared)."""
    return str(payload.get("owner") or SHARED)


def visible_to(payload: Mapping[str, Any], tenant: str | None) -> bool:
    """Whether ``tenant`` may see the entry: shared entries and its own (None sees all)."""
    return tenant is None or owner_of(payload) in (SHARED, tenant)


def scoped(filters: Filters | None, tenant: str | None) -> dict[str, Any] | None:
    """``filters`` narrowed to what ``tenant`` may see (None: unchanged)."""
    if tenant is None:
        return dict(filters) if filters else None
    return {**(filters or {}), "owner": [SHARED, tenant]}
