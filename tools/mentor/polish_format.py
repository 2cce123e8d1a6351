"""Numbers, dates and quotes written the Polish way for the mentor's facts.

The mentor's grounding check (tools/mentor/numbers.py) reads every number an answer states and
looks for it in the facts, so each number here is written in a form it reads back to the same
value: a decimal comma, a space between thousands, "%" right after a percentage, "zł" after
money. Rounding is decided here, once: one decimal for percentages and ratings, whole złoty
and whole counts.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

QUOTE_CHARS = 200
_SPACES = re.compile(r"\s+")
_LAST_WORD = re.compile(r"\S+$")
_GROUPED_TAIL = re.compile(r"[\d \u00a0\u202f]+$")
# Contact details in persona stories (synthetic, but an export masks them too).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?48[\s-]?)?"
    r"(?:\d{3}[\s-]?\d{3}[\s-]?\d{3}|\(?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2})(?!\w)"
)


def number_of(value: Any) -> Decimal | None:
    """The value as a finite Decimal, None when it is not a number (booleans are not)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def rounded(value: Any, places: int = 1) -> Decimal | None:
    """The value rounded half up to `places` decimals, trailing zeros dropped (None: no number)."""
    found = number_of(value)
    if found is None:
        return None
    exact = found.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    plain = exact.normalize()
    return plain.quantize(Decimal(1)) if plain == plain.to_integral() else plain


def num(value: Any, places: int = 1) -> str:
    """A Polish number: "1 234,5", "12", "−3,2"; "?" when there is none."""
    found = rounded(value, places)
    if found is None:
        return "?"
    sign = "−" if found < 0 else ""
    whole, _, fraction = format(abs(found), "f").partition(".")
    groups = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    text = " ".join([whole, *groups])
    return sign + text + ("," + fraction if fraction else "")


def pct(share: Any, places: int = 1) -> str:
    """A share (0..1) as a percentage: 0.125 -> "12,5%"."""
    found = number_of(share)
    return "?" if found is None else num(found * 100, places) + "%"


def pct_of(percent: Any, places: int = 1) -> str:
    """A value that is a percentage already: 11.1 -> "11,1%"."""
    found = number_of(percent)
    return "?" if found is None else num(found, places) + "%"


def money(value: Any) -> str:
    """Whole złoty: 6212.02 -> "6 212 zł"."""
    found = number_of(value)
    return "?" if found is None else num(found, 0) + " zł"


def score(value: Any, scale: int = 100) -> str:
    """A rating out of `scale`: "70/100"."""
    found = number_of(value)
    return "?" if found is None else f"{num(found, 0)}/{scale}"


def day(value: Any) -> str | None:
    """A date as Polish text writes it ("7.12.2026"); None when there is none."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return f"{value.day}.{value.month}.{value.year}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Polish plural: 1 osoba, 2 osoby, 5 osób, 22 osoby."""
    if n == 1:
        return one
    return few if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else many


def counted(n: Any, one: str, few: str, many: str) -> str:
    """A count with its noun: "5 osób", "1 234 odpowiedzi"."""
    found = number_of(n)
    if found is None:
        return f"? {many}"
    whole = int(found)
    return f"{num(whole, 0)} {plural(abs(whole), one, few, many)}"


def age(years: Any) -> str:
    """An age: "1 rok", "34 lata", "29 lat"."""
    return counted(years, "rok", "lata", "lat")


def clip(text: Any, limit: int = QUOTE_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word (never inside a number)."""
    line = _SPACES.sub(" ", str(text or "")).strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if not line[limit - 1].isspace():
        cut = _LAST_WORD.sub("", cut)  # the word the limit cut through
    if cut.rstrip()[-1:].isdigit() and line[len(cut) :].lstrip()[:1].isdigit():
        cut = _GROUPED_TAIL.sub("", cut.rstrip())  # "1 234": the number goes on after a space
    if len(cut.strip()) < limit // 2:  # one long word: cut it, but not through a number
        cut = _GROUPED_TAIL.sub("", line[: limit - 1])
    return cut.rstrip(" ,;:.") + "…"


def quote(text: Any, limit: int = QUOTE_CHARS) -> str:
    """Text as a Polish quotation „…”, clipped, contact details masked."""
    masked = _PHONE.sub("[telefon ukryty]", _EMAIL.sub("[e-mail ukryty]", str(text or "")))
    return f"„{clip(masked, limit)}”"


def listing(items: Any, limit: int = 8) -> str:
    """Items joined by ", " (at most `limit`, "…" for the rest), blanks dropped."""
    shown = [clip(item, 80) for item in items or [] if str(item or "").strip()]
    return ", ".join(shown[:limit]) + (", …" if len(shown) > limit else "")
