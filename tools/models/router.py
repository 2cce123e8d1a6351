"""The process-wide model router: built models and per-provider limits, shared by all runs.

``ModelRouter`` lives as long as the process (the API lifespan builds one) and owns what is
shared; ``router.for_run(run_id)`` returns the :class:`~tools.models.policy.RunModels` a run
calls through. Limits and built models belong to the running event loop (asyncio primitives
and HTTP clients such as ChatOllama's are bound to the loop they are first used in), so one
router can serve several loops, e.g. successive ``asyncio.run`` calls; caps then apply per
loop. Models passed in ready-made are shared by every loop.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sight.settings import Role, Settings
from tools.models.classify import describe_error, is_retryable, retry_reason
from tools.models.factory import build_chat_model
from tools.models.limits import ProviderLimits
from tools.models.policy import RunModels
from tools.models.usage import TokenBudget

log = logging.getLogger(__name__)
_UNSET: Any = object()


@dataclass
class _LoopState:
    """What a router builds for one event loop: models and provider limits."""

    models: dict[str, BaseChatModel] = field(default_factory=dict)
    limits: dict[str, ProviderLimits] = field(default_factory=dict)


class ModelRouter:
    """Build models lazily and hold the limits shared by all runs.

    ``models`` maps ``provider/model`` names to ready instances; they replace what the
    factory would build (tests pass ``ScriptedChatModel``s this way) and are shared by every
    event loop, while built models and limits are kept per running loop (see the module
    docstring). ``sleep`` is the backoff sleep, injectable so tests can record delays
    instead of waiting.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        models: Mapping[str, BaseChatModel] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._given: dict[str, BaseChatModel] = dict(models or {})
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._no_loop = _LoopState()  # for calls made outside any running loop
        self._sleep = sleep
        self.secrets = tuple(
            key.get_secret_value()
            for key in (settings.ollama_api_key, settings.google_api_key)
            if key is not None
        )

    def chain(self, role: Role) -> list[str]:
        """The `provider/model` names tried for a role, first to last."""
        return self.settings.model_chain(role)

    def _state(self) -> _LoopState:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._no_loop
        state = self._loops.get(loop)
        if state is None:
            # Bound primitives refer to their loop, which keeps it alive as a weak key.
            for closed in [old for old in self._loops if old.is_closed()]:
                del self._loops[closed]
            state = self._loops[loop] = _LoopState()
        return state

    def model(self, ref: str) -> BaseChatModel:
        """Return the chat model for ``provider/model``, building it on first use per loop."""
        if ref in self._given:
            return self._given[ref]
        models = self._state().models
        if ref not in models:
            models[ref] = build_chat_model(ref, self.settings)
        return models[ref]

    def limits(self, provider: str) -> ProviderLimits:
        """Return the rate/concurrency limits of a provider, shared by every run of a loop."""
        limits = self._state().limits
        if provider not in limits:
            limits[provider] = ProviderLimits(
                self.settings.rate_limit_per_minute.get(provider),
                self.settings.max_concurrency.get(provider),
            )
        return limits[provider]

    def retrying(self, ref: str) -> AsyncRetrying:
        """A fresh retry controller for one model call (tenacity state is per call)."""
        s = self.settings
        return AsyncRetrying(
            stop=stop_after_attempt(s.model_max_retries + 1),
            wait=wait_exponential_jitter(
                initial=s.model_backoff_initial_s,
                max=s.model_backoff_max_s,
                jitter=s.model_backoff_initial_s,
            ),
            retry=retry_if_exception(is_retryable),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: self._log_retry(ref, state),
        )

    def _log_retry(self, ref: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None:
            log.warning(
                "model %s: %s on attempt %d, retrying in %.2fs: %s",
                ref,
                retry_reason(exc),
                state.attempt_number,
                state.upcoming_sleep,
                describe_error(exc, self.secrets),
            )

    def for_run(
        self, run_id: str, *, budget: int | None = _UNSET, budget_name: str = "run_token_budget"
    ) -> RunModels:
        """Return the models of one run; ``budget`` defaults to settings.run_token_budget."""
        limit = self.settings.run_token_budget if budget is _UNSET else budget
        return RunModels(self, run_id, TokenBudget(budget_name, limit))


def build_router(
    settings: Settings, *, models: Mapping[str, BaseChatModel] | None = None
) -> ModelRouter:
    """Build the process-wide model router from settings."""
    return ModelRouter(settings, models=models)
