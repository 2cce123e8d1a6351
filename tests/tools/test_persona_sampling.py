"""Persona sampling: constraints, fidelity to the tables' joint shape, psychographics."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tools import population, regions
from tools.location import resolve_location
from tools.persona import places, psychographics
from tools.persona.fidelity import check_dimension, fidelity_report, total_variation
from tools.persona.places import place_of, place_weights
from tools.persona.sampling import (
    OTHER_PLACE,
    sample_demographics,
    systematic_indices,
    target_marginals,
    violations,
)

SEED_SEGMENT = population.Segment(
    18, 24, genders=("kobieta",), education_levels=("wyższe",), income_brackets=("<3000 PLN",)
)
ADULTS = population.Segment(18, 100)


def test_systematic_sampling_gives_every_cell_its_expected_count_rounded():
    weights = np.array([0.5, 0.25, 0.125, 0.125])
    picked = systematic_indices(weights, 80, np.random.default_rng(1))
    assert Counter(picked.tolist()) == {0: 40, 1: 20, 2: 10, 3: 10}


def test_sample_when_segment_constrained_then_every_person_satisfies_it():
    segment = population.Segment(
        30, 44, genders=("mężczyzna",), education_levels=("średnie", "wyższe"), city="Kraków"
    )
    people = sample_demographics(segment, 300, np.random.default_rng(7), year=2026)
    assert len(people) == 300
    assert all(not violations(p.as_dict(), segment) for p in people)
    assert {p.location for p in people} == {"Kraków"}
    assert all(p.birth_year == 2026 - p.age for p in people)


def test_violations_when_person_outside_segment_then_each_problem_named():
    person = {
        "age": 40,
        "gender": "mężczyzna",
        "education": "podstawowe",
        "income_bracket": ">10000 PLN",
        "location": "Gdańsk",
    }
    problems = violations(person, SEED_SEGMENT)
    assert len(problems) == 4
    assert any("age 40" in p for p in problems)


def test_sample_when_all_adults_then_marginals_follow_the_joint_tables():
    people = [
        p.as_dict() for p in sample_demographics(ADULTS, 200, np.random.default_rng(3), year=2026)
    ]
    targets = target_marginals(ADULTS)
    # Older people have less higher education in the tables: the sample keeps that shape.
    young = [p for p in people if p["age"] < 40]
    old = [p for p in people if p["age"] >= 65]
    share = lambda group: sum(p["education"] == "wyższe" for p in group) / len(group)  # noqa: E731
    assert share(young) > share(old) + 0.1
    for dim in ("age_bin", "gender", "education", "income_bracket", "location"):
        result = check_dimension([p[dim] for p in people], targets[dim])
        assert result["tvd"] <= 0.05, (dim, result)
        assert result["tested"] and result["p_value"] > 0.05 / 5
    assert targets["location"][OTHER_PLACE] > 0.5


def test_independent_draws_would_miss_the_tvd_goal_that_systematic_sampling_meets():
    rng = np.random.default_rng(11)
    target = target_marginals(ADULTS)["age_bin"]
    keys, probs = list(target), np.array(list(target.values()))
    tvds = [
        total_variation(Counter(rng.choice(keys, 200, p=probs / probs.sum())), target)
        for _ in range(50)
    ]
    systematic = check_dimension(
        [p.age_bin for p in sample_demographics(ADULTS, 200, rng, year=2026)], target
    )["tvd"]
    assert float(np.mean(tvds)) > 0.05 > systematic


def test_fidelity_when_sample_skewed_then_chi_square_rejects_and_names_dimension():
    target = {"kobieta": 0.5, "mężczyzna": 0.5}
    people = [{"gender": "kobieta"}] * 150 + [{"gender": "mężczyzna"}] * 50
    full = [
        {
            **p,
            "age_bin": "20-24",
            "education": "wyższe",
            "income_bracket": "<3000 PLN",
            "location": "Kraków",
        }
        for p in people
    ]
    fixed = {
        "age_bin": {"20-24": 1.0},
        "education": {"wyższe": 1.0},
        "income_bracket": {"<3000 PLN": 1.0},
        "location": {"Kraków": 1.0},
    }
    report = fidelity_report({"s": (full, {"gender": target, **fixed})})
    assert report["tests"] == 1 and report["bonferroni_alpha"] == pytest.approx(0.05)
    assert not report["passed"] and report["failures"] == ["s.gender"]
    assert report["segments"]["s"]["education"]["reason"].startswith("fixed")


def test_check_dimension_pools_categories_expected_fewer_than_five_times():
    target = {"a": 0.9, "b": 0.05, "c": 0.03, "d": 0.02}
    result = check_dimension(["a"] * 90 + ["b"] * 5 + ["c"] * 3 + ["d"] * 2, target)
    assert result["pooled_categories"] == ["c", "d"]
    assert result["dof"] == 2 and result["p_value"] > 0.9
    assert result["tvd"] == 0.0 and result["tvd_raw"] == 0.0


def test_tvd_when_many_rare_places_then_pooled_distance_measures_fit_not_rounding():
    # 40 towns expected twice each; the 80 people sit in half of them, four each.
    target = {"big": 0.6, **{f"town{i}": 0.01 for i in range(40)}}
    values = ["big"] * 120 + [f"town{i}" for i in range(20)] * 4
    result = check_dimension(values, target)
    assert result["tvd_raw"] == pytest.approx(0.2) and result["tvd"] == 0.0


def test_big_five_when_many_people_then_correlations_near_the_meta_analysis():
    rng = np.random.default_rng(5)
    traits = np.array(
        [list(psychographics.sample_traits(40, "mężczyzna", rng)[0].values()) for _ in range(3000)]
    )
    gap = np.abs(np.corrcoef(traits.T) - psychographics.TRAIT_CORRELATIONS)
    assert gap.max() < 0.08


def test_psychographics_shift_with_sex_and_age_and_stay_in_range():
    rng = np.random.default_rng(9)
    women = [psychographics.sample_psychographics(30, "kobieta", rng) for _ in range(800)]
    men = [psychographics.sample_psychographics(30, "mężczyzna", rng) for _ in range(800)]
    old = [psychographics.sample_psychographics(75, "mężczyzna", rng) for _ in range(800)]
    mean = lambda group, part, key: np.mean([p[part][key] for p in group])  # noqa: E731
    assert mean(women, "big_five", "neuroticism") > mean(men, "big_five", "neuroticism") + 0.03
    assert mean(old, "schwartz", "tradition") > mean(men, "schwartz", "tradition") + 0.2
    assert mean(old, "hofstede", "indulgence") < mean(men, "hofstede", "indulgence")
    assert abs(mean(men, "hofstede", "uncertainty_avoidance") - 93) < 5
    for person in women + old:
        assert all(0 <= v <= 1 for v in person["big_five"].values())
        assert all(0 <= v <= 100 for v in person["hofstede"].values())
        assert abs(sum(person["schwartz"].values())) < 1e-6 * 10 + 0.01
        assert len(person["top_values"]) == 3 and person["interest_hints"]


def test_fidelity_when_a_segment_kept_nobody_then_it_fails_and_empty_run_is_unassessed():
    targets = target_marginals(SEED_SEGMENT)
    people = [
        p.as_dict()
        for p in sample_demographics(SEED_SEGMENT, 50, np.random.default_rng(1), year=2026)
    ]
    report = fidelity_report({"kept": (people, targets), "lost": ([], targets)})
    assert report["passed"] is False and report["failures"] == ["lost: nobody kept"]
    assert fidelity_report({})["passed"] is None
    fixed = report["segments"]["kept"]["education"]
    assert fixed["tested"] is False and "fits" not in fixed and "tvd_ok" not in fixed


# --- places by settlement class and voivodeship --------------------------------------------


@pytest.mark.parametrize(
    ("segment", "classes", "voivodeships"),
    [
        (population.Segment(25, 60, settlement_classes=("wieś",)), {"wieś"}, None),
        (population.Segment(25, 60, voivodeships=("mazowieckie",)), None, {"mazowieckie"}),
        (
            population.Segment(
                20, 40, settlement_classes=("miasto do 20 tys.",), voivodeships=("wielkopolskie",)
            ),  # fmt: skip
            {"miasto do 20 tys."},
            {"wielkopolskie"},
        ),
    ],
)
def test_sample_when_class_or_voivodeship_then_every_place_consistent(
    segment, classes, voivodeships
):
    people = sample_demographics(segment, 200, np.random.default_rng(4), year=2026)
    places = [place_of(p.location) for p in people]
    assert all(place is not None for place in places)
    assert classes is None or {p.settlement_class for p in places} == classes
    assert voivodeships is None or {p.voivodeship for p in places} == voivodeships
    assert all(not violations(p.as_dict(), segment) for p in people)


def test_sample_when_village_segment_then_villages_named_as_villages():
    segment = population.Segment(30, 50, settlement_classes=("wieś",))
    people = sample_demographics(segment, 50, np.random.default_rng(2), year=2026)
    assert all(p.location.startswith("wieś ") and ", woj. " in p.location for p in people)
    assert len({p.location.split(", woj. ")[1] for p in people}) >= 10  # all over Poland


def test_sample_when_voivodeship_then_its_capital_in_proportion():
    segment = population.Segment(18, 100, voivodeships=("mazowieckie",))
    shares = target_marginals(segment)["location"]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert 0.3 < shares["Warszawa"] < 0.4  # Warsaw: about a third of Mazowsze
    assert "Kraków" not in shares and shares["Radom"] > 0
    people = sample_demographics(segment, 200, np.random.default_rng(8), year=2026)
    warsaw = sum(p.location == "Warszawa" for p in people) / len(people)
    assert warsaw == pytest.approx(shares["Warszawa"], abs=0.01)


def test_sample_when_same_seed_then_same_places():
    segment = population.Segment(25, 60, settlement_classes=("wieś", "miasto do 20 tys."))

    def draw() -> list[str]:
        rng = np.random.default_rng(6)
        return [p.location for p in sample_demographics(segment, 30, rng, year=2026)]

    assert draw() == draw()


def test_violations_when_place_outside_class_or_voivodeship_then_named():
    segment = population.Segment(25, 60, settlement_classes=("wieś",),
                                 voivodeships=("podlaskie",))  # fmt: skip
    person = {
        "age": 40,
        "gender": "kobieta",
        "education": "średnie",
        "income_bracket": "<3000 PLN",
        "location": "wieś Raszyn, woj. mazowieckie",
    }
    assert violations(person, segment) == [
        "location 'wieś Raszyn, woj. mazowieckie' is not in wieś; woj. podlaskie"
    ]
    assert "not a place of the tables" in violations({**person, "location": "Gotham"}, segment)[0]
    assert violations({**person, "location": "wieś Białowieża, woj. podlaskie"}, segment) == []


def test_places_when_listed_then_every_class_and_voivodeship_has_somewhere_to_live():
    for kind in regions.CLASSES[:3]:
        for voivodeship in regions.voivodeships():
            weights = place_weights(kind, voivodeship)
            assert weights and sum(weights.values()) == pytest.approx(1.0), (kind, voivodeship)


@pytest.mark.parametrize(
    ("location", "segment_location"),
    [
        ("Kraków", "Kraków"),
        ("Kalisz", "Kalisz"),
        ("wieś Raszyn, woj. mazowieckie", "wieś, mazowieckie"),
        ("Płońsk, woj. mazowieckie", None),
        ("Sopot, woj. pomorskie", "miasto 20-99 tys., pomorskie"),
        (OTHER_PLACE, None),
    ],
)
def test_segment_location_when_persona_place_then_a_location_the_validator_reads(
    location, segment_location
):
    assert places.segment_location(location) == segment_location
    place = place_of(location)
    if segment_location is not None and place is not None:
        read = resolve_location(segment_location)
        assert read.city == location or (
            read.settlement_classes == (place.settlement_class,)
            and read.voivodeships == (place.voivodeship,)
        )
