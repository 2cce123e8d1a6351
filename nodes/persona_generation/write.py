"""Write one persona's narrative with the ``fast`` model, check it and score it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated, Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, StringConstraints

from nodes.persona_generation.state import PersonaContext, WriteBatch, WriteTask
from prompts import persona_generation as prompts
from sight.errors import StructuredOutputError
from tools.persona.narrative import narrative_issues, value_phrases
from tools.persona.scoring import score
from tools.persona.vectors import embedding_text

log = logging.getLogger(__name__)
ROLE = "fast"


# Every string is bounded: a grammar-constrained small model otherwise fills one item until
# the context runs out.
Item = Annotated[str, StringConstraints(min_length=2, max_length=60)]


class PersonaNarrative(BaseModel):
    """What the model writes about a sampled person."""

    first_name: str = Field(min_length=2, max_length=30, description="Polish first name.")
    last_name: str = Field(min_length=2, max_length=40, description="Polish surname.")
    occupation: str = Field(min_length=2, max_length=80, description="Occupation, in Polish.")
    background_story: str = Field(
        min_length=80, max_length=600, description="3-4 sentences in Polish, third person."
    )
    values: list[Item] = Field(min_length=3, max_length=5, description="3-5 values, Polish.")
    interests: list[Item] = Field(min_length=3, max_length=6, description="3-6 interests, Polish.")


def _fmt(scores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in scores.items())


def build_prompt(task: WriteTask) -> list[tuple[str, str]]:
    """The chat messages for one persona (the schema instruction is added by the policy)."""
    slot, demo = task["slot"], task["slot"]["demographics"]
    feedback = ""
    if task["feedback"]:
        problems = "\n".join(f"- {p}" for p in task["feedback"])
        feedback = prompts.FEEDBACK.format(problems=problems)
    system = prompts.SYSTEM.format(segment_name=slot["segment_name"], context=task["context"])
    user = prompts.PERSONA.format(
        gender=demo["gender"],
        age=demo["age"],
        birth_year=demo["birth_year"],
        education=demo["education"],
        income_bracket=demo["income_bracket"],
        location=demo["location"],
        big_five=_fmt(slot["big_five"]),
        top_values=", ".join(value_phrases(slot["top_values"])),
        hofstede=_fmt(slot["hofstede"]),
        first_names=", ".join(slot["name_hints"]["first_names"]),
        last_names=", ".join(slot["name_hints"]["last_names"]),
        occupations=", ".join(slot["occupation_hints"]) or "dowolny pasujący",
        interests=", ".join(slot["interest_hints"]),
        feedback=feedback,
    )
    return [("system", system), ("human", user)]


def _better(new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Keep the better of two attempts at one slot; the attempt log covers both."""
    if old is None:
        return new
    log = old["attempt_log"] + new["attempt_log"]
    # A near-duplicate's text must not survive as the better attempt.
    old_ok = old["valid"] and not old.get("duplicate_of")
    keep = new if new["valid"] and (not old_ok or new["score"] >= old["score"]) else old
    return {**keep, "attempts": new["attempts"], "attempt_log": log}


async def write_personas(batch: WriteBatch, runtime: Runtime[PersonaContext]) -> dict[str, Any]:
    """Write a batch of personas concurrently (the model policy caps calls in flight).

    Batches, not one task per persona, keep the graph's fan-out cheap for 1,000 personas;
    a finished batch is checkpointed, so a resumed run does not write it again. The first
    failure (a model outage, a spent budget) cancels the batch's other writes and ends the
    run with its typed error.
    """
    ctx = runtime.context or PersonaContext()
    if ctx.models is None:
        raise RuntimeError("persona generation needs a model policy in its context")
    tasks = [
        asyncio.create_task(write_persona(t, ctx, runtime.stream_writer)) for t in batch["tasks"]
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # Also when this node is cancelled (run cancelled, another batch failed): no write
        # may keep holding a model slot that other runs share.
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    if failures:
        raise failures[0]
    drafts: list[dict[str, Any]] = list(outcomes)  # type: ignore[arg-type]
    await _embed_new(drafts, ctx)
    return {"drafts": {str(d["index"]): d for d in drafts}}


async def _embed_new(drafts: list[dict[str, Any]], ctx: PersonaContext) -> None:
    """Embed the batch's new narratives in one call (an embedder is far faster on a batch)."""
    fresh = [d for d in drafts if d["valid"] and d["embedding"] is None]
    if ctx.embed is None or not fresh:
        return
    try:
        vectors = await ctx.embed([embedding_text(d["narrative"]) for d in fresh])
    except Exception as exc:  # noqa: BLE001 - the drafts stay; the report says they were not checked
        log.warning("persona embeddings failed: %s: %s", type(exc).__name__, exc)
        for draft in fresh:
            draft["embedding_error"] = getattr(exc, "code", type(exc).__name__)
        return
    for draft, vector in zip(fresh, vectors, strict=True):
        draft["embedding"] = [float(x) for x in vector]


async def write_persona(
    task: WriteTask, ctx: PersonaContext, emit: Callable[[Any], None]
) -> dict[str, Any]:
    """Ask the model for one persona's narrative, check it against the profile and score it.

    Invalid structured output (after the policy's repair round) makes an invalid draft that
    the review regenerates; any other model failure is raised.
    """
    ctx.size_run(task["total"])
    slot = task["slot"]
    profile = {**slot["demographics"], "top_values": slot["top_values"]}
    draft: dict[str, Any] = {
        "index": slot["index"],
        "attempts": task["attempt"],
        "valid": False,
        "narrative": None,
        "issues": [],
        "score": 0,
        "embedding": None,
        "duplicate_of": None,
    }
    try:
        answer = await ctx.models.ainvoke(ROLE, build_prompt(task), schema=PersonaNarrative)
    except StructuredOutputError as exc:
        draft["issues"] = [
            {"code": "structured_output_invalid", "penalty": 100, "message": exc.message[:300]}
        ]
    else:
        narrative = answer.model_dump()
        issues = [i.as_dict() for i in narrative_issues(narrative, profile)]
        draft.update(valid=True, narrative=narrative, issues=issues, score=score(issues))
    draft["attempt_log"] = [
        {
            "attempt": task["attempt"],
            "valid": draft["valid"],
            "score": draft["score"],
            "codes": [i["code"] for i in draft["issues"]],
        }
    ]
    draft = _better(draft, task["previous"])
    if task["attempt"] == 1:
        ctx.progress.written += 1
    else:
        ctx.progress.regenerated += 1
    emit(
        {
            "event": "persona_written",
            "index": slot["index"],
            "segment_id": slot["segment_id"],
            "attempt": task["attempt"],
            "score": draft["score"],
            "written": ctx.progress.written,
            "regenerated": ctx.progress.regenerated,
            "total": ctx.progress.total,
        }
    )
    return draft
