"""Helpers shared by the persona API tests: both databases, another tenant, seeding."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from evals.persona_generation.factory import RUN_ID, make_persona
from sight.clock import utc_now
from store.persona_audit import PersonaAuditRepository
from store.personas import PersonaRepository
from tests.api.conftest import KEYS, OTHER_TENANT_KEY, fresh_schema_url, headers_for

GLOBEX = {"x-api-key": OTHER_TENANT_KEY}
BOTH_DBS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def db_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the parametrised database: SQLite, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return {}
    return {"database_url": fresh_schema_url(request.getfixturevalue("postgres_url"))}


def keys_with_other_tenant() -> list[dict[str, str]]:
    """The acme keys of every role, and another tenant's admin."""
    keys = [{"key": k, "role": r, "tenant": "acme", "name": f"{r}-key"} for r, k in KEYS.items()]
    return [
        *keys,
        {"key": OTHER_TENANT_KEY, "role": "admin", "tenant": "globex", "name": "globex-admin"},
    ]


def repos(app: FastAPI) -> tuple[PersonaRepository, PersonaAuditRepository]:
    sessions = app.state.resources.sessions
    return PersonaRepository(sessions), PersonaAuditRepository(sessions)


async def seed(app: FastAPI, *records: dict[str, Any]) -> list[str]:
    """Store personas of tenant acme (two by default) as a generation run would."""
    records = records or (make_persona(0), make_persona(1))
    personas, _ = repos(app)
    return await personas.add_many(
        list(records),
        report={"accepted": len(records)},
        run_id=RUN_ID,
        tenant="acme",
        now=utc_now() - timedelta(minutes=5),
    )


async def get(
    client: httpx.AsyncClient, path: str, role: str = "viewer", **params: Any
) -> httpx.Response:
    return await client.get(path, headers=headers_for(role), params=params)


async def drained(app: FastAPI) -> None:
    """Wait for the background audit writes."""
    await app.state.audit_tasks.drain()
