"""An entry's content as its history keeps it, and the first event of an entry stored before
its history began."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sight.clock import utc_now
from store.knowledge_events import EventRecord, content_hash
from tools.knowledge.entries import KnowledgeEntry
from tools.knowledge.owners import owner_of

BASELINE = "baseline"  # the id of an entry's unsaved first event
# What the events hold of an entry: its content and owner, not timestamps or hashes.
CONTENT_FIELDS = tuple(KnowledgeEntry.model_fields)


def content_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's content fields from a stored payload."""
    return {k: payload[k] for k in CONTENT_FIELDS if k in payload}


def baseline_of(payload: Mapping[str, Any]) -> EventRecord:
    """The first event of an entry stored before its history began (not yet written: reading
    a history stores nothing; the entry's first change writes it)."""
    owner = owner_of(payload)
    content = content_of(payload) | {"owner": owner}
    stored_at = payload.get("created_at") or payload.get("updated_at")
    return EventRecord(
        id=BASELINE,
        entry_id=str(payload["id"]),
        position=1,
        action="add",
        version=1,
        owner=owner,
        tenant=owner,
        actor="system",
        at=datetime.fromisoformat(stored_at) if stored_at else utc_now(),
        source={"via": "baseline", "note": "stored before the knowledge history began"},
        entry=content,
        content_hash=content_hash(content),
    )
