"""Validate the request, load or generate the personas, price the run and store its setup."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from langgraph.runtime import Runtime

from nodes.focus_group.budget import ensure_ledger
from nodes.focus_group.state import FocusGroupContext, FocusGroupInput, FocusGroupState
from sight.errors import BudgetTooSmallError, ConflictError, InputValidationError
from tools.focus_group.estimate import estimate, over_budget
from tools.focus_group.request import validate_request

NAMESPACE = uuid.UUID("5b0a6c1e-2f4d-4c8e-9a31-7d2e6f0b8c45")
INPUT_KEYS = tuple(FocusGroupInput.__annotations__)
PROFILE_KEYS = (
    "id",
    "first_name",
    "last_name",
    "age",
    "gender",
    "education",
    "income_bracket",
    "location",
    "occupation",
    "segment_id",
    "segment_name",
    "background_story",
    "values",
    "interests",
)


def focus_group_id(tenant: str, run_id: str) -> str:
    """The focus group of a run: the same id when the run resumes."""
    return str(uuid.uuid5(NAMESPACE, f"{tenant}:{run_id}"))


def profile_of(persona: dict[str, Any]) -> dict[str, Any]:
    """What prompts and cuts read of a persona record."""
    profile = {k: persona.get(k) for k in PROFILE_KEYS}
    profile["persona_id"] = profile["id"]
    return profile


async def _rerun_setup(
    request: dict[str, Any], ctx: FocusGroupContext
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    source = await ctx.store.get(request["rerun_failed"], ctx.tenant, with_report=False)
    if source is None:
        raise InputValidationError(
            [{"field": "rerun_failed", "message": "no focus group with this id"}]
        )
    if source.status in ("running", "estimated", "refused") and source.run_id != ctx.run_id:
        raise ConflictError(
            f"focus group {source.id} is {source.status}: only a finished one can be rerun"
        )
    setup = {
        **source.request,
        "budget": request["budget"],
        "estimate_only": request["estimate_only"],
        "personas": list(source.persona_ids),
        "generate": None,
        "rerun_failed": source.id,
    }
    return setup, source.id, dict(source.spend or {})


async def validate_input(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Check the request (every problem at once); load the tenant's personas, naming any id
    that is not one of them. A rerun takes its focus group's setup."""
    ctx = runtime.context
    raw = {k: state[k] for k in INPUT_KEYS if k in state and state[k] is not None}
    request = validate_request(raw, check_generate=ctx.check_generate)
    fg_id, before = focus_group_id(ctx.tenant, ctx.run_id), {"tokens": 0, "usd": 0.0}
    if request.get("rerun_failed"):
        request, fg_id, before = await _rerun_setup(request, ctx)
    profiles: dict[str, dict[str, Any]] = {}
    if request["personas"]:
        ids = request["personas"]
        found = await ctx.personas.persona_profiles(ctx.tenant, ids)
        missing = [i for i in ids if i not in found]
        if missing and not request.get("rerun_failed"):
            shown = ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
            raise InputValidationError(
                [{"field": "personas", "message": f"not personas of this tenant: {shown}"}]
            )
        profiles = {i: profile_of(found[i]) for i in ids if i in found}
    runtime.stream_writer({"event": "validated_input", "focus_group_id": fg_id})
    return {
        "request": request,
        "focus_group_id": fg_id,
        "profiles": profiles,
        "spent_before": {"tokens": before.get("tokens", 0), "usd": before.get("usd", 0.0)},
        "generate_spend": {"tokens": 0, "usd": 0.0},
        "status": "running",
        "report": None,
        "started_at": ctx.clock().isoformat(),
    }


def after_validate(state: FocusGroupState) -> Literal["generate_personas", "estimate_cost"]:
    """Generate personas first when the request asks for them."""
    return "generate_personas" if state["request"].get("generate") else "estimate_cost"


async def generate_personas(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Run persona generation as a subgraph; its spend counts against this run's budget."""
    ctx = runtime.context
    if ctx.generate is None:
        raise RuntimeError("focus groups with generate need persona generation in the context")
    ensure_ledger(ctx, state["request"]["budget"])
    output, usage = await ctx.generate(state["request"]["generate"])
    profiles = {p["id"]: profile_of(p) for p in output.get("personas", [])}
    spent = {"tokens": usage.total_tokens, "usd": round(usage.cost_usd, 8)}
    runtime.stream_writer({"event": "generated_personas", "count": len(profiles), **spent})
    return {"profiles": profiles, "generate_spend": spent}


def _estimate(state: FocusGroupState, ctx: FocusGroupContext) -> dict[str, Any]:
    request = state["request"]
    ref = ctx.models.router.chain("fast")[0]
    return estimate(
        list(state["profiles"].values()),
        request["questions"],
        memory=request["memory"],
        rounds=request["rounds"],
        ref=ref,
        counter=ctx.models.counter(ref),
        prices=ctx.models.router.settings.prices_per_1k,
        sentiment_by_model=ctx.sentiment_by_model,
        theme_labels_by=ctx.theme_labels_by,
    )


async def estimate_cost(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Price the run from its real prompts and store the focus group; refuse a budget the
    estimate is over (``budget_too_small``); with ``estimate_only`` stop here."""
    ctx = runtime.context
    request, fg_id = state["request"], state["focus_group_id"]
    found = _estimate(state, ctx)
    if request.get("rerun_failed"):
        _scale_to_open_cells(found, await ctx.store.cells(fg_id))
    generated = state["generate_spend"]
    if generated["tokens"]:
        found["generate"] = generated
        found["tokens"] += generated["tokens"]
        found["usd"] = round(found["usd"] + generated["usd"], 6)
    budget = request["budget"]
    status = "running"
    if request["estimate_only"]:
        status = "estimated"
    elif over_budget(found, budget):
        status = "refused"
    runtime.stream_writer({"event": "estimate", "status": status, **_brief(found)})
    now = ctx.clock()
    if request.get("rerun_failed"):
        await ctx.store.update(fg_id, ctx.tenant, now=now, status=status, run_id=ctx.run_id)
    else:
        await ctx.store.create(_setup_record(state, ctx, found, status), now=now)
    if status == "refused":
        raise BudgetTooSmallError(_brief(found), budget)
    return {"estimate": found, "status": status}


def _scale_to_open_cells(found: dict[str, Any], stored: dict[Any, dict[str, Any]]) -> None:
    """A rerun asks only the cells without an answer: price that share of the whole."""
    answered = sum(row["status"] == "answered" for row in stored.values())
    share = max(0, found["cells"] - answered) / max(1, found["cells"])
    found.update(
        tokens=round(found["tokens"] * share),
        usd=round(found["usd"] * share, 6),
        open_cells=found["cells"] - answered,
    )


def _brief(found: dict[str, Any]) -> dict[str, Any]:
    return {"tokens": found["tokens"], "usd": found["usd"]}


def _setup_record(
    state: FocusGroupState, ctx: FocusGroupContext, found: dict[str, Any], status: str
) -> dict[str, Any]:
    request = state["request"]
    return {
        "id": state["focus_group_id"],
        "tenant": ctx.tenant,
        "run_id": ctx.run_id,
        "thread_id": ctx.thread_id,
        "status": status,
        "mode": request["mode"],
        "request": request,
        "persona_ids": list(state["profiles"]),
        "questions": request["questions"],
        "budget": request["budget"],
        "estimate": found,
        "spend": state["generate_spend"],
    }


def after_estimate(state: FocusGroupState) -> Literal["answer_cells", "__end__"]:
    """Answer unless only the estimate was asked for."""
    return "answer_cells" if state["status"] == "running" else "__end__"
