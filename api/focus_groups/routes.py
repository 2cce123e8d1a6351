"""Focus groups: list, read, answers (JSON and CSV), the report as Markdown with PNG charts,
and deletes (admin).

Focus groups are run by the ``focus_group`` assistant (POST /runs); these routes read what a
run stored. A focus group belongs to the tenant of the key that ran it: another tenant's is
not found.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.auth import AdminDep, PrincipalDep
from api.errors import ErrorBody
from api.focus_groups.deps import FocusGroupId, FocusGroupsDep, owned_focus_group, report_of
from api.focus_groups.schemas import (
    STATUS_HELP,
    AnswerOut,
    FocusGroupOut,
    FocusGroupSummary,
    focus_group_out,
    summary_out,
)
from api.limits import MAX_OFFSET, paginate
from sight.errors import ConflictError, NotFoundError
from store.focus_group_answers import AnswerStatus
from store.focus_groups import FocusGroupStatus

router = APIRouter(tags=["focus_groups"])

PersonaFilter = Annotated[
    str | None,
    Query(
        max_length=36,
        description="Only this persona's answers.",
        examples=["6f1c2a9e-3b7d-5e0a-9c41-2d8f7b6a5e13"],
    ),
]
QuestionFilter = Annotated[
    str | None, Query(max_length=40, description="Only answers to this question.", examples=["q1"])
]
StatusFilter = Annotated[
    AnswerStatus | None,
    Query(description="Only answered, failed or skipped_budget cells.", examples=["failed"]),
]
ChartName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_-]+\.png$",
        max_length=120,
        description="A chart's file name, as the report's Markdown links it.",
        examples=["q1_distribution.png"],
    ),
]
MARKDOWN_EXAMPLE = (
    "# Raport grupy fokusowej 3c9e...\n\n![Rozkład odpowiedzi](charts/q1_distribution.png)\n"
)
NO_REPORT = {
    "model": ErrorBody,
    "description": "No report yet: the focus group is running, estimated or refused.",
}
CSV_EXAMPLE = "focus_group_id,persona_id,question_id,...\r\n3c9e...,6f1c...,q1,...\r\n"


@router.get("/focus-groups", summary="List focus groups")
async def list_focus_groups(
    who: PrincipalDep,
    groups: FocusGroupsDep,
    response: Response,
    status: Annotated[
        FocusGroupStatus | None, Query(description=f"Only this status: {STATUS_HELP}")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.", examples=[20])] = 20,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Focus groups to skip.", examples=[0])
    ] = 0,
) -> list[FocusGroupSummary]:
    """List the tenant's focus groups, newest first (X-Pagination-Total / X-Pagination-Next)."""
    found, total = await groups.list(who.tenant, limit=limit, offset=offset, status=status)
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [summary_out(group) for group in found]


@router.get("/focus-groups/{focus_group_id}", summary="Get a focus group")
async def get_focus_group(
    focus_group_id: FocusGroupId, who: PrincipalDep, groups: FocusGroupsDep
) -> FocusGroupOut:
    """Return the focus group: its setup, status, budget, estimate, spend, report and error."""
    return focus_group_out(await owned_focus_group(groups, focus_group_id, who.tenant))


@router.get("/focus-groups/{focus_group_id}/answers", summary="A focus group's answers")
async def list_answers(
    focus_group_id: FocusGroupId,
    who: PrincipalDep,
    groups: FocusGroupsDep,
    response: Response,
    persona_id: PersonaFilter = None,
    question_id: QuestionFilter = None,
    status: StatusFilter = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.", examples=[100])] = 100,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Answers to skip.", examples=[0])
    ] = 0,
) -> list[AnswerOut]:
    """Return the answers in setup order: by question, round, then persona (paginated)."""
    await owned_focus_group(groups, focus_group_id, who.tenant, with_report=False)
    found, total = await groups.answers(
        focus_group_id,
        who.tenant,
        persona_id=persona_id,
        question_id=question_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    paginate(response, total=total, offset=offset, limit=limit, count=len(found))
    return [AnswerOut.model_validate(record) for record in found]


@router.get(
    "/focus-groups/{focus_group_id}/answers.csv",
    summary="A focus group's answers as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"example": CSV_EXAMPLE}}}},
)
async def answers_csv(
    focus_group_id: FocusGroupId,
    who: PrincipalDep,
    groups: FocusGroupsDep,
    persona_id: PersonaFilter = None,
    question_id: QuestionFilter = None,
    status: StatusFilter = None,
) -> Response:
    """Download every (matching) answer as CSV, one row per cell, in setup order; cells a
    spreadsheet would run as formulas are defused."""
    from tools.focus_group.export import answers_csv as to_csv

    group = await owned_focus_group(groups, focus_group_id, who.tenant, with_report=False)
    found, _ = await groups.answers(
        group.id, who.tenant, persona_id=persona_id, question_id=question_id, status=status
    )
    attachment = {"Content-Disposition": f'attachment; filename="focus-group-{group.id}.csv"'}
    return Response(
        to_csv(found, group.questions), media_type="text/csv; charset=utf-8", headers=attachment
    )


@router.get(
    "/focus-groups/{focus_group_id}/report.md",
    summary="A focus group's report as Markdown",
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {"example": MARKDOWN_EXAMPLE}}},
        409: NO_REPORT,
    },
)
async def report_markdown(
    focus_group_id: FocusGroupId, who: PrincipalDep, groups: FocusGroupsDep
) -> Response:
    """Render the stored report as Polish Markdown; its charts are linked relative to this
    document (``charts/<name>``, the route below)."""
    from tools.focus_group.render import render_markdown

    group = await owned_focus_group(groups, focus_group_id, who.tenant)
    text = render_markdown(report_of(group), chart_url=lambda name: f"charts/{name}")
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get(
    "/focus-groups/{focus_group_id}/charts/{name}",
    summary="One chart of a focus group's report (PNG)",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
        409: NO_REPORT,
    },
)
async def report_chart(
    focus_group_id: FocusGroupId, name: ChartName, who: PrincipalDep, groups: FocusGroupsDep
) -> Response:
    """Draw one chart of the stored report (the names are those report.md links)."""
    from tools.focus_group.charts import chart_plan, render_charts

    group = await owned_focus_group(groups, focus_group_id, who.tenant)
    report = report_of(group)
    spec = next((s for s in chart_plan(report) if s.name == name), None)
    if spec is None:
        raise NotFoundError(f"Focus group {group.id} has no chart {name}")
    # A page of the report asks for every chart at once: each request draws only its own
    # question's charts (the others stand in as bare id and type, which draw nothing), and
    # draws them off the event loop.
    questions = [
        question
        if index == spec.question
        else {"id": question.get("id"), "type": question.get("type")}
        for index, question in enumerate(report["questions"])
    ]
    charts = await asyncio.to_thread(render_charts, report | {"questions": questions})
    return Response(charts[name], media_type="image/png")


@router.delete(
    "/focus-groups/{focus_group_id}",
    summary="Delete a focus group (admin)",
    status_code=204,
    response_class=Response,
    responses={409: {"model": ErrorBody, "description": "Its run is still running."}},
)
async def delete_focus_group(
    focus_group_id: FocusGroupId, who: AdminDep, groups: FocusGroupsDep
) -> Response:
    """Delete the focus group with its answers, for good (no undo); not while its run runs
    (it would go on writing answers): cancel the run first."""
    found = await groups.get(focus_group_id, who.tenant, with_report=False)
    if found is None:
        raise NotFoundError(f"Focus group with ID {focus_group_id} not found")
    if found.status == "running":
        raise ConflictError(
            f"focus group {focus_group_id} is running: cancel its run {found.run_id} first",
            details={"status": found.status, "run_id": found.run_id},
        )
    if not await groups.delete(focus_group_id, who.tenant):
        raise NotFoundError(f"Focus group with ID {focus_group_id} not found")
    return Response(status_code=204)
