"""`sight serve`: refuses a public address without API keys, else runs uvicorn on the app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from cli.main import app, is_loopback
from cli.serve import prepare_serve
from sight.errors import SettingsError
from sight.settings import get_settings, load_settings

KEY = "serve-test-key-0123456789"


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Settings from the environment on a temp dir; uvicorn.run records instead of serving."""
    monkeypatch.setenv("SIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SIGHT_PROVIDER", "fake")
    monkeypatch.delenv("SIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SIGHT_API_KEYS", raising=False)
    monkeypatch.delenv("SIGHT_GENERATE_ADMIN_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    recorded: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: recorded.append({"app": target, **kw}))
    get_settings.cache_clear()
    yield recorded
    get_settings.cache_clear()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "sight.example.com"])
def test_serve_when_public_host_and_no_keys_then_exit_2_naming_sight_api_keys(calls, host):
    result = CliRunner().invoke(app, ["serve", "--host", host])

    assert result.exit_code == 2
    assert "SIGHT_API_KEYS" in result.stderr
    assert "without API keys" in result.stderr
    assert calls == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_serve_when_loopback_and_no_keys_then_runs(calls, host):
    result = CliRunner().invoke(app, ["serve", "--host", host, "--port", "8123"])

    assert result.exit_code == 0, result.output
    assert [(c["host"], c["port"]) for c in calls] == [(host, 8123)]
    assert "no auth" in result.stderr


def test_serve_when_public_host_and_keys_then_runs_app_without_printing_key(calls, monkeypatch):
    monkeypatch.setenv("SIGHT_API_KEYS", json.dumps([{"key": KEY, "role": "admin"}]))
    monkeypatch.setenv("SIGHT_LOG_LEVEL", "WARNING")

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])

    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["host"] == "0.0.0.0" and call["port"] == 8000
    assert call["log_level"] == "warning"
    assert isinstance(call["app"], FastAPI)
    assert call["app"].state.settings.api_keys[0].key.get_secret_value() == KEY
    assert KEY not in result.output + result.stderr


def test_serve_when_settings_invalid_then_exit_2_saying_what_to_set(calls, monkeypatch):
    monkeypatch.setenv("SIGHT_API_KEYS", json.dumps([{"key": "short"}]))

    result = CliRunner().invoke(app, ["serve"])

    assert result.exit_code == 2
    assert "SIGHT_API_KEYS" in result.stderr
    assert calls == []


def test_is_loopback_when_bracketed_ipv6_then_true():
    assert is_loopback("[::1]") and not is_loopback("[::]")


def test_serve_when_public_host_and_no_keys_then_refusal_names_the_generate_flag(calls):
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])

    assert result.exit_code == 2
    assert "SIGHT_GENERATE_ADMIN_KEY=1" in result.stderr
    assert calls == []


def test_serve_when_key_shorter_than_16_then_says_characters_and_names_setting(calls, monkeypatch):
    monkeypatch.setenv("SIGHT_API_KEYS", json.dumps([{"key": "short", "role": "admin"}]))

    result = CliRunner().invoke(app, ["serve"])

    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert "SIGHT_API_KEYS[0].key: an API key must be at least 16 characters" in text
    assert "items" not in text


@pytest.mark.parametrize("keys_env", [None, "", "[]"], ids=["unset", "empty", "empty-list"])
def test_serve_when_generate_flag_and_public_host_then_admin_key_made_once_and_reused(
    calls, tmp_path: Path, monkeypatch, keys_env: str | None
):
    """What docker-compose.yml runs: `sight serve --host 0.0.0.0` with the flag on."""
    monkeypatch.setenv("SIGHT_GENERATE_ADMIN_KEY", "1")
    if keys_env is not None:  # compose passes ${SIGHT_API_KEYS:-[]}; older files passed ""
        monkeypatch.setenv("SIGHT_API_KEYS", keys_env)
    key_file = tmp_path / "data" / "admin.key"

    first = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    second = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    key = key_file.read_text().strip()
    assert len(key) >= 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert f"Admin key (saved in {key_file}; shown once): {key}" in first.stderr
    assert key not in second.stderr and str(key_file) in second.stderr
    for call in calls:
        (admin,) = call["app"].state.settings.api_keys
        assert (admin.key.get_secret_value(), admin.role) == (key, "admin")


def test_prepare_serve_when_keys_configured_or_loopback_then_no_key_file(tmp_path: Path):
    keyed = load_settings(
        data_dir=tmp_path,
        generate_admin_key=True,
        _env_file=None,
        api_keys=[{"key": KEY, "role": "viewer"}],
    )
    bare = load_settings(data_dir=tmp_path, generate_admin_key=True, _env_file=None)

    assert prepare_serve(keyed, "0.0.0.0") is keyed
    assert prepare_serve(bare, "127.0.0.1") is bare
    assert not (tmp_path / "admin.key").exists()


def test_prepare_serve_when_saved_key_file_is_short_then_error_says_delete_it(tmp_path: Path):
    (tmp_path / "admin.key").write_text("abc\n")
    settings = load_settings(data_dir=tmp_path, generate_admin_key=True, _env_file=None)

    with pytest.raises(SettingsError, match="delete it"):
        prepare_serve(settings, "0.0.0.0")


def test_serve_when_another_server_holds_the_database_then_exit_2_in_one_line(calls):
    import asyncio

    from store.run_lock import acquire_run_lock

    async def hold_and_serve() -> Any:
        lock = await acquire_run_lock(get_settings())
        try:
            return await asyncio.to_thread(CliRunner().invoke, app, ["serve"])
        finally:
            await lock.release()

    result = asyncio.run(hold_and_serve())

    assert result.exit_code == 2
    assert "another Sight server already runs on this database" in result.stderr
    assert "Traceback" not in result.stderr
    assert calls == []
