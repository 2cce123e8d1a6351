"""Re-check an edited persona: the score, its reasons and the embedding follow the new text.

The generator's checks (tools/persona) run again on the edited narrative against the persona's
demographics and top values, so the score and its reasons never describe text that is gone;
the embedding that compare and near-duplicate checks use is recomputed too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sight.settings import Settings
from store.persona_records import EDITABLE_FIELDS, PersonaRecord
from tools.models import get_embedder
from tools.persona.narrative import narrative_issues
from tools.persona.scoring import score
from tools.persona.vectors import embedding_text


def _narrative(persona: PersonaRecord, changes: dict[str, Any]) -> dict[str, Any]:
    return {**{f: getattr(persona, f) for f in EDITABLE_FIELDS}, **changes}


def _profile(persona: PersonaRecord) -> dict[str, Any]:
    return {
        "age": persona.age,
        "gender": persona.gender,
        "education": persona.education,
        "income_bracket": persona.income_bracket,
        "location": persona.location,
        "birth_year": persona.quality.get("birth_year"),
        "top_values": persona.quality.get("top_values", []),
    }


async def rescorer(
    persona: PersonaRecord, changes: dict[str, Any], settings: Settings
) -> Callable[[PersonaRecord, dict[str, Any]], dict[str, Any]]:
    """Embed the edited text now (off the event loop); return the store's ``derived`` hook."""
    text = embedding_text(_narrative(persona, changes))
    vector = (await asyncio.to_thread(get_embedder(settings).embed_documents, [text]))[0]

    def derived(current: PersonaRecord, changed: dict[str, Any]) -> dict[str, Any]:
        narrative = _narrative(current, changed)
        issues = [i.as_dict() for i in narrative_issues(narrative, _profile(current))]
        value = score(issues)
        status = "accepted" if value >= settings.persona_min_score else "below_threshold"
        # Another edit may have landed in between: then the vector is not this text's.
        same = embedding_text(narrative) == text
        return {
            "score": value,
            "score_reasons": [i for i in issues if i["penalty"] > 0],
            "quality": {**current.quality, "status": status, "edited": True},
            "embedding": [float(x) for x in vector] if same else None,
        }

    return derived
