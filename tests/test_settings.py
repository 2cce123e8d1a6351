"""Settings: defaults, backend selection, and startup errors that say what to set."""

from __future__ import annotations

import pytest
from qdrant_client import models

from sight.errors import SettingsError
from sight.settings import load_settings
from store.vectors import open_qdrant


def test_settings_when_nothing_set_then_sqlite_in_data_dir_and_local_models(tmp_path):
    settings = load_settings(data_dir=tmp_path, _env_file=None)
    assert settings.database_url_resolved == f"sqlite+aiosqlite:///{tmp_path / 'sight.db'}"
    assert not settings.is_postgres
    assert settings.model_chain("fast") == ["local/smollm2-135m"]


def test_settings_when_postgres_url_then_psycopg_driver():
    settings = load_settings(database_url="postgresql://u:p@db:5432/sight", _env_file=None)
    assert settings.database_url_resolved == "postgresql+psycopg://u:p@db:5432/sight"
    assert settings.is_postgres


def test_settings_when_env_vars_then_read_with_prefix(monkeypatch):
    monkeypatch.setenv("SIGHT_PROVIDER", "ollama")
    monkeypatch.setenv("SIGHT_MODEL_DEEP", "ollama/qwen3:8b, ollama/gpt-oss:20b")
    monkeypatch.setenv("SIGHT_MAX_CONCURRENCY", '{"ollama": 3}')
    settings = load_settings(_env_file=None)
    assert settings.model_chain("fast") == ["ollama/gpt-oss:120b", "ollama/gpt-oss:20b"]
    assert settings.model_chain("deep") == ["ollama/qwen3:8b", "ollama/gpt-oss:20b"]
    assert settings.max_concurrency == {"ollama": 3}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"provider": "gemini"}, "SIGHT_GOOGLE_API_KEY"),
        ({"database_url": "mysql://x"}, "SIGHT_DATABASE_URL"),
        ({"model_fast": "openai/gpt-4"}, "provider/model"),
        ({"local_model_path": "/nonexistent/model.gguf"}, "GGUF"),
        ({"db_pool_size": 0}, "SIGHT_DB_POOL_SIZE"),
    ],
)
def test_settings_when_invalid_then_error_says_what_to_set(overrides, expected):
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None, **overrides)
    assert expected in str(info.value)


def test_settings_when_secret_then_not_in_repr():
    settings = load_settings(provider="gemini", google_api_key="AIza-very-secret", _env_file=None)
    assert "AIza-very-secret" not in repr(settings)
    assert settings.google_api_key.get_secret_value() == "AIza-very-secret"


async def test_qdrant_when_no_url_then_embedded_store_in_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path, _env_file=None)
    client = open_qdrant(settings)
    await client.create_collection(
        "probe", vectors_config=models.VectorParams(size=2, distance=models.Distance.COSINE)
    )
    await client.upsert("probe", [models.PointStruct(id=1, vector=[1.0, 0.0])])
    hits = await client.query_points("probe", query=[1.0, 0.1], limit=1)
    assert hits.points[0].id == 1
    await client.close()
    assert (tmp_path / "qdrant").is_dir()
