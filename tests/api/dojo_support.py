"""Helpers of the AI Dojo API and SDK tests: one tenant per test (so teaches never meet another
test's entries in the duplicate check), the live server's settings, and the human-in-the-loop
steps (teach, read the interrupt, resume) through the official langgraph_sdk."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk.client import LangGraphClient

from sight.settings import Settings, load_settings

ASSISTANT = "ai_dojo"
ROLES = ("viewer", "editor", "admin")
# One tenant per test of the live server (globex never teaches: it is the outsider). The Dojo's
# duplicate check sees the tenant's entries (and the shared ones, none here), so a test's teach
# never repeats another test's.
TENANTS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "wonka",
    "stark",
    "tyrell",
    "soylent",
)
# The brief's example teach: the rules draft it as an objection (not a rule), so approving it
# stores it in the knowledge base at once.
CHARGING = (
    "Klient, który pyta o ładowanie w bloku, zwykle nie ma gniazdka w garażu: zapytaj o miejsce "
    "parkingowe i pokaż ładowarki w okolicy."
)
CHARGING_QUERY = "ładowanie w bloku bez gniazdka w garażu"
# An imperative teach: drafted as a meta-rule, so it goes through the rule book and its check.
FAMILY_RULE = (
    "Rodzinom z dwójką dzieci pokazuj najpierw bagażnik i mocowania Isofix, dopiero potem osiągi."
)
APPROVE = {"decisions": [{"type": "approve"}]}


def key(tenant: str, role: str = "editor") -> str:
    """The test API key of ``role`` in ``tenant`` (at least 16 characters, as settings need)."""
    return f"{tenant}-{role}-key-0123456789"


def headers(tenant: str, role: str = "editor") -> dict[str, str]:
    """The x-api-key header of that key."""
    return {"x-api-key": key(tenant, role)}


def dojo_keys(tenants: tuple[str, ...] = TENANTS) -> list[dict[str, str]]:
    """A key of every role in every tenant, named ``<tenant>-<role>``."""
    return [
        {"key": key(t, r), "role": r, "tenant": t, "name": f"{t}-{r}"}
        for t in tenants
        for r in ROLES
    ]


def dojo_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Fake models (the Dojo drafts by rules when the unscripted fake fails: no retries, so it
    fails at once), the real embedder, an empty knowledge base in ``data_dir``."""
    options: dict[str, Any] = {"provider": "fake", "model_max_retries": 0, **overrides}
    return load_settings(data_dir=data_dir, _env_file=None, api_keys=dojo_keys(), **options)


def human(text: str) -> dict[str, Any]:
    """The mentor's message as a run input (LangChain's message format)."""
    return {"messages": [{"type": "human", "content": text}]}


def edit(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A resume value editing the proposed action."""
    return {"decisions": [{"type": "edit", "edited_action": {"name": name, "args": args}}]}


def reject(message: str = "") -> dict[str, Any]:
    """A resume value rejecting the proposal."""
    return {"decisions": [{"type": "reject", "message": message}]}


async def teach(client: LangGraphClient, text: str) -> tuple[str, dict[str, Any]]:
    """Send ``text`` on a new thread and run to the interrupt; return the thread id and the
    interrupt's value (failing when the run did not stop at one)."""
    thread_id = (await client.threads.create())["thread_id"]
    output = await client.runs.wait(thread_id, ASSISTANT, input=human(text))
    assert "__interrupt__" in output, f"no interrupt; the Dojo answered: {output}"
    (pending,) = output["__interrupt__"]
    return thread_id, pending["value"]


def request_of(value: dict[str, Any]) -> dict[str, Any]:
    """The one action request of an interrupt value: {name, args, description}."""
    (request,) = value["action_requests"]
    return request


async def resume(client: LangGraphClient, thread_id: str, decision: dict[str, Any]) -> Any:
    """Resume the thread's interrupt with the mentor's decision; return the run's output."""
    return await client.runs.wait(thread_id, ASSISTANT, command={"resume": decision})


async def refusal(attempt: Awaitable[Any]) -> httpx.Response:
    """The error response an SDK call failed with (``runs.wait`` raises httpx's own error, the
    other calls the SDK's typed ones; both are HTTPStatusError)."""
    with pytest.raises(httpx.HTTPStatusError) as failed:
        await attempt
    return failed.value.response


async def call(
    base_url: str,
    method: str,
    path: str,
    tenant: str,
    role: str = "editor",
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """One REST call to the live server with a tenant's key."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        return await http.request(method, path, json=body, headers=headers(tenant, role))


async def search_ids(base_url: str, tenant: str, query: str) -> list[str]:
    """Ids of the hits of POST /knowledge/search with the tenant's viewer key."""
    response = await call(base_url, "POST", "/knowledge/search", tenant, "viewer", {"query": query})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


async def history(base_url: str, tenant: str, entry_id: str) -> dict[str, Any]:
    """GET /knowledge/{entry_id}/history with the tenant's viewer key (200 expected)."""
    response = await call(base_url, "GET", f"/knowledge/{entry_id}/history", tenant, "viewer")
    assert response.status_code == 200, response.text
    return response.json()
