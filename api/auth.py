"""Who is calling: API keys to principals, and role checks as Annotated dependencies.

Routes opt in by taking ``PrincipalDep``, ``EditorDep`` or ``AdminDep``; a test walks
``app.routes`` so a route that forgets is caught. Only ``EXEMPT_PATHS`` (liveness, server
info, the OpenAPI docs) and CORS preflights go without a principal.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sight.errors import ForbiddenError, UnauthorizedError
from sight.settings import ApiRole, Settings

# Reachable without a key: probes, server info and the API docs.
EXEMPT_PATHS = frozenset(
    {"/ok", "/info", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)

ROLE_RANK: dict[str, int] = {"viewer": 0, "editor": 1, "admin": 2}


@dataclass(frozen=True)
class Principal:
    """The caller: the key's name, what it may do, whose data it sees."""

    name: str
    role: ApiRole
    tenant: str

    def has_role(self, role: ApiRole) -> bool:
        """True when this principal's role is ``role`` or above (viewer < editor < admin)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


# With no keys configured there is no auth; `sight serve` then binds to loopback only.
ANONYMOUS = Principal(name="anonymous", role="admin", tenant="default")


def _presented_key(request: Request) -> str | None:
    """The key from ``x-api-key`` (what the LangGraph SDKs send) or ``Authorization: Bearer``."""
    key = request.headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def authenticate(request: Request) -> Principal:
    """Return the principal whose API key the request carries; 401 when there is none."""
    settings: Settings = request.app.state.settings
    if not settings.api_keys:
        return ANONYMOUS
    presented = _presented_key(request)
    if presented is None:
        raise UnauthorizedError(
            "missing API key: send it in the x-api-key header or as Authorization: Bearer <key>"
        )
    given = presented.encode()
    found = None
    # Compare with every key, in constant time each, so timing tells nothing about which matched.
    for api_key in settings.api_keys:
        if hmac.compare_digest(api_key.key.get_secret_value().encode(), given) and found is None:
            found = api_key
    if found is None:
        raise UnauthorizedError("invalid API key")
    return Principal(name=found.name or key_id(given), role=found.role, tenant=found.tenant)


def key_id(key: bytes) -> str:
    """A stable, distinct name for an unnamed key (audit user id): a short hash, never the key."""
    return "key-" + hashlib.sha256(key).hexdigest()[:12]


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require_role(role: ApiRole):  # noqa: ANN201 - FastAPI reads the returned function's signature
    """Build a dependency that passes principals of ``role`` or above and refuses others (403)."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(role):
            raise ForbiddenError(
                f"this action needs the {role} role; the key '{principal.name}' is {principal.role}",
                details={"required_role": role, "role": principal.role},
            )
        return principal

    check.__name__ = f"require_{role}"
    return check


EditorDep = Annotated[Principal, Depends(require_role("editor"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
