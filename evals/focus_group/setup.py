"""Personas and questions for focus-group tests, evals and benchmarks."""

from __future__ import annotations

from typing import Any

from evals.focus_group.fakes import PlantedRespondent, persona_names
from evals.persona_generation.factory import make_persona

TENANT = "acme"
QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "bariery",
        "text": "Co najbardziej powstrzymuje Cię przed zakupem samochodu elektrycznego?",
        "type": "open",
    },
    {
        "id": "zakup",
        "text": "Jak bardzo prawdopodobne, że w ciągu dwóch lat kupisz samochód elektryczny?",
        "type": "likert",
        "scale": 5,
    },
    {
        "id": "naped",
        "text": "Jaki napęd wybrałbyś przy następnym zakupie?",
        "type": "single_choice",
        "options": ["elektryczny", "hybrydowy", "benzynowy", "diesel"],
    },
    {
        "id": "cena",
        "text": "Ile najwyżej zapłaciłbyś za nowy samochód (w tysiącach złotych)?",
        "type": "numeric",
        "min": 30,
        "max": 300,
        "unit": "tys. zł",
    },
]
GENDERS = ["kobieta", "mężczyzna"]
EDUCATION = ["podstawowe", "średnie", "wyższe"]
PLACES = ["Kraków", "Radom", "wieś Zalesie, mazowieckie", "Gdańsk"]


def persona_records(count: int, *, run_id: str = "fg-seed") -> list[dict[str, Any]]:
    """``count`` stored-persona records with distinct names and varied profiles."""
    records = []
    for i in range(count):
        first, last = persona_names(i)
        records.append(
            make_persona(
                i,
                run_id=run_id,
                first_name=first,
                last_name=last,
                gender=GENDERS[i % 2],
                age=20 + (i * 7) % 55,
                education=EDUCATION[i % 3],
                location=PLACES[i % len(PLACES)],
                segment_id=f"seg_{i % 2}",
            )
        )
    return records


async def seed_personas(personas: Any, records: list[dict[str, Any]], now: Any) -> list[str]:
    """Store the records through a PersonaRepository; return their ids in order."""
    await personas.add_many(
        records, report=None, run_id=records[0]["run_id"], tenant=TENANT, now=now
    )
    return [r["id"] for r in records]


def canonical(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions as the request validator makes them (options as {id, text}, labels)."""
    from tools.focus_group.request import validate_request

    request = validate_request({"personas": ["x"], "questions": questions})
    return request["questions"]


def respondent_for(
    records: list[dict[str, Any]], questions: list[dict[str, Any]], **options: Any
) -> PlantedRespondent:
    """A planted respondent that knows these personas and questions."""
    index = {f"{r['first_name']} {r['last_name']}": i for i, r in enumerate(records)}
    by_text = {q["text"]: q for q in canonical(questions)}
    return PlantedRespondent(persona_index=index, questions=by_text, **options)
