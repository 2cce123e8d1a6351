"""Local calls: one at a time per Llama, waiting outside the timeout, stopping when timed out.

A stand-in for ``llama_cpp.Llama`` decodes scripted pieces with a delay each, so these tests
need no model file and run in well under a second each.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from sight.errors import ModelError
from sight.settings import load_settings
from tools.models import ChatLlamaCpp, ModelRouter

PROMPT_TOKENS = 7


class FakeLlama:
    """Decodes ``pieces`` one per ``per_piece_s``; counts what it decoded and calls in flight."""

    def __init__(self, pieces: list[str], per_piece_s: float) -> None:
        self.pieces = pieces
        self.per_piece_s = per_piece_s
        self.n_tokens = 0
        self.decoded = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def create_chat_completion(self, stream: bool = False, **_: Any) -> Any:
        if stream:
            return self._stream()
        self._enter()  # like llama.cpp: a non-streamed call cannot be interrupted
        try:
            for _piece in self.pieces:
                time.sleep(self.per_piece_s)
                self.decoded += 1
        finally:
            self._leave()
        usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": len(self.pieces)}
        message = {"content": "".join(self.pieces)}
        return {"choices": [{"message": message, "finish_reason": "stop"}], "usage": usage}

    def _stream(self) -> Iterator[dict[str, Any]]:
        self._enter()
        try:
            self.n_tokens = PROMPT_TOKENS
            for piece in self.pieces:
                time.sleep(self.per_piece_s)
                self.decoded += 1
                yield {"choices": [{"delta": {"content": piece}, "finish_reason": None}]}
                self.n_tokens += 1  # evaluated when asked for the next token
            yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}
        finally:
            self._leave()


def _router(tmp_path, monkeypatch, llama: FakeLlama, **overrides: Any) -> ModelRouter:
    pair = (llama, threading.Lock())
    monkeypatch.setattr("tools.models.local.load_llama", lambda *args, **kwargs: pair)
    values: dict[str, Any] = {"model_max_retries": 0, "_env_file": None, **overrides}
    settings = load_settings(data_dir=tmp_path, provider="local", **values)
    model = ChatLlamaCpp(model_path=tmp_path / "fake.gguf", model_name="local/smollm2-135m")
    return ModelRouter(settings, models={"local/smollm2-135m": model})


async def test_timed_out_call_stops_decoding_and_frees_the_model(tmp_path, monkeypatch) -> None:
    llama = FakeLlama(["tok "] * 250, per_piece_s=0.02)  # 5 s if it ran to the end
    router = _router(tmp_path, monkeypatch, llama, local_timeout_s=0.1)

    with pytest.raises(ModelError, match="TimeoutError"):
        await router.for_run("r").ainvoke("fast", "hi")
    for _ in range(100):  # the worker notices within one piece
        if llama.in_flight == 0:
            break
        await asyncio.sleep(0.01)

    assert llama.in_flight == 0
    assert llama.decoded < 60


async def test_waiting_for_the_model_does_not_count_against_the_call_timeout(
    tmp_path, monkeypatch
) -> None:
    llama = FakeLlama(["a ", "b ", "c ", "d ", "e"], per_piece_s=0.04)  # 0.2 s per call
    # Settings allow 4 local calls in flight; the Llama still runs one at a time.
    router = _router(
        tmp_path, monkeypatch, llama, local_timeout_s=0.5, max_concurrency={"local": 4}
    )

    answers = await asyncio.gather(
        *(router.for_run(f"r{i}").ainvoke("fast", "hi") for i in range(4))
    )

    # The last call waited ~0.6 s for the model, longer than its 0.5 s timeout.
    assert [a.text for a in answers] == ["a b c d e"] * 4
    assert llama.max_in_flight == 1


async def test_non_streamed_call_reports_prompt_and_output_tokens(tmp_path, monkeypatch) -> None:
    llama = FakeLlama(["Hello", ",", " world"], per_piece_s=0.0)
    router = _router(tmp_path, monkeypatch, llama)
    models = router.for_run("r")

    answer = await models.ainvoke("fast", "hi")

    assert answer.text == "Hello, world"
    assert answer.usage_metadata["input_tokens"] == PROMPT_TOKENS
    assert answer.usage_metadata["output_tokens"] == 3
    assert answer.response_metadata["finish_reason"] == "stop"
    assert models.usage.total_tokens == PROMPT_TOKENS + 3


async def test_direct_calls_outside_the_policy_also_run_one_at_a_time(
    tmp_path, monkeypatch
) -> None:
    llama = FakeLlama(["x"] * 3, per_piece_s=0.01)
    model = _router(tmp_path, monkeypatch, llama).model("local/smollm2-135m")

    answers = await asyncio.gather(*(model.ainvoke("hi") for _ in range(3)))

    assert [a.text for a in answers] == ["xxx"] * 3
    assert llama.max_in_flight == 1
