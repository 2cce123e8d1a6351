"""The one call policy for chat models: roles, retries, timeouts, fallbacks, limits, budget.

``ModelRouter`` lives as long as the process (the API lifespan builds one) and owns what is
shared: built models and per-provider rate/concurrency limits. ``router.for_run(run_id)``
returns ``RunModels``, which a run uses for every call and which accounts its tokens and
cost against the run's budget. For one call, each model of the role's chain is tried in
order; each model gets ``model_max_retries`` retries with exponential backoff and jitter,
but only for rate limits, timeouts and 5xx errors; any other failure moves to the next model.

Inside a LangGraph node, calls stream tokens to the ``messages`` stream mode (the models get
the node's callbacks). An attempt that fails after streaming some tokens is retried as a new
model run, so stream consumers should key partial text by the chunk's run id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, overload

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from pydantic import BaseModel
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sight.errors import BudgetExceededError, ModelError, StructuredOutputError
from sight.settings import Role, Settings
from tools.models.classify import describe_error, is_retryable, retry_reason
from tools.models.factory import build_chat_model, parse_model_ref
from tools.models.limits import ProviderLimits
from tools.models.structured import (
    InvalidOutput,
    native_json_kwargs,
    parse_output,
    with_repair_request,
    with_schema_instruction,
)
from tools.models.usage import RunUsage, TokenBudget, call_cost, token_counts

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
_UNSET: Any = object()


def to_messages(messages: LanguageModelInput) -> list[BaseMessage]:
    """Normalise a string, prompt value or message list to LangChain messages."""
    if isinstance(messages, str):
        return [HumanMessage(content=messages)]
    if isinstance(messages, PromptValue):
        return messages.to_messages()
    return convert_to_messages(messages)


class ModelRouter:
    """Build models lazily and hold the limits shared by all runs.

    ``models`` maps ``provider/model`` names to ready instances; they replace what the
    factory would build (tests pass ``ScriptedChatModel``s this way). ``sleep`` is the
    backoff sleep, injectable so tests can record delays instead of waiting.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        models: Mapping[str, BaseChatModel] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._models: dict[str, BaseChatModel] = dict(models or {})
        self._limits: dict[str, ProviderLimits] = {}
        self._sleep = sleep
        self.secrets = tuple(
            key.get_secret_value()
            for key in (settings.ollama_api_key, settings.google_api_key)
            if key is not None
        )

    def chain(self, role: Role) -> list[str]:
        """The `provider/model` names tried for a role, first to last."""
        return self.settings.model_chain(role)

    def model(self, ref: str) -> BaseChatModel:
        """Return the chat model for ``provider/model``, building it on first use."""
        if ref not in self._models:
            self._models[ref] = build_chat_model(ref, self.settings)
        return self._models[ref]

    def limits(self, provider: str) -> ProviderLimits:
        """Return the rate/concurrency limits of a provider, shared by every run."""
        if provider not in self._limits:
            self._limits[provider] = ProviderLimits(
                self.settings.rate_limit_per_minute.get(provider),
                self.settings.max_concurrency.get(provider),
            )
        return self._limits[provider]

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


class RunModels:
    """Every model call of one run goes through here; ``usage`` is what the run spent."""

    def __init__(self, router: ModelRouter, run_id: str, budget: TokenBudget) -> None:
        self.router = router
        self.run_id = run_id
        self.budget = budget
        self.usage = RunUsage()

    @overload
    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: None = None,
        config: RunnableConfig | None = None,
    ) -> AIMessage: ...

    @overload
    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: type[T],
        config: RunnableConfig | None = None,
    ) -> T: ...

    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: type[BaseModel] | None = None,
        config: RunnableConfig | None = None,
    ) -> AIMessage | BaseModel:
        """Answer with the first model of the role's chain that succeeds.

        With ``schema``, return a validated instance of it. Raise BudgetExceededError when
        the run's budget is spent, StructuredOutputError when every model gave invalid
        output, and ModelError (listing each model's last error) when all models failed.
        Inside a LangGraph node the models stream tokens to the ``messages`` stream mode.
        """
        prompt = to_messages(messages)
        failures: list[tuple[str, BaseException]] = []
        for ref in self.router.chain(role):
            try:
                if schema is None:
                    return await self._call(ref, prompt, config)
                return await self._structured(ref, prompt, schema, config)
            except BudgetExceededError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure falls back to the next model
                failures.append((ref, exc))
                log.warning(
                    "run %s: model %s failed: %s",
                    self.run_id,
                    ref,
                    describe_error(exc, self.router.secrets),
                )
        raise self._all_failed(role, failures)

    def runnable(
        self, role: Role, *, schema: type[BaseModel] | None = None
    ) -> Runnable[LanguageModelInput, Any]:
        """Return this policy as a Runnable (for LCEL chains); tokens still stream."""

        async def call(messages: LanguageModelInput, config: RunnableConfig) -> Any:
            return await self.ainvoke(role, messages, schema=schema, config=config)

        return RunnableLambda(call, name=f"{role}_model")

    async def _call(
        self, ref: str, prompt: list[BaseMessage], config: RunnableConfig | None, **kwargs: Any
    ) -> AIMessage:
        """One model, with retries, limits, per-call timeout, accounting and budget."""
        router = self.router
        model = router.model(ref)
        limits = router.limits(parse_model_ref(ref).provider)
        async for attempt in router.retrying(ref):
            with attempt:
                self.budget.ensure_left(self.usage)
                try:
                    async with limits.slot(), asyncio.timeout(router.settings.model_timeout_s):
                        message = await model.ainvoke(prompt, config, **kwargs)
                except Exception:
                    self.usage.add_failure(ref)
                    raise
                tokens_in, tokens_out = token_counts(message, prompt)
                cost = call_cost(router.settings.prices_per_1k, ref, tokens_in, tokens_out)
                self.usage.add_call(ref, tokens_in, tokens_out, cost)
                self.budget.ensure_within(self.usage)
                return message  # type: ignore[return-value]
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _structured(
        self,
        ref: str,
        prompt: list[BaseMessage],
        schema: type[T],
        config: RunnableConfig | None,
    ) -> T:
        """Ask for JSON matching ``schema``; on invalid output send the error back once."""
        kwargs = native_json_kwargs(parse_model_ref(ref).provider, schema)
        asked = with_schema_instruction(prompt, schema)
        answer = await self._call(ref, asked, config, **kwargs)
        try:
            return parse_output(answer.text, schema)
        except InvalidOutput as first:
            log.info(
                "run %s: %s gave invalid %s, asking for a repair", self.run_id, ref, schema.__name__
            )
            answer = await self._call(
                ref, with_repair_request(asked, answer, first), config, **kwargs
            )
        try:
            return parse_output(answer.text, schema)
        except InvalidOutput as second:
            raise StructuredOutputError(
                f"{ref} gave no valid {schema.__name__} after a repair round: {second}"
            ) from None

    def _all_failed(self, role: str, failures: list[tuple[str, BaseException]]) -> ModelError:
        described = [
            {"model": ref, "error": describe_error(exc, self.router.secrets)}
            for ref, exc in failures
        ]
        message = f"all models for role {role!r} failed: " + "; ".join(
            f"{d['model']} -> {d['error']}" for d in described
        )
        structured = failures and all(isinstance(exc, StructuredOutputError) for _, exc in failures)
        error_type = StructuredOutputError if structured else ModelError
        return error_type(message, details=described)
