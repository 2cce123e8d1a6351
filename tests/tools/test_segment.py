"""KPI request validation: every problem listed, aliases accepted, canonical key stable."""

from __future__ import annotations

import pytest

from tools.segment import validate_segment
from sight.errors import InputValidationError

SEED_SEGMENT = {
    "age_min": 18,
    "age_max": 24,
    "gender": "kobieta",
    "education_levels": ["wyższe"],
    "income_brackets": ["<3000 PLN"],
}


def _fields(raw: object) -> list[str]:
    with pytest.raises(InputValidationError) as info:
        validate_segment(raw)
    return [p["field"] for p in info.value.problems]


def test_validate_when_seed_segment_then_canonical_request():
    request = validate_segment({**SEED_SEGMENT, "location": "Polska"})
    assert request.segment.genders == ("kobieta",)
    assert request.segment.education_levels == ("wyższe",)
    assert request.segment.city is None
    assert request.industry == "b2b_saas"


def test_validate_when_english_aliases_then_same_key_as_polish():
    polish = validate_segment({**SEED_SEGMENT, "location": "Kraków", "industry": "b2b_saas"})
    english = validate_segment(
        {
            "age_min": 18,
            "age_max": 24,
            "gender": "female",
            "education_levels": ["higher"],
            "income_brackets": ["<3000 PLN"],
            "location": "Krakow",
            "industry": "saas",
        }
    )
    assert english.key == polish.key
    assert english.segment.city == polish.segment.city


def test_validate_when_nested_demographics_then_accepted_like_flat():
    nested = validate_segment({"segment_id": "seg_young", "demographics": SEED_SEGMENT})
    assert nested.key == validate_segment(SEED_SEGMENT).key
    assert nested.segment_id == "seg_young"


def test_validate_when_many_problems_then_every_one_listed():
    fields = _fields(
        {
            "age_min": 40,
            "age_max": 30,
            "gender": "robot",
            "education_levels": ["doktorat-z-kosmosu"],
            "income_min_pln": -100,
            "location": "Atlantyda",
            "industry": "mining-on-mars",
            "agemin": 3,
        }
    )
    assert set(fields) >= {
        "age_min",
        "gender",
        "education_levels",
        "income_min_pln",
        "location",
        "industry",
        "agemin",
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"age_max": 30}, "age_min"),
        ({"age_min": 10, "age_max": 30}, "age_min"),
        ({"age_min": 20, "age_max": 130}, "age_max"),
        ({"age_min": 20.5, "age_max": 30}, "age_min"),
        ({"age_min": True, "age_max": 30}, "age_min"),
        ({"age_min": 20, "age_max": 30, "income_brackets": ["-500 PLN"]}, "income_brackets"),
        (
            {"age_min": 20, "age_max": 30, "income_min_pln": 9000, "income_max_pln": 3000},
            "income_min_pln",
        ),
        ({"age_min": 20, "age_max": 30, "education_levels": 5}, "education_levels"),
        ({"age_min": 20, "age_max": 30, "demographics": "x"}, "demographics"),
    ],
)
def test_validate_when_bad_field_then_problem_names_it(raw, field):
    assert field in _fields(raw)


def test_validate_when_not_an_object_then_error():
    assert _fields(["age_min", 1]) == ["input"]


def test_validate_when_income_range_then_maps_to_overlapping_brackets():
    request = validate_segment(
        {"age_min": 30, "age_max": 40, "income_min_pln": 4000, "income_max_pln": 6000}
    )
    assert request.segment.income_brackets == ("3000-5000 PLN", "5000-7500 PLN")


def test_validate_when_lists_reordered_or_repeated_then_same_key():
    a = validate_segment({**SEED_SEGMENT, "education_levels": ["wyższe", "średnie"]})
    b = validate_segment({**SEED_SEGMENT, "education_levels": ["secondary", "wyższe", "higher"]})
    assert a.key == b.key
