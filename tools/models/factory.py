"""Build chat models from ``provider/model`` names and settings: the only place that does.

Provider classes are imported inside the builders, so importing this module loads no SDK
and no weights. Workflows never call this directly: they ask the router for a role.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import httpx
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from sight.errors import ModelError
from sight.settings import (
    BUNDLED_LOCAL_MODEL,
    PROVIDER_PRESETS,
    Settings,
    is_local_model_name,
)
from tools.models.fake import ScriptedChatModel
from tools.models.local import ChatLlamaCpp, bundled_gguf_path


@dataclass(frozen=True)
class ModelRef:
    """A parsed ``provider/model`` name."""

    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.name}"


def parse_model_ref(ref: str) -> ModelRef:
    """Split ``provider/model``; raise ModelError for an unknown provider or empty name."""
    provider, _, name = ref.partition("/")
    if provider not in PROVIDER_PRESETS or not name:
        providers = sorted(PROVIDER_PRESETS)
        raise ModelError(f"model {ref!r} must be `provider/model` with provider one of {providers}")
    return ModelRef(provider, name)


def local_model_path(name: str, settings: Settings) -> Path:
    """GGUF for ``local/<name>``: a .gguf path given as the name, else the preset's model.

    The preset's model (``local/smollm2-135m``) is SIGHT_LOCAL_MODEL_PATH when set, else the
    bundled SmolLM2-135M. Any other name is a ModelError (settings reject it at startup).
    """
    if name != BUNDLED_LOCAL_MODEL:
        if not is_local_model_name(name):
            raise ModelError(
                f"local model {name!r} is not available: use local/{BUNDLED_LOCAL_MODEL} (set "
                "SIGHT_LOCAL_MODEL_PATH to run another GGUF under that name) or "
                "local/<path to an existing .gguf file>"
            )
        return Path(name).expanduser()
    if settings.local_model_path is not None:
        return settings.local_model_path
    return bundled_gguf_path()


def _build_local(ref: ModelRef, settings: Settings) -> BaseChatModel:
    return ChatLlamaCpp(
        model_path=local_model_path(ref.name, settings),
        model_name=str(ref),
        n_ctx=settings.local_n_ctx,
        n_threads=settings.local_threads,
    )


class BearerAuth(httpx.Auth):
    """Send ``Authorization: Bearer <key>``; the key stays out of reprs and model dumps."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(key=**********)"


def _build_ollama(ref: ModelRef, settings: Settings) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    client_kwargs: dict[str, object] = {"timeout": settings.model_timeout_s}
    if settings.ollama_api_key is not None:
        # Ollama's cloud takes the key as a bearer token on every request.
        client_kwargs["auth"] = BearerAuth(settings.ollama_api_key)
    return ChatOllama(
        model=ref.name, base_url=settings.ollama_base_url, client_kwargs=client_kwargs
    )


def _build_gemini(ref: ModelRef, settings: Settings) -> BaseChatModel:
    from langchain_google_genai import ChatGoogleGenerativeAI

    if settings.google_api_key is None:
        raise ModelError(f"{ref} needs a Gemini API key: set SIGHT_GOOGLE_API_KEY")
    # max_retries=1 means "no SDK retries" (0 means the SDK default): the router retries.
    return ChatGoogleGenerativeAI(
        model=ref.name,
        google_api_key=settings.google_api_key,
        timeout=settings.model_timeout_s,
        max_retries=1,
    )


def _build_fake(ref: ModelRef, settings: Settings) -> BaseChatModel:
    return ScriptedChatModel(model_name=str(ref))


_BUILDERS = {
    "local": _build_local,
    "ollama": _build_ollama,
    "gemini": _build_gemini,
    "fake": _build_fake,
}


def build_chat_model(ref: str, settings: Settings) -> BaseChatModel:
    """Build the chat model for ``provider/model`` (cheap: weights load on first call)."""
    parsed = parse_model_ref(ref)
    return _BUILDERS[parsed.provider](parsed, settings)
