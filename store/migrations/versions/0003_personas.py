"""Personas, their audit log and the generation runs' validation reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
EMPTY_OBJECT = sa.text("'{}'")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, JsonOrNull if nullable else JsonDoc, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "personas",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("segment_id", sa.String(100), nullable=False),
        sa.Column("segment_name", sa.String(200), nullable=True),
        _json("segment"),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(32), nullable=False),
        sa.Column("education", sa.String(64), nullable=False),
        sa.Column("income_bracket", sa.String(32), nullable=False),
        sa.Column("location", sa.String(120), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("occupation", sa.String(200), nullable=False),
        sa.Column("background_story", sa.Text(), nullable=False),
        _json("values"),
        _json("interests"),
        _json("big_five"),
        _json("hofstede"),
        _json("schwartz"),
        sa.Column("score", sa.Integer(), nullable=False),
        _json("score_reasons"),
        _json("quality"),
        _json("rag_metadata", nullable=True),
        _json("embedding", nullable=True),
        _json("kpi_snapshot", nullable=True),
        _timestamp("kpi_snapshot_at", nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()),
        _timestamp("deleted_at", nullable=True),
        sa.Column("deleted_by", sa.String(100), nullable=True),
        sa.Column("delete_reason", sa.String(32), nullable=True),
        sa.Column("delete_detail", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("ix_personas_tenant_created", "personas", ["tenant", "created_at"])
    op.create_index("ix_personas_tenant_segment", "personas", ["tenant", "segment_id"])
    op.create_index("ix_personas_run", "personas", ["run_id"])
    op.create_table(
        "persona_audit_log",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "persona_id",
            sa.String(36),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("details", JsonDoc, nullable=False, server_default=EMPTY_OBJECT),
        sa.Column("ip_address", sa.String(45), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        _timestamp("created_at"),
    )
    # Both SQLite and PostgreSQL keep DESC in an index: newest-first reads walk it in order.
    op.create_index(
        "ix_persona_audit_persona_created",
        "persona_audit_log",
        ["persona_id", sa.text("created_at DESC")],
    )
    op.create_index(
        "ix_persona_audit_user_created",
        "persona_audit_log",
        ["user_id", sa.text("created_at DESC")],
    )
    op.create_table(
        "persona_generation_reports",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        _json("report"),
        _timestamp("created_at"),
    )


def downgrade() -> None:
    op.drop_table("persona_generation_reports")
    op.drop_index("ix_persona_audit_user_created", table_name="persona_audit_log")
    op.drop_index("ix_persona_audit_persona_created", table_name="persona_audit_log")
    op.drop_table("persona_audit_log")
    op.drop_index("ix_personas_run", table_name="personas")
    op.drop_index("ix_personas_tenant_segment", table_name="personas")
    op.drop_index("ix_personas_tenant_created", table_name="personas")
    op.drop_table("personas")
