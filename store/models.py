"""ORM models. Types stay portable so one migration runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


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
