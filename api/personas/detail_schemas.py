"""Persona details, KPI, audit and compare bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.personas.schemas import PERSONA_ID, SEGMENT, Persona, described, example_of
from store.persona_audit import AuditEntry

OTHER_ID = "0b7e4d21-9a3c-5f18-8e6d-4c2a1b9f7e30"


class Kpi(BaseModel):
    """The persona's look-alike segment KPIs (docs/requirements.md §1.6) with CAC/LTV and confidence."""

    model_config = ConfigDict(extra="ignore")

    segment_size: int = described("People in Poland like the persona (segment size).", 184000)
    conversion_rate: float = described("Expected conversion rate, 0-1.", 0.12)
    retention_rate: float = described("Expected retention rate, 0-1.", 0.85)
    nps_score: float = described("Expected Net Promoter Score.", 45)
    ltv: float = described("Customer lifetime value, PLN.", 5850.0)
    cac: float = described("Customer acquisition cost, PLN.", 877.5)
    cac_ltv_ratio: float | None = described(
        "CAC divided by LTV (lower is better); null when LTV is 0.", 0.15
    )
    confidence_score: float = described("Confidence in the estimate, 0-1.", 0.62)
    currency: str = described("Currency of LTV and CAC.", "PLN")
    industry: str = described("Industry whose benchmarks were used.", "b2b_saas")
    segment: dict[str, Any] = described(
        "The look-alike segment the KPIs are for (the persona's age -5/+4 years, gender, "
        "education, income bracket, and city when it is one of the tables' cities).",
        SEGMENT,
    )
    benchmarks: dict[str, Any] = described(
        "Conversion, retention and NPS against the industry averages.",
        {
            "nps_score": {
                "value": 45,
                "industry_average": 40,
                "delta": 5,
                "delta_pct": 12.5,
                "direction": "above",
            }
        },
    )
    data_sources: list[dict[str, Any]] = described(
        "Where every figure comes from.",
        [
            {
                "kind": "benchmark",
                "figure": "nps",
                "source": "Sight requirements (docs/requirements.md §1.5)",
                "illustrative": True,
            }
        ],
    )
    computed_at: datetime = described(
        "When these KPIs were computed (UTC).", "2026-11-23T10:15:00Z"
    )
    age_s: float = described("Seconds since computed_at, when served.", 42.5)
    cached: bool = described(
        "True when the persona's stored snapshot was fresh and served as is.", True
    )


class AuditEntryOut(BaseModel):
    """One action on a persona (IP address and user agent are never served)."""

    id: str = described("Entry id.", "c0a8f1e2-4b3d-4a5e-9f60-7a8b9c0d1e2f")
    persona_id: str = described("The persona acted on.", PERSONA_ID)
    user_id: str | None = described(
        "Who acted: the API key's name (null for the system).", "editor-key"
    )
    action: str = described("view, export, compare, delete, restore, update or create.", "view")
    details: dict[str, Any] = described(
        "What else is known about the action.", {"format": "csv", "unmasked": False}
    )
    created_at: datetime = described("When (UTC).", "2026-11-23T10:16:00Z")


def audit_out(entry: AuditEntry) -> AuditEntryOut:
    """The API view of an audit entry."""
    return AuditEntryOut(
        id=entry.id,
        persona_id=entry.persona_id,
        user_id=entry.user_id,
        action=entry.action,
        details=entry.details,
        created_at=entry.created_at,
    )


class PartError(BaseModel):
    """Why one part of the details could not be served."""

    code: str = described("Machine code of the error.", "invalid_input")
    message: str = described("What went wrong.", "1 problem(s) in the input: industry: unknown")


class PersonaDetails(BaseModel):
    """Everything the details drawer shows; a failing part is null and named in `errors`."""

    persona: Persona = described("The persona.", example_of(Persona))
    kpi: Kpi | None = described(
        "KPIs of the persona's look-alike segment; null if the estimate failed (see errors.kpi).",
        example_of(Kpi),
    )
    audit_log: list[AuditEntryOut] = described(
        "The last 20 actions on the persona, newest first (empty if the log failed).",
        [
            {
                "id": "c0a8f1e2-4b3d-4a5e-9f60-7a8b9c0d1e2f",
                "persona_id": PERSONA_ID,
                "user_id": "editor-key",
                "action": "export",
                "details": {"format": "csv"},
                "created_at": "2026-11-23T10:16:00Z",
            }
        ],
    )
    rag_metadata: dict[str, Any] | None = described(
        "The knowledge-base search that grounded the persona.",
        {
            "search_type": "hybrid_rerank",
            "num_results": 3,
            "query": "młodzi profesjonaliści",
            "reranker": "features",
            "hits": [],
            "took_ms": 41.0,
        },
    )
    partial: bool = described("True when some part failed and is left out.", False)
    errors: dict[str, PartError] = described("Failed parts (kpi, audit_log) and why.", {})


class CompareRequest(BaseModel):
    """Personas to compare side by side."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = described(
        "Two or three persona ids, all different.",
        [PERSONA_ID, OTHER_ID],
        min_length=2,
        max_length=3,
    )


class Similarity(BaseModel):
    """Cosine similarity of two personas' embeddings."""

    a: str = described("First persona id.", PERSONA_ID)
    b: str = described("Second persona id.", OTHER_ID)
    cosine: float | None = described("Cosine similarity, -1..1; null when not computable.", 0.83)
    reason: str | None = described("Why cosine is null.", None)


class Difference(BaseModel):
    """A field whose values differ between the compared personas."""

    field: str = described("Field name (dotted for a trait: big_five.openness).", "age")
    values: list[Any] = described("Its value for each persona, in the order asked.", [29, 41])


class Comparison(BaseModel):
    """Personas side by side, their pairwise similarity and the fields that differ."""

    personas: list[Persona] = described("The personas, in the order asked.", [example_of(Persona)])
    similarity: list[Similarity] = described(
        "Every pair's cosine similarity.",
        [{"a": PERSONA_ID, "b": OTHER_ID, "cosine": 0.83, "reason": None}],
    )
    differences: list[Difference] = described(
        "Fields whose values differ.", [{"field": "age", "values": [29, 41]}]
    )
