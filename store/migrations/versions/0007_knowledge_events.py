"""AI Dojo: the append-only history of the knowledge base, and the Dojo's meta-rule counters.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
JsonOrNull = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)

# The database itself refuses to rewrite history, whatever code or console runs the statement.
# SQLSTATE 23001 (restrict_violation) and SQLite's RAISE(ABORT) both reach Python as an
# IntegrityError. No '%' and no ':' in the SQL: the drivers would read them as placeholders.
_PG_FUNCTION = """
CREATE FUNCTION knowledge_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'knowledge_events is append-only, ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END
$$
"""
_PG_TRIGGERS = (
    "CREATE TRIGGER knowledge_events_append_only BEFORE UPDATE OR DELETE ON knowledge_events "
    "FOR EACH ROW EXECUTE FUNCTION knowledge_events_append_only()",
    "CREATE TRIGGER knowledge_events_no_truncate BEFORE TRUNCATE ON knowledge_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION knowledge_events_append_only()",
)
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER knowledge_events_no_{verb.lower()} BEFORE {verb} ON knowledge_events "
    f"BEGIN SELECT RAISE(ABORT, 'knowledge_events is append-only, {verb} refused'); END"
    for verb in ("UPDATE", "DELETE")
)


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, JsonOrNull if nullable else JsonDoc, nullable=nullable)


def _tenant() -> sa.Column:
    return sa.Column("tenant", sa.String(64), nullable=False)


def _append_only() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        statements: tuple[str, ...] = (_PG_FUNCTION, *_PG_TRIGGERS)
    elif dialect == "sqlite":
        statements = _SQLITE_TRIGGERS
    else:
        raise NotImplementedError(f"knowledge_events triggers for {dialect} are not written")
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "knowledge_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("entry_id", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("actor", sa.String(100), nullable=False),
        _timestamp("at"),
        _json("source"),
        _json("entry", nullable=True),
        sa.Column("content_hash", sa.String(16), nullable=True),
        sa.UniqueConstraint("entry_id", "position", name="uq_knowledge_events_entry_position"),
        sa.CheckConstraint(
            "action IN ('add', 'update', 'delete', 'restore', 'confirm')",
            name="ck_knowledge_events_action",
        ),
    )
    _append_only()
    op.create_table(
        "dojo_rules",
        _tenant(),
        sa.Column("entry_id", sa.String(120), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _json("evidence"),
        _json("figures", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("tenant", "entry_id", name="pk_dojo_rules"),
        sa.CheckConstraint(
            "status IN ('active', 'pending_review', 'dropped')", name="ck_dojo_rules_status"
        ),
    )


def downgrade() -> None:
    op.drop_table("dojo_rules")
    # Dropping the table drops its triggers (DROP is not a DELETE: they do not fire).
    op.drop_table("knowledge_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION knowledge_events_append_only()")
