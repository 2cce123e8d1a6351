"""Polish first names and surnames for personas (tools/persona/names.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tools.persona.issues import PENALTIES, Issue
from tools.persona.names import first_name_sex, name_issues, suggest_names


def _codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


def test_suggest_names_when_woman_then_feminine_names_and_surnames():
    first, last = suggest_names("kobieta", 1990, np.random.default_rng(1), k=5)
    assert len(first) == len(set(first)) == 5
    assert all(first_name_sex(n) == "kobieta" for n in first)
    assert not any(s.endswith(("ski", "cki", "dzki")) for s in last)


def test_suggest_names_when_man_then_masculine_names_and_surnames():
    first, last = suggest_names("mężczyzna", 1975, np.random.default_rng(2), k=5)
    assert all(first_name_sex(n) == "mężczyzna" for n in first)
    assert not any(s.endswith(("ska", "cka", "dzka")) for s in last)


def test_suggest_names_when_seeded_then_deterministic():
    a = suggest_names("kobieta", 1985, np.random.default_rng(7))
    b = suggest_names("kobieta", 1985, np.random.default_rng(7))
    assert a == b


def test_suggest_names_when_born_1945_then_follows_the_cohort():
    rng = np.random.default_rng(0)
    drawn = {n for _ in range(40) for n in suggest_names("kobieta", 1945, rng, k=3)[0]}
    assert drawn & {"Krystyna", "Janina", "Halina", "Maria", "Danuta"}
    # Names given only from the 1990s on are never offered to someone born in 1945.
    assert not drawn & {"Lena", "Amelia", "Zuzanna", "Oliwia"}


def test_suggest_names_when_nonbinary_then_both_sexes_and_invariant_surnames():
    rng = np.random.default_rng(3)
    pairs = [suggest_names("osoba niebinarna", 1995, rng, k=3) for _ in range(30)]
    sexes = {first_name_sex(n) for first, _ in pairs for n in first}
    assert sexes == {"kobieta", "mężczyzna"}
    surnames = {s for _, last in pairs for s in last}
    assert not any(s.endswith(("ski", "ska", "cki", "cka")) for s in surnames)


def test_name_issues_when_plausible_woman_then_none():
    assert name_issues("Katarzyna", "Wiśniewska", "kobieta", 1988) == []


def test_name_issues_when_rare_for_cohort_then_no_penalty():
    assert name_issues("Zuzanna", "Nowak", "kobieta", 1948) == []
    assert name_issues("Bogumiła", "Nowak", "kobieta", 1960) == []


def test_name_issues_when_unknown_name_then_name_unknown():
    issues = name_issues("Jessica", "Nowak", "kobieta", 1990)
    assert _codes(issues) == ["name_unknown"]
    assert issues[0].penalty == PENALTIES["name_unknown"]
    assert "Jessica" in issues[0].message


def test_name_issues_when_man_has_womans_name_then_gender_mismatch():
    issues = name_issues("Agnieszka", "Nowak", "mężczyzna", 1980)
    assert _codes(issues) == ["name_gender_mismatch"]
    assert issues[0].penalty == 20


@pytest.mark.parametrize(
    ("first", "last", "gender"),
    [
        ("Anna", "Kowalski", "kobieta"),
        ("Piotr", "Wysocka", "mężczyzna"),
        ("Ewa", "Zawadzki", "kobieta"),
        ("Anna", "Nowak-Kowalski", "kobieta"),
    ],
)
def test_name_issues_when_surname_in_wrong_gender_then_surname_mismatch(first, last, gender):
    assert _codes(name_issues(first, last, gender, 1980)) == ["surname_gender_mismatch"]


def test_name_issues_when_diacritics_missing_then_still_known():
    assert name_issues("Malgorzata", "Dabrowska", "kobieta", 1965) == []


def test_name_issues_when_nonbinary_then_no_gender_penalties():
    assert name_issues("Michał", "Kowalska", "osoba niebinarna", 1999) == []


def test_issue_as_dict_when_serialised_then_json_ready():
    issue = name_issues("Xyz", "Nowak", "kobieta", 1990)[0]
    assert issue.as_dict() == {"code": "name_unknown", "penalty": 10, "message": issue.message}
