"""LangGraph state snapshots as the API's ThreadState, Checkpoint and Interrupt objects."""

from __future__ import annotations

from typing import Any

from langgraph.types import StateSnapshot

from runtime.serialize import to_jsonable

EMPTY_STATE: dict[str, Any] = {
    "values": {},
    "next": [],
    "tasks": [],
    "metadata": None,
    "created_at": None,
    "checkpoint": None,
    "parent_checkpoint": None,
    "interrupts": [],
    "checkpoint_id": None,
    "parent_checkpoint_id": None,
}


def checkpoint_of(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The public Checkpoint object of a runnable config."""
    if not config:
        return None
    conf = config.get("configurable", {})
    out = {
        "thread_id": conf.get("thread_id"),
        "checkpoint_ns": conf.get("checkpoint_ns", ""),
        "checkpoint_id": conf.get("checkpoint_id"),
    }
    if conf.get("checkpoint_map"):
        out["checkpoint_map"] = conf["checkpoint_map"]
    return out


def public_thread_ids(doc: Any, key: str, public_id: str) -> Any:
    """Return `doc` with every ``thread_id`` naming the storage `key` renamed to `public_id`
    (checkpoint configs and metadata carry the key; the tenant knows only its public id)."""
    if key == public_id:  # every thread but one whose id another tenant had first
        return doc
    if isinstance(doc, dict):
        return {
            k: public_id if k == "thread_id" and v == key else public_thread_ids(v, key, public_id)
            for k, v in doc.items()
        }
    if isinstance(doc, list | tuple):
        return [public_thread_ids(v, key, public_id) for v in doc]
    return doc


def interrupt_json(interrupt: Any) -> dict[str, Any]:
    return {"id": interrupt.id, "value": to_jsonable(interrupt.value)}


def thread_state(snapshot: StateSnapshot) -> dict[str, Any]:
    """Map a StateSnapshot to the protocol's ThreadState (empty state if no checkpoint)."""
    if snapshot.config is None or not snapshot.metadata and not snapshot.values:
        return dict(EMPTY_STATE)
    tasks = []
    for task in snapshot.tasks:
        tasks.append(
            {
                "id": task.id,
                "name": task.name,
                "path": list(task.path),
                "error": str(task.error) if task.error else None,
                "interrupts": [interrupt_json(i) for i in task.interrupts],
                "checkpoint": (
                    task.state.get("configurable") if isinstance(task.state, dict) else None
                ),
                "state": (
                    thread_state(task.state) if isinstance(task.state, StateSnapshot) else None
                ),
                "result": to_jsonable(task.result) if task.result is not None else None,
            }
        )
    checkpoint = checkpoint_of(snapshot.config)
    parent = checkpoint_of(snapshot.parent_config)
    return {
        "values": to_jsonable(snapshot.values),
        "next": list(snapshot.next),
        "tasks": tasks,
        "metadata": to_jsonable(snapshot.metadata),
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint,
        "parent_checkpoint": parent,
        "interrupts": [interrupt_json(i) for i in snapshot.interrupts],
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


def thread_summary(snapshot: StateSnapshot) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Thread status ("interrupted" or "idle"), values and interrupts {task_id: [...]}."""
    interrupts = {
        task.id: [interrupt_json(i) for i in task.interrupts]
        for task in snapshot.tasks
        if task.interrupts
    }
    status = "interrupted" if snapshot.next else "idle"
    return status, to_jsonable(snapshot.values or {}), interrupts
