"""Find the Polish cities a text names, in any grammatical case ("we Wrocławiu", "z Katowic")."""

from __future__ import annotations

import re
from functools import cache

import simplemma

from tools.polish_text import STOPWORDS, fold
from tools.population import NATIONAL, known_values, normalise_city

_WORD = re.compile(r"[^\W\d_]+")
# Case endings a city's stem may take, folded ("" for the bare stem: "z Katowic").
_CITY_ENDINGS = (
    "",
    *"a u e i o y ie em om iu ia ii ej iej ze zie ym im ich ego iego emu owi ach ami ow".split(),
)


def _stem(word: str) -> str:
    """Folded stem a city name's case endings attach to (Sosnowiec -> sosnowc-u)."""
    if word.endswith("iec"):
        return word[:-3] + "c"
    if word.endswith("ek"):
        return word[:-2] + "k"
    return word.rstrip("aeiouy")


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
