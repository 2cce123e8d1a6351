"""Persona generation through the Agent Server API: a run stores personas of the caller's
tenant, with the run's report, and the details view serves them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from evals.persona_generation.fakes import write_narrative
from tests.api.conftest import headers_for
from tests.api.personas_support import GLOBEX, keys_with_other_tenant
from tools.models import ModelRouter, ScriptedChatModel

SEGMENT = {
    "segment_id": "seg_young_precariat",
    "segment_name": "Młodzi Prekariusze",
    "demographics": {
        "age_min": 18,
        "age_max": 24,
        "gender": "kobieta",
        "education_levels": ["wyższe"],
        "income_brackets": ["<3000 PLN"],
    },
    "count": 3,
}


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


def _script(app: FastAPI) -> ScriptedChatModel:
    model = ScriptedChatModel(model_name="fake/scripted", script=[write_narrative] * 20)
    resources = app.state.resources
    resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})
    return model


async def test_run_when_persona_generation_then_personas_stored_for_the_tenant(
    client: httpx.AsyncClient, app: FastAPI
):
    model = _script(app)
    response = await client.post(
        "/runs/wait",
        json={"assistant_id": "persona_generation", "input": {"segments": [SEGMENT], "seed": 4}},
        headers=headers_for("editor"),
    )
    assert response.status_code == 200, response.text
    output = response.json()
    assert len(output["personas"]) == 3 and output["report"]["persisted"] is True
    assert len(model.calls) == 3
    run_id = output["report"]["run_id"]

    listed = await client.get(f"/personas?run_id={run_id}", headers=headers_for("viewer"))
    assert listed.status_code == 200
    stored = listed.json()
    assert {p["id"] for p in stored} == {p["id"] for p in output["personas"]}
    assert all(p["gender"] == "kobieta" and 18 <= p["age"] <= 24 for p in stored)

    report = await client.get(f"/personas/runs/{run_id}/report", headers=headers_for("viewer"))
    assert report.status_code == 200
    assert report.json()["report"]["fidelity"]["segments"]["seg_young_precariat"]

    details = await client.get(
        f"/personas/{stored[0]['id']}/details", headers=headers_for("viewer")
    )
    body = details.json()
    assert details.status_code == 200 and body["partial"] is False
    assert body["kpi"]["cac_ltv_ratio"] is not None
    assert body["rag_metadata"]["query"].startswith("Młodzi Prekariusze")
    assert [e["action"] for e in body["audit_log"]] == ["create"]

    other = await client.get(f"/personas?run_id={run_id}", headers=GLOBEX)
    assert other.json() == []
    hidden = await client.get(f"/personas/{stored[0]['id']}", headers=GLOBEX)
    assert hidden.status_code == 404


async def test_run_when_segment_invalid_then_422_names_field_and_nothing_stored(
    client: httpx.AsyncClient, app: FastAPI
):
    model = _script(app)
    bad = {**SEGMENT, "count": 5000}
    response = await client.post(
        "/runs/wait",
        json={"assistant_id": "persona_generation", "input": {"segments": [bad]}},
        headers=headers_for("editor"),
    )
    assert response.status_code == 422
    assert "segments[0].count" in response.text
    assert model.calls == []
    listed = await client.get("/personas", headers=headers_for("viewer"))
    assert listed.json() == []


async def test_assistant_when_persona_generation_then_schemas_and_graph_drawable(
    client: httpx.AsyncClient,
):
    schemas = await client.get(
        "/assistants/persona_generation/schemas", headers=headers_for("viewer")
    )
    assert schemas.status_code == 200, schemas.text
    body = schemas.json()
    assert set(body["input_schema"]["properties"]) == {"segments", "seed"}
    assert set(body["output_schema"]["properties"]) == {"personas", "report"}
    graph = await client.get("/assistants/persona_generation/graph", headers=headers_for("viewer"))
    assert graph.status_code == 200
    assert {"write_personas", "review_personas"} <= {n["id"] for n in graph.json()["nodes"]}
