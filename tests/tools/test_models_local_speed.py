"""A local call's deadline follows the model's measured speed; a second timeout ends its tries.

A stand-in for ``llama_cpp.Llama`` evaluates the prompt and decodes pieces with scripted
delays, so no model file is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from sight.errors import ModelError
from sight.settings import load_settings
from tools.models import ChatLlamaCpp, ModelRouter, ScriptedChatModel
from tools.models.local import call_timeout, timeout_is_final
from tools.models.local_speed import (
    OVERHEAD_S,
    SLACK,
    START_DECODE_TPS,
    Speed,
    estimate_tokens,
    reused_tokens,
)


class TimedLlama:
    """Evaluates a prompt of ``prompt_tokens`` in ``prompt_s``, then one piece per ``piece_s``."""

    def __init__(
        self, pieces: int, piece_s: float, prompt_tokens: int = 100, prompt_s: float = 0.0
    ):
        self.pieces, self.piece_s = pieces, piece_s
        self.prompt_tokens, self.prompt_s = prompt_tokens, prompt_s
        self.n_tokens = 0
        self.input_ids = np.arange(0, dtype=np.intc)
        self.calls = 0
        self.messages: list[dict[str, str]] = []
        self.params: dict[str, Any] = {}

    def create_chat_completion(self, stream: bool = False, **params: Any) -> Iterator[dict]:
        self.calls += 1
        self.params = params
        return self._stream()

    def _stream(self) -> Iterator[dict[str, Any]]:
        time.sleep(self.prompt_s)
        self.n_tokens = self.prompt_tokens
        self.input_ids = np.arange(self.prompt_tokens, dtype=np.intc)
        for _ in range(self.pieces):
            time.sleep(self.piece_s)
            yield {"choices": [{"delta": {"content": "x"}, "finish_reason": None}]}
            self.n_tokens += 1
        yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}


def _model(tmp_path, monkeypatch, llama: TimedLlama, name: str = "a") -> ChatLlamaCpp:
    pair = (llama, threading.Lock())
    monkeypatch.setattr("tools.models.local.load_llama", lambda *args, **kwargs: pair)
    return ChatLlamaCpp(model_path=tmp_path / f"{name}.gguf", model_name="local/smollm2-135m")


def _router(tmp_path, model: ChatLlamaCpp, **overrides: Any) -> ModelRouter:
    values: dict[str, Any] = {
        "model_backoff_initial_s": 0.0,
        "model_backoff_max_s": 0.0,
        "_env_file": None,
        **overrides,
    }
    settings = load_settings(data_dir=tmp_path, provider="local", **values)
    return ModelRouter(settings, models={"local/smollm2-135m": model})


def test_speed_when_slower_sample_then_it_weighs_more_than_a_faster_one() -> None:
    speed = Speed(prompt_tps=50.0, decode_tps=10.0)

    speed.observe(decoded=40, decode_s=20.0)  # 2 tok/s: the box turned busy
    slowed = speed.decode_tps
    speed.observe(decoded=40, decode_s=2.0)  # 20 tok/s again

    assert slowed == pytest.approx(10 + 0.7 * (2 - 10))
    assert speed.decode_tps == pytest.approx(slowed + 0.2 * (20 - slowed))
    assert speed.prompt_tps == 50.0  # no prompt sample given


def test_speed_when_samples_too_small_then_ignored() -> None:
    speed = Speed(prompt_tps=50.0, decode_tps=10.0)

    speed.observe(prompt_tokens=5, prompt_s=10.0, decoded=3, decode_s=30.0)

    assert (speed.prompt_tps, speed.decode_tps, speed.samples) == (50.0, 10.0, 0)


def test_deadline_when_computed_then_work_at_speed_with_slack_doubled_per_attempt() -> None:
    speed = Speed(prompt_tps=50.0, decode_tps=10.0)

    first = speed.deadline(prompt_tokens=1000, max_tokens=300)

    assert first == pytest.approx(OVERHEAD_S + SLACK * (1000 / 50 + 300 / 10))
    assert speed.deadline(1000, 300, attempt=2) == pytest.approx(2 * first)


def test_estimate_tokens_counts_polish_text_generously() -> None:
    messages = [SystemMessage(content="Jesteś badaczem rynku. " * 20), HumanMessage(content="ok")]

    assert estimate_tokens(messages) >= len("Jesteś badaczem rynku. " * 20) / 4


def test_reused_tokens_is_the_prefix_shared_with_the_previous_context() -> None:
    llama = TimedLlama(0, 0.0)
    llama.input_ids = np.array([1, 2, 3, 9, 9], dtype=np.intc)

    assert reused_tokens(np.array([1, 2, 3, 4]), llama, prompt_tokens=5) == 3
    assert reused_tokens(None, llama, prompt_tokens=5) == 0


async def test_streamed_call_records_prompt_and_decode_speed(tmp_path, monkeypatch) -> None:
    llama = TimedLlama(pieces=20, piece_s=0.01, prompt_tokens=100, prompt_s=0.2)
    model = _model(tmp_path, monkeypatch, llama, "timed")

    await model.ainvoke("hi")

    # 100 tokens in ~0.2 s (plus a piece), 19 pieces in ~0.19 s; blended from the start values
    assert model.speed.samples == 2
    assert 20 < model.speed.prompt_tps < 20 + 0.2 * (500 - 20) + 1
    assert START_DECODE_TPS < model.speed.decode_tps < START_DECODE_TPS + 0.2 * 100 + 1
    assert llama.params["repeat_penalty"] == 1.1


async def test_call_without_system_message_gets_the_model_system_prompt(
    tmp_path, monkeypatch
) -> None:
    llama = TimedLlama(pieces=1, piece_s=0.0)
    model = _model(tmp_path, monkeypatch, llama).model_copy(update={"system_prompt": "Po polsku."})

    await model.ainvoke("hi")
    assert llama.params["messages"][0] == {"role": "system", "content": "Po polsku."}
    await model.ainvoke([("system", "Persona."), ("human", "hi")])
    assert [m["content"] for m in llama.params["messages"]] == ["Persona.", "hi"]


def test_call_timeout_when_network_model_then_the_setting(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, model_timeout_s=42, _env_file=None)

    assert call_timeout(ScriptedChatModel(), [HumanMessage("hi")], settings, 2) == 42


def test_call_timeout_when_local_then_grows_with_prompt_and_output(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, _env_file=None)
    model = ChatLlamaCpp(model_path=tmp_path / "deadline.gguf", max_tokens=512)
    short, long = [HumanMessage("hi")], [HumanMessage("słowo " * 2000)]

    base = call_timeout(model, short, settings)

    assert base == pytest.approx(model.speed.deadline(estimate_tokens(short), 512))
    assert call_timeout(model, long, settings) > base
    assert call_timeout(model, short, settings, max_tokens=64) < base
    assert call_timeout(model, short, settings, attempt=2) == pytest.approx(2 * base)


def test_call_timeout_when_local_timeout_set_then_fixed_and_doubled_on_retry(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, local_timeout_s=30, _env_file=None)
    model = ChatLlamaCpp(model_path=tmp_path / "fixed.gguf")

    assert call_timeout(model, [HumanMessage("hi")], settings) == 30
    assert call_timeout(model, [HumanMessage("hi")], settings, attempt=2) == 60


def test_timeout_is_final_only_for_a_local_models_second_timeout(tmp_path) -> None:
    local = ChatLlamaCpp(model_path=tmp_path / "x.gguf")

    assert not timeout_is_final(local, TimeoutError(), 1)
    assert timeout_is_final(local, TimeoutError(), 2)
    assert not timeout_is_final(local, ValueError(), 2)
    assert not timeout_is_final(ScriptedChatModel(), TimeoutError(), 2)


async def test_local_call_timing_out_twice_is_not_tried_a_third_time(tmp_path, monkeypatch) -> None:
    llama = TimedLlama(pieces=40, piece_s=0.02)  # 0.8 s: longer than 0.1 s, then 0.2 s
    model = _model(tmp_path, monkeypatch, llama, "slow")
    router = _router(tmp_path, model, local_timeout_s=0.1, model_max_retries=3)

    with pytest.raises(ModelError, match="timed out twice"):
        await router.for_run("r").ainvoke("fast", "hi")

    assert llama.calls == 2


async def test_local_call_retried_after_a_timeout_gets_twice_the_time(
    tmp_path, monkeypatch
) -> None:
    llama = TimedLlama(pieces=6, piece_s=0.05)  # 0.3 s: over 0.25 s, well under 0.5 s
    model = _model(tmp_path, monkeypatch, llama, "retried")
    router = _router(tmp_path, model, local_timeout_s=0.25, model_max_retries=1)

    answer = await router.for_run("r").ainvoke("fast", "hi")

    assert answer.text == "x" * 6
    assert llama.calls == 2
