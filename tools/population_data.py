"""The Polish population tables (``data/population_pl.json``) and their vocabularies.

Canonical values, alias matching and the city table live here; ``tools.population`` sizes
segments from them and re-exports every public name.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "population_pl.json"
AGE_MIN_ALLOWED = 15
AGE_MAX_ALLOWED = 100

FEMALE, MALE, NONBINARY = "kobieta", "mężczyzna", "osoba niebinarna"
GENDERS = (FEMALE, MALE, NONBINARY)
SEXES = (FEMALE, MALE)  # what the census records; index order of every sex axis
EDUCATION_LEVELS = ("podstawowe", "zasadnicze zawodowe", "średnie", "wyższe")
INCOME_BRACKETS = ("<3000 PLN", "3000-5000 PLN", "5000-7500 PLN", "7500-10000 PLN", ">10000 PLN")
NATIONAL = "cała Polska"


def fold_text(value: str) -> str:
    """Lower-case, drop diacritics (``ł`` too) and collapse whitespace, for alias matching."""
    text = unicodedata.normalize("NFKD", value.strip().lower().replace("ł", "l"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("_", " ").replace("-", " - ").split()).replace(" - ", "-")


def _income_key(value: str) -> str:
    text = fold_text(value.replace("–", "-").replace("—", "-"))
    return re.sub(r"pln|zl|netto|[\s,.]", "", text)


def city_key(value: str) -> str:
    """Folded form of a place name: hyphens as spaces ("bielsko biala")."""
    return fold_text(value).replace("-", " ")


@cache
def data() -> dict[str, Any]:
    """The parsed data file (read once)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def _index(kind: str) -> dict[str, str]:
    """Folded alias -> canonical value for one vocabulary of the data file."""
    key = _income_key if kind == "income_brackets" else fold_text
    aliases = data()["vocabulary"][kind].items()
    return {key(a): canon for canon, names in aliases for a in (canon, *names)}


@cache
def _cities() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """City rows by canonical name, and an alias index (folded key -> canonical name)."""
    rows = data()["cities"]["cities"]
    index = {city_key(a): r["name"] for r in rows for a in (r["name"], *r["aliases"])}
    return {r["name"]: r for r in rows}, index


def normalise_gender(value: str | None) -> str | None:
    """Return the canonical gender for ``value`` (Polish or English alias), None if unknown."""
    return _index("genders").get(fold_text(value)) if value else None


def normalise_education(value: str | None) -> str | None:
    """Return the canonical education level for ``value``, None if unknown."""
    return _index("education_levels").get(fold_text(value)) if value else None


def normalise_income(value: str | None) -> str | None:
    """Return the canonical income bracket (accepts e.g. "3 000–5 000 zł"), None if unknown."""
    return _index("income_brackets").get(_income_key(value)) if value else None


def is_national(value: str | None) -> bool:
    """Whether ``value`` means all of Poland (None and "" do too)."""
    national = {city_key(v) for v in data()["vocabulary"]["national"]}
    return value is None or city_key(value) in national | {""}


def normalise_city(value: str | None) -> str | None:
    """Return the canonical city name, ``NATIONAL`` for all of Poland (or None), None if unknown."""
    if is_national(value):
        return NATIONAL
    assert value is not None
    return _cities()[1].get(city_key(value))


def city_rows() -> dict[str, dict[str, Any]]:
    """Every city of the tables (name, population, voivodeship, aliases) by canonical name."""
    return _cities()[0]


def source(table: str, tables: dict[str, Any] | None = None) -> str:
    """Cite one table's source: publisher, title and reference."""
    src = (tables or data())[table]["source"]
    return f"{src['publisher']}: {src['title']} ({src['reference']})"


def national_bins() -> list[dict[str, Any]]:
    """The census's 5-year age bins with persons per sex."""
    return data()["age_sex"]["bins"]


def band(table: str, age: int) -> dict[str, dict[str, float]]:
    """The education or income band (shares per sex) holding ``age``."""
    return next(b for b in data()[table]["bands"] if b["lo"] <= age <= b["hi"])
