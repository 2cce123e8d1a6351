"""A tenant's meta-rules through their life: added (pending), checked by the co-pilot eval,
activated (stored in the knowledge base, so the co-pilot retrieves them) or kept for the
mentor, counted ExpeL-style, and taken out of the knowledge base when dropped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sight.errors import ConflictError, NotFoundError
from store.dojo_rules import DojoRuleRecord, DojoRuleRepository
from tools.knowledge.editor import Actor, KnowledgeEditor
from tools.knowledge.entries import KnowledgeEntry

# ``await gate(entry, active_entries)`` -> {passed, before, after, ...} (tools.ai_dojo.gate)
Gate = Callable[[dict[str, Any], list[dict[str, Any]]], Awaitable[dict[str, Any]]]
NO_EVAL = {"passed": False, "reason": "no_eval"}


class RuleBook:
    """The Dojo's meta-rules of every tenant."""

    def __init__(
        self, rules: DojoRuleRepository, editor: KnowledgeEditor, gate: Gate | None
    ) -> None:
        self.rules = rules
        self.editor = editor
        self.gate = gate

    async def add(
        self,
        entry: KnowledgeEntry,
        actor: Actor,
        *,
        source: Mapping[str, Any],
        evidence: Mapping[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        """Count a new rule (+2, pending), check it, and activate it only if the co-pilot's
        moves on the held-out cases do not get worse. Returns {status, figures, version}.

        An add that failed after counting (the knowledge base down while activating) is taken
        up where it stopped when the mentor approves again: not counted twice."""
        known = await self.rules.get(actor.tenant, entry.id)
        if known is not None and known.status == "pending_review" and known.figures is None:
            return await self._check_and_activate(entry, actor, source, now)
        change = await self.rules.apply(
            actor.tenant,
            entry.id,
            "add",
            now,
            evidence={**(evidence or {}), "entry": entry.model_dump(), "source": dict(source)},
        )
        await self._drop(change.dropped, actor, now)
        if entry.id in change.dropped:  # a full list of rules that count more keeps it out
            return {"status": "dropped", "figures": {"reason": "cap"}, "version": None}
        return await self._check_and_activate(entry, actor, source, now)

    async def revise(
        self, entry: KnowledgeEntry, actor: Actor, *, source: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        """A mentor's new wording of a live rule: counted as an edit (+1) and checked again. A
        pending rule may now be activated; an active one gets the new text as its next version
        if the check passes, else it is taken out of the knowledge base and waits for review.
        Returns {status, figures, version}."""
        rule = await self.rules.get(actor.tenant, entry.id)
        if rule is None or rule.status == "dropped":
            raise ConflictError(f"rule {entry.id!r} is not live")
        evidence = {**rule.evidence, "entry": entry.model_dump(), "source": dict(source)}
        change = await self.rules.apply(actor.tenant, entry.id, "edit", now, evidence=evidence)
        await self._drop(change.dropped, actor, now)
        if rule.status == "pending_review":
            return await self._check_and_activate(entry, actor, source, now)
        figures = await self._check(entry.model_dump(), actor.tenant, without=entry.id)
        if figures.get("passed"):
            _, event = await self.editor.update(entry, actor, source=source, now=now)
            await self.rules.set_status(actor.tenant, entry.id, "active", figures, now)
            return {"status": "active", "figures": figures, "version": event.version}
        await self._drop([entry.id], actor, now)
        await self.rules.set_status(actor.tenant, entry.id, "pending_review", figures, now)
        return {"status": "pending_review", "figures": figures, "version": None}

    async def decline(
        self,
        entry: KnowledgeEntry,
        actor: Actor,
        *,
        evidence: Mapping[str, Any] | None,
        now: datetime,
    ) -> None:
        """The mentor rejected a proposed rule: remember it (dropped) so it is not asked again."""
        record = {**(evidence or {}), "entry": entry.model_dump(), "declined_by": actor.name}
        known = await self.rules.get(actor.tenant, entry.id)
        if known is not None and known.status == "pending_review" and known.figures is None:
            # counted by an approval that failed before its check: the rejection drops it
            await self.rules.set_status(actor.tenant, entry.id, "dropped", {"declined": True}, now)
            return
        await self.rules.decline(actor.tenant, entry.id, record, now)

    async def decide(
        self, entry_id: str, decision: str, actor: Actor, now: datetime
    ) -> DojoRuleRecord:
        """The mentor's decision on a pending rule: ``activate`` it despite its figures, or
        ``reject`` it (dropped)."""
        rule = await self.rules.get(actor.tenant, entry_id)
        if rule is None:
            raise NotFoundError(f"the Dojo has no rule {entry_id!r}")
        if rule.status != "pending_review":
            raise ConflictError(
                f"rule {entry_id!r} is {rule.status}; only a pending_review rule is decided",
                details={"status": rule.status},
            )
        figures = {**(rule.figures or {}), "decided": decision, "decided_by": actor.name}
        if decision == "activate":
            entry = KnowledgeEntry.model_validate(rule.evidence["entry"])
            source = {**rule.evidence.get("source", {}), "via": "api", "decision": "activate"}
            await self._activate(entry, actor, source, now)
            return await self.rules.set_status(actor.tenant, entry_id, "active", figures, now)
        return await self.rules.set_status(actor.tenant, entry_id, "dropped", figures, now)

    async def count(self, tenant: str, entry_id: str, op: str, actor: Actor, now: datetime) -> None:
        """Count an op (agree, edit, remove) on a live meta-rule; anything else is not one."""
        rule = await self.rules.get(tenant, entry_id)
        if rule is None or rule.status == "dropped":
            return
        change = await self.rules.apply(tenant, entry_id, op, now)
        await self._drop(change.dropped, actor, now)

    async def _check_and_activate(
        self, entry: KnowledgeEntry, actor: Actor, source: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        figures = await self._check(entry.model_dump(), actor.tenant)
        if not figures.get("passed"):
            await self.rules.set_status(actor.tenant, entry.id, "pending_review", figures, now)
            return {"status": "pending_review", "figures": figures, "version": None}
        version = await self._activate(entry, actor, source, now)
        await self.rules.set_status(actor.tenant, entry.id, "active", figures, now)
        return {"status": "active", "figures": figures, "version": version}

    async def _check(
        self, entry: dict[str, Any], tenant: str, without: str | None = None
    ) -> dict[str, Any]:
        if self.gate is None:
            return dict(NO_EVAL)
        active = [
            r.evidence["entry"]
            for r in await self.rules.list(tenant, "active")
            if (r.evidence or {}).get("entry") and r.entry_id != without
        ]
        return await self.gate(entry, active)

    async def _activate(
        self, entry: KnowledgeEntry, actor: Actor, source: Mapping[str, Any], now: datetime
    ) -> int:
        _, event = await self.editor.add(entry, actor, force=True, source=source, now=now)
        return event.version

    async def _drop(self, entry_ids: list[str], actor: Actor, now: datetime) -> None:
        """Take dropped rules out of the knowledge base (their history stays)."""
        system = Actor(name=f"dojo ({actor.name})", tenant=actor.tenant, role="admin")
        for entry_id in entry_ids:
            try:
                await self.editor.delete(
                    entry_id, system, source={"via": "dojo", "reason": "rule_dropped"}, now=now
                )
            except NotFoundError:
                continue  # never activated: nothing in the knowledge base
