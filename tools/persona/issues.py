"""What a persona check found wrong, and how many points it costs the persona's score.

Every check of names, occupation and background story reports :class:`Issue` objects; the
score is 100 minus their penalties. The penalties live in one table so that a reader (and the
API's ``score_reasons``) sees the whole scale in one place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Degenerate text (tools/text_checks.py), text in another language and a failed model call
# fail a persona outright: such text is regenerated, then replaced by the template writer.
FAIL = 100
PENALTIES: dict[str, int] = {
    "text_repetitive": FAIL,
    "text_echoes_prompt": FAIL,
    "text_placeholder": FAIL,
    "text_not_polish": FAIL,
    "text_mixed_language": FAIL,
    "items_repeat": FAIL,
    "story_not_polish": FAIL,
    "model_error": FAIL,
    "structured_output_invalid": FAIL,
    "story_name_mismatch": 40,
    "story_occupation_mismatch": 30,
    "story_person_mismatch": 40,
    "text_truncated": FAIL,
    "occupation_not_offered": 10,
    "name_gender_mismatch": 20,
    "surname_gender_mismatch": 15,
    "occupation_education_mismatch": 15,
    "story_gender_mismatch": 15,
    "story_age_mismatch": 15,
    "name_unknown": 10,
    "occupation_age_mismatch": 10,
    "story_too_short": 10,
    "story_location_mismatch": 10,
    "values_misaligned": 10,
    "too_few_items": 5,
}


@dataclass(frozen=True)
class Issue:
    """One problem found in a persona: a machine code, its penalty and a sentence for users."""

    code: str
    penalty: int
    message: str

    def as_dict(self) -> dict[str, str | int]:
        """Return the JSON-ready form stored in a persona's ``score_reasons``."""
        return asdict(self)


def issue(code: str, message: str) -> Issue:
    """Build an issue with the penalty the table gives ``code``."""
    return Issue(code, PENALTIES[code], message)
