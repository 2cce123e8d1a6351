"""Correct: find the entry the mentor corrects and propose its new version."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from nodes.ai_dojo.route import last_human, text_of
from nodes.ai_dojo.state import DojoContext, DojoState
from nodes.ai_dojo.teach import draft_entry
from prompts.ai_dojo import CORRECT_SYSTEM, CORRECT_USER, REPLY_NOTHING_TO_LEARN
from sight.errors import InputValidationError, SightError
from store.knowledge import SHARED
from tools.ai_dojo.drafter import correction_text, invented_numbers
from tools.ai_dojo.proposals import entry_args
from tools.ai_dojo.schemas import DRAFT_KINDS, DraftEntry, entry_id

log = logging.getLogger(__name__)
# docs/knowledge.md: the rerank score above which no unanswerable dev query had a hit; a weaker
# best hit is not taken as the entry the mentor corrects.
MIN_TARGET_SCORE = 2.14


async def _target(ctx: DojoContext, text: str) -> dict[str, Any] | None:
    if ctx.knowledge is None:
        return None
    kb = await ctx.knowledge()
    found = await kb.search(text, limit=1, tenant=ctx.tenant, min_score=MIN_TARGET_SCORE)
    return found.hits[0].entry if found.hits else None


async def _corrected(ctx: DojoContext, target: dict[str, Any], text: str):
    """The entry after the correction: rewritten by a Polish-writing model (which may not add
    a number that neither the entry nor the correction states), else the old text with the
    mentor's correction appended. Returns (title, text, method, degraded)."""
    appended = correction_text(target["text"], text, ctx.clock().date().isoformat())
    if not (ctx.writer_model and ctx.models is not None):
        return target["title"], appended, "rules", []
    try:
        draft = await ctx.models.ainvoke(
            "deep",
            [
                SystemMessage(CORRECT_SYSTEM),
                HumanMessage(
                    CORRECT_USER.format(title=target["title"], text=target["text"], message=text)
                ),
            ],
            schema=DraftEntry,
            config={"tags": ["nostream"]},
        )
        invented = invented_numbers(f"{draft.title} {draft.text}", f"{target['text']} {text}")
        if not invented:
            return draft.title, draft.text, "model", []
        reason = "invented_numbers"
    except SightError as exc:
        reason = exc.code
    log.warning("dojo correction: the model's rewrite was not used (%s)", reason)
    return (
        target["title"],
        appended,
        "rules",
        [{"part": "correction", "reason": reason, "used": "the correction appended"}],
    )


async def draft_correction(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Propose the corrected version of the entry the message is about: its new version when
    it is the tenant's own, a tenant entry that corrects it when it is shared; a message that
    matches no entry is drafted as a new one."""
    ctx = runtime.context
    message = last_human(state)
    text = text_of(message)
    target = await _target(ctx, text)
    if target is None:
        return await draft_entry(state, runtime)
    try:
        title, new_text, method, degraded = await _corrected(ctx, target, text)
    except InputValidationError:  # only a lead-in and nothing after it
        return {"proposal": None, "messages": [AIMessage(REPLY_NOTHING_TO_LEARN)]}
    args = entry_args(target) | {"title": title, "text": new_text}
    common = {"message_id": message.id if message else None, "draft_method": method, "notes": []}
    if target.get("owner", SHARED) == ctx.tenant:
        description = (
            f"Poprawię wpis „{target['title']}” ({target['id']}): zapiszę jego nową wersję; "
            "poprzednia zostaje w historii i można ją przywrócić. Zatwierdź, edytuj albo odrzuć."
        )
        return {
            "proposal": common
            | {
                "action": "update_knowledge",
                "args": args,
                "description": description,
                "corrects": target["id"],
            },
            "messages": [AIMessage(description)],
            "degraded": degraded,
        }
    kind = args["kind"] if args["kind"] in DRAFT_KINDS else "note"  # a segment's correction
    draft = DraftEntry.model_construct(kind=kind, title=f"Korekta: {title}"[:120], text=new_text)
    args = args | {"kind": kind, "title": draft.title}
    args["id"] = entry_id(draft, ctx.tenant, ctx.clock())
    description = (
        f"Wpis „{target['title']}” ({target['id']}) należy do wspólnej bazy, więc go nie zmienię; "
        "zapiszę w bazie twojego zespołu wpis z korektą, który co-pilot twojego zespołu zobaczy "
        "obok niego. Zatwierdź, edytuj albo odrzuć."
    )
    return {
        "proposal": common
        | {
            "action": "add_knowledge",
            "args": args,
            "description": description,
            "corrects": target["id"],
        },
        "messages": [AIMessage(description)],
        "degraded": degraded,
    }
