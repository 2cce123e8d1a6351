"""Focus group: personas answer questions in parallel, priced first, held to the budget.

validate_input -(generate)-> generate_personas -> estimate_cost
               -(personas)-------------------------> estimate_cost
estimate_cost -(estimate_only)-> END
              -(running)-> answer_cells -> analyse_answers -> save_report -> END

Every answer is stored as it is answered (a resumed run asks only the cells with nothing
stored); a spend ledger holds the run to its budget while calls are in flight. See
docs/focus_group.md.
"""

from __future__ import annotations

import asyncio
import uuid
from functools import cache
from typing import Any

from langgraph.graph import END, START, StateGraph

from graphs import persona_generation
from graphs.context import GraphResources, RunInfo
from nodes.focus_group import (
    after_estimate,
    after_validate,
    analyse_answers,
    answer_cells,
    estimate_cost,
    generate_personas,
    save_report,
    validate_input,
)
from nodes.focus_group.checks import check_setup
from nodes.focus_group.plan import price, scale_to_open_cells
from nodes.focus_group.state import (
    FocusGroupContext,
    FocusGroupInput,
    FocusGroupOutput,
    FocusGroupState,
)
from sight.errors import BudgetTooSmallError
from tools.focus_group.estimate import over_budget
from tools.focus_group.request import validate_request
from tools.models.capabilities import is_capable, writes_polish


def build_graph() -> StateGraph:
    """Return the uncompiled focus-group graph; the caller compiles it."""
    builder = StateGraph(
        FocusGroupState,
        context_schema=FocusGroupContext,
        input_schema=FocusGroupInput,
        output_schema=FocusGroupOutput,
    )
    builder.add_node(validate_input)
    builder.add_node(generate_personas)
    builder.add_node(estimate_cost)
    builder.add_node(answer_cells)
    builder.add_node(analyse_answers)
    builder.add_node(save_report)
    builder.add_edge(START, "validate_input")
    builder.add_conditional_edges("validate_input", after_validate)
    builder.add_edge("generate_personas", "estimate_cost")
    builder.add_conditional_edges("estimate_cost", after_estimate)
    builder.add_edge("answer_cells", "analyse_answers")
    builder.add_edge("analyse_answers", "save_report")
    builder.add_edge("save_report", END)
    return builder


@cache
def _persona_subgraph() -> Any:
    """Persona generation compiled once, without a checkpointer of its own: run inside a node,
    it checkpoints into the focus group's thread as a subgraph."""
    return persona_generation.build_graph().compile(name="persona_generation")


def make_context(resources: GraphResources, run: RunInfo | None = None) -> FocusGroupContext:
    """Build the run context: models with no token cap of their own (the request's budget is
    held by the ledger), repositories, the embedder and persona generation as a subgraph."""
    from store.focus_group_answers import AnswerWriter
    from store.focus_groups import FocusGroupRepository
    from store.persona_lookup import PersonaLookup
    from tools.models import get_embedder

    settings = resources.settings
    run = run or RunInfo(str(uuid.uuid4()), "local")
    models = resources.models.for_run(run.run_id, budget=None, budget_name="focus_group_budget")

    async def generate(request: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        # A part of this run's models: its calls reserve on this run's ledger, and persona
        # generation may set its own token cap on it without capping the focus group.
        persona_context = persona_generation.make_context(resources, run)
        persona_context.models = part = models.part()
        try:
            output = await _persona_subgraph().ainvoke(request, context=persona_context)
            return output, part.usage
        finally:
            models.usage.merge(part.usage)

    return FocusGroupContext(
        models=models,
        store=FocusGroupRepository(resources.sessions),
        writer=AnswerWriter(resources.sessions),
        personas=PersonaLookup(resources.sessions),
        embedder=get_embedder(settings),
        generate=generate,
        check_generate=persona_generation.validate_input_payload,
        generate_priced=persona_generation.persona_writer(settings)["writer"] == "model",
        run_id=run.run_id,
        thread_id=run.thread_id,
        tenant=run.tenant,
        sentiment_by_model=is_capable(settings.model_chain("fast")),
        theme_labels_by=(
            settings.model_chain("deep")[0] if is_capable(settings.model_chain("deep")) else None
        ),
        model_note=model_note(settings.model_chain("fast")),
    )


def model_note(chain: list[str]) -> str | None:
    """The warning a report carries when an embedded model answered (None for hosted ones)."""
    if is_capable(chain) or not chain[0].startswith("local/"):
        return None
    if not writes_polish(chain):
        return (
            f"Odpowiedzi pisał wbudowany model {chain[0]}, który nie pisze po polsku: teksty "
            "odpowiedzi i wszystko, co z nich wynika (tematy, wydźwięk), nie nadają się do "
            "wniosków. Skonfiguruj Gemini lub Ollamę (SIGHT_PROVIDER)."
        )
    return (
        f"Odpowiedzi pisał wbudowany model {chain[0]}: pisze po polsku, ale często powtarza "
        "pytanie i słabo trzyma się profilu persony. Traktuj wyniki jako podgląd działania, nie "
        "wynik badania; z Gemini lub Ollamą (SIGHT_PROVIDER) odpowiedzi są wiarygodne."
    )


def validate_input_payload(payload: Any) -> dict[str, Any]:
    """Check a run's input shape before it starts; raise InputValidationError on any problem."""
    return validate_request(payload, check_generate=persona_generation.validate_input_payload)


async def check_input_payload(payload: Any, resources: GraphResources, tenant: str) -> None:
    """Check what needs the database before a run is stored: the persona ids are the tenant's
    (named, with the shape's problems, in one 422), a rerun's focus group is the tenant's and
    finished (409), and the budget covers the estimate (422 ``budget_too_small``)."""
    ctx = make_context(resources, RunInfo("check", "check", tenant))
    setup = await check_setup(
        payload,
        personas=ctx.personas,
        store=ctx.store,
        tenant=tenant,
        run_id=None,
        check_generate=ctx.check_generate,
    )
    request = setup.request
    if not request["budget"] or request["estimate_only"]:
        return  # nothing to refuse: no budget, or only the estimate is asked for
    state = {"request": request, "profiles": setup.profiles}
    found = await asyncio.to_thread(price, state, ctx)  # type: ignore[arg-type]
    if request.get("rerun_failed"):
        scale_to_open_cells(found, await ctx.store.cells(setup.focus_group_id))
    if over_budget(found, request["budget"]):
        brief = {"tokens": found["tokens"], "usd": found["usd"]}
        raise BudgetTooSmallError(brief, request["budget"])


# The langgraph.json target only; Sight's own runners compile with the checkpointer they own.
graph = build_graph().compile()
