"""Count a prompt's tokens before it is sent: the model's tokenizer where Sight has it offline.

- ``local/*``: the GGUF's own vocabulary (``Llama(vocab_only=True)``: no weights loaded), plus
  the chat template's markers per message;
- ``fake/*``: words, exactly what the scripted fake reports as usage;
- hosted models (Gemini, Ollama's gpt-oss): no tokenizer is available offline, so a
  chars-per-token rate. Qwen2.5's vocabulary reads Sight's Polish prompts at 2.4 characters a
  token (tools.models.local_speed); the hosted models' larger vocabularies do better on Polish,
  so 3.0 is assumed for them. Fewer characters per token counts more tokens: a budget errs on
  the safe side.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from langchain_core.messages import BaseMessage

from sight.settings import Settings
from tools.models.factory import local_model_path, parse_model_ref
from tools.models.fake import count_words
from tools.models.local_speed import CHARS_PER_TOKEN as LOCAL_CHARS_PER_TOKEN
from tools.models.local_speed import TOKENS_PER_MESSAGE

HOSTED_CHARS_PER_TOKEN = 3.0


class TokenCounter(Protocol):
    """Counts tokens of texts and chat prompts for one model."""

    name: str

    def count_text(self, text: str) -> int: ...

    def count_messages(self, messages: Sequence[BaseMessage]) -> int: ...


@dataclass
class WordCounter:
    """The fake provider's count: one token per whitespace-separated word."""

    name: str = "words"

    def count_text(self, text: str) -> int:
        return count_words(text)

    def count_messages(self, messages: Sequence[BaseMessage]) -> int:
        return sum(count_words(m.text) for m in messages)


@dataclass
class CharCounter:
    """A calibrated characters-per-token rate, plus the chat template's markers."""

    chars_per_token: float
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.chars_per_token} chars/token"

    def count_text(self, text: str) -> int:
        return math.ceil(len(text) / self.chars_per_token)

    def count_messages(self, messages: Sequence[BaseMessage]) -> int:
        body = sum(self.count_text(m.text) for m in messages)
        return body + TOKENS_PER_MESSAGE * (len(messages) + 1)


@dataclass
class VocabCounter:
    """A GGUF's tokenizer, loaded without its weights on first use."""

    path: Path
    name: str = "tokenizer"
    _vocab: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _tokenizer(self) -> Any:
        with self._lock:
            if self._vocab is None:
                from llama_cpp import Llama  # heavy native import, only when counting

                self._vocab = Llama(model_path=str(self.path), vocab_only=True, verbose=False)
            return self._vocab

    def count_text(self, text: str) -> int:
        if not text:
            return 0
        return len(self._tokenizer().tokenize(text.encode(), add_bos=False, special=False))

    def count_messages(self, messages: Sequence[BaseMessage]) -> int:
        body = sum(self.count_text(m.text) for m in messages)
        return body + TOKENS_PER_MESSAGE * (len(messages) + 1)


@lru_cache(maxsize=16)
def _vocab_counter(path: str) -> VocabCounter:
    return VocabCounter(Path(path))


def token_counter(ref: str, settings: Settings) -> TokenCounter:
    """The counter for ``provider/model``: its tokenizer when its GGUF is on disk, else a rate."""
    provider = parse_model_ref(ref).provider
    if provider == "fake":
        return WordCounter()
    if provider == "local":
        path = local_model_path(parse_model_ref(ref).name, settings)
        if path.is_file():
            return _vocab_counter(str(path))
        return CharCounter(LOCAL_CHARS_PER_TOKEN)
    return CharCounter(HOSTED_CHARS_PER_TOKEN)
