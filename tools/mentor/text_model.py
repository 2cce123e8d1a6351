"""A chat model that says a given text: the mentor's answers written without a model (the
results' facts, the fixed replies) stream to the client word by word like any answer.

LangGraph's ``messages`` stream carries what chat models emit through callbacks; a message a
node merely returns arrives whole, at the node's end. Going through this model, a reply written
from the results reaches agent-chat-ui and ``useStream`` the same way as a model's answer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_PIECES = re.compile(r"\S+\s*|\s+")


class TextModel(BaseChatModel):
    """Answers ``text`` whatever it is asked; streams it in words."""

    text: str
    message_id: str | None = None  # stream as more of this message (the client joins by id)
    model_name: str = "sight/results"

    @property
    def _llm_type(self) -> str:
        return "sight-text"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = AIMessage(
            self.text, id=self.message_id, response_metadata={"model_name": self.model_name}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in _PIECES.findall(self.text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece, id=self.message_id))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for piece in _PIECES.findall(self.text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece, id=self.message_id))
            if run_manager is not None:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
