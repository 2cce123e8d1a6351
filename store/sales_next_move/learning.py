"""What the Dojo learns from: a tenant's concluded sessions with their turns, and the ratings
of suggested moves with what the turn's analysis said about each move. Read-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import SalesFeedback, SalesInteraction, SalesSession, as_utc

SESSION_COLUMNS = (
    SalesSession.id,
    SalesSession.client_id,
    SalesSession.status,
    SalesSession.started_at,
    SalesSession.last_activity_at,
    SalesSession.turns,
    SalesSession.outcome_data,
)


async def concluded_sessions(
    sessions: async_sessionmaker[AsyncSession], tenant: str, limit: int = 5000
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The tenant's closed sessions (latest activity first, at most ``limit``), each with its
    turns' analyses in turn order.

    A session is a dict of ``id, client_id, status, started_at, last_activity_at, turns,
    outcome_data``. Each analysis is the stored one with the row's ``turn``,
    ``interaction_id`` and ``shown_moves`` (every move shown, later ones included) set.
    """
    closed = (
        select(*SESSION_COLUMNS)
        .where(SalesSession.tenant == tenant, SalesSession.status == "closed")
        .order_by(SalesSession.last_activity_at.desc(), SalesSession.id.desc())
        .limit(limit)
    )
    async with sessions() as db:
        found = [dict(row._mapping) for row in await db.execute(closed)]
        turns = await db.execute(
            select(
                SalesInteraction.session_id,
                SalesInteraction.id,
                SalesInteraction.turn,
                SalesInteraction.analysis,
                SalesInteraction.shown_moves,
            )
            .where(
                SalesInteraction.tenant == tenant,
                SalesInteraction.session_id.in_(closed.with_only_columns(SalesSession.id)),
            )
            .order_by(SalesInteraction.session_id, SalesInteraction.turn)
        )
        by_session: dict[str, list[dict[str, Any]]] = {}
        for session_id, interaction_id, turn, analysis, shown in turns:
            by_session.setdefault(session_id, []).append(
                {
                    **(analysis or {}),
                    "turn": turn,
                    "interaction_id": interaction_id,
                    "shown_moves": list(shown or []),
                }
            )
    for session in found:
        session["started_at"] = as_utc(session["started_at"])
        session["last_activity_at"] = as_utc(session["last_activity_at"])
    return [(session, by_session.get(session["id"], [])) for session in found]


async def feedback_rows(
    sessions: async_sessionmaker[AsyncSession], tenant: str, limit: int = 50000
) -> list[dict[str, Any]]:
    """Every rating of the tenant's suggestions (oldest first, at most ``limit``), with what
    the rated turn's analysis says of the move.

    A row: ``suggestion_id, user_id, rating, comment, interaction_id, session_id, turn,
    created_at, updated_at``, and from the analysis ``text, title, kind, module, knowledge``
    (the move's; None or empty for a move asked for later, which the analysis does not hold)
    and ``archetype`` (the turn's primary archetype).
    """
    query = (
        select(
            SalesFeedback.suggestion_id,
            SalesFeedback.user_id,
            SalesFeedback.rating,
            SalesFeedback.comment,
            SalesFeedback.interaction_id,
            SalesFeedback.created_at,
            SalesFeedback.updated_at,
            SalesInteraction.session_id,
            SalesInteraction.turn,
            SalesInteraction.analysis,
        )
        .join(SalesInteraction, SalesInteraction.id == SalesFeedback.interaction_id)
        .where(SalesFeedback.tenant == tenant, SalesInteraction.tenant == tenant)
        .order_by(SalesFeedback.created_at, SalesFeedback.id)
        .limit(limit)
    )
    async with sessions() as db:
        rows = [dict(row._mapping) for row in await db.execute(query)]
    for row in rows:
        analysis = row.pop("analysis") or {}
        row["created_at"] = as_utc(row["created_at"])
        row["updated_at"] = as_utc(row["updated_at"])
        row.update(_move_of(analysis, row["suggestion_id"]))
    return rows


def _move_of(analysis: dict[str, Any], move_id: str) -> dict[str, Any]:
    """What the analysis says of one shown move; a team rule shown as a move gives its module."""
    move = next((m for m in analysis.get("next_moves") or [] if m.get("id") == move_id), {})
    rule = next((r for r in analysis.get("meta_rules") or [] if r.get("id") == move_id), {})
    return {
        "text": move.get("text"),
        "title": move.get("title"),
        "kind": move.get("kind"),
        "module": move.get("module") or rule.get("module"),
        "knowledge": list((move.get("provenance") or {}).get("knowledge") or []),
        "archetype": (analysis.get("archetype") or {}).get("primary"),
    }
