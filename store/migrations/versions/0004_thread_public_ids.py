"""Threads get a public id, unique per tenant; thread_id stays the storage key.

Existing threads keep their id as both (public_id = thread_id).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("public_id", sa.String(36), nullable=True))
    op.execute("UPDATE threads SET public_id = thread_id")
    # SQLite rebuilds the table here (batch mode); Alembic's connection has foreign keys off,
    # so dropping the old table does not cascade to the runs.
    with op.batch_alter_table("threads") as batch:
        batch.alter_column("public_id", existing_type=sa.String(36), nullable=False)
        batch.create_unique_constraint("uq_threads_tenant_public_id", ["tenant", "public_id"])


def downgrade() -> None:
    # Only possible while every thread's public id is its storage key (no collisions).
    with op.batch_alter_table("threads") as batch:
        batch.drop_constraint("uq_threads_tenant_public_id", type_="unique")
        batch.drop_column("public_id")
