"""How fast each loaded local model runs, and so how long its next call may take.

llama.cpp's speed on a shared CPU varies tenfold with load (Qwen2.5-1.5B on 2 cores decodes
6 tok/s with one thread, 0.4 with two threads and two other jobs running: see
evals/benchmarks/local_model.py), so a fixed timeout either kills calls that are progressing
or waits far too long for a stuck one. Each loaded model keeps a moving average
of its prompt and decode speeds, updated after every call (a timed-out one too, from what it
got done), and a call's deadline is the time its prompt and ``max_tokens`` take at those
speeds, times :data:`SLACK`. A slower sample weighs 0.7 and a faster one 0.2: a box that
turns busy lengthens the next deadline at once, one that turns quiet shortens it slowly.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from tools.models.llama_gate import LlamaKey

SLACK = 2.0
OVERHEAD_S = 5.0  # sampling setup, the grammar, the first token: not proportional to tokens
# Characters per Qwen2.5 token in the persona prompts: 2.8 (system), 2.3 (profile, with its
# numbers), 3.4 (JSON schema); English runs ~4. Fewer characters per token counts more tokens.
CHARS_PER_TOKEN = 2.4
TOKENS_PER_MESSAGE = 8  # the chat template's markers around each message
# Where an unmeasured model starts: a 1.5B model on a busy 2-core box.
START_PROMPT_TPS = 20.0
START_DECODE_TPS = 3.0
SLOWER_WEIGHT = 0.7
FASTER_WEIGHT = 0.2
MIN_PROMPT_SAMPLE = 32  # tokens: shorter prompts are timed mostly by overhead
MIN_DECODE_SAMPLE = 8


def _blend(current: float, sample: float) -> float:
    weight = SLOWER_WEIGHT if sample < current else FASTER_WEIGHT
    return current + weight * (sample - current)


@dataclass
class Speed:
    """Moving averages of one model's prompt and decode speeds (tokens per second)."""

    prompt_tps: float = START_PROMPT_TPS
    decode_tps: float = START_DECODE_TPS
    samples: int = 0

    def observe(
        self,
        *,
        prompt_tokens: int = 0,
        prompt_s: float = 0.0,
        decoded: int = 0,
        decode_s: float = 0.0,
    ) -> None:
        """Fold one call's timings in; parts too small to mean anything are ignored."""
        if prompt_tokens >= MIN_PROMPT_SAMPLE and prompt_s > 0:
            self.prompt_tps = _blend(self.prompt_tps, prompt_tokens / prompt_s)
            self.samples += 1
        if decoded >= MIN_DECODE_SAMPLE and decode_s > 0:
            self.decode_tps = _blend(self.decode_tps, decoded / decode_s)
            self.samples += 1

    def deadline(self, prompt_tokens: int, max_tokens: int, attempt: int = 1) -> float:
        """Seconds a call may take: its work at the current speeds, with slack, doubled per retry."""
        work = prompt_tokens / self.prompt_tps + max_tokens / self.decode_tps
        return (OVERHEAD_S + SLACK * work) * 2 ** (attempt - 1)


_speeds: dict[LlamaKey, Speed] = {}
_speeds_lock = threading.Lock()


def speed_of(key: LlamaKey) -> Speed:
    """The speed record of one loaded model (shared by every ChatLlamaCpp on it)."""
    with _speeds_lock:
        return _speeds.setdefault(key, Speed())


def estimate_tokens(messages: Sequence[BaseMessage]) -> int:
    """A generous token count for a prompt, without the tokenizer (it needs the model)."""
    chars = sum(len(m.text) for m in messages)
    return int(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * (len(messages) + 1)


def reused_tokens(context_before: Any, llama: Any, prompt_tokens: int) -> int:
    """Count the prompt tokens a call took from the KV cache.

    llama-cpp-python keeps the prefix a prompt shares with the context the previous call left
    and evaluates only the rest; ``context_before`` is that context's token ids.
    """
    after = getattr(llama, "input_ids", None)
    if context_before is None or after is None:
        return 0
    shared = 0
    for a, b in zip(context_before, after[:prompt_tokens], strict=False):
        if a != b:
            break
        shared += 1
    return shared
