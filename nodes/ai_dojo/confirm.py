"""Ask the mentor to approve, edit or reject the proposal; then do what they decided."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from nodes.ai_dojo.state import DojoContext, DojoState
from prompts.ai_dojo import (
    REPLY_DUPLICATE_CONFIRMED,
    REPLY_NOT_STORED_EDIT_INVALID,
    REPLY_PENDING_AGREED,
    REPLY_REJECTED,
    REPLY_RULE_ACTIVE,
    REPLY_RULE_PENDING,
    REPLY_RULE_PENDING_NO_EVAL,
    REPLY_STORED,
)
from sight.errors import InputValidationError
from tools.ai_dojo.proposals import Edit, Reject, check_resume, edited_entry, hitl_request
from tools.knowledge.editor import Actor
from tools.knowledge.entries import KnowledgeEntry


def confirm_proposal(state: DojoState) -> dict[str, Any]:
    """Stop until the mentor decides (a LangGraph interrupt in the human-in-the-loop format);
    nothing is stored before that."""
    proposal = state["proposal"]
    resume = interrupt(hitl_request(proposal["action"], proposal["args"], proposal["description"]))
    checked = check_resume(resume)  # the API checked it too; a direct caller may not have
    return {"proposal": proposal | {"resume": checked.model_dump()}}


def _source(ctx: DojoContext, proposal: dict[str, Any]) -> dict[str, Any]:
    """Where a change comes from: the Dojo thread, run and message, the sessions a mined
    pattern cites, the entry a correction corrects."""
    evidence = proposal.get("evidence") or {}
    return {
        "via": "dojo",
        "thread_id": ctx.thread_id,
        "run_id": ctx.run_id,
        "message_ids": [m for m in [proposal.get("message_id")] if m],
        **({"session_ids": evidence["sessions"]} if evidence.get("sessions") else {}),
        **({"corrects": proposal["corrects"]} if proposal.get("corrects") else {}),
    }


def _entry(args: dict[str, Any], ctx: DojoContext) -> KnowledgeEntry:
    fields = {k: v for k, v in args.items() if v is not None}
    source = f"AI Dojo: {ctx.actor}, {ctx.clock().date().isoformat()}"
    return KnowledgeEntry.model_validate(fields | {"language": "pl", "source": source})


async def apply_decision(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Approve stores the proposal, edit stores the mentor's version, reject stores nothing;
    reply in Polish saying which, with the entry's id and version."""
    ctx = runtime.context
    proposal = state["proposal"]
    decision = check_resume(proposal["resume"]).decisions[0]
    action, args = proposal["action"], dict(proposal["args"])
    if isinstance(decision, Reject):
        reason = f" Twój powód: {decision.message}" if decision.message else ""
        reply = REPLY_REJECTED.format(title=args.get("title", "")) + reason
        return _done(proposal, "reject", None, reply)
    edited = isinstance(decision, Edit)
    if edited:
        try:
            draft_id = (proposal.get("draft") or {}).get("id")
            alternatives = (draft_id,) if draft_id else ()
            args = edited_entry(decision.edited_action.args, args, alternatives).model_dump(
                include={"id", "kind", "title", "text", "tags", "archetype", "module"}
            )
        except InputValidationError as exc:
            problems = "; ".join(
                f"{p['field'].rsplit('.', 1)[-1]}: {p['message']}" for p in exc.problems
            )
            reply = REPLY_NOT_STORED_EDIT_INVALID.format(problems=problems)
            return _done(proposal, "invalid_edit", None, reply)
    if ctx.editor is None:
        return _done(proposal, "not_stored", None, "Nie mam gdzie zapisać wpisu (brak bazy).")
    editor = await ctx.editor()
    actor = Actor(name=ctx.actor, tenant=ctx.tenant, role="editor")
    source = _source(ctx, proposal)
    now = ctx.clock()
    if action == "confirm_knowledge" and args["id"] == (proposal.get("draft") or {}).get("id"):
        action = "add_knowledge"  # the mentor says it is new after all: stored as the draft
    pending = (proposal.get("duplicate_of") or {}).get("status") == "pending_review"
    if action == "confirm_knowledge" and pending:
        return await _pending_rule(ctx, proposal, args, edited, actor, source)
    if action == "confirm_knowledge" and not edited:
        stored, event = await editor.confirm(args["id"], actor, source=source, now=now)
        await _count(ctx, stored["id"], "agree", actor)
        reply = REPLY_DUPLICATE_CONFIRMED.format(
            title=stored["title"], id=stored["id"], version=event.version
        )
        return _done(proposal, "approve", event, reply)
    if action == "confirm_knowledge" and proposal["duplicate_of"].get("owner") != ctx.tenant:
        # an edit of a shared entry: the team's own entry beside it, under the draft's new id
        action, args = "add_knowledge", args | {"id": proposal["draft"]["id"]}
        source["corrects"] = proposal["duplicate_of"]["id"]
    entry = _entry(args, ctx)
    verdict = "edit" if edited else "approve"
    if action == "add_rule" or action == "add_knowledge" and entry.kind == "rule":
        if ctx.rulebook is None:
            return _done(proposal, "not_stored", None, "Nie mogę sprawdzić ani zapisać reguły.")
        rulebook = await ctx.rulebook()
        life = await rulebook.add(
            entry, actor, source=source, evidence=proposal.get("evidence"), now=now
        )
        return _done(proposal, verdict, None, rule_reply(entry, life), rule=life)
    if action == "add_knowledge":
        stored, event = await editor.add(entry, actor, force=True, source=source, now=now)
    else:  # update_knowledge, or an edited confirm_knowledge: the entry's new version
        stored, event = await editor.update(entry, actor, source=source, now=now)
        await _count(ctx, stored["id"], "edit", actor)
    reply = REPLY_STORED.format(title=stored["title"], id=stored["id"], version=event.version)
    return _done(proposal, verdict, event, reply)


async def _pending_rule(ctx, proposal, args, edited, actor, source) -> dict[str, Any]:
    """The mentor taught a rule that waits for review: approve agrees with it (+1), an edit
    rewords it (+1) and checks it again."""
    book = await ctx.rulebook()
    if not edited:
        await book.count(ctx.tenant, args["id"], "agree", actor, ctx.clock())
        reply = REPLY_PENDING_AGREED.format(title=args["title"], id=args["id"])
        return _done(proposal, "approve", None, reply)
    life = await book.revise(_entry(args, ctx), actor, source=source, now=ctx.clock())
    return _done(proposal, "edit", None, rule_reply(_entry(args, ctx), life), rule=life)


async def _count(ctx: DojoContext, entry_id: str, op: str, actor: Actor) -> None:
    """An agree or edit on one of the team's meta-rules moves its counter."""
    if ctx.rulebook is not None:
        await (await ctx.rulebook()).count(ctx.tenant, entry_id, op, actor, ctx.clock())


def rule_reply(entry: KnowledgeEntry, life: dict[str, Any]) -> str:
    """Tell the mentor whether the rule is active or waits, with the check's figures."""
    figures = life["figures"]
    if life["status"] == "active":
        return REPLY_RULE_ACTIVE.format(
            title=entry.title,
            id=entry.id,
            before=figures["before"],
            after=figures["after"],
            cases=figures["cases"],
        )
    if figures.get("reason") == "no_eval":
        return REPLY_RULE_PENDING_NO_EVAL.format(title=entry.title, id=entry.id)
    return REPLY_RULE_PENDING.format(
        title=entry.title,
        id=entry.id,
        before=figures["before"],
        after=figures["after"],
        cases=figures["cases"],
    )


def _done(
    proposal: dict[str, Any], decision: str, event: Any, reply: str, rule: Any = None
) -> dict[str, Any]:
    outcome = {
        "decision": decision,
        "action": proposal["action"],
        "id": proposal["args"].get("id") if event is None else event.entry_id,
        "version": None if event is None else event.version,
        "stored": event is not None
        and event.action != "confirm"
        or bool(rule and rule["status"] == "active"),
    }
    if rule is not None:
        outcome["rule"] = rule
    return {"proposal": None, "outcome": outcome, "messages": [AIMessage(reply)]}
