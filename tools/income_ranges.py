"""Read net monthly PLN incomes as Polish marketers write them; map ranges onto the brackets.

"7000-10000 PLN", "5-7 tys. zł", "powyżej 8000 zł", "do 4000", "od 5000", "ponad 10 000 zł",
"< 3000", "10k+": each becomes a range ``(low, high)`` (``high`` None when open). A range
covering part of a bracket counts that part of the bracket's people, assuming incomes spread
uniformly inside each closed bracket and, inside the open top bracket, as a Pareto tail whose
mean is the bracket's representative value (so the tables' figures stay consistent).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from tools.population_data import INCOME_BRACKETS, data, fold_text

Range = tuple[float, float | None]

# A number with thousands separators ("10 000", "7.000", "10,000"), or a plain/decimal one.
_NUMBER = r"\d{1,3}(?:[ .,]\d{3})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_UNIT = r"(?:\s*(tys(?:\.|iecy|iace|iac)?|k)(?![a-z]))?"
_AMOUNT = re.compile(rf"({_NUMBER}){_UNIT}")
_NOISE = re.compile(
    r"\b(?:pln|zl(?:otych|oty|ote)?|netto|net|na reke|miesiecznie|mies|monthly|per month|"
    r"a month|dochod(?:u|em)?|zarobki|zarobkami|wynagrodzenie|income|pensja)\b\.?"
    r"|/\s*(?:mc|mies|m)\b\.?"
)
_REFUSED = {
    "brutto": "the tables hold net (netto) income; give the net amount",
    "gross": "the tables hold net (netto) income; give the net amount",
    "roczn": "give monthly income (the tables are per month)",
    "rok": "give monthly income (the tables are per month)",
    "year": "give monthly income (the tables are per month)",
    "annual": "give monthly income (the tables are per month)",
    "eur": "amounts are in PLN",
    "usd": "amounts are in PLN",
    "€": "amounts are in PLN",
    "$": "amounts are in PLN",
}
_LOWER = (
    r"powyzej|ponad|od|wiecej niz|>=?|min\.?|minimum|co najmniej|"
    r"above|over|more than|from|at least"
)
_UPPER = (
    r"do|ponizej|mniej niz|<=?|max\.?|maks\.?|maksymalnie|maximum|nie wiecej niz|"
    r"up to|under|below|less than"
)
_SHAPES = (
    (re.compile(r"^(?:od|from|between|miedzy)? ?N ?(?:-|do|to|a|and|i) ?N$"), "range"),
    (re.compile(rf"^(?:{_LOWER}) ?N$"), "lower"),
    (
        re.compile(r"^N ?(?:\+|i wiecej|lub wiecej|i powyzej|wzwyz|or more|and more|and above)$"),
        "lower",
    ),  # fmt: skip
    (re.compile(rf"^(?:{_UPPER}) ?N$"), "upper"),
)
ASSUMPTION = (
    "a range covering part of a bracket counts that part of the bracket's people: incomes "
    "uniform within each closed bracket; within the open top bracket a Pareto tail whose mean "
    "is the bracket's representative value"
)


class IncomeRangeError(ValueError):
    """An income text that names no usable range; the message says what to write instead."""


def _amount(number: str, unit: str | None) -> float:
    grouped = re.fullmatch(r"(\d{1,3}(?:[ .,]\d{3})+)(?:,(\d+))?", number)
    if grouped:  # "10 000", "7.000", "1 500,50"
        value = float(re.sub(r"\D", "", grouped[1]) + "." + (grouped[2] or "0"))
    else:
        value = float(number.replace(",", "."))
    return value * 1000 if unit else value


def parse_income_range(text: str) -> Range:
    """Return ``(low, high)`` net PLN a month (``high`` None when open); raise IncomeRangeError."""
    folded = fold_text(text.replace("–", "-").replace("—", "-").replace("\u00a0", " "))
    folded = folded.replace("\u202f", " ")
    for word, why in _REFUSED.items():
        if re.search(rf"(?<![a-z]){re.escape(word)}", folded):
            raise IncomeRangeError(f"{text!r}: {why}")
    values: list[tuple[float, bool]] = []

    def take(match: re.Match[str]) -> str:
        values.append((_amount(match.group(1), match.group(2)), bool(match.group(2))))
        return " N "

    shape = " ".join(_AMOUNT.sub(take, _NOISE.sub(" ", folded)).split())
    kind = next((k for pattern, k in _SHAPES if pattern.match(shape)), None)
    if kind is None or not values:
        raise IncomeRangeError(
            f"cannot read {text!r} as a net monthly PLN range; write e.g. '7000-10000 PLN', "
            "'5-7 tys. zł', 'powyżej 8000 zł', 'do 4000', 'od 5000' or '< 3000'"
        )
    if kind == "range":
        # "5-7 tys.": a unit on one end applies to a bare small number at the other.
        (low, low_unit), (high, high_unit) = values
        if high_unit and not low_unit and low < 1000:
            low *= 1000
        if low_unit and not high_unit and high < 1000:
            high *= 1000
        bounds: Range = (low, high)
    else:
        bounds = (values[0][0], None) if kind == "lower" else (0.0, values[0][0])
    low, high = bounds
    if high is not None and high <= low:
        raise IncomeRangeError(f"{text!r}: the range must run from a lower to a higher amount")
    return bounds


def bracket_bounds(bracket: str) -> Range:
    """Return a canonical bracket's ``(low, high)`` in PLN (``high`` None for the top one)."""
    numbers = [float(n) for n in re.findall(r"\d+", bracket)]
    if bracket.startswith("<"):
        return 0.0, numbers[0]
    if bracket.startswith(">"):
        return numbers[0], None
    return numbers[0], numbers[1]


def merge_ranges(ranges: list[Range]) -> tuple[Range, ...]:
    """Return the union of ``ranges`` as sorted, disjoint ranges."""
    merged: list[Range] = []
    for low, high in sorted(ranges, key=lambda r: r[0]):
        if merged and (merged[-1][1] is None or low <= merged[-1][1]):
            top = merged[-1][1]
            merged[-1] = (merged[-1][0], None if high is None or top is None else max(top, high))
        else:
            merged.append((float(low), None if high is None else float(high)))
    return tuple(merged)


@dataclass(frozen=True)
class BracketShare:
    """The part of one bracket a set of ranges counts, and the mean income of that part."""

    bracket: str
    share: float
    pieces: tuple[Range, ...]
    mean_pln: float


def _tail_alpha(low: float, mean: float) -> float:
    # A Pareto tail from ``low`` has mean alpha * low / (alpha - 1).
    return mean / (mean - low)


def _piece(bracket: str, low: float, high: float | None) -> tuple[float, float]:
    """(share of the bracket, mean income) of the part [low, high] of ``bracket``."""
    b_low, b_high = bracket_bounds(bracket)
    if b_high is not None:
        assert high is not None
        return (high - low) / (b_high - b_low), (low + high) / 2
    rep = data()["income"]["representative_monthly_net_pln"][bracket]
    a = _tail_alpha(b_low, rep)
    upper = 0.0 if high is None else (b_low / high) ** a
    share = (b_low / low) ** a - upper
    upper_m = 0.0 if high is None else high ** (1 - a)
    upper_p = 0.0 if high is None else high**-a
    mean = a / (a - 1) * (low ** (1 - a) - upper_m) / (low**-a - upper_p)
    return share, mean


def bracket_shares(ranges: tuple[Range, ...]) -> list[BracketShare]:
    """Return, for every bracket the ranges overlap, the share of it they count."""
    found = []
    for bracket in INCOME_BRACKETS:
        b_low, b_high = bracket_bounds(bracket)
        pieces, share, weighted = [], 0.0, 0.0
        for low, high in ranges:
            lo = max(low, b_low)
            hi = high if b_high is None else (b_high if high is None else min(high, b_high))
            if hi is not None and hi <= lo:
                continue
            part, mean = _piece(bracket, lo, hi)
            if part <= 0:
                continue
            pieces.append((lo, hi))
            share += part
            weighted += part * mean
        if pieces:
            found.append(BracketShare(bracket, min(share, 1.0), tuple(pieces), weighted / share))
    return found


def canonical_income(ranges: tuple[Range, ...]) -> tuple[tuple[str, ...], tuple[Range, ...]]:
    """Return (brackets touched, merged ranges); ranges covering only whole brackets vanish."""
    merged = merge_ranges(list(ranges))
    shares = bracket_shares(merged)
    used = tuple(s.bracket for s in shares)
    if all(math.isclose(s.share, 1.0, abs_tol=1e-12) for s in shares):
        return used, ()
    return used, merged


def fractions(brackets: tuple[str, ...], ranges: tuple[Range, ...]) -> dict[str, float]:
    """The share of each bracket's people counted (whole brackets 1; none given: all)."""
    if ranges:
        return {s.bracket: s.share for s in bracket_shares(ranges)}
    return dict.fromkeys(brackets or INCOME_BRACKETS, 1.0)


def mapping(ranges: tuple[Range, ...]) -> dict[str, Any] | None:
    """Say how income ranges map onto the brackets (None without ranges), for results."""
    if not ranges:
        return None
    return {
        "ranges_pln": [list(r) for r in ranges],
        "brackets": [
            {
                "bracket": s.bracket,
                "share_counted": round(s.share, 4),
                "counted_pln": [list(p) for p in s.pieces],
                "mean_pln": round(s.mean_pln),
            }
            for s in bracket_shares(ranges)
        ],
        "assumption": ASSUMPTION,
    }
