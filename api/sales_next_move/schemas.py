"""Sales co-pilot bodies: clients, sessions with their turns, outcomes and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from api.patches import check_patch
from api.personas.schemas import described, optional
from store.sales_next_move import (
    ClientRecord,
    FeedbackRecord,
    InteractionRecord,
    SessionRecord,
    SessionSummary,
)
from store.sales_next_move.sessions import Outcome, SessionStatus

CLIENT_ID = "9b2e7c14-3f6a-4d8b-a1c5-7e0f2d9b4a63"
SESSION_ID = "5f0b3c52-8d43-4c1e-9a5e-3d7f2b6a1c90"
INTERACTION_ID = "2c7d9e1f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
MOVE_ID = "M-Q-zima-01"
WHEN = "2026-12-07T10:15:00Z"
OUTCOME_HELP = "purchased, not_purchased, postponed or lost_to_competitor."
ANALYSIS = {
    "signals": [
        {"id": "pyta_o_zasieg_zima", "evidence": "pyta o zasięg zimą", "source": "rules", "turn": 1}
    ],
    "archetype": {"primary": "straznik_rodziny", "changed": False},
    "indicators": {"purchase_readiness": {"score": 62, "band": "średni"}},
    "next_moves": [{"id": MOVE_ID, "kind": "question"}],
}


class Contact(BaseModel):
    """How to reach the client; both parts optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str | None = optional(
        "Email address.",
        "anna.nowak@example.pl",
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    )
    phone: str | None = optional(
        "Phone number: digits, spaces, dashes, brackets, an optional leading +.",
        "+48 600 123 456",
        pattern=r"^\+?[0-9 ()-]{6,32}$",
    )

    def stored(self) -> dict[str, str]:
        """The parts given, as the repository stores them."""
        return self.model_dump(exclude_none=True)


class ClientCreate(BaseModel):
    """A new client."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    alias: str = described(
        "How the salesperson refers to the client (no real name needed); unique in the tenant, "
        "whatever the case.",
        "Pan Tomasz, Audi Q4",
        min_length=1,
        max_length=80,
    )
    contact: Contact = described(
        "Email and/or phone.", {"phone": "+48 600 123 456"}, default_factory=Contact
    )
    notes: str = described(
        "Free notes about the client.",
        "Ma dwoje dzieci, dojeżdża 60 km.",
        default="",
        max_length=5000,
    )


class ClientPatch(BaseModel):
    """Client fields to change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    alias: str | None = optional(
        "New alias (unique in the tenant).", "Pan Tomasz", min_length=1, max_length=80
    )
    contact: Contact | None = optional(
        "New contact (replaces the whole contact).", {"email": "t.nowak@example.pl"}
    )
    notes: str | None = optional(
        "New notes (replace the old ones).", "Wraca w marcu.", max_length=5000
    )
    archived: bool | None = optional("Archive (true) or restore (false) the client.", False)

    @model_validator(mode="after")
    def _something(self) -> ClientPatch:
        check_patch(self)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the repository takes them."""
        changes = self.model_dump(exclude_unset=True, exclude={"contact"})
        if self.contact is not None:
            changes["contact"] = self.contact.stored()
        return changes


class ClientOut(BaseModel):
    """A stored client."""

    id: str = described("Client id.", CLIENT_ID)
    alias: str = described("How the salesperson refers to the client.", "Pan Tomasz, Audi Q4")
    contact: dict[str, str] = described("Email and/or phone.", {"phone": "+48 600 123 456"})
    notes: str = described("Free notes.", "Ma dwoje dzieci, dojeżdża 60 km.")
    archived: bool = described("Archived clients are left out of searches by default.", False)
    created_at: datetime = described("When it was added (UTC).", WHEN)
    updated_at: datetime = described("When it last changed (UTC).", WHEN)


class SessionSummaryOut(BaseModel):
    """A sales session as listed."""

    id: str = described("Session id (the id of its LangGraph thread).", SESSION_ID)
    client_id: str | None = described("The client, if one was named.", CLIENT_ID)
    client_alias: str | None = described("The client's alias.", "Pan Tomasz, Audi Q4")
    status: SessionStatus = described("active, or closed once concluded.", "active")
    started_at: datetime = described("When it started (UTC).", WHEN)
    last_activity_at: datetime = described(
        "When it last changed: a turn, a conclusion, a reopening (UTC).", WHEN
    )
    turns: int = described("How many observations were analysed.", 3)
    latest_readiness: int | None = described(
        "Purchase readiness (0-100) at the latest turn that scored it.", 62
    )


class OutcomeOut(BaseModel):
    """How a session ended."""

    outcome: Outcome = described(OUTCOME_HELP, "purchased")
    note: str | None = described("The salesperson's note.", "Zamówił wersję AWD.")
    concluded_at: datetime = described("When it was concluded (UTC).", WHEN)
    concluded_by: str = described("Who concluded it (the API key's name).", "editor-key")


class MemoryOut(BaseModel):
    """What the co-pilot remembers of the session's earlier turns."""

    summary: str = described(
        "Rolling summary of the session.", "Rodzina z dwójką dzieci, martwi się zasięgiem zimą."
    )
    key_facts: list[str] = described("Facts kept verbatim.", ["dwa foteliki", "dojazd 60 km"])
    memory_turn: int = described("The last turn the summary covers; 0 when there is none.", 2)


class InteractionOut(BaseModel):
    """One turn: the observation typed, its analysis and the moves shown."""

    id: str = described("Interaction id.", INTERACTION_ID)
    session_id: str = described("Its session.", SESSION_ID)
    turn: int = described("Its number in the session, from 1.", 1)
    text: str = described(
        "The observation as typed.", "Przyszedł z żoną, pyta o zasięg zimą i dwa foteliki."
    )
    analysis: dict[str, Any] = described(
        "Signals, archetype, knowledge, indicators and next moves (docs/sales_next_move.md).",
        ANALYSIS,
    )
    rules_version: str = described("Version of the rule tables that produced it.", "2026.12.1")
    shown_moves: list[str] = described(
        "Ids of every move shown for it: the first four, then any further suggestions.",
        [MOVE_ID, "M-A-tco-02"],
    )
    created_at: datetime = described("When it was analysed (UTC).", WHEN)


class FeedbackOut(BaseModel):
    """A user's rating of one suggested move."""

    id: str = described("Feedback id.", "4e8f0a2b-6c1d-4e3f-9a5b-7c8d9e0f1a2b")
    interaction_id: str = described("The interaction whose move was rated.", INTERACTION_ID)
    suggestion_id: str = described("The move rated.", MOVE_ID)
    user: str = described("Who rated it (the API key's name).", "editor-key")
    rating: Literal[1, -1] = described("1: helpful, -1: not helpful.", 1)
    comment: str | None = described("Why.", "Klient od razu podał trasę do Zakopanego.")
    created_at: datetime = described("When it was first rated (UTC).", WHEN)
    updated_at: datetime = described("When the rating last changed (UTC).", WHEN)


class SessionOut(SessionSummaryOut):
    """A whole session: every turn with its analysis, memory, deep analysis and feedback."""

    outcome: OutcomeOut | None = described("How it ended; null while active.", None)
    memory: MemoryOut = described(
        "The rolling memory.",
        {"summary": "Rodzina z dwójką dzieci.", "key_facts": ["dwa foteliki"], "memory_turn": 2},
    )
    deep_analysis: dict[str, Any] | None = described(
        "The slower, deeper analysis of the session; null until one has finished.",
        {"archetype": "straznik_rodziny", "summary": "Bezpieczeństwo dzieci przede wszystkim."},
    )
    deep_turn: int = described("The turn the deep analysis covers; 0 when there is none.", 2)
    interactions: list[InteractionOut] = described("Every turn, in order.", [])
    feedback: list[FeedbackOut] = described("Every rating given in the session.", [])


class ConcludeRequest(BaseModel):
    """How the session ended."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Outcome = described(OUTCOME_HELP, "postponed")
    note: str | None = optional(
        "A note on the outcome.", "Wraca po jazdę próbną w marcu.", max_length=2000
    )


class FeedbackRequest(BaseModel):
    """A rating of one move shown for the interaction."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    suggestion_id: str = described(
        "The move rated: one of the interaction's shown_moves.",
        MOVE_ID,
        min_length=1,
        max_length=100,
    )
    rating: Literal[1, -1] = described("1: helpful, -1: not helpful.", 1)
    comment: str | None = optional(
        "Why.", "Klient od razu podał trasę do Zakopanego.", max_length=2000
    )


def client_out(record: ClientRecord) -> ClientOut:
    """The API view of a stored client."""
    return ClientOut.model_validate(record, from_attributes=True)


def summary_out(record: SessionSummary) -> SessionSummaryOut:
    """The list view of a stored session."""
    return SessionSummaryOut.model_validate(record, from_attributes=True)


def interaction_out(record: InteractionRecord) -> InteractionOut:
    """The API view of a stored interaction."""
    return InteractionOut.model_validate(record, from_attributes=True)


def feedback_out(record: FeedbackRecord) -> FeedbackOut:
    """The API view of a stored rating."""
    return FeedbackOut.model_validate(
        {name: getattr(record, name) for name in FeedbackOut.model_fields if name != "user"}
        | {"user": record.user_id}
    )


def session_out(
    record: SessionRecord,
    interactions: list[InteractionRecord],
    feedback: list[FeedbackRecord],
) -> SessionOut:
    """The API view of a whole stored session."""
    summary = {name: getattr(record, name) for name in SessionSummaryOut.model_fields}
    return SessionOut.model_validate(
        summary
        | {
            "outcome": record.outcome_data,
            "memory": {
                "summary": record.summary,
                "key_facts": record.key_facts,
                "memory_turn": record.memory_turn,
            },
            "deep_analysis": record.deep_analysis,
            "deep_turn": record.deep_turn,
            "interactions": [interaction_out(i) for i in interactions],
            "feedback": [feedback_out(f) for f in feedback],
        }
    )
