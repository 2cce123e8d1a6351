"""Focus-group routes on SQLite and PostgreSQL: list, read, answers (JSON and CSV), the report as
Markdown with charts, admin deletes, and tenants.

Focus groups and answers are seeded straight through the store, as a run would write them.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from sight.clock import utc_now
from store.focus_group_answers import AnswerWriter
from store.focus_groups import FocusGroupRepository
from tests.api.conftest import headers_for
from tests.api.personas_support import BOTH_DBS, GLOBEX, db_overrides, get, keys_with_other_tenant

PERSONAS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"persona-{i}")) for i in range(3)]
LIKERT = {"id": "q1", "text": "Jak bardzo prawdopodobne, że kupisz?", "type": "likert", "scale": 5}
OPEN = {"id": "q2", "text": "Co sądzisz o cenie?", "type": "open"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=BOTH_DBS)
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return db_overrides(request)


@pytest.fixture
def api_keys() -> list[dict[str, str]]:
    return keys_with_other_tenant()


def report(fg_id: str) -> dict[str, Any]:
    """A small report as the analysis writes it (docs/focus_group.md)."""
    likert = LIKERT | {
        "n": 3,
        "answer_ids": [],
        "distribution": {
            "counts": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 0},
            "shares": {"1": 0.0, "2": 0.0, "3": 0.333, "4": 0.667, "5": 0.0},
            "mean": 3.67,
            "median": 4.0,
            "n": 3,
        },
        "homogeneity": {"modal_share": 0.667, "collapsed": False, "reasons": []},
        "cuts": [],
    }
    theme = {
        "id": "t1",
        "label": "za drogo",
        "lemmas": ["drogi"],
        "size": 3,
        "share": 1.0,
        "quote": {"answer_id": "a1", "persona_id": PERSONAS[0], "text": "Za drogo."},
        "answer_ids": ["a1"],
    }
    opened = OPEN | {
        "n": 3,
        "answer_ids": [],
        "themes": [theme],
        "homogeneity": {"collapsed": False, "reasons": []},
        "cuts": [],
    }
    return {
        "focus_group_id": fg_id,
        "mode": "survey",
        "personas": PERSONAS,
        "questions": [likert, opened],
        "cells": {"total": 6, "answered": 5, "failed": 1, "skipped_budget": 0},
        "estimate": {"tokens": 9000, "usd": 0.0},
        "spend": {"tokens": 7000, "usd": 0.0},
        "warnings": [],
    }


async def seed(
    app: FastAPI, fg_id: str, *, tenant: str = "acme", status: str = "completed", minutes: int = 0
) -> str:
    """Store a focus group of three personas and two questions, and its answers."""
    sessions = app.state.resources.sessions
    finished = status in ("completed", "partial")
    await FocusGroupRepository(sessions).create(
        {
            "id": fg_id,
            "tenant": tenant,
            "status": status,
            "mode": "survey",
            "request": {"personas": PERSONAS, "questions": [LIKERT, OPEN]},
            "persona_ids": PERSONAS,
            "questions": [LIKERT, OPEN],
            "budget": {"max_usd": 1.0},
            "estimate": {"tokens": 9000, "usd": 0.0},
            "spend": {"tokens": 7000, "usd": 0.0},
            "report": report(fg_id) if finished else None,
            "finished_at": utc_now() if finished else None,
        },
        now=utc_now() - timedelta(hours=1) + timedelta(minutes=minutes),
    )
    if finished:
        writer = AnswerWriter(sessions)
        for question, persona in [(q, p) for q in ("q1", "q2") for p in PERSONAS]:
            failed = (question, persona) == ("q2", PERSONAS[2])
            await writer.write(
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{fg_id}/{persona}/{question}/0")),
                    "focus_group_id": fg_id,
                    "persona_id": persona,
                    "question_id": question,
                    "round": 0,
                    "status": "failed" if failed else "answered",
                    "answer": None if failed else {"point": 4, "reason": "=Za drogo."},
                    "text": "" if failed else "=Za drogo.",
                    "error": {"code": "model_error", "message": "timeout"} if failed else None,
                }
            )
        await writer.close()
    return fg_id


async def test_list_when_paged_then_newest_first_with_counts_headers_and_status_filter(client, app):
    for i in range(3):
        await seed(app, f"fg-{i}", status="completed" if i else "running", minutes=i)
    await seed(app, "fg-globex", tenant="globex")

    first = await get(client, "/focus-groups", limit=2)
    rest = await get(client, "/focus-groups", limit=2, offset=2)
    running = await get(client, "/focus-groups", status="running")
    bad = await get(client, "/focus-groups", status="done")

    assert first.status_code == 200, first.text
    assert [g["id"] for g in first.json()] == ["fg-2", "fg-1"]
    assert first.headers["X-Pagination-Total"] == "3"
    assert first.headers["X-Pagination-Next"] == "2"
    assert [g["id"] for g in rest.json()] == ["fg-0"] and "X-Pagination-Next" not in rest.headers
    summary = first.json()[0]
    assert summary["persona_count"] == 3 and summary["question_count"] == 2
    assert summary["budget"] == {"max_usd": 1.0} and summary["spend"]["tokens"] == 7000
    assert "report" not in summary and "request" not in summary
    assert [g["id"] for g in running.json()] == ["fg-0"]
    assert bad.status_code == 422


async def test_get_when_own_then_setup_and_report_and_other_tenant_404(client, app):
    await seed(app, "fg-1")

    own = await get(client, "/focus-groups/fg-1")
    foreign = await client.get("/focus-groups/fg-1", headers=GLOBEX)
    unknown = await get(client, "/focus-groups/fg-none")

    assert own.status_code == 200, own.text
    body = own.json()
    assert body["status"] == "completed" and body["persona_ids"] == PERSONAS
    assert [q["id"] for q in body["questions"]] == ["q1", "q2"]
    assert body["report"]["focus_group_id"] == "fg-1" and body["error"] is None
    assert body["request"]["questions"][0] == LIKERT and "tenant" not in body
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert unknown.status_code == 404


async def test_answers_when_filtered_and_paged_then_setup_order_and_headers(client, app):
    await seed(app, "fg-1")

    page = await get(client, "/focus-groups/fg-1/answers", limit=4)
    failed = await get(client, "/focus-groups/fg-1/answers", status="failed")
    one = await get(client, "/focus-groups/fg-1/answers", persona_id=PERSONAS[1], question_id="q2")
    foreign = await client.get("/focus-groups/fg-1/answers", headers=GLOBEX)

    assert page.status_code == 200, page.text
    assert [(a["question_id"], a["persona_id"]) for a in page.json()] == [
        ("q1", PERSONAS[0]), ("q1", PERSONAS[1]), ("q1", PERSONAS[2]), ("q2", PERSONAS[0])
    ]  # fmt: skip
    assert page.headers["X-Pagination-Total"] == "6" and page.headers["X-Pagination-Next"] == "4"
    [bad] = failed.json()
    assert bad["persona_id"] == PERSONAS[2] and bad["error"]["code"] == "model_error"
    assert [a["answer"] for a in one.json()] == [{"point": 4, "reason": "=Za drogo."}]
    assert foreign.status_code == 404


async def test_answers_csv_when_downloaded_then_attachment_one_row_per_cell(client, app):
    await seed(app, "fg-1")

    response = await get(client, "/focus-groups/fg-1/answers.csv")
    answered = await get(client, "/focus-groups/fg-1/answers.csv", status="answered")
    foreign = await client.get("/focus-groups/fg-1/answers.csv", headers=GLOBEX)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="focus-group-fg-1.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6 and {r["focus_group_id"] for r in rows} == {"fg-1"}
    assert len(list(csv.DictReader(io.StringIO(answered.text)))) == 5
    assert foreign.status_code == 404


async def test_report_md_when_finished_then_markdown_naming_the_focus_group(client, app):
    await seed(app, "fg-1")

    response = await get(client, "/focus-groups/fg-1/report.md")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    assert "fg-1" in response.text
    # Charts are linked relative to the document: charts/<name> is the chart route.
    from tools.focus_group.charts import chart_names

    assert all(f"charts/{name}" in response.text for name in chart_names(report("fg-1")))


async def test_chart_when_named_in_report_then_png_else_404_or_422(client, app):
    from tools.focus_group.charts import chart_names

    await seed(app, "fg-1")
    names = chart_names(report("fg-1"))
    assert names, "the sample report should have charts"

    charts = [await get(client, f"/focus-groups/fg-1/charts/{name}") for name in names]
    unknown = await get(client, "/focus-groups/fg-1/charts/nothing.png")
    invalid = await get(client, "/focus-groups/fg-1/charts/chart.svg")
    foreign = await client.get(f"/focus-groups/fg-1/charts/{names[0]}", headers=GLOBEX)

    for response in charts:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_MAGIC)
    assert len({r.content for r in charts}) == len(names)  # each its own chart
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert invalid.status_code == 422 and invalid.json()["details"][0]["field"] == "path.name"
    assert foreign.status_code == 404


@pytest.mark.parametrize(
    ("status", "why"),
    [("running", "still running"), ("estimated", "estimate_only"), ("refused", "over the budget")],
)
async def test_report_and_charts_when_no_report_then_409_saying_why(client, app, status, why):
    await seed(app, "fg-1", status=status)

    markdown = await get(client, "/focus-groups/fg-1/report.md")
    chart = await get(client, "/focus-groups/fg-1/charts/q1_distribution.png")

    for response in (markdown, chart):
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["code"] == "conflict" and why in body["detail"]
        assert body["details"] == {"status": status}


async def test_delete_when_admin_then_gone_with_answers_others_403_or_404(client, app):
    await seed(app, "fg-1")

    as_viewer = await client.delete("/focus-groups/fg-1", headers=headers_for("viewer"))
    as_editor = await client.delete("/focus-groups/fg-1", headers=headers_for("editor"))
    as_globex = await client.delete("/focus-groups/fg-1", headers=GLOBEX)
    deleted = await client.delete("/focus-groups/fg-1", headers=headers_for("admin"))
    again = await client.delete("/focus-groups/fg-1", headers=headers_for("admin"))

    assert as_viewer.status_code == 403 and as_editor.status_code == 403
    assert as_globex.status_code == 404
    assert deleted.status_code == 204 and deleted.content == b""
    assert again.status_code == 404
    assert (await get(client, "/focus-groups/fg-1")).status_code == 404
    cells = await FocusGroupRepository(app.state.resources.sessions).cells("fg-1")
    assert cells == {}


async def test_delete_when_its_run_is_running_then_409_naming_the_run_and_nothing_deleted(
    client, app
):
    await seed(app, "fg-live", status="running")

    refused = await client.delete("/focus-groups/fg-live", headers=headers_for("admin"))

    assert refused.status_code == 409 and refused.json()["details"]["status"] == "running"
    assert (await get(client, "/focus-groups/fg-live")).status_code == 200
