"""An entry's history (every change as an append-only event) and restoring an earlier version."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.ai_dojo.deps import RulesDep
from api.auth import AdminDep, PrincipalDep
from api.knowledge.deps import EditorServiceDep, EntryId, actor_of
from api.knowledge.schemas import ENTRY_EXAMPLE, StoredEntry
from sight.errors import ConflictError

router = APIRouter(tags=["knowledge"])


class KnowledgeEvent(BaseModel):
    """One change to an entry, as recorded when it happened (events are never changed)."""

    position: int = Field(description="Order of the event among the entry's events (from 1).")
    action: Literal["add", "update", "delete", "restore", "confirm"] = Field(
        description="What happened: added, replaced, deleted, restored from an earlier "
        "version, or confirmed unchanged (by a mentor in the AI Dojo).",
        examples=["update"],
    )
    version: int = Field(
        description="The entry's content version after the event (add: 1; every update and "
        "restore adds one; delete and confirm keep it).",
        examples=[2],
    )
    owner: str = Field(description="`shared` or the tenant the entry belongs to.")
    tenant: str = Field(description="Tenant of whoever made the change.")
    actor: str = Field(
        description="The API key's name, or `system` for an entry stored before its history "
        "began (its first event then holds the content it had).",
        examples=["mentor-anna"],
    )
    at: datetime = Field(description="When (UTC).")
    source: dict[str, Any] = Field(
        description="Where the change came from: `via` (api, dojo, cli, baseline) and, from "
        "the AI Dojo, the thread and message ids or the sales session ids it cites; "
        "`restored_from` for a restore.",
        examples=[{"via": "dojo", "thread_id": "5f1c...", "message_ids": ["run-1-msg-0"]}],
    )
    entry: dict[str, Any] | None = Field(
        description="The entry's content after the event (a confirm: the content confirmed; none "
        "after a delete).",
        examples=[ENTRY_EXAMPLE | {"owner": "default"}],
    )


class KnowledgeHistory(BaseModel):
    """Every event of one entry, oldest first."""

    entry_id: str = Field(examples=[ENTRY_EXAMPLE["id"]])
    deleted: bool = Field(description="Whether the entry is deleted now (restore brings it back).")
    versions: list[int] = Field(description="Content versions that can be restored.")
    events: list[KnowledgeEvent]


class RestoreRequest(BaseModel):
    """Which version to write back as the entry's newest."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="A content version from the history.", examples=[1])


def _event_out(event: Any) -> KnowledgeEvent:
    return KnowledgeEvent(
        position=event.position,
        action=event.action,
        version=event.version,
        owner=event.owner,
        tenant=event.tenant,
        actor=event.actor,
        at=event.at,
        source=event.source or {},
        entry=event.entry,
    )


@router.get("/knowledge/{entry_id}/history", summary="An entry's history")
async def entry_history(
    entry_id: EntryId, who: PrincipalDep, editor: EditorServiceDep
) -> KnowledgeHistory:
    """Return every change to an entry the caller sees, deleted entries included (404 for
    another tenant's entry or an id never stored)."""
    events = await editor.history(entry_id, who.tenant)
    return KnowledgeHistory(
        entry_id=entry_id,
        deleted=events[-1].action == "delete",
        versions=sorted({e.version for e in events if e.entry is not None}),
        events=[_event_out(e) for e in events],
    )


@router.post(
    "/knowledge/{entry_id}/restore",
    summary="Restore an earlier version (admin)",
    responses={409: {"description": "The entry is an AI Dojo rule."}},
)
async def restore_entry(
    entry_id: EntryId,
    body: RestoreRequest,
    who: AdminDep,
    editor: EditorServiceDep,
    rules: RulesDep,
) -> StoredEntry:
    """Write an earlier version back as the entry's newest (recorded as a `restore` event);
    a deleted entry comes back. 404 names the versions there are when ``version`` is not one;
    409 for an AI Dojo rule, whose wording goes through the Dojo's check."""
    rule = await rules.get(who.tenant, entry_id)
    if rule is not None:
        raise ConflictError(
            f"{entry_id!r} is one of the team's AI Dojo rules ({rule.status}): reword it in the "
            "Dojo, or decide on it with POST /dojo/rules/{id}/decision",
            details={"rule_status": rule.status},
        )
    stored, _ = await editor.restore(entry_id, body.version, actor_of(who))
    return StoredEntry.model_validate(stored)
