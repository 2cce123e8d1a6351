"""Token counters: the fake's words, calibrated character rates, a GGUF's own vocabulary."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from sight.settings import load_settings
from tools.models import ScriptedChatModel
from tools.models.factory import local_model_path
from tools.models.local_speed import TOKENS_PER_MESSAGE
from tools.models.tokens import (
    HOSTED_CHARS_PER_TOKEN,
    CharCounter,
    VocabCounter,
    WordCounter,
    token_counter,
)

POLISH = "Zażółć gęślą jaźń, czyli jak bardzo prawdopodobne jest, że kupisz nowy telefon?"
MESSAGES = [
    SystemMessage(content="Jesteś  uczestnikiem\nbadania fokusowego.  "),
    HumanMessage(content=POLISH),
    AIMessage(content="Raczej tak, ale cena ma znaczenie."),
]


def _settings(tmp_path, **overrides):
    return load_settings(
        data_dir=tmp_path / "data",
        provider="fake",
        local_models_dir=tmp_path / "models",
        _env_file=None,
        **overrides,
    )


async def test_word_counter_equals_the_fakes_reported_usage_on_the_same_messages() -> None:
    fake = ScriptedChatModel(script=["Myślę, że  to\tzależy od ceny."])

    answer = await fake.ainvoke(MESSAGES)

    counter = WordCounter()
    assert answer.usage_metadata["input_tokens"] == counter.count_messages(MESSAGES)
    assert answer.usage_metadata["output_tokens"] == counter.count_text(answer.text) == 6


def test_word_counter_adds_nothing_per_message() -> None:
    counter = WordCounter()

    assert counter.count_messages([HumanMessage(content="a b"), HumanMessage(content="")]) == 2
    assert counter.count_text("") == 0


def test_char_counter_rounds_up_characters_over_its_rate() -> None:
    counter = CharCounter(3.0)

    assert [counter.count_text("x" * n) for n in (0, 1, 3, 4, 6, 7)] == [0, 1, 1, 2, 2, 3]
    assert CharCounter(2.4).count_text("x" * 13) == 6  # 5.42 tokens


def test_char_counter_counts_exact_multiples_of_its_rate_without_an_extra_token() -> None:
    counter = CharCounter(2.4)

    assert [counter.count_text("x" * n) for n in (12, 24, 120)] == [5, 10, 50]


def test_char_counter_adds_template_markers_per_message_and_one_for_the_answer() -> None:
    counter = CharCounter(3.0)
    body = sum(counter.count_text(m.text) for m in MESSAGES)

    assert counter.count_messages(MESSAGES) == body + TOKENS_PER_MESSAGE * (len(MESSAGES) + 1)
    assert counter.count_messages([]) == TOKENS_PER_MESSAGE


def test_char_counter_names_its_rate_unless_named() -> None:
    assert CharCounter(3.0).name == "3.0 chars/token"
    assert CharCounter(2.4, name="qwen").name == "qwen"


def test_token_counter_for_fake_counts_words(tmp_path) -> None:
    counter = token_counter("fake/scripted", _settings(tmp_path))

    assert isinstance(counter, WordCounter)


@pytest.mark.parametrize("ref", ["gemini/gemini-2.5-flash", "ollama/gpt-oss:20b"])
def test_token_counter_for_hosted_models_uses_three_chars_per_token(tmp_path, ref) -> None:
    counter = token_counter(ref, _settings(tmp_path))

    assert isinstance(counter, CharCounter)
    assert counter.chars_per_token == HOSTED_CHARS_PER_TOKEN == 3.0
    assert counter.count_text("x" * 30) == 10


def test_token_counter_for_local_model_without_gguf_on_disk_uses_qwen_rate(tmp_path) -> None:
    settings = _settings(tmp_path)
    assert not local_model_path("qwen2.5-1.5b", settings).exists()

    counter = token_counter("local/qwen2.5-1.5b", settings)

    assert isinstance(counter, CharCounter)
    assert counter.chars_per_token == 2.4
    # Fewer characters per token than hosted models: the same prompt counts more tokens.
    hosted = token_counter("gemini/gemini-2.5-flash", settings)
    assert counter.count_messages(MESSAGES) > hosted.count_messages(MESSAGES)


def test_token_counter_for_local_model_with_gguf_on_disk_uses_its_vocabulary(tmp_path) -> None:
    gguf = tmp_path / "own.gguf"
    gguf.write_bytes(b"")  # never loaded: the vocabulary is read on first count

    counter = token_counter(f"local/{gguf}", _settings(tmp_path))

    assert isinstance(counter, VocabCounter)
    assert counter.path == gguf
    assert counter._vocab is None


def test_vocab_counter_counts_nothing_for_empty_text_without_loading(tmp_path) -> None:
    counter = VocabCounter(tmp_path / "missing.gguf")

    assert counter.count_text("") == 0
    assert counter._vocab is None


def test_vocab_counter_counts_a_polish_sentence_with_the_qwen_vocabulary(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", provider="fake", _env_file=None)
    path = local_model_path("qwen2.5-1.5b", settings)
    if not path.is_file():
        pytest.skip(f"no Qwen2.5-1.5B GGUF at {path}")

    counter = VocabCounter(path)
    tokens = counter.count_text(POLISH)

    # Qwen reads Polish at about 2.4 characters a token (tools.models.local_speed).
    assert len(POLISH) / 4 < tokens < len(POLISH) / 1.5
    assert counter.count_messages([HumanMessage(content=POLISH)]) == tokens + 2 * (
        TOKENS_PER_MESSAGE
    )
