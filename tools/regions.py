"""GUS settlement classes and voivodeships: persons by class x voivodeship x age bin x sex.

``data/regions_pl.json`` holds transcribed totals and shares (approximate). Persons per cell
are fitted to them and to the national age_sex table by iterative proportional fitting, so
the 5 classes, or the 16 voivodeships, add up to the national table cell by cell. Education
and income per class are the national shares tilted by per-class factors and raked back to
the national tables; a voivodeship gets those of its class mix. How each figure was derived
is in the data file's notes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tools.population_data import (
    EDUCATION_LEVELS,
    INCOME_BRACKETS,
    SEXES,
    band,
    city_key,
    city_rows,
    data,
    national_bins,
    source,
)

REGIONS_FILE = Path(__file__).parent / "data" / "regions_pl.json"
VILLAGE = "wieś"
CLASSES = (
    VILLAGE,
    "miasto do 20 tys.",
    "miasto 20-99 tys.",
    "miasto 100-499 tys.",
    "miasto 500 tys. i więcej",
)
BIG_CITY_CLASSES = CLASSES[3:]  # the cities of 100 thousand and more (the cities table)
_TOLERANCE = 1e-11
_MAX_ROUNDS = 2000
_ADJECTIVE_ENDINGS = ("ie", "iego", "iemu", "im", "a", "iej", "ą")


@cache
def regions_data() -> dict[str, Any]:
    """The parsed regions file (read once)."""
    return json.loads(REGIONS_FILE.read_text(encoding="utf-8"))


def voivodeships() -> tuple[str, ...]:
    """The 16 voivodeships' canonical names, in the tables' order."""
    return tuple(v["name"] for v in regions_data()["voivodeships"])


def regions_source() -> str:
    """Cite the regional tables' source."""
    return source("source", {"source": regions_data()})


@cache
def aliases() -> dict[str, tuple[str, str]]:
    """Folded name -> (kind, canonical): every class and voivodeship spelling, one place each.

    Kinds: "class", "group" (a word for several classes) and "voivodeship". Voivodeship
    adjectives come in every case ("mazowieckiego", "mazowieckim") and region names as listed
    ("Mazowsze", "na Śląsku" -> "śląsku").
    """
    found: dict[str, tuple[str, str]] = {}
    doc = regions_data()
    for row in doc["classes"]:
        for name in (row["name"], *row["aliases"]):
            found[_key(name)] = ("class", row["name"])
    for row in doc["class_groups"]:
        for name in (row["name"], *row["aliases"]):
            found[_key(name)] = ("group", row["name"])
    for row in doc["voivodeships"]:
        stem = row["name"][:-2]
        for name in (*(stem + e for e in _ADJECTIVE_ENDINGS), *row["aliases"]):
            found[_key(name)] = ("voivodeship", row["name"])
    return found


def _key(value: str) -> str:
    return city_key(value).replace(".", "").strip()


def classes_of(kind: str, name: str) -> tuple[str, ...]:
    """The classes an alias hit means (a group expands to its classes)."""
    if kind == "group":
        groups = regions_data()["class_groups"]
        return next(tuple(g["classes"]) for g in groups if g["name"] == name)
    return (name,)


def normalise_class(value: str) -> str | None:
    """Return the canonical settlement class for one class name or alias, None if unknown."""
    kind, name = aliases().get(_key(value), ("", ""))
    return name if kind == "class" else None


def normalise_voivodeship(value: str) -> str | None:
    """Return the canonical voivodeship for a name in any case or a region name, else None."""
    kind, name = aliases().get(_key(value), ("", ""))
    return name if kind == "voivodeship" else None


def city_class(population: int) -> str:
    """The settlement class of a town of ``population``."""
    for row in regions_data()["classes"][1:]:
        if row["max_population"] is None or population < row["max_population"]:
            return row["name"]
    raise AssertionError("the last class is open")


def _class_by_voivodeship(total: float) -> np.ndarray:
    """Persons per (class, voivodeship): rural share, the city table, the small-town split."""
    doc = regions_data()
    rows = doc["voivodeships"]
    everyone = sum(v["population"] for v in rows)
    city_total = data()["cities"]["national_total"]
    table = np.zeros((len(CLASSES), len(rows)))
    for j, row in enumerate(rows):
        persons = row["population"] / everyone * total
        table[0, j] = row["rural_share"] * persons
        for city in city_rows().values():
            kind = city_class(city["population"])
            if city["voivodeship"] == row["name"] and kind in BIG_CITY_CLASSES:
                table[CLASSES.index(kind), j] += city["population"] / city_total * total
        towns = persons - table[0, j] - table[3:, j].sum()
        assert towns > 0, row["name"]
        table[1, j] = row["small_town_share"] * towns
        table[2, j] = towns - table[1, j]
    return table


def _groups(bins: list[dict[str, Any]]) -> np.ndarray:
    """Bin -> index of its age group (the data file's groups, then "the rest")."""
    named = list(regions_data()["age_groups"].values())
    inside = [[lo <= b["lo"] <= hi for lo, hi in named] + [True] for b in bins]
    return np.array([row.index(True) for row in inside])


def _unit_margins(
    rows: list[dict[str, Any]], totals: np.ndarray, national: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(unit x age group, unit x sex) targets, scaled so the units add up to ``national``."""
    names = list(regions_data()["age_groups"])
    shares = np.array([[r["age_shares"][g] for g in names] for r in rows])
    group_totals = np.array([national[group == g].sum() for g in range(len(names) + 1)])
    shares *= group_totals[:-1] / (totals @ shares)
    by_group = totals[:, None] * np.column_stack([shares, 1 - shares.sum(1)])
    female = np.array([r["female_share"] for r in rows])
    female += (national[:, 0].sum() - totals @ female) / totals.sum()
    by_sex = totals[:, None] * np.column_stack([female, 1 - female])
    assert (by_group > 0).all() and (by_sex > 0).all()
    return by_group, by_sex


@cache
def persons_table() -> np.ndarray:
    """Persons per (class, voivodeship, age bin, sex), fitted to every margin (IPF)."""
    bins = national_bins()
    national = np.array([[b[s] for s in SEXES] for b in bins], dtype=float)
    total = national.sum()
    cv = _class_by_voivodeship(total)
    group = _groups(bins)
    onehot = np.eye(group.max() + 1)[group]  # (bins, groups)
    c_group, c_sex = _unit_margins(regions_data()["classes"], cv.sum(1), national, group)
    v_group, v_sex = _unit_margins(regions_data()["voivodeships"], cv.sum(0), national, group)
    table = cv[:, :, None, None] * national[None, None] / total

    def ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
        return np.divide(target, current, out=np.zeros_like(target), where=current > 0)

    for _ in range(_MAX_ROUNDS):
        table *= ratio(c_group, np.einsum("cvbs,bg->cg", table, onehot))[:, None, group, None]
        table *= ratio(v_group, np.einsum("cvbs,bg->vg", table, onehot))[None, :, group, None]
        table *= ratio(c_sex, table.sum((1, 2)))[:, None, None, :]
        table *= ratio(v_sex, table.sum((0, 2)))[None, :, None, :]
        table *= ratio(cv, table.sum((2, 3)))[:, :, None, None]
        table *= ratio(national, table.sum((0, 1)))[None, None]
        if np.abs(table.sum((2, 3)) - cv).max() < _TOLERANCE * total:
            break
    return table


@cache
def class_shares(table: str) -> np.ndarray:
    """Shares (class, age bin, sex, category) of education or income, raked to the nation.

    Bins under 15 (outside every segment) hold zeros.
    """
    categories = EDUCATION_LEVELS if table == "education" else INCOME_BRACKETS
    key = "education_factors" if table == "education" else "income_factors"
    factors = np.array([[row[key][k] for k in categories] for row in regions_data()["classes"]])
    bins = national_bins()
    base = np.zeros((len(bins), len(SEXES), len(categories)))
    for i, b in enumerate(bins):
        if b["lo"] >= 15:
            shares = band(table, b["lo"])
            base[i] = [[shares[s][k] for k in categories] for s in SEXES]
    persons = persons_table().sum(1)  # (class, bin, sex)
    target = persons.sum(0)[..., None] * base
    fitted = persons[..., None] * base[None] * factors[:, None, None, :]
    for _ in range(_MAX_ROUNDS):
        fitted *= np.divide(target, fitted.sum(0), out=np.zeros_like(target), where=target > 0)
        rows = fitted.sum(3, keepdims=True)
        fitted *= np.divide(persons[..., None], rows, out=np.zeros_like(rows), where=rows > 0)
        if np.abs(fitted.sum(0) - target).max() < _TOLERANCE * persons.sum():
            break
    everyone = persons[..., None]
    return np.divide(fitted, everyone, out=np.zeros_like(fitted), where=everyone > 0)


def persons(classes: tuple[str, ...] = (), voivodeship_names: tuple[str, ...] = ()) -> np.ndarray:
    """Persons per (class, age bin, sex) in the given classes and voivodeships (empty: all)."""
    table = persons_table()
    names = voivodeships()
    picked = [names.index(v) for v in voivodeship_names] if voivodeship_names else slice(None)
    result = table[:, picked].sum(1)
    if classes:
        keep = np.isin(np.array(CLASSES), classes)
        result = result * keep[:, None, None]
    return result


def transcribed_voivodeship_totals() -> dict[str, int]:
    """The voivodeship populations as transcribed in the data file."""
    return {v["name"]: v["population"] for v in regions_data()["voivodeships"]}


def known_places() -> dict[str, list[str]]:
    """Accepted names for error messages: classes, everyday words, voivodeships."""
    groups = [g["name"] for g in regions_data()["class_groups"]]
    return {
        "settlement_classes": list(CLASSES),
        "class_words": ["małe miasto", "średnie miasto", "duże miasto", "na wsi", *groups],
        "voivodeships": list(voivodeships()),
    }


def folded_name(value: str) -> str:
    """The key aliases() is indexed by."""
    return _key(value)
