"""Migrations on SQLite and PostgreSQL, upgrading databases that already hold data."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from sight.settings import Settings
from store.db import sync_url
from store.migrate import upgrade

THREAD = "6f1c1f43-55a0-4c1e-9a53-0e1d2b2b0c11"
RUN = "0a4e5d8e-9b7c-4a55-8d0e-3b8f1f4c2d99"
NOW = "2026-12-01 12:00:00+00:00"


def test_upgrade_to_0004_when_threads_exist_then_public_id_is_their_id_and_runs_kept(
    db_settings: Settings,
) -> None:
    upgrade(db_settings, "0003")
    engine = create_engine(sync_url(db_settings))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO threads (thread_id, tenant, status, created_at, updated_at, "
                    "state_updated_at) VALUES (:id, 'acme', 'idle', :now, :now, :now)"
                ),
                {"id": THREAD, "now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO runs (run_id, thread_id, tenant, assistant_id, graph_id, "
                    "status, multitask_strategy, created_at, updated_at) VALUES "
                    "(:run, :id, 'acme', 'a', 'quick', 'success', 'enqueue', :now, :now)"
                ),
                {"run": RUN, "id": THREAD, "now": NOW},
            )

        upgrade(db_settings)

        with engine.connect() as conn:
            threads = conn.execute(text("SELECT thread_id, public_id FROM threads")).all()
            runs = conn.execute(text("SELECT run_id, thread_id FROM runs")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in threads] == [(THREAD, THREAD)]
    assert [tuple(row) for row in runs] == [(RUN, THREAD)]
