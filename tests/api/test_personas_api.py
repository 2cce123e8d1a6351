"""Persona routes on SQLite and PostgreSQL: details (KPI once, background audit, partial answers),
audit trail, export masking, compare, edit, soft delete and undo, roles and tenants.

Plain JSON routes, so httpx's ASGITransport (the ``client`` fixture) serves them; personas are
seeded straight through PersonaRepository.add_many.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.personas.deps import audit_repository, persona_kpi
from api.personas.kpi import KPI_FIELDS, lookalike_segment
from evals.persona_generation.factory import RUN_ID, make_persona
from sight.clock import utc_now
from sight.errors import ModelError
from store.kpi_snapshots import KpiSnapshotRepository
from store.persona_audit import PersonaAuditRepository
from tests.api.conftest import headers_for
from tests.api.personas_support import (
    BOTH_DBS,
    GLOBEX,
    db_overrides,
    drained,
    get,
    keys_with_other_tenant,
    repos,
    seed,
)


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test here runs on SQLite and on PostgreSQL (a fresh schema each)."""
    return db_overrides(request)


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


# --- details: the three known defects of docs/requirements.md §1.6, §1.7, §2.6 ----------------


async def test_details_then_kpi_has_six_cards_cac_ltv_ratio_audit_and_rag(client, app):
    [pid, _] = await seed(app)

    response = await get(client, f"/personas/{pid}/details")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partial"] is False and body["errors"] == {}
    assert body["persona"]["id"] == pid and "embedding" not in body["persona"]
    kpi = body["kpi"]
    assert set(KPI_FIELDS) <= set(kpi)
    assert kpi["cac_ltv_ratio"] == pytest.approx(kpi["cac"] / kpi["ltv"], abs=1e-4)
    assert kpi["industry"] == "b2b_saas" and kpi["cached"] is False
    assert kpi["segment"]["age_min"] == 24 and kpi["segment"]["age_max"] == 33
    assert kpi["segment"]["city"] == "Kraków"
    assert [e["action"] for e in body["audit_log"]] == ["create"]
    assert body["rag_metadata"]["search_type"] == "hybrid_rerank"
    again = (await get(client, f"/personas/{pid}/details")).json()
    assert again["kpi"]["cached"] is True
    assert again["kpi"]["computed_at"] == kpi["computed_at"]


async def test_details_when_concurrent_on_stale_snapshot_then_kpi_computed_once(client, app):
    long_ago = utc_now() - timedelta(hours=2)
    stale = {"computed_at": long_ago.isoformat(), "request": {"industry": "b2b_saas"}}
    [pid] = await seed(app, make_persona(0, kpi_snapshot=stale, kpi_snapshot_at=long_ago))

    responses = await asyncio.gather(*(get(client, f"/personas/{pid}/details") for _ in range(8)))

    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    kpis = [r.json()["kpi"] for r in responses]
    assert len({k["computed_at"] for k in kpis}) == 1
    assert sum(not k["cached"] for k in kpis) == 1
    personas, _ = repos(app)
    stored = await personas.get(pid, "acme")
    snapshots = KpiSnapshotRepository(app.state.resources.sessions)
    assert await snapshots.count(stored.kpi_snapshot["key"]) == 1
    computed_at = datetime.fromisoformat(kpis[0]["computed_at"])
    assert stored.kpi_snapshot_at == computed_at
    # A recompute that finishes later with an older result never overwrites the newer one.
    assert not await personas.set_kpi_snapshot(pid, stale, long_ago + timedelta(hours=1))
    assert (await personas.get(pid, "acme")).kpi_snapshot_at == computed_at


async def test_details_when_two_processes_recompute_then_workflow_lease_computes_once(client, app):
    """Two PersonaKpi objects stand for two API processes: no shared in-process lock."""
    [pid] = await seed(app, make_persona(0))
    other_process = type(app.state.persona_kpi)()
    turn = iter(range(100))

    def alternate():
        return other_process if next(turn) % 2 else app.state.persona_kpi

    app.dependency_overrides[persona_kpi] = alternate
    responses = await asyncio.gather(*(get(client, f"/personas/{pid}/details") for _ in range(6)))

    assert all(r.status_code == 200 for r in responses)
    segment = responses[0].json()["kpi"]["segment"]
    stored = await repos(app)[0].get(pid, "acme")
    assert stored.kpi_snapshot["request"]["segment"] == segment
    assert (
        await KpiSnapshotRepository(app.state.resources.sessions).count(stored.kpi_snapshot["key"])
        == 1
    )


class GatedAudit(PersonaAuditRepository):
    """Audit writes wait for `gate`: shows the view is logged after the response."""

    def __init__(self, sessions: Any, gate: asyncio.Event) -> None:
        super().__init__(sessions)
        self.gate = gate

    async def add(self, *args: Any, **kwargs: Any):
        await self.gate.wait()
        return await super().add(*args, **kwargs)


async def test_details_then_view_logged_by_background_task_after_response(client, app):
    [pid, _] = await seed(app)
    gate = asyncio.Event()
    app.dependency_overrides[audit_repository] = lambda: GatedAudit(
        app.state.resources.sessions, gate
    )

    response = await client.get(
        f"/personas/{pid}/details", headers=headers_for("viewer") | {"user-agent": "pytest-ua"}
    )

    assert response.status_code == 200
    _, audit = repos(app)
    assert app.state.audit_tasks.pending == 1  # answered while the write still waits
    assert [e.action for e in await audit.for_persona(pid, "acme")] == ["create"]
    gate.set()
    await drained(app)
    view = (await audit.for_persona(pid, "acme"))[0]
    assert (view.action, view.user_id) == ("view", "viewer-key")
    assert (await audit.client_info(view.id)).user_agent == "pytest-ua"


class BrokenAudit(PersonaAuditRepository):
    async def add(self, *args: Any, **kwargs: Any):
        raise ConnectionError("database went away")


async def test_details_when_audit_write_fails_then_response_ok_and_warning(client, app, caplog):
    [pid, _] = await seed(app)
    app.dependency_overrides[audit_repository] = lambda: BrokenAudit(app.state.resources.sessions)
    caplog.set_level(logging.WARNING, logger="runtime.audit_tasks")

    response = await get(client, f"/personas/{pid}/details")
    await drained(app)

    assert response.status_code == 200 and response.json()["partial"] is False
    assert "audit write failed" in caplog.text and "database went away" in caplog.text


class FailingKpi:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def snapshot(self, *args: Any, **kwargs: Any):
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ModelError("estimator unavailable"), "model_error"),
        (RuntimeError("boom"), "internal_error"),
    ],
)
async def test_details_when_kpi_fails_then_partial_response(client, app, exc, code):
    [pid, _] = await seed(app)
    app.dependency_overrides[persona_kpi] = lambda: FailingKpi(exc)

    response = await get(client, f"/personas/{pid}/details")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partial"] is True and body["kpi"] is None
    assert body["errors"]["kpi"]["code"] == code and "boom" not in body["errors"]["kpi"]["message"]
    assert body["persona"]["id"] == pid and body["audit_log"] and body["rag_metadata"]


async def test_details_when_unknown_industry_then_422_naming_it(client, app):
    [pid, _] = await seed(app)

    response = await get(client, f"/personas/{pid}/details", industry="kosmetyki-na-marsie")

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "industry"


async def test_details_when_persona_in_small_town_then_kpi_for_all_of_poland(client, app):
    [pid] = await seed(app, make_persona(0, location="mniejsza miejscowość lub wieś"))
    persona = await repos(app)[0].get(pid, "acme")

    assert "location" not in lookalike_segment(persona, "b2b_saas")
    body = (await get(client, f"/personas/{pid}/details")).json()
    assert body["kpi"]["segment"]["city"] is None


async def test_details_when_persona_in_listed_town_then_kpi_for_its_class_and_voivodeship(
    client, app
):
    [pid] = await seed(app, make_persona(0, location="Pruszków, woj. mazowieckie"))
    persona = await repos(app)[0].get(pid, "acme")

    assert lookalike_segment(persona, "b2b_saas")["location"] == "miasto 20-99 tys., mazowieckie"


# --- list, get, tenants, reports ---------------------------------------------------------


async def test_list_then_summaries_paginated_without_embedding(client, app):
    await seed(app, *(make_persona(i) for i in range(3)))

    response = await get(client, "/personas", limit=2, age_min=29)

    assert response.status_code == 200
    assert response.headers["x-pagination-total"] == "3"
    assert response.headers["x-pagination-next"] == "2"
    assert len(response.json()) == 2 and "embedding" not in response.json()[0]
    last = await get(client, "/personas", limit=2, offset=2)
    assert len(last.json()) == 1 and "x-pagination-next" not in last.headers


async def test_other_tenant_then_personas_not_found(client, app):
    [pid, other] = await seed(app)
    assert (await client.get(f"/personas/{pid}", headers=GLOBEX)).status_code == 404
    assert (await client.get(f"/personas/{pid}/details", headers=GLOBEX)).status_code == 404
    assert (await client.get(f"/personas/{pid}/audit", headers=GLOBEX)).status_code == 404
    assert (await client.get("/personas", headers=GLOBEX)).json() == []
    compare = await client.post("/personas/compare", json={"ids": [pid, other]}, headers=GLOBEX)
    assert compare.status_code == 404
    delete = await client.request(
        "DELETE", f"/personas/{pid}", json={"reason": "duplicate"}, headers=GLOBEX
    )
    assert delete.status_code == 404
    assert (await client.get(f"/personas/runs/{RUN_ID}/report", headers=GLOBEX)).status_code == 404


async def test_get_persona_then_base_record_without_embedding_or_kpi(client, app):
    [pid, _] = await seed(app)

    body = (await get(client, f"/personas/{pid}")).json()

    assert body["big_five"]["openness"] == 0.72 and body["is_active"] is True
    assert not {"embedding", "kpi_snapshot", "tenant"} & set(body)


async def test_run_report_then_stored_report(client, app):
    await seed(app)

    response = await get(client, f"/personas/runs/{RUN_ID}/report")

    assert response.status_code == 200 and response.json()["report"] == {"accepted": 2}
    assert (await get(client, "/personas/runs/unknown/report")).status_code == 404
