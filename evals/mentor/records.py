"""The mentor eval's rows as Sight's workflows write them, built from the data files.

The data files (``data/*.json``) hold what was written by hand (personas, answers, notes,
outcomes) and what ``freeze.py`` derived once from it with Sight's own code (KPI snapshots,
focus-group reports, sales analyses). This module only reshapes them into the records the
store's repositories take; it computes nothing a reader would call a result.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
ID_ROOT = "https://sight.local/evals/mentor/"
ANSWER_MODEL = "gemini/gemini-2.5-flash"
PRICE_PER_1K = (0.00005, 0.0025)  # the settings' price of the answering model (in, out)
SENTIMENT_SCORES = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


def uid(path: str) -> str:
    """The fixed id of a fixture row (uuid5 of its path, e.g. ``acme/persona/tomasz``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, ID_ROOT + path))


@cache
def load(name: str) -> dict[str, Any]:
    """One data file (personas, focus_groups, sales), parsed once per process."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def panel_persona(row: dict[str, Any], panel: dict[str, Any], index: int) -> dict[str, Any]:
    """A whole persona record of a focus-group panel from its compact row.

    Panels were generated for the focus groups and deleted after them, so their stories are
    short; the traits vary by position so no two panel personas are alike.
    """
    shift = (index % 5) / 10
    return {
        "id": row["id"],
        "segment_id": panel["segment_id"],
        "segment_name": panel["segment_name"],
        "segment": panel["segment"],
        **{k: row[k] for k in ("age", "gender", "education", "income_bracket", "location")},
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "occupation": row["occupation"],
        "background_story": (
            f"{row['first_name']} ma {row['age']} lat i pracuje jako {row['occupation']}. "
            f"Mieszka w mieście {row['location']} i codziennie dojeżdża samochodem."
        ),
        "values": ["rodzina", "bezpieczeństwo", "wygoda"],
        "interests": ["podróże", "gotowanie", "sport", "kino"],
        "big_five": {
            "openness": round(0.45 + shift, 2),
            "conscientiousness": round(0.75 - shift, 2),
            "extraversion": round(0.4 + shift / 2, 2),
            "agreeableness": 0.6,
            "neuroticism": round(0.5 - shift / 2, 2),
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
            "self_direction": 0.3,
            "stimulation": -0.2,
            "hedonism": 0.1,
            "achievement": 0.4,
            "power": -0.6,
            "security": 1.0,
            "conformity": 0.2,
            "tradition": 0.0,
            "benevolence": 0.9,
            "universalism": 0.3,
        },
        "score": 100,
        "score_reasons": [],
        "quality": {"status": "accepted", "attempts": 1, "writer": "model", "writer_reasons": []},
        "rag_metadata": None,
    }


def tenant_personas(tenant: str) -> dict[str, dict[str, Any]]:
    """Every persona record of the tenant (named, then panel) by id."""
    data = load("personas")[tenant]
    found = {p["id"]: p for run in data["runs"] for p in run["personas"]}
    panel = data["panel"]
    for index, row in enumerate(panel["personas"]):
        found[row["id"]] = panel_persona(row, panel, index)
    return found


def persona_slugs(tenant: str) -> dict[str, str]:
    """Persona id by slug (the answers of the data files name personas by slug)."""
    data = load("personas")[tenant]
    named = [p for run in data["runs"] for p in run["personas"]]
    return {p["slug"]: p["id"] for p in [*named, *data["panel"]["personas"]]}


def _answer_value(question: dict[str, Any], given: Any) -> tuple[dict[str, Any], str, Any]:
    """(answer, text, sentiment label) of one hand-written answer."""
    kind = question["type"]
    if kind == "open":
        return {"text": given[0]}, given[0], given[1]
    if kind == "likert":
        return {"point": given[0], "reason": given[1]}, given[1], given[2]
    if kind == "single_choice":
        return {"option": given}, "", None
    return {"value": given}, "", None


def answer_records(tenant: str, fg: dict[str, Any], started: datetime) -> list[dict[str, Any]]:
    """The focus group's answer rows: each persona's questions in order, one every few seconds.

    A ``None`` answer is a cell the model failed (``fg["failed"]`` names its error).
    """
    slugs = persona_slugs(tenant)
    rows = []
    for p_index, slug in enumerate(fg["panel"]):
        for q_index, question in enumerate(fg["questions"]):
            qid = question["id"]
            given = fg["answers"][qid][p_index]
            row: dict[str, Any] = {
                "id": uid(f"{tenant}/focus_group/{fg['slug']}/answer/{slug}/{qid}/0"),
                "focus_group_id": fg["id"],
                "persona_id": slugs[slug],
                "question_id": qid,
                "round": 0,
                "model": ANSWER_MODEL,
                "created_at": started + timedelta(seconds=20 * p_index + 4 * q_index + 3),
            }
            tokens_in = 260 + 70 * q_index + len(question["text"]) // 3
            if given is None:
                rows.append(
                    row
                    | {"status": "failed", "error": fg["failed"][qid], "attempts": 3}
                    | {"tokens_in": tokens_in, "tokens_out": 0, "cost_usd": 0.0}
                )
                continue
            answer, text, label = _answer_value(question, given)
            tokens_out = 8 + len(json.dumps(answer, ensure_ascii=False)) // 3
            cost = tokens_in / 1000 * PRICE_PER_1K[0] + tokens_out / 1000 * PRICE_PER_1K[1]
            sentiment = None
            if label is not None:
                score = SENTIMENT_SCORES[label]
                sentiment = {"label": label, "score": score, "method": "model"}
            rows.append(
                row
                | {"status": "answered", "answer": answer, "text": text, "sentiment": sentiment}
                | {"tokens_in": tokens_in, "tokens_out": tokens_out, "cost_usd": round(cost, 6)}
            )
    return rows
