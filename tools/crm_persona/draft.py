"""What the `deep` model writes about a CRM contact (structured output), and the stored persona.

Every claim cites the evidence it came from by id (see ``evidence``); the checks in ``check``
keep only claims whose ids exist. The stored persona marks each section's source (``model`` or
``rules``), or ``not_generated`` with the reason, so an offline persona never passes rules'
guesses off as a model's analysis, nor leaves a gap unexplained.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

SECTIONS = (
    "communication_style",
    "pain_points",
    "buying_motivations",
    "likely_objections",
    "recommended_approach",
)
SECTION_PL = {
    "communication_style": "Styl komunikacji",
    "pain_points": "Problemy i wyzwania",
    "buying_motivations": "Motywacje zakupowe",
    "likely_objections": "Prawdopodobne obiekcje",
    "recommended_approach": "Rekomendowane podejście",
}

EvidenceId = Annotated[str, StringConstraints(min_length=3, max_length=120)]


class Claim(BaseModel):
    """One statement about the contact, in Polish, with the ids it rests on."""

    text: str = Field(min_length=8, max_length=300, description="Jedno zdanie po polsku.")
    evidence: list[EvidenceId] = Field(
        min_length=1, max_length=5, description="Id dowodów z listy (np. m-reply_rate, e-123)."
    )


def _claims(description: str) -> Any:
    return Field(min_length=1, max_length=4, description=description)


class CrmPersonaDraft(BaseModel):
    """The model's persona of one contact (Polish; ids from the evidence list only)."""

    persona_name: str = Field(
        min_length=3, max_length=80, description="Krótka nazwa persony, np. 'Analityczna Anna'."
    )
    role: str | None = Field(
        default=None, max_length=120, description="Stanowisko, gdy nie podano go w danych."
    )
    company_size: str | None = Field(
        default=None, max_length=40, description="Wielkość firmy, gdy nie podano jej w danych."
    )
    communication_style: list[Claim] = _claims("Jak się komunikuje.")
    pain_points: list[Claim] = _claims("Problemy i wyzwania.")
    buying_motivations: list[Claim] = _claims("Co motywuje do zakupu.")
    likely_objections: list[Claim] = _claims("Prawdopodobne obiekcje.")
    recommended_approach: list[Claim] = _claims("Jak z nim rozmawiać.")


def section(
    claims: list[dict[str, Any]], source: str, *, reason: str | None = None
) -> dict[str, Any]:
    """A stored section: its claims and who wrote them, or not generated and why."""
    if not claims:
        return {"status": "not_generated", "source": None, "reason": reason, "claims": []}
    return {"status": "generated", "source": source, "reason": reason, "claims": claims}
