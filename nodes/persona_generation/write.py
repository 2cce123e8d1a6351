"""Write one persona's narrative (the ``fast`` model or the template writer), check, score it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, StringConstraints

from nodes.persona_generation.state import PersonaContext, WriteBatch, WriteTask
from prompts import persona_generation as prompts
from sight.errors import ModelError, StructuredOutputError
from tools.persona.issues import Issue, issue
from tools.persona.narrative import narrative_issues, value_phrases
from tools.persona.scoring import score
from tools.persona.story import place_phrases, profile_phrases, write_narrative, years_word
from tools.persona.vectors import embedding_text
from tools.polish_text import fold
from tools.tasks import all_or_cancel

log = logging.getLogger(__name__)
ROLE = "fast"


# Every string is bounded: a grammar-constrained small model otherwise fills one item until
# the context runs out.
Item = Annotated[str, StringConstraints(min_length=2, max_length=60)]


class PersonaStory(BaseModel):
    """What the model writes about a sampled person (names and occupation come from tables)."""

    background_story: str = Field(
        min_length=80, max_length=600, description="3-4 zdania po polsku, w trzeciej osobie."
    )
    values: list[Item] = Field(min_length=3, max_length=5, description="3-5 wartości.")
    interests: list[Item] = Field(min_length=3, max_length=6, description="3-6 zainteresowań.")


class PersonaStoryWithOccupation(PersonaStory):
    """A capable model may also pick the occupation, from the table's options only."""

    occupation: str = Field(min_length=2, max_length=80, description="Zawód z podanej listy.")


def build_prompt(task: WriteTask, refine_occupation: bool = False) -> list[tuple[str, str]]:
    """The chat messages for one persona (the schema instruction is added by the policy)."""
    slot, demo, who = task["slot"], task["slot"]["demographics"], task["slot"]["identity"]
    feedback = ""
    if task["feedback"]:
        problems = "\n".join(f"- {p}" for p in task["feedback"])
        feedback = prompts.FEEDBACK.format(problems=problems)
    choice = ""
    if refine_occupation and len(who["occupation_options"]) > 1:
        choice = prompts.OCCUPATION_CHOICE.format(options=", ".join(who["occupation_options"]))
    system = prompts.SYSTEM.format(segment_name=slot["segment_name"], context=task["context"])
    words = profile_phrases(slot)
    user = prompts.PERSONA.format(
        first_name=who["first_name"],
        last_name=who["last_name"],
        gender=demo["gender"],
        age=demo["age"],
        years=years_word(demo["age"]),
        birth_year=demo["birth_year"],
        education=demo["education"],
        occupation=who["occupation"],
        income_bracket=demo["income_bracket"],
        location=demo["location"],
        location_phrase=place_phrases(demo["location"])["loc"],
        personality=words["personality"],
        top_values=", ".join(value_phrases(slot["top_values"])),
        values_in_life=words["values"],
        decisions=words["decisions"],
        interests=", ".join(slot["interest_hints"]),
        occupation_choice=choice,
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
    # A failed call sends the slot to the template writer whichever attempt is kept.
    flag = {"template_next": True} if new.get("template_next") else {}
    return {**keep, "attempts": new["attempts"], "attempt_log": log, **flag}


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
    # Also when this node is cancelled (run cancelled, another batch failed), every write is
    # cancelled: none may keep holding a model slot that other runs share.
    drafts: list[dict[str, Any]] = await all_or_cancel(
        [write_persona(t, ctx, runtime.stream_writer) for t in batch["tasks"]]
    )
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


def _log_entry(draft: dict[str, Any], attempt: int) -> dict[str, Any]:
    return {
        "attempt": attempt,
        "writer": draft["writer"],
        "valid": draft["valid"],
        "score": draft["score"],
        "codes": [i["code"] for i in draft["issues"]],
    }


def _profile(slot: dict[str, Any]) -> dict[str, Any]:
    return {**slot["demographics"], "top_values": slot["top_values"]}


def _new_draft(task: WriteTask, writer: str) -> dict[str, Any]:
    return {
        "index": task["slot"]["index"],
        "attempts": task["attempt"],
        "writer": writer,
        "writer_reasons": [],
        "valid": False,
        "narrative": None,
        "issues": [],
        "score": 0,
        "embedding": None,
        "duplicate_of": None,
    }


def template_draft(task: WriteTask, reasons: list[dict[str, Any]]) -> dict[str, Any]:
    """The template writer's narrative for the slot, checked like a model's, with the reasons
    the model's text was not used."""
    slot = task["slot"]
    narrative = write_narrative(slot, slot["identity"], slot["text_seed"])
    issues = [i.as_dict() for i in narrative_issues(narrative, _profile(slot))]
    draft = _new_draft(task, "template")
    draft.update(
        valid=True, narrative=narrative, issues=issues, score=score(issues), writer_reasons=reasons
    )
    previous = task["previous"]["attempt_log"] if task["previous"] else []
    draft["attempt_log"] = [*previous, _log_entry(draft, task["attempt"])]
    return draft


def fallback_reasons(draft: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Why a slot's model text was not kept: its failed checks, or its duplicate verdict."""
    if draft is None:
        return []
    reasons = [
        {"code": i["code"], "message": i["message"]} for i in draft["issues"] if i["penalty"] > 0
    ]
    if draft.get("duplicate_of"):
        of = draft["duplicate_of"]
        reasons.append(
            {
                "code": "near_duplicate",
                "message": f"nearly repeats persona {of['index']} (cosine {of['cosine']}).",
            }
        )
    return reasons


def _accept_occupation(answer: Any, options: list[str], narrative: dict[str, Any]) -> list[Issue]:
    """Take a model's occupation only when it is one of the table's options."""
    chosen = getattr(answer, "occupation", None)
    if not chosen:
        return []
    match = next((o for o in options if fold(o.lower()) == fold(chosen.strip().lower())), None)
    if match is None:
        return [issue("occupation_not_offered", f"'{chosen[:60]}' is not one of {options}.")]
    narrative["occupation"] = match
    return []


async def _model_draft(task: WriteTask, ctx: PersonaContext) -> dict[str, Any]:
    """Ask the model for the slot's story and check it; a failed call makes an invalid draft."""
    slot, who = task["slot"], task["slot"]["identity"]
    messages = build_prompt(task, ctx.refine_occupation)
    schema = PersonaStoryWithOccupation if ctx.refine_occupation else PersonaStory
    draft = _new_draft(task, "model")
    try:
        answer = await ctx.models.ainvoke(ROLE, messages, schema=schema)
    except StructuredOutputError as exc:
        draft["issues"] = [issue("structured_output_invalid", exc.message[:300]).as_dict()]
        return draft
    except ModelError as exc:
        # The policy retried and fell back already: this slot goes to the template writer.
        log.warning("persona %s: model call failed (%s)", slot["index"], exc.code)
        message = f"the model call failed ({exc.code})."
        draft.update(issues=[issue("model_error", message).as_dict()], template_next=True)
        return draft
    narrative = {
        "first_name": who["first_name"],
        "last_name": who["last_name"],
        "occupation": who["occupation"],
        **answer.model_dump(exclude={"occupation"}),
    }
    found = _accept_occupation(answer, who["occupation_options"], narrative)
    found += narrative_issues(narrative, _profile(slot), prompts.INSTRUCTIONS, messages[-1][1])
    issues = [i.as_dict() for i in found]
    draft.update(valid=True, narrative=narrative, issues=issues, score=score(issues))
    return draft


async def write_persona(
    task: WriteTask, ctx: PersonaContext, emit: Callable[[Any], None]
) -> dict[str, Any]:
    """Write one persona's narrative: the model's when it passes the checks, else the template's.

    With the template writer chosen for the run (a model that cannot write Polish), or when
    the review sends a slot back for its floor, no model is called.
    """
    ctx.size_run(task["total"])
    slot = task["slot"]
    if ctx.writer == "template":
        reason = {"code": "model_not_used", "message": ctx.writer_note or "template writer"}
        draft = template_draft(task, [reason])
    elif task.get("template_only"):
        draft = template_draft(task, fallback_reasons(task["previous"]))
    else:
        draft = await _model_draft(task, ctx)
        draft["attempt_log"] = [_log_entry(draft, task["attempt"])]
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
            "writer": draft["writer"],
            "score": draft["score"],
            "written": ctx.progress.written,
            "regenerated": ctx.progress.regenerated,
            "total": ctx.progress.total,
        }
    )
    return draft
