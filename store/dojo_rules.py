"""Dojo rule repository: ExpeL-style counters on a tenant's meta-rules, and their status.

A meta-rule is a knowledge entry of kind rule; this table keeps what the Dojo knows about it:
an importance count that the Dojo's ops move (add +2, agree +1, edit +1, remove -1), the
evidence behind it, its eval figures and its status. A new rule waits in ``pending_review``
until its eval lets it be activated; one whose count reaches 0, or that falls off the tenant's
capped list (ordered by count, ties kept by age, older first), is ``dropped``.

The counter rules are small pure functions here because the repository applies them and the
store imports nothing above it; ``tools.ai_dojo.counters`` re-exports them for the Dojo. Ops on
one tenant's rules queue on a lock (PostgreSQL: a transaction advisory lock on the tenant;
SQLite: the database's write lock), so neither a count nor the cap is computed from a stale read.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sight.errors import ConflictError, InputValidationError, NotFoundError
from store import xact_lock
from store.models import DojoRule, as_utc

OPS = {"add": 2, "agree": 1, "edit": 1, "remove": -1}
STATUSES = ("active", "pending_review", "dropped")
# Statuses of the rules on the capped list.
LIVE = ("active", "pending_review")
DEFAULT_CAP = 30
# First half of the two-key advisory lock ("Dojo" in ASCII).
_LOCK_CLASS = 0x446F6A6F


def apply_op(count: int, op: str) -> int:
    """Return the count after `op` (a new rule counts from 0, so an add makes it 2).

    The result may reach 0 or below: the rule is then dropped (see `is_dropped`)."""
    _check_op(op)
    return count + OPS[op]


def _check_op(op: str) -> None:
    if op not in OPS:
        raise InputValidationError([{"field": "op", "message": f"must be one of {', '.join(OPS)}"}])


def is_dropped(count: int) -> bool:
    """Whether a rule with this count is dropped (0 or below)."""
    return count <= 0


def capped(
    rules: list[tuple[str, int]], cap: int = DEFAULT_CAP
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Split (entry_id, count) rules, given oldest first, into the kept and the dropped.

    Kept: at most `cap` rules with a count above 0, by count descending, an older rule before a
    newer one of equal count. Dropped: the rest of those (in the same order), then the rules
    whose count is 0 or below (in the given order)."""
    if cap < 0:
        raise ValueError(f"cap must be 0 or more, not {cap}")
    # sorted() is stable: among equal counts the given (age) order stays.
    ranked = sorted((rule for rule in rules if not is_dropped(rule[1])), key=lambda r: -r[1])
    spent = [rule for rule in rules if is_dropped(rule[1])]
    return ranked[:cap], ranked[cap:] + spent


@dataclass(frozen=True)
class DojoRuleRecord:
    """The Dojo's counter, status, evidence and eval figures on one meta-rule of a tenant."""

    tenant: str
    entry_id: str
    count: int
    status: str
    evidence: dict[str, Any]
    figures: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RuleChange:
    """What an op did: the rule as it is now, and every rule it dropped (itself included when
    its count reached 0), in the order they fell."""

    rule: DojoRuleRecord
    dropped: list[str]


def record_of(row: DojoRule) -> DojoRuleRecord:
    return DojoRuleRecord(
        tenant=row.tenant,
        entry_id=row.entry_id,
        count=row.count,
        status=row.status,
        evidence=dict(row.evidence),
        figures=None if row.figures is None else dict(row.figures),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def _owned(tenant: str, entry_id: str) -> list[ColumnElement[bool]]:
    return [DojoRule.tenant == tenant, DojoRule.entry_id == entry_id]


async def _lock_tenant(db: AsyncSession, tenant: str) -> None:
    """Hold the tenant's rule lock until the transaction ends."""
    await xact_lock.hold(db, _LOCK_CLASS, tenant, DojoRule)


def _counted(row: DojoRule | None, tenant: str, entry_id: str, op: str, now: datetime) -> DojoRule:
    """The rule after `op`: new or revived by an add, or counted; refuses what cannot apply."""
    _check_op(op)
    if row is not None and row.status != "dropped":
        if op == "add":
            raise ConflictError(
                f"rule {entry_id} exists already: agree with it or edit it",
                details={"entry_id": entry_id, "status": row.status},
            )
        row.count = apply_op(row.count, op)
        if is_dropped(row.count):
            row.status = "dropped"
        return row
    if op != "add":
        if row is None:
            raise NotFoundError(f"rule {entry_id} not found")
        raise ConflictError(
            f"rule {entry_id} is dropped: add it again", details={"entry_id": entry_id}
        )
    # A dropped rule added again starts over, as new (and as the newest, for ties).
    fresh = row if row is not None else DojoRule(tenant=tenant, entry_id=entry_id, evidence={})
    fresh.count = apply_op(0, "add")
    fresh.status = "pending_review"
    fresh.figures = None
    fresh.created_at = now
    return fresh


class DojoRuleRepository:
    """Owns every query on dojo_rules."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, tenant: str, entry_id: str) -> DojoRuleRecord | None:
        """The tenant's rule, or None."""
        async with self._sessions() as db:
            row = await db.scalar(select(DojoRule).where(*_owned(tenant, entry_id)))
        return None if row is None else record_of(row)

    async def apply(
        self,
        tenant: str,
        entry_id: str,
        op: str,
        now: datetime,
        evidence: dict[str, Any] | None = None,
        cap: int = DEFAULT_CAP,
    ) -> RuleChange:
        """Apply an ExpeL op (add, agree, edit, remove) to the tenant's rule, then the cap.

        add makes a new rule (``pending_review``, count 2) or starts a dropped one over; the
        other ops count on a live rule. ``evidence``, when given, replaces the stored one.
        Then the tenant's live rules beyond `cap` are dropped (this one too, when it ranks
        below the cap). Refused: an add of a live rule or another op on a dropped one
        (ConflictError), an op other than add on an unknown rule (NotFoundError)."""
        now = as_utc(now)
        async with self._sessions() as db, db.begin():
            await _lock_tenant(db, tenant)
            found = await db.scalar(select(DojoRule).where(*_owned(tenant, entry_id)))
            row = _counted(found, tenant, entry_id, op, now)
            if found is None:
                db.add(row)
            if evidence is not None:
                row.evidence = evidence
            row.updated_at = now
            await db.flush()
            dropped = [entry_id] if row.status == "dropped" else []
            live = await db.execute(
                select(DojoRule.entry_id, DojoRule.count)
                .where(DojoRule.tenant == tenant, DojoRule.status.in_(LIVE))
                .order_by(DojoRule.created_at, DojoRule.entry_id)
            )
            _, off = capped([(rule_id, count) for rule_id, count in live], cap)
            if off:
                dropped += [rule_id for rule_id, _ in off]
                await db.execute(
                    update(DojoRule)
                    .where(DojoRule.tenant == tenant, DojoRule.entry_id.in_(dropped))
                    .values(status="dropped", updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                await db.refresh(row)
            return RuleChange(record_of(row), dropped)

    async def decline(
        self, tenant: str, entry_id: str, evidence: dict[str, Any], now: datetime
    ) -> DojoRuleRecord:
        """Remember a rule the mentor declined before it was ever added (``dropped``, count 0),
        so it is not proposed again; a known rule is left as it is."""
        now = as_utc(now)
        async with self._sessions() as db, db.begin():
            await _lock_tenant(db, tenant)
            row = await db.scalar(select(DojoRule).where(*_owned(tenant, entry_id)))
            if row is None:
                row = DojoRule(
                    tenant=tenant,
                    entry_id=entry_id,
                    count=0,
                    status="dropped",
                    evidence=evidence,
                    figures={"declined": True},
                    created_at=now,
                    updated_at=now,
                )
                db.add(row)
                await db.flush()
            return record_of(row)

    async def set_status(
        self,
        tenant: str,
        entry_id: str,
        status: str,
        figures: dict[str, Any] | None,
        now: datetime,
    ) -> DojoRuleRecord | None:
        """Set the rule's status and its eval figures (before/after); None when not found.

        A dropped rule is not brought back this way (ConflictError): an add starts it over,
        under the cap."""
        if status not in STATUSES:
            problem = {"field": "status", "message": f"must be one of {', '.join(STATUSES)}"}
            raise InputValidationError([problem])
        async with self._sessions() as db, db.begin():
            await _lock_tenant(db, tenant)
            row = await db.scalar(select(DojoRule).where(*_owned(tenant, entry_id)))
            if row is None:
                return None
            if row.status == "dropped" and status != "dropped":
                raise ConflictError(
                    f"rule {entry_id} is dropped: add it again", details={"entry_id": entry_id}
                )
            row.status = status
            row.figures = figures
            row.updated_at = as_utc(now)
            await db.flush()
            return record_of(row)

    # Last in the class: the method's name shadows the builtin in the class body below it.
    async def list(self, tenant: str, status: str | None = None) -> builtins.list[DojoRuleRecord]:
        """The tenant's rules (of one status, when given), by count descending, older first
        among equal counts."""
        query = select(DojoRule).where(DojoRule.tenant == tenant)
        if status is not None:
            query = query.where(DojoRule.status == status)
        query = query.order_by(DojoRule.count.desc(), DojoRule.created_at, DojoRule.entry_id)
        async with self._sessions() as db:
            rows = await db.scalars(query)
            return [record_of(row) for row in rows]
