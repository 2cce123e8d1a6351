"""Run managers on their own (no HTTP): on SQLite (``manager``) or on both databases
(``db_manager``), serving the registered graphs and the test ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from runtime.resources import open_resources
from runtime.run_manager import RunManager
from sight.settings import Settings
from tests.api import sample_graphs
from tests.api.conftest import fresh_schema_url, sdk_test_settings


@pytest.fixture
def manager_settings(tmp_path: Path) -> Settings:
    return sdk_test_settings(tmp_path / "data")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_manager_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Manager settings on SQLite and on PostgreSQL (a fresh schema each test)."""
    if request.param == "sqlite":
        return sdk_test_settings(tmp_path / "data")
    url = fresh_schema_url(request.getfixturevalue("postgres_url"))
    return sdk_test_settings(tmp_path / "data", database_url=url)


async def _running(settings: Settings) -> AsyncIterator[RunManager]:
    async with open_resources(settings) as resources:
        manager = RunManager(resources, sample_graphs.test_graphs())
        await manager.start()
        try:
            yield manager
        finally:
            await manager.stop()


@pytest.fixture
async def manager(manager_settings: Settings) -> AsyncIterator[RunManager]:
    async for running in _running(manager_settings):
        yield running


@pytest.fixture
async def db_manager(db_manager_settings: Settings) -> AsyncIterator[RunManager]:
    async for running in _running(db_manager_settings):
        yield running
