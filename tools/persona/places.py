"""Places where personas live: cities a text names, and towns and villages by class and region.

``cities_in`` finds the Polish cities a story names, in any grammatical case ("we Wrocławiu",
"z Katowic"). ``places`` lists where a persona of a settlement class or voivodeship may live:
the city table's cities and a few real towns and villages per voivodeship and class
(``data/places_pl.json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import simplemma

from tools import regions
from tools.location import CITY_ENDINGS as _CITY_ENDINGS
from tools.location import stem as _stem
from tools.polish_text import STOPWORDS, fold
from tools.population import NATIONAL, known_values, normalise_city
from tools.population_data import city_rows

PLACES_FILE = Path(__file__).parent.parent / "data" / "places_pl.json"
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _city_words() -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Per city, its words with their folded inflected forms (one city may be two words)."""
    table: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for city in (c for c in known_values()["cities"] if c != NATIONAL):
        words = re.split(r"[\s-]+", city)
        forms = []
        for w in words:
            folded, stem = fold(w), _stem(fold(w))
            inflected = {stem + e for e in _CITY_ENDINGS} - (STOPWORDS - {folded})
            forms.append((folded, frozenset(inflected | {folded})))
        table[city] = forms
        if len(words) > 1 and normalise_city(words[0]) == city:  # "Gorzów" alone
            table[f"{city}\0short"] = forms[:1]
    return table


@cache
def _city_index() -> dict[str, list[tuple[str, list[tuple[str, frozenset[str]]]]]]:
    """Folded first-word form (or name) -> the cities starting with it."""
    index: dict[str, list] = {}
    for city, parts in _city_words().items():
        name, forms = parts[0]
        for key in forms | {name}:
            index.setdefault(key, []).append((city, parts))
    return index


def cities_in(story: str) -> set[str]:
    """Canonical names of the Polish cities the story mentions, in any grammatical case."""
    # Proper names only: "łódź" (a boat) and "Tych" (a sentence-initial pronoun) are not cities.
    words = [
        (fold(w), fold(simplemma.lemmatize(w, lang="pl")))
        if w[:1].isupper() and w.lower() not in STOPWORDS
        else None
        for w in _WORD.findall(story)
    ]
    found = set()
    index = _city_index()
    for i, word in enumerate(words):
        if word is None:
            continue
        for city, parts in {c[0]: c for key in word for c in index.get(key, ())}.values():
            window = words[i : i + len(parts)]
            if len(window) == len(parts) and all(
                w is not None and (w[0] in forms or w[1] == name)
                for w, (name, forms) in zip(window, parts, strict=True)
            ):
                found.add(city.split("\0")[0])
    return found


@dataclass(frozen=True)
class Place:
    """A place a persona may live in: its label (the persona's location), class, voivodeship."""

    label: str
    settlement_class: str
    voivodeship: str


@cache
def _listed() -> dict[str, Any]:
    return json.loads(PLACES_FILE.read_text(encoding="utf-8"))


def _label(name: str, settlement_class: str, voivodeship: str) -> str:
    if settlement_class == regions.VILLAGE:
        return f"wieś {name}, woj. {voivodeship}"
    return f"{name}, woj. {voivodeship}"


@cache
def places() -> dict[tuple[str, str], tuple[Place, ...]]:
    """Places per (class, voivodeship): the city table's cities, then the listed towns/villages."""
    found: dict[tuple[str, str], list[Place]] = {}
    for name, row in city_rows().items():
        kind = regions.city_class(row["population"])
        found.setdefault((kind, row["voivodeship"]), []).append(
            Place(name, kind, row["voivodeship"])
        )
    for voivodeship, classes in _listed()["voivodeships"].items():
        for kind, names in classes.items():
            found.setdefault((kind, voivodeship), []).extend(
                Place(_label(n, kind, voivodeship), kind, voivodeship) for n in names
            )
    return {key: tuple(value) for key, value in found.items()}


def place_weights(settlement_class: str, voivodeship: str) -> dict[str, float]:
    """Each place's share of one (class, voivodeship) cell.

    Cities of 100 thousand and more fill their classes by population; in the smaller classes
    every place (listed, or a city of the table under 100 thousand) counts the same.
    """
    cell = places().get((settlement_class, voivodeship), ())
    big = settlement_class in regions.BIG_CITY_CLASSES
    weights = {p.label: float(city_rows()[p.label]["population"]) if big else 1.0 for p in cell}
    total = sum(weights.values())
    return {label: w / total for label, w in weights.items()}


@cache
def _by_label() -> dict[str, Place]:
    return {p.label: p for cell in places().values() for p in cell}


def place_of(location: str) -> Place | None:
    """The place a persona's location names (class and voivodeship), None if not in the tables."""
    return _by_label().get(location)


def segment_location(location: str) -> str | None:
    """A segment location for people living where a persona lives (for look-alike segments).

    A city of the tables stays itself; a listed town or village becomes its class and
    voivodeship ("miasto 20-99 tys., mazowieckie"); anything else is None (all of Poland).
    """
    place = place_of(location)
    if place is None:
        return None
    if place.label in city_rows():
        return place.label
    return f"{place.settlement_class}, {place.voivodeship}"
