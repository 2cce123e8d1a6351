"""Persona records as the generation workflow persists them (the shared spec's record)."""

from __future__ import annotations

import math
import uuid
from typing import Any

RUN_ID = "1ef9c3a2-7b4d-6e10-8f2a-5c3d9e7b1a04"
STORY = (
    "Anna od pięciu lat pracuje jako analityczka danych w krakowskim software house'ie. "
    "Po pracy biega nad Wisłą i uczy się hiszpańskiego. Znajomi piszą do niej na "
    "anna.kowalczyk@example.com albo dzwonią pod +48 601 234 567."
)


def persona_id(index: int, run_id: str = RUN_ID) -> str:
    """The deterministic id of a run's slot (as the workflow derives it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{index}"))


def unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector]


def make_persona(index: int = 0, *, run_id: str = RUN_ID, **overrides: Any) -> dict[str, Any]:
    """A valid persona record; `overrides` replace any key."""
    record: dict[str, Any] = {
        "id": persona_id(index, run_id),
        "tenant": "acme",
        "run_id": run_id,
        "segment_id": "mlodzi_profesjonalisci",
        "segment_name": "Młodzi profesjonaliści",
        "segment": {
            "age_min": 25,
            "age_max": 34,
            "genders": ["kobieta"],
            "education_levels": ["wyższe"],
            "income_brackets": ["5000-7500 PLN"],
            "city": "Kraków",
        },
        "age": 29 + index,
        "gender": "kobieta",
        "education": "wyższe",
        "income_bracket": "5000-7500 PLN",
        "location": "Kraków",
        "first_name": "Anna",
        "last_name": "Kowalczyk",
        "occupation": "analityczka danych",
        "background_story": STORY,
        "values": ["rozwój", "niezależność"],
        "interests": ["bieganie", "języki obce"],
        "big_five": {
            "openness": 0.72,
            "conscientiousness": 0.64,
            "extraversion": 0.41,
            "agreeableness": 0.58,
            "neuroticism": 0.35,
        },
        "hofstede": {
            "power_distance": 68.0,
            "individualism": 60.0,
            "masculinity": 64.0,
            "uncertainty_avoidance": 93.0,
            "long_term_orientation": 38.0,
            "indulgence": 29.0,
        },
        "schwartz": {
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
        },
        "score": 87,
        "score_reasons": [{"code": "story_short", "penalty": 5, "message": "krótka historia"}],
        "quality": {"status": "accepted", "attempts": 1, "checks": {"age_in_segment": True}},
        "rag_metadata": {
            "search_type": "hybrid_rerank",
            "num_results": 1,
            "query": "młodzi profesjonaliści Kraków",
            "reranker": "features",
            "hits": [{"id": "note.x", "title": "X", "kind": "note", "score": 2.1}],
            "took_ms": 40.0,
        },
        "embedding": unit([1.0, 0.5 + index, 0.25, 0.0]),
        "kpi_snapshot": None,
        "kpi_snapshot_at": None,
        "is_active": True,
    }
    record.update(overrides)
    return record
