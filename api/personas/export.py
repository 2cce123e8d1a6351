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


def _stem(surname: str) -> str:
    """The part of a surname its case endings follow (Kowalska -> Kowalsk, Nowak -> Nowak)."""
    return surname[:-1] if surname.endswith(("i", "a")) and len(surname) > 3 else surname


def masked(persona: dict[str, Any]) -> dict[str, Any]:
    """A copy of the persona with its personal data masked.

    The surname goes wherever it appears in the story (any inflection: its stem is matched),
    and the quality details, whose messages may quote the name, are left out.
    """
    out = dict(persona)
    surname = out["last_name"].strip()
    out["last_name"] = mask_last_name(surname)
    story = mask_text(out["background_story"])
    if len(surname) >= 2:
        story = re.sub(rf"\b{re.escape(_stem(surname))}\w*", out["last_name"], story)
    out["background_story"] = story
    for detail in ("score_reasons", "quality"):
        out.pop(detail, None)
    return out


# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = "; ".join(value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if isinstance(value, str | list) and text.startswith(FORMULA_STARTS) else text


def to_csv(persona: dict[str, Any]) -> str:
    """One header row and one persona row; lists of words joined by '; ', objects as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(persona))
    writer.writerow([_cell(v) for v in persona.values()])
    return buffer.getvalue()
