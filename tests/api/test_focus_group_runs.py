"""Focus groups through the Agent Server API: a run answers, stores and serves its report;
bad input and budgets too small are refused before anything is stored."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from evals.focus_group.fakes import respondent_model
from evals.focus_group.setup import QUESTIONS, TENANT, persona_records, respondent_for
from sight.clock import utc_now
from store.personas import PersonaRepository
from tests.api.conftest import headers_for
from tests.api.personas_support import GLOBEX, keys_with_other_tenant
from tools.models import ModelRouter


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


async def _seed(app: FastAPI, count: int = 4) -> list[dict]:
    records = persona_records(count)
    resources = app.state.resources
    await PersonaRepository(resources.sessions).add_many(
        records, report=None, run_id="fg-seed", tenant=TENANT, now=utc_now()
    )
    model = respondent_model(respondent_for(records, QUESTIONS))
    resources._router = ModelRouter(resources.settings, models={"fake/scripted": model})
    return records


async def _count_runs(client: httpx.AsyncClient) -> int:
    found = await client.post("/threads/search", json={}, headers=headers_for("admin"))
    return len(found.json())


async def test_run_when_focus_group_then_report_served_for_the_tenant_only(
    client: httpx.AsyncClient, app: FastAPI
):
    records = await _seed(app)
    body = {"personas": [r["id"] for r in records], "questions": QUESTIONS}

    response = await client.post(
        "/runs/wait",
        json={"assistant_id": "focus_group", "input": body},
        headers=headers_for("editor"),
    )

    assert response.status_code == 200, response.text
    output = response.json()
    assert output["status"] == "completed" and output["report"]["cells"]["answered"] == 16
    fg_id = output["focus_group_id"]
    got = await client.get(f"/focus-groups/{fg_id}", headers=headers_for("viewer"))
    assert got.status_code == 200 and got.json()["status"] == "completed"
    report = await client.get(f"/focus-groups/{fg_id}/report.md", headers=headers_for("viewer"))
    assert report.status_code == 200 and fg_id in report.text
    csv = await client.get(f"/focus-groups/{fg_id}/answers.csv", headers=headers_for("viewer"))
    assert csv.status_code == 200 and csv.text.count("\n") >= 17
    assert (await client.get(f"/focus-groups/{fg_id}", headers=GLOBEX)).status_code == 404


async def test_run_when_personas_unknown_or_budget_too_small_then_422_and_nothing_stored(
    client: httpx.AsyncClient, app: FastAPI
):
    records = await _seed(app)
    threads_before = await _count_runs(client)
    unknown = {"personas": [records[0]["id"], "no-such-persona"], "questions": QUESTIONS}
    tight = {
        "personas": [r["id"] for r in records],
        "questions": QUESTIONS,
        "budget": {"max_tokens": 100},
    }
    broken = {"personas": [records[0]["id"]], "questions": [{"id": "q", "type": "likert"}]}

    for body, code, field in (
        (unknown, "invalid_input", "personas"),
        (tight, "budget_too_small", None),
        (broken, "invalid_input", "questions[0].text"),
    ):
        response = await client.post(
            "/runs/wait",
            json={"assistant_id": "focus_group", "input": body},
            headers=headers_for("editor"),
        )
        assert response.status_code == 422, response.text
        error = response.json()
        assert error["code"] == code
        if field:
            assert field in [p["field"] for p in error["details"]]
        else:
            assert error["details"]["estimate"]["tokens"] > 100
    assert await _count_runs(client) == threads_before
    listed = await client.get("/focus-groups", headers=headers_for("viewer"))
    assert listed.json() == []
