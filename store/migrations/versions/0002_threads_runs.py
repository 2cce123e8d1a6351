"""Agent-Server threads, runs and stored run events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
EMPTY_OBJECT = sa.text("'{}'")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("thread_id", sa.String(36), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("metadata", JsonDoc, nullable=False, server_default=EMPTY_OBJECT),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("values", JsonOrNull, nullable=True),
        sa.Column("interrupts", JsonDoc, nullable=False, server_default=EMPTY_OBJECT),
        sa.Column("error", JsonOrNull, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("state_updated_at"),
    )
    op.create_index("ix_threads_tenant_updated", "threads", ["tenant", "updated_at"])
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column(
            "thread_id",
            sa.String(36),
            sa.ForeignKey("threads.thread_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("assistant_id", sa.String(36), nullable=False),
        sa.Column("graph_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("metadata", JsonDoc, nullable=False, server_default=EMPTY_OBJECT),
        sa.Column("kwargs", JsonDoc, nullable=False, server_default=EMPTY_OBJECT),
        sa.Column("multitask_strategy", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("error", JsonOrNull, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("started_at", nullable=True),
        _timestamp("ended_at", nullable=True),
    )
    op.create_index("ix_runs_thread_created", "runs", ["thread_id", "created_at"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_events",
        sa.Column(
            "run_id",
            sa.String(36),
            sa.ForeignKey("runs.run_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("event", sa.String(200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        _timestamp("created_at"),
    )


def downgrade() -> None:
    op.drop_table("run_events")
    op.drop_index("ix_runs_status", table_name="runs")
    op.drop_index("ix_runs_thread_created", table_name="runs")
    op.drop_table("runs")
    op.drop_index("ix_threads_tenant_updated", table_name="threads")
    op.drop_table("threads")
