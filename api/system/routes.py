"""Meta routes: liveness (/ok), server info (/info) and a per-component health check (/health).

/ok and /info answer without a key (load balancers, Studio, agent-chat-ui probe them);
/health touches the backends, so it needs a principal, and only admins see each component's
detail (file paths, URLs). No health check costs money: models are checked by configuration
and reachability, never by a completion. The vector store is asked through the client the
server holds: embedded Qdrant admits one client per folder.
"""

from __future__ import annotations

import asyncio
import uuid
from importlib.metadata import PackageNotFoundError, version
from typing import get_args

import httpx
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.auth import PrincipalDep
from api.deps import ResourcesDep
from runtime.resources import Resources
from sight.errors import ModelError
from sight.settings import Role, Settings
from tools.models import parse_model_ref
from tools.models.classify import describe_error
from tools.models.factory import local_model_status

router = APIRouter(tags=["system"])

CHECK_TIMEOUT_S = 5.0
OLLAMA_TIMEOUT_S = 2.0

Check = tuple[bool, str]


class OkResponse(BaseModel):
    ok: bool = Field(description="True whenever the server process answers.", examples=[True])


class InfoFlags(BaseModel):
    assistants: bool = Field(description="Assistants API is served.", examples=[True])
    crons: bool = Field(description="Cron API is served (it is not).", examples=[False])
    langsmith: bool = Field(description="LangSmith tracing is on (it is not).", examples=[False])


class InfoHost(BaseModel):
    kind: str = Field(description="How the server is deployed.", examples=["self-hosted"])


class InfoResponse(BaseModel):
    version: str = Field(description="Sight's version.", examples=["0.1.0"])
    langgraph_py_version: str = Field(
        description="Version of the langgraph library running the graphs.", examples=["1.2.22"]
    )
    flags: InfoFlags = Field(description="Which optional Agent Server APIs are available.")
    host: InfoHost = Field(description="Deployment facts clients such as Studio read.")


class ComponentHealth(BaseModel):
    ok: bool = Field(description="True when the component works.", examples=[True])
    detail: str | None = Field(
        default=None,
        description="What was checked, or what is wrong and how to fix it (admin keys only).",
        examples=["sqlite answers SELECT 1"],
    )


class HealthResponse(BaseModel):
    ok: bool = Field(description="True when every component is ok.", examples=[False])
    components: dict[str, ComponentHealth] = Field(
        description="database, checkpointer, vector_store and one entry per model role.",
        examples=[
            {
                "database": {"ok": True, "detail": "sqlite answers SELECT 1"},
                "model_fast": {
                    "ok": False,
                    "detail": "ollama/gpt-oss:20b: http://127.0.0.1:11434 unreachable: "
                    "ConnectError: All connection attempts failed",
                },
            }
        ],
    )


def _version(package: str, default: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return default


@router.get("/ok", summary="Liveness probe")
async def ok() -> OkResponse:
    """Answer while the process is up; checks nothing else (see /health)."""
    return OkResponse(ok=True)


@router.get("/info", summary="Server info")
async def info(request: Request) -> InfoResponse:
    """Describe the server the way the LangGraph Agent Server does (docs/protocol.md §2)."""
    return InfoResponse(
        version=_version("sight", request.app.version),
        langgraph_py_version=_version("langgraph", "unknown"),
        flags=InfoFlags(assistants=True, crons=False, langsmith=False),
        host=InfoHost(kind="self-hosted"),
    )


@router.get(
    "/health",
    summary="Component health",
    responses={503: {"model": HealthResponse, "description": "At least one component failed."}},
    response_model_exclude_none=True,
)
async def health(response: Response, resources: ResourcesDep, who: PrincipalDep) -> HealthResponse:
    """Check database, checkpointer, vector store and every model role; 503 if one fails.

    Only admin keys see each component's detail; other keys get ``ok`` per component.
    """
    components = await check_components(resources)
    all_ok = all(c.ok for c in components.values())
    if not all_ok:
        response.status_code = 503
    if not who.has_role("admin"):
        components = {name: ComponentHealth(ok=c.ok) for name, c in components.items()}
    return HealthResponse(ok=all_ok, components=components)


async def check_components(resources: Resources) -> dict[str, ComponentHealth]:
    """Run every check concurrently, each under a timeout; secrets never reach a detail."""
    settings = resources.settings
    secrets = _secrets(settings)
    checks = {
        "database": _check_database(resources),
        "checkpointer": _check_checkpointer(resources),
        "vector_store": _check_vector_store(resources),
        "models": _check_models(resources),
    }

    async def guarded(coro) -> Check | dict[str, Check]:
        try:
            return await asyncio.wait_for(coro, CHECK_TIMEOUT_S)
        except TimeoutError:
            return False, f"no answer within {CHECK_TIMEOUT_S:g}s"
        except Exception as exc:  # noqa: BLE001 - a failing backend is a result, not a crash
            return False, describe_error(exc, secrets)

    results = dict(zip(checks, await asyncio.gather(*map(guarded, checks.values())), strict=True))
    models = results.pop("models")
    if isinstance(models, tuple):  # the model checks themselves failed
        models = {f"model_{role}": models for role in get_args(Role)}
    results.update(models)
    return {name: ComponentHealth(ok=ok, detail=detail) for name, (ok, detail) in results.items()}


def _secrets(settings: Settings) -> list[str]:
    keys = (settings.ollama_api_key, settings.google_api_key, settings.qdrant_api_key)
    found = [key.get_secret_value() for key in keys if key is not None]
    password = make_url(settings.database_url_resolved).password
    return found + ([str(password)] if password else [])


async def _check_database(resources: Resources) -> Check:
    async with resources.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True, f"{resources.engine.dialect.name} answers SELECT 1"


async def _check_checkpointer(resources: Resources) -> Check:
    config = {"configurable": {"thread_id": f"health-{uuid.uuid4()}", "checkpoint_ns": ""}}
    await resources.checkpointer.aget_tuple(config)
    return True, f"{type(resources.checkpointer).__name__} reads checkpoints"


async def _check_vector_store(resources: Resources) -> Check:
    settings = resources.settings
    where = settings.qdrant_url or f"embedded at {settings.qdrant_path}"
    collections = (await resources.qdrant().get_collections()).collections
    return True, f"qdrant {where}: {len(collections)} collection(s)"


async def _check_models(resources: Resources) -> dict[str, Check]:
    settings = resources.settings
    chains = {role: resources.models.chain(role) for role in get_args(Role)}
    ollama: set[str] | str = set()
    if any(ref.startswith("ollama/") for chain in chains.values() for ref in chain):
        ollama = await _ollama_models(settings)
    return {
        f"model_{role}": _check_chain(chain, settings, ollama) for role, chain in chains.items()
    }


def _check_chain(chain: list[str], settings: Settings, ollama: set[str] | str) -> Check:
    """A role works when any model of its chain does; the detail names each model's state."""
    results = [(ref, _check_model(ref, settings, ollama)) for ref in chain]
    detail = "; ".join(f"{ref}: {model_detail}" for ref, (_, model_detail) in results)
    return any(model_ok for _, (model_ok, _) in results), detail


def _check_model(ref: str, settings: Settings, ollama: set[str] | str) -> Check:
    try:
        parsed = parse_model_ref(ref)
        if parsed.provider == "local":
            return local_model_status(parsed.name, settings)
    except ModelError as exc:
        return False, exc.message
    base = settings.ollama_base_url
    if parsed.provider == "ollama":
        if isinstance(ollama, str):
            return False, f"cannot list the models on {base}: {ollama}"
        names = {parsed.name, f"{parsed.name}:latest"}
        if names & ollama:
            return True, f"available on {base}"
        return False, f"not on {base}: run `ollama pull {parsed.name}`"
    if parsed.provider == "gemini":
        if settings.google_api_key is None:
            return False, "no Gemini API key: set SIGHT_GOOGLE_API_KEY"
        return True, "API key configured (not called: calls are paid)"
    return True, "scripted fake model"


async def _ollama_models(settings: Settings) -> set[str] | str:
    """Names of the models the Ollama server has, or why it could not be asked."""
    headers = {}
    if settings.ollama_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.ollama_api_key.get_secret_value()}"
    url = settings.ollama_base_url.rstrip("/") + "/api/tags"
    try:
        async with httpx.AsyncClient(timeout=OLLAMA_TIMEOUT_S) as client:
            reply = await client.get(url, headers=headers)
            reply.raise_for_status()
            models = reply.json().get("models", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return describe_error(exc, _secrets(settings))
    return {str(m.get("name") or m.get("model")) for m in models if isinstance(m, dict)}
