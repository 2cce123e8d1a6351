"""LangGraph stream chunks -> Agent Server events, as the official server names them.

Events from a subgraph are named ``<mode>|<ns>|...``; ``messages-tuple`` chunks are sent as ``messages``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runtime.thread_state import checkpoint_of

# Stream modes clients may ask for, and the LangGraph mode that produces each.
SUPPORTED_MODES = {
    "values": "values",
    "updates": "updates",
    "messages-tuple": "messages",
    "messages": "messages",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
}


class MessageAccumulator:
    """Legacy ``messages`` mode: send the running concatenation of each message's chunks."""

    def __init__(self) -> None:
        self._messages: dict[str, Any] = {}

    def events(self, message: Any, metadata: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        from langchain_core.messages import BaseMessageChunk

        msg_id = getattr(message, "id", None) or ""
        if msg_id in self._messages and isinstance(message, BaseMessageChunk):
            self._messages[msg_id] = self._messages[msg_id] + message
        else:
            if msg_id not in self._messages:
                yield "messages/metadata", {msg_id: {"metadata": metadata}}
            self._messages[msg_id] = message
        kind = "messages/partial" if isinstance(message, BaseMessageChunk) else "messages/complete"
        yield kind, [self._messages[msg_id]]


def chunk_events(
    requested: set[str],
    ns: tuple[str, ...],
    mode: str,
    chunk: Any,
    legacy_messages: MessageAccumulator,
) -> Iterator[tuple[str, Any]]:
    """Map one LangGraph stream chunk to the (event name, payload) pairs the client asked for."""
    suffix = "|" + "|".join(ns) if ns else ""
    if mode == "messages":
        message, metadata = chunk
        if "messages-tuple" in requested:
            yield "messages" + suffix, [message, metadata]
        if "messages" in requested:
            for name, payload in legacy_messages.events(message, metadata):
                yield name + suffix, payload
        return
    if mode == "debug" and isinstance(chunk, dict) and chunk.get("type") == "checkpoint":
        chunk = {**chunk, "payload": public_debug_checkpoint(chunk["payload"])}
    if mode in requested:
        yield mode + suffix, chunk


def public_debug_checkpoint(payload: dict[str, Any]) -> dict[str, Any]:
    """Add the public checkpoint objects the official server adds to debug checkpoint events."""
    out = {
        **payload,
        "checkpoint": checkpoint_of(payload.get("config")),
        "parent_checkpoint": checkpoint_of(payload.get("parent_config")),
    }
    out["tasks"] = [
        {
            **{k: v for k, v in t.items() if k != "state"},
            "checkpoint": (t.get("state") or {}).get("configurable")
            if isinstance(t.get("state"), dict)
            else None,
        }
        for t in payload.get("tasks", [])
    ]
    return out
