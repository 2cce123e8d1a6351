"""Export a persona as JSON or CSV, personal data masked unless an admin unmasks it.

Masking: the last name becomes its initial ("Kowalczyk" -> "K."), and e-mail addresses and
phone numbers in the background story are replaced by placeholders.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Literal

ExportFormat = Literal["json", "csv"]

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Polish mobile (+48 601 234 567, 601-234-567, 601234567) and landline ((22) 123 45 67).
PHONE = re.compile(
    r"(?<![\w+])(?:\+?48[\s-]?)?"
    r"(?:\d{3}[\s-]?\d{3}[\s-]?\d{3}|\(?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2})"
    r"(?!\w)"
)
EMAIL_MASK, PHONE_MASK = "[e-mail ukryty]", "[telefon ukryty]"


def mask_text(text: str) -> str:
    """Replace e-mail addresses and phone numbers in `text`."""
    return PHONE.sub(PHONE_MASK, EMAIL.sub(EMAIL_MASK, text))


def mask_last_name(last_name: str) -> str:
    """Keep the initial only ("Kowalczyk" -> "K.")."""
    last_name = last_name.strip()
    return f"{last_name[0]}." if last_name else last_name


def masked(persona: dict[str, Any]) -> dict[str, Any]:
    """A copy of the persona with its personal data masked."""
    out = dict(persona)
    out["last_name"] = mask_last_name(out["last_name"])
    out["background_story"] = mask_text(out["background_story"])
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def to_csv(persona: dict[str, Any]) -> str:
    """One header row and one persona row; lists of words joined by '; ', objects as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(persona))
    writer.writerow([_cell(v) for v in persona.values()])
    return buffer.getvalue()
