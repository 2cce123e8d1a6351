"""The body of a run request: what to run, how to stream it, what to do on a busy thread.

Unknown fields are refused (422 naming them), and known options Sight does not support are
refused when set, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from langgraph.graph import END, START
from pydantic import Field, ValidationInfo, field_validator, model_validator

from api.agent_server.schemas import Body
from runtime.events import SUPPORTED_MODES
from sight.errors import InputValidationError, UnsupportedOptionError

Strategy = Literal["reject", "enqueue", "interrupt", "rollback"]
# Runs may set these RunnableConfig numbers; anything else in `config` is passed as given.
CONFIG_BOUNDS = {"recursion_limit": (1, 10_000), "max_concurrency": (1, 1_000)}


class CommandBody(Body):
    resume: Any = Field(default=None, description="Value returned by the pending interrupt().")
    update: dict[str, Any] | None = Field(
        default=None,
        description="State update (an object of state keys and values) applied before "
        "resuming; the [key, value] pairs form is not supported.",
        examples=[{"topic": "zima"}],
    )
    goto: str | list[str] | None = Field(
        default=None,
        description="Node name(s) to go to next; Send objects ({node, input}) are not supported.",
        examples=["publish"],
    )

    @field_validator("update", "goto", mode="before")
    @classmethod
    def _plain_forms(cls, value: Any, info: ValidationInfo) -> Any:
        # Named here: pydantic's own union errors would not say which form is missing.
        if info.field_name == "update" and isinstance(value, list):
            raise ValueError(
                "send an object of state keys and values ([key, value] pairs are not supported)"
            )
        items = value if isinstance(value, list) else [value]
        if info.field_name == "goto" and any(isinstance(item, dict) for item in items):
            raise ValueError("send node names (Send objects {node, input} are not supported)")
        return value

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
    after_seconds: float | None = Field(
        default=None, ge=0, le=31_536_000, description="Not supported: delayed start."
    )
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

    def refuse_unknown_nodes(self, nodes: Iterable[str]) -> None:
        """Raise InputValidationError naming each goto or interrupt node the graph lacks (the
        run would fail, or go nowhere, with it)."""
        known = set(nodes) - {START}
        goto = self.command.goto if self.command else None
        named = {
            "command.goto": ([goto] if isinstance(goto, str) else goto or [], {END}),
            "interrupt_before": (self.interrupt_before, set()),
            "interrupt_after": (self.interrupt_after, set()),
        }
        problems = []
        for field, (names, also) in named.items():
            if names == "*" or not names:
                continue
            if unknown := [name for name in names if name not in known | also]:
                problems.append(
                    {
                        "field": field,
                        "message": f"no node {', '.join(map(repr, unknown))} in this graph; "
                        f"its nodes: {', '.join(sorted(known))}",
                    }
                )
        if problems:
            raise InputValidationError(problems)

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
