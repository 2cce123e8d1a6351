"""Focus groups and their answers (one row per cell: persona, question, round).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, JsonOrNull if nullable else JsonDoc, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "focus_groups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("thread_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("mode", sa.String(24), nullable=False),
        _json("request"),
        _json("persona_ids"),
        _json("questions"),
        _json("budget"),
        _json("estimate"),
        _json("spend"),
        _json("report", nullable=True),
        _json("error", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("finished_at", nullable=True),
    )
    op.create_index("ix_focus_groups_tenant_created", "focus_groups", ["tenant", "created_at"])
    op.create_table(
        "focus_group_answers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "focus_group_id",
            sa.String(36),
            sa.ForeignKey("focus_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("persona_id", sa.String(36), nullable=False),
        sa.Column("question_id", sa.String(40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        _json("answer", nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _json("sentiment", nullable=True),
        _json("checks"),
        _json("error", nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("1")),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint(
            "focus_group_id",
            "persona_id",
            "question_id",
            "round",
            name="uq_focus_group_answers_cell",
        ),
    )
    op.create_index(
        "ix_focus_group_answers_question",
        "focus_group_answers",
        ["focus_group_id", "question_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_focus_group_answers_question", table_name="focus_group_answers")
    op.drop_table("focus_group_answers")
    op.drop_index("ix_focus_groups_tenant_created", table_name="focus_groups")
    op.drop_table("focus_groups")
