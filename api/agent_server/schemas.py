"""Request bodies of the Agent Server API (threads, state, assistants; runs in run_schemas),
path ids and the event-stream response. Unknown fields are refused (422 naming them), and
known options Sight does not support are refused when set, never silently ignored."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from api.limits import MAX_OFFSET

# Documented as UUIDs; the routes check them (422 naming the id) before any lookup.
UUID_FORMAT = {"format": "uuid"}
ThreadId = Annotated[
    str,
    Path(
        description="The thread's id (a UUID).",
        examples=["5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"],
        json_schema_extra=UUID_FORMAT,
    ),
]
RunId = Annotated[
    str,
    Path(
        description="The run's id (a UUID).",
        examples=["1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"],
        json_schema_extra=UUID_FORMAT,
    ),
]
# What a state update writes; checked by StateUpdate (pydantic's own union errors are cryptic).
StateValues = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "object"},
                {"type": "array", "items": {"type": "object"}},
                {"type": "null"},
            ]
        }
    ),
]
# The body of a streamed route: Server-Sent Events (docs/protocol.md); `schema` describes one
# event, as OpenAPI 3.1 tools read it (3.2 would call it itemSchema).
SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "description": "metadata, values, updates, custom, error..."},
        "data": {
            "type": "string",
            "description": "The event's JSON.",
            "contentMediaType": "application/json",
        },
        "id": {"type": "string", "description": "Sequence number; send it back as Last-Event-ID."},
    },
}
SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `event:` the stream mode, `data:` its JSON, `id:` "
        "the event's sequence number (send it back as Last-Event-ID to resume); `:` comment "
        "lines are heartbeats.",
        "content": {"text/event-stream": {"schema": SSE_EVENT}},
    }
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThreadCreate(Body):
    thread_id: str | None = Field(
        default=None, description="UUID; generated when absent.", json_schema_extra=UUID_FORMAT
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="Thread metadata.")
    if_exists: Literal["raise", "do_nothing"] = Field(default="raise")
    graph_id: str | None = Field(default=None, description="Stored as metadata.graph_id.")
    supersteps: list[Any] | None = Field(default=None, description="Not supported.")
    ttl: Any = Field(default=None, description="Not supported.")


class ThreadPatch(Body):
    metadata: dict[str, Any] = Field(default_factory=dict, description="Merged into metadata.")
    ttl: Any = Field(default=None, description="Not supported.")


class ThreadSearch(Body):
    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=1000,
        description="Only these threads (at most SIGHT_MAX_SEARCH_IDS, 1000 by default).",
    )
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at", "state_updated_at"] = (
        "updated_at"
    )
    sort_order: Literal["asc", "desc"] = "desc"
    select: list[str] | None = None
    extract: dict[str, str] | None = Field(default=None, description="Not supported.")


class ThreadCount(Body):
    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None


class StateUpdate(Body):
    values: StateValues = Field(
        default=None,
        description="Values to write as if a node returned them (an object of state keys).",
        examples=[{"topic": "zima"}],
    )
    as_node: str | None = Field(default=None, description="Node the update is attributed to.")
    checkpoint: dict[str, Any] | None = None
    checkpoint_id: str | None = None

    @field_validator("values")
    @classmethod
    def _values(cls, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return value
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return value
        raise ValueError("must be an object of state keys and values (or a list of them)")


class StateAtCheckpoint(Body):
    checkpoint: dict[str, Any] = Field(description="checkpoint_id and checkpoint_ns.")
    subgraphs: bool = False


class HistoryRequest(Body):
    limit: int = Field(
        default=10, ge=1, le=1000, description="At most SIGHT_MAX_HISTORY_LIMIT (1000 by default)."
    )
    before: str | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None
    select: list[str] | None = None


class AssistantSearch(Body):
    metadata: dict[str, Any] | None = None
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    sort_by: Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"] | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[str] | None = None


class AssistantCount(Body):
    metadata: dict[str, Any] | None = None
    graph_id: str | None = None
    name: str | None = None
