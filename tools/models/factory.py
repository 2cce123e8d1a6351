"""Build chat models from ``provider/model`` names and settings: the only place that does.

Provider classes are imported inside the builders, so importing this module loads no SDK
and no weights. Workflows never call this directly: they ask the router for a role.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from prompts.local_model import SYSTEM as POLISH_SYSTEM
from sight.errors import ModelError
from sight.settings import LOCAL_MODELS, PROVIDER_PRESETS, Settings, is_local_model_name
from tools.models.bundled import BUNDLED, Progress, bundled_path, planned_path
from tools.models.fake import ScriptedChatModel
from tools.models.local import ChatLlamaCpp


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


def _overridden(name: str, settings: Settings) -> bool:
    """True when SIGHT_LOCAL_MODEL_PATH replaces this bundled model's file."""
    return name == settings.local_model and settings.local_model_path is not None


def local_model_path(name: str, settings: Settings) -> Path:
    """GGUF for ``local/<name>``, where it is or will be once assembled; nothing is built.

    A bundled name (``qwen2.5-1.5b``, ``smollm2-135m``) is its package's file, except that
    the preset's model (SIGHT_LOCAL_MODEL) is SIGHT_LOCAL_MODEL_PATH when set; a .gguf path
    is itself. Anything else, or a bundled model whose packages are missing, is a ModelError.
    """
    if name not in LOCAL_MODELS:
        if not is_local_model_name(name):
            raise ModelError(
                f"local model {name!r} is not available: use local/qwen2.5-1.5b or "
                "local/smollm2-135m (SIGHT_LOCAL_MODEL_PATH runs another GGUF as the preset's "
                "model) or local/<path to an existing .gguf file>"
            )
        return Path(name).expanduser()
    if _overridden(name, settings):
        return settings.local_model_path  # type: ignore[return-value]
    return planned_path(name, settings.local_models_dir)


def prepare_local_model(
    name: str,
    settings: Settings,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Make ``local/<name>``'s GGUF ready (assemble a bundled one now) and return it.

    Models assemble on first use anyway; the CLI calls this first to show the progress.
    """
    if name in LOCAL_MODELS and not _overridden(name, settings):
        return bundled_path(name, settings.local_models_dir, on_start=on_start, progress=progress)
    return local_model_path(name, settings)


def prepare_local_models(
    settings: Settings,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Make the GGUF of every local model in the role chains ready, before any call.

    For the CLI and server startup: assembling Qwen (~10 s, once) then shows its message
    and progress instead of delaying a run's first call.
    """
    refs = dict.fromkeys(settings.model_chain("fast") + settings.model_chain("deep"))
    return [
        prepare_local_model(ref.partition("/")[2], settings, on_start=on_start, progress=progress)
        for ref in refs
        if ref.startswith("local/")
    ]


def local_model_status(name: str, settings: Settings) -> tuple[bool, str]:
    """Whether ``local/<name>`` can run, and where its GGUF is (for health checks)."""
    try:
        path = local_model_path(name, settings)
    except ModelError as exc:
        return False, exc.message
    if path.is_file():
        return True, f"GGUF at {path}"
    if name in BUNDLED and not _overridden(name, settings):
        return True, f"packages installed; assembled into {path} on first use"
    return False, f"no file at {path}"


def _build_local(ref: ModelRef, settings: Settings) -> BaseChatModel:
    bundled = ref.name in BUNDLED and not _overridden(ref.name, settings)
    return ChatLlamaCpp(
        model_path=local_model_path(ref.name, settings),
        model_name=str(ref),
        n_ctx=settings.local_n_ctx,
        n_threads=settings.local_threads,
        max_tokens=settings.local_max_tokens,
        repeat_penalty=settings.local_repeat_penalty,
        system_prompt=POLISH_SYSTEM if ref.name == "qwen2.5-1.5b" else None,
        prepare=partial(prepare_local_model, ref.name, settings) if bundled else None,
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
