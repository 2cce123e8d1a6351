"""API keys: 401 without a valid key, 403 below the route's role, anonymous admin with no keys."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant

from api.app import create_app
from api.auth import EXEMPT_PATHS, AdminDep, EditorDep, PrincipalDep, authenticate
from sight.settings import Settings
from tests.api.conftest import KEYS, headers_for


def _add_probes(app: FastAPI) -> None:
    """Test-only routes, one per role dependency, answering with the principal."""

    @app.get("/probe/any")
    async def any_role(principal: PrincipalDep) -> dict[str, str]:
        return asdict(principal)

    @app.get("/probe/editor")
    async def editor_only(principal: EditorDep) -> dict[str, str]:
        return asdict(principal)

    @app.get("/probe/admin")
    async def admin_only(principal: AdminDep) -> dict[str, str]:
        return asdict(principal)


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    app = create_app(api_settings)
    _add_probes(app)
    return app


async def test_request_when_no_key_then_401_with_json_detail(client: httpx.AsyncClient):
    response = await client.get("/probe/any")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert "x-api-key" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": "wrong-key-0123456789"},
        {"authorization": "Bearer wrong-key-0123456789"},
        {"x-api-key": KEYS["admin"][:-1]},  # a prefix of a real key
        {"authorization": f"Basic {KEYS['admin']}"},  # right key, wrong scheme
    ],
)
async def test_request_when_key_wrong_then_401(client: httpx.AsyncClient, headers):
    response = await client.get("/probe/any", headers=headers)

    assert response.status_code == 401
    assert response.json()["detail"]


async def test_request_when_key_wrong_then_key_never_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    await client.get("/probe/any", headers={"x-api-key": "leaked-guess-0123456789"})
    await client.get("/probe/any", headers=headers_for("viewer"))

    assert "leaked-guess" not in caplog.text
    assert KEYS["viewer"] not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": KEYS["editor"]},
        {"authorization": f"Bearer {KEYS['editor']}"},
        {"authorization": f"bearer  {KEYS['editor']} "},
    ],
    ids=["x-api-key", "bearer", "bearer-lowercase-padded"],
)
async def test_request_when_valid_key_then_principal_of_that_key(
    client: httpx.AsyncClient, headers
):
    response = await client.get("/probe/any", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"name": "editor-key", "role": "editor", "tenant": "acme"}


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("viewer", "/probe/editor", 403),
        ("viewer", "/probe/admin", 403),
        ("editor", "/probe/admin", 403),
        ("editor", "/probe/editor", 200),
        ("admin", "/probe/editor", 200),
        ("admin", "/probe/admin", 200),
    ],
)
async def test_role_route_when_role_below_then_403_naming_required_role(
    client: httpx.AsyncClient, role: str, path: str, status: int
):
    response = await client.get(path, headers=headers_for(role))

    assert response.status_code == status, response.text
    if status == 403:
        required = path.rsplit("/", 1)[1]
        body = response.json()
        assert body["code"] == "forbidden"
        assert f"needs the {required} role" in body["detail"]
        assert body["details"] == {"required_role": required, "role": role}


@pytest.mark.parametrize("api_keys", [[]])
async def test_request_when_no_keys_configured_then_anonymous_admin(client: httpx.AsyncClient):
    response = await client.get("/probe/admin")

    assert response.status_code == 200, response.text
    assert response.json() == {"name": "anonymous", "role": "admin", "tenant": "default"}


UNNAMED = ["unnamed-editor-key-one-0123", "unnamed-editor-key-two-0123"]


@pytest.mark.parametrize("api_keys", [[{"key": key, "role": "editor"} for key in UNNAMED]])
async def test_request_when_two_keys_unnamed_then_each_has_its_own_stable_name(
    client: httpx.AsyncClient,
):
    first, again, second = [
        (await client.get("/probe/any", headers={"x-api-key": key})).json()
        for key in (UNNAMED[0], UNNAMED[0], UNNAMED[1])
    ]

    assert first["name"] == again["name"]
    assert first["name"] != second["name"]
    assert first["name"].startswith("key-")
    assert not any(key in first["name"] + second["name"] for key in UNNAMED)


@pytest.mark.parametrize("path", ["/ok", "/info", "/openapi.json", "/docs"])
async def test_exempt_route_when_no_key_then_answers(client: httpx.AsyncClient, path: str):
    response = await client.get(path)

    assert response.status_code == 200, response.text


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependency_calls(sub)


def _route_views(app: FastAPI) -> list[Any]:
    """Every route as served: FastAPI >= 0.165 keeps included routers as one entry in
    app.routes, and a route's effective dependant there includes the router's dependencies."""
    iter_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(iter_contexts(app.routes)) if iter_contexts else list(app.routes)


def _unguarded_paths(app: FastAPI) -> list[str]:
    """Paths of routes, outside EXEMPT_PATHS, that do not depend on authenticate."""
    unguarded = []
    for route in _route_views(app):
        path = getattr(route, "path", None) or repr(route)
        if path in EXEMPT_PATHS:
            continue
        dependant = getattr(route, "dependant", None)
        if dependant is None or authenticate not in _dependency_calls(dependant):
            unguarded.append(path)
    return unguarded


def test_every_route_when_not_exempt_then_depends_on_authenticate(api_settings: Settings):
    app = create_app(api_settings)

    assert "/health" in {route.path for route in _route_views(app)}  # the walk sees routes
    assert not _unguarded_paths(app), "routes reachable without a principal"


def test_route_walk_when_route_forgets_auth_then_flags_it(api_settings: Settings):
    """The guard above can fail; a router-level dependency counts as guarding its routes."""
    app = create_app(api_settings)
    guarded, forgetful = APIRouter(), APIRouter()

    @guarded.get("/guarded-by-router")
    @forgetful.get("/forgot-auth")
    async def handler() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(guarded, dependencies=[Depends(authenticate)])
    app.include_router(forgetful)

    assert _unguarded_paths(app) == ["/forgot-auth"]
