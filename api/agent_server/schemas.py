"""Request bodies of the Agent Server API. Unknown fields are refused (422 naming them), and
known options Sight does not support are refused when set, never silently ignored."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from api.limits import MAX_OFFSET
from runtime.events import SUPPORTED_MODES
from sight.errors import UnsupportedOptionError

Strategy = Literal["reject", "enqueue", "interrupt", "rollback"]
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
# Runs may set these RunnableConfig numbers; anything else in `config` is passed as given.
CONFIG_BOUNDS = {"recursion_limit": (1, 10_000), "max_concurrency": (1, 1_000)}
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


class CommandBody(Body):
    resume: Any = Field(default=None, description="Value returned by the pending interrupt().")
    update: dict[str, Any] | None = Field(
        default=None, description="State update (state keys and values) applied before resuming."
    )
    goto: str | list[str] | None = Field(default=None, description="Node(s) to go to next.")

    @model_validator(mode="after")
    def _not_empty(self) -> CommandBody:
        # LangGraph fails a command that carries nothing (an UnboundLocalError inside the run).
        if self.resume is None and not self.update and not self.goto:
            raise ValueError("a command needs resume, update or goto")
        return self


class RunCreate(Body):
    """Start a run of an assistant (a graph), on a thread or stateless."""

    assistant_id: str = Field(
        description="Graph name from langgraph.json or its assistant UUID.",
        examples=["kpi_estimation"],
    )
    input: Any = Field(
        default=None,
        description="Graph input; null continues from the thread's current state.",
        examples=[{"age_min": 18, "age_max": 24, "gender": "kobieta", "industry": "b2b_saas"}],
    )
    command: CommandBody | None = Field(default=None, description="Resume/update/goto command.")
    stream_mode: str | list[str] = Field(
        default_factory=lambda: ["values"],
        validate_default=True,
        description="values, updates, messages-tuple, messages, custom, debug, tasks, checkpoints.",
        examples=[["updates", "custom"]],
    )
    stream_subgraphs: bool = Field(default=False, description="Also stream subgraph events.")
    stream_resumable: bool = Field(
        default=False,
        description="Accepted for compatibility: every Sight run is resumable (events have ids).",
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Run metadata.")
    config: dict[str, Any] | None = Field(
        default=None, description="RunnableConfig: tags, recursion_limit, configurable."
    )
    context: dict[str, Any] | None = Field(
        default=None, description="Not supported: Sight builds each run's context itself."
    )
    checkpoint: dict[str, Any] | None = Field(
        default=None, description="Start from this checkpoint (checkpoint_id, checkpoint_ns)."
    )
    checkpoint_id: str | None = Field(default=None, description="Deprecated form of checkpoint.")
    checkpoint_during: bool | None = Field(default=None, description="Deprecated; use durability.")
    interrupt_before: Literal["*"] | list[str] | None = Field(
        default=None, description="Pause before these nodes."
    )
    interrupt_after: Literal["*"] | list[str] | None = Field(
        default=None, description="Pause after these nodes."
    )
    multitask_strategy: Strategy = Field(
        default="enqueue", description="What to do when the thread already has a run."
    )
    if_not_exists: Literal["reject", "create"] = Field(
        default="reject", description="Create the thread when it does not exist."
    )
    on_disconnect: Literal["cancel", "continue"] = Field(
        default="continue", description="Cancel the run when the streaming client disconnects."
    )
    on_completion: Literal["delete", "keep"] | None = Field(
        default=None, description="Stateless runs: keep or delete their temporary thread."
    )
    after_seconds: float | None = Field(default=None, description="Not supported: delayed start.")
    durability: Literal["sync", "async", "exit"] | None = Field(
        default=None, description="When checkpoints are written (LangGraph durability)."
    )
    webhook: str | None = Field(default=None, description="Not supported.")
    feedback_keys: list[str] | None = Field(default=None, description="Not supported.")
    langsmith_tracer: dict[str, Any] | None = Field(default=None, description="Not supported.")
    strict_resume: bool | None = Field(default=None, description="Not supported.")

    @field_validator("stream_mode")
    @classmethod
    def _modes(cls, value: str | list[str]) -> list[str]:
        modes = [value] if isinstance(value, str) else list(value)
        unknown = [m for m in modes if m not in SUPPORTED_MODES]
        if unknown:
            raise ValueError(
                f"unsupported stream_mode {unknown}; supported: {', '.join(SUPPORTED_MODES)}"
            )
        return modes or ["values"]

    @field_validator("config")
    @classmethod
    def _config_numbers(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for key, (low, high) in CONFIG_BOUNDS.items():
            number = (value or {}).get(key)
            if number is None:
                continue
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                raise ValueError(f"{key} must be an integer from {low} to {high}; got {number!r}")
        return value

    @property
    def continues_thread(self) -> bool:
        """True when the run gives no input, command or checkpoint: it goes on from the
        thread's current state, so it needs a thread with one."""
        return (
            self.input is None
            and self.command is None
            and not self.checkpoint
            and not self.checkpoint_id
        )

    def refuse_unsupported(self, *, stateless: bool) -> None:
        """Raise UnsupportedOptionError for any set option Sight does not implement."""
        unsupported = {
            "webhook": "webhooks are not implemented",
            "feedback_keys": "LangSmith feedback is not implemented",
            "langsmith_tracer": "LangSmith tracing is not implemented",
            "strict_resume": "strict resume is not implemented",
            "after_seconds": "delayed runs are not implemented",
        }
        for option, reason in unsupported.items():
            if getattr(self, option):
                raise UnsupportedOptionError(option, reason)
        if self.context:
            raise UnsupportedOptionError("context", "Sight builds each graph's context itself")
        if stateless and self.command and self.command.resume is not None:
            raise UnsupportedOptionError("command.resume", "resuming needs a thread")
        if not stateless and self.on_completion is not None:
            raise UnsupportedOptionError("on_completion", "only stateless runs delete a thread")

    def run_kwargs(self, *, stateless: bool) -> dict[str, Any]:
        """What a run stores and executes with."""
        checkpoint = dict(self.checkpoint or {})
        if self.checkpoint_id:
            checkpoint["checkpoint_id"] = self.checkpoint_id
        durability = self.durability
        if durability is None and self.checkpoint_during is not None:  # the deprecated flag
            durability = "async" if self.checkpoint_during else "exit"
        return {
            "input": self.input,
            "command": (
                {k: v for k, v in self.command.model_dump().items() if v is not None}
                if self.command
                else None
            ),
            "config": self.config or {},
            "stream_mode": self.stream_mode,
            "stream_subgraphs": self.stream_subgraphs,
            "interrupt_before": self.interrupt_before,
            "interrupt_after": self.interrupt_after,
            "checkpoint": checkpoint or None,
            "durability": durability,
            "on_disconnect": self.on_disconnect,
            # A stateless run's thread is deleted when it ends, unless asked to keep it.
            "temporary": stateless and self.on_completion != "keep",
        }


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
