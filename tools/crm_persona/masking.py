"""Mask e-mail addresses and phone numbers before any text reaches a prompt or a stored persona.

A CRM note often carries them ("dzwonić na 601 234 567", "pisać na jan@firma.pl"); the model has
no use for them and a persona must not repeat them.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[telefon]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Polish numbers as people write them: +48 601 234 567, 601-234-567, 601234567, (22) 123 45 67.
# Not dots: "12.03.2026" is a date. Not amounts: "1 250 000 zł" has 7 digits, not 9.
_PHONE = re.compile(
    r"(?<![\d,.])(?:\+\d{2}[\s-]?)?"
    r"(?:\(?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}|\d{3}[\s-]?\d{3}[\s-]?\d{3})"
    r"(?![\d]|[,.]\d)"
)


def mask(text: str) -> str:
    """The text with every e-mail address and phone number replaced by a placeholder."""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))
