"""Persona bodies: the persona as served (summary and full), edits, deletes, runs' reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.patches import check_patch
from store.persona_records import PersonaRecord

DeleteReason = Literal["duplicate", "outdated", "test_data", "other"]
PERSONA_ID = "6f1c2a9e-3b7d-5e0a-9c41-2d8f7b6a5e13"
RUN_ID = "1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"
BIG_FIVE = {
    "openness": 0.72,
    "conscientiousness": 0.64,
    "extraversion": 0.41,
    "agreeableness": 0.58,
    "neuroticism": 0.35,
}
HOFSTEDE = {
    "power_distance": 68.0,
    "individualism": 60.0,
    "masculinity": 64.0,
    "uncertainty_avoidance": 93.0,
    "long_term_orientation": 38.0,
    "indulgence": 29.0,
}
SCHWARTZ = {
    "self_direction": 0.8,
    "stimulation": 0.1,
    "hedonism": -0.2,
    "achievement": 0.6,
    "power": -0.9,
    "security": 0.7,
    "conformity": 0.1,
    "tradition": -0.4,
    "benevolence": 1.1,
    "universalism": 0.5,
}
SEGMENT = {
    "age_min": 25,
    "age_max": 34,
    "genders": ["kobieta"],
    "education_levels": ["wyższe"],
    "income_brackets": ["5000-7500 PLN"],
    "city": "Kraków",
}


def described(description: str, example: Any, **options: Any) -> Any:
    """A Field with its description and one example (both end up in the OpenAPI docs)."""
    return Field(description=description, examples=[example], **options)


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """An example of a whole model, from its fields' examples."""
    return {name: f.examples[0] for name, f in model.model_fields.items() if f.examples}


def optional(description: str, example: Any, **options: Any) -> Any:
    """A described Field that may be left out (default None)."""
    return described(description, example, default=None, **options)


class PersonaSummary(BaseModel):
    """A persona in a list: who they are, where they come from, how well they scored."""

    model_config = ConfigDict(extra="ignore")

    id: str = described("Persona id (a UUID, stable for a run's slot).", PERSONA_ID)
    run_id: str | None = described("Generation run that created the persona.", RUN_ID)
    segment_id: str = described("Segment the persona was generated for.", "mlodzi_profesjonalisci")
    segment_name: str | None = described("The segment's readable name.", "Młodzi profesjonaliści")
    first_name: str = described("First name.", "Anna")
    last_name: str = described("Last name.", "Kowalczyk")
    age: int = described("Age in years.", 29)
    gender: str = described("kobieta, mężczyzna or osoba niebinarna.", "kobieta")
    education: str = described("Education level (GUS categories).", "wyższe")
    income_bracket: str = described("Net monthly income bracket.", "5000-7500 PLN")
    location: str = described(
        "City, or 'mniejsza miejscowość lub wieś' for smaller places.", "Kraków"
    )
    occupation: str = described("Occupation.", "analityczka danych")
    score: int = described("Quality score 0-100 from the validation checks.", 87)
    is_active: bool = described("False once soft-deleted (only admins see those).", True)
    created_at: datetime = described("When the persona was stored (UTC).", "2026-11-23T10:15:00Z")


class Persona(PersonaSummary):
    """A whole persona: demography, narrative, psychography and quality (no embedding)."""

    segment: dict[str, Any] = described(
        "The segment's demographic constraints the persona was drawn from.", SEGMENT
    )
    background_story: str = described(
        "Background story in Polish.",
        "Anna od pięciu lat pracuje w krakowskim software house'ie; po pracy biega i uczy się "
        "hiszpańskiego.",
    )
    values: list[str] = described("What the persona values.", ["rozwój", "niezależność"])
    interests: list[str] = described("Interests.", ["bieganie", "podcasty o technologii"])
    big_five: dict[str, float] = described(
        "Big Five traits, 0-1: openness, conscientiousness, extraversion, agreeableness, "
        "neuroticism.",
        BIG_FIVE,
    )
    hofstede: dict[str, float] = described(
        "Hofstede's cultural dimensions, 0-100 (Poland's country profile, varied per persona).",
        HOFSTEDE,
    )
    schwartz: dict[str, float] = described(
        "Schwartz basic values, centred scores (roughly -2..2).", SCHWARTZ
    )
    score_reasons: list[dict[str, Any]] = described(
        "Checks that lowered the score: {code, penalty, message}.",
        [{"code": "story_short", "penalty": 5, "message": "historia ma 140 znaków (min. 150)"}],
    )
    quality: dict[str, Any] = described(
        "Validation outcome: status (accepted | below_threshold), attempts, per-check results.",
        {"status": "accepted", "attempts": 1, "checks": {"age_in_segment": True}},
    )
    updated_at: datetime = described("When the persona last changed (UTC).", "2026-11-23T10:15:00Z")
    deleted_at: datetime | None = described("When it was soft-deleted, if it was.", None)
    deleted_by: str | None = described("Who deleted it (API key name).", None)
    delete_reason: DeleteReason | None = described("Why it was deleted.", None)
    delete_detail: str | None = described("The deleter's explanation.", None)


def persona_out(record: PersonaRecord) -> Persona:
    """The API view of a stored persona (no tenant, embedding or KPI snapshot)."""
    return Persona.model_validate({name: getattr(record, name) for name in Persona.model_fields})


def summary_out(record: PersonaRecord) -> PersonaSummary:
    """The list view of a stored persona."""
    return PersonaSummary.model_validate(
        {name: getattr(record, name) for name in PersonaSummary.model_fields}
    )


class PersonaPatch(BaseModel):
    """Narrative fields to change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str | None = optional("New first name.", "Anna", min_length=1, max_length=100)
    last_name: str | None = optional("New last name.", "Nowak", min_length=1, max_length=100)
    occupation: str | None = optional(
        "New occupation.", "kierowniczka projektu", min_length=1, max_length=200
    )
    background_story: str | None = optional(
        "New background story (Polish).",
        "Anna prowadzi zespół analityków i planuje przeprowadzkę do Gdańska.",
        min_length=1,
        max_length=5000,
    )
    values: list[str] | None = optional(
        "New values (replaces the list).", ["rozwój", "rodzina"], max_length=30
    )
    interests: list[str] | None = optional(
        "New interests (replaces the list).", ["żeglarstwo"], max_length=30
    )

    @model_validator(mode="after")
    def _something(self) -> PersonaPatch:
        check_patch(self)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the repository takes them."""
        return self.model_dump(exclude_unset=True)


class DeleteRequest(BaseModel):
    """Why a persona is deleted (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: DeleteReason = described(
        "duplicate, outdated, test_data, or other (then `detail` is required).", "duplicate"
    )
    detail: str | None = optional(
        "Explanation; required when reason is other.",
        "ta sama persona co 3b1f...",
        max_length=1000,
    )


class DeleteResult(BaseModel):
    """A soft-deleted persona and until when the delete can be undone."""

    id: str = described("Persona id.", PERSONA_ID)
    is_active: bool = described("Always false after a delete.", False)
    deleted_at: datetime = described("When it was deleted (UTC).", "2026-11-23T11:00:00Z")
    deleted_by: str | None = described("Who deleted it (API key name).", "admin-key")
    delete_reason: DeleteReason = described("Why.", "duplicate")
    delete_detail: str | None = described("The deleter's explanation.", None)
    undo_until: datetime = described(
        "Until when POST /personas/{id}/restore undoes it (UTC).", "2026-11-24T11:00:00Z"
    )


class RunReport(BaseModel):
    """A persona generation run's validation report."""

    run_id: str = described("The generation run.", RUN_ID)
    report: dict[str, Any] = described(
        "What the run produced and how it validated: counts, scores, distribution checks.",
        {"requested": 10, "accepted": 9, "below_threshold": 1, "mean_score": 84.2},
    )
    created_at: datetime = described("When the report was stored (UTC).", "2026-11-23T10:15:00Z")
