"""Focus-group bodies: a focus group as listed and as read, and one answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from api.personas.schemas import described
from store.focus_group_answers import AnswerStatus
from store.focus_groups import FocusGroupRecord, FocusGroupStatus

FOCUS_GROUP_ID = "3c9e1b7a-52d4-4f0e-8a61-9d2b7c4e1f08"
PERSONA_ID = "6f1c2a9e-3b7d-5e0a-9c41-2d8f7b6a5e13"
RUN_ID = "1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"
THREAD_ID = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"
QUESTION = {
    "id": "q1",
    "text": "Jak bardzo prawdopodobne, że kupisz pompę ciepła w ciągu roku?",
    "type": "likert",
    "scale": 5,
}
BUDGET = {"max_usd": 2.5}
MONEY = {"tokens": 184000, "usd": 0.42}
STATUS_HELP = (
    "running, completed, partial (some cells failed or were skipped for the budget), failed, "
    "estimated (estimate_only: no model was called) or refused (the estimate was over budget)."
)


class FocusGroupSummary(BaseModel):
    """A focus group in a list: its state, size and money."""

    id: str = described("Focus group id.", FOCUS_GROUP_ID)
    status: FocusGroupStatus = described(STATUS_HELP, "completed")
    mode: str = described("survey or discussion.", "survey")
    persona_count: int = described("How many personas were asked.", 40)
    question_count: int = described("How many questions they were asked.", 6)
    budget: dict[str, Any] = described("The budget given: max_tokens and/or max_usd.", BUDGET)
    estimate: dict[str, Any] = described("The price estimated before the run.", MONEY)
    spend: dict[str, Any] = described(
        "What it spent, all runs and reruns together (written when a run ends).", MONEY
    )
    created_at: datetime = described("When it started (UTC).", "2026-12-07T10:15:00Z")
    finished_at: datetime | None = described(
        "When it finished (UTC); null while running.", "2026-12-07T10:21:40Z"
    )


class FocusGroupOut(FocusGroupSummary):
    """A whole focus group: its setup, state, money and report."""

    run_id: str | None = described("The run that conducted it.", RUN_ID)
    thread_id: str | None = described("The thread of that run.", THREAD_ID)
    request: dict[str, Any] = described(
        "The input as understood (canonical: defaults filled in, option ids given).",
        {"personas": [PERSONA_ID], "questions": [QUESTION], "mode": "survey", "memory": "full"},
    )
    persona_ids: list[str] = described("The personas asked, in order.", [PERSONA_ID])
    questions: list[dict[str, Any]] = described("The questions asked, in order.", [QUESTION])
    report: dict[str, Any] | None = described(
        "The analysis (docs/focus_group.md); null until the focus group has finished.",
        {"focus_group_id": FOCUS_GROUP_ID, "questions": [], "cells": {"total": 40}},
    )
    error: dict[str, Any] | None = described("Why it failed or was refused: {code, message}.", None)
    updated_at: datetime = described("When it last changed (UTC).", "2026-12-07T10:21:40Z")


def summary_out(record: FocusGroupRecord) -> FocusGroupSummary:
    """The list view of a stored focus group."""
    return FocusGroupSummary.model_validate(_view(record, FocusGroupSummary))


def focus_group_out(record: FocusGroupRecord) -> FocusGroupOut:
    """The API view of a stored focus group (no tenant)."""
    return FocusGroupOut.model_validate(_view(record, FocusGroupOut))


def _view(record: FocusGroupRecord, model: type[BaseModel]) -> dict[str, Any]:
    counts = {"persona_count": len(record.persona_ids), "question_count": len(record.questions)}
    return {name: getattr(record, name) for name in model.model_fields if name not in counts} | (
        counts
    )


class AnswerOut(BaseModel):
    """One cell: a persona's answer to a question in a round."""

    id: str = described(
        "Answer id: uuid5 of (focus group, persona, question, round).",
        "0d6a3f2e-8c1b-5e47-9a2d-4b7c1e9f3a60",
    )
    focus_group_id: str = described("The focus group.", FOCUS_GROUP_ID)
    persona_id: str = described("The persona who answered.", PERSONA_ID)
    question_id: str = described("The question answered.", "q1")
    round: int = described("0; in discussion mode 1.. are reactions to the others.", 0)
    status: AnswerStatus = described(
        "answered, failed, or skipped_budget (not asked: the budget ran out).", "answered"
    )
    answer: dict[str, Any] | None = described(
        "The structured answer: {text}, {point, reason}, {option}, {options} or {value}.",
        {"point": 4, "reason": "Rachunki za gaz rosną, a dotacja pokrywa dużą część kosztu."},
    )
    text: str = described(
        "The answer's prose (open text, likert reason); empty for choice and numeric.",
        "Rachunki za gaz rosną, a dotacja pokrywa dużą część kosztu.",
    )
    sentiment: dict[str, Any] | None = described(
        "Sentiment of the prose: {label, score, method}.",
        {"label": "positive", "score": 0.6, "method": "lexicon"},
    )
    checks: list[str] = described("Text-check codes the prose failed.", [])
    error: dict[str, Any] | None = described("Why the cell failed: {code, message}.", None)
    model: str | None = described("The model that answered.", "ollama/qwen3:8b")
    tokens_in: int = described("Prompt tokens.", 1450)
    tokens_out: int = described("Completion tokens.", 62)
    cost_usd: float = described("What the call cost.", 0.0)
    attempts: int = described("Model calls the answer took (a degenerate one is asked again).", 1)
    created_at: datetime = described(
        "When the cell was first written (UTC).", "2026-12-07T10:16:02Z"
    )
    updated_at: datetime = described(
        "When the cell was last written (a retry replaces a failed cell).", "2026-12-07T10:16:02Z"
    )
