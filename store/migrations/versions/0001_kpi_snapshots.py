"""KPI snapshots and their leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "kpi_snapshots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("request", JsonDoc, nullable=False),
        sa.Column("result", JsonDoc, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kpi_snapshots_key_created", "kpi_snapshots", ["key", "created_at"])
    op.create_table(
        "kpi_snapshot_leases",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_snapshot_leases")
    op.drop_index("ix_kpi_snapshots_key_created", table_name="kpi_snapshots")
    op.drop_table("kpi_snapshots")
