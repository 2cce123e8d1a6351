"""CRM personas as a CSV: one row per version, each section's claims joined, ratings beside."""

from __future__ import annotations

import csv
import io
from typing import Any

from tools.crm_persona.draft import SECTIONS

COLUMNS = (
    "persona_id",
    "contact_id",
    "version",
    "created_at",
    "requested_mode",
    "mode",
    "fallback_reason",
    "data_quality",
    "persona_name",
    "role",
    "role_status",
    "company",
    "industry",
    *SECTIONS,
    "writer",
    "model",
    "rating_mean",
    "rating_n",
)
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _claims(part: dict[str, Any]) -> str:
    if part.get("status") != "generated":
        return f"[not generated: {part.get('reason')}]"
    return " | ".join(f"{c['text']} ({', '.join(c['evidence'])})" for c in part["claims"])


def personas_csv(rows: list[dict[str, Any]]) -> str:
    """The personas (``public.persona_out`` dicts) as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        persona, generation = row["persona"], row["generation"]
        values = [
            row["id"],
            row["contact_id"],
            row["version"],
            row["created_at"],
            row["requested_mode"],
            row["mode"],
            row["fallback_reason"] or "",
            (row["data_quality"] or {}).get("score"),
            persona["persona_name"],
            persona["role"]["value"] or "",
            persona["role"]["status"],
            persona["company"]["name"] or "",
            persona["company"]["industry"] or "",
            *(_claims(persona[name]) for name in SECTIONS),
            generation.get("writer"),
            generation.get("model") or "",
            row["rating"]["mean"] if row["rating"]["mean"] is not None else "",
            row["rating"]["n"],
        ]
        writer.writerow([_cell(v) for v in values])
    return out.getvalue()
