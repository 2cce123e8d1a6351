"""CRM bodies: import results, contacts (list, detail with metrics), personas and ratings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from api.personas.schemas import described, optional
from tools.crm_persona.records import MAX_EMPLOYEES

CONTACT_ID = "hs-1042"
PERSONA_ID = "3f1c2b7e-9d4a-4c1e-8b2f-6a5d4e3c2b1a"
WHEN = "2026-12-07T10:15:00Z"
QUALITY = {
    "score": 85.0,
    "parts": {
        "interaction_volume": {"points": 50, "max": 50, "why": "24 interactions x 2.5, at most 50"},
        "email_engagement": {"points": 20, "max": 20, "why": "9 tracked e-mails (3 or more: 20)"},
        "deal_history": {"points": 10, "max": 20, "why": "0 closed, 1 open deals"},
        "pattern_recognition": {
            "points": 5,
            "max": 10,
            "why": "1 activity patterns (2 or more: 10; 1: 5)",
        },
    },
}


class ImportOut(BaseModel):
    """What an import stored: contact ids by what happened to them."""

    format: Literal["json", "csv", "hubspot"] = described("The format read.", "json")
    contacts: int = described("Contacts in the file.", 3)
    created: list[str] = described("Ids of contacts new to the tenant.", ["hs-1042"])
    updated: list[str] = described(
        "Ids of contacts whose fields or history changed (records added or updated).", ["hs-7"]
    )
    unchanged: list[str] = described("Ids of contacts the file held nothing new for.", ["hs-9"])


class ContactFields(BaseModel):
    """A contact's own fields (its history comes through the import)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = optional("Full name.", "Anna Wiśniewska", min_length=1, max_length=200)
    role: str | None = optional("Job title.", "Dyrektor ds. zakupów", max_length=200)
    company: str | None = optional("Company name.", "Polmet Sp. z o.o.", max_length=200)
    company_size: int | None = optional("Employees.", 120, ge=1, le=MAX_EMPLOYEES)
    industry: str | None = optional("Industry.", "technology", max_length=100)
    email: str | None = optional("E-mail address.", "a.wisniewska@polmet.pl", max_length=320)
    phone: str | None = optional("Phone number.", "+48 601 234 567", max_length=50)


class ContactSummary(BaseModel):
    """A contact in a list."""

    model_config = ConfigDict(extra="ignore")

    id: str = described("The contact's id (the CRM's own).", CONTACT_ID)
    name: str = described("Full name.", "Anna Wiśniewska")
    role: str | None = optional("Job title.", "Dyrektor ds. zakupów")
    company: str | None = optional("Company name.", "Polmet Sp. z o.o.")
    company_size: int | None = optional("Employees.", 120)
    industry: str | None = optional("Industry.", "technology")
    interactions: int = described("Activities + e-mails + comments.", 24)
    updated_at: str = described("Last change (ISO 8601, UTC).", WHEN)


class ContactDetail(ContactSummary):
    """A contact with its history, behavioural metrics, data quality and benchmarks."""

    email: str | None = optional("E-mail address.", "a.wisniewska@polmet.pl")
    phone: str | None = optional("Phone number.", "+48 601 234 567")
    source: str = described("Where it came from: json, csv, hubspot, api or synthetic.", "json")
    created_at: str = described("First stored (ISO 8601, UTC).", WHEN)
    history: dict[str, list[dict[str, Any]]] = described(
        "activities, emails, deals, comments and files in the import's JSON form.",
        {"activities": [{"type": "call", "at": WHEN, "direction": "outbound"}]},
    )
    metrics: dict[str, Any] = described(
        "Behavioural metrics: e-mail engagement (machine opens count zero), response times, "
        "frequency, decisions, patterns, content; each rate with n, a Wilson interval and a "
        "status (ok or insufficient_data).",
        {"email": {"engagement": {"value": 0.41, "n": 9, "interval": [0.2, 0.66], "status": "ok"}}},
    )
    data_quality: dict[str, Any] = described("Score 0-100 and its four parts.", QUALITY)
    benchmarks: dict[str, Any] = described(
        "Each benchmarked metric against the industry's row: above, below, consistent, "
        "faster, slower or insufficient_data.",
        {"email_engagement": {"benchmark": 0.3, "verdict": "consistent"}},
    )
    latest_persona_id: str | None = optional("The newest persona version's id.", PERSONA_ID)


class PersonaRequest(BaseModel):
    """How to build the persona."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["basic", "rag"] = described(
        "basic: the contact's fields only; rag: its history, metrics, benchmarks, look-alikes "
        "and the knowledge base (falls back to basic, saying why, when it cannot).",
        "rag",
        default="rag",
    )


class PersonaOut(BaseModel):
    """One version of a contact's persona."""

    model_config = ConfigDict(extra="ignore")

    id: str = described("Persona version id.", PERSONA_ID)
    contact_id: str = described("The contact's id.", CONTACT_ID)
    version: int = described("1 for the first, then one more per regeneration.", 2)
    requested_mode: str = described("The mode asked for.", "rag")
    mode: str = described("The mode used.", "basic")
    fallback_reason: str | None = optional(
        "Why rag fell back to basic: thin_history, low_quality or retrieval_failed.",
        "thin_history",
    )
    data_quality: dict[str, Any] = described("The contact's data-quality score then.", QUALITY)
    persona: dict[str, Any] = described(
        "persona_name, role and company (confirmed, inferred or unknown), and the sections "
        "communication_style, pain_points, buying_motivations, likely_objections, "
        "recommended_approach: each {status, source (model | rules), reason, claims: [{text, "
        "evidence}]}.",
        {"persona_name": "Anna – Dyrektor ds. zakupów"},
    )
    generation: dict[str, Any] = described(
        "How it was made: writer, model, usage, dropped claims, the evidence it could cite.",
        {"writer": "rules", "model": None},
    )
    rating: dict[str, Any] = described(
        "Users' accuracy ratings: mean (1-5) and n.", {"mean": 4.0, "n": 2}
    )
    created_at: str = described("When it was generated (ISO 8601, UTC).", WHEN)


class RatingIn(BaseModel):
    """A user's rating of how accurate a persona is (rating again replaces it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rating: int = described("1 (wrong) to 5 (spot on).", 4, ge=1, le=5)
    comment: str | None = optional("Why.", "Trafnie opisuje obiekcje cenowe.", max_length=2000)


class SimilarOut(BaseModel):
    """A look-alike contact and what made it similar."""

    model_config = ConfigDict(extra="ignore")

    contact_id: str = described("The similar contact's id.", "hs-77")
    similarity: float = described("0 (unlike) to 1 (alike).", 0.83)
    features: list[dict[str, Any]] = described(
        "The closest shared features: name, this contact's and the neighbour's values, z gap.",
        [{"name": "reply_rate", "target": 0.5, "neighbour": 0.45, "z_gap": 0.1}],
    )
    same_industry: bool | None = described("Same industry (null: one of them unknown).", True)
    same_size_band: bool | None = described(
        "Same company-size band (null: one of them unknown).", True
    )
    notes_similarity: float | None = optional("Cosine of the notes' embeddings.", 0.71)
