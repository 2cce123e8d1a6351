"""Run any GGUF chat model in-process with llama.cpp, as a LangChain chat model.

A ``Llama`` instance is loaded once per process per (path, n_ctx, threads) and is not
thread-safe, so one call at a time decodes on it, whatever ``max_concurrency`` says:

* a per-Llama ``asyncio.Lock`` (one per event loop) queues async calls. The call policy
  takes it through :meth:`ChatLlamaCpp.turn` *before* starting the call timeout, so time
  spent waiting for the model is not counted against a call. It is released only when the
  call's worker thread has stopped, so a new call never waits inside a thread.
* a per-Llama ``threading.Lock``, held by the worker thread while llama.cpp runs, guards
  the instance against sync callers and other event loops.

Async calls (streamed or not) decode token by token in a worker thread and stop at the next
token once the caller is gone (timeout, cancel), so a timed-out call frees the model and the
executor thread. ``_stream``/``_astream`` are implemented, so LangGraph's ``messages`` stream
mode receives tokens as they are decoded.

Each streamed call times its prompt and its decoding into the model's :class:`Speed`, from
which :func:`call_timeout` sets the next call's deadline (see :mod:`tools.models.local_speed`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from sight.settings import Settings
from tools.models import llama_gate
from tools.models.llama_gate import LlamaKey
from tools.models.local_speed import Speed, estimate_tokens, reused_tokens, speed_of

_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
_cache: dict[LlamaKey, tuple[Any, threading.Lock]] = {}
_cache_lock = threading.Lock()


def llama_key(path: Path, n_ctx: int, n_threads: int | None) -> LlamaKey:
    """The identity of a loaded ``Llama``: calls with equal keys share one instance."""
    return (str(Path(path).resolve()), n_ctx, n_threads)


def load_llama(path: Path, n_ctx: int, n_threads: int | None) -> tuple[Any, threading.Lock]:
    """Return the process-wide ``Llama`` for this file and the lock that guards it."""
    key = llama_key(path, n_ctx, n_threads)
    with _cache_lock:
        if key not in _cache:
            from llama_cpp import Llama  # heavy native import, only when a model is used

            llama = Llama(model_path=key[0], n_ctx=n_ctx, n_threads=n_threads, verbose=False)
            _cache[key] = (llama, threading.Lock())
        return _cache[key]


def model_turn(model: BaseChatModel) -> AbstractAsyncContextManager[None]:
    """Wait for the model's exclusive resource (a local Llama) and hold it; else do nothing."""
    return model.turn() if isinstance(model, ChatLlamaCpp) else nullcontext()


def call_timeout(
    model: BaseChatModel,
    messages: list[BaseMessage],
    settings: Settings,
    attempt: int = 1,
    **kwargs: Any,
) -> float:
    """Seconds one call may take: the setting for network models, a local model's deadline.

    A local call gets ``local_timeout_s`` when set, else the time its prompt and output take
    at the model's measured speed; either doubles on the retry after a timeout.
    """
    if not isinstance(model, ChatLlamaCpp):
        return settings.model_timeout_s
    if settings.local_timeout_s is not None:
        return settings.local_timeout_s * 2 ** (attempt - 1)
    return model.deadline(messages, attempt, **kwargs)


def timeout_is_final(model: BaseChatModel, exc: BaseException, attempt: int) -> bool:
    """True for a local call's second timeout: a third try would only hold the CPU longer."""
    return isinstance(model, ChatLlamaCpp) and isinstance(exc, TimeoutError) and attempt >= 2


def to_llama_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """Convert LangChain messages to llama.cpp's OpenAI-style chat messages."""
    return [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]


def _usage(input_tokens: int, output_tokens: int) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


class ChatLlamaCpp(BaseChatModel):
    """Chat with a local GGUF model through llama-cpp-python.

    Call kwargs (``response_format``, ``max_tokens``, ``temperature``, ``seed``) go to
    ``Llama.create_chat_completion``; ``response_format={"type": "json_object", "schema":
    {...}}`` turns the JSON schema into a grammar, so the output always parses.
    """

    model_path: Path
    model_name: str = "local"
    n_ctx: int = 2048
    n_threads: int | None = None
    temperature: float = 0.2
    max_tokens: int | None = None
    repeat_penalty: float = 1.1
    seed: int | None = None
    # Sent first when the caller gives no system message: Qwen's template would otherwise
    # insert its own English one ("You are Qwen, created by Alibaba Cloud...").
    system_prompt: str | None = None
    # Makes model_path exist (assembles a bundled model) before the first load; idempotent.
    prepare: Callable[[], Any] | None = Field(default=None, exclude=True)
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "model_path": str(self.model_path)}

    def _params(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        params: dict[str, Any] = {
            "messages": to_llama_messages(self._with_system(messages)),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "repeat_penalty": self.repeat_penalty,
            "seed": self.seed,
            **self.extra,
            **kwargs,
        }
        if stop:
            params["stop"] = stop
        return params

    def _with_system(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        if self.system_prompt is None or any(m.type == "system" for m in messages):
            return messages
        return [SystemMessage(content=self.system_prompt), *messages]

    def _key(self) -> LlamaKey:
        return llama_key(self.model_path, self.n_ctx, self.n_threads)

    def _llama(self) -> tuple[Any, threading.Lock]:
        if self.prepare is not None and self._key() not in _cache:
            self.prepare()
        return load_llama(self.model_path, self.n_ctx, self.n_threads)

    @property
    def speed(self) -> Speed:
        """The measured speed of this model's Llama (shared with other instances on it)."""
        return speed_of(self._key())

    def deadline(self, messages: list[BaseMessage], attempt: int = 1, **kwargs: Any) -> float:
        """Seconds a call with these messages may take at the measured speed (see local_speed)."""
        prompt = estimate_tokens(self._with_system(messages))
        max_tokens = kwargs.get("max_tokens") or self.max_tokens or max(self.n_ctx - prompt, 16)
        return self.speed.deadline(prompt, max_tokens, attempt)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until this model's Llama is free and hold it (enter before a call timeout).

        The Llama is loaded (a bundled model assembled) here, so that is not call time either.
        """
        async with llama_gate.hold(self._key()):
            await asyncio.to_thread(self._llama)
            yield

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama, lock = self._llama()
        params = self._params(messages, stop, **kwargs)
        with lock:
            result = llama.create_chat_completion(**params)
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=_usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
            response_metadata={
                "model_name": self.model_name,
                "finish_reason": choice.get("finish_reason"),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Decoded as a stream so a timed-out or cancelled call stops at the next token
        # instead of finishing in its thread (llama.cpp cannot be interrupted mid-call).
        chunks = [chunk async for chunk in self._astream(messages, stop, None, **kwargs)]
        return generate_from_stream(iter(chunks))

    def _iter_chunks(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        cancelled: threading.Event,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Decode under the lock, yielding one chunk per piece; stop early when cancelled."""
        llama, lock = self._llama()
        params = self._params(messages, stop, **kwargs)
        pieces = 0
        finish_reason = None
        first_at = None
        with lock:
            context_before = getattr(llama, "input_ids", None)
            context_before = None if context_before is None else context_before.copy()
            started = time.perf_counter()
            stream = llama.create_chat_completion(**params, stream=True)
            try:
                for part in stream:
                    # The first part comes once the prompt is evaluated and a token sampled.
                    first_at = first_at or time.perf_counter()
                    if cancelled.is_set():
                        break
                    choice = part["choices"][0]
                    finish_reason = choice.get("finish_reason") or finish_reason
                    text = choice["delta"].get("content")
                    if text:
                        pieces += 1
                        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
            finally:
                stream.close()
                # Streamed responses carry no usage. The context holds the prompt and the
                # evaluated output; a token cut off by max_tokens was sampled, not evaluated.
                # (A piece may hold two tokens of one multi-byte character: then the
                # input/output split is off by that much, the total stays right.)
                evaluated = pieces - (1 if finish_reason == "length" else 0)
                prompt_tokens = max(llama.n_tokens - evaluated, 0)
                if first_at is not None:  # else it failed before any work worth timing
                    reused = reused_tokens(context_before, llama, prompt_tokens)
                    self.speed.observe(
                        prompt_tokens=prompt_tokens - reused,
                        prompt_s=first_at - started,
                        decoded=pieces - 1,
                        decode_s=time.perf_counter() - first_at,
                    )
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=_usage(prompt_tokens, pieces),
                response_metadata={"model_name": self.model_name, "finish_reason": finish_reason},
                chunk_position="last",
            )
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._iter_chunks(messages, stop, threading.Event(), **kwargs):
            if run_manager and chunk.text:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ChatGenerationChunk | BaseException | None] = asyncio.Queue()
        cancelled = threading.Event()

        def put(item: ChatGenerationChunk | BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody listens, stop decoding
                cancelled.set()

        def produce() -> None:
            try:
                for chunk in self._iter_chunks(messages, stop, cancelled, **kwargs):
                    put(chunk)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
                put(exc)
            else:
                put(None)

        await llama_gate.start(self._key(), produce)
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                if run_manager and item.text:
                    await run_manager.on_llm_new_token(item.text, chunk=item)
                yield item
        finally:
            cancelled.set()  # stop decoding if the consumer went away (timeout, cancel)
