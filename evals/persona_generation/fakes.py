"""Fakes for persona generation tests and benchmarks: a model that writes consistent Polish
narratives from the prompt it gets, and a bag-of-words embedder (similar texts, similar vectors)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage

DIM = 256


def _line(prompt: str, label: str) -> str:
    match = re.search(rf"- {label}: (.+)", prompt)
    assert match, f"the prompt has no '{label}' line"
    return match.group(1).strip()


def _first(items: str) -> str:
    return items.split(",")[0].strip()


def narrative_for(prompt: str) -> dict[str, Any]:
    """A story that fits the prompt's persona (what a good model would write)."""
    gender, age = _line(prompt, "płeć"), int(_line(prompt, "wiek").split()[0])
    location = _line(prompt, "miejsce zamieszkania").split(" (pisz:")[0]
    first, last = _line(prompt, "imię i nazwisko").split(" ", 1)
    job = _line(prompt, "zawód")
    interests = [i.strip() for i in _line(prompt, "hobby \\(przykłady\\)").split(",")]
    # The values' names without their glosses: "tradycja (szacunek dla ...)" -> "tradycja".
    named = re.sub(r"\s*\([^)]*\)", "", _line(prompt, "najważniejsze wartości").split(". ")[0])
    values = [v.strip() for v in named.split(",")]
    woman = gender == "kobieta"
    lived = "mieszkała" if woman else "mieszkał"
    started = "zaczęła" if woman else "zaczął"
    place = location if location[0].isupper() else "w niewielkiej miejscowości"
    story = (
        f"{first} {last} ma {age} lat i mieszka: {place}. Od lat {lived} w tej okolicy i "
        f"dobrze zna jej mieszkańców. Pracę jako {job} {started} kilka lat temu i traktuje ją "
        f"poważnie. W wolnym czasie lubi {interests[0]} oraz {interests[-1]}. "
        f"Najbardziej ceni {values[0]}."
    )
    return {
        "background_story": story,
        "values": values[:3],
        "interests": (interests + ["spacery", "muzyka", "gotowanie"])[:3],
    }


def write_narrative(messages: list[BaseMessage]) -> str:
    """Script item for ScriptedChatModel: answer the persona prompt with JSON."""
    prompt = next(m.text for m in messages if m.text.startswith("Persona:"))
    return json.dumps(narrative_for(prompt), ensure_ascii=False)


def bag_of_words(text: str) -> list[float]:
    vector = np.zeros(DIM)
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
    return (vector / (np.linalg.norm(vector) or 1.0)).tolist()


async def embed(texts: list[str]) -> list[list[float]]:
    return [bag_of_words(t) for t in texts]
