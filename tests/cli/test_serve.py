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
from sight.settings import get_settings

KEY = "serve-test-key-0123456789"


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Settings from the environment on a temp dir; uvicorn.run records instead of serving."""
    monkeypatch.setenv("SIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SIGHT_PROVIDER", "fake")
    monkeypatch.delenv("SIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SIGHT_API_KEYS", raising=False)
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
