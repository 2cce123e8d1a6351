"""ORM models. Types stay portable so one migration runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonDoc = JSON().with_variant(JSONB(), "postgresql")
# For nullable documents: Python None is stored as SQL NULL, not as the JSON literal null.
JsonOrNull = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
EMPTY_OBJECT = text("'{}'")
ONE = text("1")


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class KpiSnapshot(Base):
    """One KPI estimation result for a segment key, kept with its time (history is kept)."""

    __tablename__ = "kpi_snapshots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    request: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_kpi_snapshots_key_created", "key", "created_at"),)


class KpiSnapshotLease(Base):
    """A short claim on a snapshot key: the run holding it computes, the others wait.

    A row (not an in-memory lock) so the claim holds across processes and database kinds; it
    expires so a crashed holder cannot block the key for longer than the lease.
    """

    __tablename__ = "kpi_snapshot_leases"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Thread(Base):
    """One conversation thread of the Agent-Server API, owned by a tenant.

    `public_id` is the id the tenant knows it by; `thread_id` is the storage key runs and
    checkpoints use. They are equal unless another tenant already had that id (then the key
    is a fresh uuid), so one tenant's ids never reveal another's.
    """

    __tablename__ = "threads"

    thread_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), nullable=False)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    # `metadata` is reserved on declarative classes; the column keeps the protocol's name.
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JsonDoc, nullable=False, server_default=EMPTY_OBJECT
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    values: Mapped[Any] = mapped_column(JsonOrNull, nullable=True)
    interrupts: Mapped[dict[str, Any]] = mapped_column(
        JsonDoc, nullable=False, server_default=EMPTY_OBJECT
    )
    error: Mapped[Any] = mapped_column(JsonOrNull, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    state_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_threads_tenant_updated", "tenant", "updated_at"),
        UniqueConstraint("tenant", "public_id", name="uq_threads_tenant_public_id"),
    )


class Run(Base):
    """One run of a graph on a thread; `kwargs` keeps the request's run options as given."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    thread_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("threads.thread_id", ondelete="CASCADE"), nullable=False
    )
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    assistant_id: Mapped[str] = mapped_column(String(36), nullable=False)
    graph_id: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JsonDoc, nullable=False, server_default=EMPTY_OBJECT
    )
    kwargs: Mapped[dict[str, Any]] = mapped_column(
        JsonDoc, nullable=False, server_default=EMPTY_OBJECT
    )
    multitask_strategy: Mapped[str] = mapped_column(String(16), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    error: Mapped[Any] = mapped_column(JsonOrNull, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_runs_thread_created", "thread_id", "created_at"),
        Index("ix_runs_status", "status"),
    )


class RunEvent(Base):
    """One streamed event of a run, kept so a late or reconnecting client can replay it."""

    __tablename__ = "run_events"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(200), nullable=False)
    # Compact JSON text, written to the wire as is (no re-serialising on replay).
    data: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Persona(Base):
    """One generated persona of a tenant (the persona record of the generation workflow)."""

    __tablename__ = "personas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    segment_id: Mapped[str] = mapped_column(String(100), nullable=False)
    segment_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    segment: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    age: Mapped[int] = mapped_column(Integer, nullable=False)
    gender: Mapped[str] = mapped_column(String(32), nullable=False)
    education: Mapped[str] = mapped_column(String(64), nullable=False)
    income_bracket: Mapped[str] = mapped_column(String(32), nullable=False)
    location: Mapped[str] = mapped_column(String(120), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    occupation: Mapped[str] = mapped_column(String(200), nullable=False)
    background_story: Mapped[str] = mapped_column(Text, nullable=False)
    values: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    interests: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    big_five: Mapped[dict[str, float]] = mapped_column(JsonDoc, nullable=False)
    hofstede: Mapped[dict[str, float]] = mapped_column(JsonDoc, nullable=False)
    schwartz: Mapped[dict[str, float]] = mapped_column(JsonDoc, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    score_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, nullable=False)
    quality: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    rag_metadata: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    embedding: Mapped[list[float] | None] = mapped_column(JsonOrNull, nullable=True)
    kpi_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    kpi_snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    delete_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    delete_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_personas_tenant_created", "tenant", "created_at"),
        Index("ix_personas_tenant_segment", "tenant", "segment_id"),
        Index("ix_personas_run", "run_id"),
    )


class PersonaAuditEntry(Base):
    """One action on a persona. ``user_id`` is the API key's principal name (no users table);
    ip_address and user_agent are scrubbed after the retention period (GDPR)."""

    __tablename__ = "persona_audit_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    persona_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("personas.id", ondelete="CASCADE"), nullable=False
    )
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(
        JsonDoc, nullable=False, server_default=EMPTY_OBJECT
    )
    ip_address: Mapped[str | None] = mapped_column(String(45), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


# Newest-first reads (a persona's timeline, a user's last actions) walk these in index order.
Index(
    "ix_persona_audit_persona_created",
    PersonaAuditEntry.persona_id,
    PersonaAuditEntry.created_at.desc(),
)
Index(
    "ix_persona_audit_user_created", PersonaAuditEntry.user_id, PersonaAuditEntry.created_at.desc()
)


class PersonaGenerationReport(Base):
    """The validation report of one persona generation run."""

    __tablename__ = "persona_generation_reports"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class FocusGroup(Base):
    """One focus group of a tenant: its canonical input, money, status and report (a rerun of
    its failed cells writes into the same focus group)."""

    __tablename__ = "focus_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    mode: Mapped[str] = mapped_column(String(24), nullable=False)
    request: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    persona_ids: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, nullable=False)
    budget: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    estimate: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    spend: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    report: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_focus_groups_tenant_created", "tenant", "created_at"),)


class FocusGroupAnswer(Base):
    """One cell of a focus group: a persona's answer to a question in a round."""

    __tablename__ = "focus_group_answers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    focus_group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("focus_groups.id", ondelete="CASCADE"), nullable=False
    )
    persona_id: Mapped[str] = mapped_column(String(36), nullable=False)
    question_id: Mapped[str] = mapped_column(String(40), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sentiment: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    checks: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tokens_in: Mapped[int] = mapped_column(Integer, nullable=False)
    tokens_out: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_usd: Mapped[float] = mapped_column(Float, nullable=False)
    # Model calls the answer took (a degenerate first answer is asked once more).
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=ONE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint(
            "focus_group_id",
            "persona_id",
            "question_id",
            "round",
            name="uq_focus_group_answers_cell",
        ),
        Index("ix_focus_group_answers_question", "focus_group_id", "question_id"),
    )


class SalesClient(Base):
    """A showroom client of a tenant, known by an alias the salesperson picks (no real name
    is required). ``alias_key`` is the alias case-folded: aliases are unique per tenant and
    searched case-insensitively through it (SQLite's lower() folds ASCII only, not "Ł")."""

    __tablename__ = "sales_clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    alias: Mapped[str] = mapped_column(String(80), nullable=False)
    alias_key: Mapped[str] = mapped_column(String(240), nullable=False)  # folding lengthens
    contact: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # The unique constraint is also the (tenant, alias) index searches use.
    __table_args__ = (
        UniqueConstraint("tenant", "alias_key", name="uq_sales_clients_tenant_alias"),
    )


class SalesSession(Base):
    """One sales conversation; its id is the LangGraph thread id of the session."""

    __tablename__ = "sales_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    client_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("sales_clients.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    outcome_data: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    key_facts: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    # The turn the summary covers; 0: no summary yet (turns count from 1).
    memory_turn: Mapped[int] = mapped_column(Integer, nullable=False)
    deep_analysis: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    deep_turn: Mapped[int] = mapped_column(Integer, nullable=False)
    latest_readiness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    turns: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (
        Index("ix_sales_sessions_tenant_activity", "tenant", "last_activity_at"),
        Index("ix_sales_sessions_client", "client_id"),
    )


class SalesInteraction(Base):
    """One turn of a sales session: the observation typed, its analysis and the moves shown."""

    __tablename__ = "sales_interactions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    session_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sales_sessions.id", ondelete="CASCADE"), nullable=False
    )
    turn: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    analysis: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    rules_version: Mapped[str] = mapped_column(String(120), nullable=False)
    shown_moves: Mapped[list[str]] = mapped_column(JsonDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("session_id", "turn", name="uq_sales_interactions_session_turn"),
    )


class SalesFeedback(Base):
    """A user's rating of one suggested move; rating it again replaces the earlier rating.
    ``user_id`` is the API key's principal name (``user`` is reserved in PostgreSQL)."""

    __tablename__ = "sales_feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    interaction_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("sales_interactions.id", ondelete="CASCADE"), nullable=False
    )
    suggestion_id: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[str] = mapped_column(String(100), nullable=False)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint(
            "interaction_id", "suggestion_id", "user_id", name="uq_sales_feedback_vote"
        ),
        CheckConstraint("rating IN (-1, 1)", name="ck_sales_feedback_rating"),
    )


class KnowledgeEvent(Base):
    """One change to a knowledge entry, never rewritten (triggers refuse UPDATE and DELETE).

    ``position`` orders an entry's history (1, 2, ...); ``version`` is the entry's content
    version after the event (delete and confirm keep it). ``owner`` is whose entry it is
    ('shared' or a tenant), ``tenant`` and ``actor`` who made the change; ``entry`` is the
    whole entry after the event (None after a delete)."""

    __tablename__ = "knowledge_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    entry: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(16), nullable=True)

    # The unique constraint is also the (entry_id, position) index history reads walk.
    __table_args__ = (
        UniqueConstraint("entry_id", "position", name="uq_knowledge_events_entry_position"),
        CheckConstraint(
            "action IN ('add', 'update', 'delete', 'restore', 'confirm')",
            name="ck_knowledge_events_action",
        ),
    )


class DojoRule(Base):
    """The Dojo's counter on one meta-rule (a knowledge entry of kind rule) of a tenant,
    ExpeL-style: ops move ``count``; at 0 or off the capped list the rule is dropped."""

    __tablename__ = "dojo_rules"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JsonOrNull, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'pending_review', 'dropped')", name="ck_dojo_rules_status"
        ),
    )


class CrmContact(Base):
    """A CRM contact of a tenant, under the CRM's own id (issue 17). ``search_key`` is the name
    and company case-folded, searched through (SQLite's lower() folds ASCII only, not "Ł");
    ``source`` is what last wrote the contact (json, csv, hubspot, api, synthetic)."""

    __tablename__ = "crm_contacts"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    industry: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    search_key: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # No (tenant, updated_at) index: without statistics PostgreSQL planned the foreign-key
    # checks of history rows on it (every check read all the tenant's contacts; a 10,000
    # contact import took 188 s instead of 20 s). The primary key serves the checks.
    __table_args__ = (
        CheckConstraint(
            "source IN ('json', 'csv', 'hubspot', 'api', 'synthetic')",
            name="ck_crm_contacts_source",
        ),
    )


def _of_crm_contact(table: str) -> ForeignKeyConstraint:
    """The link of a row to its contact, deleted with it."""
    return ForeignKeyConstraint(
        ["tenant", "contact_id"],
        ["crm_contacts.tenant", "crm_contacts.contact_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_contact",
    )


class _CrmHistory:
    """Columns every CRM history table shares. ``key`` tells one record of a contact from
    another: the record's own id (e-mails, deals) or a hash of what makes it that record; a
    record imported again under its key updates the row."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    contact_id: Mapped[str] = mapped_column(String(100), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)


def _crm_history_args(table: str) -> tuple[Any, ...]:
    # The unique constraint is also the (tenant, contact_id) index every history read walks.
    return (
        _of_crm_contact(table),
        UniqueConstraint("tenant", "contact_id", "key", name=f"uq_{table}_key"),
    )


class CrmActivity(_CrmHistory, Base):
    """A call, meeting, task or note with a contact."""

    __tablename__ = "crm_activities"

    type: Mapped[str] = mapped_column(String(16), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    direction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    duration_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = _crm_history_args("crm_activities")


class CrmEmail(_CrmHistory, Base):
    """An e-mail to or from a contact. ``opens`` and ``clicks`` are NULL when it was not
    tracked, a list (maybe empty) when it was; their times are ISO strings."""

    __tablename__ = "crm_emails"

    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    direction: Mapped[str] = mapped_column(String(16), nullable=False)
    opens: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonOrNull, nullable=True)
    clicks: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonOrNull, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = _crm_history_args("crm_emails")


class CrmDeal(_CrmHistory, Base):
    """A deal with a contact; ``created_at`` is when the deal was opened in the CRM."""

    __tablename__ = "crm_deals"

    stage: Mapped[str] = mapped_column(String(100), nullable=False)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    won: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    __table_args__ = _crm_history_args("crm_deals")


class CrmComment(_CrmHistory, Base):
    """A comment written on a contact."""

    __tablename__ = "crm_comments"

    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = _crm_history_args("crm_comments")


class CrmFile(_CrmHistory, Base):
    """A file shared with a contact."""

    __tablename__ = "crm_files"

    name: Mapped[str] = mapped_column(String(300), nullable=False)
    type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = _crm_history_args("crm_files")


class CrmPersona(Base):
    """One version of a contact's persona (1, 2, ...: regenerating keeps the earlier ones).
    ``generation`` is how it was made (method, fallback, quality, model, usage, evidence)."""

    __tablename__ = "crm_personas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    contact_id: Mapped[str] = mapped_column(String(100), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    persona: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    generation: Mapped[dict[str, Any]] = mapped_column(JsonDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    # The unique constraint is also the (tenant, contact_id, version) index history reads walk.
    __table_args__ = (
        _of_crm_contact("crm_personas"),
        UniqueConstraint("tenant", "contact_id", "version", name="uq_crm_personas_version"),
    )


class CrmPersonaRating(Base):
    """A user's 1-5 rating of a persona's accuracy; rating it again replaces the earlier one."""

    __tablename__ = "crm_persona_ratings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), nullable=False)
    persona_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("crm_personas.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(String(100), nullable=False)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("persona_id", "user_id", name="uq_crm_persona_ratings_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_crm_persona_ratings_rating"),
    )
