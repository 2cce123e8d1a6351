"""Names and occupations drawn from Sight's tables (tools/persona/identity.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tools.persona.identity import choose_identity, occupation_options
from tools.persona.names import first_name_sex, name_issues
from tools.persona.occupations import occupations


def _entry(form: str):
    return next(o for o in occupations() if form in (o.masculine, o.feminine))


def _demo(**over):
    demo = {
        "age": 34,
        "gender": "kobieta",
        "birth_year": 1992,
        "education": "wyższe",
        "income_bracket": "7500-10000 PLN",
        "location": "Kraków",
    }
    return {**demo, **over}


def test_occupation_options_when_woman_then_feminine_forms_that_fit():
    picks = occupation_options(_demo(), np.random.default_rng(0))
    assert len(picks) == 3
    for form in picks:
        occ = _entry(form)
        assert form == occ.feminine
        assert occ.age_min <= 34 <= occ.age_max
        assert "7500-10000 PLN" in occ.income


def test_occupation_options_when_basic_education_then_nothing_needs_more():
    rng = np.random.default_rng(5)
    demo = _demo(gender="mężczyzna", education="podstawowe", income_bracket="3000-5000 PLN", age=40)
    for _ in range(20):
        for form in occupation_options(demo, rng):
            assert _entry(form).education == "podstawowe"
            assert form == _entry(form).masculine


def test_occupation_options_when_seeded_then_deterministic():
    demo = _demo(gender="osoba niebinarna", education="średnie", income_bracket="<3000 PLN", age=25)
    assert occupation_options(demo, np.random.default_rng(9)) == occupation_options(
        demo, np.random.default_rng(9)
    )


def test_occupation_options_when_70_then_retirement_offered():
    rng = np.random.default_rng(1)
    demo = _demo(age=70, education="średnie", income_bracket="<3000 PLN")
    picks = {p for _ in range(10) for p in occupation_options(demo, rng)}
    assert "emerytka" in picks
    assert "studentka" not in picks


def test_occupation_options_when_village_then_farmers_commoner_than_in_a_city():
    demo = _demo(gender="mężczyzna", education="podstawowe", income_bracket="3000-5000 PLN", age=45)
    village = _demo(**{**demo, "location": "wieś Kobierzyce, woj. dolnośląskie"})
    rng = np.random.default_rng(3)
    in_village = Counter(occupation_options(village, rng)[0] for _ in range(300))["rolnik"]
    in_city = Counter(occupation_options(demo, rng)[0] for _ in range(300))["rolnik"]
    assert in_village > 3 * max(in_city, 1)


def test_choose_identity_when_sampled_then_names_agree_with_gender_and_pass_the_checks():
    rng = np.random.default_rng(11)
    for gender, year in (("kobieta", 1950), ("mężczyzna", 1995), ("kobieta", 2001)):
        demo = _demo(gender=gender, birth_year=year, age=2026 - year)
        for _ in range(25):
            who = choose_identity(demo, rng)
            assert first_name_sex(who["first_name"]) in (gender, None)
            assert name_issues(who["first_name"], who["last_name"], gender, year) == []
            assert who["occupation"] == who["occupation_options"][0]
