"""Compare personas: pairwise cosine similarity of their embeddings, and the fields that differ."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

from api.personas.detail_schemas import Difference, Similarity
from store.persona_records import PersonaRecord

COMPARED_FIELDS = (
    "segment_id",
    "age",
    "gender",
    "education",
    "income_bracket",
    "location",
    "occupation",
    "score",
    "values",
    "interests",
)
TRAIT_GROUPS = ("big_five", "hofstede", "schwartz")
TRAIT_DECIMALS = 2  # traits equal to two decimals count as the same


def cosine(a: list[float] | None, b: list[float] | None) -> tuple[float | None, str | None]:
    """Cosine similarity of two vectors, or None with the reason it cannot be computed."""
    if not a or not b:
        return None, "missing embedding"
    if len(a) != len(b):
        return None, f"embeddings differ in dimension ({len(a)} vs {len(b)})"
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    if norm == 0:
        return None, "zero-length embedding"
    return round(sum(x * y for x, y in zip(a, b, strict=True)) / norm, 6), None


def similarities(personas: list[PersonaRecord]) -> list[Similarity]:
    """Every pair's similarity, in the order asked."""
    out = []
    for a, b in combinations(personas, 2):
        value, reason = cosine(a.embedding, b.embedding)
        if reason == "missing embedding":
            missing = [p.id for p in (a, b) if not p.embedding]
            reason = f"no embedding stored for persona {', '.join(missing)}"
        out.append(Similarity(a=a.id, b=b.id, cosine=value, reason=reason))
    return out


def _rounded(value: Any) -> Any:
    return round(value, TRAIT_DECIMALS) if isinstance(value, int | float) else value


def _differs(values: list[Any]) -> bool:
    return any(v != values[0] for v in values[1:])


def differences(personas: list[PersonaRecord]) -> list[Difference]:
    """The compared fields (and single traits, dotted) whose values are not all equal."""
    out = [
        Difference(field=name, values=values)
        for name in COMPARED_FIELDS
        if _differs(values := [getattr(p, name) for p in personas])
    ]
    for group in TRAIT_GROUPS:
        traits: dict[str, None] = {}
        for persona in personas:
            traits.update(dict.fromkeys(getattr(persona, group)))
        for trait in traits:
            values = [getattr(p, group).get(trait) for p in personas]
            if _differs([_rounded(v) for v in values]):
                out.append(Difference(field=f"{group}.{trait}", values=values))
    return out
