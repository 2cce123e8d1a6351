"""Read a segment's location as Polish marketers write it: a city, a class, a voivodeship.

"Polska", "Kraków" / "w Krakowie", "wieś" / "na wsi" / "małe miasto" / "miasto powyżej
500 tys.", "mazowieckie" / "województwo mazowieckie" / "na Śląsku" / "w Małopolsce", and
combinations of them ("małe miasta w Wielkopolsce", ["wieś", "podlaskie"]). Parts joined by
commas, "i", "lub", "w", "na" ... are read one by one; classes and voivodeships add up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tools import regions
from tools.income_ranges import IncomeRangeError, parse_income_range
from tools.population_data import (
    NATIONAL,
    city_key,
    city_rows,
    fold_text,
    is_national,
    normalise_city,
)

# Case endings a city's stem may take, folded ("" for the bare stem: "z Katowic").
CITY_ENDINGS = (
    "",
    *"a u e i o y ie em om iu ia ii ej iej ze zie ym im ich ego iego emu owi ach ami ow".split(),
)
_JOINERS = r"i|oraz|lub|albo|or|and|w|we|na|z|ze|in|from|of"
_SPLIT = re.compile(rf"\s*[,;/&]\s*|\s+(?:{_JOINERS})\s+", re.IGNORECASE)
_LEADING = re.compile(rf"^(?:(?:{_JOINERS}|do|the)\s+)+")
_FILLER = re.compile(
    r"\b(?:wojewodztw\w*|woj|region\w*|voivodeship|province|mieszkan\w*|ludzie|osoby|"
    r"people|living|zyjacy|okolic\w*|area|rejon\w*|polsce|poland)\b"
)
_TOWN_WORDS = re.compile(
    r"\b(?:miast\w*|miescie|miejscowos\w*|mieszk\w*|ludnosci|osob|inhabitants|people|"
    r"residents|population|towns?|cit(?:y|ies))\b\.?"
)
_MORE = re.compile(r"\s+(?:i|lub|or|and)\s+(?:wi[eę]cej|powy[zż]ej|more|above)\b", re.IGNORECASE)


class LocationError(ValueError):
    """A location nobody could read; the message lists what is accepted."""


@dataclass(frozen=True)
class Location:
    """A resolved location; all empty means all of Poland."""

    city: str | None = None
    settlement_classes: tuple[str, ...] = ()
    voivodeships: tuple[str, ...] = ()
    readings: tuple[tuple[str, str], ...] = ()  # (text as written, what it was read as)
    notes: tuple[str, ...] = ()


def stem(word: str) -> str:
    """Folded stem a city name's case endings attach to (Sosnowiec -> sosnowc-u)."""
    if word.endswith("iec"):
        return word[:-3] + "c"
    if word.endswith("ek"):
        return word[:-2] + "k"
    return word.rstrip("aeiouy")


@cache
def _city_forms() -> dict[str, str]:
    """Folded inflected city name ("w krakowie" -> "krakowie") -> city; ambiguous forms dropped."""
    found: dict[str, set[str]] = {}
    for city in city_rows():
        words = city_key(city).split()
        options = [[stem(w) + e for e in CITY_ENDINGS] + [w] for w in words]
        # Every word takes the same case; pair the i-th ending of each word.
        for i in range(len(CITY_ENDINGS) + 1):
            found.setdefault(" ".join(o[i] for o in options), set()).add(city)
        if len(words) == 2:  # adjective + noun may take different endings ("zielonej gorze")
            for first in options[0]:
                for second in options[1]:
                    found.setdefault(f"{first} {second}", set()).add(city)
    taken = regions.aliases()
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1 and k not in taken}


def _town_size(piece: str, folded: str) -> tuple[tuple[str, ...], str | None]:
    """Urban classes a town-size phrase ("miasta powyżej 100 tys.") overlaps, and a note."""
    text = _TOWN_WORDS.sub(" ", folded)
    try:
        low, high = parse_income_range(text)
    except IncomeRangeError:
        return (), None
    if max(low, high or 0) < 1000:  # towns are counted in thousands: "500+", "20-99"
        low, high = low * 1000, None if high is None else high * 1000
    picked, partial = [], []
    for row in regions.regions_data()["classes"][1:]:
        c_low, c_high = row["min_population"], row["max_population"]
        if low < (c_high or float("inf")) and (high is None or high > c_low):
            picked.append(row["name"])
            # "20-99 tys." covers 20,000-99,999: a thousand's slack at the top.
            if low > c_low or (c_high is not None and (high is not None and high < c_high - 1000)):
                partial.append(row["name"])
    note = None
    if partial:
        note = (
            f"{piece!r}: the tables split towns at 20, 100 and 500 thousand people; "
            f"{', '.join(partial)} counted whole"
        )
    return tuple(picked), note


def _read(piece: str) -> tuple[str, tuple[str, ...], str | None] | None:
    """(kind, values, note) of one part: kind is "national", "city", "class" or "voivodeship"."""
    folded = fold_text(piece)
    bare = _LEADING.sub("", folded)
    for text in dict.fromkeys(" ".join(t.split()) for t in (folded, bare, _FILLER.sub(" ", bare))):
        if not text:
            continue
        if is_national(text):
            return "national", (), None
        city = normalise_city(text)
        if city not in (None, NATIONAL):
            return "city", (city,), None
        key = regions.folded_name(text)
        kind, name = regions.aliases().get(key, ("", ""))
        if kind:
            values = regions.classes_of(kind, name)
            return ("voivodeship" if kind == "voivodeship" else "class"), values, None
        if re.search(r"\d", text):
            classes, note = _town_size(piece, text)
            if classes:
                return "class", classes, note
        if key in _city_forms():
            return "city", (_city_forms()[key],), None
    return None


def accepted() -> str:
    """What a location may be, for error messages."""
    known = regions.known_places()
    cities = ", ".join(list(city_rows())[:6])
    return (
        "use 'Polska'; a settlement class: "
        + ", ".join(known["settlement_classes"])
        + " (also e.g. "
        + ", ".join(f"'{w}'" for w in known["class_words"])
        + ", 'miasto powyżej 100 tys.'); a voivodeship: "
        + ", ".join(known["voivodeships"])
        + " (also e.g. 'województwo mazowieckie', 'na Śląsku', 'w Małopolsce'); or a city of "
        f"about 100 thousand people or more, e.g. {cities} (a smaller town: give its class and "
        "voivodeship, e.g. 'miasto 20-99 tys., mazowieckie'); combine a class with a "
        "voivodeship as 'wieś, podlaskie'"
    )


def resolve_location(value: str | list[str] | tuple[str, ...] | None) -> Location:
    """Return the location ``value`` names; raise LocationError saying what is accepted."""
    if value is None or isinstance(value, str) and is_national(value):
        return Location()
    texts = [value] if isinstance(value, str) else list(value)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise LocationError("must be a string or a list of strings; " + accepted())
    cities: list[str] = []
    classes: list[str] = []
    voivodeships: list[str] = []
    readings, notes, unknown = [], [], []
    for text in texts:
        written = _MORE.sub(" +", " ".join(text.replace("–", "-").replace("—", "-").split()))
        whole = _read(written)  # multi-word names with joiners: "warmia i mazury"
        parts = [(written, whole)] if whole else [(p, _read(p)) for p in _SPLIT.split(written) if p]
        for part, found in parts:
            if found is None:
                if " ".join(_FILLER.sub(" ", _LEADING.sub("", fold_text(part))).split()):
                    unknown.append(part)
                continue  # a bare joiner or filler word ("w województwie")
            kind, values, note = found
            if kind == "national":
                continue
            target = {"city": cities, "class": classes, "voivodeship": voivodeships}[kind]
            target += [v for v in values if v not in target]
            readings.append((part, ", ".join(values)))
            if note:
                notes.append(note)
    if unknown:
        raise LocationError(f"unknown location {', '.join(map(repr, unknown))}; " + accepted())
    if len(cities) > 1:
        raise LocationError(f"one city at a time, got {', '.join(cities)}")
    if cities and (classes or voivodeships):
        raise LocationError(
            f"{cities[0]} already fixes its class and voivodeship; give the city alone, or a "
            "class and/or voivodeship without it"
        )
    order = {name: i for i, name in enumerate((*regions.CLASSES, *regions.voivodeships()))}
    return Location(
        city=cities[0] if cities else None,
        settlement_classes=tuple(sorted(classes, key=order.__getitem__)),
        voivodeships=tuple(sorted(voivodeships, key=order.__getitem__)),
        readings=tuple(readings),
        notes=tuple(notes),
    )
