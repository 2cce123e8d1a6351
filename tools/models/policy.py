"""The one call policy for chat models: roles, retries, timeouts, fallbacks, limits, budget.

``router.for_run(run_id)`` (see :mod:`tools.models.router`) returns ``RunModels``, which a
run uses for every call and which accounts its tokens and cost against the run's budget.
For one call, each model of the role's chain is tried in order; each model gets
``model_max_retries`` retries with exponential backoff and jitter, but only for rate
limits, timeouts and 5xx errors; any other failure moves to the next model. An error saying
an object is bound to another event loop, or that the loop is closed, is a programming
error and is raised as is, never turned into a fallback.

The budget is checked before a call queues for its slot and again once it holds the slot,
right before the model is called; tokens are accounted before the slot is freed, those of
failed attempts too (see :func:`tools.models.usage.failed_attempt_tokens`). So a queue of
calls stops once the budget is spent, and the budget can be overshot only by calls already
in flight when it is spent. A local model (one ``Llama``) is waited for before the
call timeout starts, and runs one call at a time whatever ``max_concurrency`` says; its
timeout follows its measured speed, doubles on the retry after a timeout, and a second
timeout ends its tries (see :func:`tools.models.local.call_timeout`).

Inside a LangGraph node, calls stream tokens to the ``messages`` stream mode (the models get
the node's callbacks). An attempt that fails after streaming some tokens is retried as a new
model run, so stream consumers should key partial text by the chunk's run id.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any, TypeVar, overload

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from pydantic import BaseModel

from sight.errors import (
    BudgetExceededError,
    BudgetWouldExceedError,
    ModelError,
    StructuredOutputError,
)
from sight.settings import Role
from tools.models.classify import describe_error, is_event_loop_error
from tools.models.factory import parse_model_ref
from tools.models.ledger import Hold, SpendLedger
from tools.models.local import call_timeout, model_turn, timeout_is_final
from tools.models.structured import (
    InvalidOutput,
    native_json_kwargs,
    parse_output,
    with_repair_request,
    with_schema_instruction,
)
from tools.models.usage import (
    RunUsage,
    TokenBudget,
    call_cost,
    failed_attempt_tokens,
    token_counts,
)

if TYPE_CHECKING:
    from tools.models.router import ModelRouter
    from tools.models.tokens import TokenCounter

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

# The call keyword that caps an answer's tokens, where Sight passes one. Gemini and Ollama
# answers are bounded by the schema's lengths instead (their caps replace other options).
CAP_KWARG = {"local": "max_tokens", "fake": "max_tokens"}
# A ledger reserves the counted prompt times this: a provider's own tokenizer may count more.
INPUT_MARGIN = 1.15
DEFAULT_OUTPUT_RESERVE = 1024  # an answer's reservation when the caller names no cap


def to_messages(messages: LanguageModelInput) -> list[BaseMessage]:
    """Normalise a string, prompt value or message list to LangChain messages."""
    if isinstance(messages, str):
        return [HumanMessage(content=messages)]
    if isinstance(messages, PromptValue):
        return messages.to_messages()
    return convert_to_messages(messages)


class RunModels:
    """Every model call of one run goes through here; ``usage`` is what the run spent."""

    def __init__(self, router: ModelRouter, run_id: str, budget: TokenBudget) -> None:
        self.router = router
        self.run_id = run_id
        self.budget = budget
        self.usage = RunUsage()
        # A hard budget (see tools.models.ledger): every attempt reserves before it starts.
        self.ledger: SpendLedger | None = None
        self._counters: dict[str, TokenCounter] = {}

    @overload
    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: None = None,
        config: RunnableConfig | None = None,
        max_output_tokens: int | None = None,
    ) -> AIMessage: ...

    @overload
    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: type[T],
        config: RunnableConfig | None = None,
        max_output_tokens: int | None = None,
    ) -> T: ...

    async def ainvoke(
        self,
        role: Role,
        messages: LanguageModelInput,
        *,
        schema: type[BaseModel] | None = None,
        config: RunnableConfig | None = None,
        max_output_tokens: int | None = None,
    ) -> AIMessage | BaseModel:
        """Answer with the first model of the role's chain that succeeds.

        With ``schema``, return a validated instance of it. Raise BudgetExceededError when
        the run's budget is spent (BudgetWouldExceedError when a ledger has no room for the
        call), StructuredOutputError when every model gave invalid output, and ModelError
        (listing each model's last error) when all models failed. ``max_output_tokens`` caps
        the answer where the provider takes a cap (local, fake) and is what a ledger reserves
        for it. Inside a LangGraph node the models stream tokens to the ``messages`` stream.
        """
        prompt = to_messages(messages)
        failures: list[tuple[str, BaseException]] = []
        for ref in self.router.chain(role):
            try:
                if schema is None:
                    return await self._call(ref, prompt, config, max_output_tokens)
                return await self._structured(ref, prompt, schema, config, max_output_tokens)
            except (BudgetExceededError, BudgetWouldExceedError):
                raise
            except Exception as exc:  # noqa: BLE001 - any failure falls back to the next model
                if is_event_loop_error(exc):
                    raise  # a loop-bound object used in another loop: a bug, not an outage
                failures.append((ref, exc))
                log.warning(
                    "run %s: model %s failed: %s",
                    self.run_id,
                    ref,
                    describe_error(exc, self.router.secrets),
                )
        raise self._all_failed(role, failures)

    def part(self) -> RunModels:
        """Models for one part of this run (a focus-group cell): the same ledger, their own
        usage, so the part's tokens can be told apart (``usage.merge`` adds them up). The
        ledger holds the run's budget: a part has no TokenBudget of its own."""
        part = RunModels(self.router, self.run_id, TokenBudget(self.budget.name, None))
        part.ledger, part._counters = self.ledger, self._counters
        return part

    def runnable(
        self, role: Role, *, schema: type[BaseModel] | None = None
    ) -> Runnable[LanguageModelInput, Any]:
        """Return this policy as a Runnable (for LCEL chains); tokens still stream."""

        async def call(messages: LanguageModelInput, config: RunnableConfig) -> Any:
            return await self.ainvoke(role, messages, schema=schema, config=config)

        return RunnableLambda(call, name=f"{role}_model")

    async def _call(
        self,
        ref: str,
        prompt: list[BaseMessage],
        config: RunnableConfig | None,
        max_output_tokens: int | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """One model, with retries, limits, per-call timeout, accounting and budget.

        The timeout covers the model call only, not the wait for a slot or a local Llama.
        """
        router = self.router
        model = router.model(ref)
        provider = parse_model_ref(ref).provider
        limits = router.limits(provider)
        if max_output_tokens is not None and provider in CAP_KWARG:
            kwargs[CAP_KWARG[provider]] = max_output_tokens
        async for attempt in router.retrying(ref):
            with attempt:
                self.budget.ensure_left(self.usage)  # spent already: do not even queue
                async with limits.slot(), model_turn(model):
                    # Queued calls may have spent the budget while this one waited.
                    self.budget.ensure_left(self.usage)
                    hold = await self._reserve(ref, prompt, max_output_tokens)
                    tries = attempt.retry_state.attempt_number
                    timeout = call_timeout(model, prompt, router.settings, tries, **kwargs)
                    try:
                        async with asyncio.timeout(timeout):
                            message = await model.ainvoke(prompt, config, **kwargs)
                    except asyncio.CancelledError:
                        # What a cut-off call used is unknown: its whole reservation counts.
                        self._settle(hold, None, None)
                        raise
                    except Exception as exc:
                        # Charged like an answer: a timed-out or refused call still used tokens.
                        failed_in, failed_out = failed_attempt_tokens(exc, prompt)
                        cost = call_cost(router.settings.prices_per_1k, ref, failed_in, failed_out)
                        self.usage.add_failure(ref, failed_in, failed_out, cost)
                        self._settle(hold, failed_in + failed_out, cost)
                        if timeout_is_final(model, exc, tries):
                            raise ModelError(
                                f"{ref} timed out twice (after {timeout:.1f} s the second time)"
                            ) from None
                        raise
                    # Accounted before the slot is freed, so the next queued call sees it.
                    tokens_in, tokens_out = token_counts(message, prompt)
                    cost = call_cost(router.settings.prices_per_1k, ref, tokens_in, tokens_out)
                    self.usage.add_call(ref, tokens_in, tokens_out, cost)
                    self._settle(hold, tokens_in + tokens_out, cost)
                self.budget.ensure_within(self.usage)
                return message  # type: ignore[return-value]
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def counter(self, ref: str) -> TokenCounter:
        """The token counter of ``provider/model`` (its tokenizer where Sight has it)."""
        if ref not in self._counters:
            from tools.models.tokens import token_counter

            self._counters[ref] = token_counter(ref, self.router.settings)
        return self._counters[ref]

    async def _reserve(
        self, ref: str, prompt: list[BaseMessage], max_output_tokens: int | None
    ) -> Hold | None:
        """Reserve an attempt's worst case on the ledger: the prompt's counted tokens with a
        margin for the provider's own count, and the answer's cap."""
        if self.ledger is None:
            return None
        settings = self.router.settings
        tokens_in = math.ceil(self.counter(ref).count_messages(prompt) * INPUT_MARGIN)
        tokens_out = max_output_tokens or DEFAULT_OUTPUT_RESERVE
        cost = call_cost(settings.prices_per_1k, ref, tokens_in, tokens_out)
        return await self.ledger.reserve(tokens_in + tokens_out, cost)

    def _settle(self, hold: Hold | None, tokens: int | None, cost: float | None) -> None:
        """Settle an attempt's reservation (``None``: unknown usage, the reservation counts)."""
        if hold is not None and self.ledger is not None:
            self.ledger.settle(
                hold, hold.tokens if tokens is None else tokens, hold.usd if cost is None else cost
            )

    async def _structured(
        self,
        ref: str,
        prompt: list[BaseMessage],
        schema: type[T],
        config: RunnableConfig | None,
        max_output_tokens: int | None = None,
    ) -> T:
        """Ask for JSON matching ``schema``; on invalid output send the error back once."""
        kwargs = native_json_kwargs(parse_model_ref(ref).provider, schema)
        asked = with_schema_instruction(prompt, schema)
        answer = await self._call(ref, asked, config, max_output_tokens, **kwargs)
        try:
            return parse_output(answer.text, schema)
        except InvalidOutput as first:
            log.info(
                "run %s: %s gave invalid %s, asking for a repair", self.run_id, ref, schema.__name__
            )
            answer = await self._call(
                ref, with_repair_request(asked, answer, first), config, max_output_tokens, **kwargs
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
