"""A scripted chat model for tests anywhere in the repo (the ``fake`` provider).

Each call takes the next item of ``script``: a string or ``AIMessage`` is the answer, an
exception is raised, a callable gets the messages and returns either. When the script is
used up, ``default`` answers (or the call fails, naming the model). It streams word by word,
counts its calls and the most calls it had in flight, and can wait ``delay_s`` per call.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

# What a script may hold (documentation; the field accepts any of these).
ScriptItem = str | AIMessage | BaseException | Callable[[list[BaseMessage]], Any]
_WORDS = re.compile(r"\S+\s*|\s+")


class FakeScriptExhaustedError(RuntimeError):
    """A fake model was called more often than its script allows."""


def count_words(text: str) -> int:
    """Token estimate of the fake model: one token per whitespace-separated word."""
    return len(text.split())


class ScriptedChatModel(BaseChatModel):
    """Answer from a script, in order; see the module docstring."""

    model_name: str = "fake/scripted"
    script: list[Any] = Field(default_factory=list)
    default: str | None = None
    delay_s: float = 0.0

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _position: int = PrivateAttr(default=0)
    _in_flight: int = PrivateAttr(default=0)
    calls: list[list[BaseMessage]] = Field(default_factory=list, exclude=True)
    call_kwargs: list[dict[str, Any]] = Field(default_factory=list, exclude=True)
    max_in_flight: int = Field(default=0, exclude=True)

    @property
    def _llm_type(self) -> str:
        return "fake-scripted"

    @property
    def remaining(self) -> int:
        """How many scripted items have not been used yet."""
        return len(self.script) - self._position

    def _take(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
        """Record the call and take its script item (a timed-out call still uses one)."""
        with self._lock:
            self.calls.append(list(messages))
            self.call_kwargs.append(dict(kwargs))
            if self._position < len(self.script):
                self._position += 1
                return self.script[self._position - 1]
            if self.default is not None:
                return self.default
            raise FakeScriptExhaustedError(
                f"fake model {self.model_name!r} has no scripted answer left "
                f"(call {len(self.calls)}); script more items or set default="
            )

    @staticmethod
    def _answer(item: Any, messages: list[BaseMessage], max_tokens: int | None = None) -> AIMessage:
        """Turn a script item into the answer, or raise it; like a provider, stop at
        ``max_tokens`` words when a cap is given."""
        if callable(item) and not isinstance(item, BaseMessage):
            item = item(list(messages))
        if isinstance(item, BaseException):
            raise item
        message = item if isinstance(item, AIMessage) else AIMessage(content=str(item))
        if max_tokens is not None and count_words(message.text) > max_tokens:
            cut = " ".join(message.text.split()[:max_tokens])
            message = AIMessage(content=cut)
        if message.usage_metadata is None:
            words_in = sum(count_words(m.text) for m in messages)
            words_out = count_words(message.text)
            usage = UsageMetadata(
                input_tokens=words_in, output_tokens=words_out, total_tokens=words_in + words_out
            )
            message = message.model_copy(update={"usage_metadata": usage})
        return message

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        item = self._take(messages, kwargs)
        self._enter()
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            message = self._answer(item, messages, kwargs.get("max_tokens"))
        finally:
            self._leave()
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        item = self._take(messages, kwargs)
        self._enter()
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            message = self._answer(item, messages, kwargs.get("max_tokens"))
        finally:
            self._leave()
        return ChatResult(generations=[ChatGeneration(message=message)])

    @staticmethod
    def _chunks(message: AIMessage) -> Iterator[ChatGenerationChunk]:
        for word in _WORDS.findall(message.text):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", usage_metadata=message.usage_metadata, chunk_position="last"
            )
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop, **kwargs).generations[0].message
        for chunk in self._chunks(message):  # type: ignore[arg-type]
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
        result = await self._agenerate(messages, stop, **kwargs)
        for chunk in self._chunks(result.generations[0].message):  # type: ignore[arg-type]
            if run_manager and chunk.text:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
