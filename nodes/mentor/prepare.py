"""Prepare a turn: the question once, the results it is about fitted to the prompt's limit,
and the conversation's earlier part summarised when it grew long."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.runtime import Runtime
from sqlalchemy.exc import SQLAlchemyError

from nodes.mentor.state import MentorContext, MentorState
from prompts.mentor import FACTS_INTRO, NOT_FOUND, SUMMARIZE
from sight.errors import SightError
from tools.mentor.budget import fit
from tools.mentor.choice import choose
from tools.mentor.conversation import (
    over_limit,
    plain_summary,
    resent_question,
    text_of,
    transcript,
    window,
)
from tools.mentor.errors import CATALOGUE, MentorFailure
from tools.mentor.facts_answer import facts_answer
from tools.mentor.mentions import read_mentions
from tools.mentor.refs import ResultRef
from tools.mentor.request import KIND_OF

log = logging.getLogger(__name__)


def refs_in(mapping: Any) -> list[ResultRef]:
    """The results a context mapping names ({persona_ids: [...], ...}; also under "mentor")."""
    if not isinstance(mapping, dict):
        return []
    if isinstance(mapping.get("mentor"), dict):
        mapping = {**mapping, **mapping["mentor"]}
    refs = []
    for key, kind in KIND_OF.items():
        values = mapping.get(key)
        if isinstance(values, str):
            values = [values]
        if isinstance(values, list):
            refs += [ResultRef(kind, str(v)) for v in values if isinstance(v, str) and v]
    return refs


def as_refs(items: Any) -> list[ResultRef]:
    return [ResultRef(item["kind"], item["id"]) for item in items or []]


def as_dicts(refs: list[ResultRef]) -> list[dict[str, str]]:
    return [{"kind": ref.kind, "id": ref.id} for ref in refs]


async def _summary(
    state: MentorState, older: list[BaseMessage], ctx: MentorContext
) -> dict[str, Any]:
    """A new summary when the conversation before the window grew past the limit."""
    covered = state.get("summarized", 0)
    earlier = state.get("summary", "")
    if covered > len(older):  # messages were removed (a state update): summarise afresh
        covered, earlier = 0, ""
        if not over_limit(older, ctx.summary_tokens, ctx.count):
            return {"summary": "", "summarized": 0}
    if not over_limit(older[covered:], ctx.summary_tokens, ctx.count):
        return {}
    text = plain_summary(older)
    if ctx.use_model and ctx.models is not None:
        conversation = (earlier + "\n" if earlier else "") + transcript(older[covered:])
        try:
            answer = await ctx.models.ainvoke(
                "fast",
                [HumanMessage(SUMMARIZE.format(conversation=conversation))],
                config={"tags": ["nostream"]},
                max_output_tokens=ctx.max_output_tokens,
            )
            text = answer.text.strip() or text
        except SightError as exc:  # the earlier summary and the new questions carry on
            log.warning("mentor: summary by the model failed (%s); questions kept", exc.code)
            text = f"{earlier}\n{plain_summary(older[covered:])}".strip()
    return {"summary": text, "summarized": len(older)}


async def _gather(
    ctx: MentorContext, question: str, pinned: list[ResultRef], state: MentorState
) -> tuple[list[Any], list[str]]:
    """The question's results, and the ids it named that the tenant has not."""
    choice = await choose(
        ctx.reader,
        question,
        read_mentions(question),
        pinned,
        as_refs(state.get("refs")),
        ResultRef,
    )
    blocks, missing = await ctx.reader.load(choice.refs)
    return blocks, choice.unknown_ids + [ref.id for ref in missing]


async def prepare_turn(state: MentorState, runtime: Runtime[MentorContext]) -> dict[str, Any]:
    """Gather this question's results (tenant-scoped) and prepare the prompt's parts."""
    ctx = runtime.context
    messages = list(state.get("messages", []))
    removed = resent_question(messages)
    if removed:
        messages = [m for m in messages if m.id != removed[0].id]
    question = text_of(messages[-1])
    blocks: list[Any] = []
    unknown: list[str] = []
    try:
        # The thread's results as it names them now (metadata, the latest input's context).
        metadata = await ctx.thread_metadata() if ctx.thread_metadata else {}
        pinned = list(dict.fromkeys(refs_in(metadata) + refs_in(state.get("context"))))
        if ctx.reader is not None:
            blocks, unknown = await _gather(ctx, question, pinned, state)
    except (SightError, SQLAlchemyError, OSError) as exc:
        log.warning("mentor run %s: reading results failed", ctx.run_id, exc_info=exc)
        raise MentorFailure(CATALOGUE["results_unavailable"]) from exc
    selection = fit(blocks, question, ctx.context_tokens, ctx.count)
    shown = {ref for ref in selection.refs}
    blocks = [block for block in blocks if block.ref in shown]
    turn = {
        "results": selection.text,
        "facts": selection.facts,
        "left_out": selection.left_out,
        "note": NOT_FOUND.format(ids=", ".join(unknown)) if unknown else "",
        "facts_body": facts_answer(blocks, selection.facts_by_block, question, intro=FACTS_INTRO),
        "titles": [block.title for block in blocks],
    }
    win = window(messages, ctx.history_turns)
    update: dict[str, Any] = {
        "refs": as_dicts(selection.refs),
        "turn": turn,
        **await _summary(state, win.older, ctx),
    }
    if removed:
        update["messages"] = removed
    return update
