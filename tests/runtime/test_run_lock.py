"""One run-executing process per database: a second run manager (or app) on the same database
refuses to start, with a typed error, until the first has stopped."""

from __future__ import annotations

import psycopg
import pytest

from api.app import create_app
from runtime.resources import open_resources
from runtime.run_manager import RunManager
from sight.settings import Settings
from store.checkpoint.factory import libpq_url
from store.run_lock import DatabaseInUseError, check_run_lock
from tests.api import sample_graphs
from tests.api.conftest import fresh_schema_url, sdk_test_settings


async def test_second_manager_when_first_runs_on_same_database_then_refused_until_it_stops(
    db_manager_settings: Settings,
):
    graphs = sample_graphs.test_graphs()
    async with open_resources(db_manager_settings) as resources:
        first = RunManager(resources, graphs)
        await first.start()
        try:
            with pytest.raises(DatabaseInUseError) as refused:
                await RunManager(resources, graphs).start()
            with pytest.raises(DatabaseInUseError):
                await check_run_lock(db_manager_settings)  # what the CLI asks before serving
        finally:
            await first.stop()
        assert refused.value.code == "database_in_use"
        assert "only one process may serve a database" in refused.value.message

        await check_run_lock(db_manager_settings)
        again = RunManager(resources, graphs)
        await again.start()  # the lock went with the first manager
        await again.stop()


async def test_second_app_when_first_serves_same_database_then_startup_refused(
    db_manager_settings: Settings,
):
    first = create_app(db_manager_settings, graphs=sample_graphs.test_graphs())
    async with first.router.lifespan_context(first):
        second = create_app(db_manager_settings, graphs=sample_graphs.test_graphs())
        with pytest.raises(DatabaseInUseError):
            async with second.router.lifespan_context(second):
                pass
    third = create_app(db_manager_settings, graphs=sample_graphs.test_graphs())
    async with third.router.lifespan_context(third):
        pass


@pytest.mark.postgres
async def test_managers_when_on_separate_schemas_of_one_database_then_both_start(
    postgres_url: str, tmp_path
):
    graphs = sample_graphs.test_graphs()
    settings = [
        sdk_test_settings(tmp_path / name, database_url=fresh_schema_url(postgres_url))
        for name in ("a", "b")
    ]
    async with open_resources(settings[0]) as a, open_resources(settings[1]) as b:
        managers = [RunManager(a, graphs), RunManager(b, graphs)]
        for manager in managers:
            await manager.start()
        for manager in managers:
            await manager.stop()


@pytest.mark.postgres
async def test_lock_when_holder_session_dies_then_freed(postgres_url: str, tmp_path):
    settings = sdk_test_settings(tmp_path / "data", database_url=fresh_schema_url(postgres_url))
    graphs = sample_graphs.test_graphs()
    async with open_resources(settings) as resources:
        first = RunManager(resources, graphs)
        await first.start()
        # As when its process is killed: the session ends without the manager stopping.
        async with await psycopg.AsyncConnection.connect(
            libpq_url(settings.database_url_resolved), autocommit=True
        ) as admin:
            holder = first._lock._conn.info.backend_pid  # noqa: SLF001 - the session to end
            await admin.execute("SELECT pg_terminate_backend(%s)", (holder,))
        again = RunManager(resources, graphs)
        await again.start()
        await again.stop()
        await first.stop()
