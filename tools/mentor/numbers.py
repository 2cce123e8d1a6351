"""Polish number normalisation and the check that an answer's numbers come from its context.

The mentor may only state numbers it was given. :func:`numbers_in` reads digits as Polish text
writes them ("12,5%", "1 234 567", "38 mln zł", "3 z 5", "20–30%"); :func:`grounded` says which
numbers of an answer have a source in the context. Numbers written as words ("trzy", "pięć") are
out of scope: only digits are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

Kind = Literal["percent", "currency", "count", "ratio", "plain", "date"]

_SPACE = "[ \u00a0\u202f]"
_NUM = (
    rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:,\d+)?(?!\d)"  # 1 234 567 / 1 234,5
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?(?![.\d])"  # 1.234.567
    r"|\d{1,3}(?:\.\d{3})+,\d+"  # 1.234,5
    r"|\d+(?:[.,]\d+)?"  # 12,5 / 12.5 / 1.234 (one dot group reads as a decimal point)
)
_SCALE = r"tysi[ąę]c\w*|tys\.?|milion\w*|mln|miliard\w*|mld"  # longest first
_UNIT = (
    r"%|procent\w*|proc\.?|p\.\s?p\.|pp(?!\w)|pkt\.?\s?proc\.?|punkt\w*\s+procentow\w*"
    r"|złot\w*|zł|pln(?!\w)|eur(?!\w)|euro(?!\w)|€"
)
_TOKEN = re.compile(
    rf"(?:(?<!\w)(?<!\d )(?P<sign>[-+−])(?=\d))?(?<!\w)(?P<num>{_NUM})"
    rf"(?:{_SPACE}*(?P<scale>{_SCALE}))?(?:{_SPACE}*(?P<unit>{_UNIT}))?",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?<!\w)(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})(?!\w)")
_UUID = r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
_IDENTIFIER = re.compile(
    rf"{_UUID}|#[\w-]+|(?<![\w-])\w+(?:-\w+)*", re.IGNORECASE
)  # the last alternative is any word; only those mixing letters and digits are identifiers
_GLUED_UNIT = re.compile(rf"[\d-]*\d(?:{_SCALE}|{_UNIT})", re.IGNORECASE)  # "38mln", "5pp"
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*•][ \t]*)?\d{1,2}[.)](?=\s)", re.MULTILINE)
_RANGE_GAP = re.compile(rf"{_SPACE}*[-–]{_SPACE}*")
_RATIO_GAP = re.compile(rf"{_SPACE}+(?:z|ze|na){_SPACE}+|/")
_COUNT_NOUN = re.compile(
    rf"{_SPACE}+(?:os[óo]b|osoby|sesj|respondent|uczestnik|klient|person|rozm[óo]w|spotka|raz)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """One number stated in a text: where it is, how it was written, what it is worth.

    ``step`` is the precision the text states, in the value's own units: "12,5%" has 0.1,
    "38 mln" has 1 000 000, "3 z 5"'s ratio has 0 (it is exact, not stated).
    """

    start: int
    end: int
    raw: str
    value: Decimal
    kind: Kind
    step: Decimal


@dataclass(frozen=True)
class Grounding:
    """Which numbers of an answer have a source in the context, and which do not."""

    found: list[Number]
    violations: list[Number]

    @property
    def ok(self) -> bool:
        """Say whether every number of the answer was found in the context."""
        return not self.violations


@dataclass
class _Token:
    start: int
    end: int
    sign: str
    num: str
    scale: str
    unit: str


def numbers_in(text: str) -> list[Number]:
    """Return every number written with digits in a Polish text, in order of position.

    A ratio ("3 z 5", "3/5") yields its two counts and the ratio itself (0.6, spanning both);
    a range ("20–30%") yields both ends with the unit written after the second. List markers
    at the start of a line ("1.", "2)") and digits inside identifiers (UUIDs, "#5f0b3c52",
    "s12", "kpi_2024_q1") are skipped. Dates yield their day, month and year, of kind "date".
    """
    masked = _mask(text)
    numbers: list[Number] = []
    for date in _DATE.finditer(masked):
        for part in re.finditer(r"\d+", date.group()):
            start = date.start() + part.start()
            token = _Token(start, start + len(part.group()), "", part.group(), "", "")
            numbers.append(replace(_number(text, token), kind="date"))
        masked = masked[: date.start()] + "\x00" * len(date.group()) + masked[date.end() :]
    tokens = [
        _Token(m.start(), m.end(), m["sign"] or "", m["num"], m["scale"] or "", m["unit"] or "")
        for m in _TOKEN.finditer(masked)
    ]
    for left, right in zip(tokens, tokens[1:], strict=False):
        gap = masked[left.end : right.start]
        if not (left.scale or left.unit) and not right.sign and _RANGE_GAP.fullmatch(gap):
            left.scale, left.unit = right.scale, right.unit
    for index, token in enumerate(tokens):
        numbers.append(_number(text, token))
        if index + 1 < len(tokens) and (ratio := _ratio(text, token, tokens[index + 1])):
            numbers.append(ratio)
    ratios = [n for n in numbers if n.kind == "ratio"]
    numbers = [
        replace(n, kind="count") if any(n is not r and _inside(n, r) for r in ratios) else n
        for n in numbers
    ]
    return sorted(numbers, key=lambda n: (n.start, -n.end))


def grounded(answer: str, context: str, *, tolerance: float = 0.0) -> Grounding:
    """Check that every number of the answer is found in the context after normalisation.

    An answer number is found when it equals a context number, or is that number rounded to
    the precision the answer states ("12,5%" or "około 12%" for 12,47%), also across the
    percent/fraction equivalence (0,6 = 60% = "3 z 5"). Signs are ignored ("spadek o 5%" for
    -5%): Polish often states the direction in words. ``tolerance`` widens matching to a share
    of the context value (0.01 accepts 1% off). A ratio is found when its value or both its
    counts are; its counts are found with it. Violations are the counts, never the ratio.
    The parts of a date are found only in the context's dates, and ground nothing else.
    """
    given = numbers_in(context)
    sources = [pair for n in given if n.kind != "date" for pair in _equivalents(n)]
    # A date's parts ground only dates: "7.12.2026" in a title is no source of "12%".
    dates = [pair for n in given if n.kind == "date" for pair in _equivalents(n)]
    numbers = numbers_in(answer)
    hit = [
        _is_found(number, dates if number.kind == "date" else sources, tolerance)
        for number in numbers
    ]
    for i, ratio in enumerate(numbers):
        if ratio.kind != "ratio":
            continue
        parts = [j for j, n in enumerate(numbers) if j != i and _inside(n, ratio)]
        hit[i] = hit[i] or all(hit[j] for j in parts)
        for j in parts:
            hit[j] = hit[j] or hit[i]
    return Grounding(
        found=[n for n, ok in zip(numbers, hit, strict=True) if ok],
        violations=[n for n, ok in zip(numbers, hit, strict=True) if not ok and n.kind != "ratio"],
    )


def _mask(text: str) -> str:
    # Masking keeps offsets: spans found in the masked text are spans of the original.
    def blank(match: re.Match[str]) -> str:
        word = match.group()
        identifier = word.startswith("#") or (
            re.search(r"\d", word) and re.search(r"[^\W\d_]|_", word)
        )
        if identifier and not _GLUED_UNIT.fullmatch(word):
            return "\x00" * len(word)
        return word

    return _IDENTIFIER.sub(blank, _LIST_MARKER.sub(lambda m: "\x00" * len(m.group()), text))


def _number(text: str, token: _Token) -> Number:
    digits = re.sub(_SPACE, "", token.num)
    if digits.count(".") > 1 or ("." in digits and "," in digits):
        digits = digits.replace(".", "")
    digits = digits.replace(",", ".")
    places = len(digits.partition(".")[2])
    scale = token.scale.lower()
    multiplier = Decimal(1000 if scale.startswith("tys") else 1)
    if scale.startswith(("mln", "milion")):
        multiplier = Decimal(10**6)
    elif scale.startswith(("mld", "miliard")):
        multiplier = Decimal(10**9)
    sign = -1 if token.sign and token.sign in "-−" else 1
    unit = token.unit.lower()
    kind: Kind = "plain"
    if re.match(r"%|p(?!ln)", unit):
        kind = "percent"
    elif unit:
        kind = "currency"
    elif not places and _COUNT_NOUN.match(text, token.end):
        kind = "count"
    return Number(
        start=token.start,
        end=token.end,
        raw=text[token.start : token.end],
        value=sign * Decimal(digits) * multiplier,
        kind=kind,
        step=Decimal(1).scaleb(-places) * multiplier,
    )


def _ratio(text: str, left: _Token, right: _Token) -> Number | None:
    bare = all(not (t.sign or t.scale or t.unit) and t.num.isdigit() for t in (left, right))
    if not bare or not _RATIO_GAP.fullmatch(text, left.end, right.start):
        return None
    part, whole = int(left.num), int(right.num)
    if not 0 < whole or part > whole:
        return None
    raw = text[left.start : right.end]
    return Number(left.start, right.end, raw, Decimal(part) / Decimal(whole), "ratio", Decimal(0))


def _equivalents(number: Number) -> list[tuple[Decimal, Decimal]]:
    value = abs(number.value)
    pairs = [(value, number.step)]
    if number.kind == "percent":
        pairs.append((value / 100, number.step / 100))
    elif number.kind == "ratio" or (number.kind == "plain" and number.step < 1 and value <= 1):
        pairs.append((value * 100, number.step * 100))
    return pairs


def _is_found(number: Number, sources: list[tuple[Decimal, Decimal]], tolerance: float) -> bool:
    value = abs(number.value)
    for source, source_step in sources:
        # A ratio's exact value is matched against the context's stated precision instead.
        slack = (source_step if number.kind == "ratio" else number.step) / 2
        if abs(value - source) <= max(slack, Decimal(str(tolerance)) * source):
            return True
    return False


def _inside(number: Number, ratio: Number) -> bool:
    return ratio.start <= number.start and number.end <= ratio.end
