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
    assert settings.model_chain("fast") == ["local/qwen2.5-1.5b"]
    assert settings.model_chain("deep") == ["local/qwen2.5-1.5b"]


def test_settings_when_local_model_set_then_both_roles_of_the_local_preset_run_it(monkeypatch):
    monkeypatch.setenv("SIGHT_LOCAL_MODEL", "smollm2-135m")
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/cache")
    settings = load_settings(_env_file=None)
    assert settings.model_chain("fast") == ["local/smollm2-135m"]
    assert settings.model_chain("deep") == ["local/smollm2-135m"]
    assert str(settings.local_models_dir) == "/tmp/cache/sight/models"
    # an explicit chain still wins over the preset
    assert load_settings(model_fast="local/qwen2.5-1.5b", _env_file=None).model_chain("fast") == [
        "local/qwen2.5-1.5b"
    ]


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
    assert settings.max_concurrency == {"gemini": 16, "ollama": 3, "local": 1, "fake": 64}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"provider": "gemini"}, "SIGHT_GOOGLE_API_KEY"),
        ({"database_url": "mysql://x"}, "SIGHT_DATABASE_URL"),
        ({"model_fast": "openai/gpt-4"}, "provider/model"),
        ({"local_model_path": "/nonexistent/model.gguf"}, "GGUF"),
        ({"db_pool_size": 0}, "SIGHT_DB_POOL_SIZE"),
        (
            {"max_concurrency": {"fake": 0}},
            "SIGHT_MAX_CONCURRENCY: the value for 'fake' must be > 0",
        ),
        ({"max_concurrency": {"local": -1}}, "SIGHT_MAX_CONCURRENCY"),
        ({"max_concurrency": {"openai": 2}}, "SIGHT_MAX_CONCURRENCY: unknown provider 'openai'"),
        ({"rate_limit_per_minute": {"ollama": 0}}, "SIGHT_RATE_LIMIT_PER_MINUTE"),
        ({"rate_limit_per_minute": {"fake": -60}}, "SIGHT_RATE_LIMIT_PER_MINUTE"),
        ({"prices_per_1k": {"gemini/x": (-1.0, 0.0)}}, "SIGHT_PRICES_PER_1K"),
        ({"model_fast": "local/bielik-11b"}, "SIGHT_LOCAL_MODEL_PATH"),
        ({"model_deep": "local/~/models/typo.gguf"}, "local/smollm2-135m"),
        ({"local_model": "bielik"}, "SIGHT_LOCAL_MODEL"),
        ({"local_repeat_penalty": 0.5}, "SIGHT_LOCAL_REPEAT_PENALTY"),
    ],
)
def test_settings_when_invalid_then_error_says_what_to_set(overrides, expected):
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None, **overrides)
    assert expected in str(info.value)


def test_settings_when_limit_objects_given_then_they_override_defaults_per_key():
    settings = load_settings(
        max_concurrency={"gemini": 4},
        rate_limit_per_minute={"ollama": 30},
        prices_per_1k={"fake/a": (1.0, 2.0)},
        _env_file=None,
    )
    assert settings.max_concurrency == {"gemini": 4, "ollama": 8, "local": 1, "fake": 64}
    assert settings.rate_limit_per_minute["ollama"] == 30
    assert settings.rate_limit_per_minute["local"] == 6000
    assert settings.prices_per_1k["fake/a"] == (1.0, 2.0)
    assert settings.prices_per_1k["gemini/gemini-2.5-pro"] == (0.00125, 0.01)


def test_settings_when_local_model_is_an_existing_gguf_path_then_accepted(tmp_path):
    gguf = tmp_path / "bielik.gguf"
    gguf.write_bytes(b"GGUF")
    settings = load_settings(provider="local", model_fast=f"local/{gguf}", _env_file=None)
    assert settings.model_chain("fast") == [f"local/{gguf}"]


def test_settings_when_secret_then_not_in_repr():
    settings = load_settings(provider="gemini", google_api_key="AIza-very-secret", _env_file=None)
    assert "AIza-very-secret" not in repr(settings)
    assert settings.google_api_key.get_secret_value() == "AIza-very-secret"


def test_settings_when_database_url_has_password_then_masked_in_repr_and_str():
    settings = load_settings(
        database_url="postgresql://sight:pa55w0rd@db:5432/sight", _env_file=None
    )

    assert "pa55w0rd" not in repr(settings) and "pa55w0rd" not in str(settings)
    assert "postgresql+psycopg://sight:***@db:5432/sight" in repr(settings)
    assert settings.database_url_resolved == "postgresql+psycopg://sight:pa55w0rd@db:5432/sight"


@pytest.mark.parametrize("value", ["", "[]"])
def test_settings_when_api_keys_env_empty_then_no_keys(monkeypatch, value):
    monkeypatch.setenv("SIGHT_API_KEYS", value)  # docker compose's ${SIGHT_API_KEYS:-}

    assert load_settings(_env_file=None).api_keys == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ('[{"key": "short"}]', "SIGHT_API_KEYS[0].key: an API key must be at least 16 characters"),
        ("[{key: 1}]", "SIGHT_API_KEYS: not valid JSON"),
        ("{not json", "SIGHT_MAX_CONCURRENCY: not valid JSON"),
    ],
)
def test_settings_when_json_setting_bad_then_error_names_setting_in_plain_words(
    monkeypatch, env, expected
):
    name = "SIGHT_MAX_CONCURRENCY" if "MAX_CONCURRENCY" in expected else "SIGHT_API_KEYS"
    monkeypatch.setenv(name, env)

    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)

    assert expected in str(info.value)
    assert "items" not in str(info.value)


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


def test_readme_when_settings_change_then_every_variable_documented():
    from pathlib import Path

    from sight.settings import Settings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [
        f"SIGHT_{name.upper()}"
        for name in Settings.model_fields
        if f"`SIGHT_{name.upper()}`" not in readme
    ]
    assert missing == []
