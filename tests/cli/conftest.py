"""CLI test fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sight.settings import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private data dir (SQLite, embedded Qdrant) as the working directory, settings fresh."""
    monkeypatch.setenv("SIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SIGHT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
