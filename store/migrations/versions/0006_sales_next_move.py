"""Sales co-pilot: clients, sessions, their interactions (turns) and feedback on suggestions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, JsonOrNull if nullable else JsonDoc, nullable=nullable)


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(64), nullable=False)


def upgrade() -> None:
    op.create_table(
        "sales_clients",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("alias", sa.String(80), nullable=False),
        sa.Column("alias_key", sa.String(240), nullable=False),
        _json("contact"),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint("tenant", "alias_key", name="uq_sales_clients_tenant_alias"),
    )
    op.create_table(
        "sales_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column(
            "client_id",
            sa.String(36),
            sa.ForeignKey("sales_clients.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("started_at"),
        _timestamp("last_activity_at"),
        _json("outcome_data", nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        _json("key_facts"),
        sa.Column("memory_turn", sa.Integer(), nullable=False),
        _json("deep_analysis", nullable=True),
        sa.Column("deep_turn", sa.Integer(), nullable=False),
        sa.Column("latest_readiness", sa.Integer(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_sales_sessions_tenant_activity", "sales_sessions", ["tenant", "last_activity_at"]
    )
    op.create_index("ix_sales_sessions_client", "sales_sessions", ["client_id"])
    op.create_table(
        "sales_interactions",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column(
            "session_id",
            sa.String(36),
            sa.ForeignKey("sales_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _json("analysis"),
        sa.Column("rules_version", sa.String(120), nullable=False),
        _json("shown_moves"),
        _timestamp("created_at"),
        sa.UniqueConstraint("session_id", "turn", name="uq_sales_interactions_session_turn"),
    )
    op.create_table(
        "sales_feedback",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column(
            "interaction_id",
            sa.String(36),
            sa.ForeignKey("sales_interactions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("suggestion_id", sa.String(100), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint(
            "interaction_id", "suggestion_id", "user_id", name="uq_sales_feedback_vote"
        ),
        sa.CheckConstraint("rating IN (-1, 1)", name="ck_sales_feedback_rating"),
    )


def downgrade() -> None:
    op.drop_table("sales_feedback")
    op.drop_table("sales_interactions")
    op.drop_index("ix_sales_sessions_client", table_name="sales_sessions")
    op.drop_index("ix_sales_sessions_tenant_activity", table_name="sales_sessions")
    op.drop_table("sales_sessions")
    op.drop_table("sales_clients")
