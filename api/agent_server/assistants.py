"""Assistants: every graph in langgraph.json, addressed by its name or its UUID."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from api.agent_server.schemas import AssistantCount, AssistantSearch
from api.auth import PrincipalDep
from api.deps import GraphsDep, ManagerDep
from runtime.registry import GraphSpec
from sight.errors import InputValidationError, NotFoundError

router = APIRouter(tags=["assistants"])
# The official server's namespace for system assistants: the same ids work in both.
ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
CREATED_AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()


def assistant_id_of(graph_id: str) -> str:
    return str(uuid.uuid5(ASSISTANT_NAMESPACE, graph_id))


def resolve_graph_id(graphs: Mapping[str, GraphSpec], assistant_id: str) -> str:
    """Map an assistant id (graph name or UUID) to its graph name, or raise NotFoundError."""
    if assistant_id in graphs:
        return assistant_id
    for graph_id in graphs:
        if assistant_id_of(graph_id) == assistant_id:
            return graph_id
    raise NotFoundError(
        f"assistant {assistant_id!r} not found; registered graphs: {', '.join(sorted(graphs))}"
    )


def assistant_json(graph_id: str) -> dict[str, Any]:
    return {
        "assistant_id": assistant_id_of(graph_id),
        "graph_id": graph_id,
        "config": {},
        "context": {},
        "metadata": {"created_by": "system"},
        "name": graph_id,
        "description": None,
        "version": 1,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
    }


def _matches(
    graph_id: str, metadata: dict | None, wanted_graph: str | None, name: str | None
) -> bool:
    if wanted_graph is not None and graph_id != wanted_graph:
        return False
    if name is not None and name.lower() not in graph_id.lower():
        return False
    meta = {"created_by": "system"}
    return all(meta.get(k) == v for k, v in (metadata or {}).items())


@router.post("/assistants/search", summary="Search assistants")
async def search_assistants(
    body: AssistantSearch, graphs: GraphsDep, _: PrincipalDep, response: Response
) -> list[dict[str, Any]]:
    """List the assistants (one per graph) matching the filters."""
    if body.graph_id is not None and body.graph_id not in graphs:
        raise NotFoundError(f"graph {body.graph_id!r} not found")
    found = [
        assistant_json(g)
        for g in sorted(graphs)
        if _matches(g, body.metadata, body.graph_id, body.name)
    ]
    key = body.sort_by or "name"
    found.sort(key=lambda a: a[key], reverse=body.sort_order == "desc")
    page = found[body.offset : body.offset + body.limit]
    response.headers["X-Pagination-Total"] = str(len(found))
    if body.offset + body.limit < len(found):
        response.headers["X-Pagination-Next"] = str(body.offset + body.limit)
    if body.select:
        page = [{k: a[k] for k in body.select if k in a} for a in page]
    return page


@router.post("/assistants/count", summary="Count assistants")
async def count_assistants(body: AssistantCount, graphs: GraphsDep, _: PrincipalDep) -> int:
    """Count the assistants matching the filters."""
    return sum(_matches(g, body.metadata, body.graph_id, body.name) for g in graphs)


@router.get("/assistants/{assistant_id}", summary="Get an assistant")
async def get_assistant(assistant_id: str, graphs: GraphsDep, _: PrincipalDep) -> dict[str, Any]:
    """Return one assistant by graph name or UUID."""
    return assistant_json(resolve_graph_id(graphs, assistant_id))


@router.get("/assistants/{assistant_id}/graph", summary="Drawable graph")
async def get_assistant_graph(
    assistant_id: str, graphs: GraphsDep, manager: ManagerDep, _: PrincipalDep, xray: str = "false"
) -> dict[str, Any]:
    """Return the graph's nodes and edges (LangGraph's drawable JSON)."""
    graph_id = resolve_graph_id(graphs, assistant_id)
    if xray in ("true", "false"):
        depth: bool | int = xray == "true"
    elif xray.isdigit() and int(xray) > 0:
        depth = int(xray)
    else:
        raise InputValidationError([{"field": "xray", "message": "must be true, false or > 0"}])
    drawable = manager.graph(graph_id).get_graph(xray=depth).to_json()
    for node in drawable.get("nodes", []):
        if isinstance(node.get("data"), dict):  # a copy: never mutate what the graph returned
            node["data"] = {k: v for k, v in node["data"].items() if k != "id"}
    return drawable


@router.get("/assistants/{assistant_id}/schemas", summary="JSON schemas")
async def get_assistant_schemas(
    assistant_id: str, graphs: GraphsDep, manager: ManagerDep, _: PrincipalDep
) -> dict[str, Any]:
    """Return the input, output, state, config and context JSON schemas."""
    graph_id = resolve_graph_id(graphs, assistant_id)
    compiled = manager.graph(graph_id)

    def safe(fn: Any) -> Any:
        try:
            return fn()
        except Exception:  # noqa: BLE001 - a schema that cannot be generated is reported as null
            return None

    return {
        "graph_id": graph_id,
        "input_schema": safe(compiled.get_input_jsonschema),
        "output_schema": safe(compiled.get_output_jsonschema),
        "state_schema": safe(lambda: TypeAdapter(compiled.builder.state_schema).json_schema()),
        "config_schema": None,  # Sight takes no configurable fields: context is built server side
        "context_schema": safe(compiled.get_context_jsonschema),
    }


@router.get("/assistants/{assistant_id}/subgraphs", summary="Subgraphs")
async def get_assistant_subgraphs(
    assistant_id: str, graphs: GraphsDep, manager: ManagerDep, _: PrincipalDep
) -> dict[str, Any]:
    """Return the schemas of each subgraph by namespace ({} when there are none)."""
    graph_id = resolve_graph_id(graphs, assistant_id)
    compiled = manager.graph(graph_id)
    return {ns: {"graph_id": graph_id} for ns, _sub in compiled.get_subgraphs()}
