"""The Ollama provider against a stand-in server speaking /api/chat (streamed NDJSON)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from sight.errors import ModelError
from sight.settings import Settings, load_settings
from tests.tools.ollama_stub import OllamaStub, running_stub
from tools.models import ModelRouter


@pytest.fixture
def stub() -> Iterator[OllamaStub]:
    with running_stub() as server:
        yield server


def _settings(stub: OllamaStub, tmp_path, **overrides: object) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        provider="ollama",
        ollama_base_url=stub.url,
        model_backoff_initial_s=0.001,
        model_backoff_max_s=0.002,
        model_max_retries=1,
        _env_file=None,
        **overrides,
    )


async def test_answer_streams_from_default_model_with_usage(stub: OllamaStub, tmp_path) -> None:
    stub.reply = "Warsaw is the capital"
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    answer = await models.ainvoke("fast", "Capital of Poland?")

    assert answer.content == "Warsaw is the capital"
    assert stub.models_called() == ["gpt-oss:120b"]
    assert stub.requests[0].body["stream"] is True
    assert stub.requests[0].body["messages"][-1]["content"] == "Capital of Poland?"
    assert models.usage.by_model["ollama/gpt-oss:120b"].input_tokens == 12
    assert models.usage.by_model["ollama/gpt-oss:120b"].output_tokens == 4


@pytest.mark.parametrize(("status", "tries_on_120b"), [(404, 1), (500, 2)])
async def test_when_120b_fails_then_20b_answers(
    stub: OllamaStub, tmp_path, status: int, tries_on_120b: int
) -> None:
    stub.always_fail["gpt-oss:120b"] = status
    stub.replies["gpt-oss:20b"] = "small model answer"
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    answer = await models.ainvoke("deep", "hi")

    assert answer.content == "small model answer"
    # 404 (model missing) is not retried; 500 is retried once (model_max_retries=1)
    assert stub.models_called() == ["gpt-oss:120b"] * tries_on_120b + ["gpt-oss:20b"]


async def test_when_server_recovers_after_500_then_same_model_answers(
    stub: OllamaStub, tmp_path
) -> None:
    stub.statuses["gpt-oss:120b"] = [503]
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    await models.ainvoke("fast", "hi")

    assert stub.models_called() == ["gpt-oss:120b", "gpt-oss:120b"]


async def test_when_both_models_fail_then_error_names_both(stub: OllamaStub, tmp_path) -> None:
    stub.always_fail.update({"gpt-oss:120b": 404, "gpt-oss:20b": 500})
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    with pytest.raises(ModelError) as caught:
        await models.ainvoke("fast", "hi")

    assert "ollama/gpt-oss:120b -> ResponseError: model" in str(caught.value)
    assert "ollama/gpt-oss:20b -> ResponseError: stub error 500 (status code: 500)" in str(
        caught.value
    )


async def test_api_key_is_sent_as_bearer_header(stub: OllamaStub, tmp_path) -> None:
    models = ModelRouter(_settings(stub, tmp_path, ollama_api_key="ollama-cloud-key")).for_run("r")

    await models.ainvoke("fast", "hi")

    assert stub.requests[0].headers["authorization"] == "Bearer ollama-cloud-key"


async def test_without_api_key_no_authorization_header(
    stub: OllamaStub, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OLLAMA_API_KEY", raising=False)
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    await models.ainvoke("fast", "hi")

    assert "authorization" not in stub.requests[0].headers


class City(BaseModel):
    name: str


async def test_structured_call_sends_schema_as_format(stub: OllamaStub, tmp_path) -> None:
    stub.reply = '{"name": "Gdansk"}'
    models = ModelRouter(_settings(stub, tmp_path)).for_run("r")

    city = await models.ainvoke("fast", "A Polish port city?", schema=City)

    assert city == City(name="Gdansk")
    assert stub.requests[0].body["format"] == City.model_json_schema()
