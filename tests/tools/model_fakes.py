"""Helpers for model-policy tests: quick settings, scripted routers, provider-like errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import ollama

from sight.settings import Settings, load_settings
from tools.models import ModelRouter, ScriptedChatModel


def policy_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Fake-provider settings with tiny backoff so retries cost microseconds."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "provider": "fake",
        "model_fast": ["fake/a", "fake/b"],
        "model_backoff_initial_s": 0.001,
        "model_backoff_max_s": 0.004,
        "model_max_retries": 2,
        "model_timeout_s": 5.0,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


def scripted_router(
    settings: Settings, **scripts: list[Any]
) -> tuple[ModelRouter, dict[str, ScriptedChatModel]]:
    """A router whose ``fake/<name>`` models answer from ``scripts[name]``."""
    fakes = {
        f"fake/{name}": ScriptedChatModel(model_name=f"fake/{name}", script=list(script))
        for name, script in scripts.items()
    }
    return ModelRouter(settings, models=fakes), fakes


def http_error(status: int) -> httpx.HTTPStatusError:
    """An httpx status error as raised by ``response.raise_for_status()``."""
    request = httpx.Request("POST", "http://127.0.0.1/api/chat")
    response = httpx.Response(status, request=request)
    return httpx.HTTPStatusError(f"status {status}", request=request, response=response)


def ollama_error(status: int, text: str = "stub failure") -> ollama.ResponseError:
    """An error as the ollama client raises it for an HTTP status."""
    return ollama.ResponseError(text, status)
