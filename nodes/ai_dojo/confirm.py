"""Ask the mentor to approve, edit or reject the proposal; then do what they decided."""

from __future__ import annotations

import logging
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
    REPLY_RULE_DROPPED,
    REPLY_RULE_PENDING,
    REPLY_RULE_PENDING_NO_EVAL,
    REPLY_STORED,
)
from sight.errors import InputValidationError, SightError
from tools.ai_dojo.proposals import Edit, Reject, edited_entry, hitl_request, parse_resume
from tools.knowledge.editor import Actor
from tools.knowledge.entries import KnowledgeEntry

log = logging.getLogger(__name__)


def confirm_proposal(state: DojoState) -> dict[str, Any]:
    """Stop until the mentor decides (a LangGraph interrupt in the human-in-the-loop format);
    nothing is stored before that. A decision that cannot be read is kept with its problems:
    apply_decision says what was wrong and asks again, so the thread never gets stuck."""
    proposal = {k: v for k, v in state["proposal"].items() if k not in ("resume", "problems")}
    description = proposal["description"]
    if proposal.get("retry"):
        description = f"{proposal['retry']} {description}"
    resume = interrupt(hitl_request(proposal["action"], proposal["args"], description))
    try:  # the API checked it already; a direct caller of the graph may not have
        return {"proposal": proposal | {"resume": parse_resume(resume).model_dump()}}
    except InputValidationError as exc:
        return {"proposal": proposal | {"resume": None, "problems": exc.problems}}


def ask_again(proposal: dict[str, Any], problems: list[dict[str, str]]) -> dict[str, Any]:
    """Keep the proposal open and say in Polish what was wrong with the decision."""
    named = "; ".join(f"{p['field'].rsplit('.', 1)[-1]}: {p['message']}" for p in problems)
    reply = REPLY_NOT_STORED_EDIT_INVALID.format(problems=named)
    retry = f"Poprzednia decyzja nie przeszła sprawdzenia ({named})."
    kept = {k: v for k, v in proposal.items() if k not in ("resume", "problems")}
    return {"proposal": kept | {"retry": retry}, "messages": [AIMessage(reply)]}


def args_id(proposal: dict[str, Any]) -> str:
    """The id the proposal is about."""
    return str(proposal["args"]["id"])


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


def _entry(
    args: dict[str, Any], ctx: DojoContext, base: dict[str, Any] | None = None
) -> KnowledgeEntry:
    """The entry to store: the proposal's fields; a new one is Polish and names the Dojo as its
    source, an updated one keeps its language, ``illustrative`` flag and source."""
    fields = {k: v for k, v in args.items() if v is not None}
    if base is not None:
        kept = {k: base[k] for k in ("language", "illustrative", "source") if k in base}
        return KnowledgeEntry.model_validate(fields | kept)
    source = f"AI Dojo: {ctx.actor}, {ctx.clock().date().isoformat()}"
    return KnowledgeEntry.model_validate(fields | {"language": "pl", "source": source})


# What the mentor reads when a decision could not be carried out (by the error's code).
_FAILED = {
    "conflict": "ten identyfikator jest już zajęty albo wpis zmienił się w międzyczasie",
    "not_found": "wpis, którego dotyczy propozycja, już nie istnieje",
    "forbidden": "twój klucz nie może zmienić tego wpisu",
}


async def apply_decision(state: DojoState, runtime: Runtime[DojoContext]) -> dict[str, Any]:
    """Approve stores the proposal, edit stores the mentor's version, reject stores nothing;
    reply in Polish saying which, with the entry's id and version. A decision that cannot be
    carried out (the id taken meanwhile, the entry gone) stores nothing and asks again."""
    ctx = runtime.context
    proposal = state["proposal"]
    if proposal.get("problems"):
        return ask_again(proposal, proposal["problems"])
    decision = parse_resume(proposal["resume"]).decisions[0]
    if isinstance(decision, Reject):
        return await _reject(ctx, proposal, decision)
    if isinstance(decision, Edit) and decision.edited_action.name != proposal["action"]:
        problem = {
            "field": "edited_action.name",
            "message": f"edytuj akcję {proposal['action']}, nie {decision.edited_action.name}",
        }
        return ask_again(proposal, [problem])
    try:
        return await _apply(ctx, proposal, decision)
    except SightError as exc:
        log.warning("dojo: the decision on %s failed (%s)", proposal["action"], exc.code)
        reason = _FAILED.get(exc.code, f"zapis się nie udał ({exc.code})")
        return ask_again(proposal, [{"field": "decyzja", "message": reason}])


async def _reject(ctx: DojoContext, proposal: dict[str, Any], decision: Reject) -> dict[str, Any]:
    """Store nothing; a declined pattern is remembered so the Dojo does not ask about it again."""
    args = proposal["args"]
    if proposal["action"] == "add_rule" and ctx.rulebook is not None:
        actor = Actor(name=ctx.actor, tenant=ctx.tenant, role="editor")
        book = await ctx.rulebook()
        await book.decline(
            _entry(args, ctx), actor, evidence=proposal.get("evidence"), now=ctx.clock()
        )
    reason = f" Twój powód: {decision.message}" if decision.message else ""
    reply = REPLY_REJECTED.format(title=args.get("title", "")) + reason
    return _done(proposal, "reject", None, reply)


async def _apply(ctx: DojoContext, proposal: dict[str, Any], decision: Any) -> dict[str, Any]:
    action, args = proposal["action"], dict(proposal["args"])
    edited = isinstance(decision, Edit)
    if edited:
        try:
            draft_id = (proposal.get("draft") or {}).get("id")
            alternatives = (draft_id,) if draft_id else ()
            args = edited_entry(decision.edited_action.args, args, alternatives).model_dump(
                include={"id", "kind", "title", "text", "tags", "archetype", "module"}
            )
        except InputValidationError as exc:
            return ask_again(proposal, exc.problems)
    if ctx.editor is None:
        return _done(proposal, "not_stored", None, "Nie mam gdzie zapisać wpisu (brak bazy).")
    editor = await ctx.editor()
    actor = Actor(name=ctx.actor, tenant=ctx.tenant, role="editor")
    source = _source(ctx, proposal)
    now = ctx.clock()
    draft_id = (proposal.get("draft") or {}).get("id")
    if edited and action == "confirm_knowledge" and args["id"] == draft_id != args_id(proposal):
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
        current = await editor.kb.get(entry.id, tenant=ctx.tenant)
        entry = _entry(args, ctx, base=current)  # its language, figures' flag and source kept
        rule = await ctx.learning.rules.get(ctx.tenant, entry.id) if ctx.learning else None
        if rule is not None and rule.status != "dropped" and ctx.rulebook is not None:
            book = await ctx.rulebook()  # a live meta-rule's new wording is checked again
            life = await book.revise(entry, actor, source=source, now=now)
            return _done(proposal, verdict, None, rule_reply(entry, life), rule=life)
        stored, event = await editor.update(entry, actor, source=source, now=now)
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
    figures, named = life["figures"], {"title": entry.title, "id": entry.id}
    if life["status"] == "dropped":
        return REPLY_RULE_DROPPED.format(**named)
    if figures.get("reason") == "no_eval":
        return REPLY_RULE_PENDING_NO_EVAL.format(**named)
    template = REPLY_RULE_ACTIVE if life["status"] == "active" else REPLY_RULE_PENDING
    return template.format(
        **named, before=figures["before"], after=figures["after"], cases=figures["cases"]
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
