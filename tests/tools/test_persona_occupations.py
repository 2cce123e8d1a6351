"""Polish occupations for personas (tools/persona/occupations.py)."""

from __future__ import annotations

import pytest

from tools.persona.occupations import (
    match_occupations,
    occupation_issues,
    occupations,
)
from tools.population import EDUCATION_LEVELS, INCOME_BRACKETS


def _codes(issues) -> list[str]:
    return [i.code for i in issues]


def _entry(form: str):
    return next(o for o in occupations() if form in (o.masculine, o.feminine))


def test_data_when_loaded_then_every_entry_uses_known_levels_and_brackets():
    assert len(occupations()) >= 60
    for occ in occupations():
        assert occ.education in EDUCATION_LEVELS
        assert set(occ.income) <= set(INCOME_BRACKETS)
        assert occ.age_min < occ.age_max
        assert occ.patterns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pracuje jako programistka w banku", "programista"),
        ("Programista", "programista"),
        ("emerytowana nauczycielka", "emeryt"),
        ("pielęgniarka na oddziale", "pielęgniarz"),
        ("prowadzi własną firmę remontową", "właściciel firmy (JDG)"),
        ("kasjerką w Biedronce", "kasjer"),
    ],
)
def test_match_occupations_when_inflected_or_longer_then_found(text, expected):
    assert match_occupations(text)[0].masculine == expected


def test_occupation_issues_when_fits_then_none():
    assert occupation_issues("pracuje jako programistka w banku", 30, "wyższe", ">10000 PLN") == []


def test_occupation_issues_when_unknown_occupation_then_none():
    assert occupation_issues("influencerka kulinarna", 27, "podstawowe", "<3000 PLN") == []


def test_occupation_issues_when_doctor_without_degree_then_education_mismatch():
    issues = occupation_issues("lekarka rodzinna", 45, "średnie", ">10000 PLN")
    assert _codes(issues) == ["occupation_education_mismatch"]
    assert issues[0].penalty == 15
    assert "lekarka rodzinna" in issues[0].message


@pytest.mark.parametrize(("text", "age"), [("student", 60), ("emerytka", 30)])
def test_occupation_issues_when_clearly_outside_age_then_age_mismatch(text, age):
    issues = occupation_issues(text, age, "średnie", "<3000 PLN")
    assert _codes(issues) == ["occupation_age_mismatch"]
    assert issues[0].penalty == 10


def test_occupation_issues_when_slightly_outside_age_then_tolerated():
    assert occupation_issues("studentka zaoczna", 32, "średnie", "<3000 PLN") == []


def test_occupation_issues_when_retired_teacher_at_80_then_no_age_penalty():
    assert occupation_issues("emerytowana nauczycielka", 80, "wyższe", "<3000 PLN") == []
