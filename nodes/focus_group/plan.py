"""Validate the request, load or generate the personas, price the run and store its setup."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from nodes.focus_group.budget import ensure_ledger
from nodes.focus_group.checks import check_setup, profile_of
from nodes.focus_group.state import FocusGroupContext, FocusGroupInput, FocusGroupState
from sight.errors import BudgetTooSmallError, ConflictError
from tools.focus_group.estimate import estimate, over_budget, stand_in_personas

INPUT_KEYS = tuple(FocusGroupInput.__annotations__)


async def validate_input(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Check the request (every problem at once); load the tenant's personas, naming any id
    that is not one of them. A rerun takes its focus group's setup."""
    ctx = runtime.context
    raw = {k: state[k] for k in INPUT_KEYS if k in state and state[k] is not None}
    setup = await check_setup(
        raw,
        personas=ctx.personas,
        store=ctx.store,
        tenant=ctx.tenant,
        run_id=ctx.run_id,
        check_generate=ctx.check_generate,
    )
    runtime.stream_writer({"event": "validated_input", "focus_group_id": setup.focus_group_id})
    return {
        "request": setup.request,
        "focus_group_id": setup.focus_group_id,
        "profiles": setup.profiles,
        "spent_before": {k: setup.spent_before.get(k, 0) for k in ("tokens", "usd")},
        "generate_spend": {"tokens": 0, "usd": 0.0},
        "status": "running",
        "report": None,
        "started_at": ctx.clock().isoformat(),
    }


def after_validate(state: FocusGroupState) -> Literal["generate_personas", "estimate_cost"]:
    """Generate personas first when the request asks for them (not for an estimate alone)."""
    request = state["request"]
    if request.get("generate") and not request["estimate_only"]:
        return "generate_personas"
    return "estimate_cost"


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


def generate_count(request: dict[str, Any]) -> int:
    """Personas a ``generate`` request asks for (0 without one)."""
    generate = request.get("generate") or {}
    return sum(int(s.get("count", 0)) for s in generate.get("segments", []))


def price(state: FocusGroupState, ctx: FocusGroupContext) -> dict[str, Any]:
    """The estimate of the run: its personas' real prompts, or stand-ins before generation."""
    request = state["request"]
    personas = list(state["profiles"].values())
    waiting = not personas and generate_count(request)
    ref = ctx.models.router.chain("fast")[0]
    return estimate(
        stand_in_personas(generate_count(request)) if waiting else personas,
        request["questions"],
        memory=request["memory"],
        rounds=request["rounds"],
        ref=ref,
        counter=ctx.models.counter(ref),
        prices=ctx.models.router.settings.prices_per_1k,
        sentiment_by_model=ctx.sentiment_by_model,
        theme_labels_by=ctx.theme_labels_by,
        generate_count=generate_count(request) if waiting and ctx.generate_priced else 0,
    )


async def estimate_cost(
    state: FocusGroupState, runtime: Runtime[FocusGroupContext]
) -> dict[str, Any]:
    """Price the run from its real prompts and store the focus group; refuse a budget the
    estimate is over (``budget_too_small``); with ``estimate_only`` stop here.

    A rerun prices its open cells only, and changes the stored focus group only when it runs
    (an estimate or a refusal leaves it as it was)."""
    ctx = runtime.context
    request, fg_id = state["request"], state["focus_group_id"]
    found = price(state, ctx)
    rerun = bool(request.get("rerun_failed"))
    if rerun:
        scale_to_open_cells(found, await ctx.store.cells(fg_id))
    generated = state["generate_spend"]
    if generated["tokens"]:
        found["generate"] = generated
        found["tokens"] += generated["tokens"]
        found["usd"] = round(found["usd"] + generated["usd"], 6)
    status = "running"
    if request["estimate_only"]:
        status = "estimated"
    elif over_budget(found, request["budget"]):
        status = "refused"
    runtime.stream_writer({"event": "estimate", "status": status, **_brief(found)})
    now = ctx.clock()
    if not rerun:
        await ctx.store.create(_setup_record(state, ctx, found, status), now=now)
    elif status == "running" and not await ctx.store.claim_rerun(
        fg_id, ctx.tenant, run_id=ctx.run_id, now=now
    ):
        raise ConflictError(f"focus group {fg_id} is being rerun by another run")
    if status == "refused":
        raise BudgetTooSmallError(_brief(found), request["budget"])
    return {"estimate": found, "status": status}


def scale_to_open_cells(found: dict[str, Any], stored: dict[Any, dict[str, Any]]) -> None:
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
