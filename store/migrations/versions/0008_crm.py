"""CRM-history personas (issue 17): contacts, their history, persona versions and ratings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
HISTORY = ("crm_activities", "crm_emails", "crm_deals", "crm_comments", "crm_files")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(64), nullable=False)


def _contact_id() -> sa.Column:
    return sa.Column("contact_id", sa.String(100), nullable=False)


def _of_contact(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant", "contact_id"],
        ["crm_contacts.tenant", "crm_contacts.contact_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_contact",
    )


def _history(table: str, *columns: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _contact_id(),
        sa.Column("key", sa.String(100), nullable=False),
        *columns,
        _of_contact(table),
        sa.UniqueConstraint("tenant", "contact_id", "key", name=f"uq_{table}_key"),
    )


def upgrade() -> None:
    op.create_table(
        "crm_contacts",
        _tenant(),
        _contact_id(),
        _text("name", 200, nullable=False),
        _text("role", 200),
        _text("company", 200),
        sa.Column("company_size", sa.Integer(), nullable=True),
        _text("industry", 100),
        _text("email", 320),
        _text("phone", 50),
        sa.Column("search_key", sa.Text(), nullable=False),
        _text("source", 16, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("tenant", "contact_id", name="pk_crm_contacts"),
        sa.CheckConstraint(
            "source IN ('json', 'csv', 'hubspot', 'api', 'synthetic')",
            name="ck_crm_contacts_source",
        ),
    )
    _history(
        "crm_activities",
        _text("type", 16, nullable=False),
        _timestamp("at"),
        _text("direction", 16),
        sa.Column("duration_min", sa.Float(), nullable=True),
        _text("outcome", 200),
    )
    _history(
        "crm_emails",
        _timestamp("sent_at"),
        _text("direction", 16, nullable=False),
        sa.Column("opens", JsonOrNull, nullable=True),
        sa.Column("clicks", JsonOrNull, nullable=True),
        _timestamp("replied_at", nullable=True),
    )
    _history(
        "crm_deals",
        _text("stage", 100, nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        _timestamp("created_at"),
        _timestamp("closed_at", nullable=True),
        sa.Column("won", sa.Boolean(), nullable=True),
    )
    _history("crm_comments", _timestamp("at"), sa.Column("text", sa.Text(), nullable=False))
    _history(
        "crm_files",
        _text("name", 300, nullable=False),
        _text("type", 100),
        _timestamp("shared_at"),
    )
    op.create_table(
        "crm_personas",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        _contact_id(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("persona", JsonDoc, nullable=False),
        sa.Column("generation", JsonDoc, nullable=False),
        _timestamp("created_at"),
        _of_contact("crm_personas"),
        sa.UniqueConstraint("tenant", "contact_id", "version", name="uq_crm_personas_version"),
    )
    op.create_table(
        "crm_persona_ratings",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column(
            "persona_id",
            sa.String(36),
            sa.ForeignKey("crm_personas.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _text("user_id", 100, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint("persona_id", "user_id", name="uq_crm_persona_ratings_user"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_crm_persona_ratings_rating"),
    )


def downgrade() -> None:
    op.drop_table("crm_persona_ratings")
    op.drop_table("crm_personas")
    for table in reversed(HISTORY):
        op.drop_table(table)
    op.drop_table("crm_contacts")
